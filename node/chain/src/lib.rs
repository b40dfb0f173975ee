//! The chain as a DFS node keeps it: blocks and states in the database, runtime calls at any
//! kept block, and the import pipeline that every block goes through.
//!
//! # Seams
//!
//! The rest of the node reaches the chain through small traits ([`traits`]), so that
//! consensus engines, sync and the transaction pool can wrap or replace a piece without
//! touching the others:
//!
//! - [`HeaderReader`] and [`BlockReader`]: headers, the best and finalized blocks, bodies,
//!   justifications, routes between blocks.
//! - [`StateReader`]: a block's state, and runtime calls on it ([`runtime_api`] types them).
//! - [`Verifier`]: what a consensus engine checks before a block is executed (its seal, its
//!   slot, its author), turning an [`IncomingBlock`] into [`BlockImportParams`].
//! - [`BlockImport`]: executes and stores a verified block. [`Chain`] is the innermost one;
//!   finality gadgets wrap it.
//! - [`Finalizer`]: makes a block and its ancestors final.
//!
//! [`ImportPipeline`] puts a verifier and a block import together for blocks from outside
//! (a file today, peers later). Its [`ImportError`] says whom a failure blames: the block
//! ([`ImportError::BadBlock`], whoever sent it is at fault) or this node
//! ([`ImportError::Node`]: a disk or executor fault, never held against a block or a peer).
//!
//! # Storage
//!
//! [`db::Db`] keeps headers, bodies, justifications and reference-counted trie nodes in
//! RocksDB columns declared in one list ([`db::columns`]); each block import is one atomic
//! write. [`db::Db::open_in_memory`] gives the same database in memory, for tests.

pub mod block_builder;
pub mod chain;
pub mod db;
mod error;
pub mod import;
pub mod metrics;
pub mod pipeline;
pub mod runtime_api;
pub mod traits;
mod types;

pub use block_builder::{BlockBuilder, BuiltBlock};
pub use chain::Chain;
pub use error::{
    runtime_exhausted_budget, runtime_failed_on_input, ChainError, ChainResult, ImportError,
};
pub use import::{BlockImportParams, ImportOutcome, IncomingBlock, StateAction};
pub use pipeline::ImportPipeline;
pub use traits::{BlockImport, BlockReader, Finalizer, HeaderReader, StateReader, Verifier};
pub use types::{BlockOrigin, BlockRef, ChainEvent, TreeRoute};
