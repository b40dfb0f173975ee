//! Genesis configuration: the default, the built-in presets, and building the state.
//!
//! Presets are JSON patches over the default `RuntimeGenesisConfig`, as Substrate's
//! `GenesisBuilder` API defines them: `development` (Alice is sudo and the only block
//! author; the six dev accounts and their `//stash` accounts are endowed) and
//! `local_testnet` (the same accounts, Alice and Bob author, for multi-node test networks).

use alloc::{format, string::String, vec::Vec};
use dfs_core::AccountId32;
use dfs_support::Balance;
use serde_json::{json, Value};

use crate::RuntimeGenesisConfig;

/// The preset of single-node development chains.
pub const DEVELOPMENT: &str = "development";
/// The preset of local multi-node test networks.
pub const LOCAL_TESTNET: &str = "local_testnet";
/// What each dev account starts with: 2^60 units, as Substrate's dev chains.
pub const DEV_ENDOWMENT: Balance = 1 << 60;

/// The names of the built-in presets.
pub fn preset_names() -> Vec<&'static str> {
    alloc::vec![DEVELOPMENT, LOCAL_TESTNET]
}

/// The dev accounts (`//Alice` … `//Ferdie` and their `//stash` accounts), by their
/// well-known public keys so the runtime needs no key derivation.
pub fn dev_accounts() -> Vec<AccountId32> {
    [
        // //Alice, //Bob, //Charlie, //Dave, //Eve, //Ferdie
        "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
        "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
        "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22",
        "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20",
        "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e",
        "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c",
        // //Alice//stash, //Bob//stash
        "be5ddb1579b72e84524fc29e78609e3caf42e85aa118ebfe0b0ad404b5bdd25f",
        "fe65717dad0447d715f660a0a58411de509b42e6efb8375f562f58a554d5860e",
    ]
    .iter()
    .map(|hex_key| {
        let mut key = [0u8; 32];
        // The literals above are 64 hex digits each.
        hex::decode_to_slice(hex_key, &mut key).expect("valid hex literal");
        AccountId32(key)
    })
    .collect()
}

fn testnet_patch(
    endowed: &[AccountId32],
    sudo: &AccountId32,
    authorities: &[AccountId32],
) -> Value {
    let balances: Vec<Value> = endowed.iter().map(|who| json!([who, DEV_ENDOWMENT])).collect();
    json!({
        "balances": { "balances": balances },
        "sudo": { "key": sudo },
        "aura": { "authorities": authorities },
    })
}

/// The patch of preset `name`, if it exists.
pub fn preset(name: &str) -> Option<Value> {
    let accounts = dev_accounts();
    match name {
        // Alice authors a dev chain alone; a local testnet rotates Alice and Bob.
        DEVELOPMENT => Some(testnet_patch(&accounts, &accounts[0], &accounts[..1])),
        LOCAL_TESTNET => Some(testnet_patch(&accounts, &accounts[0], &accounts[..2])),
        _ => None,
    }
}

/// The default configuration as JSON.
pub fn default_config() -> Value {
    serde_json::to_value(RuntimeGenesisConfig::default()).unwrap_or(Value::Null)
}

/// Applies a JSON merge patch (RFC 7386): objects merge key by key, `null` deletes, anything
/// else replaces.
pub fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    base.remove(&key);
                } else {
                    merge(base.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (base, patch) => *base = patch,
    }
}

/// Builds the genesis state from `json` (a full configuration, or a patch over the default)
/// into the current storage.
pub fn build_state(json: &[u8]) -> Result<(), String> {
    let patch: Value = serde_json::from_slice(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut config = default_config();
    merge(&mut config, patch);
    let config: RuntimeGenesisConfig =
        serde_json::from_value(config).map_err(|e| format!("invalid genesis config: {e}"))?;
    config.build()
}
