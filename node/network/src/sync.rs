//! Block sync: keeps the node on its peers' best chain.
//!
//! - **Ranges.** While a peer's best block is above what this node has, ranges of up to
//!   [`MAX_BLOCKS_PER_REQUEST`] blocks are asked of every idle peer that has them (one
//!   request per peer at a time, so several peers download at once), kept until the range
//!   before them has arrived, and imported strictly in order by one import thread. At most
//!   [`WINDOW`] blocks wait ahead of the import, so memory stays bounded however far behind
//!   the node is.
//! - **Announcements.** A block announced on top of a known parent is fetched by hash from
//!   the peer that announced it and imported at once.
//! - **Forks.** A block whose parent is unknown but not ahead of the best block (or a range
//!   that does not join this node's chain) starts an ancestry walk: the peer is asked for
//!   the block's ancestors, newest first, until one joins a known block; those are imported
//!   oldest first, and the range download goes on from there. Fork choice itself is the
//!   chain's; retracted transactions go back to the pool through the chain's events.
//!
//! A response that contradicts itself (wrong numbers, broken parent links, hashes that do
//! not match) or a block that fails to import bans the peer that sent it; a peer that does
//! not answer loses reputation and its range goes to another.
//!
//! [`ChainBlockSource`] answers other peers' requests from this node's chain.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use codec::Encode;
use dfs_chain::{
    BlockOrigin, BlockReader, ChainEvent, ImportError, ImportOutcome, ImportPipeline, IncomingBlock,
};
use dfs_core::H256;
use dfs_runtime_primitives::generic::{Block, BlockNumber, OpaqueExtrinsic};
use futures::{future::BoxFuture, stream::FuturesUnordered, FutureExt, StreamExt};
use tokio::sync::{broadcast, mpsc};

use crate::{
    metrics::NetworkMetrics,
    peerset::ReputationChange,
    protocol::{
        fields, BlockData, BlockRequest, BlockResponse, Direction, FromBlock,
        MAX_BLOCKS_PER_REQUEST, MAX_RESPONSE, RESPONSE_BUDGET,
    },
    service::{BlockSource, NetworkEvent, RequestError},
    NetworkHandle, PeerId,
};

/// Most blocks downloaded ahead of the import.
pub const WINDOW: BlockNumber = 8 * MAX_BLOCKS_PER_REQUEST;
/// A node more than this many blocks behind its best peer is "major syncing".
const MAJOR_SYNC_DISTANCE: BlockNumber = 5;
/// How far back an ancestry walk goes before giving up on a peer's fork.
const MAX_ANCESTRY: BlockNumber = 4096;

/// Answers block requests from a chain.
pub struct ChainBlockSource {
    chain: Arc<dyn BlockReader>,
}

impl ChainBlockSource {
    /// Answers from `chain`.
    pub fn new(chain: Arc<dyn BlockReader>) -> Self {
        ChainBlockSource { chain }
    }
}

impl BlockSource for ChainBlockSource {
    fn answer(&self, request: &BlockRequest) -> BlockResponse {
        let chain = &self.chain;
        let mut hash = match request.from {
            FromBlock::Hash(hash) => hash,
            FromBlock::Number(number) => match chain.hash_at(number) {
                Ok(Some(hash)) => hash,
                _ => return BlockResponse::default(),
            },
        };
        let mut response = BlockResponse::default();
        let mut size = 0usize;
        for _ in 0..request.max.clamp(1, MAX_BLOCKS_PER_REQUEST) {
            let Ok(Some(header)) = chain.header(&hash) else { break };
            let body = if request.fields & fields::BODY != 0 {
                match chain.body(&hash) {
                    Ok(Some(body)) => Some(body),
                    _ => break,
                }
            } else {
                None
            };
            let justifications = if request.fields & fields::JUSTIFICATIONS != 0 {
                chain.justifications(&hash).ok().flatten()
            } else {
                None
            };
            let number = header.number;
            let parent = header.parent_hash;
            let data = BlockData {
                hash,
                header: (request.fields & fields::HEADER != 0).then_some(header),
                body,
                justifications,
            };
            let length = data.encoded_size();
            let over_budget = !response.blocks.is_empty() && size + length > RESPONSE_BUDGET;
            if over_budget || size + length > MAX_RESPONSE - 64 {
                break;
            }
            size += length;
            response.blocks.push(data);
            hash = match request.direction {
                Direction::Descending if number == 0 => break,
                Direction::Descending => parent,
                Direction::Ascending => match chain.hash_at(number + 1) {
                    Ok(Some(next)) => next,
                    _ => break,
                },
            };
            if request.direction == Direction::Ascending {
                // The best chain may have moved off the block asked for: stop where its
                // children are no longer on it.
                match chain.header(&hash) {
                    Ok(Some(next))
                        if next.parent_hash
                            == response.blocks.last().map_or(H256::default(), |b| b.hash) => {}
                    _ => break,
                }
            }
        }
        response
    }
}

/// Transactions peers send go here (the pool, through the node).
pub trait TransactionSink: Send + std::marker::Sync + 'static {
    /// Checks and keeps `transactions` from `peer`; bad ones may lower its reputation.
    fn import(&self, peer: PeerId, transactions: Vec<OpaqueExtrinsic>);
}

/// What a request was for.
#[derive(Debug, Clone, Copy)]
enum Job {
    /// Blocks `start..start + count` of the peer's best chain.
    Range { start: BlockNumber, count: BlockNumber },
    /// One announced block, whose parent is known.
    Announced,
    /// Ancestors of a block whose parent is unknown, newest first; `depth` walked so far.
    Ancestry { depth: BlockNumber },
}

type RequestFuture = BoxFuture<'static, (PeerId, Job, Result<BlockResponse, RequestError>)>;

/// What the import thread is given.
struct ImportBatch {
    peer: PeerId,
    blocks: Vec<Block<OpaqueExtrinsic>>,
    /// The range this batch is, when it came from the range download.
    range: bool,
}

/// What the import thread did with a batch.
struct ImportResult {
    peer: PeerId,
    imported: usize,
    error: Option<ImportError>,
    range: bool,
}

struct PeerSync {
    best_number: BlockNumber,
    busy: bool,
}

/// The sync state machine, driven by [`run`].
struct Sync {
    network: NetworkHandle,
    chain: Arc<dyn BlockReader>,
    metrics: NetworkMetrics,
    peers: HashMap<PeerId, PeerSync>,
    /// Downloaded ranges waiting for their turn, by first number.
    ready: BTreeMap<BlockNumber, (PeerId, Vec<Block<OpaqueExtrinsic>>)>,
    /// Ranges to ask again (a peer failed them or sent part), by first number.
    retry: BTreeMap<BlockNumber, BlockNumber>,
    /// The first number not yet asked for.
    next_request: BlockNumber,
    /// The first number not yet handed to the import thread.
    next_import: BlockNumber,
    importing: bool,
    requests: FuturesUnordered<RequestFuture>,
    imports: mpsc::Sender<ImportBatch>,
    major_syncing: bool,
    /// Where peers' transactions go.
    transactions: Option<Arc<dyn TransactionSink>>,
}

/// Runs sync until the network's events end: ranges, announcements, forks, and the chain's
/// own new blocks announced to peers.
pub async fn run(
    network: NetworkHandle,
    mut events: mpsc::Receiver<NetworkEvent>,
    chain: Arc<dyn BlockReader>,
    pipeline: ImportPipeline,
    mut chain_events: broadcast::Receiver<ChainEvent>,
    transactions: Option<Arc<dyn TransactionSink>>,
    metrics: NetworkMetrics,
) {
    let (import_queue, mut import_results) = start_import_thread(pipeline);
    let best = chain.best();
    network.set_best(best.number, best.hash);
    let mut sync = Sync {
        network: network.clone(),
        chain,
        metrics,
        peers: HashMap::new(),
        ready: BTreeMap::new(),
        retry: BTreeMap::new(),
        next_request: best.number + 1,
        next_import: best.number + 1,
        importing: false,
        requests: FuturesUnordered::new(),
        imports: import_queue,
        major_syncing: false,
        transactions,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => sync.on_network_event(event),
                None => return,
            },
            Some((peer, job, result)) = sync.requests.next(), if !sync.requests.is_empty() => {
                sync.on_response(peer, job, result);
            }
            Some(result) = import_results.recv() => sync.on_imported(result),
            event = chain_events.recv() => match event {
                Ok(ChainEvent::Imported { header, origin, is_best, .. }) => {
                    // Own blocks always; others' once this node is at the tip, so that a
                    // syncing node does not flood its peers with old news.
                    if origin == BlockOrigin::Own || (is_best && !sync.major_syncing) {
                        network.announce_block(&header, is_best);
                    } else if is_best {
                        network.set_best(header.number, header.hash());
                    }
                }
                Ok(ChainEvent::Finalized { .. }) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let best = sync.chain.best();
                    network.set_best(best.number, best.hash);
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tick.tick() => {}
        }
        sync.schedule();
        sync.start_import();
        sync.update_state();
    }
}

/// One thread imports every block sync downloads, in the order given.
fn start_import_thread(
    pipeline: ImportPipeline,
) -> (mpsc::Sender<ImportBatch>, mpsc::Receiver<ImportResult>) {
    let (queue, mut batches) = mpsc::channel::<ImportBatch>(4);
    let (results, result_queue) = mpsc::channel(4);
    std::thread::Builder::new()
        .name("sync-import".into())
        .spawn(move || {
            while let Some(batch) = batches.blocking_recv() {
                let incoming = batch.blocks.into_iter().map(|block| IncomingBlock {
                    block,
                    justifications: None,
                    origin: BlockOrigin::Network,
                });
                let (outcomes, error) = pipeline.import_many(incoming);
                let imported =
                    outcomes.iter().filter(|o| matches!(o, ImportOutcome::Imported { .. })).count();
                let result = ImportResult { peer: batch.peer, imported, error, range: batch.range };
                if results.blocking_send(result).is_err() {
                    return;
                }
            }
        })
        .expect("spawning the sync import thread");
    (queue, result_queue)
}

impl Sync {
    fn on_network_event(&mut self, event: NetworkEvent) {
        match event {
            NetworkEvent::PeerConnected { peer, best_number, .. } => {
                self.peers.insert(peer, PeerSync { best_number, busy: false });
            }
            NetworkEvent::PeerDisconnected { peer } => {
                self.peers.remove(&peer);
            }
            NetworkEvent::BlockAnnounce { peer, announce } => {
                let header = announce.header;
                let hash = header.hash();
                if let Some(state) = self.peers.get_mut(&peer) {
                    if announce.is_best {
                        state.best_number = state.best_number.max(header.number);
                    }
                }
                if matches!(self.chain.header(&hash), Ok(Some(_))) {
                    return;
                }
                let parent_known = matches!(self.chain.header(&header.parent_hash), Ok(Some(_)));
                let best = self.chain.best().number;
                if parent_known {
                    self.request(
                        peer,
                        Job::Announced,
                        FromBlock::Hash(hash),
                        Direction::Descending,
                        1,
                    );
                } else if header.number <= best + 1 && header.number + MAX_ANCESTRY > best {
                    // A fork this node has not seen: walk back to where it joins.
                    self.request(
                        peer,
                        Job::Ancestry { depth: 0 },
                        FromBlock::Hash(hash),
                        Direction::Descending,
                        MAX_BLOCKS_PER_REQUEST,
                    );
                }
                // Further ahead: the range download fetches it.
            }
            NetworkEvent::Transactions { peer, transactions } => {
                if let Some(sink) = &self.transactions {
                    sink.import(peer, transactions);
                }
            }
            NetworkEvent::Finality { .. } => {}
        }
    }

    fn request(
        &mut self,
        peer: PeerId,
        job: Job,
        from: FromBlock,
        direction: Direction,
        max: BlockNumber,
    ) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.busy = true;
        }
        let network = self.network.clone();
        let request = BlockRequest { fields: fields::FULL, from, direction, max };
        self.requests.push(
            async move {
                let result = network.request_blocks(peer, request).await;
                (peer, job, result)
            }
            .boxed(),
        );
    }

    /// Hands idle peers the next ranges.
    fn schedule(&mut self) {
        let best = self.chain.best().number;
        if self.next_import <= best {
            // Blocks arrived another way (announcements, this node's own): skip them.
            self.next_import = best + 1;
            self.ready.retain(|start, (_, blocks)| *start + blocks.len() as BlockNumber > best + 1);
            self.retry.retain(|start, count| *start + *count > best + 1);
        }
        self.next_request = self.next_request.max(self.next_import);
        let mut idle: Vec<(PeerId, BlockNumber)> = self
            .peers
            .iter()
            .filter(|(_, state)| !state.busy)
            .map(|(peer, state)| (*peer, state.best_number))
            .collect();
        // Peers furthest ahead first.
        idle.sort_by_key(|peer| std::cmp::Reverse(peer.1));
        for (peer, peer_best) in idle {
            let limit = self.next_import + WINDOW;
            let range = match self.retry.iter().next().map(|(s, c)| (*s, *c)) {
                Some((start, count)) if start <= peer_best => {
                    self.retry.remove(&start);
                    let take = count.min(peer_best - start + 1);
                    if take < count {
                        self.retry.insert(start + take, count - take);
                    }
                    Some((start, take))
                }
                _ if self.next_request <= peer_best && self.next_request < limit => {
                    let start = self.next_request;
                    let count =
                        MAX_BLOCKS_PER_REQUEST.min(peer_best - start + 1).min(limit - start);
                    self.next_request = start + count;
                    Some((start, count))
                }
                _ => None,
            };
            if let Some((start, count)) = range {
                self.request(
                    peer,
                    Job::Range { start, count },
                    FromBlock::Number(start),
                    Direction::Ascending,
                    count,
                );
            }
        }
    }

    fn on_response(&mut self, peer: PeerId, job: Job, result: Result<BlockResponse, RequestError>) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.busy = false;
        }
        let blocks = match result.map(|response| checked_blocks(response, &job)) {
            Ok(Ok(blocks)) => blocks,
            Ok(Err(reason)) => {
                tracing::debug!(target: "sync", %peer, reason, "bad block response");
                self.network.report_peer(peer, ReputationChange::BAD_BLOCK);
                self.requeue(job);
                return;
            }
            Err(error) => {
                tracing::debug!(target: "sync", %peer, %error, "block request failed");
                self.network.report_peer(peer, ReputationChange::TIMEOUT);
                self.requeue(job);
                return;
            }
        };
        match job {
            Job::Range { start, count } => {
                if blocks.is_empty() {
                    // The peer no longer has it (its best chain moved): ask someone else.
                    if let Some(state) = self.peers.get_mut(&peer) {
                        state.best_number = state.best_number.min(start.saturating_sub(1));
                    }
                    self.requeue(job);
                    return;
                }
                let got = blocks.len() as BlockNumber;
                if got < count {
                    self.retry.insert(start + got, count - got);
                }
                self.ready.insert(start, (peer, blocks));
            }
            Job::Announced => {
                let _ = self.imports.try_send(ImportBatch { peer, blocks, range: false });
            }
            Job::Ancestry { depth } => {
                // Newest first: keep those down to the first whose parent is known.
                let mut chain_part = Vec::new();
                let mut joined = false;
                for block in blocks {
                    let parent = block.header.parent_hash;
                    chain_part.push(block);
                    if matches!(self.chain.header(&parent), Ok(Some(_))) {
                        joined = true;
                        break;
                    }
                }
                let walked = depth + chain_part.len() as BlockNumber;
                if !joined {
                    match chain_part.last() {
                        Some(oldest) if walked < MAX_ANCESTRY && oldest.header.number > 0 => {
                            // Not yet: keep walking; what was fetched is fetched again later
                            // (a rare, deep fork).
                            let from = FromBlock::Hash(oldest.header.parent_hash);
                            self.request(
                                peer,
                                Job::Ancestry { depth: walked },
                                from,
                                Direction::Descending,
                                MAX_BLOCKS_PER_REQUEST,
                            );
                        }
                        _ => {
                            tracing::debug!(target: "sync", %peer, "a fork that joins no known block");
                            self.network.report_peer(peer, ReputationChange::BAD_MESSAGE);
                        }
                    }
                    return;
                }
                chain_part.reverse();
                let _ =
                    self.imports.try_send(ImportBatch { peer, blocks: chain_part, range: false });
            }
        }
    }

    fn requeue(&mut self, job: Job) {
        if let Job::Range { start, count } = job {
            self.retry.insert(start, count);
        }
    }

    /// Hands the next range to the import thread if it has arrived.
    fn start_import(&mut self) {
        if self.importing {
            return;
        }
        // Ranges that end before the next import are stale (their blocks came otherwise).
        while let Some((&start, (_, blocks))) = self.ready.iter().next() {
            if start + blocks.len() as BlockNumber <= self.next_import {
                self.ready.remove(&start);
            } else {
                break;
            }
        }
        let Some((&start, _)) = self.ready.iter().next() else { return };
        if start > self.next_import {
            return;
        }
        let Some((peer, mut blocks)) = self.ready.remove(&start) else { return };
        blocks.drain(..(self.next_import - start) as usize);
        let first = self.next_import;
        let length = blocks.len() as BlockNumber;
        match self.imports.try_send(ImportBatch { peer, blocks, range: true }) {
            Ok(()) => {
                self.importing = true;
                self.next_import = first + length;
            }
            Err(
                mpsc::error::TrySendError::Full(batch) | mpsc::error::TrySendError::Closed(batch),
            ) => {
                // The import thread is busy with announced blocks: on the next turn.
                self.ready.insert(first, (peer, batch.blocks));
            }
        }
    }

    fn on_imported(&mut self, result: ImportResult) {
        if result.range {
            self.importing = false;
        }
        self.metrics.synced_blocks(result.imported);
        if result.imported > 0 {
            self.network.report_peer(result.peer, ReputationChange::GOOD_BLOCKS);
        }
        let Some(error) = result.error else { return };
        match &error {
            ImportError::UnknownParent { hash, .. } => {
                // The peer's chain forks below what this node has: find where it joins.
                tracing::debug!(target: "sync", peer = %result.peer, %hash, "blocks on a fork; walking back");
                self.reset();
                self.request(
                    result.peer,
                    Job::Ancestry { depth: 0 },
                    FromBlock::Hash(*hash),
                    Direction::Descending,
                    MAX_BLOCKS_PER_REQUEST,
                );
            }
            ImportError::BadBlock { .. } => {
                tracing::warn!(target: "sync", peer = %result.peer, %error, "peer sent a bad block");
                self.network.report_peer(result.peer, ReputationChange::BAD_BLOCK);
                self.ready.retain(|_, (peer, _)| *peer != result.peer);
                self.reset();
            }
            _ => {
                // This node's fault, or a block that arrived too soon: start again from the
                // best block.
                tracing::warn!(target: "sync", %error, "import of synced blocks failed");
                self.reset();
            }
        }
    }

    /// Forgets the range download's plan; it starts again from the best block.
    fn reset(&mut self) {
        let best = self.chain.best().number;
        self.ready.clear();
        self.retry.clear();
        self.next_import = best + 1;
        self.next_request = best + 1;
    }

    fn update_state(&mut self) {
        let best = self.chain.best().number;
        let highest = self.peers.values().map(|peer| peer.best_number).max();
        self.major_syncing = highest.is_some_and(|highest| highest > best + MAJOR_SYNC_DISTANCE);
        self.network.set_sync_state(self.major_syncing, highest.map(|h| h.max(best)));
    }
}

/// The blocks of a response, checked against what was asked: headers and bodies present,
/// hashes matching, numbers and parent links consecutive (ascending for ranges, descending
/// otherwise). An error names the contradiction.
fn checked_blocks(
    response: BlockResponse,
    job: &Job,
) -> Result<Vec<Block<OpaqueExtrinsic>>, &'static str> {
    let mut blocks: Vec<Block<OpaqueExtrinsic>> = Vec::with_capacity(response.blocks.len());
    let limit = match job {
        Job::Range { count, .. } => *count as usize,
        Job::Announced => 1,
        Job::Ancestry { .. } => MAX_BLOCKS_PER_REQUEST as usize,
    };
    if response.blocks.len() > limit {
        return Err("more blocks than asked for");
    }
    for data in response.blocks {
        let (Some(header), Some(extrinsics)) = (data.header, data.body) else {
            return Err("a block without its header or body");
        };
        if header.hash() != data.hash {
            return Err("a header that does not hash to its block's hash");
        }
        if let Some(previous) = blocks.last() {
            let linked = match job {
                Job::Range { .. } => {
                    header.parent_hash == previous.header.hash()
                        && header.number == previous.header.number + 1
                }
                _ => {
                    previous.header.parent_hash == data.hash
                        && previous.header.number == header.number + 1
                }
            };
            if !linked {
                return Err("blocks that do not follow each other");
            }
        } else if let Job::Range { start, .. } = job {
            if header.number != *start {
                return Err("a range that does not start where asked");
            }
        }
        blocks.push(Block { header, extrinsics });
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use dfs_runtime_primitives::generic::Header;

    use super::*;

    fn chain_of(count: u32) -> Vec<BlockData> {
        let mut parent = H256::default();
        (0..count)
            .map(|number| {
                let header = Header {
                    parent_hash: parent,
                    number,
                    state_root: H256([number as u8; 32]),
                    extrinsics_root: Default::default(),
                    digest: Default::default(),
                };
                parent = header.hash();
                BlockData {
                    hash: parent,
                    header: Some(header),
                    body: Some(vec![]),
                    justifications: None,
                }
            })
            .collect()
    }

    #[test]
    fn ranges_must_start_where_asked_and_link() {
        let blocks = chain_of(6);
        let range = Job::Range { start: 2, count: 4 };
        let good = BlockResponse { blocks: blocks[2..6].to_vec() };
        assert_eq!(checked_blocks(good, &range).unwrap().len(), 4);
        let shifted = BlockResponse { blocks: blocks[1..5].to_vec() };
        assert!(checked_blocks(shifted, &range).is_err());
        let gap = BlockResponse { blocks: vec![blocks[2].clone(), blocks[4].clone()] };
        assert!(checked_blocks(gap, &range).is_err());
        let too_many = BlockResponse { blocks: blocks[2..6].to_vec() };
        assert!(checked_blocks(too_many, &Job::Range { start: 2, count: 3 }).is_err());
        let mut lying = blocks[2].clone();
        lying.hash = H256([9; 32]);
        assert!(checked_blocks(BlockResponse { blocks: vec![lying] }, &range).is_err());
        let mut headless = blocks[2].clone();
        headless.body = None;
        assert!(checked_blocks(BlockResponse { blocks: vec![headless] }, &range).is_err());
    }

    #[test]
    fn ancestry_walks_newest_first() {
        let blocks = chain_of(5);
        let descending: Vec<BlockData> = blocks.iter().rev().cloned().collect();
        let job = Job::Ancestry { depth: 0 };
        let checked = checked_blocks(BlockResponse { blocks: descending.clone() }, &job).unwrap();
        assert_eq!(checked.first().unwrap().header.number, 4);
        assert!(checked_blocks(BlockResponse { blocks: blocks.clone() }, &job).is_err());
    }
}
