//! Assembling and running the node: keystore, database and chain, pool and its maintenance,
//! the network and sync, authoring, RPC, metrics and the periodic status line, until Ctrl-C,
//! SIGTERM or the failure of an essential task.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::{anyhow, Context, Result};
use codec::{Decode, Encode};
use dfs_chain::{
    db::{Db, Pruning},
    metrics::ChainMetrics,
    runtime_api::AuraAuthorities,
    Chain, HeaderReader, ImportPipeline, StateReader,
};
use dfs_consensus::{aura::AuraVerifier, AuthorConfig, ConsensusMetrics};
use dfs_executor::Executor;
use dfs_keystore::{KeyTypeId, Keystore, Scheme};
use dfs_network::{
    sync::{ChainBlockSource, TransactionSink},
    NetworkConfig, NetworkHandle, NetworkMetrics, ReputationChange, Roles,
};
use dfs_rpc::{
    system::{NetworkStatus, NodeInfo},
    RpcConfig, RpcDeps,
};
use dfs_runtime_primitives::{generic::OpaqueExtrinsic, InvalidTransaction};
use dfs_txpool::{
    metrics::PoolMetrics, FullChainApi, Pool, PoolError, PoolLimits, SubmissionQueue,
};
use serde_json::Value;

use crate::{
    chain_spec::ChainSpec,
    cli::{Cli, RpcMethods, RunArgs},
    key, metrics,
    tasks::TaskManager,
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
        let executor = crate::executor::executor()?;
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
    metrics: ChainMetrics,
) -> Result<Arc<Chain>> {
    let storage = spec.genesis_storage(&executor)?;
    let db = Db::open(&paths.db(), pruning)?;
    Ok(Arc::new(Chain::open(db, executor, storage, metrics)?))
}

/// The node key: from the flag, or the key file (generated there, 0600, if missing).
fn node_key(args: &RunArgs, paths: &ChainPaths) -> Result<[u8; 32]> {
    if let Some(text) = &args.node_key {
        let mut secret = [0u8; 32];
        hex::decode_to_slice(text.trim_start_matches("0x"), &mut secret)
            .context("--node-key takes 32 bytes of hex")?;
        return Ok(secret);
    }
    let file = args.node_key_file.clone().unwrap_or_else(|| paths.node_key());
    Ok(dfs_keystore::load_or_generate_node_key(&file)?)
}

/// The network's settings from the command line and the chain spec.
fn network_config(
    args: &RunArgs,
    spec: &ChainSpec,
    node_key: [u8; 32],
    genesis: dfs_core::H256,
    name: &str,
    authority: bool,
) -> NetworkConfig {
    let mut config = NetworkConfig::new(node_key, genesis);
    config.roles = if authority { Roles::AUTHORITY } else { Roles::FULL };
    config.node_name = name.to_string();
    config.listen_addresses = if args.listen_addr.is_empty() {
        vec![format!("/ip4/0.0.0.0/tcp/{}", args.port), format!("/ip6/::/tcp/{}", args.port)]
    } else {
        args.listen_addr.clone()
    };
    config.public_addresses = args.public_addr.clone();
    config.boot_nodes = args.bootnodes.clone();
    if let Some(spec_nodes) = spec.0["bootNodes"].as_array() {
        config
            .boot_nodes
            .extend(spec_nodes.iter().filter_map(|node| node.as_str().map(str::to_string)));
    }
    config.reserved_nodes = args.reserved_nodes.clone();
    config.reserved_only = args.reserved_only;
    config.kademlia = !args.reserved_only;
    config.in_peers = args.in_peers;
    config.out_peers = args.out_peers;
    // mDNS finds nodes of development and local chains on one machine or LAN; a live
    // chain's nodes find each other through boot nodes and the DHT.
    let chain_type = spec.0["chainType"].as_str().unwrap_or("Live");
    config.mdns = !args.no_mdns && !args.reserved_only && chain_type != "Live";
    config
}

/// Transactions from peers: validated like clients' (the same queue, batched), the valid
/// ones passed on by the queue's hook; a peer that sends undecodable or badly signed ones
/// loses reputation. At most [`PEER_TRANSACTION_BATCHES`] batches wait at once; beyond, gossip
/// is dropped (peers send it again, and blocks carry it anyway).
struct PeerTransactions {
    submissions: SubmissionQueue,
    network: NetworkHandle,
    waiting: Arc<tokio::sync::Semaphore>,
}

/// Batches of peers' transactions waiting for validation, at most.
const PEER_TRANSACTION_BATCHES: usize = 16;

impl PeerTransactions {
    fn new(submissions: SubmissionQueue, network: NetworkHandle) -> Self {
        let waiting = Arc::new(tokio::sync::Semaphore::new(PEER_TRANSACTION_BATCHES));
        PeerTransactions { submissions, network, waiting }
    }
}

impl TransactionSink for PeerTransactions {
    fn import(&self, peer: dfs_network::PeerId, transactions: Vec<OpaqueExtrinsic>) {
        let Ok(permit) = self.waiting.clone().try_acquire_owned() else {
            tracing::debug!(target: "sync", %peer, "transactions from a peer dropped: validation is behind");
            return;
        };
        let (submissions, network) = (self.submissions.clone(), self.network.clone());
        tokio::spawn(async move {
            let submitted = transactions.iter().map(|xt| submissions.submit(xt.encode(), None));
            for result in futures::future::join_all(submitted).await {
                let bad = match result {
                    Err(PoolError::Invalid(InvalidTransaction::BadProof)) => {
                        Some("a badly signed transaction")
                    }
                    Err(PoolError::Runtime(_)) => Some("a transaction that does not decode"),
                    _ => None,
                };
                if let Some(reason) = bad {
                    network.report_peer(peer, ReputationChange::new(-(1 << 24), reason));
                }
            }
            drop(permit);
        });
    }
}

/// The network as RPC sees it.
struct RpcNetwork {
    handle: NetworkHandle,
    should_have_peers: bool,
}

impl NetworkStatus for RpcNetwork {
    fn local_peer_id(&self) -> String {
        self.handle.local_peer_id().to_string()
    }
    fn listen_addresses(&self) -> Vec<String> {
        self.handle.listen_addresses()
    }
    fn peer_count(&self) -> usize {
        self.handle.peer_count()
    }
    fn is_syncing(&self) -> bool {
        self.handle.is_major_syncing()
    }
    fn should_have_peers(&self) -> bool {
        self.should_have_peers
    }
    fn highest_known_block(&self) -> Option<u32> {
        self.handle.highest_known_block()
    }
    fn peers(&self) -> Vec<Value> {
        self.handle
            .peers()
            .into_iter()
            .map(|peer| {
                serde_json::json!({
                    "peerId": peer.peer_id.to_string(),
                    "roles": peer.roles.name(),
                    "bestHash": peer.best_hash.to_string(),
                    "bestNumber": peer.best_number,
                })
            })
            .collect()
    }
    fn add_reserved_peer(&self, address: &str) -> Result<(), String> {
        self.handle.add_reserved_peer(address).map_err(|error| error.to_string())
    }
    fn remove_reserved_peer(&self, peer_id: &str) -> Result<(), String> {
        self.handle.remove_reserved_peer(peer_id).map_err(|error| error.to_string())
    }
}

/// The RPC server's settings from the command line.
fn rpc_config(args: &RunArgs) -> RpcConfig {
    let external = args.rpc_external || args.unsafe_rpc_external;
    let host: IpAddr =
        if external { Ipv4Addr::UNSPECIFIED.into() } else { Ipv4Addr::LOCALHOST.into() };
    let mut config = RpcConfig::new(SocketAddr::new(host, args.rpc_port));
    config.unsafe_methods = match args.rpc_methods {
        RpcMethods::Unsafe => true,
        RpcMethods::Safe => false,
        RpcMethods::Auto => !external || args.unsafe_rpc_external,
    };
    config.cors = match args.rpc_cors.as_deref() {
        Some("all") | Some("*") => None,
        Some(list) => Some(list.split(',').map(|o| o.trim().to_string()).collect()),
        None if args.dev => None,
        None => Some(
            [
                "http://localhost:*",
                "http://127.0.0.1:*",
                "https://localhost:*",
                "https://127.0.0.1:*",
                "https://polkadot.js.org",
            ]
            .iter()
            .map(|o| o.to_string())
            .collect(),
        ),
    };
    config.max_connections = args.rpc_max_connections;
    config.max_request_bytes = args.rpc_max_request_size.saturating_mul(1024 * 1024);
    config.max_response_bytes = args.rpc_max_response_size.saturating_mul(1024 * 1024);
    config.max_subscriptions_per_connection = args.rpc_max_subscriptions_per_connection;
    config.max_batch_len = args.rpc_max_batch_request_len;
    config.message_buffer_capacity = args.rpc_message_buffer_capacity_per_connection.max(1);
    config
}

/// Runs the node until Ctrl-C or SIGTERM, or until an essential task fails.
pub fn run(cli: &Cli) -> Result<()> {
    let args = &cli.run;
    let chain = if args.dev { "dev" } else { chain_name(cli) };
    let executor = crate::executor::executor_for_pool(args.pool_limit)?;
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
    let keystore = Keystore::open(paths.keystore())?;
    if let Some(authority) = dev_authority {
        keystore.insert(KeyTypeId::AURA, &format!("//{authority}"), Scheme::Sr25519)?;
        keystore.insert(KeyTypeId::GRANDPA, &format!("//{authority}"), Scheme::Ed25519)?;
    }

    tracing::info!(target: "dfs", "DFS Node");
    tracing::info!(target: "dfs", "✌️  version {}", env!("CARGO_PKG_VERSION"));
    tracing::info!(target: "dfs", "📋 Chain specification: {}", spec.0["name"].as_str().unwrap_or("?"));
    tracing::info!(target: "dfs", "🏷  Node name: {name}");
    tracing::info!(target: "dfs", "👤 Role: {}", if validator { "AUTHORITY" } else { "FULL" });
    tracing::info!(target: "dfs", "💾 Database: RocksDb at {}", paths.db().display());

    let registry = metrics::registry(spec.id()?)?;
    let chain = open_chain(
        &spec,
        executor,
        &paths,
        args.state_pruning,
        ChainMetrics::register(&registry)?,
    )?;
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
    let node_secret = node_key(args, &paths)?;
    tracing::info!(target: "dfs", "🏷  Local node identity is: {}", key::peer_id(&node_secret)?);

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let outcome = runtime.block_on(async {
        let mut tasks = TaskManager::new();
        let limits = PoolLimits {
            ready_count: args.pool_limit,
            ready_bytes: args.pool_kbytes.saturating_mul(1024),
            future_count: (args.pool_limit / 10).max(1),
            future_bytes: args.pool_kbytes.saturating_mul(1024) / 10,
            ..PoolLimits::default()
        };
        let pool = Arc::new(Pool::new(
            Arc::new(FullChainApi(chain.clone())),
            limits,
            PoolMetrics::register(&registry)?,
        ));
        tasks.spawn_essential("transaction-pool", dfs_txpool::maintain::run(pool.clone(), chain.subscribe()));
        let authorities = chain.runtime_api::<AuraAuthorities>(&chain.best().hash, &())?;
        let author_key = if validator {
            keystore.first_sr25519_pair(KeyTypeId::AURA, authorities.iter().map(|a| &a.0))?
        } else {
            None
        };
        if validator && author_key.is_none() {
            tracing::warn!(target: "dfs", "--validator given but the keystore holds no aura key of a current authority: not authoring");
        }
        metrics::register_node_metrics(&registry, &name, if author_key.is_some() { 4 } else { 1 })?;

        // The network, and sync over it.
        let network_metrics = NetworkMetrics::register(&registry)?;
        let network = dfs_network::start(
            network_config(args, &spec, node_secret, chain.genesis(), &name, author_key.is_some()),
            Arc::new(ChainBlockSource::new(chain.clone())),
            network_metrics.clone(),
        )?;
        let network_handle = network.handle.clone();
        tasks.spawn_essential("network", network.worker);
        // Transactions the pool takes, from clients or peers, go on to the peers that lack
        // them.
        let gossip = network_handle.clone();
        let submissions = SubmissionQueue::start(
            pool.clone(),
            Some(Box::new(move |admitted: &[Vec<u8>]| {
                let transactions: Vec<OpaqueExtrinsic> = admitted
                    .iter()
                    .filter_map(|bytes| OpaqueExtrinsic::decode(&mut &bytes[..]).ok())
                    .collect();
                gossip.propagate_transactions(&transactions);
            })),
        )?;
        let pipeline = ImportPipeline::new(
            chain.clone(),
            Arc::new(AuraVerifier::new(chain.clone())),
            chain.clone(),
        );
        tasks.spawn_essential(
            "sync",
            dfs_network::sync::run(
                network_handle.clone(),
                network.events,
                chain.clone(),
                pipeline,
                chain.subscribe(),
                Some(Arc::new(PeerTransactions::new(submissions.clone(), network_handle.clone()))),
                network_metrics,
            ),
        );

        // RPC.
        let rpc_config = rpc_config(args);
        let deps = RpcDeps {
            chain: chain.clone(),
            pool: pool.clone(),
            submissions,
            keystore: keystore.clone(),
            info: NodeInfo {
                chain_name: spec.0["name"].as_str().unwrap_or("DFS").to_string(),
                chain_type: spec.0.get("chainType").cloned().unwrap_or(Value::from("Live")),
                properties: spec.0.get("properties").cloned().unwrap_or(Value::Object(Default::default())),
                node_name: name.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                is_authority: author_key.is_some(),
            },
            network: Arc::new(RpcNetwork {
                handle: network_handle.clone(),
                should_have_peers: spec.0["chainType"].as_str() != Some("Development"),
            }),
        };
        let mut rpc = dfs_rpc::start(&rpc_config, deps, Some(&registry)).await?;
        tracing::info!(
            target: "dfs",
            "Running JSON-RPC server: addr={}, allowed origins={}",
            rpc.address(),
            match &rpc_config.cors { None => "all".to_string(), Some(list) => format!("{list:?}") }
        );
        let rpc_handle = rpc.handle();
        tasks.spawn_essential("rpc-server", async move {
            if let Err(error) = rpc.stopped().await {
                tracing::error!(target: "rpc", %error);
            }
        });

        // Metrics.
        if !args.no_prometheus {
            let host: IpAddr = if args.prometheus_external { Ipv4Addr::UNSPECIFIED.into() } else { Ipv4Addr::LOCALHOST.into() };
            let listener = metrics::listen(SocketAddr::new(host, args.prometheus_port)).await?;
            tracing::info!(target: "dfs", "〽️ Prometheus exporter started at {}", listener.local_addr()?);
            tasks.spawn_essential("prometheus", metrics::serve(listener, registry.clone()));
        }

        if let Some(pair) = author_key {
            let slot = Duration::from_millis(args.dev_block_time.unwrap_or(dfs_runtime::SLOT_DURATION_MS).max(100));
            tracing::info!(target: "dfs", "⏱  Authoring as {} in slots of {} ms", pair.account_id(), slot.as_millis());
            let config = AuthorConfig { slot, key: pair, finalize_own: authorities.len() == 1 };
            let metrics = ConsensusMetrics::register(&registry)?;
            tasks.spawn_essential("authoring", dfs_consensus::run_authoring(chain.clone(), pool.clone(), config, metrics));
        }

        tasks.spawn("informant", informant(chain.clone(), pool.clone(), network_handle, args.state_pruning));

        let outcome = tokio::select! {
            _ = shutdown_signal() => Ok(()),
            failure = tasks.essential_failed() => Err(anyhow!(failure)),
        };
        tasks.shutting_down();
        let _ = rpc_handle.stop();
        tracing::info!(target: "dfs", "Shutting down");
        outcome
    });
    // Stop the tasks (authoring may be mid-block) before the database closes.
    runtime.shutdown_timeout(Duration::from_secs(10));
    drop(chain);
    drop(temp);
    outcome
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
async fn informant(chain: Arc<Chain>, pool: Arc<Pool>, network: NetworkHandle, pruning: Pruning) {
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
        let peers = network.peer_count();
        let status = match network.highest_known_block() {
            Some(target) if network.is_major_syncing() => {
                format!("⚙️  Syncing, target=#{target} ({peers} peers)")
            }
            _ => format!("💤 Idle ({peers} peers)"),
        };
        tracing::info!(
            target: "dfs",
            "{status}, best: #{} ({}), finalized #{} ({}), transactions: {} ready, {} future",
            best.number,
            best.hash,
            finalized.number,
            finalized.hash,
            pool.ready_count(),
            pool.future_count(),
        );
    }
}
