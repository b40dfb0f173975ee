//! Procedural macros of `dfs-support`: the `#[pallet]` attribute and `construct_runtime!`.
//!
//! Each macro is parsed into a small definition struct (`parse.rs`, with errors
//! that point at the user's code) and expanded from it by a pure function
//! (`expand.rs`). Generated code names the framework as `dfs_support`, so crates
//! using these macros depend on `dfs-support` under that name.

mod pallet;
mod runtime;

use proc_macro::TokenStream;

/// Turns a module into a pallet. See the `dfs_support` crate documentation for the
/// attributes it understands: `config`, `pallet`, `storage`, `event`, `error`, `call`
/// (with `call_index`, `weight`, `compact`), `hooks`, `genesis_config`, `genesis_build`
/// and `constant`. The pallet's name is given as `#[pallet(name = "Balances")]`; it is
/// the storage prefix and must be the pallet's name in `construct_runtime!`.
#[proc_macro_attribute]
pub fn pallet(attr: TokenStream, item: TokenStream) -> TokenStream {
    pallet::pallet(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Composes pallets into a runtime:
///
/// ```ignore
/// construct_runtime! {
///     pub enum Runtime {
///         System: dfs_pallet_system = 0,
///         Balances: dfs_pallet_balances = 5,
///     }
/// }
/// ```
///
/// Produces `Runtime`, `RuntimeCall`, `RuntimeEvent`, `RuntimeError`, `RuntimeOrigin`,
/// `RuntimeGenesisConfig`, a type alias per pallet, `PalletInfo`, the hooks of all pallets
/// and the pallets' metadata.
#[proc_macro]
pub fn construct_runtime(input: TokenStream) -> TokenStream {
    runtime::construct_runtime(input.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
