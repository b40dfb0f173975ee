#[dfs_support::pallet(name = "Demo")]
pub mod pallet {
    use dfs_support::prelude::*;

    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::event]
    pub enum Event<T> {
        Happened(T),
    }
}

fn main() {}
