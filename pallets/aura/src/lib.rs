//! The Aura pallet: who may author blocks, and in which slot.
//!
//! # Overview
//!
//! Time is cut into slots of `SlotDuration` milliseconds. The authority at index
//! `slot % authorities.len()` may author the block of a slot: it puts the slot into the
//! block's pre-runtime digest (`aura`, the slot as a little-endian `u64`) and seals the
//! block with its sr25519 key. The node checks the seal and that slots only grow; this
//! pallet keeps the authority set and records each block's slot, which clients read
//! (`Aura.CurrentSlot`, constant `Aura.SlotDuration`, the `AuraApi` runtime API).
//!
//! Authorities are set at genesis (`aura.authorities`, SS58 addresses, as zombienet
//! writes them). Until staking elects validators, they change only by a runtime upgrade.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

pub use pallet::*;

/// The consensus engine id of Aura digests.
pub use dfs_runtime_primitives::generic::AURA_ENGINE_ID as ENGINE_ID;

/// The pallet itself.
#[dfs_support::pallet(name = "Aura")]
pub mod pallet {
    use alloc::vec::Vec;
    use dfs_support::prelude::*;

    /// What a runtime configures for the Aura pallet.
    #[pallet::config]
    pub trait Config: dfs_pallet_system::Config {
        /// The length of a slot, in milliseconds.
        #[pallet::constant]
        type SlotDuration: Get<u64>;
    }

    /// The Aura pallet.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// The sr25519 public keys of the block authorities, in round-robin order.
    #[pallet::storage]
    pub type Authorities = StorageValue<_, Vec<AccountId>, ValueQuery>;

    /// The slot of the current block.
    #[pallet::storage]
    pub type CurrentSlot = StorageValue<_, u64, ValueQuery>;

    /// The initial authorities.
    #[pallet::genesis_config]
    #[derive(Default)]
    pub struct GenesisConfig {
        /// The authorities' sr25519 public keys (SS58 addresses in JSON).
        pub authorities: Vec<AccountId>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig<T> for GenesisConfig {
        fn build(&self) -> Result<(), String> {
            let mut seen = alloc::collections::BTreeSet::new();
            if let Some(duplicate) = self.authorities.iter().find(|key| !seen.insert(*key)) {
                return Err(alloc::format!("aura: authority {duplicate:?} is listed twice"));
            }
            Authorities::put(self.authorities.clone());
            Ok(())
        }
    }

    #[pallet::hooks]
    impl<T: Config> Hooks for Pallet<T> {
        fn on_initialize(_block: BlockNumber) -> Weight {
            if let Some(slot) = Self::slot_in_digest() {
                CurrentSlot::put(slot);
            }
            T::DbWeight::get().reads_writes(1, 1)
        }
    }

    impl<T: Config> Pallet<T> {
        /// The slot in the current block's pre-runtime digest, if there is one.
        pub fn slot_in_digest() -> Option<u64> {
            let digest = dfs_pallet_system::Digest::get();
            let mut data = digest.pre_runtime(crate::ENGINE_ID)?;
            u64::decode(&mut data).ok()
        }

        /// The current authorities.
        pub fn authorities() -> Vec<AccountId> {
            Authorities::get()
        }

        /// The slot length in milliseconds.
        pub fn slot_duration() -> u64 {
            T::SlotDuration::get()
        }
    }
}
