//! A node killed with SIGKILL, again and again while transactions flow, restarts at its last
//! imported block with the same state.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{base_path, path_str, transfer, Node};

/// The last `Imported #N (0xabcd…ef01` in a log: number and short hash.
fn last_import(log: &str) -> Option<(u32, String)> {
    let line = log.lines().rev().find(|line| line.contains("Imported #"))?;
    let rest = &line[line.find("Imported #")? + "Imported #".len()..];
    let (number, rest) = rest.split_once(" (")?;
    let hash = rest.split([',', ')']).next()?;
    Some((number.parse().ok()?, hash.to_string()))
}

fn short(hash: &str) -> String {
    format!("{}…{}", &hash[..6], &hash[hash.len() - 4..])
}

#[test]
fn sigkill_while_transacting_restarts_at_the_last_imported_block() {
    let base = base_path();
    let args = ["--dev", "-d", path_str(base.path()), "--dev-block-time", "300"];
    let mut seen_best = 0;
    for round in 0..5 {
        let mut node = Node::start(&args);
        if round > 0 {
            // Resumed, not restarted from genesis.
            assert!(node.best_number() >= seen_best, "round {round}:\n{}", node.log());
        }
        // Transfers flow until the kill, at a different instant each round.
        let stop_at = Instant::now() + Duration::from_millis(900 + 370 * round);
        let mut submitted = 0;
        while Instant::now() < stop_at {
            let nonce = node.call(
                "system_accountNextIndex",
                json!(["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"]),
            );
            let xt =
                transfer(&node, "Alice", "Bob", 1_000_000_000_000, nonce.as_u64().unwrap() as u32);
            let response = node.call_raw("author_submitExtrinsic", json!([xt]));
            if response.get("result").is_some() {
                submitted += 1;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(submitted > 0);
        node.kill();
        let log = node.log();
        let Some((number, hash)) = last_import(&log) else {
            panic!("round {round}: nothing imported before the kill:\n{log}")
        };

        let node = Node::start(&args);
        let stored = node.call("chain_getBlockHash", json!([number]));
        assert_eq!(short(stored.as_str().unwrap()), hash, "round {round}: #{number}");
        // The kill may land between the write of a block and its log line. (The node logs
        // where it resumed before it authors anything new.)
        let opened = node.log();
        let best: u32 = opened
            .split("; best #")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no resume line:\n{opened}"));
        assert!(
            best == number || best == number + 1,
            "round {round}: best #{best}, logged #{number}"
        );
        // The state at the best block is whole: its root node and values read back.
        let best_hash = node.call("chain_getBlockHash", json!([best]));
        let account = node.call(
            "state_getStorage",
            json!([
                "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
                best_hash
            ]),
        );
        assert!(account.is_string(), "round {round}: Alice's account at #{best}");
        seen_best = best;
        drop(node);
    }
    // And it goes on authoring after all that.
    let node = Node::start(&args);
    node.wait_for_block(seen_best + 2, Duration::from_secs(30));
}
