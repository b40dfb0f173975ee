//! `dfs-node`: the DFS node.
//!
//! Runs a DFS chain on this machine: the Wasm runtime executed by `dfs-executor`, blocks
//! and states in RocksDB ([`db`]), block import and finality ([`chain`]), a transaction
//! pool ([`txpool`]), slot-based block authoring ([`authoring`]), Substrate's JSON-RPC API
//! ([`rpc`]) and Prometheus metrics ([`metrics`]), driven by a command line in Substrate's
//! habits ([`cli`]): `--dev`, `build-spec`, `key`, `purge-chain`, `export-blocks`,
//! `import-blocks`. Peer-to-peer networking is not part of this version: a node runs its
//! chain alone.

mod authoring;
mod chain;
mod chain_spec;
mod cli;
mod db;
mod key;
mod logging;
mod metrics;
mod rpc;
mod service;
mod txpool;

use anyhow::{bail, Context, Result};
use clap::Parser;

use crate::{
    chain_spec::ChainSpec,
    cli::{Cli, Command, KeyCommand},
};

fn json_output(output_type: &str) -> Result<bool> {
    match output_type {
        "text" => Ok(false),
        "json" => Ok(true),
        other => bail!("unknown output type `{other}` (text or json)"),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    logging::init(&cli.log)?;
    match &cli.command {
        None => service::run(&cli)?,
        Some(Command::BuildSpec { raw, disable_default_bootnode: _ }) => {
            let executor = service::executor()?;
            let spec = ChainSpec::load(service::chain_name(&cli), &executor)?;
            let spec = if *raw { spec.to_raw(&executor)? } else { spec };
            println!("{}", serde_json::to_string_pretty(&spec.0)?);
        }
        Some(Command::PurgeChain { yes }) => service::purge_chain(&cli, *yes)?,
        Some(Command::ExportBlocks { from, to, binary, output }) => {
            service::export_blocks(&cli, *from, *to, *binary, output.as_deref())?
        }
        Some(Command::ImportBlocks { binary, input, state_pruning }) => {
            service::import_blocks(&cli, *binary, input.as_deref(), *state_pruning)?
        }
        Some(Command::Key { command }) => match command {
            KeyCommand::Generate { scheme, output_type } => {
                let json = json_output(output_type)?;
                let phrase = key::new_phrase();
                println!(
                    "{}",
                    key::KeyInfo::from_suri(&phrase, *scheme)?.render(Some(&phrase), json)
                );
            }
            KeyCommand::Inspect { uri, scheme, output_type } => {
                let json = json_output(output_type)?;
                println!("{}", key::KeyInfo::from_suri(uri, *scheme)?.render(None, json));
            }
            KeyCommand::Insert { suri, key_type, scheme } => {
                let keystore = service::ChainTarget::from_cli(&cli)?.paths.keystore();
                let path = key::insert(&keystore, key_type, suri, *scheme)?;
                eprintln!("inserted {}", path.display());
            }
            KeyCommand::GenerateNodeKey { file } => {
                let secret = key::new_node_key()?;
                match file {
                    Some(path) => std::fs::write(path, hex::encode(secret))
                        .with_context(|| format!("writing {}", path.display()))?,
                    None => println!("{}", hex::encode(secret)),
                }
                eprintln!("{}", key::peer_id(&secret));
            }
            KeyCommand::InspectNodeKey { file } => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let mut secret = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut secret).with_context(|| {
                    format!("{} does not hold a 32-byte hex key", file.display())
                })?;
                println!("{}", key::peer_id(&secret));
            }
        },
    }
    Ok(())
}
