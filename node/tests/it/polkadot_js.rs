//! The polkadot.js end-to-end suite (`e2e/dev-node.test.mjs`): unmodified `@polkadot/api`
//! against a real `dfs-node --dev --tmp`.

use std::{path::PathBuf, process::Command};

#[test]
fn polkadot_js_suite_passes_against_a_dev_node() {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../e2e");
    assert!(
        e2e.join("node_modules/@polkadot/api").exists(),
        "polkadot.js is not installed: run `bash scripts/setup.sh` (it runs `npm ci` in e2e/)"
    );
    let _turn = crate::common::take_turn();
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "dev-node.test.mjs"])
        .env("DFS_NODE", crate::common::binary())
        .current_dir(&e2e)
        .output()
        .expect("node runs (install Node.js 18 or later)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "polkadot.js suite failed:\n{stdout}\n{stderr}");
}
