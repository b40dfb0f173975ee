//! The executor's host functions fed by a hostile runtime: a module importing every host
//! function runs a program taken from the fuzz input, each step calling one of them with
//! arbitrary arguments (pointers and lengths anywhere, calls out of order). Each call ends
//! in an answer or a trap reported as an error; the host never panics, and the executor
//! stays usable for the real runtime.

#![no_main]

use std::sync::OnceLock;

use dfs_executor::{Executor, ExecutorConfig};
use dfs_io::state::{InMemoryBackend, OverlayedChanges, OverlayedExt};
use libfuzzer_sys::fuzz_target;

/// The host functions with Substrate's signatures: name, parameter types, result type.
const HOST: &[(&str, &[&str], Option<&str>)] = &[
    ("ext_allocator_malloc_version_1", &["i32"], Some("i32")),
    ("ext_allocator_free_version_1", &["i32"], None),
    ("ext_storage_get_version_1", &["i64"], Some("i64")),
    ("ext_storage_read_version_1", &["i64", "i64", "i32"], Some("i64")),
    ("ext_storage_set_version_1", &["i64", "i64"], None),
    ("ext_storage_clear_version_1", &["i64"], None),
    ("ext_storage_exists_version_1", &["i64"], Some("i32")),
    ("ext_storage_append_version_1", &["i64", "i64"], None),
    ("ext_storage_clear_prefix_version_2", &["i64", "i64"], Some("i64")),
    ("ext_storage_next_key_version_1", &["i64"], Some("i64")),
    ("ext_storage_root_version_2", &["i32"], Some("i64")),
    ("ext_storage_start_transaction_version_1", &[], None),
    ("ext_storage_rollback_transaction_version_1", &[], None),
    ("ext_storage_commit_transaction_version_1", &[], None),
    ("ext_hashing_blake2_128_version_1", &["i64"], Some("i32")),
    ("ext_hashing_blake2_256_version_1", &["i64"], Some("i32")),
    ("ext_hashing_twox_64_version_1", &["i64"], Some("i32")),
    ("ext_hashing_twox_128_version_1", &["i64"], Some("i32")),
    ("ext_hashing_twox_256_version_1", &["i64"], Some("i32")),
    ("ext_crypto_sr25519_verify_version_2", &["i32", "i64", "i32"], Some("i32")),
    ("ext_crypto_ed25519_verify_version_1", &["i32", "i64", "i32"], Some("i32")),
    ("ext_crypto_start_batch_verify_version_1", &[], None),
    ("ext_crypto_sr25519_batch_verify_version_1", &["i32", "i64", "i32"], Some("i32")),
    ("ext_crypto_ed25519_batch_verify_version_1", &["i32", "i64", "i32"], Some("i32")),
    ("ext_crypto_finish_batch_verify_version_1", &[], Some("i32")),
    ("ext_trie_blake2_256_ordered_root_version_2", &["i64", "i32"], Some("i32")),
    ("ext_logging_log_version_1", &["i32", "i64", "i64"], None),
    ("ext_logging_max_level_version_1", &[], Some("i32")),
    ("ext_misc_runtime_version_version_1", &["i64"], Some("i64")),
];

/// Bytes per program step: the host function's number, then three 8-byte arguments.
const STEP: usize = 25;

/// A module importing every host function, whose `Run` interprets its input as steps.
fn module() -> Vec<u8> {
    let mut wat = String::from("(module\n");
    for (index, (name, params, result)) in HOST.iter().enumerate() {
        let params: String = params.iter().map(|p| format!(" {p}")).collect();
        let result = result.map(|r| format!(" (result {r})")).unwrap_or_default();
        wat.push_str(&format!(
            "(import \"env\" \"{name}\" (func $f{index} (param{params}){result}))\n"
        ));
    }
    wat.push_str(
        "(memory (export \"memory\") 4)\n(global (export \"__heap_base\") i32 (i32.const 65536))\n",
    );
    wat.push_str("(func (export \"Run\") (param $ptr i32) (param $len i32) (result i64)\n");
    wat.push_str("(local $at i32) (local $a i64) (local $b i64) (local $c i64)\n");
    wat.push_str("(block $done (loop $next\n");
    wat.push_str(&format!(
        "(br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const {STEP})) (local.get $len)))\n"
    ));
    for (local, offset) in [("$a", 1), ("$b", 9), ("$c", 17)] {
        wat.push_str(&format!(
            "(local.set {local} (i64.load (i32.add (i32.add (local.get $ptr) (local.get $at)) (i32.const {offset}))))\n"
        ));
    }
    wat.push_str("(block $step\n");
    for index in (0..HOST.len()).rev() {
        wat.push_str(&format!("(block $case{index}\n"));
    }
    let cases: String = (0..HOST.len()).map(|i| format!(" $case{i}")).collect();
    wat.push_str(&format!(
        "(br_table{cases} $case0 (i32.rem_u (i32.load8_u (i32.add (local.get $ptr) (local.get $at))) (i32.const {})))\n",
        HOST.len()
    ));
    for (index, (_, params, result)) in HOST.iter().enumerate() {
        wat.push_str(")\n");
        let args: String = params
            .iter()
            .zip(["$a", "$b", "$c"])
            .map(|(ty, local)| match *ty {
                "i32" => format!(" (i32.wrap_i64 (local.get {local}))"),
                _ => format!(" (local.get {local})"),
            })
            .collect();
        let call = format!("(call $f{index}{args})");
        wat.push_str(&if result.is_some() { format!("(drop {call})") } else { call });
        wat.push_str("\n(br $step)\n");
    }
    wat.push_str(")\n");
    wat.push_str(&format!(
        "(local.set $at (i32.add (local.get $at) (i32.const {STEP})))\n(br $next)))\n"
    ));
    wat.push_str("(i64.const 0))\n)\n");
    wat::parse_str(&wat).expect("the hostile module is valid WAT")
}

struct Host {
    executor: Executor,
    code: Vec<u8>,
}

fn host() -> &'static Host {
    static HOST_STATE: OnceLock<Host> = OnceLock::new();
    HOST_STATE.get_or_init(|| {
        let executor = Executor::new(ExecutorConfig::default()).expect("an executor");
        let code = module();
        // Every import must link: a signature off by one would test nothing.
        let backend = InMemoryBackend::default();
        let mut overlay = OverlayedChanges::default();
        let mut ext = OverlayedExt::new(&backend, &mut overlay);
        executor.call(&code, "Run", &[], &mut ext).expect("the hostile module links and runs");
        Host { executor, code }
    })
}

fuzz_target!(|data: &[u8]| {
    let host = host();
    let backend = InMemoryBackend::new([(b"key".to_vec(), b"value".to_vec())].into());
    let mut overlay = OverlayedChanges::default();
    let mut ext = OverlayedExt::new(&backend, &mut overlay);
    let _ = host.executor.call(&host.code, "Run", data, &mut ext);
});
