//! The network's event loop, which owns the libp2p swarm, and the handle the rest of the
//! node holds.
//!
//! The loop handles connections, discovery, dialling, reputations and bans. The protocols'
//! streams run in tasks of their own beside it: for each connected peer one writer task per
//! notification protocol (fed through a bounded queue, so a slow peer misses messages rather
//! than growing memory), one reader task per stream the peer opened, and one task per block
//! request either way. They reach the loop through a command queue.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    future::Future,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::{Duration, Instant},
};

use codec::Encode;
use dfs_core::{hashing::blake2_256, H256};
use dfs_runtime_primitives::generic::{BlockNumber, Header, OpaqueExtrinsic};
use futures::{AsyncWriteExt, StreamExt};
use libp2p::{
    allow_block_list,
    core::upgrade::Version,
    identify, kad, mdns,
    multiaddr::Protocol,
    noise, ping,
    swarm::{
        behaviour::toggle::Toggle,
        dial_opts::{DialOpts, PeerCondition},
        NetworkBehaviour, SwarmEvent,
    },
    tcp, yamux, Multiaddr, Swarm, Transport,
};
use libp2p_websocket as websocket;
use tokio::sync::mpsc;

use crate::{
    config::{self, NetworkConfig, Roles},
    framing::{read_frame, write_frame},
    metrics::NetworkMetrics,
    peerset::{PeerSet, ReputationChange, Verdict},
    protocol::{
        self, BlockAnnounce, BlockRequest, BlockResponse, Handshake, Notifications, ProtocolNames,
        MAX_HANDSHAKE, MAX_REQUEST, MAX_RESPONSE,
    },
    PeerId,
};

/// How long a peer has to open a stream and send its handshake, or to answer a request.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a block request may take, a full response included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages queued for one peer on one protocol before newer ones are dropped.
const PEER_QUEUE: usize = 256;
/// Events queued for the node (sync) before readers wait.
const EVENT_QUEUE: usize = 4096;
/// Block requests a peer may have this node answer at once.
const INBOUND_REQUESTS_PER_PEER: usize = 4;
/// Block requests this node answers at once, all peers together.
const INBOUND_REQUESTS: usize = 64;
/// Transaction hashes remembered per peer, so nothing is sent back to where it came from.
const KNOWN_TRANSACTIONS: usize = 10_240;

/// Why the network could not start, or a call failed.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A setting is wrong (an address, the key).
    #[error("network configuration: {0}")]
    Config(String),
    /// Listening or the transport failed.
    #[error("network transport: {0}")]
    Transport(String),
    /// The network's event loop has stopped.
    #[error("the network has stopped")]
    Stopped,
}

/// Why a block request failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The peer did not answer in time.
    #[error("the request timed out")]
    Timeout,
    /// The stream failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The peer does not speak the protocol (another chain, or not a node).
    #[error("the peer does not serve block requests of this chain")]
    Unsupported,
    /// The answer did not decode.
    #[error("the response does not decode: {0}")]
    BadResponse(codec::Error),
}

/// What the network tells the node.
#[derive(Debug, Clone)]
pub enum NetworkEvent {
    /// A peer of this chain connected (its block-announce handshake was read).
    PeerConnected {
        /// The peer.
        peer: PeerId,
        /// Its roles.
        roles: Roles,
        /// Its best block's number.
        best_number: BlockNumber,
        /// Its best block's hash.
        best_hash: H256,
    },
    /// A peer of this chain disconnected.
    PeerDisconnected {
        /// The peer.
        peer: PeerId,
    },
    /// A peer announced a block.
    BlockAnnounce {
        /// The peer.
        peer: PeerId,
        /// The announcement.
        announce: BlockAnnounce,
    },
    /// A peer sent transactions.
    Transactions {
        /// The peer.
        peer: PeerId,
        /// The transactions, not yet checked.
        transactions: Vec<OpaqueExtrinsic>,
    },
    /// A peer sent a finality message.
    Finality {
        /// The peer.
        peer: PeerId,
        /// The message, not yet decoded.
        message: Vec<u8>,
    },
}

/// A connected peer of the chain, as `system_peers` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer.
    pub peer_id: PeerId,
    /// Its roles.
    pub roles: Roles,
    /// Its best block's number.
    pub best_number: BlockNumber,
    /// Its best block's hash.
    pub best_hash: H256,
}

/// Answers block requests from peers; the sync module implements it over the chain.
pub trait BlockSource: Send + Sync + 'static {
    /// The blocks `request` asks for, within the response budget.
    fn answer(&self, request: &BlockRequest) -> BlockResponse;
}

/// A peer with at least one open connection.
struct Peer {
    /// Its block-announce handshake, once read: from then on it is a peer of the chain.
    handshake: Option<Handshake>,
    /// Its best block as last announced.
    best: (BlockNumber, H256),
    /// Queues to the writer tasks, one per notification protocol.
    outbound: [Option<mpsc::Sender<Arc<Vec<u8>>>>; 3],
    /// Transactions it has or was sent (hashes, oldest first).
    known_transactions: KnownSet,
    /// Block requests of its being answered now.
    inbound_requests: usize,
}

/// A bounded set of hashes that forgets the oldest.
#[derive(Default)]
struct KnownSet {
    set: HashSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
}

impl KnownSet {
    /// Adds `hash`; false if it was known.
    fn insert(&mut self, hash: [u8; 32]) -> bool {
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > KNOWN_TRANSACTIONS {
            if let Some(oldest) = self.order.pop_front() {
                self.set.remove(&oldest);
            }
        }
        true
    }
}

/// What the tasks and the handle share with the event loop.
struct Shared {
    local_peer_id: PeerId,
    roles: Roles,
    genesis: H256,
    names: ProtocolNames,
    best: Mutex<(BlockNumber, H256)>,
    listen_addresses: Mutex<Vec<Multiaddr>>,
    peers: Mutex<HashMap<PeerId, Peer>>,
    inbound_requests: AtomicUsize,
    syncing: AtomicBool,
    highest_known: Mutex<Option<BlockNumber>>,
    control: Mutex<libp2p_stream::Control>,
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::Sender<NetworkEvent>,
    metrics: NetworkMetrics,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every value behind these locks is a plain map or value, whole after any panic.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn handshake(&self) -> Handshake {
        let (best_number, best_hash) = *lock(&self.best);
        Handshake { roles: self.roles, best_number, best_hash, genesis_hash: self.genesis }
    }

    fn report(&self, peer: PeerId, change: ReputationChange) {
        let _ = self.commands.send(Command::Report(peer, change));
    }

    fn chain_peer_count(&self) -> usize {
        lock(&self.peers).values().filter(|peer| peer.handshake.is_some()).count()
    }
}

/// What the handle and the tasks ask of the event loop.
enum Command {
    Report(PeerId, ReputationChange),
    AddReserved(PeerId, Multiaddr),
    RemoveReserved(PeerId),
}

/// The node's handle on the network: cheap to clone, usable from any task.
#[derive(Clone)]
pub struct NetworkHandle {
    shared: Arc<Shared>,
}

impl NetworkHandle {
    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.shared.local_peer_id
    }

    /// The addresses this node listens on, each ending in `/p2p/<peer id>`.
    pub fn listen_addresses(&self) -> Vec<String> {
        let peer = self.shared.local_peer_id.0;
        lock(&self.shared.listen_addresses)
            .iter()
            .map(|address| address.clone().with_p2p(peer).unwrap_or_else(|same| same).to_string())
            .collect()
    }

    /// The connected peers of the chain.
    pub fn peers(&self) -> Vec<PeerInfo> {
        let mut peers: Vec<PeerInfo> = lock(&self.shared.peers)
            .iter()
            .filter_map(|(peer_id, peer)| {
                let handshake = peer.handshake.as_ref()?;
                Some(PeerInfo {
                    peer_id: *peer_id,
                    roles: handshake.roles,
                    best_number: peer.best.0,
                    best_hash: peer.best.1,
                })
            })
            .collect();
        peers.sort_by_key(|peer| peer.peer_id);
        peers
    }

    /// How many peers of the chain are connected.
    pub fn peer_count(&self) -> usize {
        self.shared.chain_peer_count()
    }

    /// Whether the node is catching up with its peers (set by sync).
    pub fn is_major_syncing(&self) -> bool {
        self.shared.syncing.load(Ordering::Relaxed)
    }

    /// The highest block peers announced, if any (set by sync).
    pub fn highest_known_block(&self) -> Option<BlockNumber> {
        *lock(&self.shared.highest_known)
    }

    /// Sync's view: whether the node is catching up, and the highest block peers have.
    pub fn set_sync_state(&self, major_syncing: bool, highest_known: Option<BlockNumber>) {
        self.shared.syncing.store(major_syncing, Ordering::Relaxed);
        self.shared.metrics.set_major_syncing(major_syncing);
        *lock(&self.shared.highest_known) = highest_known;
    }

    /// Announces a block to every peer; a best block also becomes the best block new peers'
    /// handshakes carry.
    pub fn announce_block(&self, header: &Header, is_best: bool) {
        if is_best {
            *lock(&self.shared.best) = (header.number, header.hash());
        }
        let message = Arc::new(BlockAnnounce { header: header.clone(), is_best }.encode());
        self.broadcast(Notifications::BlockAnnounces, &message);
    }

    /// Sets the best block peers are told of in handshakes, without announcing it.
    pub fn set_best(&self, number: BlockNumber, hash: H256) {
        *lock(&self.shared.best) = (number, hash);
    }

    /// Passes transactions on to every peer that does not have them yet.
    pub fn propagate_transactions(&self, transactions: &[OpaqueExtrinsic]) {
        let hashes: Vec<[u8; 32]> = transactions.iter().map(|xt| blake2_256(&xt.0)).collect();
        let mut peers = lock(&self.shared.peers);
        for peer in peers.values_mut().filter(|peer| peer.handshake.is_some()) {
            let fresh: Vec<&OpaqueExtrinsic> = transactions
                .iter()
                .zip(&hashes)
                .filter(|(_, hash)| peer.known_transactions.insert(**hash))
                .map(|(xt, _)| xt)
                .collect();
            if fresh.is_empty() {
                continue;
            }
            if let Some(queue) = &peer.outbound[Notifications::Transactions.index()] {
                let _ = queue.try_send(Arc::new(fresh.encode()));
            }
        }
    }

    /// Sends a finality message to every peer of the chain.
    pub fn broadcast_finality(&self, message: Vec<u8>) {
        self.broadcast(Notifications::Finality, &Arc::new(message));
    }

    fn broadcast(&self, protocol: Notifications, message: &Arc<Vec<u8>>) {
        for peer in lock(&self.shared.peers).values() {
            if peer.handshake.is_none() {
                continue;
            }
            if let Some(queue) = &peer.outbound[protocol.index()] {
                // A peer that does not keep up misses messages; sync repairs what it misses.
                let _ = queue.try_send(message.clone());
            }
        }
    }

    /// Changes a peer's reputation; below the threshold it is disconnected and banned.
    pub fn report_peer(&self, peer: PeerId, change: ReputationChange) {
        self.shared.report(peer, change);
    }

    /// Asks `peer` for blocks.
    pub async fn request_blocks(
        &self,
        peer: PeerId,
        request: BlockRequest,
    ) -> Result<BlockResponse, RequestError> {
        let mut control = lock(&self.shared.control).clone();
        let protocol = self.shared.names.sync.clone();
        let exchange = async move {
            let mut stream =
                control.open_stream(peer.0, protocol).await.map_err(|error| match error {
                    libp2p_stream::OpenStreamError::UnsupportedProtocol(_) => {
                        RequestError::Unsupported
                    }
                    libp2p_stream::OpenStreamError::Io(error) => RequestError::Io(error),
                    other => RequestError::Io(std::io::Error::other(other.to_string())),
                })?;
            write_frame(&mut stream, &request.encode()).await?;
            let frame = read_frame(&mut stream, MAX_RESPONSE).await?.ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no response")
            })?;
            protocol::decode::<BlockResponse>(&frame).map_err(RequestError::BadResponse)
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.map_err(|_| RequestError::Timeout)?
    }

    /// Adds a reserved peer (`/ip4/…/p2p/<id>`): always dialled, never counted against the
    /// limits, and with `--reserved-only` among the only ones accepted.
    pub fn add_reserved_peer(&self, address: &str) -> Result<(), NetworkError> {
        let (peer, address) = config::parse_peer_address(address)?;
        self.shared
            .commands
            .send(Command::AddReserved(peer, address))
            .map_err(|_| NetworkError::Stopped)
    }

    /// Removes a reserved peer; with `--reserved-only` it is disconnected.
    pub fn remove_reserved_peer(&self, peer: &str) -> Result<(), NetworkError> {
        let peer: PeerId = peer.parse()?;
        self.shared.commands.send(Command::RemoveReserved(peer)).map_err(|_| NetworkError::Stopped)
    }
}

#[derive(NetworkBehaviour)]
#[behaviour(prelude = "libp2p::swarm::derive_prelude")]
struct Behaviour {
    blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    kademlia: Toggle<kad::Behaviour<kad::store::MemoryStore>>,
    mdns: Toggle<mdns::tokio::Behaviour>,
    streams: libp2p_stream::Behaviour,
}

/// What [`start`] gives: the handle, the events for sync, and the event loop to run as an
/// essential task (it ends only if the network fails).
pub struct Started {
    /// The handle.
    pub handle: NetworkHandle,
    /// Peers' announcements, transactions and finality messages, and peers coming and going.
    pub events: mpsc::Receiver<NetworkEvent>,
    /// The event loop.
    pub worker: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// Starts listening and returns the handle and the event loop; must be called inside a
/// Tokio runtime.
pub fn start(
    config: NetworkConfig,
    blocks: Arc<dyn BlockSource>,
    metrics: NetworkMetrics,
) -> Result<Started, NetworkError> {
    let keypair = config::keypair(config.node_key)?;
    let local = keypair.public().to_peer_id();
    let names = ProtocolNames::new(&config.genesis_hash);

    let transport = {
        let tcp = || tcp::tokio::Transport::new(tcp::Config::default().nodelay(true));
        let noise = noise::Config::new(&keypair)
            .map_err(|error| NetworkError::Transport(format!("noise: {error}")))?;
        let mut yamux = yamux::Config::default();
        // Room for a full block response in flight without stalling on window updates.
        yamux.set_max_num_streams(1024);
        websocket::Config::new(tcp())
            .or_transport(tcp())
            .upgrade(Version::V1Lazy)
            .authenticate(noise)
            .multiplex(yamux)
            .timeout(Duration::from_secs(20))
            .boxed()
    };

    let kademlia = config.kademlia.then(|| {
        let mut kad_config = kad::Config::new(names.kademlia.clone());
        kad_config.set_query_timeout(Duration::from_secs(30));
        let mut kademlia =
            kad::Behaviour::with_config(local, kad::store::MemoryStore::new(local), kad_config);
        kademlia.set_mode(Some(kad::Mode::Server));
        kademlia
    });
    let mdns = if config.mdns {
        match mdns::tokio::Behaviour::new(mdns::Config::default(), local) {
            Ok(mdns) => Some(mdns),
            Err(error) => {
                tracing::warn!(target: "network", %error, "mDNS unavailable; discovery goes on without it");
                None
            }
        }
    } else {
        None
    };
    let agent = format!("dfs-node/{} ({})", env!("CARGO_PKG_VERSION"), config.node_name);
    let behaviour = Behaviour {
        blocked: Default::default(),
        identify: identify::Behaviour::new(
            identify::Config::new("/substrate/1.0".into(), keypair.public())
                .with_agent_version(agent),
        ),
        ping: ping::Behaviour::new(ping::Config::new()),
        kademlia: kademlia.into(),
        mdns: mdns.into(),
        streams: libp2p_stream::Behaviour::new(),
    };
    let mut swarm = Swarm::new(
        transport,
        behaviour,
        local,
        libp2p::swarm::Config::with_tokio_executor()
            .with_idle_connection_timeout(Duration::from_secs(30)),
    );

    // Each address that cannot be listened on (a port in use, no IPv6 here) is reported;
    // the node runs if it listens somewhere, or was told to listen nowhere.
    let mut failures = Vec::new();
    for text in &config.listen_addresses {
        let address = config::parse_address(text)?;
        if let Err(error) = swarm.listen_on(address.clone()) {
            tracing::warn!(target: "network", "cannot listen on {address}: {error}");
            failures.push(format!("{address}: {error}"));
        }
    }
    if !config.listen_addresses.is_empty() && failures.len() == config.listen_addresses.len() {
        return Err(NetworkError::Transport(format!("cannot listen: {}", failures.join("; "))));
    }
    for text in &config.public_addresses {
        swarm.add_external_address(config::parse_address(text)?);
    }
    let mut boot_nodes = Vec::new();
    for text in &config.boot_nodes {
        boot_nodes.push(config::parse_peer_address(text)?);
    }
    let mut reserved = HashMap::new();
    for text in &config.reserved_nodes {
        let (peer, address) = config::parse_peer_address(text)?;
        reserved.insert(peer, address);
    }

    let mut control = swarm.behaviour().streams.new_control();
    let mut incoming = Vec::new();
    for protocol in Notifications::ALL {
        let streams = control
            .accept(names.notifications(protocol).clone())
            .map_err(|error| NetworkError::Config(error.to_string()))?;
        incoming.push((protocol, streams));
    }
    let requests = control
        .accept(names.sync.clone())
        .map_err(|error| NetworkError::Config(error.to_string()))?;

    let (commands, command_queue) = mpsc::unbounded_channel();
    let (events, event_queue) = mpsc::channel(EVENT_QUEUE);
    let shared = Arc::new(Shared {
        local_peer_id: PeerId(local),
        roles: config.roles,
        genesis: config.genesis_hash,
        names,
        best: Mutex::new((0, config.genesis_hash)),
        listen_addresses: Mutex::new(Vec::new()),
        peers: Mutex::new(HashMap::new()),
        inbound_requests: AtomicUsize::new(0),
        syncing: AtomicBool::new(false),
        highest_known: Mutex::new(None),
        control: Mutex::new(control),
        commands,
        events,
        metrics,
    });

    let mut worker = Worker {
        swarm,
        shared: shared.clone(),
        commands: command_queue,
        peerset: PeerSet::new(config.ban_duration, Instant::now()),
        reserved,
        reserved_only: config.reserved_only,
        boot_nodes,
        known_addresses: HashMap::new(),
        outbound_peers: HashSet::new(),
        inbound_peers: HashSet::new(),
        in_peers: config.in_peers as usize,
        out_peers: config.out_peers as usize,
        last_bootstrap: None,
    };
    let run_shared = shared.clone();
    let worker_future = async move {
        for (protocol, streams) in incoming {
            tokio::spawn(accept_notifications(run_shared.clone(), protocol, streams));
        }
        tokio::spawn(accept_requests(run_shared.clone(), requests, blocks));
        worker.run().await;
    };
    Ok(Started {
        handle: NetworkHandle { shared },
        events: event_queue,
        worker: Box::pin(worker_future),
    })
}

/// The event loop's state.
struct Worker {
    swarm: Swarm<Behaviour>,
    shared: Arc<Shared>,
    commands: mpsc::UnboundedReceiver<Command>,
    peerset: PeerSet,
    reserved: HashMap<PeerId, Multiaddr>,
    reserved_only: bool,
    /// Learnt (and emptied) when the loop starts.
    boot_nodes: Vec<(PeerId, Multiaddr)>,
    /// Where discovered peers can be dialled.
    known_addresses: HashMap<PeerId, Vec<Multiaddr>>,
    /// Peers connected by a dial of this node's (reserved ones included).
    outbound_peers: HashSet<PeerId>,
    /// Peers that dialled this node.
    inbound_peers: HashSet<PeerId>,
    in_peers: usize,
    out_peers: usize,
    last_bootstrap: Option<Instant>,
}

impl Worker {
    async fn run(&mut self) {
        for (peer, address) in std::mem::take(&mut self.boot_nodes) {
            self.learn_address(peer, address);
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                Some(command) = self.commands.recv() => self.on_command(command),
                _ = tick.tick() => self.maintain(),
            }
        }
    }

    /// Keeps `address` as a way to dial `peer`; false if it was known (or is this node).
    fn remember_address(&mut self, peer: PeerId, address: &Multiaddr) -> bool {
        if peer == self.shared.local_peer_id {
            return false;
        }
        let known = self.known_addresses.entry(peer).or_default();
        let new = !known.contains(address);
        if new {
            known.push(address.clone());
        }
        new
    }

    /// Remembers an address found outside Kademlia (boot nodes, identify, mDNS) and tells
    /// Kademlia of it.
    fn learn_address(&mut self, peer: PeerId, address: Multiaddr) {
        if self.remember_address(peer, &address) {
            if let Some(kademlia) = self.swarm.behaviour_mut().kademlia.as_mut() {
                kademlia.add_address(&peer.0, address);
            }
        }
    }

    fn dial(&mut self, peer: PeerId) {
        if self.swarm.is_connected(&peer.0) || self.peerset.is_banned(&peer, Instant::now()) {
            return;
        }
        let mut addresses = self.known_addresses.get(&peer).cloned().unwrap_or_default();
        if let Some(address) = self.reserved.get(&peer) {
            addresses.insert(0, address.clone());
        }
        if addresses.is_empty() {
            return;
        }
        let options = DialOpts::peer_id(peer.0)
            .addresses(addresses)
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        if let Err(error) = self.swarm.dial(options) {
            tracing::debug!(target: "network", %peer, %error, "dial refused");
        }
    }

    /// Once a second: forgive, lift ended bans, keep reserved peers and enough others
    /// connected, and refresh the DHT now and then.
    fn maintain(&mut self) {
        let now = Instant::now();
        for peer in self.peerset.decay(now) {
            self.swarm.behaviour_mut().blocked.unblock_peer(peer.0);
        }
        let reserved: Vec<PeerId> = self.reserved.keys().copied().collect();
        for peer in reserved {
            self.dial(peer);
        }
        if self.reserved_only {
            return;
        }
        let wanted = self.out_peers.saturating_sub(self.non_reserved(&self.outbound_peers));
        if wanted > 0 {
            let candidates: Vec<PeerId> = self
                .known_addresses
                .keys()
                .filter(|peer| {
                    !self.swarm.is_connected(&peer.0) && !self.peerset.is_banned(peer, now)
                })
                .take(wanted)
                .copied()
                .collect();
            for peer in candidates {
                self.dial(peer);
            }
        }
        let due = self.last_bootstrap.is_none_or(|last| now - last > Duration::from_secs(30));
        if due && !self.known_addresses.is_empty() {
            if let Some(kademlia) = self.swarm.behaviour_mut().kademlia.as_mut() {
                let _ = kademlia.bootstrap();
                self.last_bootstrap = Some(now);
            }
        }
    }

    fn non_reserved(&self, peers: &HashSet<PeerId>) -> usize {
        peers.iter().filter(|peer| !self.reserved.contains_key(peer)).count()
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Report(peer, change) => {
                let now = Instant::now();
                if let Verdict::Ban(_) = self.peerset.report(peer, change, now) {
                    tracing::info!(target: "network", %peer, reason = change.reason, "peer banned");
                    self.shared.metrics.banned();
                    self.swarm.behaviour_mut().blocked.block_peer(peer.0);
                    let _ = self.swarm.disconnect_peer_id(peer.0);
                } else if change.value < 0 {
                    tracing::debug!(target: "network", %peer, reason = change.reason, value = change.value, "peer reported");
                }
            }
            Command::AddReserved(peer, address) => {
                self.reserved.insert(peer, address);
                self.dial(peer);
            }
            Command::RemoveReserved(peer) => {
                self.reserved.remove(&peer);
                if self.reserved_only {
                    let _ = self.swarm.disconnect_peer_id(peer.0);
                }
            }
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(target: "network", "🔍 Listening on {address}/p2p/{}", self.shared.local_peer_id);
                lock(&self.shared.listen_addresses).push(address);
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                lock(&self.shared.listen_addresses).retain(|known| *known != address);
            }
            SwarmEvent::ConnectionEstablished { peer_id, endpoint, num_established, .. } => {
                let peer = PeerId(peer_id);
                if num_established.get() > 1 {
                    return;
                }
                let dialer = endpoint.is_dialer();
                let reserved = self.reserved.contains_key(&peer);
                let full = if dialer {
                    false
                } else {
                    !reserved && self.non_reserved(&self.inbound_peers) >= self.in_peers
                };
                if (self.reserved_only && !reserved) || full {
                    tracing::debug!(target: "network", %peer, "connection refused: {}", if full { "no inbound slot" } else { "not reserved" });
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return;
                }
                if dialer {
                    self.outbound_peers.insert(peer);
                } else {
                    self.inbound_peers.insert(peer);
                }
                self.open_notifications(peer);
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                let peer = PeerId(peer_id);
                self.outbound_peers.remove(&peer);
                self.inbound_peers.remove(&peer);
                let removed = lock(&self.shared.peers).remove(&peer);
                if removed.is_some_and(|peer| peer.handshake.is_some()) {
                    tracing::debug!(target: "network", %peer, "peer disconnected");
                    let _ = self.shared.events.try_send(NetworkEvent::PeerDisconnected { peer });
                }
                self.shared.metrics.set_peers(self.shared.chain_peer_count());
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                let serves_chain = info.protocols.contains(&self.shared.names.kademlia);
                if serves_chain {
                    for address in info.listen_addrs {
                        if is_dialable(&address) {
                            self.learn_address(PeerId(peer_id), address);
                        }
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kademlia(kad::Event::RoutingUpdated {
                peer,
                addresses,
                ..
            })) => {
                for address in addresses.iter() {
                    self.remember_address(PeerId(peer), address);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                for (peer, address) in found {
                    self.learn_address(PeerId(peer), address);
                }
            }
            SwarmEvent::OutgoingConnectionError { peer_id: Some(peer_id), error, .. } => {
                tracing::debug!(target: "network", peer = %peer_id, %error, "dial failed");
            }
            _ => {}
        }
    }

    /// Registers a newly connected peer and starts its writer tasks: each opens a stream,
    /// sends this node's handshake and then whatever the peer's queue holds.
    fn open_notifications(&mut self, peer: PeerId) {
        let mut outbound: [Option<mpsc::Sender<Arc<Vec<u8>>>>; 3] = Default::default();
        for protocol in Notifications::ALL {
            let (sender, receiver) = mpsc::channel(PEER_QUEUE);
            outbound[protocol.index()] = Some(sender);
            tokio::spawn(write_notifications(self.shared.clone(), protocol, peer, receiver));
        }
        lock(&self.shared.peers).insert(
            peer,
            Peer {
                handshake: None,
                best: (0, H256::default()),
                outbound,
                known_transactions: KnownSet::default(),
                inbound_requests: 0,
            },
        );
    }
}

/// Whether `address` names a place to dial: a peer's unspecified listen address
/// (`0.0.0.0`, `::`) does not.
fn is_dialable(address: &Multiaddr) -> bool {
    !address.iter().any(|part| match part {
        Protocol::Ip4(ip) => ip.is_unspecified(),
        Protocol::Ip6(ip) => ip.is_unspecified(),
        _ => false,
    })
}

/// A writer task: opens `protocol`'s stream to `peer`, sends the handshake, then the
/// peer's queue until the queue or the stream closes.
async fn write_notifications(
    shared: Arc<Shared>,
    protocol: Notifications,
    peer: PeerId,
    mut queue: mpsc::Receiver<Arc<Vec<u8>>>,
) {
    let mut control = lock(&shared.control).clone();
    let name = shared.names.notifications(protocol).clone();
    let opened = tokio::time::timeout(HANDSHAKE_TIMEOUT, control.open_stream(peer.0, name)).await;
    let mut stream = match opened {
        Ok(Ok(stream)) => stream,
        Ok(Err(libp2p_stream::OpenStreamError::UnsupportedProtocol(_))) => {
            // Not a node of this chain.
            shared.report(peer, ReputationChange::WRONG_CHAIN);
            return;
        }
        Ok(Err(error)) => {
            tracing::debug!(target: "network", %peer, ?protocol, %error, "could not open a stream");
            return;
        }
        Err(_) => {
            shared.report(peer, ReputationChange::TIMEOUT);
            return;
        }
    };
    if write_frame(&mut stream, &shared.handshake().encode()).await.is_err() {
        return;
    }
    while let Some(message) = queue.recv().await {
        if write_frame(&mut stream, &message).await.is_err() {
            return;
        }
    }
    let _ = stream.close().await;
}

/// Hands each stream a peer opens on `protocol` to a reader task.
async fn accept_notifications(
    shared: Arc<Shared>,
    protocol: Notifications,
    mut streams: libp2p_stream::IncomingStreams,
) {
    while let Some((peer, stream)) = streams.next().await {
        tokio::spawn(read_notifications(shared.clone(), protocol, PeerId(peer), stream));
    }
}

/// A reader task: the peer's handshake, then its messages, each decoded with bounds; bad
/// data lowers its reputation and ends the stream.
async fn read_notifications(
    shared: Arc<Shared>,
    protocol: Notifications,
    peer: PeerId,
    mut stream: libp2p::Stream,
) {
    let handshake =
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, read_frame(&mut stream, MAX_HANDSHAKE)).await
        {
            Ok(Ok(Some(frame))) => match protocol::decode::<Handshake>(&frame) {
                Ok(handshake) => handshake,
                Err(_) => return shared.report(peer, ReputationChange::BAD_MESSAGE),
            },
            Ok(Ok(None)) => return,
            Ok(Err(_)) => return shared.report(peer, ReputationChange::BAD_MESSAGE),
            Err(_) => return shared.report(peer, ReputationChange::TIMEOUT),
        };
    if handshake.genesis_hash != shared.genesis {
        return shared.report(peer, ReputationChange::WRONG_CHAIN);
    }
    if protocol == Notifications::BlockAnnounces {
        {
            let mut peers = lock(&shared.peers);
            // The connection may have closed meanwhile.
            let Some(entry) = peers.get_mut(&peer) else { return };
            entry.best = (handshake.best_number, handshake.best_hash);
            entry.handshake = Some(handshake.clone());
        }
        shared.metrics.set_peers(shared.chain_peer_count());
        tracing::debug!(target: "network", %peer, best = handshake.best_number, "peer connected");
        let connected = NetworkEvent::PeerConnected {
            peer,
            roles: handshake.roles,
            best_number: handshake.best_number,
            best_hash: handshake.best_hash,
        };
        if shared.events.send(connected).await.is_err() {
            return;
        }
    }
    loop {
        let frame = match read_frame(&mut stream, protocol.max_message()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(error) => {
                if error.kind() == std::io::ErrorKind::InvalidData {
                    shared.report(peer, ReputationChange::BAD_MESSAGE);
                }
                return;
            }
        };
        let event = match protocol {
            Notifications::BlockAnnounces => match protocol::decode::<BlockAnnounce>(&frame) {
                Ok(announce) => {
                    if let Some(entry) = lock(&shared.peers).get_mut(&peer) {
                        if announce.is_best {
                            entry.best = (announce.header.number, announce.header.hash());
                        }
                    }
                    NetworkEvent::BlockAnnounce { peer, announce }
                }
                Err(_) => return shared.report(peer, ReputationChange::BAD_MESSAGE),
            },
            Notifications::Transactions => match protocol::decode::<Vec<OpaqueExtrinsic>>(&frame) {
                Ok(transactions) => {
                    if let Some(entry) = lock(&shared.peers).get_mut(&peer) {
                        for xt in &transactions {
                            entry.known_transactions.insert(blake2_256(&xt.0));
                        }
                    }
                    NetworkEvent::Transactions { peer, transactions }
                }
                Err(_) => return shared.report(peer, ReputationChange::BAD_MESSAGE),
            },
            Notifications::Finality => NetworkEvent::Finality { peer, message: frame },
        };
        // Announcements wait for room (they pace the peer); gossip is dropped when the node
        // is behind with it.
        let delivered = match event {
            event @ NetworkEvent::BlockAnnounce { .. } => shared.events.send(event).await.is_ok(),
            event => {
                !matches!(shared.events.try_send(event), Err(mpsc::error::TrySendError::Closed(_)))
            }
        };
        if !delivered {
            return;
        }
    }
}

/// Hands each block request to a task, within the per-peer and overall limits.
async fn accept_requests(
    shared: Arc<Shared>,
    mut streams: libp2p_stream::IncomingStreams,
    blocks: Arc<dyn BlockSource>,
) {
    while let Some((peer, stream)) = streams.next().await {
        let peer = PeerId(peer);
        let admitted = {
            let mut peers = lock(&shared.peers);
            match peers.get_mut(&peer) {
                Some(entry)
                    if entry.inbound_requests < INBOUND_REQUESTS_PER_PEER
                        && shared.inbound_requests.load(Ordering::Relaxed) < INBOUND_REQUESTS =>
                {
                    entry.inbound_requests += 1;
                    shared.inbound_requests.fetch_add(1, Ordering::Relaxed);
                    true
                }
                _ => false,
            }
        };
        if !admitted {
            // Too many at once: the stream is dropped, the peer retries or asks elsewhere.
            tracing::debug!(target: "network", %peer, "block request refused: too many in flight");
            continue;
        }
        tokio::spawn(answer_request(shared.clone(), peer, stream, blocks.clone()));
    }
}

async fn answer_request(
    shared: Arc<Shared>,
    peer: PeerId,
    mut stream: libp2p::Stream,
    blocks: Arc<dyn BlockSource>,
) {
    let exchange = async {
        let frame = read_frame(&mut stream, MAX_REQUEST)
            .await?
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no request"))?;
        let request = protocol::decode::<BlockRequest>(&frame)
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))?;
        let response = tokio::task::spawn_blocking(move || blocks.answer(&request).encode())
            .await
            .map_err(std::io::Error::other)?;
        write_frame(&mut stream, &response).await?;
        stream.close().await
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
            shared.report(peer, ReputationChange::BAD_MESSAGE);
        }
        Ok(Err(error)) => tracing::debug!(target: "network", %peer, %error, "block request failed"),
        Err(_) => tracing::debug!(target: "network", %peer, "block request timed out"),
    }
    shared.inbound_requests.fetch_sub(1, Ordering::Relaxed);
    if let Some(entry) = lock(&shared.peers).get_mut(&peer) {
        entry.inbound_requests = entry.inbound_requests.saturating_sub(1);
    }
}
