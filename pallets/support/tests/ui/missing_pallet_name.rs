#[dfs_support::pallet]
pub mod pallet {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);
}

fn main() {}
