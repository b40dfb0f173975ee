//! Expands a [`PalletDef`] into the pallet module with its generated items.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, Item};

use super::parse::{fill_storage_placeholder, PalletDef};

/// Substrate's `twox_128`: xxHash64 with seeds 0 and 1, little-endian, concatenated.
fn twox_128(data: &[u8]) -> [u8; 16] {
    use std::hash::Hasher;
    let mut out = [0u8; 16];
    for (seed, chunk) in out.chunks_exact_mut(8).enumerate() {
        let mut hasher = twox_hash::XxHash64::with_seed(seed as u64);
        hasher.write(data);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

/// A unique suffix for the pallet's exported parts macro: `#[macro_export]` names share
/// the crate root, and one crate may declare several pallets (tests do).
fn unique_id() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

pub fn expand(mut def: PalletDef) -> TokenStream {
    let name = def.name.clone();
    let name_ident = format_ident!("{}", name.value());
    let support = quote!(dfs_support);
    let private = quote!(dfs_support::__private);
    let (brace, mut items) = def.module.content.take().expect("checked during parsing");

    let mut generated: Vec<TokenStream> = Vec::new();

    // The pallet struct, the config's supertrait, storage prefixes, event/error/genesis derives.
    for item in items.iter_mut() {
        match item {
            Item::Trait(config) if config.ident == "Config" => {
                config.supertraits.push(parse_quote!(#support::traits::PalletInfo));
                config.supertraits.push(parse_quote!('static));
            }
            Item::Struct(pallet) if pallet.ident == "Pallet" => {
                let vis = &pallet.vis;
                let attrs = &pallet.attrs;
                *item = parse_quote! {
                    #(#attrs)*
                    #vis struct Pallet<T>(#private::core::marker::PhantomData<T>);
                };
            }
            Item::Type(storage) if def.storages.iter().any(|s| s.ident == storage.ident) => {
                let prefix = format_ident!("_{}Prefix", storage.ident);
                let storage_name = storage.ident.to_string();
                // Hashed here, at compile time: the runtime need not hash it on every access.
                let mut final_prefix = twox_128(name.value().as_bytes()).to_vec();
                final_prefix.extend_from_slice(&twox_128(storage_name.as_bytes()));
                fill_storage_placeholder(&mut storage.ty, parse_quote!(#prefix));
                generated.push(quote! {
                    #[doc(hidden)]
                    pub struct #prefix;
                    impl #support::storage::StoragePrefix for #prefix {
                        const PALLET: &'static str = #name;
                        const STORAGE: &'static str = #storage_name;
                        fn final_prefix() -> [u8; 32] {
                            [#(#final_prefix),*]
                        }
                    }
                });
            }
            Item::Enum(event) if def.has_event && event.ident == "Event" => {
                // Variants carry the docs; their fields are named for what they hold.
                event.attrs.push(parse_quote!(#[allow(missing_docs)]));
                event.attrs.push(parse_quote!(#[derive(
                    Clone, PartialEq, Eq, Debug,
                    #private::codec::Encode, #private::codec::Decode, #private::scale_info::TypeInfo
                )]));
                event.attrs.push(parse_quote!(#[codec(crate = #private::codec)]));
                event.attrs.push(parse_quote!(#[scale_info(crate = #private::scale_info)]));
            }
            Item::Enum(error) if def.errors.is_some() && error.ident == "Error" => {
                error.variants.push(parse_quote! {
                    #[doc(hidden)]
                    #[codec(skip)]
                    __Ignore(#private::core::marker::PhantomData<T>, #private::Never)
                });
                error.attrs.push(parse_quote!(#[derive(
                    #private::codec::Encode, #private::codec::Decode, #private::scale_info::TypeInfo
                )]));
                error.attrs.push(parse_quote!(#[codec(crate = #private::codec)]));
                error.attrs.push(
                    parse_quote!(#[scale_info(crate = #private::scale_info, skip_type_params(T))]),
                );
            }
            Item::Impl(block) if block.items.iter().any(|item| matches!(item, syn::ImplItem::Fn(f) if def.calls.as_ref().is_some_and(|calls| calls.iter().any(|c| c.ident == f.sig.ident)))) => {
                // Call arguments mirror their encoded types: a nested call must stay boxed.
                block.attrs.push(parse_quote!(#[allow(clippy::boxed_local)]));
            }
            Item::Struct(config) if def.has_genesis_config && config.ident == "GenesisConfig" => {
                config.attrs.push(parse_quote!(#[derive(#private::serde::Serialize, #private::serde::Deserialize)]));
                config.attrs.push(parse_quote!(#[serde(crate = "dfs_support::__private::serde")]));
                config
                    .attrs
                    .push(parse_quote!(#[serde(rename_all = "camelCase", deny_unknown_fields)]));
            }
            _ => {}
        }
    }

    generated.push(expand_call(&def));
    if let Some(errors) = &def.errors {
        generated.push(expand_error(errors));
    }
    if !def.has_hooks {
        generated.push(quote! {
            impl<T: Config> #support::traits::Hooks for Pallet<T> {}
        });
    }
    generated.push(expand_metadata(&def));

    // The parts `construct_runtime!` asks each pallet for.
    let mut parts = vec![quote!(Pallet)];
    if def.calls.is_some() {
        parts.push(quote!(Call));
    }
    if def.has_event {
        parts.push(quote!(Event));
    }
    if def.errors.is_some() {
        parts.push(quote!(Error));
    }
    if def.has_genesis_config {
        parts.push(quote!(Config));
    }
    let macro_name = format_ident!("__dfs_pallet_parts_{}_{}", name_ident, unique_id());
    generated.push(quote! {
        /// The pallet's name: its storage prefix and its name in `construct_runtime!`.
        pub const PALLET_NAME: &str = #name;

        #[macro_export]
        #[doc(hidden)]
        macro_rules! #macro_name {
            ($($input:tt)*) => {
                dfs_support::construct_runtime! { @resolved #name_ident [#(#parts)*] $($input)* }
            };
        }
        #[doc(hidden)]
        pub use #macro_name as __dfs_pallet_parts;
    });

    for tokens in generated {
        items.push(Item::Verbatim(tokens));
    }
    def.module.content = Some((brace, items));
    let module = &def.module;
    quote!(#module)
}

fn expand_call(def: &PalletDef) -> TokenStream {
    let support = quote!(dfs_support);
    let private = quote!(dfs_support::__private);
    let calls = def.calls.as_deref().unwrap_or(&[]);

    let variants = calls.iter().map(|call| {
        let ident = &call.ident;
        let index = call.index;
        let docs = &call.docs;
        let fields = call.args.iter().map(|(name, ty, compact)| {
            let compact = compact.then(|| quote!(#[codec(compact)]));
            quote!(#compact #name: #ty)
        });
        quote! {
            #(#[doc = #docs])*
            #[codec(index = #index)]
            #[allow(non_camel_case_types)]
            #ident { #(#fields),* }
        }
    });
    let names: Vec<_> = calls.iter().map(|c| &c.ident).collect();
    let arg_names: Vec<Vec<_>> =
        calls.iter().map(|c| c.args.iter().map(|(n, _, _)| n).collect()).collect();
    let name_strings: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let weights = calls.iter().map(|c| &c.weight);

    let dispatch_arms = names.iter().zip(&arg_names).map(|(ident, args)| {
        quote! {
            Self::#ident { #(#args),* } => #support::dispatch::with_transaction(|| {
                <Pallet<T>>::#ident(origin, #(#args),*)
                    .map(#private::core::convert::Into::into)
                    .map_err(#private::core::convert::Into::into)
            }),
        }
    });
    let info_arms = names.iter().zip(&arg_names).zip(weights).map(|((ident, args), weight)| {
        quote! {
            #[allow(unused_variables)]
            Self::#ident { #(#args),* } => {
                #support::dispatch::WeighCall::into_dispatch_info(#weight)
            }
        }
    });
    let clone_arms = names.iter().zip(&arg_names).map(|(ident, args)| {
        quote!(Self::#ident { #(#args),* } => Self::#ident { #(#args: #args.clone()),* },)
    });
    let eq_arms = names.iter().zip(&arg_names).map(|(ident, args)| {
        let left: Vec<_> = args.iter().map(|a| format_ident!("left_{}", a)).collect();
        let right: Vec<_> = args.iter().map(|a| format_ident!("right_{}", a)).collect();
        quote! {
            (Self::#ident { #(#args: #left),* }, Self::#ident { #(#args: #right),* }) => {
                true #(&& #left == #right)*
            }
        }
    });
    let debug_arms = names.iter().zip(&arg_names).zip(&name_strings).map(|((ident, args), text)| {
        let arg_strings = args.iter().map(|a| a.to_string());
        quote! {
            Self::#ident { #(#args),* } => f.debug_struct(#text)#(.field(#arg_strings, #args))*.finish(),
        }
    });
    let name_arms = names
        .iter()
        .zip(&arg_names)
        .zip(&name_strings)
        .map(|((ident, _), text)| quote!(Self::#ident { .. } => #text,));
    let constructors = calls.iter().map(|call| {
        let ident = &call.ident;
        let constructor = format_ident!("new_call_variant_{}", ident);
        let params = call.args.iter().map(|(n, ty, _)| quote!(#n: #ty));
        let args = call.args.iter().map(|(n, _, _)| n);
        quote! {
            #[doc(hidden)]
            pub fn #constructor(#(#params),*) -> Self {
                Self::#ident { #(#args),* }
            }
        }
    });

    quote! {
        /// The pallet's dispatchable calls, as they are encoded in extrinsics.
        #[allow(missing_docs)]
        #[derive(#private::codec::Encode, #private::codec::Decode, #private::scale_info::TypeInfo)]
        #[codec(crate = #private::codec)]
        #[scale_info(crate = #private::scale_info, skip_type_params(T))]
        pub enum Call<T: Config> {
            #(#variants,)*
            #[doc(hidden)]
            #[codec(skip)]
            __Ignore(#private::core::marker::PhantomData<T>, #private::Never),
        }

        impl<T: Config> Call<T> {
            #(#constructors)*
        }

        impl<T: Config> #support::dispatch::Dispatchable for Call<T> {
            fn dispatch(self, origin: #support::dispatch::Origin) -> #support::dispatch::DispatchResultWithPostInfo {
                match self {
                    #(#dispatch_arms)*
                    Self::__Ignore(_, never) => match never {},
                }
            }
        }

        impl<T: Config> #support::dispatch::GetDispatchInfo for Call<T> {
            fn get_dispatch_info(&self) -> #support::dispatch::DispatchInfo {
                match self {
                    #(#info_arms)*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }

        impl<T: Config> #support::dispatch::GetCallName for Call<T> {
            fn call_name(&self) -> &'static str {
                match self {
                    #(#name_arms)*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }

        impl<T: Config> #private::core::clone::Clone for Call<T> {
            fn clone(&self) -> Self {
                match self {
                    #(#clone_arms)*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }

        impl<T: Config> #private::core::cmp::PartialEq for Call<T> {
            #[allow(unreachable_patterns)]
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    #(#eq_arms)*
                    _ => false,
                }
            }
        }

        impl<T: Config> #private::core::cmp::Eq for Call<T> {}

        impl<T: Config> #private::core::fmt::Debug for Call<T> {
            fn fmt(&self, f: &mut #private::core::fmt::Formatter<'_>) -> #private::core::fmt::Result {
                match self {
                    #(#debug_arms)*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }
    }
}

fn expand_error(errors: &[(syn::Ident, Vec<syn::LitStr>)]) -> TokenStream {
    let support = quote!(dfs_support);
    let private = quote!(dfs_support::__private);
    let idents: Vec<_> = errors.iter().map(|(ident, _)| ident).collect();
    let texts: Vec<String> = idents.iter().map(|i| i.to_string()).collect();
    let indices = 0..idents.len() as u8;
    quote! {
        impl<T> Error<T> {
            /// The variant's name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#idents => #texts,)*
                    Self::__Ignore(_, never) => match *never {},
                }
            }

            /// The variant's index, as encoded.
            pub fn index(&self) -> u8 {
                match self {
                    #(Self::#idents => #indices,)*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }

        impl<T> #private::core::fmt::Debug for Error<T> {
            fn fmt(&self, f: &mut #private::core::fmt::Formatter<'_>) -> #private::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<T> #private::core::cmp::PartialEq for Error<T> {
            fn eq(&self, other: &Self) -> bool {
                self.index() == other.index()
            }
        }

        impl<T> #private::core::cmp::Eq for Error<T> {}

        impl<T: Config> From<Error<T>> for #private::dfs_runtime_primitives::DispatchError {
            fn from(error: Error<T>) -> Self {
                let index = <T as #support::traits::PalletInfo>::index::<Pallet<T>>()
                    .and_then(|index| u8::try_from(index).ok())
                    .unwrap_or(u8::MAX);
                #private::dfs_runtime_primitives::DispatchError::Module(
                    #private::dfs_runtime_primitives::ModuleError {
                        index,
                        error: [error.index(), 0, 0, 0],
                        message: Some(error.as_str()),
                    },
                )
            }
        }

    }
}

fn expand_metadata(def: &PalletDef) -> TokenStream {
    let support = quote!(dfs_support);
    let private = quote!(dfs_support::__private);
    let name = &def.name;
    let entries = def.storages.iter().map(|storage| {
        let ident = &storage.ident;
        let docs = &storage.docs;
        let ty = if storage.generic { quote!(#ident<T>) } else { quote!(#ident) };
        quote! {
            <#ty as #support::storage::StorageEntryMetadataBuilder>::entry_metadata(
                #private::vec![#(#docs),*]
            )
        }
    });
    let storage = if def.storages.is_empty() {
        quote!(None)
    } else {
        quote! {
            Some(#private::frame_metadata::v14::PalletStorageMetadata {
                prefix: #name,
                entries: #private::vec![#(#entries),*],
            })
        }
    };
    let constants = def.constants.iter().map(|constant| {
        let ident = &constant.ident;
        let text = ident.to_string();
        let value_ty = &constant.value_ty;
        let docs = &constant.docs;
        quote! {
            #private::frame_metadata::v14::PalletConstantMetadata {
                name: #text,
                ty: #private::scale_info::meta_type::<#value_ty>(),
                value: #private::codec::Encode::encode(
                    &<<T as Config>::#ident as #support::traits::Get<#value_ty>>::get()
                ),
                docs: #private::vec![#(#docs),*],
            }
        }
    });
    let docs = &def.docs;
    quote! {
        impl<T: Config> Pallet<T> {
            #[doc(hidden)]
            pub fn storage_metadata() -> Option<#private::frame_metadata::v14::PalletStorageMetadata> {
                #storage
            }

            #[doc(hidden)]
            pub fn constants_metadata() -> #private::Vec<#private::frame_metadata::v14::PalletConstantMetadata> {
                #private::vec![#(#constants),*]
            }

            #[doc(hidden)]
            pub fn pallet_docs() -> #private::Vec<&'static str> {
                #private::vec![#(#docs),*]
            }
        }
    }
}
