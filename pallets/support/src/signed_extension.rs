//! Signed extensions: the checks and charges every signed transaction carries
//! (nonce, mortality, fee, …), each contributing bytes to the signed payload.

use alloc::vec::Vec;
use codec::{Codec, Encode};
use core::fmt::Debug;
use dfs_core::AccountId32;
use dfs_runtime_primitives::{
    DispatchResult, TransactionValidity, TransactionValidityError, ValidTransaction,
};
use frame_metadata::v14::SignedExtensionMetadata;
use scale_info::{meta_type, StaticTypeInfo};

use crate::dispatch::{DispatchInfo, PostDispatchInfo};

/// One check or charge of signed transactions.
///
/// The value (`Self`) travels in the extrinsic; `AdditionalSigned` is known to both
/// the signer and the chain (genesis hash, spec version, …) and is signed without
/// being sent. Identifiers are Substrate's, so wallets recognise the extension.
pub trait SignedExtension: Codec + Clone + Eq + Debug + StaticTypeInfo + 'static {
    /// The name wallets know this extension by (e.g. `CheckNonce`).
    const IDENTIFIER: &'static str;
    /// The runtime's call type.
    type Call;
    /// Signed but not sent.
    type AdditionalSigned: Encode + StaticTypeInfo;
    /// What `pre_dispatch` hands to `post_dispatch`.
    type Pre: Default;

    /// The data signed but not sent, read from the chain.
    fn additional_signed(&self) -> Result<Self::AdditionalSigned, TransactionValidityError>;

    /// Whether the transaction may enter the pool, and how it is ordered.
    fn validate(
        &self,
        _who: &AccountId32,
        _call: &Self::Call,
        _info: &DispatchInfo,
        _len: usize,
    ) -> TransactionValidity {
        Ok(ValidTransaction::default())
    }

    /// Checks again and takes effect (bump the nonce, charge the fee) just before dispatch.
    /// By default it only repeats `validate`.
    fn pre_dispatch(
        self,
        who: &AccountId32,
        call: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> Result<Self::Pre, TransactionValidityError> {
        self.validate(who, call, info, len).map(|_| Self::Pre::default())
    }

    /// Validity of an unsigned transaction, for extensions that check those too.
    fn validate_unsigned(
        _call: &Self::Call,
        _info: &DispatchInfo,
        _len: usize,
    ) -> TransactionValidity {
        Ok(ValidTransaction::default())
    }

    /// Takes effect for an unsigned transaction just before dispatch.
    fn pre_dispatch_unsigned(
        call: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> Result<(), TransactionValidityError> {
        Self::validate_unsigned(call, info, len).map(|_| ())
    }

    /// Runs after dispatch (e.g. refund unused fee). `pre` is `None` for unsigned transactions.
    fn post_dispatch(
        _pre: Option<Self::Pre>,
        _info: &DispatchInfo,
        _post_info: &PostDispatchInfo,
        _len: usize,
        _result: &DispatchResult,
    ) -> Result<(), TransactionValidityError> {
        Ok(())
    }

    /// Metadata entries, one per extension (tuples list each member).
    fn metadata() -> Vec<SignedExtensionMetadata> {
        alloc::vec![SignedExtensionMetadata {
            identifier: Self::IDENTIFIER,
            ty: meta_type::<Self>(),
            additional_signed: meta_type::<Self::AdditionalSigned>(),
        }]
    }
}

/// Implements `Clone`, `PartialEq`, `Eq` and `Debug` for an extension shaped
/// `Name<T>(pub Value, PhantomData<T>)`, asking nothing of `T` (it only names the runtime),
/// and a `from(value)` constructor.
#[macro_export]
macro_rules! extension_value_traits {
    ($name:ident, $value:ty) => {
        impl<T> $name<T> {
            /// The extension carrying `value`.
            pub fn from(value: $value) -> Self {
                $name(value, core::marker::PhantomData)
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self::from(self.0.clone())
            }
        }

        impl<T> PartialEq for $name<T> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl<T> Eq for $name<T> {}

        impl<T> core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }
    };
}

macro_rules! tuple_impl {
    ($($name:ident)+) => {
        #[allow(non_snake_case)]
        impl<Call, $($name: SignedExtension<Call = Call>),+> SignedExtension for ($($name,)+)
        where
            Call: 'static,
        {
            const IDENTIFIER: &'static str = "";
            type Call = Call;
            type AdditionalSigned = ($($name::AdditionalSigned,)+);
            type Pre = ($($name::Pre,)+);

            fn additional_signed(&self) -> Result<Self::AdditionalSigned, TransactionValidityError> {
                let ($($name,)+) = self;
                Ok(($($name.additional_signed()?,)+))
            }

            fn validate(
                &self,
                who: &AccountId32,
                call: &Call,
                info: &DispatchInfo,
                len: usize,
            ) -> TransactionValidity {
                let ($($name,)+) = self;
                let valid = ValidTransaction::default();
                $(let valid = valid.combine_with($name.validate(who, call, info, len)?);)+
                Ok(valid)
            }

            fn pre_dispatch(
                self,
                who: &AccountId32,
                call: &Call,
                info: &DispatchInfo,
                len: usize,
            ) -> Result<Self::Pre, TransactionValidityError> {
                let ($($name,)+) = self;
                Ok(($($name.pre_dispatch(who, call, info, len)?,)+))
            }

            fn validate_unsigned(call: &Call, info: &DispatchInfo, len: usize) -> TransactionValidity {
                let valid = ValidTransaction::default();
                $(let valid = valid.combine_with($name::validate_unsigned(call, info, len)?);)+
                Ok(valid)
            }

            fn pre_dispatch_unsigned(
                call: &Call,
                info: &DispatchInfo,
                len: usize,
            ) -> Result<(), TransactionValidityError> {
                $($name::pre_dispatch_unsigned(call, info, len)?;)+
                Ok(())
            }

            fn post_dispatch(
                pre: Option<Self::Pre>,
                info: &DispatchInfo,
                post_info: &PostDispatchInfo,
                len: usize,
                result: &DispatchResult,
            ) -> Result<(), TransactionValidityError> {
                match pre {
                    Some(($($name,)+)) => {
                        $($name::post_dispatch(Some($name), info, post_info, len, result)?;)+
                    }
                    None => {
                        $($name::post_dispatch(None, info, post_info, len, result)?;)+
                    }
                }
                Ok(())
            }

            fn metadata() -> Vec<SignedExtensionMetadata> {
                let mut all = Vec::new();
                $(all.extend($name::metadata());)+
                all
            }
        }
    };
}

tuple_impl!(A);
tuple_impl!(A B);
tuple_impl!(A B C);
tuple_impl!(A B C D);
tuple_impl!(A B C D E);
tuple_impl!(A B C D E F);
tuple_impl!(A B C D E F G);
tuple_impl!(A B C D E F G H);
tuple_impl!(A B C D E F G H I);
tuple_impl!(A B C D E F G H I J);
tuple_impl!(A B C D E F G H I J K);
tuple_impl!(A B C D E F G H I J K L);
