//! Block authoring and the checks of blocks from outside, engine by engine.
//!
//! - [`slots`]: the slot worker, which authors a block in each of this node's slots.
//! - [`proposer`]: building a block from the pool's ready transactions.
//! - [`aura`]: Aura's rules, once: the slot author, the slot and seal digests, and
//!   [`aura::AuraVerifier`], the chain's [`dfs_chain::Verifier`] for Aura blocks.
//!
//! More engines (stake-weighted slots, finality, proof of work) come beside `aura`, each
//! with its verifier and its digests, the worker and proposer shared.

pub mod aura;
pub mod metrics;
pub mod proposer;
pub mod slots;

pub use metrics::ConsensusMetrics;
pub use slots::{run as run_authoring, AuthorConfig};

/// Why authoring a block failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    /// Reading the chain or running the runtime failed.
    #[error(transparent)]
    Chain(#[from] dfs_chain::ChainError),
    /// Importing the block built failed.
    #[error(transparent)]
    Import(#[from] dfs_chain::ImportError),
}
