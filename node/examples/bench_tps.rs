//! End-to-end throughput of a dev node: pre-signed transfers from many accounts submitted
//! over JSON-RPC, included transfers per second over the run (RPC, pool, authoring and
//! import together), as a ratio to this machine's raw sr25519 verification rate measured
//! in the same run. Also the node's resident memory idle and under load.
//!
//! `bash scripts/bench.sh tps [accounts] [transfers per account] [bob|fresh|remark|drain]`
//! (500 × 480 to Bob by default: about ten full blocks; `fresh` sends each to a new
//! account, the costliest transfer and the one the declared weight must cover; `remark` signs
//! empty remarks instead, the per-extrinsic cost, and its figures count remarks where they
//! say transfers; `drain` sends each sender's whole balance to a new account, removing the
//! sender: run it as `tps 20000 1 drain`)

#![allow(clippy::unwrap_used)]

#[path = "../tests/it/common.rs"]
mod common;

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use codec::Encode;
use dfs_core::{hashing::blake2_256, pair::Sr25519Pair, sr25519, AccountId32, H256};
use dfs_runtime::signing::{sign, transfer_keep_alive, SigningContext};
use serde_json::{json, Value};

use common::{http_post, Node};

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// Submits one batch, again while the pool is full; returns how many were refused for good.
fn submit_batch(rpc: std::net::SocketAddr, batch: &[String]) -> usize {
    let requests: Vec<Value> = batch
        .iter()
        .enumerate()
        .map(|(id, xt)| json!({"jsonrpc": "2.0", "id": id, "method": "author_submitExtrinsic", "params": [xt]}))
        .collect();
    let body = Value::Array(requests).to_string();
    loop {
        let (_, response) = http_post(rpc, body.as_bytes());
        let responses: Vec<Value> = serde_json::from_str(&response).unwrap_or_default();
        let code = |r: &Value| r["error"]["code"].as_i64();
        let full = responses.iter().any(|r| code(r) == Some(1016));
        if !full {
            // Anything refused but "already imported" (a retry of one that got in).
            return responses.iter().filter(|r| code(r).is_some_and(|c| c != 1013)).count();
        }
        // The pool is full: let blocks drain it, then resubmit.
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What each pre-signed transaction does.
#[derive(Clone, Copy)]
enum Workload {
    /// A transfer to Bob, an account that exists.
    ToBob,
    /// A transfer creating its recipient: the case a transfer's declared weight covers.
    ToFresh,
    /// An empty signed remark: what every extrinsic costs (the extrinsic base weight).
    Remark,
    /// `transfer_all` to a new account, keep-alive off: each creates its recipient and
    /// removes its sender, the costliest path of `transfer_all` and `transfer_allow_death`.
    /// One per account (run it with many accounts and 1 per account).
    Drain,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let accounts: usize = args.next().map(|a| a.parse().unwrap()).unwrap_or(500);
    // Enough for several full blocks (~23 700 transfers each with the weights of 2026-11):
    // the rate is then the chain's, not one block's timing.
    let per_account: u32 = args.next().map(|a| a.parse().unwrap()).unwrap_or(480);
    let total = accounts * per_account as usize;
    let workload = match args.next().as_deref() {
        None | Some("bob") => Workload::ToBob,
        Some("fresh") => Workload::ToFresh,
        Some("remark") => Workload::Remark,
        Some("drain") => {
            // A drained sender is gone: its later nonces would wait forever.
            assert_eq!(per_account, 1, "drain sends one transfer per account");
            Workload::Drain
        }
        Some(other) => panic!("workload: `bob`, `fresh`, `remark` or `drain`, not `{other}`"),
    };

    // Baseline: sr25519 verifications one by one on this machine, the median of five
    // rounds (a single round swings by a quarter here).
    let alice = dfs_core::pair::dev_sr25519("Alice");
    let messages: Vec<Vec<u8>> = (0..2000u32).map(|i| i.to_le_bytes().repeat(30)).collect();
    let signatures: Vec<_> = messages.iter().map(|m| alice.sign(m)).collect();
    let mut rates: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            for (message, signature) in messages.iter().zip(&signatures) {
                assert!(sr25519::verify(signature, message, &alice.public()));
            }
            messages.len() as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let verify_rate = rates[2];

    // A dev chain spec with every sender endowed.
    let senders: Vec<Sr25519Pair> =
        (0..accounts).map(|i| Sr25519Pair::from_suri(&format!("//Bench//{i}")).unwrap()).collect();
    let dir = common::base_path();
    let spec_output = std::process::Command::new(common::binary())
        .args(["build-spec", "--chain", "dev"])
        .output()
        .unwrap();
    let mut spec: Value = serde_json::from_slice(&spec_output.stdout).unwrap();
    let balances = &mut spec["genesis"]["runtimeGenesis"]["patch"]["balances"]["balances"];
    for sender in &senders {
        balances.as_array_mut().unwrap().push(json!([sender.account_id().to_string(), 1u64 << 50]));
    }
    let spec_path = dir.path().join("bench-spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();

    let node_dir = dir.path().join("author");
    let mut node = Node::start(&[
        "--chain",
        spec_path.to_str().unwrap(),
        "--alice",
        "--force-authoring",
        "-d",
        node_dir.to_str().unwrap(),
        "--rpc-max-connections",
        "1000",
    ]);
    node.wait_for_block(1, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = rss_kib(node.pid());

    let genesis = node.call("chain_getBlockHash", json!([0]));
    let mut genesis_hash = [0u8; 32];
    hex::decode_to_slice(genesis.as_str().unwrap().trim_start_matches("0x"), &mut genesis_hash)
        .unwrap();
    let context = SigningContext::for_genesis(H256(genesis_hash));
    let bob = dfs_core::pair::dev_account("Bob");
    // Nonce-major order: every account's nonce 0 first, so the pool's future queue stays small.
    let mut transactions = Vec::with_capacity(total);
    for nonce in 0..per_account {
        for (index, sender) in senders.iter().enumerate() {
            // The existential deposit: enough to create a fresh recipient.
            let call = match workload {
                Workload::ToBob => transfer_keep_alive(&bob, dfs_runtime::EXISTENTIAL_DEPOSIT),
                Workload::ToFresh => {
                    let fresh = blake2_256(&(index as u64, nonce).encode());
                    transfer_keep_alive(&AccountId32(fresh), dfs_runtime::EXISTENTIAL_DEPOSIT)
                }
                // System.remark(b""): pallet 0, call 0, an empty Vec.
                Workload::Remark => vec![0, 0, 0],
                // Balances.transfer_all(MultiAddress::Id(fresh), keep_alive = false): pallet
                // 5, call 4.
                Workload::Drain => {
                    let fresh = blake2_256(&(index as u64, nonce, "drain").encode());
                    let mut call = vec![5u8, 4, 0];
                    call.extend_from_slice(&fresh);
                    call.push(0);
                    call
                }
            };
            let xt = sign(sender, &context, &call, nonce, 0);
            transactions.push(format!("0x{}", hex::encode(xt)));
        }
    }
    let start_block = node.best_number();
    println!("submitting {total} pre-signed transfers from {accounts} accounts …");

    let peak_rss = Arc::new(AtomicU64::new(idle_rss));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (peak_rss.clone(), sampling.clone(), node.pid());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let started = Instant::now();
    let rpc = node.rpc;
    // Four clients at once, each sending JSON-RPC batches of 200 in turn (the node runs a
    // batch's calls concurrently, so they reach the pool's validation together).
    let clients = 4;
    let batches: Vec<Vec<String>> = transactions.chunks(200).map(<[String]>::to_vec).collect();
    let rejected: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                let mine: Vec<&Vec<String>> =
                    batches.iter().skip(client).step_by(clients).collect();
                scope.spawn(move || {
                    let mut rejected = 0;
                    for batch in mine {
                        rejected += submit_batch(rpc, batch);
                    }
                    rejected
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).sum()
    });
    let submitted_in = started.elapsed();

    // Count included transfers block by block until all are in.
    let mut included = 0usize;
    let mut next = start_block + 1;
    let mut last_inclusion = started;
    let deadline = Instant::now() + Duration::from_secs(600);
    while included < total - rejected && Instant::now() < deadline {
        if node.best_number() < next {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let hash = node.call("chain_getBlockHash", json!([next]));
        let block = node.call("chain_getBlock", json!([hash]));
        let count = block["block"]["extrinsics"].as_array().unwrap().len() - 1;
        if count > 0 {
            included += count;
            last_inclusion = Instant::now();
        }
        next += 1;
    }
    sampling.store(false, Ordering::Relaxed);
    for line in node.log().lines().filter(|l| {
        (l.contains("Prepared block") && !l.contains("extrinsics (1),"))
            || l.contains(" WARN ")
            || l.contains(" ERROR ")
    }) {
        println!("node: {line}");
    }
    sampler.join().unwrap();
    let elapsed = last_inclusion - started;
    let tps = included as f64 / elapsed.as_secs_f64();
    let blocks = next - start_block - 1;
    println!(
        "submitted in:                       {:.2} s ({rejected} refused)",
        submitted_in.as_secs_f64()
    );
    println!(
        "included:                           {included} transfers in {blocks} blocks, {:.2} s",
        elapsed.as_secs_f64()
    );
    println!("end-to-end throughput:              {tps:.0} transfers/s");
    println!("sr25519 verification rate:          {verify_rate:.0} signatures/s");
    println!("ratio (goal >= 0.39):               {:.3}", tps / verify_rate);
    println!("node resident memory idle:          {} MiB", idle_rss / 1024);
    println!(
        "node resident memory under load:    {} MiB (peak)",
        peak_rss.load(Ordering::Relaxed) / 1024
    );

    // What the weights promise: a validator importing these blocks (executed, checked and
    // written to RocksDB) from another node's export.
    node.stop();
    let spec = spec_path.to_str().unwrap();
    let blocks_file = dir.path().join("blocks.bin");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(common::binary()).args(args).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    run(&[
        "export-blocks",
        "--chain",
        spec,
        "-d",
        node_dir.to_str().unwrap(),
        "--binary",
        blocks_file.to_str().unwrap(),
    ]);
    // Three validators, the median reported (this machine's timings vary by ±20 %).
    let mut imports: Vec<(f64, String)> = (0..3)
        .map(|round| {
            let validator_dir = dir.path().join(format!("validator-{round}"));
            let log = run(&[
                "import-blocks",
                "--chain",
                spec,
                "-d",
                validator_dir.to_str().unwrap(),
                "--binary",
                blocks_file.to_str().unwrap(),
                "-l",
                "chain=debug",
            ]);
            let summary =
                log.lines().find(|line| line.contains(" extrinsics in ")).unwrap_or_default();
            let per_extrinsic = summary
                .split(" µs per extrinsic")
                .next()
                .and_then(|head| head.rsplit('(').next())
                .and_then(|figure| figure.parse().ok())
                .unwrap_or(f64::NAN);
            let steps: Vec<&str> = log
                .lines()
                .filter(|line| line.contains(" Executed #") || line.contains(" Stored #"))
                .collect();
            (per_extrinsic, format!("{summary}\n  {}", steps.join("\n  ")))
        })
        .collect();
    imports.sort_by(|a, b| a.0.total_cmp(&b.0));
    let spread: Vec<String> = imports.iter().map(|(figure, _)| format!("{figure:.1}")).collect();
    println!("validator import per extrinsic, three runs: {} µs", spread.join(" / "));
    let summary = &imports[1].1;
    println!("validator import of the run's blocks (median of 3): {summary}");
}
