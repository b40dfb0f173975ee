#[dfs_support::pallet(name = "Demo")]
pub mod pallet {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::storag]
    pub type Value = StorageValue<_, u32>;
}

fn main() {}
