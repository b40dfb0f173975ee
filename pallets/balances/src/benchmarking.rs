//! How each call's costliest case is set up for the benchmark harness (see
//! `dfs_support::benchmarking`).

use alloc::{vec, vec::Vec};

use dfs_core::AccountId32;
use dfs_runtime_primitives::MultiAddress;
use dfs_support::{
    benchmarking::{account, background_account, Benchmark, BenchmarkOrigin},
    traits::Get,
    Balance,
};

use crate::{pallet::TotalIssuance, Call, Config, Pallet};

/// What each benchmark's signer is given (beyond its fee money): far above the existential
/// deposit and any fee.
fn endowment<T: Config>() -> Balance {
    T::ExistentialDeposit::get().saturating_mul(1_000_000)
}

/// Gives `who` `free` (and `reserved`) more, keeping the total issuance the sum of balances.
fn endow<T: Config>(who: &AccountId32, free: Balance, reserved: Balance) {
    let _ = Pallet::<T>::mutate_account(who, |data| {
        data.free = data.free.saturating_add(free);
        data.reserved = data.reserved.saturating_add(reserved);
        Ok(())
    });
    TotalIssuance::mutate(|issuance| *issuance = issuance.saturating_add(free + reserved));
}

fn address(who: AccountId32) -> MultiAddress<AccountId32, ()> {
    MultiAddress::Id(who)
}

/// The benchmarks of the balances pallet.
pub fn benchmarks<T: Config>() -> Vec<Benchmark<Call<T>>> {
    vec![
        Benchmark {
            name: "transfer_allow_death",
            component: None,
            origin: BenchmarkOrigin::Signed,
            // Leaves the sender less than the existential deposit once the fee (less than the
            // deposit) is paid: it is removed, and the recipient created.
            setup: |signer, index, _| {
                endow::<T>(signer, endowment::<T>(), 0);
                let value = Pallet::<T>::free_balance(signer) - T::ExistentialDeposit::get();
                Call::transfer_allow_death {
                    dest: address(account(b"recipient", signer, index)),
                    value,
                }
            },
        },
        Benchmark {
            name: "transfer_keep_alive",
            component: None,
            origin: BenchmarkOrigin::Signed,
            setup: |signer, index, _| {
                endow::<T>(signer, endowment::<T>(), 0);
                Call::transfer_keep_alive {
                    dest: address(account(b"recipient", signer, index)),
                    value: endowment::<T>() / 10,
                }
            },
        },
        Benchmark {
            name: "transfer_to_existing",
            component: None,
            origin: BenchmarkOrigin::Signed,
            // To one of the signer's background accounts, which exist.
            setup: |signer, _, _| {
                endow::<T>(signer, endowment::<T>(), 0);
                Call::transfer_keep_alive {
                    dest: address(background_account(signer, 0)),
                    value: endowment::<T>() / 10,
                }
            },
        },
        Benchmark {
            name: "transfer_all",
            component: None,
            origin: BenchmarkOrigin::Signed,
            setup: |signer, index, _| {
                endow::<T>(signer, endowment::<T>(), 0);
                Call::transfer_all {
                    dest: address(account(b"recipient", signer, index)),
                    keep_alive: false,
                }
            },
        },
        Benchmark {
            name: "force_transfer",
            component: None,
            origin: BenchmarkOrigin::Root,
            setup: |signer, index, _| {
                let source = account(b"source", signer, index);
                endow::<T>(&source, endowment::<T>(), 0);
                Call::force_transfer {
                    source: address(source),
                    dest: address(account(b"recipient", signer, index)),
                    value: endowment::<T>() / 10,
                }
            },
        },
        Benchmark {
            name: "force_unreserve",
            component: None,
            origin: BenchmarkOrigin::Root,
            setup: |signer, index, _| {
                let who = account(b"reserver", signer, index);
                endow::<T>(&who, endowment::<T>(), endowment::<T>());
                Call::force_unreserve { who: address(who), amount: endowment::<T>() }
            },
        },
        Benchmark {
            name: "force_set_balance",
            component: None,
            origin: BenchmarkOrigin::Root,
            setup: |signer, index, _| Call::force_set_balance {
                who: address(account(b"created", signer, index)),
                new_free: endowment::<T>(),
            },
        },
        Benchmark {
            name: "burn",
            component: None,
            origin: BenchmarkOrigin::Signed,
            // Burns all but less than the existential deposit: the account is removed.
            setup: |signer, _, _| {
                endow::<T>(signer, endowment::<T>(), 0);
                let value = Pallet::<T>::free_balance(signer) - T::ExistentialDeposit::get();
                Call::burn { value, keep_alive: false }
            },
        },
    ]
}
