//! Storage as the runtime sees it during a call: the committed state of a block
//! (a [`Backend`]) under an overlay of the changes made since, with nested
//! transaction layers for transactional dispatch.
//!
//! The same overlay serves native runtime tests (over an in-memory backend) and
//! the node's Wasm executor (over the trie database).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use dfs_core::H256;
use dfs_trie::StateVersion;

/// Storage keys and values.
pub type StorageKey = Vec<u8>;
/// A storage value.
pub type StorageValue = Vec<u8>;
/// The changes of a block: each key's new value, or `None` if deleted.
pub type StorageChanges = BTreeMap<StorageKey, Option<StorageValue>>;

/// Why the committed state could not be read (a missing or corrupt trie node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError(pub String);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "state backend: {}", self.0)
    }
}

impl std::error::Error for BackendError {}

/// Read access to the committed state a call runs on.
pub trait Backend {
    /// The value at `key`.
    fn storage(&self, key: &[u8]) -> Result<Option<StorageValue>, BackendError>;
    /// The smallest key strictly greater than `key`.
    fn next_storage_key(&self, key: &[u8]) -> Result<Option<StorageKey>, BackendError>;
    /// The blake2-256 hash of the value at `key` (a trie already knows it for large values).
    fn storage_hash(&self, key: &[u8]) -> Result<Option<H256>, BackendError> {
        Ok(self.storage(key)?.map(|value| H256(dfs_core::hashing::blake2_256(&value))))
    }
    /// The state root once `changes` are applied to this state. The changes are handed over:
    /// a backend may keep them (with the trie nodes built) for the commit that follows.
    fn storage_root(
        &self,
        changes: StorageChanges,
        version: StateVersion,
    ) -> Result<H256, BackendError>;
}

/// A whole state held in memory: genesis building and native tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InMemoryBackend {
    entries: BTreeMap<StorageKey, StorageValue>,
}

impl InMemoryBackend {
    /// A state holding `entries`.
    pub fn new(entries: BTreeMap<StorageKey, StorageValue>) -> Self {
        InMemoryBackend { entries }
    }

    /// Applies changes in place.
    pub fn apply(&mut self, changes: StorageChanges) {
        for (key, value) in changes {
            match value {
                Some(value) => {
                    self.entries.insert(key, value);
                }
                None => {
                    self.entries.remove(&key);
                }
            }
        }
    }

    /// The entries.
    pub fn entries(&self) -> &BTreeMap<StorageKey, StorageValue> {
        &self.entries
    }

    /// Takes the entries out.
    pub fn into_entries(self) -> BTreeMap<StorageKey, StorageValue> {
        self.entries
    }
}

impl Backend for InMemoryBackend {
    fn storage(&self, key: &[u8]) -> Result<Option<StorageValue>, BackendError> {
        Ok(self.entries.get(key).cloned())
    }

    fn next_storage_key(&self, key: &[u8]) -> Result<Option<StorageKey>, BackendError> {
        use std::ops::Bound::{Excluded, Unbounded};
        Ok(self.entries.range::<[u8], _>((Excluded(key), Unbounded)).next().map(|(k, _)| k.clone()))
    }

    fn storage_root(
        &self,
        changes: StorageChanges,
        version: StateVersion,
    ) -> Result<H256, BackendError> {
        let mut merged = self.entries.clone();
        for (key, value) in changes {
            match value {
                Some(value) => {
                    merged.insert(key, value);
                }
                None => {
                    merged.remove(&key);
                }
            }
        }
        Ok(dfs_trie::trie_root(version, merged))
    }
}

/// The changes made on top of a backend, with nested transaction layers.
///
/// Changes apply in place to one map; each open layer keeps an undo journal (the value a
/// key had when the layer first touched it, or the length an append started from), so
/// opening, committing and rolling back cost what the layer changed, never what the whole
/// overlay holds. Appends to an encoded `Vec` (the block's events) extend it in place.
///
/// Values sit in a hash map: a block reads and writes the same few thousand keys tens of
/// times each, and storage keys share long prefixes (32 bytes of pallet and item hashes),
/// which made every comparison of an ordered map's search a long `memcmp`. The keys are
/// also kept in order, entered once each, for `next_key`, `clear_prefix` and the state root.
#[derive(Debug, Clone, Default)]
pub struct OverlayedChanges {
    values: HashMap<StorageKey, Option<StorageValue>, KeyHasher>,
    ordered_keys: BTreeSet<StorageKey>,
    layers: Vec<Layer>,
}

/// The overlay's hasher: fast, and seeded at random per process, so that keys an attacker
/// chooses (account ids) cannot be ground into collisions offline.
type KeyHasher = foldhash::fast::RandomState;

/// How to undo one change of a layer.
#[derive(Debug, Clone)]
enum Undo {
    /// Put back what the overlay held for the key (`None`: the key was untouched).
    Restore { key: StorageKey, previous: Option<Option<StorageValue>> },
    /// Undo appends to the encoded `Vec` at the key: back to `count` items, `len` bytes.
    Truncate { key: StorageKey, count: u32, len: usize },
}

#[derive(Debug, Clone, Default)]
struct Layer {
    undo: Vec<Undo>,
    /// Keys with a `Restore` entry in this layer: later changes need no journal.
    restored: HashSet<StorageKey, KeyHasher>,
}

/// Deepest nesting of storage transactions (as FRAME's limit).
pub const MAX_TRANSACTION_DEPTH: usize = 255;

fn compact_len(count: u32) -> usize {
    use codec::CompactLen;
    codec::Compact::<u32>::compact_len(&count)
}

/// Rewrites an encoded `Vec` (currently `compact(count) ++ body`) to hold `new_count` items
/// and `body_len` body bytes.
fn reshape_encoded_vec(value: &mut StorageValue, count: u32, new_count: u32, body_len: usize) {
    use codec::Encode;
    let old_prefix = compact_len(count);
    let new_prefix = codec::Compact(new_count).encode();
    if new_prefix.len() == old_prefix {
        value.truncate(old_prefix + body_len);
        value[..old_prefix].copy_from_slice(&new_prefix);
    } else {
        let mut rebuilt = Vec::with_capacity(new_prefix.len() + body_len);
        rebuilt.extend_from_slice(&new_prefix);
        rebuilt.extend_from_slice(&value[old_prefix..old_prefix + body_len]);
        *value = rebuilt;
    }
}

impl OverlayedChanges {
    /// The overlay's view of `key`: `Some(Some(v))` set, `Some(None)` deleted, `None` untouched.
    pub fn get(&self, key: &[u8]) -> Option<Option<&StorageValue>> {
        self.values.get(key).map(Option::as_ref)
    }

    /// Records in the top layer how to undo a change to `key`, the first time it changes.
    fn journal(&mut self, key: &[u8]) {
        let Some(layer) = self.layers.last_mut() else { return };
        if layer.restored.insert(key.to_vec()) {
            layer
                .undo
                .push(Undo::Restore { key: key.to_vec(), previous: self.values.get(key).cloned() });
        }
    }

    /// Records a new value (or deletion).
    pub fn set(&mut self, key: StorageKey, value: Option<StorageValue>) {
        self.journal(&key);
        match self.values.get_mut(&key) {
            Some(slot) => *slot = value,
            None => {
                self.ordered_keys.insert(key.clone());
                self.values.insert(key, value);
            }
        }
    }

    /// Appends `item` in place to the encoded `Vec` the overlay holds at `key`; `false` (and
    /// nothing done) if the overlay holds no such value there.
    pub fn append_in_place(&mut self, key: &[u8], item: &[u8]) -> bool {
        use codec::Decode;
        let Some(Some(value)) = self.values.get_mut(key) else { return false };
        let Ok(codec::Compact(count)) = codec::Compact::<u32>::decode(&mut &value[..]) else {
            return false;
        };
        let Some(new_count) = count.checked_add(1) else { return false };
        if let Some(layer) = self.layers.last_mut() {
            if !layer.restored.contains(key) {
                layer.undo.push(Undo::Truncate { key: key.to_vec(), count, len: value.len() });
            }
        }
        let body_len = value.len() - compact_len(count);
        reshape_encoded_vec(value, count, new_count, body_len);
        value.extend_from_slice(item);
        true
    }

    /// The smallest key strictly after `key` that the overlay touches (set or deleted).
    fn next_touched_key(&self, key: &[u8]) -> Option<&StorageKey> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.ordered_keys.range::<[u8], _>((Excluded(key), Unbounded)).next()
    }

    /// Opens a transaction layer; `false` when the depth limit is reached.
    pub fn start_transaction(&mut self) -> bool {
        if self.layers.len() >= MAX_TRANSACTION_DEPTH {
            return false;
        }
        self.layers.push(Layer::default());
        true
    }

    /// Undoes the top layer's changes; `false` if no layer is open.
    pub fn rollback_transaction(&mut self) -> bool {
        let Some(layer) = self.layers.pop() else { return false };
        for undo in layer.undo.into_iter().rev() {
            match undo {
                Undo::Restore { key, previous: Some(value) } => {
                    self.values.insert(key, value);
                }
                Undo::Restore { key, previous: None } => {
                    self.values.remove(&key);
                    self.ordered_keys.remove(&key);
                }
                Undo::Truncate { key, count, len } => {
                    use codec::Decode;
                    if let Some(Some(value)) = self.values.get_mut(&key) {
                        if let Ok(codec::Compact(current)) =
                            codec::Compact::<u32>::decode(&mut &value[..])
                        {
                            reshape_encoded_vec(value, current, count, len - compact_len(count));
                        }
                    }
                }
            }
        }
        true
    }

    /// Keeps the top layer's changes (its journal moves to the layer below, which may still
    /// roll back); `false` if no layer is open.
    pub fn commit_transaction(&mut self) -> bool {
        let Some(top) = self.layers.pop() else { return false };
        if let Some(parent) = self.layers.last_mut() {
            parent.undo.extend(top.undo);
            parent.restored.extend(top.restored);
        }
        true
    }

    /// How many transaction layers are open.
    pub fn transaction_depth(&self) -> usize {
        self.layers.len()
    }

    /// All changes, open layers included (what the block would commit now).
    pub fn changes(&self) -> StorageChanges {
        self.ordered_keys
            .iter()
            .filter_map(|key| Some((key.clone(), self.values.get(key)?.clone())))
            .collect()
    }

    /// Takes the changes out, leaving the overlay empty. Open layers are rolled back first:
    /// a call that left a transaction open did not finish.
    pub fn drain_committed(&mut self) -> StorageChanges {
        while self.rollback_transaction() {}
        // In key order already: the map is built without sorting.
        let mut values = std::mem::take(&mut self.values);
        std::mem::take(&mut self.ordered_keys)
            .into_iter()
            .filter_map(|key| values.remove(&key).map(|value| (key, value)))
            .collect()
    }
}

/// The outcome of clearing a key prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClearPrefixOutcome {
    /// How many keys were removed.
    pub removed: u32,
    /// Whether every key under the prefix is gone (false if the limit stopped it).
    pub complete: bool,
}

/// The storage operations a runtime call can perform: what host functions expose.
pub trait Externalities {
    /// The value at `key`.
    fn storage(&mut self, key: &[u8]) -> Option<StorageValue>;
    /// Up to `max_len` bytes of the value at `key` from byte `offset` on, with how many bytes
    /// the value holds from `offset` on (`None`: no value). Reads a value's head, such as a
    /// `Vec`'s length prefix, without copying the whole value.
    fn read_storage(&mut self, key: &[u8], offset: u32, max_len: usize) -> Option<(u32, Vec<u8>)> {
        self.storage(key).map(|value| value_window(&value, offset, max_len))
    }
    /// Sets (`Some`) or deletes (`None`) the value at `key`.
    fn set_storage(&mut self, key: &[u8], value: Option<&[u8]>);
    /// Appends one encoded item to the SCALE `Vec` stored at `key` (creating it if absent).
    fn append_storage(&mut self, key: &[u8], item: &[u8]);
    /// Deletes up to `limit` keys starting with `prefix`.
    fn clear_prefix(&mut self, prefix: &[u8], limit: Option<u32>) -> ClearPrefixOutcome;
    /// The smallest existing key strictly after `key`.
    fn next_storage_key(&mut self, key: &[u8]) -> Option<StorageKey>;
    /// The state root with every change so far applied.
    fn storage_root(&mut self, version: StateVersion) -> H256;
    /// Opens a transaction layer; `false` when the depth limit is reached.
    fn start_transaction(&mut self) -> bool;
    /// Discards the top layer; `false` if none is open.
    fn rollback_transaction(&mut self) -> bool;
    /// Keeps the top layer's changes; `false` if none is open.
    fn commit_transaction(&mut self) -> bool;
}

/// The bytes of `value` from `offset` on, at most `max_len` of them, and how many it holds
/// from `offset` on (zero when `offset` is past its end).
pub fn value_window(value: &[u8], offset: u32, max_len: usize) -> (u32, Vec<u8>) {
    let rest = value.get(offset as usize..).unwrap_or_default();
    let remaining = u32::try_from(rest.len()).unwrap_or(u32::MAX);
    (remaining, rest[..rest.len().min(max_len)].to_vec())
}

/// Appends `item` to a SCALE-encoded `Vec` (`compact(len) ++ items`). A value that is not
/// such a vector is replaced by a one-item vector, as Substrate does.
pub fn append_to_encoded_vec(current: Option<StorageValue>, item: &[u8]) -> StorageValue {
    use codec::{Compact, CompactLen, Decode, Encode};
    if let Some(mut current) = current {
        if let Ok(Compact(count)) = Compact::<u32>::decode(&mut &current[..]) {
            let old_prefix_len = Compact::<u32>::compact_len(&count);
            if let Some(new_count) = count.checked_add(1) {
                let new_prefix = Compact(new_count).encode();
                let mut out = Vec::with_capacity(new_prefix.len() + current.len() + item.len());
                out.extend_from_slice(&new_prefix);
                out.extend_from_slice(&current[old_prefix_len..]);
                out.extend_from_slice(item);
                return out;
            }
        }
        current.clear();
    }
    let mut out = Compact(1u32).encode();
    out.extend_from_slice(item);
    out
}

/// An overlay over a backend, implementing [`Externalities`]. The first backend error is
/// kept (reads then see no value) and must be checked with [`OverlayedExt::take_error`]:
/// a call that hit one has no valid result.
pub struct OverlayedExt<'a, B: Backend + ?Sized> {
    backend: &'a B,
    overlay: &'a mut OverlayedChanges,
    error: Option<BackendError>,
}

impl<'a, B: Backend + ?Sized> OverlayedExt<'a, B> {
    /// Runtime storage over `backend` with changes going to `overlay`.
    pub fn new(backend: &'a B, overlay: &'a mut OverlayedChanges) -> Self {
        OverlayedExt { backend, overlay, error: None }
    }

    /// The first backend error met, if any.
    pub fn take_error(&mut self) -> Option<BackendError> {
        self.error.take()
    }

    fn record<T: Default>(&mut self, result: Result<T, BackendError>) -> T {
        result.unwrap_or_else(|error| {
            self.error.get_or_insert(error);
            T::default()
        })
    }
}

impl<B: Backend + ?Sized> Externalities for OverlayedExt<'_, B> {
    fn storage(&mut self, key: &[u8]) -> Option<StorageValue> {
        match self.overlay.get(key) {
            Some(value) => value.cloned(),
            None => {
                let read = self.backend.storage(key);
                self.record(read)
            }
        }
    }

    fn read_storage(&mut self, key: &[u8], offset: u32, max_len: usize) -> Option<(u32, Vec<u8>)> {
        match self.overlay.get(key) {
            // The block's events, say, are megabytes: look at them in place.
            Some(value) => value.map(|value| value_window(value, offset, max_len)),
            None => {
                let read = self.backend.storage(key);
                self.record(read).map(|value| value_window(&value, offset, max_len))
            }
        }
    }

    fn set_storage(&mut self, key: &[u8], value: Option<&[u8]>) {
        self.overlay.set(key.to_vec(), value.map(<[u8]>::to_vec));
    }

    fn append_storage(&mut self, key: &[u8], item: &[u8]) {
        if self.overlay.append_in_place(key, item) {
            return;
        }
        let current = self.storage(key);
        self.overlay.set(key.to_vec(), Some(append_to_encoded_vec(current, item)));
    }

    fn clear_prefix(&mut self, prefix: &[u8], limit: Option<u32>) -> ClearPrefixOutcome {
        let mut removed = 0u32;
        let mut cursor = prefix.to_vec();
        // The prefix itself is a key under the prefix too.
        let mut next = if self.storage(prefix).is_some() {
            Some(prefix.to_vec())
        } else {
            self.next_storage_key(&cursor)
        };
        while let Some(key) = next {
            if !key.starts_with(prefix) {
                break;
            }
            if limit.is_some_and(|limit| removed >= limit) {
                return ClearPrefixOutcome { removed, complete: false };
            }
            self.overlay.set(key.clone(), None);
            removed += 1;
            cursor = key;
            next = self.next_storage_key(&cursor);
        }
        ClearPrefixOutcome { removed, complete: true }
    }

    fn next_storage_key(&mut self, key: &[u8]) -> Option<StorageKey> {
        let mut from = key.to_vec();
        loop {
            let backend_next = self.backend.next_storage_key(&from);
            let backend_next = self.record(backend_next);
            let overlay_next = self.overlay.next_touched_key(&from).cloned();
            let candidate = match (backend_next, overlay_next) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => return None,
            };
            // A key deleted in the overlay is skipped; one set there (or untouched) exists.
            match self.overlay.get(&candidate) {
                Some(None) => from = candidate,
                _ => return Some(candidate),
            }
        }
    }

    fn storage_root(&mut self, version: StateVersion) -> H256 {
        let root = self.backend.storage_root(self.overlay.changes(), version);
        self.record(root)
    }

    fn start_transaction(&mut self) -> bool {
        self.overlay.start_transaction()
    }

    fn rollback_transaction(&mut self) -> bool {
        self.overlay.rollback_transaction()
    }

    fn commit_transaction(&mut self) -> bool {
        self.overlay.commit_transaction()
    }
}

/// A state in memory with an overlay: what native runtime tests and genesis building run in.
#[derive(Debug, Clone, Default)]
pub struct TestExternalities {
    backend: InMemoryBackend,
    overlay: OverlayedChanges,
}

impl TestExternalities {
    /// A state holding `entries`.
    pub fn new(entries: BTreeMap<StorageKey, StorageValue>) -> Self {
        TestExternalities { backend: InMemoryBackend::new(entries), overlay: Default::default() }
    }

    /// Runs `f` with this state as the runtime's storage.
    pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let mut ext = OverlayedExt::new(&self.backend, &mut self.overlay);
        crate::externalities::set_and_run_with_externalities(&mut ext, f)
    }

    /// Moves the overlay's changes into the backend (as importing a block would).
    pub fn commit_all(&mut self) {
        let changes = self.overlay.drain_committed();
        self.backend.apply(changes);
    }

    /// The state root with all changes applied.
    pub fn storage_root(&mut self) -> H256 {
        let mut ext = OverlayedExt::new(&self.backend, &mut self.overlay);
        ext.storage_root(StateVersion::V1)
    }

    /// Every key and value, changes included.
    pub fn entries(&self) -> BTreeMap<StorageKey, StorageValue> {
        let mut backend = self.backend.clone();
        backend.apply(self.overlay.changes());
        backend.into_entries()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&[u8], &[u8])]) -> BTreeMap<StorageKey, StorageValue> {
        pairs.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn overlay_layers_commit_and_roll_back() {
        let backend = InMemoryBackend::new(map(&[(b"a", b"1"), (b"b", b"2")]));
        let mut overlay = OverlayedChanges::default();
        let mut ext = OverlayedExt::new(&backend, &mut overlay);
        ext.set_storage(b"a", Some(b"10"));
        assert!(ext.start_transaction());
        ext.set_storage(b"b", None);
        ext.set_storage(b"c", Some(b"3"));
        assert_eq!(ext.storage(b"b"), None);
        assert!(ext.rollback_transaction());
        assert_eq!(ext.storage(b"b"), Some(b"2".to_vec()));
        assert_eq!(ext.storage(b"c"), None);
        assert!(ext.start_transaction());
        ext.set_storage(b"c", Some(b"3"));
        assert!(ext.commit_transaction());
        assert!(!ext.commit_transaction());
        assert!(!ext.rollback_transaction());
        assert_eq!(ext.storage(b"a"), Some(b"10".to_vec()));
        assert_eq!(ext.storage(b"c"), Some(b"3".to_vec()));
    }

    #[test]
    fn next_key_merges_backend_and_overlay_and_skips_deletions() {
        let backend = InMemoryBackend::new(map(&[(b"a", b"1"), (b"c", b"3"), (b"e", b"5")]));
        let mut overlay = OverlayedChanges::default();
        let mut ext = OverlayedExt::new(&backend, &mut overlay);
        ext.set_storage(b"b", Some(b"2"));
        ext.set_storage(b"c", None);
        ext.start_transaction();
        ext.set_storage(b"d", Some(b"4"));
        let mut keys = Vec::new();
        let mut cursor = Vec::new();
        while let Some(next) = ext.next_storage_key(&cursor) {
            keys.push(next.clone());
            cursor = next;
        }
        assert_eq!(keys, [b"a".to_vec(), b"b".to_vec(), b"d".to_vec(), b"e".to_vec()]);
    }

    #[test]
    fn keys_created_in_a_rolled_back_layer_leave_no_trace_in_order_or_changes() {
        let backend = InMemoryBackend::new(map(&[(b"a", b"1"), (b"e", b"5")]));
        let mut overlay = OverlayedChanges::default();
        let mut ext = OverlayedExt::new(&backend, &mut overlay);
        ext.set_storage(b"d", Some(b"4"));
        ext.start_transaction();
        ext.set_storage(b"b", Some(b"2"));
        ext.set_storage(b"d", None);
        ext.start_transaction();
        ext.set_storage(b"c", Some(b"3"));
        assert!(ext.commit_transaction());
        assert_eq!(ext.next_storage_key(b"a"), Some(b"b".to_vec()));
        assert!(ext.rollback_transaction());
        // `b` and `c` were created in the rolled-back layer; `d` is back as it was.
        assert_eq!(ext.next_storage_key(b"a"), Some(b"d".to_vec()));
        let expected: StorageChanges = [(b"d".to_vec(), Some(b"4".to_vec()))].into();
        assert_eq!(overlay.changes(), expected);
        // Many keys come out in order, whatever order they went in.
        let mut keys: Vec<Vec<u8>> =
            (0u32..300).map(|i| (i * 7919 % 300).to_be_bytes().to_vec()).collect();
        for key in &keys {
            overlay.set(key.clone(), Some(key.clone()));
        }
        keys.push(b"d".to_vec());
        keys.sort();
        let drained: Vec<Vec<u8>> = overlay.drain_committed().into_keys().collect();
        assert_eq!(drained, keys);
        assert_eq!(overlay.changes(), StorageChanges::new());
    }

    #[test]
    fn clear_prefix_respects_the_limit() {
        let backend = InMemoryBackend::new(map(&[
            (b"p", b"0"),
            (b"p1", b"1"),
            (b"p2", b"2"),
            (b"p3", b"3"),
            (b"q", b"4"),
        ]));
        let mut overlay = OverlayedChanges::default();
        let mut ext = OverlayedExt::new(&backend, &mut overlay);
        assert_eq!(
            ext.clear_prefix(b"p", Some(2)),
            ClearPrefixOutcome { removed: 2, complete: false }
        );
        assert_eq!(ext.clear_prefix(b"p", None), ClearPrefixOutcome { removed: 2, complete: true });
        assert_eq!(ext.next_storage_key(b""), Some(b"q".to_vec()));
    }

    #[test]
    fn appends_in_layers_roll_back_exactly() {
        use codec::{Decode, Encode};
        let backend = InMemoryBackend::default();
        let mut overlay = OverlayedChanges::default();
        let mut ext = OverlayedExt::new(&backend, &mut overlay);
        let events = |ext: &mut OverlayedExt<'_, InMemoryBackend>| {
            ext.storage(b"events")
                .map(|v| Vec::<u16>::decode(&mut &v[..]).unwrap())
                .unwrap_or_default()
        };
        for i in 0..60u16 {
            ext.append_storage(b"events", &i.encode());
        }
        // Crossing 63 → 64 items changes the compact prefix from one byte to two.
        ext.start_transaction();
        for i in 60..70u16 {
            ext.append_storage(b"events", &i.encode());
        }
        ext.set_storage(b"other", Some(b"x"));
        ext.start_transaction();
        ext.append_storage(b"events", &99u16.encode());
        ext.set_storage(b"events", None);
        ext.append_storage(b"events", &7u16.encode());
        assert_eq!(events(&mut ext), vec![7]);
        ext.rollback_transaction();
        assert_eq!(events(&mut ext), (0..70).collect::<Vec<_>>());
        ext.rollback_transaction();
        assert_eq!(events(&mut ext), (0..60).collect::<Vec<_>>());
        assert_eq!(ext.storage(b"other"), None);

        // A committed inner layer is still undone by its parent's rollback.
        ext.start_transaction();
        ext.start_transaction();
        ext.append_storage(b"events", &1000u16.encode());
        ext.set_storage(b"other", Some(b"y"));
        ext.commit_transaction();
        ext.rollback_transaction();
        assert_eq!(events(&mut ext), (0..60).collect::<Vec<_>>());
        assert_eq!(ext.storage(b"other"), None);
        assert_eq!(overlay.transaction_depth(), 0);
    }

    #[test]
    fn append_builds_a_scale_vec() {
        use codec::{Decode, Encode};
        let mut value = None;
        for item in 0u16..70 {
            value = Some(append_to_encoded_vec(value, &item.encode()));
        }
        let decoded = Vec::<u16>::decode(&mut &value.unwrap()[..]).unwrap();
        assert_eq!(decoded, (0u16..70).collect::<Vec<_>>());
        // Garbage is replaced, not extended.
        let replaced = append_to_encoded_vec(Some(vec![0xff; 3]), &[7]);
        assert_eq!(Vec::<u8>::decode(&mut &replaced[..]).unwrap(), [7]);
    }

    #[test]
    fn storage_root_reflects_changes_and_transaction_depth_is_bounded() {
        let mut ext = TestExternalities::new(map(&[(b"a", b"1")]));
        let before = ext.storage_root();
        assert_eq!(before, dfs_trie::trie_root(StateVersion::V1, map(&[(b"a", b"1")])));
        ext.execute_with(|| crate::storage::set(b"b", b"2"));
        let after = ext.storage_root();
        assert_eq!(
            after,
            dfs_trie::trie_root(StateVersion::V1, map(&[(b"a", b"1"), (b"b", b"2")]))
        );
        ext.commit_all();
        assert_eq!(ext.storage_root(), after);

        let mut overlay = OverlayedChanges::default();
        for _ in 0..MAX_TRANSACTION_DEPTH {
            assert!(overlay.start_transaction());
        }
        assert!(!overlay.start_transaction());
    }
}
