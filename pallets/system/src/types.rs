//! Balance data kept in each account, in the layout of Substrate's balances pallet.

use codec::{Decode, Encode, MaxEncodedLen};
use dfs_support::Balance;
use scale_info::TypeInfo;

/// Flags of an account's balance data (Substrate uses the top bit to mark the new
/// reference-counting logic; DFS always sets it).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_pallet_system", "pallet_balances"))]
pub struct ExtraFlags(pub u128);

/// The "new logic" flag Substrate sets on every account.
pub const NEW_LOGIC_FLAG: u128 = 1 << 127;

impl Default for ExtraFlags {
    fn default() -> Self {
        ExtraFlags(NEW_LOGIC_FLAG)
    }
}

/// An account's balances. polkadot.js recognises this layout by its `frozen` field.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_pallet_system", "pallet_balances"))]
pub struct AccountData {
    /// Spendable, unless frozen.
    pub free: Balance,
    /// Set aside (e.g. deposits); not spendable until unreserved.
    pub reserved: Balance,
    /// The part of `free` that locks keep from being spent.
    pub frozen: Balance,
    /// Flags.
    pub flags: ExtraFlags,
}

impl AccountData {
    /// Free and reserved together.
    pub fn total(&self) -> Balance {
        self.free.saturating_add(self.reserved)
    }

    /// What can be spent now: free minus frozen.
    pub fn spendable(&self) -> Balance {
        self.free.saturating_sub(self.frozen)
    }
}
