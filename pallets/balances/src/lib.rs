//! The balances pallet: DFS coins held by accounts.
//!
//! # Overview
//!
//! Each account's balance lives in the system pallet's `Account` entry
//! ([`AccountData`]: free, reserved, frozen), so wallets read it in Substrate's
//! layout. This pallet changes it, and keeps [`TotalIssuance`] equal to the sum
//! of all balances at all times.
//!
//! # Terminology
//!
//! - **Existential deposit** (ED): the least total balance an account may hold.
//!   An account whose total falls below it is removed and the rest ("dust") is
//!   burned; a transfer that would create an account below it is refused.
//! - **Reserved**: set aside (for deposits), not spendable until unreserved.
//! - **Locks**: keep part of the free balance from being spent; `frozen` is the
//!   largest lock. Staking uses them.
//!
//! # Calls
//!
//! `transfer_allow_death`, `transfer_keep_alive` (refuses to drop the sender
//! below the ED), `transfer_all`, and for root `force_transfer`,
//! `force_set_balance`, `force_unreserve`; `burn` destroys one's own coins.
//!
//! # Invariant
//!
//! `TotalIssuance == Σ (free + reserved)` over all accounts
//! ([`Pallet::check_issuance`]).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod benchmarking;
pub mod weights;

#[cfg(test)]
mod tests;

pub use dfs_pallet_system::types::AccountData;
pub use pallet::*;
pub use weights::WeightInfo;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Which operations a lock restricts (DFS locks restrict all of them).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_pallet_balances", "pallet_balances"))]
pub enum Reasons {
    /// Paying fees.
    Fee,
    /// Anything but fees.
    Misc,
    /// Everything.
    All,
}

/// A lock on part of an account's free balance.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
#[scale_info(replace_segment("dfs_pallet_balances", "pallet_balances"))]
pub struct BalanceLock {
    /// Who holds the lock (e.g. `*b"staking "`).
    pub id: [u8; 8],
    /// How much it keeps.
    pub amount: dfs_support::Balance,
    /// What it restricts.
    pub reasons: Reasons,
}

/// The pallet itself.
#[dfs_support::pallet(name = "Balances")]
pub mod pallet {
    use super::*;
    use dfs_pallet_system::Pallet as System;
    use dfs_runtime_primitives::{ArithmeticError, MultiAddress, TokenError};
    use dfs_support::prelude::*;

    /// An account reference in calls.
    pub type Address = MultiAddress<AccountId, ()>;

    /// What a runtime configures for the balances pallet.
    #[pallet::config]
    pub trait Config: dfs_pallet_system::Config {
        /// The runtime's event type.
        type RuntimeEvent: From<Event> + Into<<Self as dfs_pallet_system::Config>::RuntimeEvent>;
        /// The least total balance an account may hold.
        #[pallet::constant]
        type ExistentialDeposit: Get<Balance>;
        /// The most locks one account may have.
        #[pallet::constant]
        type MaxLocks: Get<u32>;
        /// The weights of the calls, measured by the benchmark harness (`weights.rs`).
        type WeightInfo: WeightInfo;
    }

    /// The balances pallet.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// All coins in existence: the sum of every account's free and reserved balance.
    #[pallet::storage]
    pub type TotalIssuance = StorageValue<_, Balance, ValueQuery>;

    /// Coins not taking part in governance (none so far).
    #[pallet::storage]
    pub type InactiveIssuance = StorageValue<_, Balance, ValueQuery>;

    /// The locks on each account's free balance.
    #[pallet::storage]
    pub type Locks = StorageMap<_, Blake2_128Concat, AccountId, Vec<BalanceLock>, ValueQuery>;

    /// Events of the balances pallet.
    #[pallet::event]
    pub enum Event {
        /// An account was created with some free balance.
        Endowed { account: AccountId, free_balance: Balance },
        /// An account was removed; its remaining balance below the ED was burned.
        DustLost { account: AccountId, amount: Balance },
        /// A transfer succeeded.
        Transfer { from: AccountId, to: AccountId, amount: Balance },
        /// Root set an account's free balance.
        BalanceSet { who: AccountId, free: Balance },
        /// Some balance was reserved (moved from free to reserved).
        Reserved { who: AccountId, amount: Balance },
        /// Some balance was unreserved (moved from reserved to free).
        Unreserved { who: AccountId, amount: Balance },
        /// New coins were deposited into an account.
        Deposit { who: AccountId, amount: Balance },
        /// Coins were withdrawn from an account and destroyed (e.g. fees).
        Withdraw { who: AccountId, amount: Balance },
        /// Reserved coins were slashed (destroyed).
        Slashed { who: AccountId, amount: Balance },
        /// An account burned some of its own coins.
        Burned { who: AccountId, amount: Balance },
        /// A lock was set or changed.
        Locked { who: AccountId, amount: Balance },
        /// A lock was removed.
        Unlocked { who: AccountId, amount: Balance },
    }

    /// Errors of the balances pallet.
    #[pallet::error]
    pub enum Error<T> {
        /// The account cannot hold another lock: remove one first.
        TooManyLocks,
        /// The destination address is not an account DFS can resolve (use its 32-byte id).
        UnknownAddress,
        /// The reserved balance is lower than asked for.
        InsufficientReserved,
        /// Genesis lists the same account twice.
        DuplicateGenesisAccount,
    }

    /// Initial balances.
    #[pallet::genesis_config]
    #[derive(Default)]
    pub struct GenesisConfig {
        /// `(account, free balance)`, each at least the existential deposit.
        pub balances: Vec<(AccountId, Balance)>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig<T> for GenesisConfig {
        fn build(&self) -> Result<(), String> {
            let existential = T::ExistentialDeposit::get();
            let mut total: Balance = 0;
            for (who, amount) in &self.balances {
                if *amount < existential {
                    return Err(alloc::format!(
                        "{who} is endowed with {amount}, below the existential deposit {existential}"
                    ));
                }
                if System::<T>::account_exists(who) {
                    return Err(alloc::format!("{who} is listed twice"));
                }
                total = total.checked_add(*amount).ok_or("total issuance overflows u128")?;
                dfs_pallet_system::Account::mutate(who, |account| account.data.free = *amount);
                System::<T>::inc_providers(who);
            }
            TotalIssuance::put(total);
            Ok(())
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Transfers `value` to `dest`; the sender's account may be removed if what is left
        /// falls below the existential deposit.
        ///
        /// Declared at the costlier of its measured cases (removing the sender and creating
        /// `dest`, or a transfer between existing accounts); when neither account is created
        /// or removed it reports the latter's cost, and any rest is given back.
        #[pallet::call_index(0)]
        #[pallet::weight(Pallet::<T>::transfer_weight(<T as Config>::WeightInfo::transfer_allow_death()))]
        pub fn transfer_allow_death(
            origin: Origin,
            dest: Address,
            #[pallet::compact] value: Balance,
        ) -> DispatchResultWithPostInfo {
            let source = ensure_signed(origin)?;
            let dest = Self::lookup(&dest)?;
            let changed = Self::transfer_changing_existence(&source, &dest, value, false)?;
            Ok(Self::transfer_post_info(changed))
        }

        /// Moves `value` from `source` to `dest`. Root only.
        #[pallet::call_index(2)]
        #[pallet::weight(<T as Config>::WeightInfo::force_transfer())]
        pub fn force_transfer(
            origin: Origin,
            source: Address,
            dest: Address,
            #[pallet::compact] value: Balance,
        ) -> DispatchResult {
            ensure_root(origin)?;
            let (source, dest) = (Self::lookup(&source)?, Self::lookup(&dest)?);
            Self::do_transfer(&source, &dest, value, false)
        }

        /// Transfers `value` to `dest`, refusing to drop the sender below the existential deposit.
        ///
        /// Declared at the costlier of its measured cases (creating `dest`, or a transfer to
        /// an account that exists); the latter reports its own cost, and any unused weight
        /// and fee are given back.
        #[pallet::call_index(3)]
        #[pallet::weight(Pallet::<T>::transfer_weight(<T as Config>::WeightInfo::transfer_keep_alive()))]
        pub fn transfer_keep_alive(
            origin: Origin,
            dest: Address,
            #[pallet::compact] value: Balance,
        ) -> DispatchResultWithPostInfo {
            let source = ensure_signed(origin)?;
            let dest = Self::lookup(&dest)?;
            let changed = Self::transfer_changing_existence(&source, &dest, value, true)?;
            Ok(Self::transfer_post_info(changed))
        }

        /// Transfers everything spendable to `dest`; with `keep_alive`, leaves the existential
        /// deposit behind.
        #[pallet::call_index(4)]
        #[pallet::weight(Pallet::<T>::transfer_weight(<T as Config>::WeightInfo::transfer_all()))]
        pub fn transfer_all(origin: Origin, dest: Address, keep_alive: bool) -> DispatchResult {
            let source = ensure_signed(origin)?;
            let dest = Self::lookup(&dest)?;
            let data = Self::account(&source);
            let mut value = data.spendable();
            if keep_alive || data.reserved > 0 || data.frozen > 0 {
                let keep = T::ExistentialDeposit::get().saturating_sub(data.reserved);
                value = value.min(data.free.saturating_sub(keep.max(data.frozen)));
            }
            Self::do_transfer(&source, &dest, value, keep_alive)
        }

        /// Unreserves up to `amount` of `who`'s reserved balance. Root only.
        #[pallet::call_index(5)]
        #[pallet::weight(<T as Config>::WeightInfo::force_unreserve())]
        pub fn force_unreserve(origin: Origin, who: Address, amount: Balance) -> DispatchResult {
            ensure_root(origin)?;
            let who = Self::lookup(&who)?;
            Self::unreserve(&who, amount)?;
            Ok(())
        }

        /// Sets `who`'s free balance, minting or burning the difference. Root only.
        #[pallet::call_index(8)]
        #[pallet::weight(<T as Config>::WeightInfo::force_set_balance())]
        pub fn force_set_balance(
            origin: Origin,
            who: Address,
            #[pallet::compact] new_free: Balance,
        ) -> DispatchResult {
            ensure_root(origin)?;
            let who = Self::lookup(&who)?;
            let existential = T::ExistentialDeposit::get();
            let new_free = if new_free < existential { 0 } else { new_free };
            let old_free = Self::account(&who).free;
            Self::mutate_account(&who, |data| {
                data.free = new_free;
                Ok(())
            })?;
            TotalIssuance::try_mutate(|issuance| -> DispatchResult {
                *issuance = if new_free >= old_free {
                    issuance.checked_add(new_free - old_free).ok_or(ArithmeticError::Overflow)?
                } else {
                    issuance.saturating_sub(old_free - new_free)
                };
                Ok(())
            })?;
            Self::deposit_event(Event::BalanceSet { who, free: new_free });
            Ok(())
        }

        /// Destroys `value` of the sender's free balance; with `keep_alive`, refuses to drop
        /// the account below the existential deposit.
        #[pallet::call_index(10)]
        #[pallet::weight(<T as Config>::WeightInfo::burn())]
        pub fn burn(
            origin: Origin,
            #[pallet::compact] value: Balance,
            keep_alive: bool,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_withdraw(&who, value, keep_alive)?;
            Self::deposit_event(Event::Burned { who, amount: value });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        fn deposit_event(event: Event) {
            System::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event).into());
        }

        fn lookup(address: &Address) -> Result<AccountId, DispatchError> {
            address.lookup().ok_or_else(|| Error::<T>::UnknownAddress.into())
        }

        /// The balances of `who`.
        pub fn account(who: &AccountId) -> AccountData {
            dfs_pallet_system::Account::get(who).data
        }

        /// The free balance of `who`.
        pub fn free_balance(who: &AccountId) -> Balance {
            Self::account(who).free
        }

        /// The reserved balance of `who`.
        pub fn reserved_balance(who: &AccountId) -> Balance {
            Self::account(who).reserved
        }

        /// Changes `who`'s balance data with `f`, then keeps the account's existence in step:
        /// an account reaching the existential deposit is created (`Endowed`); one falling
        /// below it is removed and its dust burned (`DustLost`). Nothing is written if `f` or
        /// the removal fails.
        pub fn mutate_account<R>(
            who: &AccountId,
            f: impl FnOnce(&mut AccountData) -> Result<R, DispatchError>,
        ) -> Result<R, DispatchError> {
            Self::mutate_account_existence(who, f).map(|(result, _)| result)
        }

        /// What a transfer declares: the costlier of its case that creates or removes an
        /// account (`costliest`) and a transfer between accounts that exist, which the
        /// benchmarks may well find costlier.
        fn transfer_weight(costliest: Weight) -> Weight {
            costliest.max(<T as Config>::WeightInfo::transfer_to_existing())
        }

        /// What a transfer reports: its declared weight if it created or removed an
        /// account, else the measured cost of a transfer between existing accounts.
        fn transfer_post_info(changed_existence: bool) -> PostDispatchInfo {
            let actual_weight =
                (!changed_existence).then(<T as Config>::WeightInfo::transfer_to_existing);
            PostDispatchInfo { actual_weight, pays_fee: Pays::Yes }
        }

        /// [`Self::mutate_account`], also telling whether it created or removed the account.
        fn mutate_account_existence<R>(
            who: &AccountId,
            f: impl FnOnce(&mut AccountData) -> Result<R, DispatchError>,
        ) -> Result<(R, bool), DispatchError> {
            let existential = T::ExistentialDeposit::get();
            // One read of the whole record (and whether one is stored), one write back: a
            // transfer touches two accounts and the fee a third time.
            let stored = dfs_pallet_system::Account::try_get(who);
            let existed_in_storage = stored.is_some();
            let mut info = stored.unwrap_or_default();
            let before = info.data;
            let existed = before.total() >= existential && existed_in_storage;
            let mut after = before;
            let result = f(&mut after)?;
            let exists = after.total() >= existential;
            match (existed, exists) {
                (false, true) => {
                    info.data = after;
                    dfs_pallet_system::Account::insert(who, info);
                    System::<T>::inc_providers(who);
                    Self::deposit_event(Event::Endowed { account: *who, free_balance: after.free });
                    return Ok((result, true));
                }
                (true, true) => {
                    info.data = after;
                    dfs_pallet_system::Account::insert(who, info);
                }
                (true, false) => {
                    // An account others depend on (locks, deposits) cannot be removed.
                    if info.providers <= 1 && info.sufficients == 0 && info.consumers > 0 {
                        return Err(TokenError::NotExpendable.into());
                    }
                    let dust = after.total();
                    info.data = AccountData::default();
                    dfs_pallet_system::Account::insert(who, info);
                    System::<T>::dec_providers(who)?;
                    if dust > 0 {
                        TotalIssuance::mutate(|issuance| *issuance = issuance.saturating_sub(dust));
                        Self::deposit_event(Event::DustLost { account: *who, amount: dust });
                    }
                    return Ok((result, true));
                }
                (false, false) => {
                    // Below the ED and not existing: nothing may be stored for it.
                    if after.total() > 0 {
                        return Err(TokenError::BelowMinimum.into());
                    }
                }
            }
            Ok((result, false))
        }

        /// Moves `value` from `source` to `dest`, creating `dest` if needed. With
        /// `keep_alive`, `source` must stay above the existential deposit.
        pub fn do_transfer(
            source: &AccountId,
            dest: &AccountId,
            value: Balance,
            keep_alive: bool,
        ) -> DispatchResult {
            Self::transfer_changing_existence(source, dest, value, keep_alive).map(|_| ())
        }

        /// [`Self::do_transfer`], also telling whether it created `dest` or removed `source`.
        fn transfer_changing_existence(
            source: &AccountId,
            dest: &AccountId,
            value: Balance,
            keep_alive: bool,
        ) -> Result<bool, DispatchError> {
            if value == 0 || source == dest {
                return Ok(false);
            }
            let existential = T::ExistentialDeposit::get();
            let ((), removed) = Self::mutate_account_existence(source, |data| {
                data.free = data.free.checked_sub(value).ok_or(TokenError::FundsUnavailable)?;
                if data.free < data.frozen {
                    return Err(TokenError::Frozen.into());
                }
                if keep_alive && data.total() < existential {
                    return Err(TokenError::NotExpendable.into());
                }
                Ok(())
            })?;
            let ((), created) = Self::mutate_account_existence(dest, |data| {
                data.free = data.free.checked_add(value).ok_or(ArithmeticError::Overflow)?;
                Ok(())
            })?;
            Self::deposit_event(Event::Transfer { from: *source, to: *dest, amount: value });
            Ok(created || removed)
        }

        /// Takes `value` from `who`'s spendable balance and out of the total issuance.
        pub fn do_withdraw(who: &AccountId, value: Balance, keep_alive: bool) -> DispatchResult {
            if value == 0 {
                return Ok(());
            }
            let existential = T::ExistentialDeposit::get();
            Self::mutate_account(who, |data| {
                if data.spendable() < value {
                    return Err(TokenError::FundsUnavailable.into());
                }
                data.free -= value;
                if keep_alive && data.total() < existential {
                    return Err(TokenError::NotExpendable.into());
                }
                Ok(())
            })?;
            TotalIssuance::mutate(|issuance| *issuance = issuance.saturating_sub(value));
            Ok(())
        }

        /// Adds `value` new coins to `who`. An absent account receiving less than the
        /// existential deposit is not created and the coins are not minted.
        pub fn do_deposit(who: &AccountId, value: Balance) -> DispatchResult {
            if value == 0 {
                return Ok(());
            }
            let issuance =
                TotalIssuance::get().checked_add(value).ok_or(ArithmeticError::Overflow)?;
            Self::mutate_account(who, |data| {
                data.free = data.free.checked_add(value).ok_or(ArithmeticError::Overflow)?;
                Ok(())
            })?;
            TotalIssuance::put(issuance);
            Self::deposit_event(Event::Deposit { who: *who, amount: value });
            Ok(())
        }

        /// Moves `value` from free to reserved; the free balance left must cover the locks.
        pub fn reserve(who: &AccountId, value: Balance) -> DispatchResult {
            Self::mutate_account(who, |data| {
                if data.spendable() < value {
                    return Err(TokenError::FundsUnavailable.into());
                }
                data.free -= value;
                data.reserved =
                    data.reserved.checked_add(value).ok_or(ArithmeticError::Overflow)?;
                Ok(())
            })?;
            Self::deposit_event(Event::Reserved { who: *who, amount: value });
            Ok(())
        }

        /// Moves up to `value` from reserved back to free; returns how much moved.
        pub fn unreserve(who: &AccountId, value: Balance) -> Result<Balance, DispatchError> {
            let moved = Self::mutate_account(who, |data| {
                let moved = value.min(data.reserved);
                data.reserved -= moved;
                data.free = data.free.saturating_add(moved);
                Ok(moved)
            })?;
            if moved > 0 {
                Self::deposit_event(Event::Unreserved { who: *who, amount: moved });
            }
            Ok(moved)
        }

        /// Destroys up to `value` of `who`'s reserved balance; returns how much.
        pub fn slash_reserved(who: &AccountId, value: Balance) -> Result<Balance, DispatchError> {
            let slashed = Self::mutate_account(who, |data| {
                let slashed = value.min(data.reserved);
                data.reserved -= slashed;
                Ok(slashed)
            })?;
            TotalIssuance::mutate(|issuance| *issuance = issuance.saturating_sub(slashed));
            if slashed > 0 {
                Self::deposit_event(Event::Slashed { who: *who, amount: slashed });
            }
            Ok(slashed)
        }

        /// Sets (or replaces) lock `id` on `who`'s free balance.
        pub fn set_lock(id: [u8; 8], who: &AccountId, amount: Balance) -> DispatchResult {
            let mut locks = Locks::get(who);
            let was_empty = locks.is_empty();
            match locks.iter_mut().find(|lock| lock.id == id) {
                Some(lock) => lock.amount = amount,
                None => {
                    if locks.len() >= T::MaxLocks::get() as usize {
                        return Err(Error::<T>::TooManyLocks.into());
                    }
                    locks.push(BalanceLock { id, amount, reasons: Reasons::All });
                }
            }
            Self::update_locks(who, locks, was_empty)?;
            Self::deposit_event(Event::Locked { who: *who, amount });
            Ok(())
        }

        /// Removes lock `id` from `who`.
        pub fn remove_lock(id: [u8; 8], who: &AccountId) -> DispatchResult {
            let mut locks = Locks::get(who);
            let was_empty = locks.is_empty();
            let Some(position) = locks.iter().position(|lock| lock.id == id) else { return Ok(()) };
            let removed = locks.remove(position);
            Self::update_locks(who, locks, was_empty)?;
            Self::deposit_event(Event::Unlocked { who: *who, amount: removed.amount });
            Ok(())
        }

        fn update_locks(
            who: &AccountId,
            locks: Vec<BalanceLock>,
            was_empty: bool,
        ) -> DispatchResult {
            let frozen = locks.iter().map(|lock| lock.amount).max().unwrap_or(0);
            // A locked account is a consumer of itself: it cannot be removed while locked.
            if was_empty && !locks.is_empty() {
                System::<T>::inc_consumers(who)?;
            } else if !was_empty && locks.is_empty() {
                System::<T>::dec_consumers(who);
            }
            Self::mutate_account(who, |data| {
                data.frozen = frozen;
                Ok(())
            })?;
            if locks.is_empty() {
                Locks::remove(who);
            } else {
                Locks::insert(who, locks);
            }
            Ok(())
        }

        /// Checks `TotalIssuance == Σ (free + reserved)` and that no account holds less than
        /// the existential deposit.
        pub fn check_issuance() -> Result<(), String> {
            let existential = T::ExistentialDeposit::get();
            let mut sum: Balance = 0;
            for (who, account) in dfs_pallet_system::Account::iter() {
                let total = account.data.total();
                if total != 0 && total < existential {
                    return Err(alloc::format!(
                        "{who} holds {total}, below the existential deposit"
                    ));
                }
                sum = sum.checked_add(total).ok_or("balances overflow")?;
            }
            let issuance = TotalIssuance::get();
            if sum != issuance {
                return Err(alloc::format!("total issuance {issuance} != sum of balances {sum}"));
            }
            Ok(())
        }
    }

    impl<T: Config> dfs_support::traits::Currency for Pallet<T> {
        type Balance = Balance;

        fn free_balance(who: &AccountId) -> Balance {
            Self::free_balance(who)
        }

        fn withdraw(who: &AccountId, amount: Balance, keep_alive: bool) -> DispatchResult {
            Self::do_withdraw(who, amount, keep_alive)?;
            if amount > 0 {
                Self::deposit_event(Event::Withdraw { who: *who, amount });
            }
            Ok(())
        }

        fn deposit_creating(who: &AccountId, amount: Balance) {
            if let Err(error) = Self::do_deposit(who, amount) {
                // Below the ED for a new account, or overflow: the coins are not minted.
                log::debug!(target: "runtime::balances", "deposit of {amount} to {who} dropped: {error:?}");
            }
        }
    }
}
