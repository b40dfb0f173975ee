//! `construct_runtime!`: composes pallets into a runtime.
//!
//! The user lists pallets by name, path and index. The macro then asks each
//! pallet, in turn, which parts it has (calls, events, errors, genesis config)
//! by expanding to that pallet's exported `__dfs_pallet_parts!` macro, which
//! calls `construct_runtime!` back with the answer prepended as
//! `@resolved Name [Parts…]`. Once every pallet has answered, the runtime is
//! generated from the full list.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{
    braced, bracketed,
    parse::{Parse, ParseStream},
    punctuated::Punctuated,
    Error, Ident, LitInt, Path, Result, Token, Visibility,
};

/// One `Name: path = index` entry.
struct PalletEntry {
    name: Ident,
    path: Path,
    index: u8,
    index_span: Span,
}

impl Parse for PalletEntry {
    fn parse(input: ParseStream) -> Result<Self> {
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let path: Path = input.parse()?;
        input.parse::<Token![=]>()?;
        let index: LitInt = input.parse()?;
        Ok(PalletEntry { name, path, index: index.base10_parse()?, index_span: index.span() })
    }
}

/// A pallet's answer: the parts it has.
struct Resolved {
    name: Ident,
    parts: Vec<Ident>,
}

struct RuntimeDef {
    resolved: Vec<Resolved>,
    vis: Visibility,
    runtime: Ident,
    pallets: Vec<PalletEntry>,
}

impl Parse for RuntimeDef {
    fn parse(input: ParseStream) -> Result<Self> {
        let mut resolved = Vec::new();
        while input.peek(Token![@]) {
            input.parse::<Token![@]>()?;
            let keyword: Ident = input.parse()?;
            if keyword != "resolved" {
                return Err(Error::new(keyword.span(), "unexpected internal marker"));
            }
            let name: Ident = input.parse()?;
            let content;
            bracketed!(content in input);
            let mut parts = Vec::new();
            while !content.is_empty() {
                parts.push(content.parse()?);
            }
            resolved.push(Resolved { name, parts });
        }
        let vis: Visibility = input.parse()?;
        input.parse::<Token![enum]>()?;
        let runtime: Ident = input.parse()?;
        let content;
        braced!(content in input);
        let pallets: Punctuated<PalletEntry, Token![,]> =
            content.parse_terminated(PalletEntry::parse, Token![,])?;
        Ok(RuntimeDef { resolved, vis, runtime, pallets: pallets.into_iter().collect() })
    }
}

pub fn construct_runtime(input: TokenStream) -> Result<TokenStream> {
    let def: RuntimeDef = syn::parse2(input.clone())?;
    check_entries(&def)?;

    // Ask the first pallet that has not answered yet for its parts.
    if let Some(pending) =
        def.pallets.iter().find(|p| !def.resolved.iter().any(|r| r.name == p.name))
    {
        if let Some(stray) =
            def.resolved.iter().find(|r| !def.pallets.iter().any(|p| p.name == r.name))
        {
            return Err(Error::new(
                pending.name.span(),
                format!("the pallet at this path is named `{}`; use that name here", stray.name),
            ));
        }
        let path = &pending.path;
        return Ok(quote!(#path::__dfs_pallet_parts! { #input }));
    }
    Ok(expand(&def))
}

fn check_entries(def: &RuntimeDef) -> Result<()> {
    for (position, pallet) in def.pallets.iter().enumerate() {
        for earlier in &def.pallets[..position] {
            if earlier.index == pallet.index {
                return Err(Error::new(
                    pallet.index_span,
                    format!("index {} is already used by `{}`", pallet.index, earlier.name),
                ));
            }
            if earlier.name == pallet.name {
                return Err(Error::new(pallet.name.span(), "this pallet name is used twice"));
            }
        }
    }
    if !def.pallets.iter().any(|p| p.name == "System") {
        return Err(Error::new(def.runtime.span(), "a runtime needs a `System` pallet"));
    }
    Ok(())
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn expand(def: &RuntimeDef) -> TokenStream {
    let support = quote!(dfs_support);
    let private = quote!(dfs_support::__private);
    let vis = &def.vis;
    let runtime = &def.runtime;
    let has = |pallet: &PalletEntry, part: &str| {
        def.resolved
            .iter()
            .find(|r| r.name == pallet.name)
            .is_some_and(|r| r.parts.iter().any(|p| p == part))
    };

    let names: Vec<_> = def.pallets.iter().map(|p| &p.name).collect();
    let paths: Vec<_> = def.pallets.iter().map(|p| &p.path).collect();
    let indices: Vec<_> = def.pallets.iter().map(|p| p.index).collect();
    let name_strings: Vec<_> = names.iter().map(|n| n.to_string()).collect();

    let with_calls: Vec<_> = def.pallets.iter().filter(|p| has(p, "Call")).collect();
    let call_names: Vec<_> = with_calls.iter().map(|p| &p.name).collect();
    let call_paths: Vec<_> = with_calls.iter().map(|p| &p.path).collect();
    let call_indices: Vec<_> = with_calls.iter().map(|p| p.index).collect();
    let call_name_strings: Vec<_> = call_names.iter().map(|n| n.to_string()).collect();

    let with_events: Vec<_> = def.pallets.iter().filter(|p| has(p, "Event")).collect();
    let event_names: Vec<_> = with_events.iter().map(|p| &p.name).collect();
    let event_paths: Vec<_> = with_events.iter().map(|p| &p.path).collect();
    let event_indices: Vec<_> = with_events.iter().map(|p| p.index).collect();

    let with_errors: Vec<_> = def.pallets.iter().filter(|p| has(p, "Error")).collect();
    let error_names: Vec<_> = with_errors.iter().map(|p| &p.name).collect();
    let error_paths: Vec<_> = with_errors.iter().map(|p| &p.path).collect();
    let error_indices: Vec<_> = with_errors.iter().map(|p| p.index).collect();

    let with_genesis: Vec<_> = def.pallets.iter().filter(|p| has(p, "Config")).collect();
    let genesis_fields: Vec<_> =
        with_genesis.iter().map(|p| format_ident!("{}", snake_case(&p.name.to_string()))).collect();
    let genesis_paths: Vec<_> = with_genesis.iter().map(|p| &p.path).collect();

    let descriptions = def.pallets.iter().map(|pallet| {
        let name = pallet.name.to_string();
        let path = &pallet.path;
        let index = pallet.index;
        let calls = if has(pallet, "Call") {
            quote!(Some(#private::scale_info::meta_type::<#path::Call<#runtime>>()))
        } else {
            quote!(None)
        };
        let event = if has(pallet, "Event") {
            quote!(Some(#private::scale_info::meta_type::<#path::Event>()))
        } else {
            quote!(None)
        };
        let error = if has(pallet, "Error") {
            quote!(Some(#private::scale_info::meta_type::<#path::Error<#runtime>>()))
        } else {
            quote!(None)
        };
        quote! {
            #support::metadata::PalletDescription {
                name: #name,
                index: #index,
                storage: #path::Pallet::<#runtime>::storage_metadata(),
                calls: #calls,
                event: #event,
                constants: #path::Pallet::<#runtime>::constants_metadata(),
                error: #error,
                docs: #path::Pallet::<#runtime>::pallet_docs(),
            }
        }
    });

    quote! {
        /// The runtime: the pallets composed.
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Default, #private::scale_info::TypeInfo)]
        #[scale_info(crate = #private::scale_info)]
        #vis struct #runtime;

        #(
            #[doc = concat!("The `", #name_strings, "` pallet of this runtime.")]
            #vis type #names = #paths::Pallet<#runtime>;
        )*

        // Each pallet must be declared under the name it gives itself (its storage prefix).
        #(
            const _: () = assert!(
                #support::metadata::str_eq(#paths::PALLET_NAME, #name_strings),
                concat!("the pallet `", #name_strings, "` declares another name")
            );
        )*

        impl #support::traits::PalletInfo for #runtime {
            fn index<P: 'static>() -> Option<usize> {
                let id = #private::core::any::TypeId::of::<P>();
                #(
                    if id == #private::core::any::TypeId::of::<#paths::Pallet<#runtime>>() {
                        return Some(#indices as usize);
                    }
                )*
                None
            }

            fn name<P: 'static>() -> Option<&'static str> {
                let id = #private::core::any::TypeId::of::<P>();
                #(
                    if id == #private::core::any::TypeId::of::<#paths::Pallet<#runtime>>() {
                        return Some(#name_strings);
                    }
                )*
                None
            }
        }

        /// The origin of calls in this runtime.
        #vis type RuntimeOrigin = #support::dispatch::Origin;

        /// Every call of every pallet, as encoded in extrinsics: pallet index, then the call.
        #[derive(
            Clone, PartialEq, Eq, Debug,
            #private::codec::Encode, #private::codec::Decode, #private::scale_info::TypeInfo
        )]
        #[codec(crate = #private::codec)]
        #[scale_info(crate = #private::scale_info)]
        #vis enum RuntimeCall {
            #(
                #[doc = concat!("Calls of the `", #call_name_strings, "` pallet.")]
                #[codec(index = #call_indices)]
                #call_names(#call_paths::Call<#runtime>),
            )*
        }

        impl #support::dispatch::Dispatchable for RuntimeCall {
            fn dispatch(self, origin: #support::dispatch::Origin) -> #support::dispatch::DispatchResultWithPostInfo {
                match self {
                    #(Self::#call_names(call) => #support::dispatch::Dispatchable::dispatch(call, origin),)*
                }
            }
        }

        impl #support::dispatch::GetDispatchInfo for RuntimeCall {
            fn get_dispatch_info(&self) -> #support::dispatch::DispatchInfo {
                match self {
                    #(Self::#call_names(call) => #support::dispatch::GetDispatchInfo::get_dispatch_info(call),)*
                }
            }
        }

        impl #support::dispatch::GetCallName for RuntimeCall {
            fn call_name(&self) -> &'static str {
                match self {
                    #(Self::#call_names(call) => #support::dispatch::GetCallName::call_name(call),)*
                }
            }
        }

        impl RuntimeCall {
            /// The name of the pallet this call belongs to.
            pub fn pallet_name(&self) -> &'static str {
                match self {
                    #(Self::#call_names(_) => #call_name_strings,)*
                }
            }
        }

        #(
            impl From<#call_paths::Call<#runtime>> for RuntimeCall {
                fn from(call: #call_paths::Call<#runtime>) -> Self {
                    RuntimeCall::#call_names(call)
                }
            }
        )*

        /// Every event of every pallet: pallet index, then the event.
        #[derive(
            Clone, PartialEq, Eq, Debug,
            #private::codec::Encode, #private::codec::Decode, #private::scale_info::TypeInfo
        )]
        #[codec(crate = #private::codec)]
        #[scale_info(crate = #private::scale_info)]
        #vis enum RuntimeEvent {
            #(
                #[doc = concat!("Events of the `", stringify!(#event_names), "` pallet.")]
                #[codec(index = #event_indices)]
                #event_names(#event_paths::Event),
            )*
        }

        #(
            impl From<#event_paths::Event> for RuntimeEvent {
                fn from(event: #event_paths::Event) -> Self {
                    RuntimeEvent::#event_names(event)
                }
            }

            impl TryFrom<RuntimeEvent> for #event_paths::Event {
                type Error = ();
                #[allow(unreachable_patterns)]
                fn try_from(event: RuntimeEvent) -> Result<Self, ()> {
                    match event {
                        RuntimeEvent::#event_names(event) => Ok(event),
                        _ => Err(()),
                    }
                }
            }
        )*

        /// Every error of every pallet, for metadata: pallet index, then the error.
        #[derive(#private::codec::Encode, #private::codec::Decode, #private::scale_info::TypeInfo, Debug)]
        #[codec(crate = #private::codec)]
        #[scale_info(crate = #private::scale_info)]
        #vis enum RuntimeError {
            #(
                #[doc = concat!("Errors of the `", stringify!(#error_names), "` pallet.")]
                #[codec(index = #error_indices)]
                #error_names(#error_paths::Error<#runtime>),
            )*
        }

        /// The genesis configuration of every pallet that has one.
        #[derive(Default, #private::serde::Serialize, #private::serde::Deserialize)]
        #[serde(crate = "dfs_support::__private::serde")]
        #[serde(rename_all = "camelCase", deny_unknown_fields, default)]
        #vis struct RuntimeGenesisConfig {
            #(
                #[doc = "This pallet's genesis configuration."]
                pub #genesis_fields: #genesis_paths::GenesisConfig,
            )*
        }

        impl RuntimeGenesisConfig {
            /// Writes every pallet's genesis state into the current storage, or says which
            /// pallet's configuration is unusable and why.
            pub fn build(&self) -> Result<(), #private::String> {
                #(
                    <#genesis_paths::GenesisConfig as #support::traits::BuildGenesisConfig<#runtime>>::build(
                        &self.#genesis_fields
                    )
                    .map_err(|error| #private::format!("{}: {}", stringify!(#genesis_fields), error))?;
                )*
                Ok(())
            }
        }

        impl #support::traits::RuntimeHooks for #runtime {
            fn on_initialize_all(block: #support::BlockNumber) -> #private::dfs_runtime_primitives::Weight {
                let mut weight = #private::dfs_runtime_primitives::Weight::ZERO;
                #(
                    weight = weight.saturating_add(
                        <#paths::Pallet<#runtime> as #support::traits::Hooks>::on_initialize(block)
                    );
                )*
                weight
            }

            fn on_finalize_all(block: #support::BlockNumber) {
                #(<#paths::Pallet<#runtime> as #support::traits::Hooks>::on_finalize(block);)*
            }

            fn inherents_applied_all() -> bool {
                true #(&& <#paths::Pallet<#runtime> as #support::traits::Hooks>::inherents_applied())*
            }

            fn on_runtime_upgrade_all() -> #private::dfs_runtime_primitives::Weight {
                let mut weight = #private::dfs_runtime_primitives::Weight::ZERO;
                #(
                    weight = weight.saturating_add(
                        <#paths::Pallet<#runtime> as #support::traits::Hooks>::on_runtime_upgrade()
                    );
                )*
                weight
            }
        }

        impl #runtime {
            /// What each pallet contributes to the metadata, in index order.
            pub fn pallet_descriptions() -> #private::Vec<#support::metadata::PalletDescription> {
                let mut pallets = #private::vec![#(#descriptions),*];
                pallets.sort_by_key(|pallet| pallet.index);
                pallets
            }
        }
    }
}
