//! The timestamp pallet: the time of each block, in milliseconds since the Unix epoch.
//!
//! # Overview
//!
//! The block author puts the current time into every block as an inherent: an
//! unsigned, mandatory `set(now)` call that must come before any transaction.
//! Each block's time must be at least `MinimumPeriod` after its parent's, so
//! slots cannot be squeezed. A block without it is invalid.
//!
//! Other pallets read [`Pallet::now`]. The inherent's data identifier is
//! `timstap0`, as in Substrate, carrying the time as a little-endian `u64`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

pub use pallet::*;

/// The inherent-data identifier of the timestamp.
pub use dfs_runtime_primitives::TIMESTAMP_INHERENT_IDENTIFIER as INHERENT_IDENTIFIER;

/// The pallet itself.
#[dfs_support::pallet(name = "Timestamp")]
pub mod pallet {
    use dfs_support::prelude::*;

    /// What a runtime configures for the timestamp pallet.
    #[pallet::config]
    pub trait Config: dfs_pallet_system::Config {
        /// The least time between two blocks, in milliseconds (half the slot duration).
        #[pallet::constant]
        type MinimumPeriod: Get<u64>;
    }

    /// The timestamp pallet.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// The current block's time, in milliseconds since the Unix epoch.
    #[pallet::storage]
    pub type Now = StorageValue<_, u64, ValueQuery>;

    /// Whether the time was set in this block.
    #[pallet::storage]
    pub type DidUpdate = StorageValue<_, bool, ValueQuery>;

    /// Errors of the timestamp pallet.
    #[pallet::error]
    pub enum Error<T> {
        /// The time was already set in this block.
        AlreadyUpdated,
        /// The time is less than `MinimumPeriod` after the previous block's.
        TooEarly,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks for Pallet<T> {
        fn on_initialize(_block: BlockNumber) -> Weight {
            // `on_finalize` clears the flag.
            T::DbWeight::get().reads_writes(0, 1)
        }

        fn on_finalize(_block: BlockNumber) {
            DidUpdate::kill();
        }

        fn inherents_applied() -> bool {
            DidUpdate::get()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Sets the current time; an inherent the block author adds to every block.
        #[pallet::call_index(0)]
        #[pallet::weight((T::DbWeight::get().reads_writes(2, 2), DispatchClass::Mandatory))]
        pub fn set(origin: Origin, #[pallet::compact] now: u64) -> DispatchResult {
            ensure_none(origin)?;
            ensure!(!DidUpdate::get(), Error::<T>::AlreadyUpdated);
            let previous = Now::get();
            ensure!(
                previous == 0 || now >= previous.saturating_add(T::MinimumPeriod::get()),
                Error::<T>::TooEarly
            );
            Now::put(now);
            DidUpdate::put(true);
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// The current block's time, in milliseconds since the Unix epoch.
        pub fn now() -> u64 {
            Now::get()
        }

        /// The inherent call for the time in `inherent_data` (`timstap0` → `u64` LE), raised
        /// to the earliest time this block may have.
        pub fn create_inherent(inherent_data: u64) -> Call<T> {
            let earliest = Now::get().saturating_add(T::MinimumPeriod::get());
            Call::set { now: inherent_data.max(earliest) }
        }
    }
}
