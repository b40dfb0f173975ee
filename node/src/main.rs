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

fn main() -> Result<()> {
    let cli = cli::Cli::parse();
    logging::init(&cli.log)?;
    command::run(&cli)
}
