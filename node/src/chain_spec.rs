//! Chain specifications in Substrate's JSON format.
//!
//! A *plain* spec carries the runtime code and a genesis patch over the runtime's default
//! configuration (`genesis.runtimeGenesis.{code, patch}`), which tools such as zombienet
//! edit. A *raw* spec carries the genesis storage itself (`genesis.raw.top`), built by
//! running the runtime's `GenesisBuilder` on the patch.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context, Result};
use dfs_chain::runtime_api::{call_in_overlay, GenesisBuildState, GenesisPreset};
use dfs_core::hex_text::{from_hex as decode_hex, to_hex as hex_bytes};
use dfs_executor::Executor;
use dfs_io::state::{InMemoryBackend, OverlayedChanges};
use dfs_runtime_primitives::well_known_keys::CODE as CODE_KEY;
use serde_json::{json, Value};

/// The bytes of hex `text`; an error quotes its start (by characters, whatever the text).
fn from_hex(text: &str) -> Result<Vec<u8>> {
    decode_hex(text).with_context(|| format!("invalid hex `{:.20}`", text))
}

/// The built-in chains: their spec id, name, type and genesis preset.
fn builtin(name: &str) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    match name {
        "dev" => Some(("dev", "Development", "Development", dfs_runtime::genesis::DEVELOPMENT)),
        "local" => {
            Some(("local_testnet", "Local Testnet", "Local", dfs_runtime::genesis::LOCAL_TESTNET))
        }
        _ => None,
    }
}

/// A chain specification as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainSpec(pub Value);

impl ChainSpec {
    /// The plain spec of a built-in chain (`dev`, `local`), or the spec in file `name`.
    pub fn load(name: &str, executor: &Executor) -> Result<Self> {
        if let Some((id, chain_name, chain_type, preset)) = builtin(name) {
            let code = dfs_runtime::wasm::WASM_BINARY
                .ok_or_else(|| anyhow!("this dfs-node was built without the Wasm runtime"))?;
            let patch = call_preset(executor, code, Some(preset))?
                .ok_or_else(|| anyhow!("the runtime has no `{preset}` preset"))?;
            return Ok(ChainSpec(json!({
                "name": chain_name,
                "id": id,
                "chainType": chain_type,
                "bootNodes": [],
                "telemetryEndpoints": null,
                "protocolId": "dfs",
                "properties": { "ss58Format": dfs_core::DFS_SS58_PREFIX, "tokenDecimals": 12, "tokenSymbol": "DFS" },
                "codeSubstitutes": {},
                "genesis": { "runtimeGenesis": { "code": hex_bytes(code), "patch": patch } },
            })));
        }
        let text = std::fs::read_to_string(name).with_context(|| {
            format!("`{name}` is neither `dev`, `local` nor a readable chain spec file")
        })?;
        let value: Value =
            serde_json::from_str(&text).with_context(|| format!("{name} is not JSON"))?;
        let spec = ChainSpec(value);
        spec.id()?;
        Ok(spec)
    }

    /// The chain's id (its folder under `chains/`).
    pub fn id(&self) -> Result<&str> {
        self.0["id"].as_str().ok_or_else(|| anyhow!("the chain spec has no `id`"))
    }

    /// Whether the genesis is raw storage already.
    pub fn is_raw(&self) -> bool {
        self.0["genesis"]["raw"].is_object()
    }

    /// The genesis storage: the raw spec's, or built by the runtime from the plain spec.
    pub fn genesis_storage(&self, executor: &Executor) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        if self.is_raw() {
            let top = self.0["genesis"]["raw"]["top"]
                .as_object()
                .ok_or_else(|| anyhow!("`genesis.raw.top` is not an object"))?;
            return top
                .iter()
                .map(|(key, value)| {
                    let value = value
                        .as_str()
                        .ok_or_else(|| anyhow!("raw value of {key} is not a string"))?;
                    Ok((from_hex(key)?, from_hex(value)?))
                })
                .collect();
        }
        let runtime_genesis = &self.0["genesis"]["runtimeGenesis"];
        let code = from_hex(
            runtime_genesis["code"]
                .as_str()
                .ok_or_else(|| anyhow!("`genesis.runtimeGenesis.code` is missing"))?,
        )?;
        // A patch over the default, or (older specs) a full `config`.
        let config = runtime_genesis
            .get("patch")
            .or_else(|| runtime_genesis.get("config"))
            .cloned()
            .unwrap_or(json!({}));
        let mut state = InMemoryBackend::new([(CODE_KEY.to_vec(), code)].into());
        let mut overlay = OverlayedChanges::default();
        let built = call_in_overlay::<GenesisBuildState>(
            executor,
            &state,
            &mut overlay,
            &serde_json::to_vec(&config)?,
        )
        .map_err(|e| anyhow!("building genesis: {e}"))?;
        built.map_err(|e| anyhow!("the runtime refused the genesis configuration: {e}"))?;
        state.apply(overlay.drain_committed());
        Ok(state.into_entries())
    }

    /// The raw form of this spec.
    pub fn to_raw(&self, executor: &Executor) -> Result<Self> {
        let storage = self.genesis_storage(executor)?;
        let mut raw = self.0.clone();
        let top: serde_json::Map<String, Value> = storage
            .iter()
            .map(|(key, value)| (hex_bytes(key), Value::String(hex_bytes(value))))
            .collect();
        raw["genesis"] = json!({ "raw": { "top": top, "childrenDefault": {} } });
        Ok(ChainSpec(raw))
    }
}

fn call_preset(executor: &Executor, code: &[u8], preset: Option<&str>) -> Result<Option<Value>> {
    let state = InMemoryBackend::new([(CODE_KEY.to_vec(), code.to_vec())].into());
    let id: Option<Vec<u8>> = preset.map(|name| name.as_bytes().to_vec());
    let json =
        call_in_overlay::<GenesisPreset>(executor, &state, &mut OverlayedChanges::default(), &id)
            .map_err(|e| anyhow!("GenesisBuilder_get_preset: {e}"))?;
    json.map(|bytes| serde_json::from_slice(&bytes).context("preset JSON")).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_spec_files_with_bad_text_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let executor = crate::executor::executor().unwrap();
        let cases: &[&[u8]] = &[
            b"",
            b"\xff\xfe not utf-8",
            b"{\"id\": 7}",
            b"[]",
            // A key whose 20th byte falls inside a two-byte character.
            "{\"id\":\"x\",\"genesis\":{\"raw\":{\"top\":{\"0xa\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\": \"0x00\"}}}}".as_bytes(),
            b"{\"id\":\"x\",\"genesis\":{\"raw\":{\"top\":{\"0x00\": 5}}}}",
            b"{\"id\":\"x\",\"genesis\":{\"raw\":{\"top\":[]}}}",
            b"{\"id\":\"x\",\"genesis\":{\"runtimeGenesis\":{\"code\":\"0xzz\"}}}",
            b"{\"id\":\"x\",\"genesis\":{\"runtimeGenesis\":{\"code\":\"0x0061736d\"}}}",
            b"{\"id\":\"x\",\"genesis\":{}}",
        ];
        for (index, contents) in cases.iter().enumerate() {
            let path = dir.path().join(format!("spec-{index}.json"));
            std::fs::write(&path, contents).unwrap();
            let outcome = ChainSpec::load(path.to_str().unwrap(), &executor)
                .and_then(|spec| spec.genesis_storage(&executor));
            assert!(outcome.is_err(), "case {index} loaded");
        }
    }
}
