#[dfs_support::pallet(name = "System")]
pub mod system {
    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);
}

#[dfs_support::pallet(name = "Balances")]
pub mod balances {
    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);
}

impl system::Config for Runtime {}
impl balances::Config for Runtime {}

dfs_support::construct_runtime! {
    pub enum Runtime {
        System: system = 0,
        Money: balances = 1,
    }
}

fn main() {}
