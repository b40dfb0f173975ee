//! Every benchmark's setup gives extrinsics that apply and whose calls succeed, at both ends
//! of its component: what the weight harness measures is the call doing its work, not an
//! error path.

use dfs_core::pair::{dev_sr25519, Sr25519Pair};
use dfs_runtime::{
    benchmarks,
    signing::{sign, SigningContext},
};
use dfs_support::benchmarking::BenchmarkOrigin;

use crate::chain::Chain;

#[test]
fn every_benchmark_sets_up_calls_that_succeed() {
    let list = benchmarks::list();
    assert!(list.iter().any(|b| b.pallet == b"balances" && b.name == b"transfer_keep_alive"));
    assert!(list.iter().any(|b| b.pallet == b"system" && b.name == b"remark"));
    for info in list {
        let ends = match info.component {
            Some((_, low, high)) => vec![low, high],
            None => vec![0],
        };
        for component in ends {
            let mut chain = Chain::development();
            let signers: Vec<Sr25519Pair> =
                (0..3u8).map(|i| Sr25519Pair::from_seed(&[i + 1; 32])).collect();
            let accounts: Vec<_> = signers.iter().map(Sr25519Pair::account_id).collect();
            let calls = chain
                .ext
                .execute_with(|| {
                    benchmarks::setup(&info.pallet, &info.name, component, false, &accounts)
                })
                .unwrap();
            chain.ext.commit_all();
            chain.start_block(1_700_000_000_000);
            let context = SigningContext::for_genesis(chain.genesis_hash);
            let mut sudo_nonce = 0;
            for ((origin, call), signer) in calls.iter().zip(&signers) {
                let xt = match origin {
                    BenchmarkOrigin::Signed => sign(signer, &context, call, 0, 0),
                    BenchmarkOrigin::Root => {
                        sudo_nonce += 1;
                        sign(&dev_sr25519("Alice"), &context, call, sudo_nonce - 1, 0)
                    }
                };
                let applied = chain.apply(&xt);
                assert_eq!(
                    applied,
                    Ok(Ok(())),
                    "{}::{} at {component}",
                    String::from_utf8_lossy(&info.pallet),
                    String::from_utf8_lossy(&info.name)
                );
                // Root calls go through sudo, whose own outcome is an event: it must say Ok.
                if *origin == BenchmarkOrigin::Root {
                    let events = chain
                        .ext
                        .execute_with(dfs_pallet_system::Pallet::<dfs_runtime::Runtime>::events);
                    let sudid = events.iter().rev().find_map(|record| match &record.event {
                        dfs_runtime::RuntimeEvent::Sudo(dfs_pallet_sudo::Event::Sudid {
                            sudo_result,
                        }) => Some(*sudo_result),
                        _ => None,
                    });
                    assert_eq!(
                        sudid,
                        Some(Ok(())),
                        "{}::{}",
                        String::from_utf8_lossy(&info.pallet),
                        String::from_utf8_lossy(&info.name)
                    );
                }
            }
        }
    }
}
