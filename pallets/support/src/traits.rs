//! Small traits pallets and runtimes meet at.

use alloc::{string::String, vec::Vec};
use dfs_runtime_primitives::{generic::BlockNumber, Weight};

/// A value a runtime configures, read through a type (`type ExistentialDeposit: Get<Balance>`).
pub trait Get<T> {
    /// The value.
    fn get() -> T;
}

macro_rules! const_getters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub struct $name<const N: $ty>;
        impl<const N: $ty> Get<$ty> for $name<N> {
            fn get() -> $ty {
                N
            }
        }
    )*};
}

const_getters! {
    /// A constant `bool`.
    ConstBool: bool;
    /// A constant `u8`.
    ConstU8: u8;
    /// A constant `u16`.
    ConstU16: u16;
    /// A constant `u32`.
    ConstU32: u32;
    /// A constant `u64`.
    ConstU64: u64;
    /// A constant `u128`.
    ConstU128: u128;
}

/// Declares types implementing [`Get`]: `parameter_types! { pub const Name: Type = value; }`.
/// The value may be any expression (it is evaluated on each `get()`).
#[macro_export]
macro_rules! parameter_types {
    ($($(#[$attr:meta])* $vis:vis const $name:ident: $ty:ty = $value:expr;)*) => {$(
        $(#[$attr])*
        $vis struct $name;
        impl $crate::traits::Get<$ty> for $name {
            fn get() -> $ty {
                $value
            }
        }
    )*};
}

/// What a pallet does at block boundaries and upgrades. Every method has a do-nothing default.
pub trait Hooks {
    /// Runs before the block's extrinsics; returns the weight it used.
    fn on_initialize(_block: BlockNumber) -> Weight {
        Weight::ZERO
    }
    /// Runs after the block's extrinsics.
    fn on_finalize(_block: BlockNumber) {}
    /// Runs once in the first block executed by new runtime code; returns the weight used.
    fn on_runtime_upgrade() -> Weight {
        Weight::ZERO
    }
    /// Whether the block's mandatory inherents were applied (checked before finalizing an
    /// imported block; a block missing one is invalid).
    fn inherents_applied() -> bool {
        true
    }
}

/// The hooks of all of a runtime's pallets, in declaration order (`construct_runtime!`
/// implements it).
pub trait RuntimeHooks {
    /// Every pallet's `on_initialize`; the total weight.
    fn on_initialize_all(block: BlockNumber) -> Weight;
    /// Every pallet's `on_finalize`.
    fn on_finalize_all(block: BlockNumber);
    /// Every pallet's `on_runtime_upgrade`; the total weight.
    fn on_runtime_upgrade_all() -> Weight;
    /// Whether every pallet's mandatory inherents were applied in this block.
    fn inherents_applied_all() -> bool;
}

/// Builds a pallet's genesis state from its genesis configuration.
pub trait BuildGenesisConfig<Runtime> {
    /// Writes the initial storage, or says why the configuration is unusable.
    fn build(&self) -> Result<(), String>;
}

/// Where each pallet sits in a runtime: its index and name, as `construct_runtime!` declared.
pub trait PalletInfo {
    /// The index of pallet `P`.
    fn index<P: 'static>() -> Option<usize>;
    /// The name of pallet `P`.
    fn name<P: 'static>() -> Option<&'static str>;
}

/// The version of a pallet's storage layout, kept on chain so `on_runtime_upgrade` knows
/// which migrations to run.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, codec::Encode, codec::Decode,
)]
pub struct StorageVersion(pub u16);

impl StorageVersion {
    const KEY_SUFFIX: &'static [u8] = b":__STORAGE_VERSION__:";

    fn key(pallet: &str) -> Vec<u8> {
        let mut key = dfs_io::hashing::twox_128(pallet.as_bytes()).to_vec();
        key.extend_from_slice(&dfs_io::hashing::twox_128(Self::KEY_SUFFIX));
        key
    }

    /// The version stored for `pallet` (0 if none).
    pub fn get(pallet: &str) -> StorageVersion {
        crate::storage::unhashed::get(&Self::key(pallet)).unwrap_or_default()
    }

    /// Stores this version for `pallet`.
    pub fn put(self, pallet: &str) {
        crate::storage::unhashed::put(&Self::key(pallet), &self);
    }
}

/// Money movements that pallets outside balances need (fees, rewards, slashes), so they
/// depend on this trait instead of on the balances pallet.
pub trait Currency {
    /// The balance type.
    type Balance;

    /// The free balance of `who`.
    fn free_balance(who: &dfs_core::AccountId32) -> Self::Balance;

    /// Takes `amount` out of `who`'s free balance and out of the total issuance (the money
    /// is burned). Fails without changing anything if `who` cannot pay it, or if paying would
    /// drop the account below the existential deposit while `keep_alive` is set.
    fn withdraw(
        who: &dfs_core::AccountId32,
        amount: Self::Balance,
        keep_alive: bool,
    ) -> Result<(), dfs_runtime_primitives::DispatchError>;

    /// Adds `amount` to `who` and to the total issuance (new money).
    fn deposit_creating(who: &dfs_core::AccountId32, amount: Self::Balance);
}
