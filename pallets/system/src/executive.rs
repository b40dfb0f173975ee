//! The block executive: drives the pallets through a block, applies extrinsics, and
//! validates transactions for the pool.
//!
//! Applying an extrinsic: decode, check the signature over the signing payload,
//! run the signed extensions' `pre_dispatch` (nonce, fee, weight), note it in the
//! block, dispatch the call in its own storage transaction, run `post_dispatch`,
//! then deposit `ExtrinsicSuccess` or `ExtrinsicFailed`. A transaction that is
//! invalid leaves no trace; one whose call fails still pays its fee and uses its
//! nonce.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use core::marker::PhantomData;
use dfs_core::{AccountId32, H256};
use dfs_runtime_primitives::{
    generic::{using_signing_payload, Block, Digest, DigestItem, Header, UncheckedExtrinsic},
    ApplyExtrinsicResult, InvalidTransaction, MultiAddress, MultiSignature, TransactionSource,
    TransactionValidity, TransactionValidityError, UnknownTransaction, ValidTransaction, Weight,
};
use dfs_support::{
    dispatch::{DispatchClass, Dispatchable, GetDispatchInfo, RawOrigin},
    signed_extension::SignedExtension,
    traits::{Get, RuntimeHooks},
};

use crate::{Config, LastRuntimeUpgrade, LastRuntimeUpgradeInfo, Pallet as System};

/// The address type of signers.
pub type Address = MultiAddress<AccountId32, ()>;

/// The extrinsic type of a runtime with call type `Call` and signed extensions `Extra`.
pub type UncheckedExtrinsicOf<Call, Extra> =
    UncheckedExtrinsic<Address, Call, MultiSignature, Extra>;

/// Validation of unsigned, non-inherent transactions, which only the runtime's pallets can
/// judge (nothing signs them).
pub trait ValidateUnsigned {
    /// The runtime's call type.
    type Call;
    /// Whether the pool may accept `call`, unsigned.
    fn validate_unsigned(source: TransactionSource, call: &Self::Call) -> TransactionValidity;
    /// Checks `call` again before it is applied in a block.
    fn pre_dispatch(call: &Self::Call) -> Result<(), TransactionValidityError> {
        Self::validate_unsigned(TransactionSource::InBlock, call).map(|_| ())
    }
}

/// Why a block does not execute.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ExecuteBlockError {
    /// The extrinsic at this index is invalid.
    InvalidExtrinsic(u32, TransactionValidityError),
    /// The extrinsic at this index does not decode.
    UndecodableExtrinsic(u32),
    /// An inherent comes after an ordinary extrinsic.
    InherentAfterExtrinsic(u32),
    /// Not every extrinsic signature in the block is valid.
    BadSignature,
    /// A mandatory inherent (such as the timestamp) is missing.
    MissingInherent,
    /// The header's state root is not the one execution produced.
    StateRootMismatch {
        /// In the header.
        declared: H256,
        /// From execution.
        computed: H256,
    },
    /// The header's extrinsics root is not the one of its extrinsics.
    ExtrinsicsRootMismatch,
    /// The header's digest is not the one execution produced.
    DigestMismatch,
}

/// Drives a runtime `T` with signed extensions `Extra` and unsigned validation `Unsigned`.
pub struct Executive<T, Extra, Unsigned>(PhantomData<(T, Extra, Unsigned)>);

/// A checked extrinsic: its signer and extensions (if signed), and its call.
struct Checked<Call, Extra> {
    signed: Option<(AccountId32, Extra)>,
    call: Call,
}

impl<T, Extra, Unsigned> Executive<T, Extra, Unsigned>
where
    T: Config + RuntimeHooks,
    Extra: SignedExtension<Call = <T as Config>::RuntimeCall>,
    Unsigned: ValidateUnsigned<Call = <T as Config>::RuntimeCall>,
{
    /// Starts a block: system state, upgrade migrations, then every pallet's `on_initialize`.
    pub fn initialize_block(header: &Header) {
        System::<T>::initialize(header.number, header.parent_hash, &header.digest);
        let mut weight = Weight::ZERO;
        let version = T::Version::get();
        let upgraded = LastRuntimeUpgrade::get().is_none_or(|last| {
            last.spec_version != version.spec_version || last.spec_name != version.spec_name
        });
        if upgraded {
            LastRuntimeUpgrade::put(LastRuntimeUpgradeInfo {
                spec_version: version.spec_version,
                spec_name: version.spec_name,
            });
            weight = weight.saturating_add(T::on_runtime_upgrade_all());
        }
        weight = weight.saturating_add(T::on_initialize_all(header.number));
        weight = weight.saturating_add(T::BlockWeights::get().base_block);
        System::<T>::register_extra_weight_unchecked(weight, DispatchClass::Mandatory);
        System::<T>::note_finished_initialize();
    }

    fn check(
        extrinsic: UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>,
        batch: bool,
    ) -> Result<Checked<<T as Config>::RuntimeCall, Extra>, TransactionValidityError> {
        let UncheckedExtrinsic { signature, function } = extrinsic;
        let Some((address, signature, extra)) = signature else {
            return Ok(Checked { signed: None, call: function });
        };
        let signer = address.lookup().ok_or(UnknownTransaction::CannotLookup)?;
        let additional = extra.additional_signed()?;
        let valid = using_signing_payload(&function, &extra, &additional, |payload| {
            if batch {
                signature.batch_verify(payload, &signer)
            } else {
                signature.verify(payload, &signer)
            }
        });
        if !valid {
            return Err(InvalidTransaction::BadProof.into());
        }
        Ok(Checked { signed: Some((signer, extra)), call: function })
    }

    /// Applies one extrinsic to the block. `Err` means it is invalid and left no trace;
    /// `Ok(Err(_))` means it was included (fee paid, nonce used) but its call failed.
    pub fn apply_extrinsic(
        extrinsic: UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>,
    ) -> ApplyExtrinsicResult {
        Self::apply_in_transaction(extrinsic, false)
    }

    /// Applies an extrinsic in a storage transaction: everything an invalid one did is
    /// undone, so the pool and block builder can simply skip it. With `batch`, its signature
    /// joins the open signature batch.
    fn apply_in_transaction(
        extrinsic: UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>,
        batch: bool,
    ) -> ApplyExtrinsicResult {
        let encoded = extrinsic.encode();
        dfs_io::storage::start_transaction();
        let result = Self::apply_checked(extrinsic, encoded, batch);
        if result.is_ok() {
            dfs_io::storage::commit_transaction();
        } else {
            dfs_io::storage::rollback_transaction();
        }
        result
    }

    /// Decodes and applies an extrinsic; bytes that do not decode are `InvalidTransaction::Call`.
    pub fn apply_extrinsic_bytes(bytes: &[u8]) -> ApplyExtrinsicResult {
        Self::apply_extrinsic(Self::decode_extrinsic(bytes)?)
    }

    fn decode_extrinsic(
        mut bytes: &[u8],
    ) -> Result<UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>, TransactionValidityError>
    {
        let extrinsic =
            UncheckedExtrinsicOf::<<T as Config>::RuntimeCall, Extra>::decode(&mut bytes)
                .map_err(|_| InvalidTransaction::Call)?;
        if !bytes.is_empty() {
            return Err(InvalidTransaction::Call.into());
        }
        Ok(extrinsic)
    }

    fn apply_checked(
        extrinsic: UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>,
        encoded: Vec<u8>,
        batch: bool,
    ) -> ApplyExtrinsicResult {
        let len = encoded.len();
        let Checked { signed, call } = Self::check(extrinsic, batch)?;
        let info = call.get_dispatch_info();
        let (pre, origin) = match signed {
            Some((who, extra)) => {
                if info.class == DispatchClass::Mandatory {
                    return Err(InvalidTransaction::BadMandatory.into());
                }
                (Some(extra.pre_dispatch(&who, &call, &info, len)?), RawOrigin::Signed(who))
            }
            None => {
                Extra::pre_dispatch_unsigned(&call, &info, len)?;
                if info.class != DispatchClass::Mandatory {
                    Unsigned::pre_dispatch(&call)?;
                }
                (None, RawOrigin::None)
            }
        };
        System::<T>::note_extrinsic(encoded);
        let result = call.dispatch(origin);
        let post_info = match &result {
            Ok(post_info) => *post_info,
            Err(error) => error.post_info,
        };
        let outcome = result.map(|_| ()).map_err(|error| error.error);
        Extra::post_dispatch(pre, &info, &post_info, len, &outcome)?;
        System::<T>::note_applied_extrinsic(&result, info);
        if info.class == DispatchClass::Mandatory && outcome.is_err() {
            return Err(InvalidTransaction::BadMandatory.into());
        }
        Ok(outcome)
    }

    /// Ends the block: every pallet's `on_finalize`, then the header with its roots.
    pub fn finalize_block() -> Header {
        System::<T>::note_finished_extrinsics();
        T::on_finalize_all(System::<T>::block_number());
        System::<T>::finalize()
    }

    /// Executes a block received from elsewhere and checks that its header matches.
    ///
    /// Extrinsic signatures are verified as one batch at the end (a block is valid only if
    /// all of them are), which is several times faster than one by one.
    pub fn execute_block(
        block: Block<UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>>,
    ) -> Result<(), ExecuteBlockError> {
        dfs_io::batch::start();
        let result = Self::execute_block_batched(block);
        // Close the batch whatever happened; its verdict counts only if all else passed.
        let signatures_valid = dfs_io::batch::finish();
        result?;
        if !signatures_valid {
            return Err(ExecuteBlockError::BadSignature);
        }
        Ok(())
    }

    fn execute_block_batched(
        block: Block<UncheckedExtrinsicOf<<T as Config>::RuntimeCall, Extra>>,
    ) -> Result<(), ExecuteBlockError> {
        let Block { header, extrinsics } = block;
        // The block starts from its pre-runtime digest items only: the items the runtime
        // itself deposits while executing it (a runtime upgrade's, say) are in the header
        // too, and are deposited again below; started from the whole digest, they would be
        // there twice and no block carrying one would import.
        let mut start = header.clone();
        start.digest.logs.retain(|item| matches!(item, DigestItem::PreRuntime(..)));
        Self::initialize_block(&start);
        let mut inherents_done = false;
        for (index, extrinsic) in extrinsics.into_iter().enumerate() {
            let index = index as u32;
            let is_inherent = !extrinsic.is_signed()
                && extrinsic.function.get_dispatch_info().class == DispatchClass::Mandatory;
            if is_inherent && inherents_done {
                return Err(ExecuteBlockError::InherentAfterExtrinsic(index));
            }
            inherents_done |= !is_inherent;
            // A call that failed is still a valid, included extrinsic: only validity matters.
            let _call_outcome = Self::apply_in_transaction(extrinsic, true)
                .map_err(|error| ExecuteBlockError::InvalidExtrinsic(index, error))?;
        }
        if !T::inherents_applied_all() {
            return Err(ExecuteBlockError::MissingInherent);
        }
        let computed = Self::finalize_block();
        if computed.extrinsics_root != header.extrinsics_root {
            return Err(ExecuteBlockError::ExtrinsicsRootMismatch);
        }
        if computed.digest != header.digest {
            return Err(ExecuteBlockError::DigestMismatch);
        }
        if computed.state_root != header.state_root {
            return Err(ExecuteBlockError::StateRootMismatch {
                declared: header.state_root,
                computed: computed.state_root,
            });
        }
        Ok(())
    }

    /// Whether `extrinsic` may enter the pool, judged as if it were in the block after
    /// `block_hash`. Leaves the state untouched.
    pub fn validate_transaction(
        source: TransactionSource,
        extrinsic: &[u8],
        block_hash: H256,
    ) -> TransactionValidity {
        dfs_io::storage::start_transaction();
        let next = System::<T>::block_number().saturating_add(1);
        System::<T>::initialize(next, block_hash, &Digest::default());
        let result = Self::validate_decoded(source, extrinsic);
        dfs_io::storage::rollback_transaction();
        result
    }

    fn validate_decoded(source: TransactionSource, bytes: &[u8]) -> TransactionValidity {
        let len = bytes.len();
        let Checked { signed, call } = Self::check(Self::decode_extrinsic(bytes)?, false)?;
        let info = call.get_dispatch_info();
        if info.class == DispatchClass::Mandatory {
            return Err(InvalidTransaction::MandatoryValidation.into());
        }
        match signed {
            Some((who, extra)) => extra.validate(&who, &call, &info, len),
            None => {
                let valid = Extra::validate_unsigned(&call, &info, len)?;
                Ok(valid.combine_with(Unsigned::validate_unsigned(source, &call)?))
            }
        }
    }
}

/// Unsigned validation that accepts no unsigned transactions (inherents aside): for
/// runtimes whose pallets have none.
pub struct NoUnsignedTransactions<Call>(PhantomData<Call>);

impl<Call> ValidateUnsigned for NoUnsignedTransactions<Call> {
    type Call = Call;
    fn validate_unsigned(_: TransactionSource, _: &Call) -> TransactionValidity {
        Err(UnknownTransaction::NoUnsignedValidator.into())
    }
}

/// An empty `ValidTransaction`, for unsigned validators that accept.
pub fn valid() -> ValidTransaction {
    ValidTransaction::default()
}
