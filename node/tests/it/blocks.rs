//! `export-blocks` and `import-blocks`: a chain exported from one node and imported into an
//! empty one, with every seal checked and every block executed, ends at the same block;
//! a tampered block is refused. `purge-chain` removes the database.

use std::{process::Command, time::Duration};

use serde_json::json;

use crate::common::{base_path, binary, path_str, transfer, Node};

fn run(args: &[&str]) -> std::process::Output {
    Command::new(binary()).args(args).output().unwrap()
}

#[test]
fn exported_blocks_import_into_an_empty_node_and_purge_removes_the_chain() {
    let source = base_path();
    let mut node =
        Node::start(&["--dev", "-d", path_str(source.path()), "--dev-block-time", "300"]);
    node.call(
        "author_submitExtrinsic",
        json!([transfer(&node, "Alice", "Bob", 5_000_000_000_000, 0)]),
    );
    node.wait_for_block(4, Duration::from_secs(30));
    node.stop();

    let dir = base_path();
    for binary in [false, true] {
        let file = dir.path().join(if binary { "blocks.bin" } else { "blocks.json" });
        let mut export = vec!["export-blocks", "--chain", "dev", "-d", path_str(source.path())];
        if binary {
            export.push("--binary");
        }
        export.push(path_str(&file));
        let output = run(&export);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

        let target = base_path();
        let mut import = vec!["import-blocks", "--chain", "dev", "-d", path_str(target.path())];
        if binary {
            import.push("--binary");
        }
        import.push(path_str(&file));
        let output = run(&import);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("Imported"), "{stderr}");

        // Both chains agree block by block.
        let (a, b) = (
            Node::start(&["--chain", "dev", "-d", path_str(source.path()), "--no-prometheus"]),
            Node::start(&["--chain", "dev", "-d", path_str(target.path()), "--no-prometheus"]),
        );
        let best = a.best_number();
        assert!(best >= 4);
        assert_eq!(b.best_number(), best);
        for number in 0..=best {
            assert_eq!(
                a.call("chain_getBlockHash", json!([number])),
                b.call("chain_getBlockHash", json!([number]))
            );
        }
    }

    // A block whose transfer amount was altered no longer matches its roots or seal.
    let json_file = dir.path().join("blocks.json");
    let text = std::fs::read_to_string(&json_file).unwrap();
    let first_line = text.lines().next().unwrap();
    let mut block: serde_json::Value = serde_json::from_str(first_line).unwrap();
    block["block"]["header"]["stateRoot"] = json!(format!("0x{}", "11".repeat(32)));
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, block.to_string()).unwrap();
    let target = base_path();
    let output = run(&[
        "import-blocks",
        "--chain",
        "dev",
        "-d",
        path_str(target.path()),
        path_str(&tampered),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid block #1"), "{stderr}");

    let output = run(&["purge-chain", "--chain", "dev", "-d", path_str(source.path()), "-y"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!source.path().join("chains/dev/db").exists());
}

#[test]
fn a_fork_below_the_finalized_block_is_refused_and_the_chain_stays_whole() {
    // Two dev nodes author their own chains from the same genesis; each finalizes its own.
    let (ours, theirs) = (base_path(), base_path());
    for dir in [&ours, &theirs] {
        let mut node =
            Node::start(&["--dev", "-d", path_str(dir.path()), "--dev-block-time", "300"]);
        node.wait_for_block(3, Duration::from_secs(30));
        node.stop();
    }
    let file = theirs.path().join("theirs.bin");
    let export = ["export-blocks", "--chain", "dev", "-d", path_str(theirs.path()), "--binary"];
    let output = run(&[&export[..], &[path_str(&file)]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // Their block #1 conflicts with our final #1: refused before it is executed.
    let import = ["import-blocks", "--chain", "dev", "-d", path_str(ours.path()), "--binary"];
    let output = run(&[&import[..], &[path_str(&file)]].concat());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("block #1") && stderr.contains("does not extend the finalized chain"),
        "{stderr}"
    );

    // Our chain is untouched: every block's state still answers.
    let node = Node::start(&["--chain", "dev", "-d", path_str(ours.path()), "--no-prometheus"]);
    let best = node.best_number();
    assert!(best >= 3);
    for number in 0..=best {
        let hash = node.call("chain_getBlockHash", json!([number]));
        let version = node.call("state_getRuntimeVersion", json!([hash]));
        assert_eq!(version["specName"], "dfs", "block #{number}");
    }
}
