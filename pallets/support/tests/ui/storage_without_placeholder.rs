#[dfs_support::pallet(name = "Demo")]
pub mod pallet {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::storage]
    pub type Value = StorageValue<u32, u32>;
}

fn main() {}
