//! The command line, in Substrate's habits (flag names, defaults and subcommands), so
//! operators and tools such as zombienet drive `dfs-node` as they drive a Substrate node.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dfs_chain::db::Pruning;
use dfs_keystore::Scheme;

/// The node's command line.
#[derive(Parser)]
#[command(name = "dfs-node", version, about = "The DFS node")]
pub struct Cli {
    /// A subcommand; without one the node runs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The chain: `dev`, `local` or a chain spec file.
    #[arg(long, global = true)]
    pub chain: Option<String>,
    /// The folder of the node's data (`<base>/chains/<id>/{db,keystore,network}`).
    #[arg(short = 'd', long, global = true)]
    pub base_path: Option<PathBuf>,
    /// Log filters, e.g. `-l debug` or `-l chain=debug,txpool=trace`.
    #[arg(short = 'l', long = "log", global = true, value_name = "TARGET=LEVEL")]
    pub log: Vec<String>,
    /// Running the node.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Which RPC methods are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RpcMethods {
    /// Unsafe ones too when listening on a local interface only, safe ones otherwise.
    Auto,
    /// Only the safe methods.
    Safe,
    /// Every method.
    Unsafe,
}

/// The dev accounts a `--alice`-style flag names.
pub const DEV_AUTHORITIES: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// The default largest RPC response, in MiB. Two answers grow with a block's size:
/// `chain_getBlock` of a block filled to the runtime's length limit (~20.5 MiB as hex), and
/// `state_getStorage` of `System.Events` after a block filled to its weight with transfers
/// (~290 bytes of events each, ~26.6 MiB as hex). Both fit, with room to spare.
pub const DEFAULT_RPC_MAX_RESPONSE_MIB: u32 = 32;

/// Options of the run command.
#[derive(Args)]
pub struct RunArgs {
    /// A development chain: `--chain dev --alice --tmp --force-authoring --rpc-cors all`.
    #[arg(long)]
    pub dev: bool,
    /// Keep the node's data in a temporary folder removed on exit.
    #[arg(long)]
    pub tmp: bool,
    /// The node's name (in `system_name` and metrics).
    #[arg(long)]
    pub name: Option<String>,
    /// Author blocks (with an authority key from the keystore).
    #[arg(long)]
    pub validator: bool,
    /// Author blocks even without peers.
    #[arg(long)]
    pub force_authoring: bool,
    /// `--name Alice --validator` with //Alice's keys in the keystore.
    #[arg(long)]
    pub alice: bool,
    /// `--name Bob --validator` with //Bob's keys in the keystore.
    #[arg(long)]
    pub bob: bool,
    /// `--name Charlie --validator` with //Charlie's keys in the keystore.
    #[arg(long)]
    pub charlie: bool,
    /// `--name Dave --validator` with //Dave's keys in the keystore.
    #[arg(long)]
    pub dave: bool,
    /// `--name Eve --validator` with //Eve's keys in the keystore.
    #[arg(long)]
    pub eve: bool,
    /// `--name Ferdie --validator` with //Ferdie's keys in the keystore.
    #[arg(long)]
    pub ferdie: bool,
    /// The slot length in milliseconds, shorter than the runtime's for fast test chains.
    #[arg(long, value_name = "MS")]
    pub dev_block_time: Option<u64>,
    /// The JSON-RPC port (WebSocket and HTTP).
    #[arg(long, default_value_t = 9944)]
    pub rpc_port: u16,
    /// Listen for RPC on every interface, not just 127.0.0.1.
    #[arg(long)]
    pub rpc_external: bool,
    /// Listen for RPC on every interface and serve unsafe methods there.
    #[arg(long)]
    pub unsafe_rpc_external: bool,
    /// Which RPC methods to serve.
    #[arg(long, value_enum, default_value = "auto")]
    pub rpc_methods: RpcMethods,
    /// Browser origins allowed to call the RPC: `all` or a comma-separated list.
    #[arg(long)]
    pub rpc_cors: Option<String>,
    /// Most concurrent RPC connections.
    #[arg(long, default_value_t = 100)]
    pub rpc_max_connections: u32,
    /// Largest RPC request, in MiB.
    #[arg(long, default_value_t = 15)]
    pub rpc_max_request_size: u32,
    /// Largest RPC response, in MiB. Above Substrate's 15: a full block and its events are
    /// larger here (see [`DEFAULT_RPC_MAX_RESPONSE_MIB`]).
    #[arg(long, default_value_t = DEFAULT_RPC_MAX_RESPONSE_MIB)]
    pub rpc_max_response_size: u32,
    /// Most subscriptions per RPC connection.
    #[arg(long, default_value_t = 1024)]
    pub rpc_max_subscriptions_per_connection: u32,
    /// Most calls in one JSON-RPC batch (Substrate sets none; a batch's work must be
    /// bounded).
    #[arg(long, default_value_t = 1000)]
    pub rpc_max_batch_request_len: u32,
    /// Most messages queued for one RPC client before its subscriptions wait (Substrate's
    /// 64); its queued bytes are bounded too, and a client that stops reading is closed.
    #[arg(long, default_value_t = 64)]
    pub rpc_message_buffer_capacity_per_connection: u32,
    /// The Prometheus port.
    #[arg(long, default_value_t = 9615)]
    pub prometheus_port: u16,
    /// Serve metrics on every interface.
    #[arg(long)]
    pub prometheus_external: bool,
    /// Do not serve metrics.
    #[arg(long)]
    pub no_prometheus: bool,
    /// Keep the states of the last N blocks (and of every block not yet final), or
    /// `archive` for all.
    #[arg(long, alias = "pruning", default_value = "256")]
    pub state_pruning: Pruning,
    /// Most transactions in the pool's ready queue (the future queue holds a tenth of it).
    /// Above Substrate's 8 192: a block here holds about 18 000 transfers (the weights of
    /// 2026-11; faster imports will raise it), and a pool smaller than a few blocks would
    /// leave blocks part empty under load.
    #[arg(long, default_value_t = 65_536)]
    pub pool_limit: usize,
    /// Most kilobytes of transactions in the pool's ready queue (a tenth for the future one):
    /// 64 MiB, room for the ready limit at 1 KiB a transaction.
    #[arg(long, default_value_t = 65_536)]
    pub pool_kbytes: usize,
    /// The network key (32 bytes of hex); its peer id names the node.
    #[arg(long)]
    pub node_key: Option<String>,
    /// The file of the network key (default `<base>/chains/<id>/network/secret_ed25519`,
    /// created 0600 if missing).
    #[arg(long)]
    pub node_key_file: Option<PathBuf>,
    /// The peer-to-peer TCP port (when no `--listen-addr` is given).
    #[arg(long, default_value_t = 30333)]
    pub port: u16,
    /// Peer-to-peer addresses to listen on, such as `/ip4/0.0.0.0/tcp/30333` or
    /// `/ip4/127.0.0.1/tcp/30334/ws` (default: TCP on `--port`, IPv4 and IPv6).
    #[arg(long, num_args = 1..)]
    pub listen_addr: Vec<String>,
    /// Addresses peers may reach this node at, besides those it listens on.
    #[arg(long, num_args = 1..)]
    pub public_addr: Vec<String>,
    /// Peers to start from (`/ip4/…/tcp/…/p2p/<peer id>`), beside the chain spec's
    /// `bootNodes`.
    #[arg(long, num_args = 1..)]
    pub bootnodes: Vec<String>,
    /// Peers to stay connected to, whatever the limits.
    #[arg(long, num_args = 1..)]
    pub reserved_nodes: Vec<String>,
    /// Connect to and accept reserved peers only.
    #[arg(long)]
    pub reserved_only: bool,
    /// Most inbound peers.
    #[arg(long, default_value_t = 32)]
    pub in_peers: u32,
    /// Most outbound peers this node dials on its own.
    #[arg(long, default_value_t = 8)]
    pub out_peers: u32,
    /// No mDNS discovery (on by default for development and local chains).
    #[arg(long)]
    pub no_mdns: bool,
    /// Accepted for compatibility (zombienet passes it to validators): a validator's
    /// network settings are not checked here.
    #[arg(long = "insecure-validator-i-know-what-i-do")]
    pub insecure_validator: bool,
    /// Accepted for compatibility: this node sends no telemetry.
    #[arg(long)]
    pub no_telemetry: bool,
}

impl RunArgs {
    /// The dev authority a `--alice`-style flag (or `--dev`) selects.
    pub fn dev_authority(&self) -> Option<&'static str> {
        let flags = [self.alice, self.bob, self.charlie, self.dave, self.eve, self.ferdie];
        match flags.iter().position(|set| *set) {
            Some(index) => Some(DEV_AUTHORITIES[index]),
            None if self.dev => Some("Alice"),
            None => None,
        }
    }
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Measure the pallets' weights on this machine and write their `weights.rs` (nodes
    /// built with `--features runtime-benchmarks`).
    #[cfg(feature = "runtime-benchmarks")]
    Benchmark(crate::benchmark::BenchmarkArgs),
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
        /// What to do.
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Remove the chain's database.
    PurgeChain {
        /// Do not ask for confirmation.
        #[arg(short = 'y')]
        yes: bool,
    },
    /// Write blocks to a file (or stdout).
    ExportBlocks {
        /// The first block.
        #[arg(long, default_value_t = 1)]
        from: u32,
        /// The last block (the best one if not given).
        #[arg(long)]
        to: Option<u32>,
        /// SCALE instead of JSON.
        #[arg(long)]
        binary: bool,
        /// The output file; stdout if not given.
        output: Option<PathBuf>,
    },
    /// Import blocks from a file (or stdin), checking and executing each.
    ImportBlocks {
        /// SCALE instead of JSON.
        #[arg(long)]
        binary: bool,
        /// The input file; stdin if not given.
        input: Option<PathBuf>,
        /// The state pruning of the database.
        #[arg(long, alias = "pruning", default_value = "256")]
        state_pruning: Pruning,
    },
}

/// Key subcommands.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate a new key with a 12-word secret phrase.
    Generate {
        /// The scheme.
        #[arg(long, default_value = "sr25519")]
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
        #[arg(long, default_value = "sr25519")]
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
        #[arg(long, default_value = "sr25519")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pool_holds_more_than_a_full_block_of_transfers() {
        use clap::Parser;
        use dfs_support::traits::Get;
        let cli = Cli::try_parse_from(["dfs-node"]).unwrap();
        let normal = dfs_runtime::RuntimeBlockWeights::get().per_class.normal;
        let per_transfer = normal
            .base_extrinsic
            .saturating_add(<dfs_pallet_balances::weights::DfsWeight as dfs_pallet_balances::WeightInfo>::transfer_to_existing())
            .ref_time;
        let per_block = normal.max_total.unwrap().ref_time / per_transfer;
        assert!(cli.run.pool_limit as u64 > per_block, "{} <= {per_block}", cli.run.pool_limit);
        // At ~150 bytes a transfer, the byte limit is not the one that binds.
        assert!(cli.run.pool_kbytes as u64 * 1024 > per_block * 150 * 2);
    }

    #[test]
    fn the_default_response_limit_holds_a_full_block_as_hex() {
        let full_block = u64::from(dfs_runtime::MAXIMUM_BLOCK_LENGTH);
        // Hex doubles the bytes; JSON adds `"0x",` to each extrinsic, and only signed
        // extrinsics (over 100 bytes each) fill a block beyond its one timestamp inherent.
        let worst_case_json = 2 * full_block + 5 * (full_block / 100) + 4096;
        let limit = u64::from(DEFAULT_RPC_MAX_RESPONSE_MIB) * 1024 * 1024;
        assert!(
            limit >= worst_case_json,
            "a full block's chain_getBlock answer takes up to {worst_case_json} bytes, the \
             default limit is {limit}"
        );
    }

    #[test]
    fn the_default_response_limit_holds_a_full_block_s_events_as_hex() {
        use codec::{Decode, Encode};
        use dfs_core::{hashing::twox_128, pair::dev_sr25519, H256};
        use dfs_io::state::TestExternalities;
        use dfs_runtime::signing::{sign, transfer_keep_alive, SigningContext};
        use dfs_runtime_primitives::{generic::Header, Weight};
        use dfs_support::{dispatch::PerDispatchClass, traits::Get};

        let call = |ext: &mut TestExternalities, method: &str, args: Vec<u8>| {
            ext.execute_with(|| dfs_runtime::apis::call(method, &args)).unwrap()
        };
        let storage = |ext: &mut TestExternalities, pallet: &[u8], item: &[u8]| {
            let key = [twox_128(pallet), twox_128(item)].concat();
            ext.execute_with(|| dfs_io::storage::get(&key)).unwrap()
        };
        // The dev chain's genesis, then block 1 with transfers between existing accounts
        // (the most per block), applied as a block author applies them.
        let mut ext = TestExternalities::default();
        let preset =
            call(&mut ext, "GenesisBuilder_get_preset", Some(b"development".to_vec()).encode());
        let preset = Option::<Vec<u8>>::decode(&mut &preset[..]).unwrap().unwrap();
        call(&mut ext, "GenesisBuilder_build_state", preset.encode());
        ext.commit_all();
        let genesis = Header {
            parent_hash: H256::zero(),
            number: 0,
            state_root: ext.storage_root(),
            extrinsics_root: dfs_trie::empty_root(),
            digest: Default::default(),
        };
        let block = Header { parent_hash: genesis.hash(), number: 1, ..genesis.clone() };
        call(&mut ext, "Core_initialize_block", block.encode());
        let context = SigningContext::for_genesis(genesis.hash());
        let (alice, bob) = (dev_sr25519("Alice"), dev_sr25519("Bob").account_id());
        let transfers = 20u32;
        for nonce in 0..transfers {
            let transfer = sign(&alice, &context, &transfer_keep_alive(&bob, 1_000_000), nonce, 0);
            let applied = call(&mut ext, "BlockBuilder_apply_extrinsic", transfer);
            assert_eq!(applied, Ok::<_, ()>(Ok::<_, ()>(())).encode(), "transfer {nonce}");
        }
        let events = storage(&mut ext, b"System", b"Events").len() as u64;
        let used = storage(&mut ext, b"System", b"BlockWeight");
        let used = PerDispatchClass::<Weight>::decode(&mut &used[..]).unwrap().normal.ref_time;

        // As many as the block's normal weight admits, at what each really used.
        let normal = dfs_runtime::RuntimeBlockWeights::get().per_class.normal.max_total.unwrap();
        let per_block = normal.ref_time / (used / u64::from(transfers));
        let worst_case_hex = 2 * per_block * (events / u64::from(transfers)) + 4096;
        let limit = u64::from(DEFAULT_RPC_MAX_RESPONSE_MIB) * 1024 * 1024;
        assert!(
            limit >= worst_case_hex,
            "{per_block} transfers fill a block, their events take {worst_case_hex} bytes of \
             hex in state_getStorage, the default limit is {limit}"
        );
    }
}
