//! Blocks from outside through the import pipeline (the Aura verifier, then execution in
//! the Wasm runtime) into an in-memory chain of the development genesis: what a node does
//! with a block a peer sends. Raw bytes are decoded as a block; and, to get past the seal
//! check, the decoded header is re-sealed as //Alice's block #1 so its body is executed.
//! Every outcome is an import or an error that says whom it blames; never a panic.

#![no_main]

use std::sync::{Arc, OnceLock};

use codec::{DecodeLimit, Encode};
use dfs_chain::{
    db::{Db, Pruning},
    runtime_exhausted_budget, BlockOrigin, Chain, ChainError, HeaderReader, ImportError,
    ImportPipeline, IncomingBlock,
};
use dfs_consensus::aura::{pre_digest, seal, AuraVerifier};
use dfs_executor::{Executor, ExecutorConfig};
use dfs_runtime_primitives::generic::{Block, DigestItem, OpaqueExtrinsic};
use libfuzzer_sys::fuzz_target;

struct Node {
    chain: Arc<Chain>,
    pipeline: ImportPipeline,
    /// Derived once: the dev seed phrase goes through 2048 rounds of PBKDF2.
    alice: dfs_core::pair::Sr25519Pair,
}

fn node() -> &'static Node {
    static NODE: OnceLock<Node> = OnceLock::new();
    NODE.get_or_init(|| {
        let executor = Arc::new(Executor::new(ExecutorConfig::default()).expect("an executor"));
        let code = dfs_runtime::wasm::WASM_BINARY.expect("the runtime's Wasm").to_vec();
        let state = dfs_io::state::InMemoryBackend::new(
            [(dfs_runtime_primitives::well_known_keys::CODE.to_vec(), code)].into(),
        );
        let mut overlay = dfs_io::state::OverlayedChanges::default();
        let preset =
            dfs_chain::runtime_api::call_in_overlay::<dfs_chain::runtime_api::GenesisPreset>(
                &executor,
                &state,
                &mut overlay,
                &Some(b"development".to_vec()),
            )
            .expect("the development preset")
            .expect("a preset");
        dfs_chain::runtime_api::call_in_overlay::<dfs_chain::runtime_api::GenesisBuildState>(
            &executor,
            &state,
            &mut overlay,
            &preset,
        )
        .expect("genesis")
        .expect("genesis accepted");
        let mut genesis = state.into_entries();
        for (key, value) in overlay.drain_committed() {
            match value {
                Some(value) => genesis.insert(key, value),
                None => genesis.remove(&key),
            };
        }
        let db = Db::open_in_memory(Pruning::Window(16)).expect("a database");
        let chain =
            Arc::new(Chain::open(db, executor, genesis, Default::default()).expect("a chain"));
        let pipeline = ImportPipeline::new(
            chain.clone(),
            Arc::new(AuraVerifier::new(chain.clone())),
            chain.clone(),
        );
        Node { chain, pipeline, alice: dfs_core::pair::dev_sr25519("Alice") }
    })
}

fn check(outcome: Result<dfs_chain::ImportOutcome, ImportError>) {
    if let Err(ImportError::Node { source, .. }) = &outcome {
        // A block may take more than this node's time or memory budget: its limit, which no
        // importer holds against the block. Any other trouble of the node's own cannot
        // happen to an in-memory chain: the block was wrongly blamed on the node.
        if matches!(source, ChainError::Executor(error) if runtime_exhausted_budget(error)) {
            return;
        }
        panic!("a block was blamed on the node: {source}");
    }
}

fuzz_target!(|data: &[u8]| {
    let node = node();
    let Ok(block) = Block::<OpaqueExtrinsic>::decode_with_depth_limit(32, &mut &data[..]) else {
        return;
    };
    let incoming =
        |block| IncomingBlock { block, justifications: None, origin: BlockOrigin::Network };
    check(node.pipeline.import(incoming(block.clone())));
    // The same body as //Alice's block #1 on genesis: sealed, so it is executed.
    let mut header = block.header;
    header.parent_hash = node.chain.genesis();
    header.number = 1;
    header
        .digest
        .logs
        .retain(|item| !matches!(item, DigestItem::Seal(..) | DigestItem::PreRuntime(..)));
    header.digest.logs.insert(0, pre_digest(1));
    let sealed = seal(&header, &node.alice);
    header.digest.push(sealed);
    let block = Block { header, extrinsics: block.extrinsics };
    let _ = block.encode();
    check(node.pipeline.import(incoming(block)));
});
