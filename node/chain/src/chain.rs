//! [`Chain`]: the database, the executor and the chain's pointers, behind the reader,
//! import and finality traits.
//!
//! A block reaches [`BlockImport::import_block`] either from this node's author, already
//! executed (its storage changes and trie nodes come along, so nothing runs twice), or from
//! a [`crate::Verifier`] that checked its seal, in which case the Wasm runtime executes it,
//! checking the extrinsics root, the digest and the state root. Either way one atomic
//! database write stores it.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, RwLock},
    time::Instant,
};

use codec::Encode;
use dfs_core::{StateVersion, H256};
use dfs_executor::{state::TrieBackend, CallKind, Executor, ExecutorError};
// Every value locked here is replaced whole: a panicking holder leaves no half state.
use dfs_io::{
    state::{Backend, StorageChanges},
    sync::lock,
};
use dfs_runtime_primitives::{
    generic::{BlockNumber, Header, OpaqueExtrinsic},
    well_known_keys, RuntimeVersion,
};
use dfs_trie::MemoryDB;
use tokio::sync::broadcast;

use crate::{
    db::{columns, BlockWrite, Db, DbError},
    error::runtime_failed_on_input,
    import::{BlockImportParams, ImportOutcome, StateAction},
    metrics::ChainMetrics,
    runtime_api::{CoreExecuteBlock, CoreVersion, RuntimeApiCall},
    traits::{BlockImport, BlockReader, Finalizer, HeaderReader, StateReader},
    BlockRef, ChainError, ChainEvent, ChainResult, ImportError, TreeRoute,
};

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
    metrics: ChainMetrics,
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
        metrics: ChainMetrics,
    ) -> ChainResult<Self> {
        let (genesis_header, nodes) = genesis_block(&genesis_storage)?;
        let genesis = genesis_header.hash();
        match db.genesis()? {
            Some(stored) if stored != genesis => {
                return Err(ChainError::Refused(format!(
                    "the database holds another chain (genesis {stored:?}, this spec's is \
                     {genesis:?}); use another base path or purge-chain"
                )))
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
        metrics.set_heights(best.number, finalized.number);
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
            metrics,
        })
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

    /// The height of the first block of the fork a non-canonical `header` is on: the lowest
    /// of its non-canonical ancestors, or itself if its parent is canonical.
    fn fork_point(&self, header: &Header) -> ChainResult<BlockNumber> {
        let route = self.canonical_route(header)?;
        Ok(route.last().map_or(header.number, |(number, _)| *number))
    }

    /// The runtime version at block `at` (cached by code hash).
    pub fn runtime_version(&self, at: &H256) -> ChainResult<RuntimeVersion> {
        let state = self.state_at(at)?;
        let code_hash = state
            .storage_hash(well_known_keys::CODE)?
            .ok_or(ChainError::Executor(ExecutorError::InvalidCode("no :code".into())))?;
        if let Some((hash, version)) = lock(&self.version_cache).as_ref() {
            if *hash == code_hash {
                return Ok(version.clone());
            }
        }
        let version = self.runtime_api::<CoreVersion>(at, &())?;
        *lock(&self.version_cache) = Some((code_hash, version.clone()));
        Ok(version)
    }

    /// The value at `key` in the state of `at`.
    pub fn storage(&self, at: &H256, key: &[u8]) -> ChainResult<Option<Vec<u8>>> {
        Ok(self.state_at(at)?.storage(key)?)
    }

    /// Refuses `header` unless it extends the chain through the finalized block: nothing
    /// final is ever reverted, and the state pruning relies on that (heights at or below the
    /// finalized block may have released the nodes other forks' states need).
    fn check_descends_from_finalized(
        &self,
        header: &Header,
        hash: H256,
    ) -> Result<(), ImportError> {
        let finalized = self.finalized();
        let number = header.number;
        let stale = |reason: String| ImportError::Stale { number, hash, reason };
        let node = |source: ChainError| ImportError::Node { number, hash, source };
        if number <= finalized.number {
            return Err(stale(format!("at or below the finalized block #{}", finalized.number)));
        }
        // Back to the finalized height, unless the chain is met first: the canonical chain
        // holds the finalized block. Each step checks the stored number, so a claimed height
        // cannot send the walk further than the ancestors really go.
        let (mut cursor, mut cursor_hash) = (number - 1, header.parent_hash);
        while cursor > finalized.number {
            if self.db.canonical_hash(cursor).map_err(|e| node(e.into()))? == Some(cursor_hash) {
                return Ok(());
            }
            // The parent was checked by the caller and every stored block's own ancestors
            // were checked at its import: a gap or a wrong number here is this database's.
            let ancestor = match self.db.header(&cursor_hash).map_err(|e| node(e.into()))? {
                Some(ancestor) if ancestor.number == cursor => ancestor,
                found => {
                    let reason = match found {
                        Some(ancestor) => format!(
                            "stored block {cursor_hash:?} is #{}, its child says #{cursor}",
                            ancestor.number
                        ),
                        None => format!("stored ancestor #{cursor} {cursor_hash:?} is missing"),
                    };
                    return Err(node(DbError::Corrupt { column: columns::HEADER, reason }.into()));
                }
            };
            (cursor, cursor_hash) = (cursor - 1, ancestor.parent_hash);
        }
        if cursor_hash == finalized.hash {
            Ok(())
        } else {
            Err(stale(format!("not a descendant of the finalized block #{}", finalized.number)))
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

    /// Executes `params`' block on its parent's state and checks the resulting state root.
    /// A failure of the runtime on the block blames it; a failure of this node does not.
    fn execute(
        &self,
        params: &BlockImportParams,
        hash: H256,
    ) -> Result<(StorageChanges, MemoryDB), ImportError> {
        let number = params.header.number;
        let bad = |reason: String| ImportError::BadBlock { number, hash, reason };
        let node = |source: ChainError| ImportError::Node { number, hash, source };
        let state = self.state_at(&params.header.parent_hash).map_err(node)?;
        // Encoded as a `Block` is (the header, then the body), without copying either first.
        let block = (&params.header, &params.body).encode();
        let started = Instant::now();
        let mut overlay = dfs_io::state::OverlayedChanges::default();
        let executed = self.executor.call_at(
            &state,
            &mut overlay,
            CoreExecuteBlock::METHOD,
            &block,
            CallKind::Block,
        );
        match executed {
            Ok(_) => {}
            Err(error) if runtime_failed_on_input(&error) => return Err(bad(error.to_string())),
            Err(error) => return Err(node(error.into())),
        }
        let changes = overlay.drain_committed();
        let execution = started.elapsed();
        let (root, nodes) =
            state.commit(&changes, StateVersion::V1).map_err(|e| node(ChainError::State(e)))?;
        tracing::debug!(
            target: "chain",
            "Executed #{number} in {} ms, state root over {} changed keys in {} ms",
            execution.as_millis(),
            changes.len(),
            (started.elapsed() - execution).as_millis()
        );
        if root != params.header.state_root {
            return Err(bad(format!(
                "state root mismatch: header {:?}, execution {root:?}",
                params.header.state_root
            )));
        }
        Ok((changes, nodes))
    }
}

impl HeaderReader for Chain {
    fn genesis(&self) -> H256 {
        self.genesis
    }

    fn best(&self) -> BlockRef {
        *self.best.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn finalized(&self) -> BlockRef {
        *self.finalized.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn header(&self, hash: &H256) -> ChainResult<Option<Header>> {
        Ok(self.db.header(hash)?)
    }

    fn hash_at(&self, number: BlockNumber) -> ChainResult<Option<H256>> {
        if number > self.best().number {
            return Ok(None);
        }
        Ok(self.db.canonical_hash(number)?)
    }
}

impl BlockReader for Chain {
    fn body(&self, hash: &H256) -> ChainResult<Option<Vec<OpaqueExtrinsic>>> {
        Ok(self.db.body(hash)?)
    }

    fn justifications(&self, hash: &H256) -> ChainResult<Option<Vec<u8>>> {
        Ok(self.db.justifications(hash)?)
    }
}

impl StateReader for Chain {
    fn state_at(&self, hash: &H256) -> ChainResult<TrieBackend<'_>> {
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

    fn call(&self, at: &H256, method: &str, input: &[u8], kind: CallKind) -> ChainResult<Vec<u8>> {
        let state = self.state_at(at)?;
        let mut overlay = dfs_io::state::OverlayedChanges::default();
        Ok(self.executor.call_at(&state, &mut overlay, method, input, kind)?)
    }
}

impl BlockImport for Chain {
    /// Imports a block; with `finalize` it is final at once if it becomes best (a
    /// single-authority chain). A block that does not descend from the finalized block is
    /// refused before it is executed.
    fn import_block(&self, params: BlockImportParams) -> Result<ImportOutcome, ImportError> {
        let _guard = lock(&self.import_lock);
        let started = Instant::now();
        let header = params.post_header();
        let hash = header.hash();
        let number = header.number;
        let this = BlockRef { hash, number };
        let node = |source: ChainError| ImportError::Node { number, hash, source };
        if self.db.header(&hash).map_err(|e| node(e.into()))?.is_some() {
            return Ok(ImportOutcome::AlreadyKnown(this));
        }
        let parent = match self.db.header(&header.parent_hash).map_err(|e| node(e.into()))? {
            Some(parent) => parent,
            None => {
                return Err(ImportError::UnknownParent { number, hash, parent: header.parent_hash })
            }
        };
        if number != parent.number + 1 {
            return Err(ImportError::BadBlock {
                number,
                hash,
                reason: format!("its number does not follow its parent #{}", parent.number),
            });
        }
        self.check_descends_from_finalized(&header, hash)?;
        let origin = params.origin;
        let finalize_requested = params.finalize;
        let (changes, nodes) = match params.state {
            StateAction::Executed { changes, nodes } => (changes, nodes),
            StateAction::Execute => self.execute(&params, hash)?,
        };
        let prepared = started.elapsed();
        let best = self.best();
        let is_best = number > best.number;
        let finalize = finalize_requested && is_best;
        let (reorg_route, reorg) = if is_best && header.parent_hash != best.hash {
            let route = self.canonical_route(&header).map_err(node)?;
            let tree = self.tree_route(&best.hash, &header.parent_hash).map_err(node)?;
            (route, Some(tree))
        } else {
            (vec![], None)
        };
        self.db
            .commit_block(BlockWrite {
                hash,
                header: &header,
                body: &params.body,
                justifications: params.justifications.as_deref(),
                state_delta: node_delta(nodes),
                is_best,
                reorg_route,
                finalize,
            })
            .map_err(|e| node(e.into()))?;
        if is_best {
            *self.best.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = this;
        }
        if finalize {
            *self.finalized.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = this;
        }
        self.metrics.set_heights(self.best().number, self.finalized().number);
        self.metrics.observe_import(started.elapsed());
        tracing::debug!(
            target: "chain",
            "Stored #{number} in {} ms",
            (started.elapsed() - prepared).as_millis()
        );
        tracing::info!(
            target: "chain",
            "Imported #{number} ({hash}, {} extrinsics)",
            params.body.len()
        );
        let header = Arc::new(header);
        let reorg = reorg.map(|mut route: TreeRoute| {
            // The route ran to the parent: the new block itself is enacted too.
            route.enacted.push(this);
            Arc::new(route)
        });
        // Nobody listening is fine.
        let _ = self.events.send(ChainEvent::Imported {
            block: this,
            header: header.clone(),
            origin,
            is_best,
            reorg,
            changed_keys: Arc::new(changes.into_keys().collect()),
        });
        if finalize {
            let _ = self.events.send(ChainEvent::Finalized { block: this, header });
        }
        Ok(ImportOutcome::Imported { block: this, is_best })
    }
}

impl Finalizer for Chain {
    fn finalize(&self, hash: &H256, justification: Option<Vec<u8>>) -> ChainResult<()> {
        let _guard = lock(&self.import_lock);
        let header = self.expect_header(hash)?;
        if header.number <= self.finalized().number {
            return Ok(());
        }
        if self.db.canonical_hash(header.number)? != Some(*hash) {
            return Err(ChainError::Refused(format!(
                "cannot finalize #{} ({hash:?}): it is off the best chain",
                header.number
            )));
        }
        self.db.set_finalized(hash, justification.as_deref())?;
        let this = BlockRef { hash: *hash, number: header.number };
        *self.finalized.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = this;
        self.metrics.set_heights(self.best().number, this.number);
        tracing::debug!(target: "chain", "Finalized #{} ({hash})", header.number);
        let _ = self.events.send(ChainEvent::Finalized { block: this, header: Arc::new(header) });
        Ok(())
    }
}

/// The genesis header and trie for `storage`.
pub fn genesis_block(storage: &BTreeMap<Vec<u8>, Vec<u8>>) -> ChainResult<(Header, MemoryDB)> {
    let mut nodes = MemoryDB::default();
    let state_root = dfs_trie::apply_changes(
        &mut nodes,
        StateVersion::V1,
        dfs_trie::empty_root(),
        storage.iter().map(|(key, value)| (&key[..], Some(&value[..]))),
    )
    .map_err(|error| ChainError::Refused(format!("the genesis storage: {error}")))?;
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
