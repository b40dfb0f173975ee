//! The system pallet: accounts, the block lifecycle, events and runtime upgrades.
//!
//! # Overview
//!
//! Every runtime has it, at index 0. It keeps:
//!
//! - **Accounts** (`Account`): nonce, reference counts and the balance data the
//!   balances pallet manages, in Substrate's `AccountInfo` layout so wallets read
//!   it unchanged. An account exists while something provides for it
//!   (`providers > 0`); it is removed when the last provider goes.
//! - **The block being built**: number, parent hash, digest, the extrinsics
//!   applied (their encodings give the extrinsics root), the weight and length
//!   used per dispatch class, and the block hashes of the last `BlockHashCount`
//!   blocks (mortal transactions are checked against them).
//! - **Events** of the current block, each with its phase, read by clients after
//!   every block.
//! - **The runtime code**: `set_code` replaces it after checking that the new
//!   blob is the same chain (`spec_name`) at a higher `spec_version`.
//!
//! The standard signed extensions live in [`extensions`] and the block
//! executive, which drives the pallets through a block, in [`executive`].
//!
//! # Invariants
//!
//! - `Number` is the block being built; `BlockHash(n)` is known for the last
//!   `BlockHashCount` blocks and for genesis.
//! - An account in `Account` has `providers > 0` or `sufficients > 0`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod benchmarking;
pub mod weights;

pub mod executive;
pub mod extensions;
pub mod limits;
#[cfg(test)]
mod mock;
#[cfg(feature = "std")]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod types;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use dfs_core::H256;
use scale_info::TypeInfo;

pub use pallet::*;

/// When in the block an event happened.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub enum Phase {
    /// While applying the extrinsic at this index.
    ApplyExtrinsic(u32),
    /// After the extrinsics, while finalizing.
    Finalization,
    /// Before the extrinsics, while initializing.
    Initialization,
}

/// An event with its phase and topics, as stored in `Events`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct EventRecord<E, T> {
    /// When it happened.
    pub phase: Phase,
    /// The event.
    pub event: E,
    /// Topics for indexing (unused by DFS so far).
    pub topics: Vec<T>,
}

/// An account: nonce, reference counts and balance data.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct AccountInfo<Nonce, AccountData> {
    /// Transactions sent so far.
    pub nonce: Nonce,
    /// Things that need the account to stay (e.g. locks, reserves for others).
    pub consumers: u32,
    /// Things that let the account exist (e.g. a balance above the existential deposit).
    pub providers: u32,
    /// Self-sufficient references (unused by DFS so far).
    pub sufficients: u32,
    /// The balance data.
    pub data: AccountData,
}

/// The runtime version that last ran, to detect upgrades.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct LastRuntimeUpgradeInfo {
    /// Its spec version.
    #[codec(compact)]
    pub spec_version: u32,
    /// Its spec name.
    pub spec_name: String,
}

pub use dfs_runtime_primitives::well_known_keys::{
    CODE as CODE_KEY, EXTRINSIC_INDEX as EXTRINSIC_INDEX_KEY, HEAP_PAGES as HEAP_PAGES_KEY,
};

/// The pallet itself: configuration, storage, events, errors and calls.
#[dfs_support::pallet(name = "System")]
pub mod pallet {
    use super::*;
    use crate::{
        limits::{BlockLength, BlockWeights, RuntimeDbWeight},
        types::AccountData,
        weights::WeightInfo,
    };
    use dfs_runtime_primitives::{generic::Digest as HeaderDigest, RuntimeVersion};
    use dfs_support::{
        dispatch::{GetDispatchInfo, PerDispatchClass},
        prelude::*,
        storage::unhashed,
    };

    /// What a runtime configures for the system pallet.
    #[pallet::config]
    pub trait Config {
        /// The runtime's event type.
        type RuntimeEvent: Clone
            + PartialEq
            + core::fmt::Debug
            + Encode
            + Decode
            + TypeInfo
            + From<Event>
            + 'static;
        /// The runtime's call type.
        type RuntimeCall: Clone
            + PartialEq
            + core::fmt::Debug
            + Encode
            + Decode
            + TypeInfo
            + GetDispatchInfo
            + dfs_support::dispatch::Dispatchable
            + dfs_support::dispatch::GetCallName
            + 'static;
        /// Weight limits of a block.
        #[pallet::constant]
        type BlockWeights: Get<BlockWeights>;
        /// Length limits of a block.
        #[pallet::constant]
        type BlockLength: Get<BlockLength>;
        /// How many recent block hashes are kept (the longest transaction mortality).
        #[pallet::constant]
        type BlockHashCount: Get<BlockNumber>;
        /// The weight of storage reads and writes.
        #[pallet::constant]
        type DbWeight: Get<RuntimeDbWeight>;
        /// The runtime's version.
        #[pallet::constant]
        type Version: Get<RuntimeVersion>;
        /// The SS58 address format of the chain.
        #[pallet::constant]
        type SS58Prefix: Get<u16>;
        /// The weights of the calls, measured by the benchmark harness (`weights.rs`).
        type WeightInfo: WeightInfo;
    }

    /// The system pallet.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// Every account: nonce, reference counts and balances.
    #[pallet::storage]
    pub type Account =
        StorageMap<_, Blake2_128Concat, AccountId, AccountInfo<Nonce, AccountData>, ValueQuery>;

    /// How many extrinsics the current block holds so far.
    #[pallet::storage]
    pub type ExtrinsicCount = StorageValue<_, u32>;

    /// The weight used by the current block, per dispatch class.
    #[pallet::storage]
    pub type BlockWeight = StorageValue<_, PerDispatchClass<Weight>, ValueQuery>;

    /// The bytes of extrinsics in the current block.
    #[pallet::storage]
    pub type AllExtrinsicsLen = StorageValue<_, u32>;

    /// The hashes of recent blocks, and of genesis.
    #[pallet::storage]
    pub type BlockHash = StorageMap<_, Twox64Concat, BlockNumber, H256, ValueQuery>;

    /// The encoded extrinsics of the current block, by index.
    #[pallet::storage]
    pub type ExtrinsicData = StorageMap<_, Twox64Concat, u32, Vec<u8>, ValueQuery>;

    /// The number of the current block.
    #[pallet::storage]
    pub type Number = StorageValue<_, BlockNumber, ValueQuery>;

    /// The hash of the parent block.
    #[pallet::storage]
    pub type ParentHash = StorageValue<_, H256, ValueQuery>;

    /// The digest of the current block.
    #[pallet::storage]
    pub type Digest = StorageValue<_, HeaderDigest, ValueQuery>;

    /// The events of the current block.
    #[pallet::storage]
    pub type Events<T> =
        StorageValue<_, Vec<EventRecord<<T as Config>::RuntimeEvent, H256>>, ValueQuery>;

    /// How many events the block has: set when it finalizes (zero while it executes).
    #[pallet::storage]
    pub type EventCount = StorageValue<_, u32, ValueQuery>;

    /// The runtime version that last ran.
    #[pallet::storage]
    pub type LastRuntimeUpgrade = StorageValue<_, LastRuntimeUpgradeInfo>;

    /// Where in the block execution is.
    #[pallet::storage]
    pub type ExecutionPhase = StorageValue<_, Phase>;

    /// Events of the system pallet.
    #[pallet::event]
    pub enum Event {
        /// An extrinsic succeeded.
        ExtrinsicSuccess { dispatch_info: DispatchInfo },
        /// An extrinsic was included but its call failed.
        ExtrinsicFailed { dispatch_error: DispatchError, dispatch_info: DispatchInfo },
        /// The runtime code was replaced.
        CodeUpdated,
        /// An account came into existence.
        NewAccount { account: AccountId },
        /// An account was removed.
        KilledAccount { account: AccountId },
        /// Someone noted a remark, by its hash.
        Remarked { sender: AccountId, hash: H256 },
    }

    /// Errors of the system pallet.
    #[pallet::error]
    pub enum Error<T> {
        /// The new code's spec name differs: it is another chain's runtime.
        InvalidSpecName,
        /// The new code's spec version is not higher than the current one.
        SpecVersionNeedsToIncrease,
        /// The new code carries no readable runtime version: it is not a DFS runtime blob.
        FailedToExtractRuntimeVersion,
        /// The account is still referenced and cannot be removed.
        NonZeroRefCount,
    }

    /// The system pallet's genesis: nothing to configure.
    #[pallet::genesis_config]
    #[derive(Default)]
    pub struct GenesisConfig {}

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig<T> for GenesisConfig {
        fn build(&self) -> Result<(), String> {
            // Genesis is block 0; its hash is filled in when block 1 starts.
            BlockHash::insert(0, H256([69; 32]));
            ParentHash::put(H256([69; 32]));
            LastRuntimeUpgrade::put(LastRuntimeUpgradeInfo {
                spec_version: T::Version::get().spec_version,
                spec_name: T::Version::get().spec_name,
            });
            Ok(())
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Makes a note on chain; nothing is stored.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::remark(remark.len() as u32))]
        pub fn remark(origin: Origin, remark: Vec<u8>) -> DispatchResult {
            ensure_signed_or_root(origin)?;
            let _ = remark;
            Ok(())
        }

        /// Sets the number of Wasm heap pages; root only.
        #[pallet::call_index(1)]
        #[pallet::weight((T::WeightInfo::set_heap_pages(), DispatchClass::Operational))]
        pub fn set_heap_pages(origin: Origin, pages: u64) -> DispatchResult {
            ensure_root(origin)?;
            unhashed::put(HEAP_PAGES_KEY, &pages);
            Self::deposit_log(
                dfs_runtime_primitives::generic::DigestItem::RuntimeEnvironmentUpdated,
            );
            Ok(())
        }

        /// Replaces the runtime code after checking it is this chain's runtime at a higher
        /// spec version; the next block runs it. Root only.
        #[pallet::call_index(2)]
        #[pallet::weight((SET_CODE_WEIGHT, DispatchClass::Operational))]
        pub fn set_code(origin: Origin, code: Vec<u8>) -> DispatchResult {
            ensure_root(origin)?;
            Self::can_set_code(&code)?;
            Self::update_code(code);
            Ok(())
        }

        /// Replaces the runtime code without any check. Root only; a wrong blob halts the chain.
        #[pallet::call_index(3)]
        #[pallet::weight((SET_CODE_WEIGHT, DispatchClass::Operational))]
        pub fn set_code_without_checks(origin: Origin, code: Vec<u8>) -> DispatchResult {
            ensure_root(origin)?;
            Self::update_code(code);
            Ok(())
        }

        /// Writes raw storage items. Root only.
        #[pallet::call_index(4)]
        #[pallet::weight((T::WeightInfo::set_storage(items.len() as u32), DispatchClass::Operational))]
        pub fn set_storage(origin: Origin, items: Vec<(Vec<u8>, Vec<u8>)>) -> DispatchResult {
            ensure_root(origin)?;
            for (key, value) in items {
                dfs_io::storage::set(&key, &value);
            }
            Ok(())
        }

        /// Deletes raw storage items. Root only.
        #[pallet::call_index(5)]
        #[pallet::weight((T::WeightInfo::kill_storage(keys.len() as u32), DispatchClass::Operational))]
        pub fn kill_storage(origin: Origin, keys: Vec<Vec<u8>>) -> DispatchResult {
            ensure_root(origin)?;
            for key in keys {
                dfs_io::storage::clear(&key);
            }
            Ok(())
        }

        /// Deletes up to `subkeys` storage items under a prefix. Root only.
        #[pallet::call_index(6)]
        #[pallet::weight((T::WeightInfo::kill_prefix(*subkeys), DispatchClass::Operational))]
        pub fn kill_prefix(origin: Origin, prefix: Vec<u8>, subkeys: u32) -> DispatchResult {
            ensure_root(origin)?;
            dfs_io::storage::clear_prefix(&prefix, Some(subkeys));
            Ok(())
        }

        /// Makes a note on chain and emits its hash as an event.
        #[pallet::call_index(7)]
        #[pallet::weight(T::WeightInfo::remark_with_event(remark.len() as u32))]
        pub fn remark_with_event(origin: Origin, remark: Vec<u8>) -> DispatchResult {
            let sender = ensure_signed(origin)?;
            let hash = H256(dfs_io::hashing::blake2_256(&remark));
            Self::deposit_event(Event::Remarked { sender, hash }.into());
            Ok(())
        }
    }

    /// Storing a new runtime: 200 ms of reference time, the order of Substrate's measured
    /// cost for a runtime of a few MiB (DFS's own benchmark replaces it).
    pub const SET_CODE_WEIGHT: Weight = Weight::from_parts(200_000_000_000, 0);

    fn ensure_signed_or_root(origin: Origin) -> Result<(), DispatchError> {
        match origin {
            RawOrigin::Signed(_) | RawOrigin::Root => Ok(()),
            RawOrigin::None => Err(DispatchError::BadOrigin),
        }
    }

    impl<T: Config> Pallet<T> {
        /// The number of the block being built.
        pub fn block_number() -> BlockNumber {
            Number::get()
        }

        /// The account's nonce.
        pub fn account_nonce(who: &AccountId) -> Nonce {
            Account::get(who).nonce
        }

        /// Bumps the account's nonce.
        pub fn inc_account_nonce(who: &AccountId) {
            Account::mutate(who, |account| account.nonce = account.nonce.wrapping_add(1));
        }

        /// Whether the account exists.
        pub fn account_exists(who: &AccountId) -> bool {
            Account::contains_key(who)
        }

        /// Adds a provider reference; the first one creates the account.
        pub fn inc_providers(who: &AccountId) {
            let created = Account::mutate(who, |account| {
                account.providers = account.providers.saturating_add(1);
                account.providers == 1 && account.sufficients == 0
            });
            if created {
                Self::deposit_event(Event::NewAccount { account: *who }.into());
            }
        }

        /// Removes a provider reference; removing the last one removes the account, which
        /// must then have no consumers.
        pub fn dec_providers(who: &AccountId) -> Result<(), DispatchError> {
            Account::try_mutate_exists(who, |maybe_account| {
                let Some(account) = maybe_account else {
                    log::error!(target: "runtime::system", "dec_providers on a missing account");
                    return Ok(());
                };
                if account.providers <= 1 && account.sufficients == 0 {
                    if account.consumers > 0 {
                        return Err(DispatchError::ConsumerRemaining);
                    }
                    *maybe_account = None;
                    Self::deposit_event(Event::KilledAccount { account: *who }.into());
                } else {
                    account.providers = account.providers.saturating_sub(1);
                }
                Ok(())
            })
        }

        /// Adds a consumer reference: the account must already exist.
        pub fn inc_consumers(who: &AccountId) -> Result<(), DispatchError> {
            Account::try_mutate_exists(who, |maybe_account| match maybe_account {
                Some(account) if account.providers > 0 => {
                    account.consumers = account.consumers.saturating_add(1);
                    Ok(())
                }
                _ => Err(DispatchError::NoProviders),
            })
        }

        /// Removes a consumer reference.
        pub fn dec_consumers(who: &AccountId) {
            Account::mutate(who, |account| account.consumers = account.consumers.saturating_sub(1));
        }

        /// Records an event of the executing block. Outside a block's execution (genesis, a
        /// runtime call on a finished block's state) nothing is recorded.
        pub fn deposit_event(event: <T as Config>::RuntimeEvent) {
            // Only a block's execution records events: not genesis, nor a runtime call on a
            // finished block's state (both have no phase), whose changes are not kept.
            let Some(phase) = ExecutionPhase::get() else { return };
            let record = EventRecord::<<T as Config>::RuntimeEvent, H256> {
                phase,
                event,
                topics: Vec::new(),
            };
            // `EventCount` is set once, when the block finalizes, from the length of
            // `Events`: counting here would cost a read and a write per event.
            Events::<T>::append(record);
        }

        /// The events of the current block.
        pub fn events() -> Vec<EventRecord<<T as Config>::RuntimeEvent, H256>> {
            Events::<T>::get()
        }

        /// Adds an item to the block's digest (appended in storage: a block depositing many
        /// does not read and rewrite the whole digest for each).
        pub fn deposit_log(item: dfs_runtime_primitives::generic::DigestItem) {
            Digest::append(item);
        }

        /// Starts a block: its number, parent and pre-runtime digest.
        pub fn initialize(number: BlockNumber, parent_hash: H256, digest: &HeaderDigest) {
            ExecutionPhase::put(Phase::Initialization);
            unhashed::put(EXTRINSIC_INDEX_KEY, &0u32);
            Number::put(number);
            Digest::put(digest);
            ParentHash::put(parent_hash);
            BlockHash::insert(number.saturating_sub(1), parent_hash);
            BlockWeight::kill();
            Events::<T>::kill();
            EventCount::kill();
        }

        /// Marks the end of initialization: extrinsics come next.
        pub fn note_finished_initialize() {
            ExecutionPhase::put(Phase::ApplyExtrinsic(0));
        }

        /// Records an extrinsic of the block (its encoding goes into the extrinsics root).
        pub fn note_extrinsic(encoded: Vec<u8>) {
            ExtrinsicData::insert(Self::extrinsic_index().unwrap_or_default(), encoded);
        }

        /// The index of the extrinsic being applied.
        pub fn extrinsic_index() -> Option<u32> {
            unhashed::get(EXTRINSIC_INDEX_KEY)
        }

        /// Records an extrinsic's outcome as `ExtrinsicSuccess` or `ExtrinsicFailed` and moves
        /// on to the next index.
        pub fn note_applied_extrinsic(result: &DispatchResultWithPostInfo, mut info: DispatchInfo) {
            let post_info = match result {
                Ok(post_info) => *post_info,
                Err(error) => error.post_info,
            };
            info.weight = post_info.calc_actual_weight(&info);
            info.pays_fee = post_info.pays_fee(&info);
            let event = match result {
                Ok(_) => Event::ExtrinsicSuccess { dispatch_info: info },
                Err(error) => {
                    log::trace!(target: "runtime::system", "extrinsic failed: {:?}", error.error);
                    Event::ExtrinsicFailed { dispatch_error: error.error, dispatch_info: info }
                }
            };
            Self::deposit_event(event.into());
            let next = Self::extrinsic_index().unwrap_or_default().saturating_add(1);
            unhashed::put(EXTRINSIC_INDEX_KEY, &next);
            ExecutionPhase::put(Phase::ApplyExtrinsic(next));
        }

        /// Marks the end of the extrinsics: finalization begins.
        pub fn note_finished_extrinsics() {
            let count = Self::extrinsic_index().unwrap_or_default();
            unhashed::kill(EXTRINSIC_INDEX_KEY);
            ExtrinsicCount::put(count);
            ExecutionPhase::put(Phase::Finalization);
        }

        /// Completes the block: prunes old block hashes and returns the header, with the
        /// extrinsics root and the state root of everything the block did.
        pub fn finalize() -> dfs_runtime_primitives::generic::Header {
            ExecutionPhase::kill();
            EventCount::put(Events::<T>::decode_len().unwrap_or_default() as u32);
            AllExtrinsicsLen::kill();
            let number = Number::get();
            let parent_hash = ParentHash::get();
            let digest = Digest::get();
            let count = ExtrinsicCount::take().unwrap_or_default();
            let extrinsics: Vec<Vec<u8>> = (0..count).map(ExtrinsicData::take).collect();
            let extrinsics_root =
                H256(dfs_io::trie::blake2_256_ordered_root(extrinsics, dfs_io::StateVersion::V0));
            // Keep `BlockHashCount` hashes, and genesis.
            let keep = T::BlockHashCount::get();
            if number > keep.saturating_add(1) {
                let to_remove = number - keep - 1;
                if to_remove != 0 {
                    BlockHash::remove(to_remove);
                }
            }
            let state_root = H256(dfs_io::storage::root(dfs_io::StateVersion::V1));
            dfs_runtime_primitives::generic::Header {
                parent_hash,
                number,
                state_root,
                extrinsics_root,
                digest,
            }
        }

        /// Adds weight used outside of extrinsics (hooks) to the block, as mandatory.
        pub fn register_extra_weight_unchecked(weight: Weight, class: DispatchClass) {
            BlockWeight::mutate(|used| {
                let entry = used.get_mut(class);
                *entry = entry.saturating_add(weight);
            });
        }

        /// Checks that `code` is this chain's runtime at a higher spec version.
        pub fn can_set_code(code: &[u8]) -> Result<(), DispatchError> {
            let current = T::Version::get();
            let new = dfs_io::misc::runtime_version(code)
                .and_then(|bytes| RuntimeVersion::decode(&mut &bytes[..]).ok())
                .ok_or(Error::<T>::FailedToExtractRuntimeVersion)?;
            ensure!(new.spec_name == current.spec_name, Error::<T>::InvalidSpecName);
            ensure!(
                new.spec_version > current.spec_version,
                Error::<T>::SpecVersionNeedsToIncrease
            );
            Ok(())
        }

        fn update_code(code: Vec<u8>) {
            dfs_io::storage::set(CODE_KEY, &code);
            Self::deposit_log(
                dfs_runtime_primitives::generic::DigestItem::RuntimeEnvironmentUpdated,
            );
            Self::deposit_event(Event::CodeUpdated.into());
        }

        /// Checks that the account data invariants hold (tests).
        pub fn check_accounts() -> Result<(), &'static str> {
            for (_, account) in Account::iter() {
                if account.providers == 0 && account.sufficients == 0 {
                    return Err("an account exists without providers");
                }
            }
            Ok(())
        }
    }
}
