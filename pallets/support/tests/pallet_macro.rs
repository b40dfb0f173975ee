//! The `#[pallet]` and `construct_runtime!` macros on a small two-pallet runtime.

#![allow(missing_docs)]

use codec::{Decode, Encode};
use dfs_io::state::TestExternalities;
use dfs_runtime_primitives::{DispatchError, ModuleError, Weight};
use dfs_support::{
    dispatch::{Dispatchable, GetDispatchInfo, RawOrigin},
    traits::{PalletInfo, RuntimeHooks},
};

/// A minimal stand-in for the system pallet.
#[dfs_support::pallet(name = "System")]
pub mod system {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {
        /// How much `add` may add at once.
        #[pallet::constant]
        type MaxAdd: Get<u32>;
    }

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// A running total.
    #[pallet::storage]
    pub type Counter = StorageValue<_, u32, ValueQuery>;

    /// Notes per account.
    #[pallet::storage]
    pub type Notes = StorageMap<_, Blake2_128Concat, AccountId, Vec<u8>>;

    /// How many blocks were initialized.
    #[pallet::storage]
    pub type Initialized = StorageValue<_, u32, ValueQuery>;

    #[pallet::event]
    pub enum Event {
        /// The counter grew.
        Added { who: AccountId, amount: u32 },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// Adding zero changes nothing.
        Zero,
        /// More than `MaxAdd` at once.
        TooMuch,
    }

    #[pallet::genesis_config]
    #[derive(Default)]
    pub struct GenesisConfig {
        pub start: u32,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig<T> for GenesisConfig {
        fn build(&self) -> Result<(), String> {
            Counter::put(self.start);
            Ok(())
        }
    }

    #[pallet::hooks]
    impl<T: Config> Hooks for Pallet<T> {
        fn on_initialize(_block: BlockNumber) -> Weight {
            Initialized::mutate(|n| *n += 1);
            Weight::from_parts(5, 0)
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Adds `amount` to the counter, then fails if the result is odd and `fail_odd`.
        #[pallet::call_index(3)]
        #[pallet::weight(Weight::from_parts(1_000 + u64::from(*amount), 0))]
        pub fn add(
            origin: Origin,
            #[pallet::compact] amount: u32,
            fail_odd: bool,
        ) -> DispatchResult {
            let _who = ensure_signed(origin)?;
            ensure!(*amount_ref(&amount) > 0, Error::<T>::Zero);
            ensure!(amount <= T::MaxAdd::get(), Error::<T>::TooMuch);
            Counter::mutate(|c| *c += amount);
            if fail_odd && Counter::get() % 2 == 1 {
                return Err(DispatchError::Other("odd"));
            }
            Ok(())
        }

        /// Stores a note; root only.
        #[pallet::call_index(0)]
        #[pallet::weight((Weight::from_parts(7, 1), DispatchClass::Operational, Pays::No))]
        pub fn note(origin: Origin, who: AccountId, text: Vec<u8>) -> DispatchResultWithPostInfo {
            ensure_root(origin)?;
            Notes::insert(who, text);
            Ok(PostDispatchInfo {
                actual_weight: Some(Weight::from_parts(3, 1)),
                pays_fee: Pays::No,
            })
        }
    }

    fn amount_ref(amount: &u32) -> &u32 {
        amount
    }
}

/// A pallet with only storage and a constant, no calls or events.
#[dfs_support::pallet(name = "Quiet")]
pub mod quiet {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::storage]
    pub type Pairs = StorageDoubleMap<_, Twox64Concat, u32, Twox64Concat, u32, u8>;
}

impl system::Config for Runtime {
    type MaxAdd = dfs_support::traits::ConstU32<100>;
}
impl quiet::Config for Runtime {}

dfs_support::construct_runtime! {
    pub enum Runtime {
        System: system = 0,
        Quiet: quiet = 7,
    }
}

fn alice() -> dfs_core::AccountId32 {
    dfs_core::AccountId32([1; 32])
}

#[test]
fn calls_encode_with_explicit_indices() {
    let call = RuntimeCall::System(system::Call::add { amount: 64, fail_odd: false });
    // pallet 0, call 3, Compact(64) = 0x0101, false
    assert_eq!(call.encode(), [0, 3, 0x01, 0x01, 0]);
    assert_eq!(RuntimeCall::decode(&mut &call.encode()[..]).unwrap(), call);
    assert!(RuntimeCall::decode(&mut &[0u8, 9][..]).is_err(), "unknown call index");
    assert!(RuntimeCall::decode(&mut &[7u8, 0][..]).is_err(), "a pallet without calls");
}

#[test]
fn dispatch_info_comes_from_the_weight_expression() {
    let info =
        RuntimeCall::System(system::Call::add { amount: 5, fail_odd: false }).get_dispatch_info();
    assert_eq!(info.weight, Weight::from_parts(1_005, 0));
    let note = system::Call::<Runtime>::note { who: alice(), text: vec![] }.get_dispatch_info();
    assert_eq!(note.class, dfs_support::dispatch::DispatchClass::Operational);
    assert_eq!(note.pays_fee, dfs_support::dispatch::Pays::No);
}

#[test]
fn dispatch_checks_origin_and_is_transactional() {
    TestExternalities::default().execute_with(|| {
        let add = |amount, fail_odd| {
            RuntimeCall::System(system::Call::add { amount, fail_odd })
                .dispatch(RawOrigin::Signed(alice()))
        };
        assert!(add(2, true).is_ok());
        assert_eq!(system::Counter::get(), 2);
        // Fails after mutating: the change is rolled back.
        let error = add(3, true).unwrap_err().error;
        assert_eq!(error, DispatchError::Other("odd"));
        assert_eq!(system::Counter::get(), 2);
        // Pallet errors carry the pallet index from construct_runtime and the variant index.
        let error = add(101, false).unwrap_err().error;
        assert_eq!(
            error,
            DispatchError::Module(ModuleError {
                index: 0,
                error: [1, 0, 0, 0],
                message: Some("TooMuch")
            })
        );
        // Root only.
        let note = RuntimeCall::System(system::Call::note { who: alice(), text: b"hi".to_vec() });
        assert_eq!(
            note.clone().dispatch(RawOrigin::None).unwrap_err().error,
            DispatchError::BadOrigin
        );
        let post = note.dispatch(RawOrigin::Root).unwrap();
        assert_eq!(post.actual_weight, Some(Weight::from_parts(3, 1)));
        assert_eq!(system::Notes::get(alice()), Some(b"hi".to_vec()));
    });
}

#[test]
fn pallet_info_hooks_and_genesis() {
    assert_eq!(<Runtime as PalletInfo>::index::<Quiet>(), Some(7));
    assert_eq!(<Runtime as PalletInfo>::name::<System>(), Some("System"));
    assert_eq!(<Runtime as PalletInfo>::index::<u32>(), None);

    let config: RuntimeGenesisConfig = serde_json::from_str(r#"{"system":{"start":40}}"#).unwrap();
    assert!(serde_json::from_str::<RuntimeGenesisConfig>(r#"{"system":{"strat":1}}"#).is_err());
    TestExternalities::default().execute_with(|| {
        config.build().unwrap();
        assert_eq!(system::Counter::get(), 40);
        assert_eq!(Runtime::on_initialize_all(1), Weight::from_parts(5, 0));
        assert_eq!(system::Initialized::get(), 1);
    });
}

#[test]
fn storage_prefixes_hashed_at_compile_time_match_runtime_hashing() {
    TestExternalities::default().execute_with(|| {
        let mut expected = dfs_io::hashing::twox_128(b"System").to_vec();
        expected.extend_from_slice(&dfs_io::hashing::twox_128(b"Counter"));
        assert_eq!(system::Counter::hashed_key().to_vec(), expected);
    });
}

#[test]
fn events_convert_both_ways() {
    let event = system::Event::Added { who: alice(), amount: 1 };
    let runtime_event: RuntimeEvent = event.clone().into();
    assert_eq!(runtime_event.encode()[0], 0);
    assert_eq!(system::Event::try_from(runtime_event), Ok(event));
}

#[test]
fn metadata_lists_every_part() {
    let pallets = Runtime::pallet_descriptions();
    assert_eq!(
        pallets.iter().map(|p| (p.name, p.index)).collect::<Vec<_>>(),
        [("System", 0), ("Quiet", 7)]
    );
    let system = &pallets[0];
    let storage = system.storage.as_ref().unwrap();
    assert_eq!(storage.prefix, "System");
    let names: Vec<_> = storage.entries.iter().map(|e| e.name).collect();
    assert_eq!(names, ["Counter", "Notes", "Initialized"]);
    assert_eq!(storage.entries[0].docs, [" A running total."]);
    assert_eq!(system.constants[0].name, "MaxAdd");
    assert_eq!(system.constants[0].value, 100u32.encode());
    assert!(system.calls.is_some() && system.event.is_some() && system.error.is_some());
    let quiet = &pallets[1];
    assert!(quiet.calls.is_none() && quiet.event.is_none() && quiet.error.is_none());
    assert_eq!(quiet.storage.as_ref().unwrap().entries[0].name, "Pairs");
}
