//! Hostile and broken JSON-RPC requests get JSON-RPC errors and the node stays up; the
//! safe method set hides unsafe methods; metrics are served.

use serde_json::{json, Value};

use crate::common::{http_get, Node};

fn error_code(response: &str) -> i64 {
    let value: Value = serde_json::from_str(response).unwrap_or_else(|e| panic!("{e}: {response}"));
    value["error"]["code"].as_i64().unwrap_or_else(|| panic!("no error in {response}"))
}

#[test]
fn bad_requests_get_errors_and_the_node_stays_up() {
    let mut node = Node::start(&["--dev", "--tmp", "--rpc-max-request-size", "1"]);

    // Malformed JSON: parse error.
    let (_, body) = node.post(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
    assert_eq!(error_code(&body), -32700, "{body}");
    // Not a request object.
    let (_, body) = node.post(b"[1,2,3]");
    assert!(body.contains("\"error\""), "{body}");
    // A batch (its calls run concurrently): good, unknown and malformed entries and a
    // notification, answered in order, each by its own id.
    let (_, body) = node.post(
        br#"[{"jsonrpc":"2.0","id":1,"method":"system_chain","params":[]},
            {"jsonrpc":"2.0","id":2,"method":"no_suchMethod","params":[]},
            {"jsonrpc":"2.0","method":"system_chain","params":[]},
            7,
            {"jsonrpc":"2.0","id":3,"method":"chain_getBlockHash","params":[0]}]"#,
    );
    let answers: Vec<Value> = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(answers.len(), 4, "{body}");
    assert_eq!(
        (answers[0]["id"].clone(), answers[0]["result"].clone()),
        (json!(1), json!("Development"))
    );
    assert_eq!(
        (answers[1]["id"].clone(), answers[1]["error"]["code"].clone()),
        (json!(2), json!(-32601))
    );
    assert_eq!(answers[2]["error"]["code"], -32600, "{body}");
    assert_eq!(answers[3]["id"], 3);
    assert!(answers[3]["result"].as_str().is_some_and(|hash| hash.starts_with("0x")), "{body}");
    // Unknown method.
    let response = node.call_raw("no_suchMethod", json!([]));
    assert_eq!(response["error"]["code"], -32601, "{response}");
    // Wrong parameter types and counts.
    for (method, params) in [
        ("chain_getBlockHash", json!(["not a number"])),
        ("chain_getBlockHash", json!([{"an": "object"}])),
        ("chain_getHeader", json!(["0x1234"])),
        ("state_getStorage", json!([42])),
        ("state_getStorage", json!(["0xzz"])),
        ("state_call", json!(["Core_version"])),
        ("state_getKeysPaged", json!(["0x", 100_000])),
        ("author_submitExtrinsic", json!(["0x00"])),
        ("author_submitExtrinsic", json!(["0x0c010203"])),
        ("system_accountNextIndex", json!(["not an address"])),
        ("payment_queryInfo", json!(["0x0400"])),
    ] {
        let response = node.call_raw(method, params.clone());
        assert!(response["error"]["code"].is_i64(), "{method} {params}: {response}");
    }
    // A runtime call that traps is an error, not a crash.
    let response = node.call_raw("state_call", json!(["Core_execute_block", "0x00"]));
    assert!(response["error"]["message"].as_str().unwrap().contains("Client error"), "{response}");
    // Oversized: two MiB against a one-MiB limit.
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"author_submitExtrinsic\",\"params\":[\"0x{}\"]}}",
        "00".repeat(1024 * 1024)
    );
    let (status, body) = node.post(big.as_bytes());
    assert!(status == 413 || body.contains("-32007"), "status {status}: {body:.200}");

    // Still serving.
    assert!(node.is_running());
    assert_eq!(node.call("system_chain", json!([])), "Development");
    assert_eq!(node.call("system_health", json!([]))["peers"], 0);
}

#[test]
fn safe_rpc_hides_unsafe_methods_and_metrics_are_served() {
    let node = Node::start(&["--dev", "--tmp", "--rpc-methods", "safe"]);
    let methods = node.call("rpc_methods", json!([]));
    let methods: Vec<&str> =
        methods["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for expected in [
        "chain_getBlockHash",
        "chain_subscribeNewHeads",
        "chain_subscribeNewHead",
        "chain_subscribeFinalizedHeads",
        "state_getMetadata",
        "state_getReadProof",
        "state_subscribeStorage",
        "system_accountNextIndex",
        "author_submitAndWatchExtrinsic",
        "payment_queryInfo",
        "rpc_methods",
    ] {
        assert!(methods.contains(&expected), "{expected} missing from {methods:?}");
    }
    assert!(!methods.contains(&"author_insertKey"));
    let response = node.call_raw("author_insertKey", json!(["aura", "//Bob", "0x00"]));
    assert_eq!(response["error"]["code"], -32601);

    node.wait_for_block(1, std::time::Duration::from_secs(30));
    let (status, text) = http_get(node.prometheus.unwrap(), "/metrics");
    assert_eq!(status, 200);
    for line in [
        "substrate_process_start_time_seconds{chain=\"dev\"}",
        "substrate_block_height{status=\"best\",chain=\"dev\"}",
        "substrate_block_height{status=\"finalized\",chain=\"dev\"}",
        "substrate_node_roles{chain=\"dev\"} 4",
        "substrate_ready_transactions_number{chain=\"dev\"}",
        "substrate_build_info{name=\"Alice\",version=",
        "substrate_block_verification_and_import_time_count{chain=\"dev\"}",
        "substrate_proposer_block_constructed_count{chain=\"dev\"}",
        "substrate_rpc_calls_finished{is_error=\"false\",method=\"rpc_methods\",chain=\"dev\"}",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert_eq!(http_get(node.prometheus.unwrap(), "/nothing").0, 404);
}

#[test]
fn the_pool_orders_by_nonce_replaces_by_tip_and_refuses_repeats() {
    use crate::common::{transfer, transfer_with_tip};
    let node = Node::start(&["--dev", "--tmp", "--dev-block-time", "2000"]);
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let submit = |xt: &str| node.call_raw("author_submitExtrinsic", json!([xt]));
    node.wait_for_block(1, std::time::Duration::from_secs(30));

    // Nonce 1 before nonce 0: it waits in the future queue, and the next index stays 0.
    let second = transfer(&node, "Alice", "Bob", 2_000_000_000_000, 1);
    assert!(submit(&second).get("result").is_some());
    assert_eq!(node.call("system_accountNextIndex", json!([alice])), 0);
    assert_eq!(submit(&second)["error"]["code"], 1013, "already in the pool");

    // Nonce 0, then a better-paying nonce 0 that replaces it; a worse one is refused.
    let first = transfer(&node, "Alice", "Bob", 1_000_000_000_000, 0);
    assert!(submit(&first).get("result").is_some());
    assert_eq!(node.call("system_accountNextIndex", json!([alice])), 2);
    let tipped = transfer_with_tip(&node, "Alice", "Bob", 1_000_000_000_000, 0, 1_000_000_000);
    assert!(submit(&tipped).get("result").is_some(), "a higher tip replaces");
    let cheap = transfer_with_tip(&node, "Alice", "Bob", 3_000_000_000_000, 0, 1);
    assert_eq!(submit(&cheap)["error"]["code"], 1014, "a lower priority is refused");
    let pending = node.call("author_pendingExtrinsics", json!([]));
    assert_eq!(pending.as_array().unwrap().len(), 2, "{pending}");

    // Both land; the replaced one never does.
    node.wait_for_empty_pool(std::time::Duration::from_secs(30));
    let nonce = node.call("system_accountNextIndex", json!([alice]));
    assert_eq!(nonce, 2);

    // A spent nonce is invalid (1010, stale), then banned for a while (1012).
    let stale = submit(&first);
    assert_eq!(stale["error"]["code"], 1010, "{stale}");
    assert!(stale["error"]["data"].as_str().unwrap().contains("Stale"), "{stale}");
    assert_eq!(submit(&first)["error"]["code"], 1012);
}

#[test]
fn state_past_the_pruning_window_is_gone_and_archive_keeps_it() {
    // System.Number, present in every state.
    let key = "0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac";
    let pruned =
        Node::start(&["--dev", "--tmp", "--dev-block-time", "300", "--state-pruning", "4"]);
    let archive =
        Node::start(&["--dev", "--tmp", "--dev-block-time", "300", "--state-pruning", "archive"]);
    for node in [&pruned, &archive] {
        node.wait_for_block(12, std::time::Duration::from_secs(60));
    }
    let at = |node: &Node, number: u32| {
        let hash = node.call("chain_getBlockHash", json!([number]));
        node.call_raw("state_getStorage", json!([key, hash]))
    };
    let old = at(&pruned, 2);
    assert_eq!(old["error"]["code"], 4003, "{old}");
    assert!(old["error"]["message"].as_str().unwrap().contains("pruned"), "{old}");
    // Headers and bodies stay; recent states stay.
    assert!(pruned
        .call("chain_getHeader", json!([pruned.call("chain_getBlockHash", json!([2]))]))
        .is_object());
    let best = pruned.best_number();
    assert_eq!(at(&pruned, best - 1)["result"].as_str().map(str::len), Some(10));
    assert_eq!(at(&archive, 2)["result"], "0x02000000");
}

/// The status of a request to `node` carrying `origin` (a WebSocket upgrade when `upgrade`).
fn status_with_origin(node: &Node, origin: Option<&str>, upgrade: bool) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(node.rpc).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    let request = if upgrade {
        format!(
            "GET / HTTP/1.1\r\nHost: {}\r\n{origin}Connection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            node.rpc
        )
    } else {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"system_chain","params":[]}"#;
        format!(
            "POST / HTTP/1.1\r\nHost: {}\r\n{origin}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            node.rpc,
            body.len()
        )
    };
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

#[test]
fn browser_origins_are_checked_for_http_and_websocket() {
    // Substrate's default list: localhost on any port and polkadot.js.org.
    let node = Node::start(&["--chain", "dev", "--tmp", "--alice"]);
    assert_eq!(status_with_origin(&node, None, false), 200);
    assert_eq!(status_with_origin(&node, Some("http://localhost:3000"), false), 200);
    assert_eq!(status_with_origin(&node, Some("https://polkadot.js.org"), true), 101);
    assert_eq!(status_with_origin(&node, Some("https://evil.example"), false), 403);
    assert_eq!(status_with_origin(&node, Some("https://evil.example"), true), 403);
    // `--dev` means `--rpc-cors all`.
    let dev = Node::start(&["--dev", "--tmp"]);
    assert_eq!(status_with_origin(&dev, Some("https://evil.example"), true), 101);
}

#[test]
fn a_nonce_chain_submitted_backwards_from_many_connections_all_lands() {
    use crate::common::transfer;
    let node = Node::start(&["--dev", "--tmp", "--dev-block-time", "1000"]);
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    node.wait_for_block(1, std::time::Duration::from_secs(30));
    let chain: Vec<String> =
        (0..40).map(|nonce| transfer(&node, "Alice", "Bob", 1_000_000, nonce)).collect();
    // Four connections at once, each sending its nonces highest first in one JSON-RPC
    // batch: every one but nonce 0 waits in the future queue until what it needs arrives.
    std::thread::scope(|scope| {
        for part in 0..4 {
            let mine: Vec<&String> = chain.iter().skip(part).step_by(4).rev().collect();
            let node = &node;
            scope.spawn(move || {
                let batch: Vec<Value> = mine
                    .iter()
                    .enumerate()
                    .map(|(id, xt)| json!({"jsonrpc": "2.0", "id": id, "method": "author_submitExtrinsic", "params": [xt]}))
                    .collect();
                let (status, body) = crate::common::http_post(node.rpc, Value::Array(batch).to_string().as_bytes());
                assert_eq!(status, 200, "{body}");
                let answers: Vec<Value> = serde_json::from_str(&body).unwrap();
                assert!(answers.iter().all(|answer| answer.get("result").is_some()), "{body}");
            });
        }
    });
    // All forty form one ready chain, and all forty land.
    assert_eq!(node.call("system_accountNextIndex", json!([alice])), 40);
    node.wait_for_empty_pool(std::time::Duration::from_secs(30));
    assert_eq!(node.call("system_accountNextIndex", json!([alice])), 40);
}
