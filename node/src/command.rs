//! The subcommands: what `dfs-node <command>` does, and running the node without one.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use codec::{Decode, Encode};
use dfs_chain::{
    db::{Db, DbError, Pruning},
    BlockOrigin, BlockReader, Finalizer, HeaderReader, ImportOutcome, ImportPipeline,
    IncomingBlock,
};
use dfs_consensus::aura::AuraVerifier;
use dfs_core::hex_text::{from_hex, to_hex};
use dfs_keystore::{KeyTypeId, Keystore};
use dfs_runtime_primitives::generic::{Block, Digest, Header, OpaqueExtrinsic};
use serde_json::Value;

use crate::{
    chain_spec::ChainSpec,
    cli::{Cli, Command, KeyCommand},
    key,
    service::{self, ChainTarget},
};

fn json_output(output_type: &str) -> Result<bool> {
    match output_type {
        "text" => Ok(false),
        "json" => Ok(true),
        other => bail!("unknown output type `{other}` (text or json)"),
    }
}

/// Runs what the command line asks.
pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        None => service::run(cli),
        Some(Command::BuildSpec { raw, disable_default_bootnode: _ }) => {
            let executor = crate::executor::executor()?;
            let spec = ChainSpec::load(service::chain_name(cli), &executor)?;
            let spec = if *raw { spec.to_raw(&executor)? } else { spec };
            println!("{}", serde_json::to_string_pretty(&spec.0)?);
            Ok(())
        }
        Some(Command::PurgeChain { yes }) => purge_chain(cli, *yes),
        Some(Command::ExportBlocks { from, to, binary, output }) => {
            export_blocks(cli, *from, *to, *binary, output.as_deref())
        }
        Some(Command::ImportBlocks { binary, input, state_pruning }) => {
            import_blocks(cli, *binary, input.as_deref(), *state_pruning)
        }
        Some(Command::Key { command }) => key_command(cli, command),
        #[cfg(feature = "runtime-benchmarks")]
        Some(Command::Benchmark(args)) => crate::benchmark::run(args.clone()),
    }
}

fn key_command(cli: &Cli, command: &KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Generate { scheme, output_type } => {
            let json = json_output(output_type)?;
            let phrase = dfs_core::pair::generate_mnemonic();
            println!("{}", key::KeyInfo::from_suri(&phrase, *scheme)?.render(Some(&phrase), json));
        }
        KeyCommand::Inspect { uri, scheme, output_type } => {
            let json = json_output(output_type)?;
            println!("{}", key::KeyInfo::from_suri(uri, *scheme)?.render(None, json));
        }
        KeyCommand::Insert { suri, key_type, scheme } => {
            let keystore = Keystore::open(ChainTarget::from_cli(cli)?.paths.keystore())?;
            let key_type: KeyTypeId = key_type.parse()?;
            let path = keystore.insert(key_type, suri, *scheme)?;
            eprintln!("inserted {}", path.display());
        }
        KeyCommand::GenerateNodeKey { file } => {
            let secret = dfs_keystore::new_node_key()?;
            match file {
                Some(path) => dfs_keystore::write_secret(path, hex::encode(secret).as_bytes())?,
                None => println!("{}", hex::encode(secret)),
            }
            eprintln!("{}", key::peer_id(&secret)?);
        }
        KeyCommand::InspectNodeKey { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut secret = [0u8; 32];
            hex::decode_to_slice(text.trim(), &mut secret)
                .with_context(|| format!("{} does not hold a 32-byte hex key", file.display()))?;
            println!("{}", key::peer_id(&secret)?);
        }
    }
    Ok(())
}

/// Removes the chain's database.
fn purge_chain(cli: &Cli, yes: bool) -> Result<()> {
    let db = ChainTarget::from_cli(cli)?.paths.db();
    if !db.exists() {
        eprintln!("{} does not exist", db.display());
        return Ok(());
    }
    if !yes {
        eprint!("Are you sure to remove {:?}? [y/N]: ", db);
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y") {
            eprintln!("Aborted");
            return Ok(());
        }
    }
    std::fs::remove_dir_all(&db).with_context(|| format!("removing {}", db.display()))?;
    eprintln!("{:?} removed.", db);
    Ok(())
}

/// A block with its justifications, as `export-blocks` writes it.
#[derive(Encode, Decode)]
struct SignedBlock {
    block: Block<OpaqueExtrinsic>,
    justifications: Option<Vec<u8>>,
}

/// Writes blocks `from..=to` as JSON objects one after another, or as SCALE after a `u64`
/// count.
fn export_blocks(
    cli: &Cli,
    from: u32,
    to: Option<u32>,
    binary: bool,
    output: Option<&Path>,
) -> Result<()> {
    let ChainTarget { executor, spec, paths } = ChainTarget::from_cli(cli)?;
    let chain =
        service::open_chain(&spec, executor, &paths, open_pruning(&paths)?, Default::default())?;
    let to = to.unwrap_or(chain.best().number).min(chain.best().number);
    let mut out: Box<dyn std::io::Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let from = from.min(to.saturating_add(1));
    if binary {
        out.write_all(&u64::from(to + 1 - from).to_le_bytes())?;
    }
    for number in from..=to {
        let hash = chain.hash_at(number)?.ok_or_else(|| anyhow!("no block #{number}"))?;
        let header = chain.expect_header(&hash)?;
        let extrinsics = chain.body(&hash)?.unwrap_or_default();
        let justifications = chain.justifications(&hash)?;
        if binary {
            out.write_all(
                &SignedBlock { block: Block { header, extrinsics }, justifications }.encode(),
            )?;
        } else {
            let json = serde_json::json!({
                "block": {
                    "header": dfs_rpc::types::RpcHeader::from(&header),
                    "extrinsics": extrinsics.iter().map(|xt| to_hex(&xt.encode())).collect::<Vec<_>>(),
                },
                "justifications": justifications.map(|j| to_hex(&j)),
            });
            serde_json::to_writer(&mut out, &json)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    eprintln!("Exported blocks #{from}..#{to}");
    Ok(())
}

/// The pruning mode an existing database was made with.
fn open_pruning(paths: &service::ChainPaths) -> Result<Pruning> {
    if !paths.db().exists() {
        bail!("no chain database at {}", paths.db().display());
    }
    // Opening with another mode than the stored one fails naming the stored one.
    match Db::open(&paths.db(), Pruning::Archive) {
        Ok(_) => Ok(Pruning::Archive),
        Err(DbError::PruningMismatch { stored, .. }) => Ok(stored),
        Err(error) => Err(error.into()),
    }
}

fn parse_json_block(value: &Value) -> Result<Block<OpaqueExtrinsic>> {
    let bytes = |text: &Value| -> Result<Vec<u8>> {
        let text = text.as_str().ok_or_else(|| anyhow!("expected a hex string, got {text:.40}"))?;
        from_hex(text).with_context(|| format!("invalid hex {text:.20}"))
    };
    let header = &value["block"]["header"];
    let hash = |field: &str| -> Result<dfs_core::H256> {
        let raw = bytes(&header[field])?;
        Ok(dfs_core::H256(
            <[u8; 32]>::try_from(&raw[..]).map_err(|_| anyhow!("{field} is not 32 bytes"))?,
        ))
    };
    let number_text = header["number"].as_str().ok_or_else(|| anyhow!("header.number missing"))?;
    let number =
        u32::from_str_radix(number_text.trim_start_matches("0x"), 16).context("header.number")?;
    let logs =
        header["digest"]["logs"].as_array().ok_or_else(|| anyhow!("header.digest.logs missing"))?;
    let logs = logs
        .iter()
        .map(|log| Ok(Decode::decode(&mut &bytes(log)?[..])?))
        .collect::<Result<Vec<_>>>()?;
    let extrinsics = value["block"]["extrinsics"]
        .as_array()
        .ok_or_else(|| anyhow!("block.extrinsics missing"))?
        .iter()
        .map(|xt| Ok(OpaqueExtrinsic::decode(&mut &bytes(xt)?[..])?))
        .collect::<Result<Vec<_>>>()?;
    Ok(Block {
        header: Header {
            parent_hash: hash("parentHash")?,
            number,
            state_root: hash("stateRoot")?,
            extrinsics_root: hash("extrinsicsRoot")?,
            digest: Digest { logs },
        },
        extrinsics,
    })
}

/// Imports blocks written by `export-blocks` through the import pipeline: each one's seal
/// and slot checked by the Aura verifier, then executed and stored.
fn import_blocks(cli: &Cli, binary: bool, input: Option<&Path>, pruning: Pruning) -> Result<()> {
    let ChainTarget { executor, spec, paths } = ChainTarget::from_cli(cli)?;
    let chain = service::open_chain(&spec, executor, &paths, pruning, Default::default())?;
    let mut data = Vec::new();
    match input {
        Some(path) => {
            data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut data)?;
        }
    }
    let blocks: Vec<Block<OpaqueExtrinsic>> = if binary {
        let mut input = &data[..];
        let count = u64::decode(&mut input).context("the block count")?;
        let mut blocks = Vec::new();
        for index in 0..count {
            let signed = SignedBlock::decode(&mut input)
                .with_context(|| format!("block {index} of {count} does not decode"))?;
            blocks.push(signed.block);
        }
        blocks
    } else {
        serde_json::Deserializer::from_slice(&data)
            .into_iter::<Value>()
            .map(|value| parse_json_block(&value.context("invalid JSON")?))
            .collect::<Result<_>>()?
    };
    let total = blocks.len();
    // Compile the runtime now, so the time reported below is import alone.
    chain.runtime_version(&chain.best().hash)?;
    let pipeline = ImportPipeline::new(
        chain.clone(),
        Arc::new(AuraVerifier::new(chain.clone())),
        chain.clone(),
    );
    let (mut imported, mut extrinsics, mut importing) = (0, 0, Duration::ZERO);
    for block in blocks {
        let number = block.header.number;
        let count = block.extrinsics.len();
        let started = Instant::now();
        let outcome = pipeline
            .import(IncomingBlock { block, justifications: None, origin: BlockOrigin::File })
            .with_context(|| format!("importing block #{number}"))?;
        if let ImportOutcome::Imported { block, is_best } = outcome {
            // Blocks from a file are final as they come, as they were where exported (a
            // dev chain's are): states behind them can be pruned as the import goes.
            if is_best {
                chain.finalize(&block.hash, None)?;
            }
            importing += started.elapsed();
            imported += 1;
            extrinsics += count;
        }
    }
    // The time is import alone (verification, execution, checks, the database write),
    // without reading and decoding the file: what weights promise about a block.
    eprintln!(
        "Imported {imported} blocks ({} already known), {extrinsics} extrinsics in {:.3} s \
         ({:.1} µs per extrinsic); best #{}",
        total - imported,
        importing.as_secs_f64(),
        importing.as_secs_f64() * 1e6 / extrinsics.max(1) as f64,
        chain.best().number
    );
    Ok(())
}
