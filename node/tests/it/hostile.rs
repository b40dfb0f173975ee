//! Hostile clients against a real node: each case a way a client could stop the chain or
//! grow the node without end, and the node holding.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{http_post, metric, peak_rss_mib, transfer_with_tip, Node, WsClient};

/// `:code`, the runtime blob: the largest value in the state (about 650 KB).
const CODE_KEY: &str = "0x3a636f6465";

fn batch(calls: impl Iterator<Item = (String, Value)>) -> String {
    let calls: Vec<Value> = calls
        .enumerate()
        .map(|(id, (method, params))| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        .collect();
    Value::Array(calls).to_string()
}

/// Whether `answer` accepted a subscription (its result is the subscription's id).
fn subscribed(answer: &Value) -> bool {
    answer["result"].is_string() || answer["result"].is_u64()
}

fn error_code(answer: &Value) -> i64 {
    answer["error"]["code"].as_i64().unwrap_or_else(|| panic!("no error in {answer}"))
}

#[test]
fn a_batch_stops_at_the_response_limit_while_answering() {
    let node = Node::start(&["--dev", "--tmp", "--rpc-max-response-size", "1"]);
    // 500 calls for the metadata (over 40 KB of hex each), against a 1 MiB limit.
    let metadata = node.call("state_getMetadata", json!([]));
    assert!(metadata.as_str().unwrap().len() > 40_000);
    let body = batch((0..500).map(|_| ("state_getMetadata".to_string(), json!([]))));
    let (status, answer) = http_post(node.rpc, body.as_bytes());
    assert_eq!(status, 200, "{answer:.300}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(error_code(&answer), -32011, "the batch response is too large: {answer:.300}");
    // It stopped early: at most the calls running alongside the first answers ran, not 500.
    let started =
        metric(&node, "substrate_rpc_calls_started{method=\"state_getMetadata\"").unwrap();
    assert!(started < 200.0, "{started} of 500 calls ran");
    // Batches are bounded in length too.
    let long = batch((0..1001).map(|_| ("system_chain".to_string(), json!([]))));
    let (_, answer) = http_post(node.rpc, long.as_bytes());
    assert!(answer.contains("error"), "{answer:.300}");
    assert_eq!(node.call("system_chain", json!([])), "Development");
}

#[test]
fn a_batch_attack_at_default_limits_keeps_the_node_small() {
    let node = Node::start(&["--dev", "--tmp"]);
    // Four clients at once, each asking in one batch for the runtime blob 1 000 times:
    // 1.3 GB of hex apiece if a node collected every answer before checking its size.
    let attackers: Vec<_> = (0..4)
        .map(|_| {
            let address = node.rpc;
            std::thread::spawn(move || {
                let body =
                    batch((0..1000).map(|_| ("state_getStorage".to_string(), json!([CODE_KEY]))));
                http_post(address, body.as_bytes())
            })
        })
        .collect();
    for attacker in attackers {
        let (_, answer) = attacker.join().unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(error_code(&answer), -32011, "the batch response is too large: {answer:.300}");
    }
    let peak = peak_rss_mib(node.pid());
    eprintln!("peak RSS under four batch attacks of 1 000 runtime reads: {peak} MiB");
    assert!(peak < 600, "peak RSS {peak} MiB");
    assert_eq!(node.call("system_chain", json!([])), "Development");
}

#[test]
fn lists_and_answers_are_bounded_by_count_and_bytes() {
    let node = Node::start(&["--dev", "--tmp", "--rpc-max-response-size", "1"]);
    let keys: Vec<String> = (0..1001).map(|i| format!("0x{i:08x}")).collect();
    assert_eq!(error_code(&node.call_raw("state_queryStorageAt", json!([keys]))), -32602);
    assert_eq!(error_code(&node.call_raw("state_getReadProof", json!([keys]))), -32602);
    let numbers: Vec<u32> = (0..1001).collect();
    assert_eq!(error_code(&node.call_raw("chain_getBlockHash", json!([numbers]))), -32602);
    // Within the count but past the bytes: refused, not built.
    assert_eq!(error_code(&node.call_raw("state_queryStorageAt", json!([[CODE_KEY]]))), -32008);
    // A storage subscription's first report carries every key: too big, refused.
    let mut ws = WsClient::connect(node.rpc);
    ws.request(1, "state_subscribeStorage", json!([[CODE_KEY]]));
    assert_eq!(error_code(&ws.answer(1)), -32008);
    // Hex is measured before it is decoded: 6 MB of transaction, more than the pool takes.
    let huge = format!("0x{}", "00".repeat(6 << 20));
    let answer = node.call_raw("author_submitExtrinsic", json!([huge]));
    assert_eq!(error_code(&answer), -32602, "{answer:.300}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("more than"), "{answer:.300}");
    // Within bounds, all answer.
    let small: Vec<String> = (0..1000).map(|i| format!("0x{i:08x}")).collect();
    assert!(node.call("state_queryStorageAt", json!([small]))[0]["changes"].is_array());
}

#[test]
fn a_subscription_to_every_key_is_unsafe() {
    let safe = Node::start(&["--dev", "--tmp", "--rpc-methods", "safe"]);
    let mut ws = WsClient::connect(safe.rpc);
    ws.request(1, "state_subscribeStorage", json!([]));
    assert_eq!(error_code(&ws.answer(1)), -32601);
    ws.request(2, "state_subscribeStorage", json!([[]]));
    assert_eq!(error_code(&ws.answer(2)), -32601);
    // Named keys are fine; and with unsafe methods, every key too.
    let number_key = "0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac";
    ws.request(3, "state_subscribeStorage", json!([[number_key]]));
    assert!(subscribed(&ws.answer(3)));
    let open =
        Node::start(&["--dev", "--tmp", "--rpc-methods", "unsafe", "--dev-block-time", "500"]);
    let mut ws = WsClient::connect(open.rpc);
    ws.request(1, "state_subscribeStorage", json!([]));
    assert!(subscribed(&ws.answer(1)));
    // Its reports are the keys each block changed.
    let report = ws.read().unwrap();
    assert_eq!(report["method"], "state_storage");
    let changes = report["params"]["result"]["changes"].as_array().unwrap();
    assert!(changes.iter().any(|change| change[0] == number_key), "{report:.500}");
}

#[test]
fn a_client_that_never_reads_is_closed_and_the_node_holds() {
    let node = Node::start(&["--dev", "--tmp"]);
    let before = metric(&node, "substrate_rpc_sessions_closed").unwrap_or(0.0);
    // 200 requests for 1.3 MB each (260 MB of answers), never reading one.
    let mut greedy = WsClient::connect(node.rpc);
    for id in 0..200 {
        if !greedy.request(id, "state_getStorage", json!([CODE_KEY])) {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !node.log().contains("reads too slowly") {
        assert!(Instant::now() < deadline, "the connection was not closed:\n{}", node.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    // Its answers were not kept: the node stays small and serves others.
    let peak = peak_rss_mib(node.pid());
    eprintln!("peak RSS with a client that never reads: {peak} MiB");
    assert!(peak < 600, "peak RSS {peak} MiB");
    assert_eq!(node.call("system_chain", json!([])), "Development");
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(&node, "substrate_rpc_sessions_closed").unwrap_or(0.0) <= before {
        assert!(Instant::now() < deadline, "the session did not end");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_watch_ends_when_its_client_disconnects() {
    let node = Node::start(&["--dev", "--tmp", "--dev-block-time", "500"]);
    node.wait_for_block(1, Duration::from_secs(30));
    // Nonce 50: it waits in the future queue, perhaps for ever.
    let waiting = transfer_with_tip(&node, "Alice", "Bob", 1_000_000, 50, 0);
    let mut ws = WsClient::connect(node.rpc);
    ws.request(1, "author_submitAndWatchExtrinsic", json!([waiting]));
    assert!(subscribed(&ws.answer(1)));
    assert_eq!(ws.read().unwrap()["params"]["result"], "future");
    let watchers = || metric(&node, "dfs_txpool_watchers").unwrap_or(-1.0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while watchers() != 1.0 {
        assert!(Instant::now() < deadline, "the watcher was not counted");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(ws);
    while watchers() != 0.0 {
        assert!(Instant::now() < deadline, "the watcher outlived its client");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The transaction itself stays, for whoever sends nonces 1..49.
    assert_eq!(node.call("author_pendingExtrinsics", json!([])).as_array().unwrap().len(), 1);
}

#[test]
fn an_account_that_spends_its_balance_leaves_no_dead_transactions() {
    use dfs_runtime::signing::{sign, transfer_keep_alive, SigningContext};
    let node = Node::start(&["--dev", "--tmp", "--dev-block-time", "4000", "--pool-limit", "30"]);
    node.wait_for_block(1, Duration::from_secs(30));
    let genesis: dfs_core::H256 =
        serde_json::from_value(node.call("chain_getBlockHash", json!([0]))).unwrap();
    let context = SigningContext::for_genesis(genesis);
    let attacker = dfs_core::pair::dev_sr25519("Attacker");
    let unit: u128 = 1_000_000_000_000;
    // The attacker gets one coin.
    let funding = transfer_with_tip(&node, "Alice", "Attacker", unit, 0, 0);
    assert!(node.call_raw("author_submitExtrinsic", json!([funding]))["result"].is_string());
    node.wait_for_empty_pool(Duration::from_secs(30));
    // Nonce 0 sends almost all of it away; nonces 1..=29 each tip a tenth of a coin, which
    // the coin pays for when they are validated, and nothing will pay for once nonce 0 is in.
    let bob = dfs_core::pair::dev_account("Bob");
    let sign_at = |nonce: u32, amount: u128, tip: u128| {
        format!(
            "0x{}",
            hex::encode(sign(&attacker, &context, &transfer_keep_alive(&bob, amount), nonce, tip))
        )
    };
    let mut attack = vec![sign_at(0, unit - unit / 100, 0)];
    attack.extend((1..30).map(|nonce| sign_at(nonce, 1_000, unit / 10)));
    // Just after a block: the whole slot to fill the pool before the next one.
    let next = node.best_number() + 1;
    node.wait_for_block(next, Duration::from_secs(30));
    let body = batch(attack.iter().map(|xt| ("author_submitExtrinsic".to_string(), json!([xt]))));
    let (_, answers) = http_post(node.rpc, body.as_bytes());
    let answers: Vec<Value> = serde_json::from_str(&answers).unwrap();
    assert!(answers.iter().all(|a| a["result"].is_string()), "{answers:?}");
    // The pool (30 ready) is full of them.
    assert_eq!(node.call("author_pendingExtrinsics", json!([])).as_array().unwrap().len(), 30);
    let honest = transfer_with_tip(&node, "Bob", "Charlie", 1_000_000, 0, 0);
    // After the next block, nothing of the attacker is left, and honest ones get in.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !node.call("author_pendingExtrinsics", json!([])).as_array().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "dead transactions stayed:\n{}", node.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(node.call_raw("author_submitExtrinsic", json!([honest]))["result"].is_string());
    node.wait_for_empty_pool(Duration::from_secs(30));
    let attacker_nonce =
        node.call("system_accountNextIndex", json!([attacker.account_id().to_string()]));
    assert_eq!(attacker_nonce, 1, "only nonce 0 landed");
}

/// The slots of blocks `from..=to` of `node`'s best chain.
fn slots(node: &Node, from: u32, to: u32) -> Vec<u64> {
    (from..=to)
        .map(|number| {
            let hash = node.call("chain_getBlockHash", json!([number]));
            let header = node.call("chain_getHeader", json!([hash]));
            // The Aura pre-digest: 0x06 'aura' 0x20 <slot u64 LE>.
            let digest = header["digest"]["logs"][0].as_str().unwrap();
            let bytes = hex::decode(&digest[2..]).unwrap();
            u64::from_le_bytes(bytes[6..14].try_into().unwrap())
        })
        .collect()
}

#[test]
fn block_production_keeps_its_slots_under_an_rpc_flood() {
    // Alone on the machine: what is measured is the node's own RPC against its own slots.
    let node = Node::start_alone(&["--dev", "--tmp", "--dev-block-time", "1000"]);
    node.wait_for_block(2, Duration::from_secs(60));
    let first = node.best_number();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (answered, busy) =
        (std::sync::atomic::AtomicUsize::new(0), std::sync::atomic::AtomicUsize::new(0));
    std::thread::scope(|scope| {
        for connection in 0..4 {
            let (node, stop, answered, busy) = (&node, &stop, &answered, &busy);
            scope.spawn(move || {
                let mut ws = WsClient::connect(node.rpc);
                let mut id = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // Heavy calls: metadata built by the runtime, the runtime code read whole,
                    // a thousand keys walked.
                    let calls = (0..20).map(|i| match (i + connection) % 3 {
                        0 => ("state_call".to_string(), json!(["Metadata_metadata", "0x"])),
                        1 => ("state_getStorage".to_string(), json!([CODE_KEY])),
                        _ => ("state_getKeysPaged".to_string(), json!(["0x", 1000])),
                    });
                    id += 1;
                    if !ws.send(&batch(calls)) {
                        break;
                    }
                    let Some(answer) = ws.read() else { break };
                    for call in answer.as_array().into_iter().flatten() {
                        if call["error"]["code"] == -32009 {
                            busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        } else {
                            answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
                let _ = id;
            });
        }
        std::thread::sleep(Duration::from_secs(15));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let last = node.best_number();
    let slots = slots(&node, first, last);
    let missed: u64 = slots.windows(2).map(|pair| pair[1] - pair[0] - 1).sum();
    let answered = answered.into_inner();
    eprintln!(
        "RPC flood: {answered} heavy calls answered ({} busy), blocks #{first}..#{last}, {missed} slots missed, peak RSS {} MiB",
        busy.into_inner(),
        peak_rss_mib(node.pid())
    );
    assert!(answered > 100, "the flood was a flood: {answered} answered");
    assert!(slots.len() >= 14, "{} blocks in 15 s of 1 s slots", slots.len());
    assert!(missed <= 1, "{missed} slots missed: {slots:?}");
}

/// User and system CPU time of process `pid` so far, in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn the_accept_loop_backs_off_when_descriptors_run_out() {
    let node = Node::start(&["--dev", "--tmp", "--dev-block-time", "60000"]);
    let pid = node.pid();
    // Leave the node a few descriptors more than it holds (the soft limit only, which any
    // user may lower and raise back up to the hard one).
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let soft = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .unwrap()
        .to_string();
    let open = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count();
    let set_soft_limit = |limit: &str| {
        let status = std::process::Command::new("prlimit")
            .args(["--pid", &pid.to_string(), &format!("--nofile={limit}:")])
            .status()
            .expect("prlimit (util-linux) runs");
        assert!(status.success());
    };
    set_soft_limit(&(open + 6).to_string());
    // Connections beyond what it can accept wait in the backlog: each accept fails (EMFILE).
    let connections: Vec<std::net::TcpStream> =
        (0..30).filter_map(|_| std::net::TcpStream::connect(node.rpc).ok()).collect();
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(pid) - before;
    // Spinning on accept would take a core: 300 ticks in 3 s.
    assert!(used < 60, "{used} ticks of CPU in 3 s while descriptors ran out");
    assert!(node.log().contains("accepting RPC connections failed"), "{}", node.log());
    // Descriptors back: it serves again.
    drop(connections);
    set_soft_limit(&soft);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            node.call("system_chain", json!([]))
        }));
        if let Ok(answer) = answer {
            assert_eq!(answer, "Development");
            break;
        }
        assert!(Instant::now() < deadline, "the node does not serve again");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(unix)]
#[test]
fn secrets_on_disk_are_for_the_node_s_user_alone() {
    use std::os::unix::fs::PermissionsExt;
    let base = crate::common::base_path();
    let mut node =
        Node::start(&["--chain", "dev", "--alice", "-d", crate::common::path_str(base.path())]);
    node.stop();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let chain = base.path().join("chains/dev");
    assert_eq!(mode(&chain.join("keystore")), 0o700);
    assert_eq!(mode(&chain.join("network")), 0o700);
    assert_eq!(mode(&chain.join("network/secret_ed25519")), 0o600);
    let keys: Vec<_> =
        std::fs::read_dir(chain.join("keystore")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(keys.len(), 2, "aura and gran");
    for key in keys {
        assert_eq!(mode(&key), 0o600, "{}", key.display());
    }
}
