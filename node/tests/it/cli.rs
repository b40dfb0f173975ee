//! `dfs-node build-spec` and `key`, as zombienet and operators use them.

use std::process::Command;

fn node(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dfs-node")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let output = node(args);
    assert!(
        output.status.success(),
        "dfs-node {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn build_spec_plain_and_raw_are_json_alone_on_stdout() {
    let plain: serde_json::Value =
        serde_json::from_str(&ok(&["build-spec", "--chain", "dev", "--disable-default-bootnode"]))
            .unwrap();
    assert_eq!(plain["id"], "dev");
    assert_eq!(plain["chainType"], "Development");
    assert_eq!(plain["properties"]["tokenSymbol"], "DFS");
    let patch = &plain["genesis"]["runtimeGenesis"]["patch"];
    assert_eq!(patch["sudo"]["key"], "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
    assert!(plain["genesis"]["runtimeGenesis"]["code"].as_str().unwrap().starts_with("0x0061736d"));

    // A plain spec file, edited as zombienet edits it, turned raw.
    let dir = tempfile::tempdir().unwrap();
    let mut edited = plain.clone();
    edited["genesis"]["runtimeGenesis"]["patch"]["balances"]["balances"] = serde_json::json!([[
        "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
        2_000_000_000_000u64
    ]]);
    let path = dir.path().join("edited.json");
    std::fs::write(&path, edited.to_string()).unwrap();
    let raw: serde_json::Value =
        serde_json::from_str(&ok(&["build-spec", "--chain", path.to_str().unwrap(), "--raw"]))
            .unwrap();
    let top = raw["genesis"]["raw"]["top"].as_object().unwrap();
    assert!(top.contains_key("0x3a636f6465"), ":code is in the raw genesis");
    // Balances.TotalIssuance holds exactly the one endowment.
    let issuance =
        top["0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80"].as_str().unwrap();
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(issuance.trim_start_matches("0x"), &mut bytes).unwrap();
    assert_eq!(u128::from_le_bytes(bytes), 2_000_000_000_000);

    // A raw spec loads as it is.
    let raw_path = dir.path().join("raw.json");
    std::fs::write(&raw_path, raw.to_string()).unwrap();
    let again: serde_json::Value =
        serde_json::from_str(&ok(&["build-spec", "--chain", raw_path.to_str().unwrap(), "--raw"]))
            .unwrap();
    assert_eq!(again["genesis"], raw["genesis"]);
}

#[test]
fn bad_chain_specs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = node(&["build-spec", "--chain", "nowhere.json"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nowhere.json"));
    let bad = dir.path().join("bad.json");
    let mut plain: serde_json::Value = serde_json::from_str(&ok(&["build-spec"])).unwrap();
    plain["genesis"]["runtimeGenesis"]["patch"]["balances"]["balances"] =
        serde_json::json!([["5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", 1]]);
    std::fs::write(&bad, plain.to_string()).unwrap();
    let refused = node(&["build-spec", "--chain", bad.to_str().unwrap(), "--raw"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("existential deposit"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn keys_in_substrate_formats() {
    let inspect = ok(&["key", "inspect", "//Alice"]);
    assert!(inspect.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"));
    let generated: serde_json::Value =
        serde_json::from_str(&ok(&["key", "generate", "--output-type", "json"])).unwrap();
    let phrase = generated["secretPhrase"].as_str().unwrap();
    assert_eq!(phrase.split(' ').count(), 12);
    let again: serde_json::Value =
        serde_json::from_str(&ok(&["key", "inspect", phrase, "--output-type", "json"])).unwrap();
    assert_eq!(again["ss58Address"], generated["ss58Address"]);

    let base = tempfile::tempdir().unwrap();
    let base_path = base.path().to_str().unwrap();
    let output = node(&[
        "key",
        "insert",
        "--suri",
        "//Alice",
        "--key-type",
        "aura",
        "--base-path",
        base_path,
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let keystore = base.path().join("chains/dev/keystore");
    assert!(keystore
        .join("61757261d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
        .exists());

    let key_file = base.path().join("node.key");
    let generated = node(&["key", "generate-node-key", "--file", key_file.to_str().unwrap()]);
    let peer = String::from_utf8_lossy(&generated.stderr).trim().to_string();
    assert!(peer.starts_with("12D3KooW"));
    assert_eq!(ok(&["key", "inspect-node-key", "--file", key_file.to_str().unwrap()]).trim(), peer);
    assert!(!node(&["key", "inspect", "not a phrase"]).status.success());
}
