//! Reads a `#[pallet]` module into a [`PalletDef`]: which item plays which part.
//!
//! The `#[pallet::…]` attributes are removed from the items as they are read;
//! an unknown one, a missing `call_index` or `weight`, or an item of the wrong
//! shape is an error pointing at the user's code.

use syn::{
    parse::Parser, spanned::Spanned, Attribute, Error, Expr, FnArg, GenericArgument, Ident,
    ImplItem, Item, ItemMod, LitInt, LitStr, Pat, PathArguments, Result, TraitItem, Type,
    TypeParamBound,
};

/// A constant declared in `Config` as `#[pallet::constant] type Name: Get<Value>;`.
pub struct ConstantDef {
    pub ident: Ident,
    pub value_ty: Type,
    pub docs: Vec<LitStr>,
}

/// A storage item: `#[pallet::storage] pub type Name<T?> = StorageKind<_, …>;`.
pub struct StorageDef {
    pub ident: Ident,
    pub generic: bool,
    pub docs: Vec<LitStr>,
}

/// One dispatchable function of the `#[pallet::call]` block.
pub struct CallFnDef {
    pub ident: Ident,
    pub index: u8,
    pub weight: Expr,
    /// Arguments after the origin: name, type, whether `#[pallet::compact]`.
    pub args: Vec<(Ident, Type, bool)>,
    pub docs: Vec<LitStr>,
}

/// The parsed pallet.
pub struct PalletDef {
    /// The name given in `#[pallet(name = "…")]`.
    pub name: LitStr,
    /// The module, its `#[pallet::…]` attributes removed.
    pub module: ItemMod,
    pub constants: Vec<ConstantDef>,
    pub storages: Vec<StorageDef>,
    pub has_event: bool,
    /// The error variants, if the pallet declares errors.
    pub errors: Option<Vec<(Ident, Vec<LitStr>)>>,
    /// The dispatchable functions, if the pallet declares a call block.
    pub calls: Option<Vec<CallFnDef>>,
    pub has_hooks: bool,
    pub has_genesis_config: bool,
    pub has_genesis_build: bool,
    pub docs: Vec<LitStr>,
}

/// The parts an item can play, from its `#[pallet::…]` attribute.
enum Part {
    Config,
    Pallet,
    Storage,
    Event,
    Error,
    Call,
    Hooks,
    GenesisConfig,
    GenesisBuild,
}

const PARTS: &str = "config, pallet, storage, event, error, call, hooks, genesis_config, \
                     genesis_build (and constant, call_index, weight, compact inside them)";

/// Whether `attr` is `#[pallet::…]`, and if so the word after `pallet::`.
fn pallet_attr_name(attr: &Attribute) -> Option<&Ident> {
    let path = attr.path();
    if path.segments.len() == 2 && path.segments[0].ident == "pallet" {
        Some(&path.segments[1].ident)
    } else {
        None
    }
}

/// Removes and returns the `#[pallet::…]` attributes of an item.
fn take_pallet_attrs(attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
    let (pallet, other): (Vec<_>, Vec<_>) =
        attrs.drain(..).partition(|attr| pallet_attr_name(attr).is_some());
    *attrs = other;
    pallet
}

/// The text of the `///` doc comments.
pub fn docs_of(attrs: &[Attribute]) -> Vec<LitStr> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn part_of(attrs: &mut Vec<Attribute>, item_span: proc_macro2::Span) -> Result<Option<Part>> {
    let found = take_pallet_attrs(attrs);
    let mut part = None;
    for attr in &found {
        let name = pallet_attr_name(attr).expect("filtered on pallet attributes");
        let this = match name.to_string().as_str() {
            "config" => Part::Config,
            "pallet" => Part::Pallet,
            "storage" => Part::Storage,
            "event" => Part::Event,
            "error" => Part::Error,
            "call" => Part::Call,
            "hooks" => Part::Hooks,
            "genesis_config" => Part::GenesisConfig,
            "genesis_build" => Part::GenesisBuild,
            _ => {
                return Err(Error::new(
                    name.span(),
                    format!("unknown pallet attribute `pallet::{name}`; expected one of: {PARTS}"),
                ))
            }
        };
        if part.replace(this).is_some() {
            return Err(Error::new(attr.span(), "an item can play only one pallet part"));
        }
    }
    let _ = item_span;
    Ok(part)
}

fn duplicate(span: proc_macro2::Span, what: &str) -> Error {
    Error::new(span, format!("a pallet has at most one {what}"))
}

impl PalletDef {
    pub fn parse(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Result<Self> {
        let name = parse_name_argument(attr)?;
        let mut module: ItemMod = syn::parse2(item)?;
        let docs = docs_of(&module.attrs);
        let mod_span = module.span();
        let mut def = PalletDef {
            name,
            module: ItemMod { content: None, ..module.clone() },
            constants: Vec::new(),
            storages: Vec::new(),
            has_event: false,
            errors: None,
            calls: None,
            has_hooks: false,
            has_genesis_config: false,
            has_genesis_build: false,
            docs,
        };
        let (mut has_config, mut has_pallet) = (false, false);
        let Some((_, items)) = module.content.as_mut() else {
            return Err(Error::new(
                mod_span,
                "#[pallet] needs a module with a body: `mod pallet { … }`",
            ));
        };

        for item in items.iter_mut() {
            let span = item.span();
            let part = match item {
                Item::Trait(x) => part_of(&mut x.attrs, span)?,
                Item::Struct(x) => part_of(&mut x.attrs, span)?,
                Item::Type(x) => part_of(&mut x.attrs, span)?,
                Item::Enum(x) => part_of(&mut x.attrs, span)?,
                Item::Impl(x) => part_of(&mut x.attrs, span)?,
                _ => None,
            };
            let Some(part) = part else { continue };
            match (part, item) {
                (Part::Config, Item::Trait(config)) => {
                    if std::mem::replace(&mut has_config, true) {
                        return Err(duplicate(span, "config trait"));
                    }
                    if config.ident != "Config" {
                        return Err(Error::new(
                            config.ident.span(),
                            "the config trait must be named `Config`",
                        ));
                    }
                    def.constants = parse_constants(config)?;
                }
                (Part::Pallet, Item::Struct(pallet)) => {
                    if std::mem::replace(&mut has_pallet, true) {
                        return Err(duplicate(span, "pallet struct"));
                    }
                    if pallet.ident != "Pallet" || pallet.generics.params.len() != 1 {
                        return Err(Error::new(
                            pallet.ident.span(),
                            "expected `pub struct Pallet<T>(_);`",
                        ));
                    }
                }
                (Part::Storage, Item::Type(storage)) => {
                    let generic = match storage.generics.params.len() {
                        0 => false,
                        1 => true,
                        _ => {
                            return Err(Error::new(
                                storage.generics.span(),
                                "a storage item takes no generics or just `<T: Config>`",
                            ))
                        }
                    };
                    check_storage_placeholder(&storage.ty)?;
                    def.storages.push(StorageDef {
                        ident: storage.ident.clone(),
                        generic,
                        docs: docs_of(&storage.attrs),
                    });
                }
                (Part::Event, Item::Enum(event)) => {
                    if std::mem::replace(&mut def.has_event, true) {
                        return Err(duplicate(span, "event enum"));
                    }
                    if event.ident != "Event" {
                        return Err(Error::new(
                            event.ident.span(),
                            "the event enum must be named `Event`",
                        ));
                    }
                    if !event.generics.params.is_empty() {
                        return Err(Error::new(
                            event.generics.span(),
                            "events are not generic: use concrete types such as `AccountId` and `Balance`",
                        ));
                    }
                }
                (Part::Error, Item::Enum(error)) => {
                    if def.errors.is_some() {
                        return Err(duplicate(span, "error enum"));
                    }
                    if error.ident != "Error" || error.generics.params.len() != 1 {
                        return Err(Error::new(
                            error.ident.span(),
                            "expected `pub enum Error<T> { … }`",
                        ));
                    }
                    let mut variants = Vec::new();
                    for variant in &error.variants {
                        if !matches!(variant.fields, syn::Fields::Unit) {
                            return Err(Error::new(
                                variant.fields.span(),
                                "error variants carry no data",
                            ));
                        }
                        variants.push((variant.ident.clone(), docs_of(&variant.attrs)));
                    }
                    def.errors = Some(variants);
                }
                (Part::Call, Item::Impl(calls)) => {
                    if def.calls.is_some() {
                        return Err(duplicate(span, "call block"));
                    }
                    def.calls = Some(parse_calls(calls)?);
                }
                (Part::Hooks, Item::Impl(_)) => {
                    if std::mem::replace(&mut def.has_hooks, true) {
                        return Err(duplicate(span, "hooks block"));
                    }
                }
                (Part::GenesisConfig, Item::Struct(config)) => {
                    if std::mem::replace(&mut def.has_genesis_config, true) {
                        return Err(duplicate(span, "genesis config"));
                    }
                    if config.ident != "GenesisConfig" || !config.generics.params.is_empty() {
                        return Err(Error::new(
                            config.ident.span(),
                            "expected `pub struct GenesisConfig { … }`",
                        ));
                    }
                }
                (Part::GenesisBuild, Item::Impl(_)) => {
                    if std::mem::replace(&mut def.has_genesis_build, true) {
                        return Err(duplicate(span, "genesis build"));
                    }
                }
                (_, item) => {
                    return Err(Error::new(
                        item.span(),
                        "this pallet attribute does not fit this kind of item",
                    ))
                }
            }
        }
        if !has_config {
            return Err(Error::new(
                mod_span,
                "a pallet needs `#[pallet::config] pub trait Config`",
            ));
        }
        if !has_pallet {
            return Err(Error::new(
                mod_span,
                "a pallet needs `#[pallet::pallet] pub struct Pallet<T>(_);`",
            ));
        }
        if def.has_genesis_config != def.has_genesis_build {
            return Err(Error::new(
                mod_span,
                "`genesis_config` and `genesis_build` come together: declare both or neither",
            ));
        }
        def.module = module;
        Ok(def)
    }
}

fn parse_name_argument(attr: proc_macro2::TokenStream) -> Result<LitStr> {
    let span = attr.span();
    let mut name = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            let value: LitStr = meta.value()?.parse()?;
            if value.value().is_empty() || !value.value().chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(Error::new(
                    value.span(),
                    "the pallet name is alphanumeric, e.g. \"Balances\"",
                ));
            }
            name = Some(value);
            Ok(())
        } else {
            Err(meta.error("expected `name = \"PalletName\"`"))
        }
    });
    parser.parse2(attr)?;
    name.ok_or_else(|| Error::new(span, "expected `#[pallet(name = \"PalletName\")]`"))
}

fn parse_constants(config: &mut syn::ItemTrait) -> Result<Vec<ConstantDef>> {
    let mut constants = Vec::new();
    for item in &mut config.items {
        let TraitItem::Type(ty) = item else {
            if let TraitItem::Const(c) = item {
                if let Some(attr) = take_pallet_attrs(&mut c.attrs).first() {
                    return Err(Error::new(attr.span(), "constants are `type Name: Get<Value>;`"));
                }
            }
            continue;
        };
        let attrs = take_pallet_attrs(&mut ty.attrs);
        let Some(attr) = attrs.first() else { continue };
        let name = pallet_attr_name(attr).expect("filtered on pallet attributes");
        if name != "constant" {
            return Err(Error::new(
                name.span(),
                "only `#[pallet::constant]` is allowed in `Config`",
            ));
        }
        let value_ty = ty
            .bounds
            .iter()
            .find_map(|bound| match bound {
                TypeParamBound::Trait(t) => {
                    let last = t.path.segments.last()?;
                    if last.ident != "Get" {
                        return None;
                    }
                    match &last.arguments {
                        PathArguments::AngleBracketed(args) => match args.args.first() {
                            Some(GenericArgument::Type(value)) => Some(value.clone()),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            })
            .ok_or_else(|| {
                Error::new(ty.ident.span(), "a constant must be bounded by `Get<Value>`")
            })?;
        constants.push(ConstantDef { ident: ty.ident.clone(), value_ty, docs: docs_of(&ty.attrs) });
    }
    Ok(constants)
}

fn check_storage_placeholder(ty: &Type) -> Result<()> {
    let error = || {
        Error::new(
            ty.span(),
            "expected `StorageValue<_, …>`, `StorageMap<_, …>` or `StorageDoubleMap<_, …>` with `_` first",
        )
    };
    let Type::Path(path) = ty else { return Err(error()) };
    let last = path.path.segments.last().ok_or_else(error)?;
    let PathArguments::AngleBracketed(args) = &last.arguments else { return Err(error()) };
    match args.args.first() {
        Some(GenericArgument::Type(Type::Infer(_))) => Ok(()),
        _ => Err(error()),
    }
}

/// Replaces the leading `_` of a storage type with the generated prefix type.
pub fn fill_storage_placeholder(ty: &mut Type, prefix: Type) {
    if let Type::Path(path) = ty {
        if let Some(last) = path.path.segments.last_mut() {
            if let PathArguments::AngleBracketed(args) = &mut last.arguments {
                if let Some(first) = args.args.first_mut() {
                    *first = GenericArgument::Type(prefix);
                }
            }
        }
    }
}

fn parse_calls(block: &mut syn::ItemImpl) -> Result<Vec<CallFnDef>> {
    let mut calls: Vec<CallFnDef> = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(function) = item else { continue };
        let attrs = take_pallet_attrs(&mut function.attrs);
        let (mut index, mut weight) = (None, None);
        for attr in &attrs {
            let name = pallet_attr_name(attr).expect("filtered on pallet attributes");
            match name.to_string().as_str() {
                "call_index" => {
                    let lit: LitInt = attr.parse_args()?;
                    index = Some(lit.base10_parse::<u8>()?);
                }
                "weight" => weight = Some(attr.parse_args::<Expr>()?),
                _ => {
                    return Err(Error::new(
                        name.span(),
                        "a call takes `#[pallet::call_index(n)]` and `#[pallet::weight(expr)]`",
                    ))
                }
            }
        }
        let ident = function.sig.ident.clone();
        let index = index.ok_or_else(|| {
            Error::new(ident.span(), "every call needs an explicit `#[pallet::call_index(n)]`")
        })?;
        let weight = weight.ok_or_else(|| {
            Error::new(ident.span(), "every call needs `#[pallet::weight(expr)]`")
        })?;
        if let Some(other) = calls.iter().find(|c| c.index == index) {
            return Err(Error::new(
                ident.span(),
                format!("call index {index} is already used by `{}`", other.ident),
            ));
        }
        let mut inputs = function.sig.inputs.iter_mut();
        match inputs.next() {
            Some(FnArg::Typed(_)) => {}
            _ => {
                return Err(Error::new(
                    function.sig.span(),
                    "a call's first argument is its origin: `origin: Origin`",
                ))
            }
        }
        let mut args = Vec::new();
        for input in inputs {
            let FnArg::Typed(arg) = input else {
                return Err(Error::new(input.span(), "calls take no `self`"));
            };
            let compact_attrs = take_pallet_attrs(&mut arg.attrs);
            let mut compact = false;
            for attr in &compact_attrs {
                if pallet_attr_name(attr).is_some_and(|n| n == "compact") {
                    compact = true;
                } else {
                    return Err(Error::new(
                        attr.span(),
                        "an argument takes only `#[pallet::compact]`",
                    ));
                }
            }
            let Pat::Ident(name) = &*arg.pat else {
                return Err(Error::new(arg.pat.span(), "call arguments are plain names"));
            };
            args.push((name.ident.clone(), (*arg.ty).clone(), compact));
        }
        calls.push(CallFnDef { ident, index, weight, args, docs: docs_of(&function.attrs) });
    }
    Ok(calls)
}
