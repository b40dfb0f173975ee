//! The `dfs` command: pack, lose shards, unpack, inspect, keys; no partial output on failure.

#![allow(clippy::unwrap_used)]

use std::{path::Path, process::Command};

fn dfs(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dfs")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let output = dfs(args);
    assert!(output.status.success(), "dfs {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn shard_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> =
        std::fs::read_dir(dir.join("shards")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn pack_lose_shards_unpack() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("report.bin");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&input, &data).unwrap();
    let packed = work.path().join("packed");
    let out = ok(&[
        "pack",
        input.to_str().unwrap(),
        "-o",
        packed.to_str().unwrap(),
        "--segment-size",
        "1048576",
    ]);
    assert!(out.contains("file id"));
    assert!(packed.join("manifest.json").exists() && packed.join("file.key").exists());
    let inspect = ok(&["inspect", packed.to_str().unwrap()]);
    assert!(inspect.contains("3 segments") || inspect.contains("segments      3"), "{inspect}");

    // Delete n − k = 4 shards of every segment: the manifest says which.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(packed.join("manifest.json")).unwrap()).unwrap();
    for segment in manifest["segments"].as_array().unwrap() {
        for shard in segment["shards"].as_array().unwrap().iter().take(4) {
            let hash = shard["hash"].as_str().unwrap().trim_start_matches("0x");
            std::fs::remove_file(packed.join("shards").join(hash)).unwrap();
        }
    }
    let restored = work.path().join("restored.bin");
    ok(&["unpack", packed.to_str().unwrap(), "-o", restored.to_str().unwrap()]);
    assert_eq!(std::fs::read(&restored).unwrap(), data);

    // One more lost shard: a clear error, and no output file.
    std::fs::remove_file(&shard_files(&packed)[0]).unwrap();
    let failed_output = work.path().join("failed.bin");
    let failed = dfs(&["unpack", packed.to_str().unwrap(), "-o", failed_output.to_str().unwrap()]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("segment"));
    assert!(!failed_output.exists());
    assert!(std::fs::read_dir(work.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

#[test]
fn keys_generate_and_inspect() {
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("me.key");
    let generated = ok(&["key", "generate", "-o", key.to_str().unwrap()]);
    let inspected = ok(&["key", "inspect", key.to_str().unwrap()]);
    assert_eq!(
        generated.lines().skip(1).collect::<Vec<_>>(),
        inspected.lines().collect::<Vec<_>>()
    );
    assert!(
        !dfs(&["key", "generate", "-o", key.to_str().unwrap()]).status.success(),
        "no overwrite"
    );
    assert!(!dfs(&["inspect", work.path().join("nothing").to_str().unwrap()]).status.success());
}
