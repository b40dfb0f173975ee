//! Nodes on one loopback network: they find each other from boot nodes, agree on one chain
//! (a fresh node syncs it from genesis and then follows the author's announcements) and
//! drop peers of another chain.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{base_path, path_str, Node};

/// The node's first listen address on loopback, with its peer id.
fn p2p_address(node: &Node) -> String {
    let addresses = node.call("system_localListenAddresses", json!([]));
    addresses
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|address| address.starts_with("/ip4/127.0.0.1/"))
        .unwrap_or_else(|| panic!("no loopback listen address in {addresses}"))
        .to_string()
}

/// Waits until `check` holds, polling; panics with `what` after `timeout`.
fn wait_until(timeout: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn header_at(node: &Node, number: u32) -> Value {
    let hash = node.call("chain_getBlockHash", json!([number]));
    node.call("chain_getHeader", json!([hash]))
}

#[test]
fn a_fresh_node_syncs_from_genesis_then_follows_announcements() {
    let (author_dir, follower_dir) = (base_path(), base_path());
    let author = Node::start(&[
        "--chain",
        "dev",
        "--alice",
        "--force-authoring",
        "--dev-block-time",
        "300",
        "-d",
        path_str(author_dir.path()),
    ]);
    author.wait_for_block(12, Duration::from_secs(60));
    let address = p2p_address(&author);
    assert!(address.contains("/p2p/12D3KooW"), "{address}");

    let follower = Node::start(&[
        "--chain",
        "dev",
        "--bootnodes",
        &address,
        "-d",
        path_str(follower_dir.path()),
    ]);
    // It downloads what the author has, then keeps up with what the author adds.
    let target = author.best_number() + 5;
    wait_until(Duration::from_secs(60), "the follower reaches the author's height", || {
        follower.best_number() >= target
    });
    let number = follower.best_number() - 1;
    assert_eq!(header_at(&follower, number), header_at(&author, number), "one chain, one state");

    let health = follower.call("system_health", json!([]));
    assert_eq!(health["peers"], 1, "{health}");
    let peers = author.call("system_peers", json!([]));
    let follower_id = follower.call("system_localPeerId", json!([]));
    assert_eq!(peers[0]["peerId"], follower_id, "{peers}");
    assert_eq!(peers[0]["roles"], "FULL");
    let peers = follower.call("system_peers", json!([]));
    assert_eq!(peers[0]["roles"], "AUTHORITY", "{peers}");
    let state = follower.call("system_syncState", json!([]));
    assert!(state["highestBlock"].as_u64().unwrap() >= u64::from(target), "{state}");

    // A transfer sent to the follower reaches the author through gossip and is included;
    // the follower sees it in a block it imported.
    let xt = crate::common::transfer(&follower, "Bob", "Charlie", 1_000_000_000_000, 0);
    let hash = follower.call("author_submitExtrinsic", json!([xt]));
    let included_at = |node: &Node| {
        (1..=node.best_number()).find(|number| {
            let block_hash = node.call("chain_getBlockHash", json!([number]));
            let block = node.call("chain_getBlock", json!([block_hash]));
            block["block"]["extrinsics"].as_array().unwrap().iter().any(|x| *x == json!(xt))
        })
    };
    let mut found = None;
    wait_until(Duration::from_secs(30), "the gossiped transfer is included", || {
        found = included_at(&follower);
        found.is_some()
    });
    assert_eq!(included_at(&author), found, "{hash}: in the author's block too");

    // The metric zombienet reads as "peers count".
    let (_, metrics) = crate::common::http_get(follower.prometheus.unwrap(), "/metrics");
    assert!(metrics.contains("substrate_sub_libp2p_peers_count{chain=\"dev\"} 1"), "{metrics}");
}

#[test]
fn a_node_of_another_chain_is_dropped_and_banned() {
    let (dev_dir, local_dir) = (base_path(), base_path());
    let dev = Node::start(&["--chain", "dev", "-d", path_str(dev_dir.path())]);
    let address = p2p_address(&dev);
    let stranger = Node::start(&[
        "--chain",
        "local",
        "--bootnodes",
        &address,
        "-l",
        "network=debug",
        "-d",
        path_str(local_dir.path()),
    ]);
    wait_until(Duration::from_secs(30), "the stranger bans the dev node", || {
        stranger.log().contains("peer banned")
    });
    assert!(stranger.log().contains("another chain"), "{}", stranger.log());
    // Neither ever counts the other as a peer of its chain.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(stranger.call("system_health", json!([]))["peers"], 0);
    assert_eq!(dev.call("system_health", json!([]))["peers"], 0);
    assert_eq!(dev.call("system_peers", json!([])), json!([]));
}
