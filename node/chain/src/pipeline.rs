//! The import pipeline: blocks from outside are checked by a consensus [`Verifier`], then
//! executed and stored by a [`BlockImport`].

use std::sync::Arc;

use crate::{
    error::ImportError,
    import::{ImportOutcome, IncomingBlock},
    traits::{BlockImport, HeaderReader, Verifier},
    types::BlockRef,
};

/// A verifier and a block import put together, for blocks from outside.
#[derive(Clone)]
pub struct ImportPipeline {
    reader: Arc<dyn HeaderReader>,
    verifier: Arc<dyn Verifier>,
    import: Arc<dyn BlockImport>,
}

impl ImportPipeline {
    /// Blocks go through `verifier`, then into `import`; `reader` answers what is known.
    pub fn new(
        reader: Arc<dyn HeaderReader>,
        verifier: Arc<dyn Verifier>,
        import: Arc<dyn BlockImport>,
    ) -> Self {
        ImportPipeline { reader, verifier, import }
    }

    /// Imports one block: a known one is not verified again, one whose parent is unknown
    /// is refused before any check (its ancestors must come first).
    pub fn import(&self, incoming: IncomingBlock) -> Result<ImportOutcome, ImportError> {
        let header = &incoming.block.header;
        let (hash, number) = (header.hash(), header.number);
        let node_fault = |source| ImportError::Node { number, hash, source };
        if self.reader.header(&hash).map_err(node_fault)?.is_some() {
            return Ok(ImportOutcome::AlreadyKnown(BlockRef { hash, number }));
        }
        let parent = header.parent_hash;
        if self.reader.header(&parent).map_err(node_fault)?.is_none() {
            return Err(ImportError::UnknownParent { number, hash, parent });
        }
        let params = self.verifier.verify(incoming)?;
        self.import.import_block(params)
    }

    /// Imports blocks in order, stopping at the first failure; returns the outcomes of
    /// those imported and, if one failed, its error.
    pub fn import_many(
        &self,
        blocks: impl IntoIterator<Item = IncomingBlock>,
    ) -> (Vec<ImportOutcome>, Option<ImportError>) {
        let mut outcomes = Vec::new();
        for block in blocks {
            match self.import(block) {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => return (outcomes, Some(error)),
            }
        }
        (outcomes, None)
    }
}

#[cfg(test)]
mod tests {
    //! The pipeline against an in-memory chain: a map of headers and a verifier that checks
    //! a marker in the digest, so each rule is tested without a runtime or a disk.

    use std::{
        collections::HashMap,
        sync::{
            atomic::{AtomicUsize, Ordering},
            Mutex,
        },
    };

    use dfs_runtime_primitives::generic::{BlockNumber, Digest};

    use dfs_core::H256;
    use dfs_runtime_primitives::generic::{Block, DigestItem, Header};

    use super::*;
    use crate::{
        import::{BlockImportParams, StateAction},
        BlockOrigin, ChainError, ChainResult,
    };

    /// Headers by hash; the best block is the highest.
    #[derive(Default)]
    struct MemoryChain {
        headers: Mutex<HashMap<H256, Header>>,
        genesis: H256,
    }

    impl MemoryChain {
        fn new() -> Arc<Self> {
            let genesis = header(0, H256::default(), 0);
            let chain = MemoryChain { genesis: genesis.hash(), ..Default::default() };
            chain.headers.lock().unwrap().insert(genesis.hash(), genesis);
            Arc::new(chain)
        }
    }

    impl HeaderReader for MemoryChain {
        fn genesis(&self) -> H256 {
            self.genesis
        }
        fn best(&self) -> BlockRef {
            let headers = self.headers.lock().unwrap();
            let best = headers.values().max_by_key(|h| h.number).unwrap();
            BlockRef { hash: best.hash(), number: best.number }
        }
        fn finalized(&self) -> BlockRef {
            BlockRef { hash: self.genesis, number: 0 }
        }
        fn header(&self, hash: &H256) -> ChainResult<Option<Header>> {
            Ok(self.headers.lock().unwrap().get(hash).cloned())
        }
        fn hash_at(&self, _: BlockNumber) -> ChainResult<Option<H256>> {
            Err(ChainError::Refused("not needed here".into()))
        }
    }

    impl BlockImport for MemoryChain {
        fn import_block(&self, params: BlockImportParams) -> Result<ImportOutcome, ImportError> {
            let header = params.post_header();
            let block = BlockRef { hash: header.hash(), number: header.number };
            if header.state_root == H256([0xee; 32]) {
                // Stands for a disk that fails.
                return Err(ImportError::Node {
                    number: block.number,
                    hash: block.hash,
                    source: ChainError::Refused("disk full".into()),
                });
            }
            self.headers.lock().unwrap().insert(block.hash, header);
            Ok(ImportOutcome::Imported { block, is_best: true })
        }
    }

    /// Accepts blocks whose digest carries the `good` marker; counts its calls.
    #[derive(Default)]
    struct MarkerVerifier {
        calls: AtomicUsize,
    }

    impl Verifier for MarkerVerifier {
        fn verify(&self, incoming: IncomingBlock) -> Result<BlockImportParams, ImportError> {
            self.calls.fetch_add(1, Ordering::Relaxed);
            let hash = incoming.block.header.hash();
            let mut header = incoming.block.header;
            let seal = header.digest.logs.pop();
            if seal != Some(DigestItem::Seal(*b"test", b"good".to_vec())) {
                return Err(ImportError::BadBlock {
                    number: header.number,
                    hash,
                    reason: "bad seal".into(),
                });
            }
            Ok(BlockImportParams {
                origin: incoming.origin,
                header,
                post_digests: seal.into_iter().collect(),
                body: incoming.block.extrinsics,
                justifications: incoming.justifications,
                state: StateAction::Execute,
                finalize: false,
            })
        }
    }

    fn header(number: BlockNumber, parent: H256, marker: u8) -> Header {
        Header {
            parent_hash: parent,
            number,
            state_root: H256([marker; 32]),
            extrinsics_root: H256::default(),
            digest: Digest::default(),
        }
    }

    fn sealed(number: BlockNumber, parent: H256, seal: &[u8]) -> IncomingBlock {
        let mut header = header(number, parent, number as u8);
        header.digest.logs.push(DigestItem::Seal(*b"test", seal.to_vec()));
        IncomingBlock {
            block: Block { header, extrinsics: vec![] },
            justifications: None,
            origin: BlockOrigin::File,
        }
    }

    fn pipeline() -> (ImportPipeline, Arc<MemoryChain>, Arc<MarkerVerifier>) {
        let chain = MemoryChain::new();
        let verifier = Arc::new(MarkerVerifier::default());
        (ImportPipeline::new(chain.clone(), verifier.clone(), chain.clone()), chain, verifier)
    }

    #[test]
    fn blocks_pass_the_verifier_then_the_import_in_order() {
        let (pipeline, chain, verifier) = pipeline();
        let first = sealed(1, chain.genesis(), b"good");
        let second = sealed(2, first.block.header.hash(), b"good");
        let (outcomes, error) = pipeline.import_many([first.clone(), second]);
        assert!(error.is_none());
        assert_eq!(outcomes.len(), 2);
        assert_eq!(chain.best().number, 2);
        // Imported again: known, not verified again.
        assert_eq!(
            pipeline.import(first.clone()).unwrap(),
            ImportOutcome::AlreadyKnown(BlockRef { hash: first.block.header.hash(), number: 1 })
        );
        assert_eq!(verifier.calls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn failures_say_whom_they_blame() {
        let (pipeline, chain, verifier) = pipeline();
        // A bad seal: the block's fault.
        let error = pipeline.import(sealed(1, chain.genesis(), b"evil")).unwrap_err();
        assert!(error.blames_block(), "{error}");
        // An unknown parent: nobody's fault, and the verifier is not even asked.
        let calls = verifier.calls.load(Ordering::Relaxed);
        let error = pipeline.import(sealed(5, H256([9; 32]), b"good")).unwrap_err();
        assert!(matches!(error, ImportError::UnknownParent { .. }), "{error}");
        assert!(!error.blames_block());
        assert_eq!(verifier.calls.load(Ordering::Relaxed), calls);
        // This node's disk failing: never the block's fault.
        let mut broken = sealed(1, chain.genesis(), b"good");
        broken.block.header.state_root = H256([0xee; 32]);
        let error = pipeline.import(broken).unwrap_err();
        assert!(matches!(error, ImportError::Node { .. }), "{error}");
        assert!(!error.blames_block());
    }

    #[test]
    fn a_batch_stops_at_the_first_failure() {
        let (pipeline, chain, _) = pipeline();
        let first = sealed(1, chain.genesis(), b"good");
        let bad = sealed(2, first.block.header.hash(), b"evil");
        let third = sealed(3, bad.block.header.hash(), b"good");
        let (outcomes, error) = pipeline.import_many([first, bad, third]);
        assert_eq!(outcomes.len(), 1);
        assert!(error.unwrap().blames_block());
        assert_eq!(chain.best().number, 1);
    }

    #[test]
    fn tree_routes_cross_forks_through_the_common_ancestor() {
        let chain = MemoryChain::new();
        let import = |number, parent, marker| {
            let mut header = header(number, parent, marker);
            header.digest.logs.push(DigestItem::Other(vec![marker]));
            let hash = header.hash();
            chain.headers.lock().unwrap().insert(hash, header);
            hash
        };
        let a1 = import(1, chain.genesis(), 1);
        let a2 = import(2, a1, 2);
        let a3 = import(3, a2, 3);
        let b2 = import(2, a1, 20);
        let route = chain.tree_route(&a3, &b2).unwrap();
        assert_eq!(route.common.unwrap().hash, a1);
        assert_eq!(route.retracted.iter().map(|b| b.hash).collect::<Vec<_>>(), [a3, a2]);
        assert_eq!(route.enacted.iter().map(|b| b.hash).collect::<Vec<_>>(), [b2]);
        let straight = chain.tree_route(&a1, &a3).unwrap();
        assert!(straight.retracted.is_empty());
        assert_eq!(straight.enacted.iter().map(|b| b.number).collect::<Vec<_>>(), [2, 3]);
    }
}
