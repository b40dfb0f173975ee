//! Assembling and running the node: database, chain, pool, authoring, RPC, metrics and
//! the periodic status line, until Ctrl-C or SIGTERM.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use codec::{Decode, Encode};
use dfs_core::pair::Sr25519Pair;
use dfs_executor::{Executor, ExecutorConfig};
use dfs_runtime_primitives::generic::{Block, OpaqueExtrinsic};
use serde_json::Value;

use crate::{
    authoring::{self, AuthorConfig},
    chain::{Chain, ChainEvent, ImportSource},
    chain_spec::ChainSpec,
    cli::{Cli, RpcMethods, RunArgs},
    db::{Db, Pruning},
    key,
    metrics::{self, MetricsSource},
    rpc::{self, RpcConfig, RpcContext},
    txpool::{PoolLimits, SubmissionQueue, TxPool},
};

/// The folders of one chain under a base path.
pub struct ChainPaths {
    /// `<base>/chains/<id>`.
    pub root: PathBuf,
}

impl ChainPaths {
    /// The paths of chain `id` under `base`.
    pub fn new(base: &Path, id: &str) -> Self {
        ChainPaths { root: base.join("chains").join(id) }
    }

    /// The database folder.
    pub fn db(&self) -> PathBuf {
        self.root.join("db")
    }

    /// The keystore folder.
    pub fn keystore(&self) -> PathBuf {
        self.root.join("keystore")
    }

    /// The network key file.
    pub fn node_key(&self) -> PathBuf {
        self.root.join("network").join("secret_ed25519")
    }
}

/// The default base path.
pub fn default_base_path() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/dfs-node")
}

/// A new executor for the node's runtime calls.
pub fn executor() -> Result<Arc<Executor>> {
    executor_for_pool(0)
}

/// An executor whose memory of verified signatures outlasts a transaction's stay in a pool
/// of `pool_limit` ready transactions. Every submission is remembered, whether or not it
/// then finds room in the pool, so a full pool under a flood of submissions turns the memory
/// over quickly: with it sized to the pool alone, the author found most signatures forgotten
/// by the time it included them and verified them again one by one (a 27 000-transfer block
/// took 2.4–2.8 s to build under a flood of submissions, 1.1–1.5 s with four times the pool).
pub fn executor_for_pool(pool_limit: usize) -> Result<Arc<Executor>> {
    let defaults = ExecutorConfig::default();
    let config = ExecutorConfig {
        verified_signatures: defaults.verified_signatures.max(pool_limit.saturating_mul(4)),
        ..defaults
    };
    Ok(Arc::new(Executor::new(config).map_err(|e| anyhow!("{e}"))?))
}

/// What the subcommands work on: the executor, the chain spec the command line selects and
/// its folders under the base path.
pub struct ChainTarget {
    /// The executor (specs are built by running the runtime).
    pub executor: Arc<Executor>,
    /// The chain spec.
    pub spec: ChainSpec,
    /// The chain's folders.
    pub paths: ChainPaths,
}

impl ChainTarget {
    /// The chain of `--chain` (default `dev`) under `--base-path` (or the default one).
    pub fn from_cli(cli: &Cli) -> Result<Self> {
        let executor = executor()?;
        let spec = ChainSpec::load(chain_name(cli), &executor)?;
        let base = cli.base_path.clone().unwrap_or_else(default_base_path);
        let paths = ChainPaths::new(&base, spec.id()?);
        Ok(ChainTarget { executor, spec, paths })
    }
}

/// The chain name the command line selects.
pub fn chain_name(cli: &Cli) -> &str {
    match &cli.chain {
        Some(chain) => chain,
        None => "dev",
    }
}

/// Opens the chain of `spec` in `paths`.
pub fn open_chain(
    spec: &ChainSpec,
    executor: Arc<Executor>,
    paths: &ChainPaths,
    pruning: Pruning,
) -> Result<Arc<Chain>> {
    let storage = spec.genesis_storage(&executor)?;
    let db = Db::open(&paths.db(), pruning)?;
    Ok(Arc::new(Chain::open(db, executor, storage)?))
}

/// The node key: from the flag, the key file, or a new one saved there.
fn node_key(args: &RunArgs, paths: &ChainPaths) -> Result<[u8; 32]> {
    let mut secret = [0u8; 32];
    if let Some(text) = &args.node_key {
        hex::decode_to_slice(text.trim_start_matches("0x"), &mut secret)
            .context("--node-key takes 32 bytes of hex")?;
        return Ok(secret);
    }
    let file = paths.node_key();
    match std::fs::read(&file) {
        Ok(bytes) if bytes.len() == 32 => {
            secret.copy_from_slice(&bytes);
            Ok(secret)
        }
        Ok(_) => bail!("{} does not hold a 32-byte key", file.display()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let secret = key::new_node_key()?;
            if let Some(folder) = file.parent() {
                std::fs::create_dir_all(folder)?;
            }
            std::fs::write(&file, secret).with_context(|| format!("writing {}", file.display()))?;
            Ok(secret)
        }
        Err(error) => Err(error).with_context(|| format!("reading {}", file.display())),
    }
}

/// The sr25519 `aura` key in `keystore` that is one of `authorities`, if any.
fn authoring_key(
    keystore: &Path,
    authorities: &[dfs_core::AccountId32],
) -> Result<Option<Sr25519Pair>> {
    for authority in authorities {
        let file = keystore.join(format!("{}{}", hex::encode("aura"), hex::encode(authority.0)));
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let suri: String = serde_json::from_str(&text)
            .with_context(|| format!("{} does not hold a JSON string", file.display()))?;
        let pair = Sr25519Pair::from_suri(&suri).map_err(|e| anyhow!("{}: {e}", file.display()))?;
        if pair.account_id() == *authority {
            return Ok(Some(pair));
        }
    }
    Ok(None)
}

/// Runs the node until Ctrl-C or SIGTERM.
pub fn run(cli: &Cli) -> Result<()> {
    let args = &cli.run;
    let chain = if args.dev { "dev" } else { chain_name(cli) };
    let executor = executor_for_pool(args.pool_limit)?;
    let spec = ChainSpec::load(chain, &executor)?;
    let dev_authority = args.dev_authority();
    let temp = if args.tmp || (args.dev && cli.base_path.is_none()) {
        Some(tempfile::Builder::new().prefix("dfs-node-").tempdir()?)
    } else {
        None
    };
    let base = match (&temp, &cli.base_path) {
        (Some(temp), _) => temp.path().to_path_buf(),
        (None, Some(base)) => base.clone(),
        (None, None) => default_base_path(),
    };
    let paths = ChainPaths::new(&base, spec.id()?);
    let name = args
        .name
        .clone()
        .or_else(|| dev_authority.map(str::to_string))
        .unwrap_or_else(|| format!("dfs-{}", std::process::id()));
    let validator = args.validator || dev_authority.is_some();
    if let Some(authority) = dev_authority {
        key::insert(&paths.keystore(), "aura", &format!("//{authority}"), key::Scheme::Sr25519)?;
        key::insert(&paths.keystore(), "gran", &format!("//{authority}"), key::Scheme::Ed25519)?;
    }

    tracing::info!(target: "dfs", "DFS Node");
    tracing::info!(target: "dfs", "✌️  version {}", env!("CARGO_PKG_VERSION"));
    tracing::info!(target: "dfs", "📋 Chain specification: {}", spec.0["name"].as_str().unwrap_or("?"));
    tracing::info!(target: "dfs", "🏷  Node name: {name}");
    tracing::info!(target: "dfs", "👤 Role: {}", if validator { "AUTHORITY" } else { "FULL" });
    tracing::info!(target: "dfs", "💾 Database: RocksDb at {}", paths.db().display());

    let chain = open_chain(&spec, executor, &paths, args.state_pruning)?;
    let genesis = chain.expect_header(&chain.genesis())?;
    tracing::info!(
        target: "dfs",
        "🔨 Genesis block: #0 ({}), state root {}; best #{} ({}), finalized #{}",
        chain.genesis(),
        genesis.state_root,
        chain.best().number,
        chain.best().hash,
        chain.finalized().number,
    );
    let node_key = node_key(args, &paths)?;
    let peer_id = key::peer_id(&node_key);
    tracing::info!(target: "dfs", "🏷  Local node identity is: {peer_id}");

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let limits = PoolLimits {
            ready_count: args.pool_limit,
            ready_bytes: args.pool_kbytes.saturating_mul(1024),
            future_count: (args.pool_limit / 10).max(1),
            future_bytes: args.pool_kbytes.saturating_mul(1024) / 10,
            ..PoolLimits::default()
        };
        let pool = Arc::new(TxPool::new(chain.clone(), limits));
        let authorities = chain.authorities(&chain.best().hash)?;
        let author_key = if validator { authoring_key(&paths.keystore(), &authorities)? } else { None };
        if validator && author_key.is_none() {
            tracing::warn!(target: "dfs", "--validator given but the keystore holds no aura key of a current authority: not authoring");
        }

        // RPC.
        let external = args.rpc_external || args.unsafe_rpc_external;
        let unsafe_methods = match args.rpc_methods {
            RpcMethods::Unsafe => true,
            RpcMethods::Safe => false,
            RpcMethods::Auto => !external || args.unsafe_rpc_external,
        };
        let cors = match args.rpc_cors.as_deref() {
            Some("all") | Some("*") => None,
            Some(list) => Some(list.split(',').map(|o| o.trim().to_string()).collect()),
            None if args.dev => None,
            None => Some(
                ["http://localhost:*", "http://127.0.0.1:*", "https://localhost:*", "https://127.0.0.1:*", "https://polkadot.js.org"]
                    .iter()
                    .map(|o| o.to_string())
                    .collect(),
            ),
        };
        let host: IpAddr = if external { Ipv4Addr::UNSPECIFIED.into() } else { Ipv4Addr::LOCALHOST.into() };
        let rpc_config = RpcConfig {
            address: SocketAddr::new(host, args.rpc_port),
            unsafe_methods,
            max_connections: args.rpc_max_connections,
            max_request_bytes: args.rpc_max_request_size.saturating_mul(1024 * 1024),
            max_response_bytes: args.rpc_max_response_size.saturating_mul(1024 * 1024),
            max_subscriptions_per_connection: args.rpc_max_subscriptions_per_connection,
            cors: cors.clone(),
        };
        let context = RpcContext {
            chain: chain.clone(),
            pool: pool.clone(),
            submissions: SubmissionQueue::start(pool.clone())?,
            chain_name: spec.0["name"].as_str().unwrap_or("DFS").to_string(),
            chain_type: spec.0.get("chainType").cloned().unwrap_or(Value::from("Live")),
            properties: spec.0.get("properties").cloned().unwrap_or(Value::Object(Default::default())),
            node_name: name.clone(),
            peer_id,
            is_authority: author_key.is_some(),
            keystore: paths.keystore(),
        };
        let (rpc_handle, rpc_address) = rpc::start(&rpc_config, context).await?;
        tracing::info!(
            target: "dfs",
            "Running JSON-RPC server: addr={rpc_address}, allowed origins={}",
            match &cors { None => "all".to_string(), Some(list) => format!("{list:?}") }
        );

        // Metrics.
        if !args.no_prometheus {
            let host: IpAddr = if args.prometheus_external { Ipv4Addr::UNSPECIFIED.into() } else { Ipv4Addr::LOCALHOST.into() };
            let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, args.prometheus_port))
                .await
                .with_context(|| format!("cannot listen for Prometheus on port {}", args.prometheus_port))?;
            tracing::info!(target: "dfs", "〽️ Prometheus exporter started at {}", listener.local_addr()?);
            let source = Arc::new(MetricsSource {
                chain: chain.clone(),
                pool: pool.clone(),
                name: name.clone(),
                chain_id: spec.id()?.to_string(),
                roles: if author_key.is_some() { 4 } else { 1 },
                start_time: metrics::unix_seconds(),
            });
            tokio::spawn(metrics::serve(listener, source));
        }

        // Finality notifications for watched transactions.
        let mut events = chain.subscribe();
        let finality_pool = pool.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(ChainEvent::Finalized { block, .. }) => finality_pool.on_block_finalized(block),
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });

        if let Some(pair) = author_key {
            let slot = Duration::from_millis(args.dev_block_time.unwrap_or(dfs_runtime::SLOT_DURATION_MS).max(100));
            tracing::info!(target: "dfs", "⏱  Authoring as {} in slots of {} ms", pair.account_id(), slot.as_millis());
            let config = AuthorConfig { slot, key: pair, finalize_own: authorities.len() == 1 };
            tokio::spawn(authoring::run(chain.clone(), pool.clone(), config));
        }

        tokio::spawn(informant(chain.clone(), pool.clone(), args.state_pruning));

        shutdown_signal().await;
        tracing::info!(target: "dfs", "Shutting down");
        let _ = rpc_handle.stop();
        Ok::<(), anyhow::Error>(())
    })?;
    // Stop the tasks (authoring may be mid-block) before the database closes.
    runtime.shutdown_timeout(Duration::from_secs(10));
    drop(chain);
    drop(temp);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Prints the status line every five seconds, and a warning when finality lags more than
/// the pruning window (states are kept until their blocks are final, so the database grows).
async fn informant(chain: Arc<Chain>, pool: Arc<TxPool>, pruning: Pruning) {
    let mut interval = tokio::time::interval(Duration::from_secs(5));
    let mut warned = false;
    loop {
        interval.tick().await;
        let (best, finalized) = (chain.best(), chain.finalized());
        let lag = best.number.saturating_sub(finalized.number);
        if let Pruning::Window(window) = pruning {
            if lag > window && !warned {
                tracing::warn!(
                    target: "dfs",
                    "Finality is {lag} blocks behind the best block, more than the pruning \
                     window of {window}: states are kept until their blocks are final"
                );
            }
            warned = lag > window;
        }
        tracing::info!(
            target: "dfs",
            "💤 Idle (0 peers), best: #{} ({}), finalized #{} ({}), transactions: {} ready, {} future",
            best.number,
            best.hash,
            finalized.number,
            finalized.hash,
            pool.ready_count(),
            pool.future_count(),
        );
    }
}

/// Removes the chain's database.
pub fn purge_chain(cli: &Cli, yes: bool) -> Result<()> {
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
pub fn export_blocks(
    cli: &Cli,
    from: u32,
    to: Option<u32>,
    binary: bool,
    output: Option<&Path>,
) -> Result<()> {
    let ChainTarget { executor, spec, paths } = ChainTarget::from_cli(cli)?;
    let chain = open_chain(&spec, executor, &paths, open_pruning(&paths)?)?;
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
                    "header": rpc::header_json(&header),
                    "extrinsics": extrinsics.iter().map(|xt| format!("0x{}", hex::encode(xt.encode()))).collect::<Vec<_>>(),
                },
                "justifications": justifications.map(|j| format!("0x{}", hex::encode(j))),
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
fn open_pruning(paths: &ChainPaths) -> Result<Pruning> {
    if !paths.db().exists() {
        bail!("no chain database at {}", paths.db().display());
    }
    // Opening with another mode than the stored one fails naming the stored one.
    match Db::open(&paths.db(), Pruning::Archive) {
        Ok(_) => Ok(Pruning::Archive),
        Err(crate::db::DbError::PruningMismatch { stored, .. }) => Ok(stored),
        Err(error) => Err(error.into()),
    }
}

fn parse_json_block(value: &Value) -> Result<Block<OpaqueExtrinsic>> {
    let bytes = |text: &Value| -> Result<Vec<u8>> {
        let text = text.as_str().ok_or_else(|| anyhow!("expected a hex string, got {text}"))?;
        hex::decode(text.trim_start_matches("0x"))
            .with_context(|| format!("invalid hex {text:.20}"))
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
        header: dfs_runtime_primitives::generic::Header {
            parent_hash: hash("parentHash")?,
            number,
            state_root: hash("stateRoot")?,
            extrinsics_root: hash("extrinsicsRoot")?,
            digest: dfs_runtime_primitives::generic::Digest { logs },
        },
        extrinsics,
    })
}

/// Imports blocks written by `export-blocks`, checking each seal and executing each block.
pub fn import_blocks(
    cli: &Cli,
    binary: bool,
    input: Option<&Path>,
    pruning: Pruning,
) -> Result<()> {
    let ChainTarget { executor, spec, paths } = ChainTarget::from_cli(cli)?;
    let chain = open_chain(&spec, executor, &paths, pruning)?;
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
        (0..count)
            .map(|index| {
                SignedBlock::decode(&mut input)
                    .map(|signed| signed.block)
                    .with_context(|| format!("block {index} of {count} does not decode"))
            })
            .collect::<Result<_>>()?
    } else {
        serde_json::Deserializer::from_slice(&data)
            .into_iter::<Value>()
            .map(|value| parse_json_block(&value.context("invalid JSON")?))
            .collect::<Result<_>>()?
    };
    let total = blocks.len();
    // Compile the runtime now, so the time reported below is import alone.
    chain.authorities(&chain.best().hash)?;
    let (mut imported, mut extrinsics, mut importing) = (0, 0, Duration::ZERO);
    for block in blocks {
        let number = block.header.number;
        if chain.header(&block.header.hash())?.is_some() {
            continue;
        }
        let count = block.extrinsics.len();
        let started = Instant::now();
        chain
            .import(ImportSource::External(block), true)
            .with_context(|| format!("importing block #{number}"))?;
        importing += started.elapsed();
        imported += 1;
        extrinsics += count;
    }
    // The time is import alone (execution, checks, the database write), without reading
    // and decoding the file: what weights promise about a block.
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
