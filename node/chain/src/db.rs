//! The node's database: blocks, the state trie and the chain's pointers in RocksDB.
//!
//! Every block import is one atomic write batch ([`Db::commit_block`]): its header, body,
//! canonical-number entry, new trie nodes and pointers land together or not at all, so a
//! crash at any instant leaves a database that opens at the last imported block.
//!
//! Trie nodes are keyed by hash and carry a reference count (several positions, or several
//! states, may hold the same node). Nodes a block no longer references are not deleted at
//! once: their decrements wait in a journal until the block is `pruning window` blocks
//! deep and final, so the states of the last `window` blocks, and of every block not yet
//! final, stay readable; they apply only if the block is canonical then (a sibling's drops
//! would take nodes the canonical state holds).
//! In archive mode nothing is ever deleted.

use std::{collections::HashMap, sync::Mutex};

use codec::{Decode, Encode};
use dfs_core::H256;
use dfs_io::bounded::BoundedMap;
use dfs_runtime_primitives::generic::{BlockNumber, Header, OpaqueExtrinsic};
use dfs_trie::Blake2Hasher;
use hash_db::{HashDBRef, Prefix};
use kvdb::{DBTransaction, KeyValueDB};

/// The database's columns, in order. Changing this list needs a migration.
pub mod columns {
    /// Chain pointers and settings: [`super::meta_keys`].
    pub const META: u32 = 0;
    /// Block hash → SCALE header.
    pub const HEADER: u32 = 1;
    /// Block hash → SCALE `Vec<OpaqueExtrinsic>`.
    pub const BODY: u32 = 2;
    /// Block hash → SCALE justifications (finality proofs).
    pub const JUSTIFICATION: u32 = 3;
    /// Block number (u32 big-endian) → hash of the canonical block at that height.
    pub const CANONICAL: u32 = 4;
    /// Trie node hash → reference count (u32 LE) ++ node.
    pub const STATE: u32 = 5;
    /// Block number (u32 big-endian) ++ block hash → SCALE `Vec<(H256, u32)>`: the node
    /// references that block dropped, released once it leaves the pruning window if it is
    /// then canonical. (Databases written before forks were told apart key by number alone;
    /// such an entry counts as the canonical block's.)
    pub const STATE_JOURNAL: u32 = 6;
    /// How many columns there are.
    pub const COUNT: u32 = 7;
}

/// Keys of the [`columns::META`] column.
pub mod meta_keys {
    /// Hash of the best block.
    pub const BEST: &[u8] = b"best";
    /// Hash of the last finalized block.
    pub const FINALIZED: &[u8] = b"finalized";
    /// Hash of the genesis block.
    pub const GENESIS: &[u8] = b"genesis";
    /// The state pruning mode the database was created with (SCALE `Option<u32>`).
    pub const PRUNING: &[u8] = b"state_pruning";
    /// The height (u32 big-endian) up to which the state journal has been expired.
    pub const PRUNED: &[u8] = b"state_pruned_up_to";
}

/// How long states stay readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum Pruning {
    /// Keep every state.
    Archive,
    /// Keep the states of the last this-many blocks, and of every block not yet final.
    Window(u32),
}

impl std::str::FromStr for Pruning {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "archive" | "archive-canonical" => Ok(Pruning::Archive),
            number => number.parse::<u32>().map(Pruning::Window).map_err(|_| {
                format!("invalid state pruning `{text}`: `archive` or a number of blocks")
            }),
        }
    }
}

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// RocksDB failed (disk full, permissions, corruption).
    #[error("database I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value does not decode: the database is corrupt.
    #[error("corrupt database entry in column {column}: {reason}")]
    Corrupt {
        /// The column.
        column: u32,
        /// What was wrong.
        reason: String,
    },
    /// The database was created with another pruning mode.
    #[error(
        "the database was created with state pruning {stored:?}; it cannot be opened with \
         {requested:?} (purge the chain to change it)"
    )]
    PruningMismatch {
        /// The mode in the database.
        stored: Pruning,
        /// The mode asked for.
        requested: Pruning,
    },
}

/// A `Result` with [`DbError`].
pub type DbResult<T> = Result<T, DbError>;

/// One block ready to be written.
pub struct BlockWrite<'a> {
    /// Its hash.
    pub hash: H256,
    /// Its header.
    pub header: &'a Header,
    /// Its extrinsics.
    pub body: &'a [OpaqueExtrinsic],
    /// Its justifications, if any.
    pub justifications: Option<&'a [u8]>,
    /// Trie nodes the block's state adds (positive counts) or drops (negative).
    pub state_delta: Vec<(H256, Vec<u8>, i32)>,
    /// Whether it becomes the best block (its height's canonical block).
    pub is_best: bool,
    /// Canonical entries of ancestors that change with it (a reorganisation).
    pub reorg_route: Vec<(BlockNumber, H256)>,
    /// Whether it is final on import.
    pub finalize: bool,
}

/// Net reference-count changes of one write, per trie node: the change, and the node's
/// bytes when the write adds it.
type NetReferences = HashMap<H256, (i64, Option<Vec<u8>>)>;

/// Most journal heights one write expires (see [`Db::set_finalized`]).
const MAX_HEIGHTS_EXPIRED_PER_WRITE: u32 = 1024;

/// The node's RocksDB database.
///
/// Its writers ([`Db::commit_block`], [`Db::set_finalized`]) read and then update reference
/// counts and the pruning pointer: callers run them one at a time (the chain's import lock).
pub struct Db {
    inner: Box<dyn KeyValueDB>,
    pruning: Pruning,
    /// Trie nodes recently read or written. A node is stored under the hash of its bytes,
    /// so a remembered node is never stale: nothing needs invalidating, and a node pruned
    /// since is only ever asked for by a walk that reached it from a live root.
    nodes: Mutex<BoundedMap<H256, Vec<u8>>>,
}

/// How many trie nodes the database remembers. Each storage read walks from the root, and
/// every block rewrites the nodes near it: these and the accounts in use are read again and
/// again, each read otherwise a RocksDB lookup.
pub const NODE_CACHE_ENTRIES: usize = 131_072;
/// What the remembered trie nodes may take in all.
pub const NODE_CACHE_BYTES: usize = 64 << 20;
/// Nodes larger than this are not remembered: these are large values stored as their own
/// node (a block's events run to megabytes), each read once, and RocksDB caches them anyway.
pub const NODE_CACHE_MAX_NODE: usize = 16 << 10;

fn corrupt(column: u32, reason: impl ToString) -> DbError {
    DbError::Corrupt { column, reason: reason.to_string() }
}

fn number_key(number: BlockNumber) -> [u8; 4] {
    number.to_be_bytes()
}

/// A block's key in [`columns::STATE_JOURNAL`]: its number, then its hash (siblings at one
/// height each keep their own entry).
fn journal_key(number: BlockNumber, hash: &H256) -> [u8; 36] {
    let mut key = [0u8; 36];
    key[..4].copy_from_slice(&number_key(number));
    key[4..].copy_from_slice(hash.as_bytes());
    key
}

impl Db {
    /// Opens (creating if needed) the RocksDB database in `path`.
    #[cfg(feature = "rocksdb")]
    pub fn open(path: &std::path::Path, pruning: Pruning) -> DbResult<Self> {
        std::fs::create_dir_all(path)?;
        let mut config = kvdb_rocksdb::DatabaseConfig::with_columns(columns::COUNT);
        // State nodes are most of the reads: give them most of the cache.
        config.memory_budget.insert(columns::STATE, 256);
        Self::with_store(Box::new(kvdb_rocksdb::Database::open(&config, path)?), pruning)
    }

    /// A database in memory, gone when dropped: the same columns and rules as on disk, for
    /// tests and tools.
    pub fn open_in_memory(pruning: Pruning) -> DbResult<Self> {
        Self::with_store(Box::new(kvdb_memorydb::create(columns::COUNT)), pruning)
    }

    fn with_store(inner: Box<dyn KeyValueDB>, pruning: Pruning) -> DbResult<Self> {
        let nodes = BoundedMap::with_size_limit(NODE_CACHE_ENTRIES, NODE_CACHE_BYTES);
        let db = Db { inner, pruning, nodes: Mutex::new(nodes) };
        match db.inner.get(columns::META, meta_keys::PRUNING)? {
            Some(stored) => {
                let stored = Pruning::decode(&mut &stored[..])
                    .map_err(|e| corrupt(columns::META, format!("pruning mode: {e}")))?;
                if stored != pruning {
                    return Err(DbError::PruningMismatch { stored, requested: pruning });
                }
            }
            None => {
                let mut tx = DBTransaction::new();
                tx.put(columns::META, meta_keys::PRUNING, &pruning.encode());
                db.inner.write(tx)?;
            }
        }
        Ok(db)
    }

    fn get_hash(&self, key: &[u8]) -> DbResult<Option<H256>> {
        self.inner
            .get(columns::META, key)?
            .map(|bytes| H256::decode(&mut &bytes[..]).map_err(|e| corrupt(columns::META, e)))
            .transpose()
    }

    /// The genesis hash, if the database holds a chain.
    pub fn genesis(&self) -> DbResult<Option<H256>> {
        self.get_hash(meta_keys::GENESIS)
    }

    /// The best block's hash.
    pub fn best(&self) -> DbResult<Option<H256>> {
        self.get_hash(meta_keys::BEST)
    }

    /// The last finalized block's hash.
    pub fn finalized(&self) -> DbResult<Option<H256>> {
        self.get_hash(meta_keys::FINALIZED)
    }

    /// The header of block `hash`.
    pub fn header(&self, hash: &H256) -> DbResult<Option<Header>> {
        self.inner
            .get(columns::HEADER, hash.as_bytes())?
            .map(|bytes| Header::decode(&mut &bytes[..]).map_err(|e| corrupt(columns::HEADER, e)))
            .transpose()
    }

    /// The extrinsics of block `hash`.
    pub fn body(&self, hash: &H256) -> DbResult<Option<Vec<OpaqueExtrinsic>>> {
        self.inner
            .get(columns::BODY, hash.as_bytes())?
            .map(|bytes| {
                Vec::<OpaqueExtrinsic>::decode(&mut &bytes[..])
                    .map_err(|e| corrupt(columns::BODY, e))
            })
            .transpose()
    }

    /// The justifications of block `hash`.
    pub fn justifications(&self, hash: &H256) -> DbResult<Option<Vec<u8>>> {
        Ok(self.inner.get(columns::JUSTIFICATION, hash.as_bytes())?)
    }

    /// The hash of the canonical block at height `number`.
    pub fn canonical_hash(&self, number: BlockNumber) -> DbResult<Option<H256>> {
        self.inner
            .get(columns::CANONICAL, &number_key(number))?
            .map(|bytes| H256::decode(&mut &bytes[..]).map_err(|e| corrupt(columns::CANONICAL, e)))
            .transpose()
    }

    /// A trie node by hash.
    pub fn state_node(&self, hash: &H256) -> DbResult<Option<Vec<u8>>> {
        if let Some(node) = self.node_cache().get(hash) {
            return Ok(Some(node.clone()));
        }
        let node = self.state_count(hash)?.map(|(_, node)| node);
        if let Some(node) = node.as_ref().filter(|node| node.len() <= NODE_CACHE_MAX_NODE) {
            self.node_cache().insert_sized(*hash, node.clone(), node.len());
        }
        Ok(node)
    }

    /// Whether the database holds trie node `hash` (the cache is not asked: a state whose
    /// root was pruned must read as pruned even while its nodes are still remembered).
    pub fn has_state_node(&self, hash: &H256) -> DbResult<bool> {
        Ok(self.state_count(hash)?.is_some())
    }

    fn node_cache(&self) -> std::sync::MutexGuard<'_, BoundedMap<H256, Vec<u8>>> {
        // Entries are whole nodes: a panicking holder cannot leave one half-written.
        self.nodes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A trie node and its reference count.
    fn state_count(&self, hash: &H256) -> DbResult<Option<(u32, Vec<u8>)>> {
        match self.inner.get(columns::STATE, hash.as_bytes())? {
            Some(mut stored) if stored.len() >= 4 => {
                let node = stored.split_off(4);
                let count = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
                Ok(Some((count, node)))
            }
            Some(_) => Err(corrupt(columns::STATE, "node entry shorter than its count")),
            None => Ok(None),
        }
    }

    /// Takes out the journal entries of height `expired` (deleting them in `tx`) and returns
    /// the releases of the block canonical there. A sibling that lost dropped nodes the
    /// canonical state may still hold, so its drops are never applied; the nodes it added
    /// stay (a leak bounded by the forks seen, never a missing node).
    fn expire_journal(
        &self,
        tx: &mut DBTransaction,
        expired: BlockNumber,
        reorg_route: &[(BlockNumber, H256)],
    ) -> DbResult<Vec<(H256, u32)>> {
        let prefix = number_key(expired);
        let rerouted = reorg_route.iter().find(|(number, _)| *number == expired);
        let canonical = match rerouted {
            Some((_, hash)) => Some(*hash),
            None => self.canonical_hash(expired)?,
        };
        let (mut own, mut legacy) = (None, None);
        for entry in self.inner.iter_with_prefix(columns::STATE_JOURNAL, &prefix) {
            let (key, bytes) = entry?;
            let owner = &key[prefix.len()..];
            if owner.is_empty() {
                legacy = Some(bytes);
            } else if canonical.is_some_and(|hash| owner == hash.as_bytes()) {
                own = Some(bytes);
            }
            tx.delete(columns::STATE_JOURNAL, &key);
        }
        // An entry by number alone is an older database's, for the block canonical then; it
        // counts only if the canonical block has no entry of its own (one imported since).
        match own.or(legacy) {
            Some(bytes) => Vec::<(H256, u32)>::decode(&mut &bytes[..])
                .map_err(|e| corrupt(columns::STATE_JOURNAL, e)),
            None => Ok(Vec::new()),
        }
    }

    /// Writes `block` atomically: header, body, state nodes, pointers and the release of
    /// old states' nodes, once their blocks are a window deep and final.
    pub fn commit_block(&self, block: BlockWrite<'_>) -> DbResult<()> {
        let mut tx = DBTransaction::with_capacity(block.state_delta.len() + 8);
        let number = block.header.number;
        tx.put(columns::HEADER, block.hash.as_bytes(), &block.header.encode());
        tx.put(columns::BODY, block.hash.as_bytes(), &block.body.encode());
        if let Some(justifications) = block.justifications {
            tx.put(columns::JUSTIFICATION, block.hash.as_bytes(), justifications);
        }
        if number == 0 {
            tx.put(columns::META, meta_keys::GENESIS, block.hash.as_bytes());
        }
        if block.is_best {
            tx.put(columns::META, meta_keys::BEST, block.hash.as_bytes());
            tx.put(columns::CANONICAL, &number_key(number), block.hash.as_bytes());
            for (ancestor_number, ancestor) in &block.reorg_route {
                tx.put(columns::CANONICAL, &number_key(*ancestor_number), ancestor.as_bytes());
            }
        }
        if block.finalize {
            tx.put(columns::META, meta_keys::FINALIZED, block.hash.as_bytes());
        }

        // Net reference changes per node: additions now, drops after the window.
        let mut net = NetReferences::new();
        let mut dropped = Vec::new();
        for (hash, node, count) in block.state_delta {
            if count > 0 {
                let entry = net.entry(hash).or_insert((0, None));
                entry.0 += i64::from(count);
                entry.1 = Some(node);
            } else if count < 0 {
                dropped.push((hash, count.unsigned_abs()));
            }
        }
        match self.pruning {
            Pruning::Archive => {}
            Pruning::Window(window) => {
                if !dropped.is_empty() {
                    tx.put(
                        columns::STATE_JOURNAL,
                        &journal_key(number, &block.hash),
                        &dropped.encode(),
                    );
                }
                if block.is_best {
                    let finalized = match block.finalize {
                        true => number,
                        false => self.finalized_number()?,
                    };
                    self.expire_heights(
                        &mut tx,
                        &mut net,
                        number,
                        finalized,
                        window,
                        &block.reorg_route,
                    )?;
                }
            }
        }
        let nodes = net.len();
        let started = std::time::Instant::now();
        let added = self.write_references(&mut tx, net)?;
        let counted = started.elapsed();
        self.inner.write(tx)?;
        tracing::debug!(
            target: "db",
            "#{number}: {nodes} trie nodes' references counted in {} ms, written in {} ms",
            counted.as_millis(),
            (started.elapsed() - counted).as_millis()
        );
        // The new state's nodes are what the next block reads first.
        let mut cache = self.node_cache();
        for (hash, node) in added {
            let size = node.len();
            cache.insert_sized(hash, node, size);
        }
        Ok(())
    }

    /// The height up to which the state journal has been expired (`None` before any).
    pub fn pruned_up_to(&self) -> DbResult<Option<BlockNumber>> {
        match self.inner.get(columns::META, meta_keys::PRUNED)? {
            Some(bytes) => match <[u8; 4]>::try_from(&bytes[..]) {
                Ok(done) => Ok(Some(u32::from_be_bytes(done))),
                Err(_) => Err(corrupt(columns::META, "pruning height is not 4 bytes")),
            },
            None => Ok(None),
        }
    }

    /// The number of the last finalized block (0 before any).
    fn finalized_number(&self) -> DbResult<BlockNumber> {
        self.number_of(self.finalized()?)
    }

    fn number_of(&self, hash: Option<H256>) -> DbResult<BlockNumber> {
        match hash {
            Some(hash) => match self.header(&hash)? {
                Some(header) => Ok(header.number),
                None => Err(corrupt(columns::HEADER, "a chain pointer names a missing header")),
            },
            None => Ok(0),
        }
    }

    /// Expires the journal's heights that are both `window` blocks below the best block
    /// `best` and final: a height not yet final may still be reorganised away, and its
    /// siblings' states must then stay whole. Adds their releases to `net`; records in `tx`
    /// how far pruning has gone, so heights that waited for finality expire when it comes,
    /// each once.
    fn expire_heights(
        &self,
        tx: &mut DBTransaction,
        net: &mut NetReferences,
        best: BlockNumber,
        finalized: BlockNumber,
        window: u32,
        reorg_route: &[(BlockNumber, H256)],
    ) -> DbResult<()> {
        let Some(by_window) = best.checked_sub(window.max(1)) else { return Ok(()) };
        let mut up_to = by_window.min(finalized);
        let from = match self.pruned_up_to()? {
            Some(done) => done.saturating_add(1),
            // A database from before this pointer expired one height per block.
            None => up_to,
        };
        // Finality that jumps far ahead releases in steps: each write stays bounded, and the
        // following ones go on from the pointer.
        up_to = up_to.min(from.saturating_add(MAX_HEIGHTS_EXPIRED_PER_WRITE - 1));
        if from > up_to {
            return Ok(());
        }
        for height in from..=up_to {
            for (hash, count) in self.expire_journal(tx, height, reorg_route)? {
                net.entry(hash).or_insert((0, None)).0 -= i64::from(count);
            }
        }
        tx.put(columns::META, meta_keys::PRUNED, &number_key(up_to));
        Ok(())
    }

    /// Writes the net reference changes `net` into `tx`: nodes whose count reaches zero
    /// are deleted. Returns the nodes newly stored, for the cache.
    fn write_references(
        &self,
        tx: &mut DBTransaction,
        net: NetReferences,
    ) -> DbResult<Vec<(H256, Vec<u8>)>> {
        let mut added = Vec::new();
        // In key order: RocksDB's memtable inserts a sorted batch faster (each insert starts
        // from where the last one went in), and the reads before them are nearer each other.
        let mut net: Vec<_> = net.into_iter().collect();
        net.sort_unstable_by_key(|(hash, _)| *hash);
        for (hash, (change, node)) in net {
            if change == 0 {
                continue;
            }
            let (current, stored_node) = match self.state_count(&hash)? {
                Some((count, stored)) => (i64::from(count), Some(stored)),
                None => (0, None),
            };
            let updated = current + change;
            if updated <= 0 {
                tx.delete(columns::STATE, hash.as_bytes());
                continue;
            }
            let Some(node) = node.or(stored_node) else {
                // A release for a node that is gone: nothing to keep.
                continue;
            };
            let mut value = Vec::with_capacity(node.len() + 4);
            value.extend_from_slice(&(updated.min(i64::from(u32::MAX)) as u32).to_le_bytes());
            value.extend_from_slice(&node);
            tx.put_vec(columns::STATE, hash.as_bytes(), value);
            if current == 0 && node.len() <= NODE_CACHE_MAX_NODE {
                added.push((hash, node));
            }
        }
        Ok(added)
    }
}

impl Db {
    /// Marks `hash` (a best-chain block) final, storing `justification` with it if given, and
    /// releases what heights then leave the pruning window.
    pub fn set_finalized(&self, hash: &H256, justification: Option<&[u8]>) -> DbResult<()> {
        let mut tx = DBTransaction::new();
        tx.put(columns::META, meta_keys::FINALIZED, hash.as_bytes());
        if let Some(justification) = justification {
            tx.put(columns::JUSTIFICATION, hash.as_bytes(), justification);
        }
        if let Pruning::Window(window) = self.pruning {
            let finalized = self.number_of(Some(*hash))?;
            let best = self.number_of(self.best()?)?;
            let mut net = NetReferences::new();
            self.expire_heights(&mut tx, &mut net, best, finalized, window, &[])?;
            self.write_references(&mut tx, net)?;
        }
        self.inner.write(tx)?;
        Ok(())
    }
}

/// The state trie's nodes as trie-db reads them.
impl HashDBRef<Blake2Hasher, Vec<u8>> for Db {
    fn get(&self, key: &H256, _prefix: Prefix) -> Option<Vec<u8>> {
        match self.state_node(key) {
            Ok(node) => node,
            Err(error) => {
                // trie-db reports a missing node as an error naming the hash; say why here.
                tracing::error!(target: "db", %error, node = ?key, "reading a trie node failed");
                None
            }
        }
    }

    fn contains(&self, key: &H256, prefix: Prefix) -> bool {
        HashDBRef::get(self, key, prefix).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfs_runtime_primitives::generic::{Digest, DigestItem};

    fn header(number: BlockNumber, parent: H256) -> Header {
        Header {
            parent_hash: parent,
            number,
            state_root: H256::default(),
            extrinsics_root: H256::default(),
            digest: Default::default(),
        }
    }

    /// Commits block `number` as best and final.
    fn write(db: &Db, number: BlockNumber, delta: Vec<(H256, Vec<u8>, i32)>) -> H256 {
        commit(db, &header(number, H256([number as u8; 32])), delta, true, true)
    }

    fn commit(
        db: &Db,
        header: &Header,
        delta: Vec<(H256, Vec<u8>, i32)>,
        is_best: bool,
        finalize: bool,
    ) -> H256 {
        let hash = header.hash();
        db.commit_block(BlockWrite {
            hash,
            header,
            body: &[OpaqueExtrinsic(vec![1, 2, 3])],
            justifications: None,
            state_delta: delta,
            is_best,
            reorg_route: vec![],
            finalize,
        })
        .unwrap();
        hash
    }

    #[test]
    fn blocks_and_pointers_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let hash = {
            let db = Db::open(dir.path(), Pruning::Archive).unwrap();
            write(&db, 0, vec![])
        };
        let db = Db::open(dir.path(), Pruning::Archive).unwrap();
        assert_eq!(db.genesis().unwrap(), Some(hash));
        assert_eq!(db.best().unwrap(), Some(hash));
        assert_eq!(db.finalized().unwrap(), Some(hash));
        assert_eq!(db.canonical_hash(0).unwrap(), Some(hash));
        assert_eq!(db.header(&hash).unwrap().unwrap().number, 0);
        assert_eq!(db.body(&hash).unwrap().unwrap(), vec![OpaqueExtrinsic(vec![1, 2, 3])]);
        drop(db);
        let error = Db::open(dir.path(), Pruning::Window(10)).err().unwrap();
        assert!(error.to_string().contains("purge the chain"), "{error}");
    }

    #[test]
    fn dropped_nodes_are_released_only_past_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Pruning::Window(2)).unwrap();
        let (a, b) = (H256([0xaa; 32]), H256([0xbb; 32]));
        write(&db, 0, vec![(a, b"node a".to_vec(), 2), (b, b"node b".to_vec(), 1)]);
        write(&db, 1, vec![(a, vec![], -1), (b, vec![], -1)]);
        // Block 1's drops wait until block 3.
        assert!(db.has_state_node(&b).unwrap());
        write(&db, 2, vec![]);
        assert!(db.has_state_node(&b).unwrap());
        write(&db, 3, vec![]);
        assert!(!db.has_state_node(&b).unwrap());
        // `a` had two references and lost one.
        assert!(db.has_state_node(&a).unwrap());
        assert_eq!(db.state_node(&a).unwrap(), Some(b"node a".to_vec()));
        // Nodes are remembered by the hash of their bytes: a released one is still served to
        // a walk that reaches it, while the pruning check asks the disk.
        assert_eq!(db.state_node(&b).unwrap(), Some(b"node b".to_vec()));
        drop(db);
        let db = Db::open(dir.path(), Pruning::Window(2)).unwrap();
        assert_eq!(db.state_node(&b).unwrap(), None, "gone from disk");
    }

    #[test]
    fn a_sibling_s_drops_never_release_nodes_the_canonical_state_holds() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Pruning::Window(2)).unwrap();
        let (x, y, z, w) = (H256([1; 32]), H256([2; 32]), H256([3; 32]), H256([4; 32]));
        write(&db, 0, vec![(x, b"x".to_vec(), 1), (y, b"y".to_vec(), 1)]);
        // Two blocks at height 1: the canonical one drops x, the sibling drops y.
        let canonical = write(&db, 1, vec![(x, vec![], -1), (z, b"z".to_vec(), 1)]);
        let sibling_header = Header {
            digest: Digest { logs: vec![DigestItem::Other(vec![7])] },
            ..header(1, H256([1; 32]))
        };
        assert_ne!(sibling_header.hash(), canonical);
        commit(&db, &sibling_header, vec![(y, vec![], -1), (w, b"w".to_vec(), 1)], false, false);
        assert_eq!(db.canonical_hash(1).unwrap(), Some(canonical));
        write(&db, 2, vec![]);
        write(&db, 3, vec![]);
        // Height 1 left the window: the canonical block's drop applied, the sibling's not.
        assert!(!db.has_state_node(&x).unwrap());
        assert!(db.has_state_node(&y).unwrap(), "the canonical state still holds y");
        assert!(db.has_state_node(&z).unwrap());
        // Both entries of height 1 are gone from the journal.
        assert_eq!(db.inner.iter_with_prefix(columns::STATE_JOURNAL, &number_key(1)).count(), 0);
    }

    #[test]
    fn a_journal_entry_keyed_by_number_alone_is_still_released() {
        // Databases written before forks were told apart.
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Pruning::Window(1)).unwrap();
        let x = H256([1; 32]);
        write(&db, 0, vec![(x, b"x".to_vec(), 1)]);
        write(&db, 1, vec![]);
        let mut tx = DBTransaction::new();
        tx.put(columns::STATE_JOURNAL, &number_key(1), &vec![(x, 1u32)].encode());
        db.inner.write(tx).unwrap();
        write(&db, 2, vec![]);
        assert!(!db.has_state_node(&x).unwrap());
    }

    #[test]
    fn a_legacy_entry_gives_way_to_the_canonical_block_s_own() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Pruning::Window(1)).unwrap();
        let (x, y) = (H256([1; 32]), H256([2; 32]));
        write(&db, 0, vec![(x, b"x".to_vec(), 1), (y, b"y".to_vec(), 1)]);
        // Block 1 (canonical) drops y; a stale entry by number alone would drop x.
        write(&db, 1, vec![(y, vec![], -1)]);
        let mut tx = DBTransaction::new();
        tx.put(columns::STATE_JOURNAL, &number_key(1), &vec![(x, 1u32)].encode());
        db.inner.write(tx).unwrap();
        write(&db, 2, vec![]);
        assert!(!db.has_state_node(&y).unwrap());
        assert!(db.has_state_node(&x).unwrap(), "the stale entry is not applied");
        assert_eq!(db.inner.iter_with_prefix(columns::STATE_JOURNAL, &number_key(1)).count(), 0);
    }

    #[test]
    fn drops_wait_for_finality_and_then_each_height_expires_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Pruning::Window(1)).unwrap();
        let (x, y) = (H256([1; 32]), H256([2; 32]));
        write(&db, 0, vec![(x, b"x".to_vec(), 1), (y, b"y".to_vec(), 2)]);
        // Blocks 1..=4 are best but not final: block 1 drops x, block 2 drops y once.
        let unfinalized = |number: BlockNumber, delta: Vec<(H256, Vec<u8>, i32)>| {
            commit(&db, &header(number, H256([number as u8; 32])), delta, true, false)
        };
        unfinalized(1, vec![(x, vec![], -1)]);
        unfinalized(2, vec![(y, vec![], -1)]);
        unfinalized(3, vec![]);
        let fourth = unfinalized(4, vec![]);
        // Far past the window, but nothing is final yet: every state stays whole.
        assert!(db.has_state_node(&x).unwrap());
        assert_eq!(db.state_count(&y).unwrap().unwrap().0, 2);
        // Finality releases heights 1..=3 at once; y loses its one dropped reference.
        db.set_finalized(&fourth, None).unwrap();
        assert!(!db.has_state_node(&x).unwrap());
        assert_eq!(db.state_count(&y).unwrap().unwrap().0, 1);
        // Later blocks do not release those heights again.
        write(&db, 5, vec![]);
        write(&db, 6, vec![]);
        assert_eq!(db.state_count(&y).unwrap().unwrap().0, 1);
    }

    #[test]
    fn archive_keeps_every_node() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Pruning::Archive).unwrap();
        let a = H256([0xaa; 32]);
        write(&db, 0, vec![(a, b"node a".to_vec(), 1)]);
        for number in 1..5 {
            write(&db, number, if number == 1 { vec![(a, vec![], -1)] } else { vec![] });
        }
        assert_eq!(db.state_node(&a).unwrap(), Some(b"node a".to_vec()));
    }
}
