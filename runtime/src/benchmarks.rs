//! The benchmark API, exported by Wasm runtimes built with the `runtime-benchmarks` feature
//! only (and compiled natively for tests): the harness (`dfs-node benchmark`) lists the pallets' benchmarks and has each one set up its
//! costliest case for a block of signers, then signs, executes and imports that block.
//!
//! - `DfsBenchmark_benchmarks() -> Vec<BenchmarkInfo>`
//! - `DfsBenchmark_setup(pallet, name, component, as_root, signers) -> Result<Vec<(origin, call)>, String>`:
//!   gives every signer the balance its fees need and its background accounts (the state is
//!   the same size whatever the benchmark), runs the benchmark's setup for each (its
//!   storage changes are the state the block is built on) and returns the calls, root ones
//!   (and with `as_root`, every one) wrapped in `Sudo::sudo` for the sudo key to sign. The
//!   harness measures root calls against an empty remark sent as root: one signer paying
//!   for every extrinsic costs less per extrinsic than many.

use alloc::{boxed::Box, format, string::String, vec::Vec};
use codec::{DecodeLimit, Encode};
use dfs_core::AccountId32;
use dfs_support::{
    benchmarking::{Benchmark, BenchmarkInfo, BenchmarkOrigin},
    Balance,
};

use crate::{apis::ApiError, Runtime, RuntimeCall, UNIT};

/// What each signer is given for its fees.
const FEE_MONEY: Balance = 1_000 * UNIT;

/// The pallets benchmarked, by the short name the harness uses.
const PALLETS: [&str; 2] = ["system", "balances"];

/// Every benchmark of every pallet.
pub fn list() -> Vec<BenchmarkInfo> {
    let mut infos: Vec<BenchmarkInfo> = dfs_pallet_system::benchmarking::benchmarks::<Runtime>()
        .iter()
        .map(|b| b.info(PALLETS[0]))
        .collect();
    infos.extend(
        dfs_pallet_balances::benchmarking::benchmarks::<Runtime>()
            .iter()
            .map(|b| b.info(PALLETS[1])),
    );
    infos
}

/// Sets up benchmark `name` of `pallet` for `signers` and returns their calls (all sent as
/// root if `as_root`).
pub fn setup(
    pallet: &[u8],
    name: &[u8],
    component: u32,
    as_root: bool,
    signers: &[AccountId32],
) -> Result<Vec<(BenchmarkOrigin, Vec<u8>)>, String> {
    let endow = |who: &AccountId32, amount: Balance| {
        let _ = dfs_pallet_balances::Pallet::<Runtime>::mutate_account(who, |data| {
            data.free = data.free.saturating_add(amount);
            Ok(())
        });
        dfs_pallet_balances::pallet::TotalIssuance::mutate(|issuance| {
            *issuance = issuance.saturating_add(amount)
        });
    };
    for signer in signers {
        endow(signer, FEE_MONEY);
        for index in 0..dfs_support::benchmarking::BACKGROUND_ACCOUNTS {
            endow(&dfs_support::benchmarking::background_account(signer, index), UNIT);
        }
    }
    match pallet {
        b"system" => prepare(
            dfs_pallet_system::benchmarking::benchmarks::<Runtime>(),
            name,
            component,
            as_root,
            signers,
        ),
        b"balances" => prepare(
            dfs_pallet_balances::benchmarking::benchmarks::<Runtime>(),
            name,
            component,
            as_root,
            signers,
        ),
        _ => Err(format!("no pallet {}", String::from_utf8_lossy(pallet))),
    }
}

fn prepare<C: Into<RuntimeCall>>(
    benchmarks: Vec<Benchmark<C>>,
    name: &[u8],
    component: u32,
    as_root: bool,
    signers: &[AccountId32],
) -> Result<Vec<(BenchmarkOrigin, Vec<u8>)>, String> {
    let benchmark = benchmarks
        .into_iter()
        .find(|b| b.name.as_bytes() == name)
        .ok_or_else(|| format!("no benchmark {}", String::from_utf8_lossy(name)))?;
    let origin = if as_root { BenchmarkOrigin::Root } else { benchmark.origin };
    Ok(signers
        .iter()
        .enumerate()
        .map(|(index, signer)| {
            let call: RuntimeCall = (benchmark.setup)(signer, index as u32, component).into();
            let call = match origin {
                BenchmarkOrigin::Signed => call,
                BenchmarkOrigin::Root => {
                    RuntimeCall::Sudo(dfs_pallet_sudo::Call::sudo { call: Box::new(call) })
                }
            };
            (origin, call.encode())
        })
        .collect())
}

/// The benchmark API's dispatcher: `DfsBenchmark_<method>` with SCALE input.
pub fn call(name: &str, input: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut input = input;
    match name {
        "DfsBenchmark_benchmarks" => Ok(list().encode()),
        "DfsBenchmark_setup" => {
            type Args = (Vec<u8>, Vec<u8>, u32, bool, Vec<AccountId32>);
            let (pallet, benchmark, component, as_root, signers): Args =
                DecodeLimit::decode_all_with_depth_limit(8, &mut input)
                    .map_err(|_| ApiError::BadInput("DfsBenchmark_setup"))?;
            Ok(setup(&pallet, &benchmark, component, as_root, &signers).encode())
        }
        _ => Err(ApiError::UnknownMethod),
    }
}

/// The exported entry points of the benchmark API in the Wasm build.
#[cfg(all(feature = "runtime-benchmarks", not(feature = "std"), target_arch = "wasm32"))]
#[allow(non_snake_case)]
mod exports {
    /// `DfsBenchmark_benchmarks`.
    #[export_name = "DfsBenchmark_benchmarks"]
    pub extern "C" fn benchmarks(ptr: u32, len: u32) -> u64 {
        crate::apis::export_with("DfsBenchmark_benchmarks", ptr, len, super::call)
    }

    /// `DfsBenchmark_setup`.
    #[export_name = "DfsBenchmark_setup"]
    pub extern "C" fn setup(ptr: u32, len: u32) -> u64 {
        crate::apis::export_with("DfsBenchmark_setup", ptr, len, super::call)
    }
}
