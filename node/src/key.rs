//! `dfs-node key`: generate and inspect keys and node (network) keys, printed in subkey's
//! formats. Storing them is the keystore's job (`dfs-keystore`).

use anyhow::Result;
use dfs_core::{
    pair::{Ed25519Pair, Sr25519Pair},
    AccountId32, DFS_SS58_PREFIX,
};
use dfs_keystore::Scheme;
use serde_json::json;

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

/// The libp2p peer id of an ed25519 node key.
pub fn peer_id(node_secret: &[u8; 32]) -> Result<String> {
    Ok(dfs_network::PeerId::from_ed25519_secret(*node_secret)?.to_string())
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
    fn peer_ids_are_libp2p_ed25519_ids() {
        // The node key of Substrate's local-testnet tutorials and its well-known peer id.
        let mut key = [0u8; 32];
        key[31] = 1;
        assert_eq!(peer_id(&key).unwrap(), "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp");
    }
}
