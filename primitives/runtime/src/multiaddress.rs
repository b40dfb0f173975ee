//! The address format of extrinsic signers and call arguments.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// An account reference in its several forms, as Substrate's `MultiAddress`.
///
/// DFS resolves `Id` and `Address32`; the other forms are refused with
/// `CannotLookup` (no index or 20-byte accounts exist on DFS).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum MultiAddress<AccountId, AccountIndex: codec::HasCompact> {
    /// The account id itself.
    #[codec(index = 0)]
    Id(AccountId),
    /// An account index.
    #[codec(index = 1)]
    Index(#[codec(compact)] AccountIndex),
    /// Raw bytes.
    #[codec(index = 2)]
    Raw(Vec<u8>),
    /// A 32-byte address.
    #[codec(index = 3)]
    Address32([u8; 32]),
    /// A 20-byte address.
    #[codec(index = 4)]
    Address20([u8; 20]),
}

impl<AccountIndex: codec::HasCompact> MultiAddress<dfs_core::AccountId32, AccountIndex> {
    /// The account this address names, if DFS can resolve it.
    pub fn lookup(&self) -> Option<dfs_core::AccountId32> {
        match self {
            MultiAddress::Id(account) => Some(*account),
            MultiAddress::Address32(bytes) => Some(dfs_core::AccountId32(*bytes)),
            _ => None,
        }
    }
}

impl<AccountId, AccountIndex: codec::HasCompact> From<AccountId>
    for MultiAddress<AccountId, AccountIndex>
{
    fn from(account: AccountId) -> Self {
        MultiAddress::Id(account)
    }
}
