//! The standard signed extensions, with Substrate's identifiers and encodings, in the
//! order wallets expect: `CheckNonZeroSender`, `CheckSpecVersion`, `CheckTxVersion`,
//! `CheckGenesis`, `CheckMortality`, `CheckNonce`, `CheckWeight`, then the fee
//! (transaction-payment) and `CheckMetadataHash`.

use codec::{Decode, Encode};
use core::marker::PhantomData;
use dfs_core::{AccountId32, H256};
use dfs_runtime_primitives::{
    generic::Era, DispatchResult, InvalidTransaction, TransactionValidity,
    TransactionValidityError, ValidTransaction, Weight,
};
use dfs_support::{
    dispatch::{DispatchClass, DispatchInfo, PerDispatchClass, PostDispatchInfo},
    signed_extension::SignedExtension,
    traits::Get,
};
use scale_info::TypeInfo;

use crate::{Account, AllExtrinsicsLen, BlockHash, BlockWeight, Config, Number};

/// Declares an extension that carries no value, with the boilerplate traits.
macro_rules! unit_extension {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Encode, Decode, TypeInfo)]
        #[scale_info(skip_type_params(T), replace_segment("dfs_pallet_system", "frame_system"))]
        pub struct $name<T>(PhantomData<T>);

        impl<T> $name<T> {
            /// The extension.
            pub fn new() -> Self {
                $name(PhantomData)
            }
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self::new()
            }
        }

        impl<T> PartialEq for $name<T> {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }

        impl<T> Eq for $name<T> {}

        impl<T> core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    };
}

unit_extension!(
    /// Refuses the all-zero account as a signer.
    CheckNonZeroSender
);
unit_extension!(
    /// Signs the runtime's spec version: a transaction signed for another version fails.
    CheckSpecVersion
);
unit_extension!(
    /// Signs the runtime's transaction version.
    CheckTxVersion
);
unit_extension!(
    /// Signs the genesis hash: a transaction signed for another chain fails.
    CheckGenesis
);
unit_extension!(
    /// Limits block weight and length per dispatch class.
    CheckWeight
);

impl<T: Config> SignedExtension for CheckNonZeroSender<T> {
    const IDENTIFIER: &'static str = "CheckNonZeroSender";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = ();
    type Pre = ();

    fn additional_signed(&self) -> Result<(), TransactionValidityError> {
        Ok(())
    }

    fn validate(
        &self,
        who: &AccountId32,
        _: &Self::Call,
        _: &DispatchInfo,
        _: usize,
    ) -> TransactionValidity {
        if who.0 == [0; 32] {
            return Err(InvalidTransaction::BadSigner.into());
        }
        Ok(ValidTransaction::default())
    }
}

impl<T: Config> SignedExtension for CheckSpecVersion<T> {
    const IDENTIFIER: &'static str = "CheckSpecVersion";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = u32;
    type Pre = ();

    fn additional_signed(&self) -> Result<u32, TransactionValidityError> {
        Ok(T::Version::get().spec_version)
    }
}

impl<T: Config> SignedExtension for CheckTxVersion<T> {
    const IDENTIFIER: &'static str = "CheckTxVersion";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = u32;
    type Pre = ();

    fn additional_signed(&self) -> Result<u32, TransactionValidityError> {
        Ok(T::Version::get().transaction_version)
    }
}

impl<T: Config> SignedExtension for CheckGenesis<T> {
    const IDENTIFIER: &'static str = "CheckGenesis";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = H256;
    type Pre = ();

    fn additional_signed(&self) -> Result<H256, TransactionValidityError> {
        Ok(BlockHash::get(0))
    }
}

/// The transaction's mortality; signs the hash of its birth block.
#[derive(Encode, Decode, TypeInfo)]
#[scale_info(skip_type_params(T), replace_segment("dfs_pallet_system", "frame_system"))]
pub struct CheckMortality<T>(pub Era, PhantomData<T>);

dfs_support::extension_value_traits!(CheckMortality, Era);

impl<T: Config> SignedExtension for CheckMortality<T> {
    const IDENTIFIER: &'static str = "CheckMortality";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = H256;
    type Pre = ();

    fn additional_signed(&self) -> Result<H256, TransactionValidityError> {
        // An immortal transaction is born at genesis whatever the current block.
        let birth = match self.0 {
            Era::Immortal => 0,
            mortal => mortal.birth(u64::from(Number::get())),
        };
        let birth = u32::try_from(birth).map_err(|_| InvalidTransaction::AncientBirthBlock)?;
        BlockHash::try_get(birth).ok_or_else(|| InvalidTransaction::AncientBirthBlock.into())
    }

    fn validate(
        &self,
        _: &AccountId32,
        _: &Self::Call,
        _: &DispatchInfo,
        _: usize,
    ) -> TransactionValidity {
        let current = u64::from(Number::get());
        let longevity = self.0.death(current).saturating_sub(current);
        Ok(ValidTransaction { longevity, ..Default::default() })
    }
}

/// The sender's nonce: orders an account's transactions and stops replays.
#[derive(Encode, Decode, TypeInfo)]
#[scale_info(skip_type_params(T), replace_segment("dfs_pallet_system", "frame_system"))]
pub struct CheckNonce<T>(#[codec(compact)] pub u32, PhantomData<T>);

dfs_support::extension_value_traits!(CheckNonce, u32);

impl<T: Config> SignedExtension for CheckNonce<T> {
    const IDENTIFIER: &'static str = "CheckNonce";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = ();
    type Pre = ();

    fn additional_signed(&self) -> Result<(), TransactionValidityError> {
        Ok(())
    }

    fn validate(
        &self,
        who: &AccountId32,
        _: &Self::Call,
        _: &DispatchInfo,
        _: usize,
    ) -> TransactionValidity {
        let account = Account::get(who);
        if account.providers == 0 && account.sufficients == 0 {
            // Nothing to pay the fee with.
            return Err(InvalidTransaction::Payment.into());
        }
        if self.0 < account.nonce {
            return Err(InvalidTransaction::Stale.into());
        }
        let provides = alloc::vec![(who, self.0).encode()];
        let requires = if self.0 > account.nonce {
            alloc::vec![(who, self.0 - 1).encode()]
        } else {
            alloc::vec![]
        };
        Ok(ValidTransaction { requires, provides, ..Default::default() })
    }

    fn pre_dispatch(
        self,
        who: &AccountId32,
        _: &Self::Call,
        _: &DispatchInfo,
        _: usize,
    ) -> Result<(), TransactionValidityError> {
        let mut account = Account::get(who);
        if account.providers == 0 && account.sufficients == 0 {
            return Err(InvalidTransaction::Payment.into());
        }
        if self.0 != account.nonce {
            return Err(if self.0 < account.nonce {
                InvalidTransaction::Stale
            } else {
                InvalidTransaction::Future
            }
            .into());
        }
        account.nonce = account.nonce.wrapping_add(1);
        Account::insert(who, account);
        Ok(())
    }
}

impl<T: Config> CheckWeight<T> {
    /// The transaction's own limits: its class's per-extrinsic weight and the block length.
    fn check_alone(info: &DispatchInfo, len: usize) -> Result<(), TransactionValidityError> {
        let limits = T::BlockWeights::get();
        let class = limits.get(info.class);
        let weight = info.weight.saturating_add(class.base_extrinsic);
        if let Some(max) = class.max_extrinsic {
            if weight.any_gt(max) {
                return Err(InvalidTransaction::ExhaustsResources.into());
            }
        }
        let max_len = *T::BlockLength::get().max.get(info.class);
        if len > max_len as usize {
            return Err(InvalidTransaction::ExhaustsResources.into());
        }
        Ok(())
    }

    /// Adds the transaction to the block's running totals, refusing it if they would pass
    /// its class's limits (mandatory transactions always fit).
    fn note(info: &DispatchInfo, len: usize) -> Result<(), TransactionValidityError> {
        let limits = T::BlockWeights::get();
        let class = limits.get(info.class);
        let exhausted = || TransactionValidityError::from(InvalidTransaction::ExhaustsResources);

        let length = AllExtrinsicsLen::get().unwrap_or_default().saturating_add(len as u32);
        if info.class != DispatchClass::Mandatory
            && length > *T::BlockLength::get().max.get(info.class)
        {
            return Err(exhausted());
        }

        let mut used: PerDispatchClass<Weight> = BlockWeight::get();
        let weight = info.weight.saturating_add(class.base_extrinsic);
        let entry = used.get_mut(info.class);
        *entry = entry.checked_add(weight).ok_or_else(exhausted)?;
        if info.class != DispatchClass::Mandatory {
            if let Some(max_total) = class.max_total {
                if used.get(info.class).any_gt(max_total) {
                    return Err(exhausted());
                }
            }
            if used.total().any_gt(limits.max_block) {
                return Err(exhausted());
            }
        }
        BlockWeight::put(used);
        AllExtrinsicsLen::put(length);
        Ok(())
    }
}

impl<T: Config> SignedExtension for CheckWeight<T> {
    const IDENTIFIER: &'static str = "CheckWeight";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = ();
    type Pre = ();

    fn additional_signed(&self) -> Result<(), TransactionValidityError> {
        Ok(())
    }

    fn validate(
        &self,
        _: &AccountId32,
        _: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> TransactionValidity {
        Self::check_alone(info, len)?;
        Ok(ValidTransaction::default())
    }

    fn pre_dispatch(
        self,
        _: &AccountId32,
        _: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> Result<(), TransactionValidityError> {
        Self::check_alone(info, len)?;
        Self::note(info, len)
    }

    fn validate_unsigned(_: &Self::Call, info: &DispatchInfo, len: usize) -> TransactionValidity {
        Self::check_alone(info, len)?;
        Ok(ValidTransaction::default())
    }

    fn pre_dispatch_unsigned(
        _: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> Result<(), TransactionValidityError> {
        if info.class != DispatchClass::Mandatory {
            Self::check_alone(info, len)?;
        }
        Self::note(info, len)
    }

    fn post_dispatch(
        _: Option<()>,
        info: &DispatchInfo,
        post_info: &PostDispatchInfo,
        _: usize,
        _: &DispatchResult,
    ) -> Result<(), TransactionValidityError> {
        // Give back the weight the call declared but did not use.
        let unspent = info.weight.saturating_sub(post_info.calc_actual_weight(info));
        if unspent != Weight::ZERO {
            BlockWeight::mutate(|used| {
                let entry = used.get_mut(info.class);
                *entry = entry.saturating_sub(unspent);
            });
        }
        Ok(())
    }
}

/// Whether the signer committed to a metadata hash (Substrate's RFC 78).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_metadata_hash_extension"))]
pub enum Mode {
    /// No hash signed.
    Disabled,
    /// A hash of the metadata is signed.
    Enabled,
}

/// The metadata-hash extension in its disabled form: DFS does not publish a metadata hash
/// yet, so signers send `Disabled` and sign `None`; a signer that signs a hash fails the
/// signature check.
#[derive(Encode, Decode, TypeInfo)]
#[scale_info(
    skip_type_params(T),
    replace_segment("dfs_pallet_system", "frame_metadata_hash_extension")
)]
pub struct CheckMetadataHash<T> {
    /// The signer's choice.
    pub mode: Mode,
    #[codec(skip)]
    marker: PhantomData<T>,
}

impl<T> CheckMetadataHash<T> {
    /// The extension with `mode`.
    pub fn new(mode: Mode) -> Self {
        CheckMetadataHash { mode, marker: PhantomData }
    }
}

impl<T> Clone for CheckMetadataHash<T> {
    fn clone(&self) -> Self {
        Self::new(self.mode)
    }
}
impl<T> PartialEq for CheckMetadataHash<T> {
    fn eq(&self, other: &Self) -> bool {
        self.mode == other.mode
    }
}
impl<T> Eq for CheckMetadataHash<T> {}
impl<T> core::fmt::Debug for CheckMetadataHash<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CheckMetadataHash({:?})", self.mode)
    }
}

impl<T: Config> SignedExtension for CheckMetadataHash<T> {
    const IDENTIFIER: &'static str = "CheckMetadataHash";
    type Call = <T as Config>::RuntimeCall;
    type AdditionalSigned = Option<[u8; 32]>;
    type Pre = ();

    fn additional_signed(&self) -> Result<Option<[u8; 32]>, TransactionValidityError> {
        Ok(None)
    }
}
