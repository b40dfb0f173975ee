//! The sudo pallet: one account, the sudo key, may dispatch any call with the root origin.
//!
//! # Overview
//!
//! For development and test chains only; a public chain governs itself through the
//! governance pallet instead. The key holder's `sudo` calls are free, and each
//! reports the inner call's outcome in a `Sudid` event: the `sudo` call itself
//! succeeds even when the call it wraps fails, so the key holder's nonce and
//! the event trail stay consistent.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

pub use pallet::*;

/// The pallet itself.
#[dfs_support::pallet(name = "Sudo")]
pub mod pallet {
    use dfs_pallet_system::Config as SystemConfig;
    use dfs_runtime_primitives::MultiAddress;
    use dfs_support::{dispatch::Dispatchable, prelude::*};

    /// An account reference in calls.
    pub type Address = MultiAddress<AccountId, ()>;
    type CallOf<T> = <T as SystemConfig>::RuntimeCall;

    /// What a runtime configures for sudo.
    #[pallet::config]
    pub trait Config: dfs_pallet_system::Config {
        /// The runtime's event type.
        type RuntimeEvent: From<Event> + Into<<Self as dfs_pallet_system::Config>::RuntimeEvent>;
    }

    /// The sudo pallet.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// The sudo key.
    #[pallet::storage]
    pub type Key = StorageValue<_, AccountId>;

    /// Events of the sudo pallet.
    #[pallet::event]
    pub enum Event {
        /// A call was dispatched as root; this is its outcome.
        Sudid { sudo_result: DispatchResult },
        /// The sudo key changed.
        KeyChanged { old: Option<AccountId>, new: AccountId },
        /// The sudo key was removed: nobody can use sudo any more.
        KeyRemoved,
        /// A call was dispatched as another account; this is its outcome.
        SudoAsDone { sudo_result: DispatchResult },
    }

    /// Errors of the sudo pallet.
    #[pallet::error]
    pub enum Error<T> {
        /// Only the sudo key may do this.
        RequireSudo,
        /// The address is not an account DFS can resolve.
        UnknownAddress,
    }

    /// The initial sudo key.
    #[pallet::genesis_config]
    #[derive(Default)]
    pub struct GenesisConfig {
        /// The key holder, if any.
        pub key: Option<AccountId>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig<T> for GenesisConfig {
        fn build(&self) -> Result<(), String> {
            if let Some(key) = self.key {
                Key::put(key);
            }
            Ok(())
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Dispatches `call` with the root origin. Sudo key only; free.
        #[pallet::call_index(0)]
        #[pallet::weight({
            let info = call.get_dispatch_info();
            (info.weight.saturating_add(Weight::from_parts(10_000_000, 0)), info.class)
        })]
        pub fn sudo(origin: Origin, call: Box<CallOf<T>>) -> DispatchResultWithPostInfo {
            Self::ensure_sudo(origin)?;
            let outcome = (*call).dispatch(RawOrigin::Root);
            Self::deposit_event(Event::Sudid {
                sudo_result: outcome.map(|_| ()).map_err(|e| e.error),
            });
            Ok(Pays::No.into())
        }

        /// Dispatches `call` as root, declaring `weight` instead of the call's own. Sudo key only.
        #[pallet::call_index(1)]
        #[pallet::weight((*weight, call.get_dispatch_info().class))]
        pub fn sudo_unchecked_weight(
            origin: Origin,
            call: Box<CallOf<T>>,
            weight: Weight,
        ) -> DispatchResultWithPostInfo {
            Self::ensure_sudo(origin)?;
            let _ = weight;
            let outcome = (*call).dispatch(RawOrigin::Root);
            Self::deposit_event(Event::Sudid {
                sudo_result: outcome.map(|_| ()).map_err(|e| e.error),
            });
            Ok(Pays::No.into())
        }

        /// Hands the sudo key to `new`. Sudo key only.
        #[pallet::call_index(2)]
        #[pallet::weight((Weight::from_parts(10_000_000, 0), DispatchClass::Operational))]
        pub fn set_key(origin: Origin, new: Address) -> DispatchResultWithPostInfo {
            Self::ensure_sudo(origin)?;
            let new = new.lookup().ok_or(Error::<T>::UnknownAddress)?;
            let old = Key::get();
            Key::put(new);
            Self::deposit_event(Event::KeyChanged { old, new });
            Ok(Pays::No.into())
        }

        /// Dispatches `call` signed by `who`. Sudo key only.
        #[pallet::call_index(3)]
        #[pallet::weight({
            let info = call.get_dispatch_info();
            (info.weight.saturating_add(Weight::from_parts(10_000_000, 0)), info.class)
        })]
        pub fn sudo_as(
            origin: Origin,
            who: Address,
            call: Box<CallOf<T>>,
        ) -> DispatchResultWithPostInfo {
            Self::ensure_sudo(origin)?;
            let who = who.lookup().ok_or(Error::<T>::UnknownAddress)?;
            let outcome = (*call).dispatch(RawOrigin::Signed(who));
            Self::deposit_event(Event::SudoAsDone {
                sudo_result: outcome.map(|_| ()).map_err(|e| e.error),
            });
            Ok(Pays::No.into())
        }

        /// Removes the sudo key for good. Sudo key only.
        #[pallet::call_index(4)]
        #[pallet::weight((Weight::from_parts(10_000_000, 0), DispatchClass::Operational))]
        pub fn remove_key(origin: Origin) -> DispatchResultWithPostInfo {
            Self::ensure_sudo(origin)?;
            Key::kill();
            Self::deposit_event(Event::KeyRemoved);
            Ok(Pays::No.into())
        }
    }

    impl<T: Config> Pallet<T> {
        fn deposit_event(event: Event) {
            dfs_pallet_system::Pallet::<T>::deposit_event(
                <T as Config>::RuntimeEvent::from(event).into(),
            );
        }

        fn ensure_sudo(origin: Origin) -> Result<(), DispatchError> {
            let who = ensure_signed(origin)?;
            match Key::get() {
                Some(key) if key == who => Ok(()),
                _ => Err(Error::<T>::RequireSudo.into()),
            }
        }
    }
}
