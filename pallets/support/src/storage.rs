//! Typed storage items: values, maps and double maps over the runtime's key-value state.
//!
//! Keys follow Substrate: `twox128(pallet) ++ twox128(item)` for a value, followed
//! by `hasher(encode(key))` for each map key. A value that no longer decodes
//! (state written by another runtime version) reads as absent and is logged,
//! never a panic.

use alloc::vec::Vec;
use codec::{Decode, Encode, FullCodec};
use core::marker::PhantomData;
use frame_metadata::v14::{StorageEntryMetadata, StorageEntryModifier, StorageEntryType};
use scale_info::{meta_type, StaticTypeInfo};

use crate::hashers::{ReversibleStorageHasher, StorageHasher};

/// Names a storage item: its pallet's prefix and its own name.
pub trait StoragePrefix: 'static {
    /// The pallet's storage prefix (its name in the runtime).
    const PALLET: &'static str;
    /// The item's name.
    const STORAGE: &'static str;

    /// `twox128(pallet) ++ twox128(item)`.
    fn final_prefix() -> [u8; 32] {
        let mut out = [0u8; 32];
        out[..16].copy_from_slice(&dfs_io::hashing::twox_128(Self::PALLET.as_bytes()));
        out[16..].copy_from_slice(&dfs_io::hashing::twox_128(Self::STORAGE.as_bytes()));
        out
    }
}

/// What reading an absent key yields.
pub trait QueryKind<V>: 'static {
    /// The type a read returns.
    type Query;
    /// Metadata's name for this behaviour.
    const MODIFIER: StorageEntryModifier;
    /// A stored value (or its absence) as a query result.
    fn from_optional(value: Option<V>) -> Self::Query;
    /// A query result to store (`None` deletes).
    fn to_optional(query: Self::Query) -> Option<V>;
    /// The encoded value an absent key reads as, for metadata.
    fn default_encoded() -> Vec<u8>;
}

/// Absent keys read as `None`.
pub struct OptionQuery;

impl<V: Encode> QueryKind<V> for OptionQuery {
    type Query = Option<V>;
    const MODIFIER: StorageEntryModifier = StorageEntryModifier::Optional;
    fn from_optional(value: Option<V>) -> Option<V> {
        value
    }
    fn to_optional(query: Option<V>) -> Option<V> {
        query
    }
    fn default_encoded() -> Vec<u8> {
        alloc::vec![0]
    }
}

/// Absent keys read as `V::default()`.
pub struct ValueQuery;

impl<V: Encode + Default> QueryKind<V> for ValueQuery {
    type Query = V;
    const MODIFIER: StorageEntryModifier = StorageEntryModifier::Default;
    fn from_optional(value: Option<V>) -> V {
        value.unwrap_or_default()
    }
    fn to_optional(query: V) -> Option<V> {
        Some(query)
    }
    fn default_encoded() -> Vec<u8> {
        V::default().encode()
    }
}

/// Absent keys read as `D::get()`: for values whose natural default is not `Default`
/// (a fee multiplier of one, say).
pub struct ValueQueryOr<D>(PhantomData<D>);

impl<V: Encode, D: crate::traits::Get<V> + 'static> QueryKind<V> for ValueQueryOr<D> {
    type Query = V;
    const MODIFIER: StorageEntryModifier = StorageEntryModifier::Default;
    fn from_optional(value: Option<V>) -> V {
        value.unwrap_or_else(D::get)
    }
    fn to_optional(query: V) -> Option<V> {
        Some(query)
    }
    fn default_encoded() -> Vec<u8> {
        D::get().encode()
    }
}

/// Raw access to storage by key, for items without a typed declaration.
pub mod unhashed {
    use super::*;

    /// Reads and decodes the value at `key`; undecodable values read as `None`.
    pub fn get<V: Decode>(key: &[u8]) -> Option<V> {
        let bytes = dfs_io::storage::get(key)?;
        match V::decode(&mut &bytes[..]) {
            Ok(value) => Some(value),
            Err(_) => {
                log::error!(
                    target: "runtime::storage",
                    "corrupted state at 0x{}: value does not decode",
                    hex::encode(key)
                );
                None
            }
        }
    }

    /// Encodes and stores `value` at `key`.
    pub fn put<V: Encode + ?Sized>(key: &[u8], value: &V) {
        value.using_encoded(|bytes| dfs_io::storage::set(key, bytes));
    }

    /// Deletes the value at `key`.
    pub fn kill(key: &[u8]) {
        dfs_io::storage::clear(key);
    }

    /// Whether `key` holds a value.
    pub fn exists(key: &[u8]) -> bool {
        dfs_io::storage::exists(key)
    }
}

/// Reads the value at `hashed` as a query result, lets `f` change it, and stores the result
/// if `f` succeeds (a `None` result deletes the key).
fn try_mutate_at<V: FullCodec, Q: QueryKind<V>, R, E>(
    hashed: &[u8],
    f: impl FnOnce(&mut Q::Query) -> Result<R, E>,
) -> Result<R, E> {
    let mut value = Q::from_optional(unhashed::get(hashed));
    let result = f(&mut value)?;
    match Q::to_optional(value) {
        Some(value) => unhashed::put(hashed, &value),
        None => unhashed::kill(hashed),
    }
    Ok(result)
}

/// [`try_mutate_at`] for changes that cannot fail.
fn mutate_at<V: FullCodec, Q: QueryKind<V>, R>(
    hashed: &[u8],
    f: impl FnOnce(&mut Q::Query) -> R,
) -> R {
    match try_mutate_at::<V, Q, R, core::convert::Infallible>(hashed, |value| Ok(f(value))) {
        Ok(result) => result,
        Err(never) => match never {},
    }
}

/// Everything a storage item contributes to metadata.
pub trait StorageEntryMetadataBuilder {
    /// The item's metadata entry.
    fn entry_metadata(docs: Vec<&'static str>) -> StorageEntryMetadata;
}

/// A single value.
pub struct StorageValue<Prefix, Value, Query = OptionQuery>(PhantomData<(Prefix, Value, Query)>);

impl<P, V, Q> StorageValue<P, V, Q>
where
    P: StoragePrefix,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The storage key.
    pub fn hashed_key() -> [u8; 32] {
        P::final_prefix()
    }

    /// Reads the value.
    pub fn get() -> Q::Query {
        Q::from_optional(unhashed::get(&Self::hashed_key()))
    }

    /// Whether a value is stored.
    pub fn exists() -> bool {
        unhashed::exists(&Self::hashed_key())
    }

    /// Stores `value`.
    pub fn put<Arg: codec::EncodeLike<V>>(value: Arg) {
        unhashed::put(&Self::hashed_key(), &value);
    }

    /// Stores a query result (`None` under [`OptionQuery`] deletes).
    pub fn set(query: Q::Query) {
        match Q::to_optional(query) {
            Some(value) => Self::put(value),
            None => Self::kill(),
        }
    }

    /// Deletes the value.
    pub fn kill() {
        unhashed::kill(&Self::hashed_key());
    }

    /// Reads and deletes the value.
    pub fn take() -> Q::Query {
        let value = Self::get();
        Self::kill();
        value
    }

    /// Changes the value in place.
    pub fn mutate<R>(f: impl FnOnce(&mut Q::Query) -> R) -> R {
        mutate_at::<V, Q, R>(&Self::hashed_key(), f)
    }

    /// Changes the value in place if `f` succeeds; leaves it untouched otherwise.
    pub fn try_mutate<R, E>(f: impl FnOnce(&mut Q::Query) -> Result<R, E>) -> Result<R, E> {
        try_mutate_at::<V, Q, R, E>(&Self::hashed_key(), f)
    }

    /// Appends `item` to a stored `Vec` without decoding it.
    pub fn append<Item: Encode>(item: Item)
    where
        V: AppendableVec<Item>,
    {
        item.using_encoded(|bytes| dfs_io::storage::append(&Self::hashed_key(), bytes));
    }

    /// The length of a stored `Vec` without decoding its items.
    pub fn decode_len() -> Option<usize>
    where
        V: AppendableVec<()>,
    {
        // The compact length prefix takes at most 5 bytes: read those, not the whole value.
        let mut head = [0u8; 5];
        let held = dfs_io::storage::read(&Self::hashed_key(), &mut head, 0)?;
        let head = &head[..head.len().min(held as usize)];
        codec::Compact::<u32>::decode(&mut &head[..]).ok().map(|len| len.0 as usize)
    }
}

/// `Vec`s, whose stored form can be appended to in place.
pub trait AppendableVec<Item> {}
impl<Item, T> AppendableVec<Item> for Vec<T> {}
// A digest encodes as its list of items: an item appends to it as to a `Vec`.
impl AppendableVec<dfs_runtime_primitives::generic::DigestItem>
    for dfs_runtime_primitives::generic::Digest
{
}

impl<P, V, Q> StorageEntryMetadataBuilder for StorageValue<P, V, Q>
where
    P: StoragePrefix,
    V: FullCodec + StaticTypeInfo,
    Q: QueryKind<V>,
{
    fn entry_metadata(docs: Vec<&'static str>) -> StorageEntryMetadata {
        StorageEntryMetadata {
            name: P::STORAGE,
            modifier: Q::MODIFIER,
            ty: StorageEntryType::Plain(meta_type::<V>()),
            default: Q::default_encoded(),
            docs,
        }
    }
}

/// Iterates the entries under a prefix, decoding each with `decode(key_suffix, value)`.
pub struct PrefixIterator<Item> {
    prefix: Vec<u8>,
    previous_key: Vec<u8>,
    decode: fn(&[u8], &[u8]) -> Option<Item>,
}

impl<Item> PrefixIterator<Item> {
    /// Iterates the keys starting with `prefix`.
    pub fn new(prefix: Vec<u8>, decode: fn(&[u8], &[u8]) -> Option<Item>) -> Self {
        PrefixIterator { previous_key: prefix.clone(), prefix, decode }
    }
}

impl<Item> Iterator for PrefixIterator<Item> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let key = dfs_io::storage::next_key(&self.previous_key)?;
            if !key.starts_with(&self.prefix) {
                return None;
            }
            self.previous_key = key;
            let Some(value) = dfs_io::storage::get(&self.previous_key) else { continue };
            match (self.decode)(&self.previous_key[self.prefix.len()..], &value) {
                Some(item) => return Some(item),
                None => log::error!(
                    target: "runtime::storage",
                    "corrupted state at 0x{}: entry does not decode",
                    hex::encode(&self.previous_key)
                ),
            }
        }
    }
}

/// A map from keys to values, keys hashed with `Hasher`.
pub struct StorageMap<Prefix, Hasher, Key, Value, Query = OptionQuery>(
    PhantomData<(Prefix, Hasher, Key, Value, Query)>,
);

impl<P, H, K, V, Q> StorageMap<P, H, K, V, Q>
where
    P: StoragePrefix,
    H: StorageHasher,
    K: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The storage key of `key`.
    pub fn hashed_key_for<KeyArg: codec::EncodeLike<K>>(key: KeyArg) -> Vec<u8> {
        let mut out = P::final_prefix().to_vec();
        key.using_encoded(|encoded| out.extend_from_slice(&H::hash(encoded)));
        out
    }

    /// Reads the value at `key`.
    pub fn get<KeyArg: codec::EncodeLike<K>>(key: KeyArg) -> Q::Query {
        Q::from_optional(unhashed::get(&Self::hashed_key_for(key)))
    }

    /// The value stored at `key`, `None` if there is none (whatever the query kind): one
    /// read where `contains_key` then `get` would be two.
    pub fn try_get<KeyArg: codec::EncodeLike<K>>(key: KeyArg) -> Option<V> {
        unhashed::get(&Self::hashed_key_for(key))
    }

    /// Whether `key` holds a value.
    pub fn contains_key<KeyArg: codec::EncodeLike<K>>(key: KeyArg) -> bool {
        unhashed::exists(&Self::hashed_key_for(key))
    }

    /// Stores `value` at `key`.
    pub fn insert<KeyArg: codec::EncodeLike<K>, ValArg: codec::EncodeLike<V>>(
        key: KeyArg,
        value: ValArg,
    ) {
        unhashed::put(&Self::hashed_key_for(key), &value);
    }

    /// Stores a query result at `key` (`None` under [`OptionQuery`] deletes).
    pub fn set<KeyArg: codec::EncodeLike<K>>(key: KeyArg, query: Q::Query) {
        let hashed = Self::hashed_key_for(key);
        match Q::to_optional(query) {
            Some(value) => unhashed::put(&hashed, &value),
            None => unhashed::kill(&hashed),
        }
    }

    /// Deletes the value at `key`.
    pub fn remove<KeyArg: codec::EncodeLike<K>>(key: KeyArg) {
        unhashed::kill(&Self::hashed_key_for(key));
    }

    /// Reads and deletes the value at `key`.
    pub fn take<KeyArg: codec::EncodeLike<K>>(key: KeyArg) -> Q::Query {
        let hashed = Self::hashed_key_for(key);
        let value = unhashed::get(&hashed);
        unhashed::kill(&hashed);
        Q::from_optional(value)
    }

    /// Changes the value at `key` in place.
    pub fn mutate<KeyArg: codec::EncodeLike<K>, R>(
        key: KeyArg,
        f: impl FnOnce(&mut Q::Query) -> R,
    ) -> R {
        mutate_at::<V, Q, R>(&Self::hashed_key_for(key), f)
    }

    /// Changes the value at `key` in place if `f` succeeds.
    pub fn try_mutate<KeyArg: codec::EncodeLike<K>, R, E>(
        key: KeyArg,
        f: impl FnOnce(&mut Q::Query) -> Result<R, E>,
    ) -> Result<R, E> {
        try_mutate_at::<V, Q, R, E>(&Self::hashed_key_for(key), f)
    }

    /// Changes the value at `key` seen as an `Option` (set to `None` to delete), if `f` succeeds.
    pub fn try_mutate_exists<KeyArg: codec::EncodeLike<K>, R, E>(
        key: KeyArg,
        f: impl FnOnce(&mut Option<V>) -> Result<R, E>,
    ) -> Result<R, E> {
        try_mutate_at::<V, OptionQuery, R, E>(&Self::hashed_key_for(key), f)
    }

    /// Deletes up to `limit` entries; returns how many, and whether the map is now empty.
    pub fn clear(limit: Option<u32>) -> (u32, bool) {
        dfs_io::storage::clear_prefix(&P::final_prefix(), limit)
    }

    /// The values, in key-hash order.
    pub fn iter_values() -> PrefixIterator<V> {
        PrefixIterator::new(P::final_prefix().to_vec(), |_, mut value| V::decode(&mut value).ok())
    }
}

impl<P, H, K, V, Q> StorageMap<P, H, K, V, Q>
where
    P: StoragePrefix,
    H: ReversibleStorageHasher,
    K: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The entries, in key-hash order.
    pub fn iter() -> PrefixIterator<(K, V)> {
        PrefixIterator::new(P::final_prefix().to_vec(), |suffix, mut value| {
            let mut key = H::reverse(suffix)?;
            let key = K::decode(&mut key).ok()?;
            Some((key, V::decode(&mut value).ok()?))
        })
    }

    /// The keys, in key-hash order.
    pub fn iter_keys() -> PrefixIterator<K> {
        PrefixIterator::new(P::final_prefix().to_vec(), |suffix, _| {
            K::decode(&mut H::reverse(suffix)?).ok()
        })
    }
}

impl<P, H, K, V, Q> StorageEntryMetadataBuilder for StorageMap<P, H, K, V, Q>
where
    P: StoragePrefix,
    H: StorageHasher,
    K: FullCodec + StaticTypeInfo,
    V: FullCodec + StaticTypeInfo,
    Q: QueryKind<V>,
{
    fn entry_metadata(docs: Vec<&'static str>) -> StorageEntryMetadata {
        StorageEntryMetadata {
            name: P::STORAGE,
            modifier: Q::MODIFIER,
            ty: StorageEntryType::Map {
                hashers: alloc::vec![H::METADATA],
                key: meta_type::<K>(),
                value: meta_type::<V>(),
            },
            default: Q::default_encoded(),
            docs,
        }
    }
}

/// A map keyed by two keys, each hashed with its own hasher; entries sharing the first key
/// can be iterated and cleared together.
pub struct StorageDoubleMap<Prefix, Hasher1, Key1, Hasher2, Key2, Value, Query = OptionQuery>(
    PhantomData<(Prefix, Hasher1, Key1, Hasher2, Key2, Value, Query)>,
);

impl<P, H1, K1, H2, K2, V, Q> StorageDoubleMap<P, H1, K1, H2, K2, V, Q>
where
    P: StoragePrefix,
    H1: StorageHasher,
    K1: FullCodec,
    H2: StorageHasher,
    K2: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The storage key prefix shared by all entries under `key1`.
    pub fn prefix_for<KArg1: codec::EncodeLike<K1>>(key1: KArg1) -> Vec<u8> {
        let mut out = P::final_prefix().to_vec();
        key1.using_encoded(|encoded| out.extend_from_slice(&H1::hash(encoded)));
        out
    }

    /// The storage key of `(key1, key2)`.
    pub fn hashed_key_for<KArg1: codec::EncodeLike<K1>, KArg2: codec::EncodeLike<K2>>(
        key1: KArg1,
        key2: KArg2,
    ) -> Vec<u8> {
        let mut out = Self::prefix_for(key1);
        key2.using_encoded(|encoded| out.extend_from_slice(&H2::hash(encoded)));
        out
    }

    /// Reads the value at `(key1, key2)`.
    pub fn get<KArg1: codec::EncodeLike<K1>, KArg2: codec::EncodeLike<K2>>(
        key1: KArg1,
        key2: KArg2,
    ) -> Q::Query {
        Q::from_optional(unhashed::get(&Self::hashed_key_for(key1, key2)))
    }

    /// Whether `(key1, key2)` holds a value.
    pub fn contains_key<KArg1: codec::EncodeLike<K1>, KArg2: codec::EncodeLike<K2>>(
        key1: KArg1,
        key2: KArg2,
    ) -> bool {
        unhashed::exists(&Self::hashed_key_for(key1, key2))
    }

    /// Stores `value` at `(key1, key2)`.
    pub fn insert<
        KArg1: codec::EncodeLike<K1>,
        KArg2: codec::EncodeLike<K2>,
        VArg: codec::EncodeLike<V>,
    >(
        key1: KArg1,
        key2: KArg2,
        value: VArg,
    ) {
        unhashed::put(&Self::hashed_key_for(key1, key2), &value);
    }

    /// Deletes the value at `(key1, key2)`.
    pub fn remove<KArg1: codec::EncodeLike<K1>, KArg2: codec::EncodeLike<K2>>(
        key1: KArg1,
        key2: KArg2,
    ) {
        unhashed::kill(&Self::hashed_key_for(key1, key2));
    }

    /// Changes the value at `(key1, key2)` in place.
    pub fn mutate<KArg1: codec::EncodeLike<K1>, KArg2: codec::EncodeLike<K2>, R>(
        key1: KArg1,
        key2: KArg2,
        f: impl FnOnce(&mut Q::Query) -> R,
    ) -> R {
        mutate_at::<V, Q, R>(&Self::hashed_key_for(key1, key2), f)
    }

    /// Deletes up to `limit` entries under `key1`.
    pub fn clear_prefix<KArg1: codec::EncodeLike<K1>>(
        key1: KArg1,
        limit: Option<u32>,
    ) -> (u32, bool) {
        dfs_io::storage::clear_prefix(&Self::prefix_for(key1), limit)
    }
}

impl<P, H1, K1, H2, K2, V, Q> StorageDoubleMap<P, H1, K1, H2, K2, V, Q>
where
    P: StoragePrefix,
    H1: StorageHasher,
    K1: FullCodec,
    H2: ReversibleStorageHasher,
    K2: FullCodec,
    V: FullCodec,
    Q: QueryKind<V>,
{
    /// The `(key2, value)` entries under `key1`.
    pub fn iter_prefix<KArg1: codec::EncodeLike<K1>>(key1: KArg1) -> PrefixIterator<(K2, V)> {
        PrefixIterator::new(Self::prefix_for(key1), |suffix, mut value| {
            let key2 = K2::decode(&mut H2::reverse(suffix)?).ok()?;
            Some((key2, V::decode(&mut value).ok()?))
        })
    }
}

impl<P, H1, K1, H2, K2, V, Q> StorageEntryMetadataBuilder
    for StorageDoubleMap<P, H1, K1, H2, K2, V, Q>
where
    P: StoragePrefix,
    H1: StorageHasher,
    K1: FullCodec + StaticTypeInfo,
    H2: StorageHasher,
    K2: FullCodec + StaticTypeInfo,
    V: FullCodec + StaticTypeInfo,
    Q: QueryKind<V>,
{
    fn entry_metadata(docs: Vec<&'static str>) -> StorageEntryMetadata {
        StorageEntryMetadata {
            name: P::STORAGE,
            modifier: Q::MODIFIER,
            ty: StorageEntryType::Map {
                hashers: alloc::vec![H1::METADATA, H2::METADATA],
                key: meta_type::<(K1, K2)>(),
                value: meta_type::<V>(),
            },
            default: Q::default_encoded(),
            docs,
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::hashers::{Blake2_128Concat, Twox64Concat};
    use dfs_io::state::TestExternalities;

    struct Numbers;
    impl StoragePrefix for Numbers {
        const PALLET: &'static str = "System";
        const STORAGE: &'static str = "Number";
    }
    struct Accounts;
    impl StoragePrefix for Accounts {
        const PALLET: &'static str = "System";
        const STORAGE: &'static str = "Account";
    }
    struct Pairs;
    impl StoragePrefix for Pairs {
        const PALLET: &'static str = "Test";
        const STORAGE: &'static str = "Pairs";
    }

    type Number = StorageValue<Numbers, u32, ValueQuery>;
    type Account = StorageMap<Accounts, Blake2_128Concat, [u8; 32], u64>;
    type Pair = StorageDoubleMap<Pairs, Twox64Concat, u32, Blake2_128Concat, u32, u8, ValueQuery>;

    #[test]
    fn keys_match_substrate() {
        assert_eq!(
            hex::encode(Number::hashed_key()),
            "26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac"
        );
        let mut alice = [0u8; 32];
        hex::decode_to_slice(
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
            &mut alice,
        )
        .unwrap();
        assert_eq!(
            hex::encode(Account::hashed_key_for(alice)),
            "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9\
             de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
    }

    #[test]
    fn value_and_map_operations() {
        TestExternalities::default().execute_with(|| {
            assert_eq!(Number::get(), 0);
            Number::put(7);
            Number::mutate(|n| *n += 1);
            assert_eq!(Number::get(), 8);
            assert_eq!(
                Number::try_mutate(|n| if *n > 100 { Ok(()) } else { Err("small") }),
                Err("small")
            );
            assert_eq!(Number::take(), 8);
            assert!(!Number::exists());

            for i in 0..5u8 {
                Account::insert([i; 32], u64::from(i) * 10);
            }
            assert_eq!(Account::get([3; 32]), Some(30));
            assert_eq!(Account::take([3; 32]), Some(30));
            assert!(!Account::contains_key([3; 32]));
            let mut entries: Vec<_> = Account::iter().collect();
            entries.sort();
            assert_eq!(entries, vec![([0; 32], 0), ([1; 32], 10), ([2; 32], 20), ([4; 32], 40)]);
            Account::mutate([9; 32], |v| *v = Some(90));
            assert_eq!(
                Account::try_mutate_exists([9; 32], |v| {
                    *v = None;
                    Ok::<_, ()>(())
                }),
                Ok(())
            );
            assert!(!Account::contains_key([9; 32]));
            assert_eq!(Account::clear(Some(2)), (2, false));
            assert_eq!(Account::iter_keys().count(), 2);
            assert_eq!(Account::clear(None), (2, true));
        });
    }

    #[test]
    fn double_map_prefix_operations() {
        TestExternalities::default().execute_with(|| {
            for a in 0..3u32 {
                for b in 0..4u32 {
                    Pair::insert(a, b, (a * 10 + b) as u8);
                }
            }
            let mut row: Vec<_> = Pair::iter_prefix(1).collect();
            row.sort();
            assert_eq!(row, vec![(0, 10), (1, 11), (2, 12), (3, 13)]);
            assert_eq!(Pair::clear_prefix(1, None), (4, true));
            assert_eq!(Pair::get(1, 2), 0);
            assert_eq!(Pair::get(2, 3), 23);
        });
    }

    #[test]
    fn undecodable_values_read_as_absent() {
        TestExternalities::default().execute_with(|| {
            unhashed::put(&Account::hashed_key_for([1; 32]), &[1u8, 2, 3][..]);
            assert_eq!(Account::get([1; 32]), None);
            assert_eq!(Account::iter().count(), 0);
        });
    }

    #[test]
    fn appending_to_a_vec() {
        struct List;
        impl StoragePrefix for List {
            const PALLET: &'static str = "Test";
            const STORAGE: &'static str = "List";
        }
        type Items = StorageValue<List, Vec<u16>, ValueQuery>;
        TestExternalities::default().execute_with(|| {
            for i in 0..3u16 {
                Items::append(i);
            }
            assert_eq!(Items::get(), vec![0, 1, 2]);
            assert_eq!(Items::decode_len(), Some(3));
        });
    }
}
