//! How each call's costliest case is set up for the benchmark harness (see
//! `dfs_support::benchmarking`). The harness's signers are given the balance their fees
//! need by the runtime, which knows the balances pallet.

use alloc::{vec, vec::Vec};

use dfs_core::AccountId32;
use dfs_support::benchmarking::{account, Benchmark, BenchmarkOrigin, Component};

use crate::{Call, Config};

/// The longest remark measured: 16 KiB.
const MAX_REMARK: u32 = 16 * 1024;
/// The most items measured in one storage call.
const MAX_ITEMS: u32 = 256;

fn remark(length: u32) -> Vec<u8> {
    vec![0x42; length as usize]
}

/// `count` distinct 32-byte keys of the `index`-th extrinsic of `signer`, under `prefix`.
fn keys(prefix: &[u8], signer: &AccountId32, index: u32, count: u32) -> Vec<Vec<u8>> {
    (0..count)
        .map(|item| {
            let mut key = prefix.to_vec();
            key.extend_from_slice(&account(b"key", signer, index.wrapping_mul(MAX_ITEMS) + item).0);
            key
        })
        .collect()
}

/// A storage prefix of its own for the `index`-th extrinsic of `signer`.
fn prefix(signer: &AccountId32, index: u32) -> Vec<u8> {
    account(b"prefix", signer, index).0[..16].to_vec()
}

/// The benchmarks of the system pallet.
pub fn benchmarks<T: Config>() -> Vec<Benchmark<Call<T>>> {
    let bytes = Some(Component { name: "b", low: 0, high: MAX_REMARK });
    let items = Some(Component { name: "i", low: 1, high: MAX_ITEMS });
    vec![
        Benchmark {
            name: "remark",
            component: bytes,
            origin: BenchmarkOrigin::Signed,
            setup: |_, _, b| Call::remark { remark: remark(b) },
        },
        Benchmark {
            name: "remark_with_event",
            component: bytes,
            origin: BenchmarkOrigin::Signed,
            setup: |_, _, b| Call::remark_with_event { remark: remark(b) },
        },
        Benchmark {
            name: "set_heap_pages",
            component: None,
            origin: BenchmarkOrigin::Root,
            setup: |_, index, _| Call::set_heap_pages { pages: 64 + u64::from(index) },
        },
        Benchmark {
            name: "set_storage",
            component: items,
            origin: BenchmarkOrigin::Root,
            setup: |signer, index, i| Call::set_storage {
                items: keys(b"set", signer, index, i)
                    .into_iter()
                    .map(|key| (key, vec![7; 32]))
                    .collect(),
            },
        },
        Benchmark {
            name: "kill_storage",
            component: items,
            origin: BenchmarkOrigin::Root,
            setup: |signer, index, i| {
                let keys = keys(b"kill", signer, index, i);
                for key in &keys {
                    dfs_io::storage::set(key, &[7; 32]);
                }
                Call::kill_storage { keys }
            },
        },
        Benchmark {
            name: "kill_prefix",
            component: Some(Component { name: "p", low: 1, high: MAX_ITEMS }),
            origin: BenchmarkOrigin::Root,
            setup: |signer, index, p| {
                let prefix = prefix(signer, index);
                for key in keys(&prefix, signer, index, p) {
                    dfs_io::storage::set(&key, &[7; 32]);
                }
                Call::kill_prefix { prefix, subkeys: p }
            },
        },
    ]
}
