//! The transaction-payment pallet: what a transaction costs, charging it, and refunds.
//!
//! # Overview
//!
//! A signed transaction pays, before its call runs,
//!
//! ```text
//! fee = base_fee + length_fee + multiplier × weight_fee + tip
//! ```
//!
//! where `base_fee` prices the fixed cost of any extrinsic of its class,
//! `length_fee` its bytes, and `weight_fee` its declared weight. The fee is
//! withdrawn (and burned) by the [`ChargeTransactionPayment`] extension; after
//! the call, the part for weight it did not use is refunded and
//! `TransactionFeePaid` reports the final fee. Calls declared `Pays::No` pay
//! only the tip.
//!
//! The multiplier follows demand: after every block it moves toward keeping
//! normal blocks at a target fullness ([`TargetedFeeAdjustment`]), never below
//! its minimum.
//!
//! Fee queries ([`Pallet::query_info`], [`Pallet::query_fee_details`]) never
//! look at signatures: wallets ask them with dummy-signed transactions.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode};
use core::marker::PhantomData;
use dfs_core::AccountId32;
use dfs_runtime_primitives::{
    DispatchResult, FixedU128, InvalidTransaction, TransactionValidity, TransactionValidityError,
    ValidTransaction, Weight,
};
use dfs_support::{
    dispatch::{DispatchClass, DispatchInfo, Pays, PostDispatchInfo},
    signed_extension::SignedExtension,
    traits::{Currency, Get},
    Balance,
};
use scale_info::TypeInfo;

pub use pallet::*;

/// The fee multiplier.
pub type Multiplier = FixedU128;

/// Prices weight.
pub trait WeightToFee {
    /// The fee for `weight`.
    fn weight_to_fee(weight: &Weight) -> Balance;
}

/// Prices length.
pub trait LengthToFee {
    /// The fee for `length` bytes.
    fn length_to_fee(length: u32) -> Balance;
}

/// `ref_time × Numerator / Denominator` for weight, `bytes × Numerator / Denominator` for length.
pub struct LinearFee<Numerator, Denominator>(PhantomData<(Numerator, Denominator)>);

impl<N: Get<Balance>, D: Get<Balance>> WeightToFee for LinearFee<N, D> {
    fn weight_to_fee(weight: &Weight) -> Balance {
        dfs_runtime_primitives::fixed_point::multiply_divide(
            Balance::from(weight.ref_time),
            N::get(),
            D::get(),
        )
        .unwrap_or(Balance::MAX)
    }
}

impl<N: Get<Balance>, D: Get<Balance>> LengthToFee for LinearFee<N, D> {
    fn length_to_fee(length: u32) -> Balance {
        dfs_runtime_primitives::fixed_point::multiply_divide(
            Balance::from(length),
            N::get(),
            D::get(),
        )
        .unwrap_or(Balance::MAX)
    }
}

/// Computes the next block's fee multiplier from this block's normal-class fullness.
pub trait MultiplierUpdate {
    /// The multiplier after a block whose normal transactions used `used` of `limit`.
    fn next(previous: Multiplier, used: Weight, limit: Weight) -> Multiplier;
}

/// A multiplier that never changes.
pub struct ConstFeeMultiplier;

impl MultiplierUpdate for ConstFeeMultiplier {
    fn next(previous: Multiplier, _: Weight, _: Weight) -> Multiplier {
        previous
    }
}

/// Substrate's targeted fee adjustment: with fullness `s`, target `t` and variability `v`,
/// `next = previous × (1 + v(s − t) + v²(s − t)²/2)`, clamped to `[Min, Max]`.
pub struct TargetedFeeAdjustment<TargetPercent, Variability, Min, Max>(
    PhantomData<(TargetPercent, Variability, Min, Max)>,
);

impl<Target, V, Min, Max> MultiplierUpdate for TargetedFeeAdjustment<Target, V, Min, Max>
where
    Target: Get<u32>,
    V: Get<Multiplier>,
    Min: Get<Multiplier>,
    Max: Get<Multiplier>,
{
    fn next(previous: Multiplier, used: Weight, limit: Weight) -> Multiplier {
        let limit = u128::from(limit.ref_time.max(1));
        let fullness = FixedU128::from_rational(u128::from(used.ref_time).min(limit), limit);
        let target = FixedU128::from_rational(u128::from(Target::get().min(100)), 100);
        let (difference, above) = if fullness >= target {
            (fullness.saturating_sub(target), true)
        } else {
            (target.saturating_sub(fullness), false)
        };
        let first = V::get().saturating_mul(difference);
        let second = first.saturating_mul(first).saturating_mul(FixedU128::from_rational(1, 2));
        let factor = if above {
            FixedU128::one().saturating_add(first).saturating_add(second)
        } else {
            FixedU128::one().saturating_sub(first).saturating_add(second)
        };
        let next = previous.saturating_mul(factor);
        next.max(Min::get()).min(Max::get())
    }
}

/// What `TransactionPaymentApi_query_info` returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_transaction_payment", "pallet_transaction_payment"))]
pub struct RuntimeDispatchInfo {
    /// The call's declared weight.
    pub weight: Weight,
    /// Its dispatch class.
    pub class: DispatchClass,
    /// The fee without tip (zero for unsigned extrinsics and free calls).
    pub partial_fee: Balance,
}

/// The parts of the fee that do not depend on the tip.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_transaction_payment", "pallet_transaction_payment"))]
pub struct InclusionFee {
    /// For being an extrinsic of its class.
    pub base_fee: Balance,
    /// For its bytes.
    pub len_fee: Balance,
    /// For its weight, times the multiplier.
    pub adjusted_weight_fee: Balance,
}

impl InclusionFee {
    /// The three parts together.
    pub fn total(&self) -> Balance {
        self.base_fee.saturating_add(self.len_fee).saturating_add(self.adjusted_weight_fee)
    }
}

/// What `TransactionPaymentApi_query_fee_details` returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_transaction_payment", "pallet_transaction_payment"))]
pub struct FeeDetails {
    /// `None` for calls that do not pay.
    pub inclusion_fee: Option<InclusionFee>,
    /// The tip.
    pub tip: Balance,
}

impl FeeDetails {
    /// What is charged: inclusion fee and tip.
    pub fn final_fee(&self) -> Balance {
        self.inclusion_fee.map(|fee| fee.total()).unwrap_or(0).saturating_add(self.tip)
    }
}

/// The pallet itself.
#[dfs_support::pallet(name = "TransactionPayment")]
pub mod pallet {
    use super::*;
    use dfs_support::prelude::*;

    /// The fee multiplier a fresh chain starts with: one.
    pub struct MultiplierOne;
    impl Get<Multiplier> for MultiplierOne {
        fn get() -> Multiplier {
            Multiplier::one()
        }
    }

    /// What a runtime configures for transaction payment.
    #[pallet::config]
    pub trait Config: dfs_pallet_system::Config {
        /// The runtime's event type.
        type RuntimeEvent: From<Event> + Into<<Self as dfs_pallet_system::Config>::RuntimeEvent>;
        /// Where fees are taken from (and refunds paid to).
        type Currency: Currency<Balance = Balance>;
        /// Prices weight.
        type WeightToFee: WeightToFee;
        /// Prices length.
        type LengthToFee: LengthToFee;
        /// Moves the multiplier after each block.
        type FeeMultiplierUpdate: MultiplierUpdate;
        /// How much more operational transactions weigh in priority per unit of fee.
        #[pallet::constant]
        type OperationalFeeMultiplier: Get<u8>;
    }

    /// The transaction-payment pallet.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// The multiplier applied to weight fees in the next block.
    #[pallet::storage]
    pub type NextFeeMultiplier = StorageValue<_, Multiplier, ValueQueryOr<MultiplierOne>>;

    /// Events of transaction payment.
    #[pallet::event]
    pub enum Event {
        /// A transaction paid `actual_fee` (tip included) and tipped `tip`.
        TransactionFeePaid { who: AccountId, actual_fee: Balance, tip: Balance },
    }

    #[pallet::hooks]
    impl<T: Config> Hooks for Pallet<T> {
        fn on_finalize(_block: BlockNumber) {
            let used = dfs_pallet_system::BlockWeight::get().normal;
            let limits = T::BlockWeights::get();
            let limit = limits.get(DispatchClass::Normal).max_total.unwrap_or(limits.max_block);
            NextFeeMultiplier::mutate(|multiplier| {
                *multiplier = T::FeeMultiplierUpdate::next(*multiplier, used, limit)
            });
        }
    }

    impl<T: Config> Pallet<T> {
        pub(crate) fn deposit_event(event: Event) {
            dfs_pallet_system::Pallet::<T>::deposit_event(
                <T as Config>::RuntimeEvent::from(event).into(),
            );
        }

        /// The fee parts of an extrinsic of `len` bytes whose call has `info`.
        pub fn compute_fee_details(len: u32, info: &DispatchInfo, tip: Balance) -> FeeDetails {
            Self::fee_details_for(len, info.weight, info.class, info.pays_fee, tip)
        }

        fn fee_details_for(
            len: u32,
            weight: Weight,
            class: DispatchClass,
            pays: Pays,
            tip: Balance,
        ) -> FeeDetails {
            if pays == Pays::No {
                return FeeDetails { inclusion_fee: None, tip };
            }
            let limits = T::BlockWeights::get();
            let base_fee = T::WeightToFee::weight_to_fee(&limits.get(class).base_extrinsic);
            let len_fee = T::LengthToFee::length_to_fee(len);
            // A weight above the block's maximum is priced as the maximum.
            let capped = Weight::from_parts(
                weight.ref_time.min(limits.max_block.ref_time),
                weight.proof_size.min(limits.max_block.proof_size),
            );
            let adjusted_weight_fee =
                NextFeeMultiplier::get().saturating_mul_int(T::WeightToFee::weight_to_fee(&capped));
            FeeDetails {
                inclusion_fee: Some(InclusionFee { base_fee, len_fee, adjusted_weight_fee }),
                tip,
            }
        }

        /// The whole fee, tip included.
        pub fn compute_fee(len: u32, info: &DispatchInfo, tip: Balance) -> Balance {
            Self::compute_fee_details(len, info, tip).final_fee()
        }

        /// The fee once the call reported its actual weight and fee policy.
        pub fn compute_actual_fee(
            len: u32,
            info: &DispatchInfo,
            post_info: &PostDispatchInfo,
            tip: Balance,
        ) -> Balance {
            Self::fee_details_for(
                len,
                post_info.calc_actual_weight(info),
                info.class,
                post_info.pays_fee(info),
                tip,
            )
            .final_fee()
        }

        /// Fee information for an extrinsic (signatures are not looked at).
        pub fn query_info(info: DispatchInfo, len: u32, signed: bool) -> RuntimeDispatchInfo {
            let partial_fee = if signed { Self::compute_fee(len, &info, 0) } else { 0 };
            RuntimeDispatchInfo { weight: info.weight, class: info.class, partial_fee }
        }

        /// Fee details for an extrinsic (signatures are not looked at).
        pub fn query_fee_details(info: DispatchInfo, len: u32, signed: bool) -> FeeDetails {
            if signed {
                Self::compute_fee_details(len, &info, 0)
            } else {
                FeeDetails { inclusion_fee: None, tip: 0 }
            }
        }

        /// The price of `weight` (TransactionPaymentApi `query_weight_to_fee`).
        pub fn weight_to_fee(weight: Weight) -> Balance {
            T::WeightToFee::weight_to_fee(&weight)
        }

        /// The price of `length` bytes (TransactionPaymentApi `query_length_to_fee`).
        pub fn length_to_fee(length: u32) -> Balance {
            T::LengthToFee::length_to_fee(length)
        }
    }
}

/// Charges the fee (and tip) of a signed transaction before its call, and refunds unused
/// weight after. Its value is the tip.
#[derive(Encode, Decode, TypeInfo)]
#[scale_info(
    skip_type_params(T),
    replace_segment("dfs_pallet_transaction_payment", "pallet_transaction_payment")
)]
pub struct ChargeTransactionPayment<T>(#[codec(compact)] pub Balance, PhantomData<T>);

dfs_support::extension_value_traits!(ChargeTransactionPayment, Balance);

impl<T: Config> ChargeTransactionPayment<T> {
    fn withdraw(
        &self,
        who: &AccountId32,
        info: &DispatchInfo,
        len: usize,
    ) -> Result<Balance, TransactionValidityError> {
        let fee = Pallet::<T>::compute_fee(len as u32, info, self.0);
        if fee > 0 {
            // The payer must stay alive: fees never reap an account.
            T::Currency::withdraw(who, fee, true).map_err(|_| InvalidTransaction::Payment)?;
        }
        Ok(fee)
    }

    /// Pool priority: the tip (and, for operational transactions, the fee) per share of the
    /// block the transaction takes, as Substrate orders them.
    fn priority(&self, info: &DispatchInfo, len: usize, fee: Balance) -> u64 {
        let limits = T::BlockWeights::get();
        let max_weight =
            limits.get(info.class).max_total.unwrap_or(limits.max_block).ref_time.max(1);
        let max_length = u64::from(*T::BlockLength::get().max.get(info.class)).max(1);
        let weight = info.weight.ref_time.clamp(1, max_weight);
        let length = (len as u64).clamp(1, max_length);
        let per_block = (max_weight / weight).min(max_length / length).max(1);
        let tip_part = self.0.saturating_add(1).saturating_mul(u128::from(per_block));
        let scaled = match info.class {
            DispatchClass::Operational => {
                let boost = fee.saturating_mul(u128::from(T::OperationalFeeMultiplier::get()));
                tip_part.saturating_add(boost.saturating_mul(u128::from(per_block)))
            }
            DispatchClass::Normal | DispatchClass::Mandatory => tip_part,
        };
        u64::try_from(scaled).unwrap_or(u64::MAX)
    }
}

impl<T: Config> SignedExtension for ChargeTransactionPayment<T> {
    const IDENTIFIER: &'static str = "ChargeTransactionPayment";
    type Call = <T as dfs_pallet_system::Config>::RuntimeCall;
    type AdditionalSigned = ();
    /// The payer, what they paid, and the tip within it.
    type Pre = (AccountId32, Balance, Balance);

    fn additional_signed(&self) -> Result<(), TransactionValidityError> {
        Ok(())
    }

    fn validate(
        &self,
        who: &AccountId32,
        _: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> TransactionValidity {
        // Runs in a context that is thrown away: withdrawing checks the payer can pay.
        let fee = self.withdraw(who, info, len)?;
        Ok(ValidTransaction { priority: self.priority(info, len, fee), ..Default::default() })
    }

    fn pre_dispatch(
        self,
        who: &AccountId32,
        _: &Self::Call,
        info: &DispatchInfo,
        len: usize,
    ) -> Result<Self::Pre, TransactionValidityError> {
        let fee = self.withdraw(who, info, len)?;
        Ok((*who, fee, self.0))
    }

    fn post_dispatch(
        pre: Option<Self::Pre>,
        info: &DispatchInfo,
        post_info: &PostDispatchInfo,
        len: usize,
        _: &DispatchResult,
    ) -> Result<(), TransactionValidityError> {
        let Some((who, paid, tip)) = pre else { return Ok(()) };
        // What was paid is the fee for the declared weight and policy: unchanged, it is the
        // actual fee as well, with no second pricing (and read of the fee multiplier).
        let unchanged = post_info.calc_actual_weight(info) == info.weight
            && post_info.pays_fee(info) == info.pays_fee;
        let actual = if unchanged {
            paid
        } else {
            Pallet::<T>::compute_actual_fee(len as u32, info, post_info, tip).min(paid)
        };
        let refund = paid - actual;
        if refund > 0 {
            T::Currency::deposit_creating(&who, refund);
        }
        Pallet::<T>::deposit_event(Event::TransactionFeePaid { who, actual_fee: actual, tip });
        Ok(())
    }
}
