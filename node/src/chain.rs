//! The chain: blocks and states in the database, runtime calls at any kept block, block
//! import and finality, and notifications of both.
//!
//! Blocks reach [`Chain::import`] either from this node's author, already executed (their
//! storage changes and trie nodes come along, so nothing runs twice), or from outside
//! (`import-blocks`, later the network), in which case the seal is checked and the block
//! is executed by the Wasm runtime, which checks the extrinsics root, the digest and the
//! state root. Either way one atomic database write stores it.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, RwLock},
    time::Instant,
};

use codec::{Decode, Encode};
use dfs_core::{sr25519, AccountId32, StateVersion, H256};
use dfs_executor::{state::TrieBackend, Executor, ExecutorError};
use dfs_io::state::StorageChanges;
use dfs_runtime_primitives::{
    generic::{Block, BlockNumber, DigestItem, Header, OpaqueExtrinsic},
    RuntimeVersion,
};
use dfs_trie::MemoryDB;
use tokio::sync::broadcast;

use crate::db::{BlockWrite, Db, DbError};

/// The Aura engine id in digests.
pub const AURA_ENGINE_ID: [u8; 4] = *b"aura";

/// A block on this node's chain, by hash and number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRef {
    /// The block hash.
    pub hash: H256,
    /// The block number.
    pub number: BlockNumber,
}

/// Why a chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The runtime failed.
    #[error(transparent)]
    Executor(#[from] ExecutorError),
    /// Reading a kept state failed (a missing or corrupt trie node).
    #[error(transparent)]
    State(#[from] dfs_io::state::BackendError),
    /// No such block here.
    #[error("unknown block {0:?}")]
    UnknownBlock(H256),
    /// The block's state is no longer kept (pruned).
    #[error("the state of block {0:?} is not available (pruned); run with --state-pruning archive to keep every state")]
    StatePruned(H256),
    /// The block is invalid.
    #[error("invalid block #{number} ({hash:?}): {reason}")]
    InvalidBlock {
        /// Its number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
        /// Why.
        reason: String,
    },
    /// The runtime's output did not decode.
    #[error("the runtime's `{0}` returned undecodable output")]
    BadOutput(&'static str),
}

/// A `Result` with [`ChainError`].
pub type ChainResult<T> = Result<T, ChainError>;

/// Something that happened to the chain.
#[derive(Debug, Clone)]
pub enum ChainEvent {
    /// A block was imported.
    Imported {
        /// The block.
        block: BlockRef,
        /// Its header.
        header: Arc<Header>,
        /// Whether it is the new best block.
        is_best: bool,
        /// The storage keys it changed.
        changed_keys: Arc<Vec<Vec<u8>>>,
    },
    /// A block became final.
    Finalized {
        /// The block.
        block: BlockRef,
        /// Its header.
        header: Arc<Header>,
    },
}

/// A block this node built: executed already, with what execution produced.
pub struct BuiltBlock {
    /// The sealed block.
    pub block: Block<OpaqueExtrinsic>,
    /// The storage changes of its execution.
    pub changes: StorageChanges,
    /// The trie nodes its state adds and drops.
    pub nodes: MemoryDB,
}

/// Where a block to import comes from.
pub enum ImportSource {
    /// Built and executed by this node.
    Own(BuiltBlock),
    /// From outside: check the seal and execute.
    External(Block<OpaqueExtrinsic>),
}

/// The chain as this node stores it.
pub struct Chain {
    db: Db,
    executor: Arc<Executor>,
    genesis: H256,
    best: RwLock<BlockRef>,
    finalized: RwLock<BlockRef>,
    import_lock: Mutex<()>,
    events: broadcast::Sender<ChainEvent>,
    version_cache: Mutex<Option<(H256, RuntimeVersion)>>,
}

/// How many chain events a slow subscriber may lag behind before it misses some.
const EVENT_BUFFER: usize = 1024;

impl Chain {
    /// Opens the chain in `db`, writing the genesis block from `genesis_storage` if the
    /// database is empty. A database holding another chain is refused.
    pub fn open(
        db: Db,
        executor: Arc<Executor>,
        genesis_storage: BTreeMap<Vec<u8>, Vec<u8>>,
    ) -> ChainResult<Self> {
        let (genesis_header, nodes) = genesis_block(&genesis_storage)?;
        let genesis = genesis_header.hash();
        match db.genesis()? {
            Some(stored) if stored != genesis => {
                return Err(ChainError::InvalidBlock {
                    number: 0,
                    hash: genesis,
                    reason: format!(
                        "the database holds another chain (genesis {stored:?}); use another \
                         base path or purge-chain"
                    ),
                })
            }
            Some(_) => {}
            None => {
                db.commit_block(BlockWrite {
                    hash: genesis,
                    header: &genesis_header,
                    body: &[],
                    justifications: None,
                    state_delta: node_delta(nodes),
                    is_best: true,
                    reorg_route: vec![],
                    finalize: true,
                })?;
            }
        }
        let load = |hash: Option<H256>| -> ChainResult<BlockRef> {
            let hash = hash.unwrap_or(genesis);
            let header = db.header(&hash)?.ok_or(ChainError::UnknownBlock(hash))?;
            Ok(BlockRef { hash, number: header.number })
        };
        let best = load(db.best()?)?;
        let finalized = load(db.finalized()?)?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Ok(Chain {
            db,
            executor,
            genesis,
            best: RwLock::new(best),
            finalized: RwLock::new(finalized),
            import_lock: Mutex::new(()),
            events,
            version_cache: Mutex::new(None),
        })
    }

    /// The genesis hash.
    pub fn genesis(&self) -> H256 {
        self.genesis
    }

    /// The best block.
    pub fn best(&self) -> BlockRef {
        *self.best.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The last finalized block.
    pub fn finalized(&self) -> BlockRef {
        *self.finalized.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The executor.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Notifications of imports and finality.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// The header of block `hash`.
    pub fn header(&self, hash: &H256) -> ChainResult<Option<Header>> {
        Ok(self.db.header(hash)?)
    }

    /// The header of `hash`, or an error if unknown.
    pub fn expect_header(&self, hash: &H256) -> ChainResult<Header> {
        self.header(hash)?.ok_or(ChainError::UnknownBlock(*hash))
    }

    /// The extrinsics of block `hash`.
    pub fn body(&self, hash: &H256) -> ChainResult<Option<Vec<OpaqueExtrinsic>>> {
        Ok(self.db.body(hash)?)
    }

    /// The justifications of block `hash`.
    pub fn justifications(&self, hash: &H256) -> ChainResult<Option<Vec<u8>>> {
        Ok(self.db.justifications(hash)?)
    }

    /// The hash of the canonical block at `number`.
    pub fn hash_at(&self, number: BlockNumber) -> ChainResult<Option<H256>> {
        if number > self.best().number {
            return Ok(None);
        }
        Ok(self.db.canonical_hash(number)?)
    }

    /// The state of block `hash`, to read or run calls on.
    pub fn state_at(&self, hash: &H256) -> ChainResult<TrieBackend<'_>> {
        let header = self.expect_header(hash)?;
        // The root node must be there; a pruned state lost it.
        if header.state_root != dfs_trie::empty_root()
            && !self.db.has_state_node(&header.state_root)?
        {
            return Err(ChainError::StatePruned(*hash));
        }
        if self.db.canonical_hash(header.number)? != Some(*hash) {
            // A fork keeps its root, but once the height where it left the chain is pruned,
            // the canonical block's releases there took nodes of their common parent.
            let fork_point = self.fork_point(&header)?;
            if self.db.pruned_up_to()?.is_some_and(|pruned| fork_point <= pruned) {
                return Err(ChainError::StatePruned(*hash));
            }
        }
        Ok(TrieBackend::new(&self.db, header.state_root))
    }

    /// The height of the first block of the fork a non-canonical `header` is on: the lowest
    /// of its non-canonical ancestors, or itself if its parent is canonical.
    fn fork_point(&self, header: &Header) -> ChainResult<BlockNumber> {
        let route = self.canonical_route(header)?;
        Ok(route.last().map_or(header.number, |(number, _)| *number))
    }

    /// Calls runtime API `method` at block `at` and returns its raw output; changes are
    /// discarded.
    pub fn call(&self, at: &H256, method: &str, input: &[u8]) -> ChainResult<Vec<u8>> {
        let state = self.state_at(at)?;
        Ok(self.executor.call_fresh(&state, method, input)?.output)
    }

    /// Calls `method` at `at` and decodes its output as `T`.
    pub fn call_decoded<T: Decode>(
        &self,
        at: &H256,
        method: &'static str,
        input: &[u8],
    ) -> ChainResult<T> {
        let output = self.call(at, method, input)?;
        T::decode(&mut &output[..]).map_err(|_| ChainError::BadOutput(method))
    }

    /// The runtime version at block `at` (cached by code hash).
    pub fn runtime_version(&self, at: &H256) -> ChainResult<RuntimeVersion> {
        let state = self.state_at(at)?;
        let code_hash =
            dfs_io::state::Backend::storage_hash(&state, dfs_executor::state::CODE_KEY)?
                .ok_or(ChainError::Executor(ExecutorError::InvalidCode("no :code".into())))?;
        let mut cache = self.version_cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((hash, version)) = cache.as_ref() {
            if *hash == code_hash {
                return Ok(version.clone());
            }
        }
        let version: RuntimeVersion = self.call_decoded(at, "Core_version", &[])?;
        *cache = Some((code_hash, version.clone()));
        Ok(version)
    }

    /// The block authorities at `at` (their sr25519 keys), from the runtime's `AuraApi`.
    pub fn authorities(&self, at: &H256) -> ChainResult<Vec<AccountId32>> {
        self.call_decoded(at, "AuraApi_authorities", &[])
    }

    /// The value at `key` in the state of `at`.
    pub fn storage(&self, at: &H256, key: &[u8]) -> ChainResult<Option<Vec<u8>>> {
        let state = self.state_at(at)?;
        Ok(dfs_io::state::Backend::storage(&state, key)?)
    }

    /// Imports a block; `finalize` makes it final at once if it becomes best (a
    /// single-authority chain). Returns whether it became the best block. A block that does
    /// not descend from the finalized block is refused before it is executed.
    pub fn import(&self, source: ImportSource, finalize: bool) -> ChainResult<bool> {
        let _guard = self.import_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let started = Instant::now();
        let incoming = match &source {
            ImportSource::Own(built) => &built.block.header,
            ImportSource::External(block) => &block.header,
        };
        if self.db.header(&incoming.hash())?.is_some() {
            return Ok(false);
        }
        self.check_descends_from_finalized(incoming)?;
        let (block, changes, nodes) = match source {
            ImportSource::Own(built) => (built.block, built.changes, built.nodes),
            ImportSource::External(block) => {
                let (changes, nodes) = self.execute_external(&block)?;
                (block, changes, nodes)
            }
        };
        let prepared = started.elapsed();
        let header = &block.header;
        let hash = header.hash();
        let best = self.best();
        let is_best = header.number > best.number;
        let finalize = finalize && is_best;
        let reorg_route = if is_best && header.parent_hash != best.hash {
            self.canonical_route(header)?
        } else {
            vec![]
        };
        self.db.commit_block(BlockWrite {
            hash,
            header,
            body: &block.extrinsics,
            justifications: None,
            state_delta: node_delta(nodes),
            is_best,
            reorg_route,
            finalize,
        })?;
        let this = BlockRef { hash, number: header.number };
        if is_best {
            *self.best.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = this;
        }
        if finalize {
            *self.finalized.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = this;
        }
        tracing::debug!(
            target: "chain",
            "Stored #{} in {} ms",
            header.number,
            (started.elapsed() - prepared).as_millis()
        );
        crate::metrics::BLOCK_IMPORT.observe(started.elapsed());
        tracing::info!(
            target: "chain",
            "Imported #{} ({hash}, {} extrinsics)",
            header.number,
            block.extrinsics.len()
        );
        let header = Arc::new(block.header.clone());
        // Nobody listening is fine.
        let _ = self.events.send(ChainEvent::Imported {
            block: this,
            header: header.clone(),
            is_best,
            changed_keys: Arc::new(changes.into_keys().collect()),
        });
        if finalize {
            let _ = self.events.send(ChainEvent::Finalized { block: this, header });
        }
        Ok(is_best)
    }

    /// Makes block `hash` (a best-chain block) and its ancestors final.
    pub fn finalize(&self, hash: &H256) -> ChainResult<()> {
        let _guard = self.import_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let header = self.expect_header(hash)?;
        if header.number <= self.finalized().number {
            return Ok(());
        }
        if self.db.canonical_hash(header.number)? != Some(*hash) {
            return Err(ChainError::InvalidBlock {
                number: header.number,
                hash: *hash,
                reason: "cannot finalize a block off the best chain".into(),
            });
        }
        self.db.set_finalized(hash)?;
        let this = BlockRef { hash: *hash, number: header.number };
        *self.finalized.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = this;
        tracing::debug!(target: "chain", "Finalized #{} ({hash})", header.number);
        let _ = self.events.send(ChainEvent::Finalized { block: this, header: Arc::new(header) });
        Ok(())
    }

    /// Refuses `header` unless it extends the chain through the finalized block: nothing
    /// final is ever reverted, and the state pruning relies on that (heights at or below the
    /// finalized block may have released the nodes other forks' states need).
    fn check_descends_from_finalized(&self, header: &Header) -> ChainResult<()> {
        let finalized = self.finalized();
        let refuse = |reason: String| ChainError::InvalidBlock {
            number: header.number,
            hash: header.hash(),
            reason,
        };
        if header.number <= finalized.number {
            return Err(refuse(format!("at or below the finalized block #{}", finalized.number)));
        }
        // Back to the finalized height, unless the chain is met first: the canonical chain
        // holds the finalized block. Each step checks the stored number, so a claimed height
        // cannot send the walk further than the ancestors really go.
        let (mut number, mut hash) = (header.number - 1, header.parent_hash);
        while number > finalized.number {
            if self.db.canonical_hash(number)? == Some(hash) {
                return Ok(());
            }
            let ancestor = match self.db.header(&hash)? {
                Some(ancestor) if ancestor.number == number => ancestor,
                Some(ancestor) => {
                    return Err(refuse(format!(
                        "number does not follow its ancestor #{}",
                        ancestor.number
                    )))
                }
                None => return Err(refuse(format!("unknown ancestor {hash:?}"))),
            };
            (number, hash) = (number - 1, ancestor.parent_hash);
        }
        if hash == finalized.hash {
            Ok(())
        } else {
            Err(refuse(format!("not a descendant of the finalized block #{}", finalized.number)))
        }
    }

    /// The canonical entries that change when `header` becomes best: its ancestors back to
    /// the first one already canonical.
    fn canonical_route(&self, header: &Header) -> ChainResult<Vec<(BlockNumber, H256)>> {
        let mut route = Vec::new();
        let mut cursor = self.expect_header(&header.parent_hash)?;
        let mut cursor_hash = header.parent_hash;
        loop {
            if self.db.canonical_hash(cursor.number)? == Some(cursor_hash) {
                return Ok(route);
            }
            route.push((cursor.number, cursor_hash));
            cursor_hash = cursor.parent_hash;
            cursor = self.expect_header(&cursor_hash)?;
        }
    }

    /// Checks an external block's seal and slot, then executes it.
    fn execute_external(
        &self,
        block: &Block<OpaqueExtrinsic>,
    ) -> ChainResult<(StorageChanges, MemoryDB)> {
        let hash = block.header.hash();
        let invalid =
            |reason: String| ChainError::InvalidBlock { number: block.header.number, hash, reason };
        let parent = self
            .header(&block.header.parent_hash)?
            .ok_or_else(|| invalid(format!("unknown parent {:?}", block.header.parent_hash)))?;
        if block.header.number != parent.number + 1 {
            return Err(invalid(format!("number does not follow parent #{}", parent.number)));
        }
        let mut unsealed = block.header.clone();
        let seal = unsealed
            .digest
            .pop_seal(AURA_ENGINE_ID)
            .ok_or_else(|| invalid("no aura seal".into()))?;
        let slot = slot_of(&unsealed).ok_or_else(|| invalid("no aura slot digest".into()))?;
        if parent.number > 0 && slot_of(&parent).is_some_and(|parent_slot| slot <= parent_slot) {
            return Err(invalid(format!("slot {slot} does not follow its parent's")));
        }
        let authorities = self.authorities(&block.header.parent_hash)?;
        if authorities.is_empty() {
            return Err(invalid("the runtime has no authorities".into()));
        }
        let author = authorities[(slot % authorities.len() as u64) as usize];
        let signature = <[u8; 64]>::try_from(&seal[..])
            .map_err(|_| invalid("the seal is not a 64-byte signature".into()))?;
        if !sr25519::verify(
            &sr25519::Signature(signature),
            unsealed.hash().as_bytes(),
            &sr25519::Public(author.0),
        ) {
            return Err(invalid(format!("bad seal: not signed by slot {slot}'s author")));
        }
        let state = self.state_at(&block.header.parent_hash)?;
        let unsealed_block = Block { header: unsealed, extrinsics: block.extrinsics.clone() };
        let started = Instant::now();
        let outcome = self
            .executor
            .call_fresh(&state, "Core_execute_block", &unsealed_block.encode())
            .map_err(|error| invalid(error.to_string()))?;
        let executed = started.elapsed();
        let (root, nodes) = state
            .commit(&outcome.changes, StateVersion::V1)
            .map_err(|error| invalid(error.to_string()))?;
        tracing::debug!(
            target: "chain",
            "Executed #{} in {} ms, state root over {} changed keys in {} ms",
            block.header.number,
            executed.as_millis(),
            outcome.changes.len(),
            (started.elapsed() - executed).as_millis()
        );
        if root != block.header.state_root {
            return Err(invalid(format!(
                "state root mismatch: header {:?}, execution {root:?}",
                block.header.state_root
            )));
        }
        Ok((outcome.changes, nodes))
    }
}

/// The Aura slot in `header`'s pre-runtime digest.
pub fn slot_of(header: &Header) -> Option<u64> {
    let mut data = header.digest.pre_runtime(AURA_ENGINE_ID)?;
    u64::decode(&mut data).ok()
}

/// Seals `header` with `pair`'s signature over its hash.
pub fn seal(mut header: Header, pair: &dfs_core::pair::Sr25519Pair) -> Header {
    let signature = pair.sign(header.hash().as_bytes());
    header.digest.push(DigestItem::Seal(AURA_ENGINE_ID, signature.0.to_vec()));
    header
}

/// The genesis header and trie for `storage`.
fn genesis_block(storage: &BTreeMap<Vec<u8>, Vec<u8>>) -> ChainResult<(Header, MemoryDB)> {
    let mut nodes = MemoryDB::default();
    let state_root = dfs_trie::apply_changes(
        &mut nodes,
        StateVersion::V1,
        dfs_trie::empty_root(),
        storage.iter().map(|(key, value)| (&key[..], Some(&value[..]))),
    )
    .map_err(|error| ChainError::InvalidBlock {
        number: 0,
        hash: H256::default(),
        reason: format!("genesis storage: {error}"),
    })?;
    let header = Header {
        parent_hash: H256::default(),
        number: 0,
        state_root,
        extrinsics_root: dfs_trie::ordered_trie_root(StateVersion::V1, Vec::<Vec<u8>>::new()),
        digest: Default::default(),
    };
    Ok((header, nodes))
}

/// The trie nodes of a commit as the database takes them.
fn node_delta(mut nodes: MemoryDB) -> Vec<(H256, Vec<u8>, i32)> {
    nodes.drain().into_iter().map(|(hash, (node, count))| (hash, node, count)).collect()
}
