#[dfs_support::pallet(name = "Demo")]
pub mod pallet {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        #[pallet::call_index(0)]
        #[pallet::weight(Weight::ZERO)]
        pub fn first(origin: Origin) -> DispatchResult {
            ensure_root(origin)?;
            Ok(())
        }

        #[pallet::call_index(0)]
        #[pallet::weight(Weight::ZERO)]
        pub fn second(origin: Origin) -> DispatchResult {
            ensure_root(origin)?;
            Ok(())
        }
    }
}

fn main() {}
