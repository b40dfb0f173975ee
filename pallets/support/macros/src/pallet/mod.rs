//! `#[pallet]`: parse the module into a [`parse::PalletDef`], then expand it.

mod expand;
mod parse;

use proc_macro2::TokenStream;

pub fn pallet(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let def = parse::PalletDef::parse(attr, item)?;
    Ok(expand::expand(def))
}
