//! `dfs-node`: the DFS node.
//!
//! This first part provides the node's command line in Substrate's habits for chain
//! specifications and keys: `build-spec` (plain or raw, JSON alone on stdout) and `key`
//! (`generate`, `inspect`, `insert` into the file keystore, node keys). Running a chain
//! (database, transaction pool, block authoring, JSON-RPC) is the next part of the work;
//! until then the run command says so and exits with an error.

mod chain_spec;
mod key;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use crate::{chain_spec::ChainSpec, key::Scheme};

#[derive(Parser)]
#[command(name = "dfs-node", version, about = "The DFS node")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The chain: `dev`, `local` or a chain spec file.
    #[arg(long, global = true, default_value = "dev")]
    chain: String,
    /// The folder of the node's data (`<base>/chains/<id>/{db,keystore}`).
    #[arg(short = 'd', long, global = true)]
    base_path: Option<PathBuf>,
    /// Run a development chain.
    #[arg(long)]
    dev: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print the chain specification as JSON on stdout.
    BuildSpec {
        /// The raw form: genesis storage instead of a genesis configuration.
        #[arg(long)]
        raw: bool,
        /// Accepted for compatibility: DFS chain specs carry no default boot nodes.
        #[arg(long)]
        disable_default_bootnode: bool,
    },
    /// Key management.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Generate a new key with a 12-word secret phrase.
    Generate {
        /// The scheme.
        #[arg(long, value_enum, default_value = "sr25519")]
        scheme: Scheme,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output_type: String,
    },
    /// Show the public parts of a secret URI (`//Alice`, a phrase with a path, a 0x seed).
    Inspect {
        /// The secret URI.
        uri: String,
        /// The scheme.
        #[arg(long, value_enum, default_value = "sr25519")]
        scheme: Scheme,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output_type: String,
    },
    /// Put a key into the node's keystore.
    Insert {
        /// The secret URI.
        #[arg(long)]
        suri: String,
        /// The four-character key type, e.g. `aura` or `gran`.
        #[arg(long)]
        key_type: String,
        /// The scheme.
        #[arg(long, value_enum, default_value = "sr25519")]
        scheme: Scheme,
    },
    /// Generate a network (libp2p ed25519) key: secret on stdout, peer id on stderr.
    GenerateNodeKey {
        /// Write the secret to this file instead of stdout.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Print the peer id of a network key file.
    InspectNodeKey {
        /// The key file (hex secret).
        #[arg(long)]
        file: PathBuf,
    },
}

fn executor() -> Result<dfs_executor::Executor> {
    dfs_executor::Executor::new(Default::default()).map_err(|e| anyhow::anyhow!("{e}"))
}

fn base_path(cli: &Cli) -> PathBuf {
    cli.base_path.clone().unwrap_or_else(|| {
        let home =
            std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        home.join(".local/share/dfs-node")
    })
}

fn json_output(output_type: &str) -> Result<bool> {
    match output_type {
        "text" => Ok(false),
        "json" => Ok(true),
        other => bail!("unknown output type `{other}` (text or json)"),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        None => {
            let chain = if cli.dev { "dev" } else { cli.chain.as_str() };
            bail!(
                "running a chain is not available in this version of dfs-node yet \
                 (chain `{chain}`); `build-spec` and `key` are"
            );
        }
        Some(Command::BuildSpec { raw, disable_default_bootnode: _ }) => {
            let executor = executor()?;
            let spec = ChainSpec::load(&cli.chain, &executor)?;
            let spec = if *raw { spec.to_raw(&executor)? } else { spec };
            println!("{}", serde_json::to_string_pretty(&spec.0)?);
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
                let executor = executor()?;
                let spec = ChainSpec::load(&cli.chain, &executor)?;
                let keystore = base_path(&cli).join("chains").join(spec.id()?).join("keystore");
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
