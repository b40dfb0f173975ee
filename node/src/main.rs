//! `dfs-node`: the DFS node.
//!
//! The binary assembles the node's crates: the chain (`dfs-chain`: database, import,
//! finality), the transaction pool (`dfs-txpool`), authoring and Aura verification
//! (`dfs-consensus`), the JSON-RPC server (`dfs-rpc`) and the keystore (`dfs-keystore`),
//! with Prometheus metrics in one registry and its essential tasks watched ([`tasks`]).
//! Its command line keeps Substrate's habits ([`cli`]): `--dev`, `build-spec`, `key`,
//! `purge-chain`, `export-blocks`, `import-blocks` ([`command`]). Peer-to-peer networking is
//! not part of this version: a node runs its chain alone.

#[cfg(feature = "runtime-benchmarks")]
mod benchmark;
mod chain_spec;
mod cli;
mod command;
mod executor;
mod key;
mod logging;
mod metrics;
mod service;
mod tasks;

use anyhow::Result;
use clap::Parser;

/// jemalloc rather than the C library's malloc: a block's import allocates and frees
/// hundreds of thousands of small buffers (trie nodes, storage values, transcripts) from two
/// threads, and glibc's malloc spent about a quarter of a full block's import on its own
/// bookkeeping; with jemalloc a full block of remarks from distinct signers executes in
/// 524 ms instead of 651 (medians of eight, `dfs-node benchmark`).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> Result<()> {
    let cli = cli::Cli::parse();
    logging::init(&cli.log)?;
    command::run(&cli)
}
