//! `dfs-node key`: generate, inspect and insert keys, and node (network) keys, in Substrate's
//! formats and keystore layout.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use dfs_core::{
    pair::{generate_mnemonic, Ed25519Pair, Sr25519Pair},
    AccountId32, DFS_SS58_PREFIX,
};
use serde_json::json;

/// A key scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheme {
    /// Schnorrkel on Ristretto (accounts, Aura, BABE).
    Sr25519,
    /// Ed25519 (GRANDPA).
    Ed25519,
}

/// The public facts of a key derived from a secret URI.
pub struct KeyInfo {
    public: [u8; 32],
    seed: Option<[u8; 32]>,
}

impl KeyInfo {
    /// The key of `suri` in `scheme`.
    pub fn from_suri(suri: &str, scheme: Scheme) -> Result<Self> {
        match scheme {
            Scheme::Sr25519 => {
                let (pair, seed) =
                    Sr25519Pair::from_suri_with_seed(suri).map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(KeyInfo { public: pair.public().0, seed })
            }
            Scheme::Ed25519 => {
                let pair = Ed25519Pair::from_suri(suri).map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(KeyInfo { public: pair.public().0, seed: Some(pair.seed()) })
            }
        }
    }

    /// The public key.
    pub fn public(&self) -> [u8; 32] {
        self.public
    }

    /// Subkey-style output: text, or JSON with `json`.
    pub fn render(&self, phrase: Option<&str>, json: bool) -> String {
        let address = AccountId32(self.public).to_ss58(DFS_SS58_PREFIX);
        let public = format!("0x{}", hex::encode(self.public));
        let seed = self.seed.map(|seed| format!("0x{}", hex::encode(seed)));
        if json {
            return json!({
                "secretPhrase": phrase,
                "networkId": "substrate",
                "secretSeed": seed,
                "publicKey": public,
                "accountId": public,
                "publicKeySs58": address,
                "ss58Address": address,
            })
            .to_string();
        }
        let mut out = String::new();
        if let Some(phrase) = phrase {
            out.push_str(&format!("Secret phrase:       {phrase}\n"));
        }
        out.push_str("  Network ID:        substrate\n");
        out.push_str(&format!(
            "  Secret seed:       {}\n",
            seed.as_deref().unwrap_or("n/a (soft derivation)")
        ));
        out.push_str(&format!("  Public key (hex):  {public}\n"));
        out.push_str(&format!("  Account ID:        {public}\n"));
        out.push_str(&format!("  Public key (SS58): {address}\n"));
        out.push_str(&format!("  SS58 Address:      {address}"));
        out
    }
}

/// A new random 12-word phrase.
pub fn new_phrase() -> String {
    generate_mnemonic()
}

/// Writes `suri`'s public key of `key_type` into the keystore folder, as Substrate's file
/// keystore does: file `<hex key type><hex public key>` holding the SURI as a JSON string.
pub fn insert(keystore: &Path, key_type: &str, suri: &str, scheme: Scheme) -> Result<PathBuf> {
    if key_type.len() != 4 || !key_type.is_ascii() {
        bail!("a key type is four ASCII characters, like `aura` or `gran`");
    }
    let key = KeyInfo::from_suri(suri, scheme)?;
    std::fs::create_dir_all(keystore)
        .with_context(|| format!("creating {}", keystore.display()))?;
    let path = keystore.join(format!("{}{}", hex::encode(key_type), hex::encode(key.public())));
    std::fs::write(&path, serde_json::to_string(suri)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The libp2p peer id of an ed25519 node key: base58 of the identity multihash of the
/// protobuf-encoded public key.
pub fn peer_id(node_secret: &[u8; 32]) -> String {
    let public = Ed25519Pair::from_seed(node_secret).public().0;
    let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    bytes.extend_from_slice(&public);
    bs58::encode(bytes).into_string()
}

/// A new random node key.
pub fn new_node_key() -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alice_as_subkey_prints_her() {
        let alice = KeyInfo::from_suri("//Alice", Scheme::Sr25519).unwrap();
        let text = alice.render(None, false);
        assert!(text.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"));
        assert!(text.contains("0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"));
        let json: serde_json::Value = serde_json::from_str(&alice.render(Some("x"), true)).unwrap();
        assert_eq!(json["ss58Address"], "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        let ed = KeyInfo::from_suri("//Alice", Scheme::Ed25519).unwrap();
        assert!(ed
            .render(None, false)
            .contains("5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu"));
    }

    #[test]
    fn keystore_files_are_named_as_substrate_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = insert(dir.path(), "aura", "//Alice", Scheme::Sr25519).unwrap();
        assert_eq!(
            path.file_name().unwrap().to_string_lossy(),
            "61757261d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(std::fs::read_to_string(path).unwrap(), "\"//Alice\"");
        assert!(insert(dir.path(), "toolong", "//Alice", Scheme::Sr25519).is_err());
    }

    #[test]
    fn peer_ids_are_libp2p_ed25519_ids() {
        // The node key of Substrate's local-testnet tutorials and its well-known peer id.
        let mut key = [0u8; 32];
        key[31] = 1;
        assert_eq!(peer_id(&key), "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp");
    }
}
