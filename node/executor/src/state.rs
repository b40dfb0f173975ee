//! Runtime calls over the state trie: reads go to the trie at a root, writes collect in an
//! overlay, and a call returns its storage changes and the state root they lead to.

use std::{collections::HashMap, sync::Mutex};

use dfs_core::{StateVersion, H256};
use dfs_io::state::{
    Backend, BackendError, OverlayedChanges, OverlayedExt, StorageChanges, StorageKey, StorageValue,
};
use dfs_trie::{Blake2Hasher, MemoryDB, TrieError};
use hash_db::{AsHashDB, HashDB, HashDBRef, Hasher, Prefix};
use trie_db::{Trie, TrieDBBuilder};

use crate::{CallKind, Executor, ExecutorError};

/// The well-known key of the runtime code.
pub use dfs_runtime_primitives::well_known_keys::CODE as CODE_KEY;

fn backend_error(error: Box<TrieError>) -> BackendError {
    BackendError(format!("{error}"))
}

/// The state at `root`, read from a node store.
///
/// Values read are remembered for the backend's lifetime (a block's import or build, a
/// batch of validations): the state at a root never changes, and a runtime reads the same
/// few keys for every extrinsic without writing them (the genesis hash for each signature
/// payload, the fee multiplier), each a walk down the trie through the database otherwise.
pub struct TrieBackend<'a> {
    db: &'a (dyn HashDBRef<Blake2Hasher, Vec<u8>> + Sync),
    root: H256,
    read: Mutex<ReadCache>,
    /// The last state root the runtime asked for, with what it was computed from: the node
    /// persisting the same changes right after takes the nodes instead of building them again.
    last_root: Mutex<Option<ComputedRoot>>,
}

/// A state root computed over `changes`, and the trie nodes that lead to it.
struct ComputedRoot {
    changes: StorageChanges,
    version: StateVersion,
    root: H256,
    nodes: MemoryDB,
}

/// Values read from a [`TrieBackend`], up to [`READ_CACHE_BYTES`] of keys and values.
#[derive(Default)]
struct ReadCache {
    values: HashMap<StorageKey, Option<StorageValue>>,
    bytes: usize,
}

/// What one backend's read cache may hold: far above what a block reads from the state
/// (the overlay serves what it wrote), small beside the node's memory.
pub const READ_CACHE_BYTES: usize = 8 << 20;

impl<'a> TrieBackend<'a> {
    /// The state at `root` in `db`.
    pub fn new(db: &'a (dyn HashDBRef<Blake2Hasher, Vec<u8>> + Sync), root: H256) -> Self {
        TrieBackend { db, root, read: Mutex::default(), last_root: Mutex::default() }
    }

    fn read_cache(&self) -> std::sync::MutexGuard<'_, ReadCache> {
        // The cache is filled one whole entry at a time: a panicking holder leaves it sound.
        self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn computed_root(&self) -> std::sync::MutexGuard<'_, Option<ComputedRoot>> {
        // Replaced or taken whole: a panicking holder leaves it sound.
        self.last_root.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state root.
    pub fn root(&self) -> H256 {
        self.root
    }

    /// Applies `changes` in a layer over the store: the new root and the trie nodes to add
    /// (and, with negative reference counts, to remove) to persist it.
    pub fn commit(
        &self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<(H256, MemoryDB), BackendError> {
        let computed = self.computed_root().take();
        if let Some(computed) = computed {
            if computed.version == version && computed.changes == *changes {
                return Ok((computed.root, computed.nodes));
            }
        }
        self.build(changes, version)
    }

    fn build(
        &self,
        changes: &StorageChanges,
        version: StateVersion,
    ) -> Result<(H256, MemoryDB), BackendError> {
        let mut layer = LayeredDb { base: self.db, overlay: MemoryDB::default() };
        let root = dfs_trie::apply_changes(
            &mut layer,
            version,
            self.root,
            changes.iter().map(|(key, value)| (&key[..], value.as_deref())),
        )
        .map_err(backend_error)?;
        Ok((root, layer.overlay))
    }
}

impl Backend for TrieBackend<'_> {
    fn storage(&self, key: &[u8]) -> Result<Option<StorageValue>, BackendError> {
        if let Some(value) = self.read_cache().values.get(key) {
            return Ok(value.clone());
        }
        let value = dfs_trie::read_value(self.db, &self.root, key).map_err(backend_error)?;
        let size = key.len() + value.as_ref().map_or(0, Vec::len);
        let mut cache = self.read_cache();
        if cache.bytes + size <= READ_CACHE_BYTES && !cache.values.contains_key(key) {
            cache.bytes += size;
            cache.values.insert(key.to_vec(), value.clone());
        }
        Ok(value)
    }

    fn next_storage_key(&self, key: &[u8]) -> Result<Option<StorageKey>, BackendError> {
        let trie = TrieDBBuilder::<dfs_trie::LayoutV1>::new(self.db, &self.root).build();
        let mut keys = trie.key_iter().map_err(backend_error)?;
        keys.seek(key).map_err(backend_error)?;
        for next in keys {
            let next = next.map_err(backend_error)?;
            if next.as_slice() > key {
                return Ok(Some(next));
            }
        }
        Ok(None)
    }

    fn storage_root(
        &self,
        changes: StorageChanges,
        version: StateVersion,
    ) -> Result<H256, BackendError> {
        // A block's root is asked for once, at its end, and the block is then persisted
        // with exactly these changes: keep the nodes for that (one root at a time).
        let (root, nodes) = self.build(&changes, version)?;
        let computed = ComputedRoot { changes, version, root, nodes };
        *self.computed_root() = Some(computed);
        Ok(root)
    }

    fn storage_hash(&self, key: &[u8]) -> Result<Option<H256>, BackendError> {
        // Large values are separate trie nodes: their hash is in the leaf, no hashing needed.
        TrieDBBuilder::<dfs_trie::LayoutV1>::new(self.db, &self.root)
            .build()
            .get_hash(key)
            .map_err(backend_error)
    }
}

/// New trie nodes in memory over a read-only store.
struct LayeredDb<'a> {
    base: &'a (dyn HashDBRef<Blake2Hasher, Vec<u8>> + Sync),
    overlay: MemoryDB,
}

impl HashDB<Blake2Hasher, Vec<u8>> for LayeredDb<'_> {
    fn get(&self, key: &H256, prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(&self.overlay, key, prefix).or_else(|| self.base.get(key, prefix))
    }

    fn contains(&self, key: &H256, prefix: Prefix) -> bool {
        HashDB::contains(&self.overlay, key, prefix) || self.base.contains(key, prefix)
    }

    fn insert(&mut self, prefix: Prefix, value: &[u8]) -> H256 {
        HashDB::insert(&mut self.overlay, prefix, value)
    }

    fn emplace(&mut self, key: H256, prefix: Prefix, value: Vec<u8>) {
        HashDB::emplace(&mut self.overlay, key, prefix, value)
    }

    fn remove(&mut self, key: &H256, prefix: Prefix) {
        HashDB::remove(&mut self.overlay, key, prefix)
    }
}

impl HashDBRef<Blake2Hasher, Vec<u8>> for LayeredDb<'_> {
    fn get(&self, key: &H256, prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(self, key, prefix)
    }

    fn contains(&self, key: &H256, prefix: Prefix) -> bool {
        HashDB::contains(self, key, prefix)
    }
}

impl AsHashDB<Blake2Hasher, Vec<u8>> for LayeredDb<'_> {
    fn as_hash_db(&self) -> &dyn HashDB<Blake2Hasher, Vec<u8>> {
        self
    }

    fn as_hash_db_mut<'b>(&'b mut self) -> &'b mut (dyn HashDB<Blake2Hasher, Vec<u8>> + 'b) {
        self
    }
}

/// What a call changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    /// The call's SCALE-encoded output.
    pub output: Vec<u8>,
    /// The storage it changed.
    pub changes: StorageChanges,
}

impl Executor {
    /// Calls `method` of the runtime stored at `:code` in `state` within the budget of
    /// `kind`, collecting its changes on top of `overlay` (pass an empty one for a fresh call).
    pub fn call_at(
        &self,
        state: &dyn Backend,
        overlay: &mut OverlayedChanges,
        method: &str,
        input: &[u8],
        kind: CallKind,
    ) -> Result<Vec<u8>, ExecutorError> {
        let missing = || ExecutorError::InvalidCode("no runtime code at :code".into());
        let backend = |e: BackendError| ExecutorError::Backend(e.0);
        // Code changed in the overlay (an upgrade in this block) wins over the state's.
        let (code_hash, overlay_code) = match overlay.get(CODE_KEY) {
            Some(value) => {
                let code = value.cloned().ok_or_else(missing)?;
                (H256(dfs_core::hashing::blake2_256(&code)), Some(code))
            }
            None => (state.storage_hash(CODE_KEY).map_err(backend)?.ok_or_else(missing)?, None),
        };
        let load = || match overlay_code {
            Some(code) => Ok(std::borrow::Cow::Owned(code)),
            None => state
                .storage(CODE_KEY)
                .map_err(backend)?
                .map(std::borrow::Cow::Owned)
                .ok_or_else(missing),
        };
        let mut ext = OverlayedExt::new(state, overlay);
        let result = self.call_with_loader(code_hash, load, method, input, &mut ext, kind);
        if let Some(error) = ext.take_error() {
            return Err(ExecutorError::Backend(error.0));
        }
        result
    }

    /// Calls `method` on a fresh overlay over `state` within the budget of `kind` and returns
    /// output and changes.
    pub fn call_fresh(
        &self,
        state: &dyn Backend,
        method: &str,
        input: &[u8],
        kind: CallKind,
    ) -> Result<CallOutcome, ExecutorError> {
        let mut overlay = OverlayedChanges::default();
        let output = self.call_at(state, &mut overlay, method, input, kind)?;
        Ok(CallOutcome { output, changes: overlay.drain_committed() })
    }
}

/// The hash of a trie node as the store keys it.
pub fn node_hash(node: &[u8]) -> H256 {
    Blake2Hasher::hash(node)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A node store that counts its reads.
    struct CountingDb {
        nodes: MemoryDB,
        reads: AtomicUsize,
    }

    impl HashDBRef<Blake2Hasher, Vec<u8>> for CountingDb {
        fn get(&self, key: &H256, prefix: Prefix) -> Option<Vec<u8>> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            HashDB::get(&self.nodes, key, prefix)
        }

        fn contains(&self, key: &H256, prefix: Prefix) -> bool {
            HashDBRef::get(self, key, prefix).is_some()
        }
    }

    fn store(entries: &[(Vec<u8>, Vec<u8>)]) -> (CountingDb, H256) {
        let mut nodes = MemoryDB::default();
        let root = dfs_trie::apply_changes(
            &mut nodes,
            StateVersion::V1,
            dfs_trie::empty_root(),
            entries.iter().map(|(k, v)| (&k[..], Some(&v[..]))),
        )
        .expect("trie");
        (CountingDb { nodes, reads: AtomicUsize::new(0) }, root)
    }

    #[test]
    fn repeated_reads_are_served_without_the_store() {
        let entries: Vec<(Vec<u8>, Vec<u8>)> =
            (0u32..200).map(|i| (i.to_be_bytes().to_vec(), vec![i as u8; 40])).collect();
        let (db, root) = store(&entries);
        let state = TrieBackend::new(&db, root);
        let key = 77u32.to_be_bytes();
        assert_eq!(state.storage(&key).unwrap(), Some(vec![77; 40]));
        let first = db.reads.swap(0, Ordering::Relaxed);
        assert!(first > 1, "a read walks the trie ({first} nodes)");
        for _ in 0..10 {
            assert_eq!(state.storage(&key).unwrap(), Some(vec![77; 40]));
        }
        // Absent keys are remembered as absent.
        assert_eq!(state.storage(b"missing").unwrap(), None);
        let absent = db.reads.swap(0, Ordering::Relaxed);
        assert_eq!(state.storage(b"missing").unwrap(), None);
        assert_eq!(db.reads.load(Ordering::Relaxed), 0, "{absent} reads the first time only");
        // A new backend at the same root starts empty and reads the same values.
        let again = TrieBackend::new(&db, root);
        for (key, value) in &entries {
            assert_eq!(again.storage(key).unwrap().as_ref(), Some(value));
        }
    }

    #[test]
    fn a_commit_of_the_changes_just_rooted_reuses_their_nodes() {
        let entries: Vec<(Vec<u8>, Vec<u8>)> =
            (0u32..100).map(|i| (i.to_be_bytes().to_vec(), vec![i as u8; 40])).collect();
        let (db, root) = store(&entries);
        let changes = |value: u8| -> StorageChanges {
            [(5u32.to_be_bytes().to_vec(), Some(vec![value; 40])), (b"new".to_vec(), None)]
                .into_iter()
                .collect()
        };
        let fresh = TrieBackend::new(&db, root).commit(&changes(1), StateVersion::V1).unwrap();
        let state = TrieBackend::new(&db, root);
        assert_eq!(state.storage_root(changes(1), StateVersion::V1).unwrap(), fresh.0);
        db.reads.store(0, Ordering::Relaxed);
        let (reused_root, mut reused_nodes) = state.commit(&changes(1), StateVersion::V1).unwrap();
        assert_eq!(db.reads.load(Ordering::Relaxed), 0, "nothing read again");
        assert_eq!(reused_root, fresh.0);
        assert_eq!(reused_nodes.drain(), fresh.1.clone().drain());
        // Other changes (or the same ones a second time) are built from the store.
        let other = TrieBackend::new(&db, root).commit(&changes(2), StateVersion::V1).unwrap();
        state.storage_root(changes(1), StateVersion::V1).unwrap();
        assert_eq!(state.commit(&changes(2), StateVersion::V1).unwrap().0, other.0);
        assert_eq!(state.commit(&changes(1), StateVersion::V1).unwrap().0, fresh.0);
        assert!(db.reads.load(Ordering::Relaxed) > 0);
    }

    #[test]
    fn the_cache_stops_growing_at_its_budget() {
        let big = vec![9u8; READ_CACHE_BYTES / 3];
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0u8..4).map(|i| (vec![i], big.clone())).collect();
        let (db, root) = store(&entries);
        let state = TrieBackend::new(&db, root);
        for (key, value) in &entries {
            assert_eq!(state.storage(key).unwrap().as_ref(), Some(value));
        }
        assert!(state.read_cache().bytes <= READ_CACHE_BYTES);
        assert_eq!(state.read_cache().values.len(), 2, "two thirds fit, not a third third");
        db.reads.store(0, Ordering::Relaxed);
        assert_eq!(state.storage(&[3]).unwrap().as_ref(), Some(&big), "the uncached value");
        assert!(db.reads.load(Ordering::Relaxed) > 0, "read from the store again");
    }
}
