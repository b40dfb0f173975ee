#[dfs_support::pallet(name = "System")]
pub mod system {
    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);
}

#[dfs_support::pallet(name = "Other")]
pub mod other {
    #[pallet::config]
    pub trait Config {}

    #[pallet::pallet]
    pub struct Pallet<T>(_);
}

impl system::Config for Runtime {}
impl other::Config for Runtime {}

dfs_support::construct_runtime! {
    pub enum Runtime {
        System: system = 0,
        Other: other = 0,
    }
}

fn main() {}
