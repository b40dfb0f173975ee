//! Storage subscriptions matched through an index.
//!
//! Each imported best block's changed keys are looked up in a map from key to
//! subscriptions: the work per block grows with the keys it changed, not with the number
//! of subscriptions times their keys. A subscription's changes are merged while it is
//! being served (a slow client gets the latest values of everything that changed, once),
//! so nothing queues up per block. A subscription to every key (unsafe, see
//! `state_subscribeStorage`) merges at most [`MAX_MERGED_KEYS`] keys between reports.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
};

use dfs_chain::{Chain, ChainEvent, HeaderReader};
use dfs_core::H256;
use tokio::sync::{broadcast::error::RecvError, Notify};

/// Most changed keys a subscription to every key accumulates between two reports.
pub const MAX_MERGED_KEYS: usize = 65_536;

/// Changes waiting for one subscription: the latest block and the keys changed since the
/// last report.
#[derive(Default)]
struct Pending {
    block: Option<H256>,
    keys: BTreeSet<Vec<u8>>,
}

/// One subscription's side: woken when its keys change.
pub struct Subscriber {
    pending: Mutex<Pending>,
    changed: Notify,
    /// `None`: every key.
    keys: Option<Vec<Vec<u8>>>,
}

impl Subscriber {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A batch of keys goes in or out whole.
        dfs_io::sync::lock(&self.pending)
    }

    fn add(&self, block: H256, keys: impl IntoIterator<Item = Vec<u8>>) {
        let mut pending = self.lock();
        pending.block = Some(block);
        for key in keys {
            if pending.keys.len() >= MAX_MERGED_KEYS && !pending.keys.contains(&key) {
                tracing::debug!(target: "rpc", "a storage subscription to every key lags: changes dropped");
                break;
            }
            pending.keys.insert(key);
        }
        drop(pending);
        self.changed.notify_one();
    }

    /// Puts changes taken but not reported back, for the next report.
    pub fn requeue(&self, block: H256, keys: Vec<Vec<u8>>) {
        let mut pending = self.lock();
        // A newer block's changes may have come meanwhile: they take precedence.
        pending.block.get_or_insert(block);
        pending.keys.extend(keys);
        drop(pending);
        self.changed.notify_one();
    }

    /// Waits for changes and takes them: the block and the keys changed.
    pub async fn next(&self) -> (H256, Vec<Vec<u8>>) {
        loop {
            {
                let mut pending = self.lock();
                if let Some(block) = pending.block.take() {
                    if !pending.keys.is_empty() {
                        let keys = std::mem::take(&mut pending.keys);
                        return (block, keys.into_iter().collect());
                    }
                }
            }
            self.changed.notified().await;
        }
    }
}

#[derive(Default)]
struct Index {
    next_id: u64,
    by_key: HashMap<Vec<u8>, HashSet<u64>>,
    every_key: HashSet<u64>,
    subscribers: HashMap<u64, Arc<Subscriber>>,
}

/// The index of storage subscriptions of one node.
#[derive(Default)]
pub struct StorageSubscriptions {
    index: Mutex<Index>,
}

/// A subscription's place in the index; leaves it when dropped.
pub struct Registration {
    hub: Arc<StorageSubscriptions>,
    id: u64,
    subscriber: Arc<Subscriber>,
}

impl Registration {
    /// Its side of the subscription.
    pub fn subscriber(&self) -> &Subscriber {
        &self.subscriber
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.unregister(self.id);
    }
}

impl StorageSubscriptions {
    fn lock(&self) -> MutexGuard<'_, Index> {
        // Its methods update both directions of the index before anything can panic.
        dfs_io::sync::lock(&self.index)
    }

    /// An index fed by `chain`'s imports for as long as the chain runs.
    pub fn start(chain: Arc<Chain>) -> Arc<Self> {
        let hub = Arc::new(StorageSubscriptions::default());
        let feeder = hub.clone();
        let mut events = chain.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(ChainEvent::Imported { block, is_best: true, changed_keys, .. }) => {
                        feeder.dispatch(block.hash, &changed_keys)
                    }
                    Ok(_) => {}
                    // Missed blocks: each subscription hears all its keys again.
                    Err(RecvError::Lagged(_)) => feeder.resend_all(chain.best().hash),
                    Err(RecvError::Closed) => return,
                }
            }
        });
        hub
    }

    /// Adds a subscription to `keys` (`None`: every key).
    pub fn register(self: &Arc<Self>, keys: Option<Vec<Vec<u8>>>) -> Registration {
        let subscriber = Arc::new(Subscriber {
            pending: Mutex::default(),
            changed: Notify::new(),
            keys: keys.clone(),
        });
        let mut index = self.lock();
        let id = index.next_id;
        index.next_id += 1;
        match keys {
            Some(keys) => {
                for key in keys {
                    index.by_key.entry(key).or_default().insert(id);
                }
            }
            None => {
                index.every_key.insert(id);
            }
        }
        index.subscribers.insert(id, subscriber.clone());
        Registration { hub: self.clone(), id, subscriber }
    }

    fn unregister(&self, id: u64) {
        let mut index = self.lock();
        let Some(subscriber) = index.subscribers.remove(&id) else { return };
        index.every_key.remove(&id);
        for key in subscriber.keys.iter().flatten() {
            if let Some(ids) = index.by_key.get_mut(key) {
                ids.remove(&id);
                if ids.is_empty() {
                    index.by_key.remove(key);
                }
            }
        }
    }

    /// How many subscriptions there are.
    pub fn len(&self) -> usize {
        self.lock().subscribers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tells the subscriptions to `changed` keys of their change at `block`: one lookup per
    /// changed key.
    pub fn dispatch(&self, block: H256, changed: &[Vec<u8>]) {
        let index = self.lock();
        if index.subscribers.is_empty() {
            return;
        }
        let mut touched: HashMap<u64, Vec<Vec<u8>>> = HashMap::new();
        if !index.by_key.is_empty() {
            for key in changed {
                if let Some(ids) = index.by_key.get(key) {
                    for id in ids {
                        touched.entry(*id).or_default().push(key.clone());
                    }
                }
            }
        }
        for (id, keys) in touched {
            if let Some(subscriber) = index.subscribers.get(&id) {
                subscriber.add(block, keys);
            }
        }
        for id in &index.every_key {
            if let Some(subscriber) = index.subscribers.get(id) {
                subscriber.add(block, changed.iter().cloned());
            }
        }
    }

    fn resend_all(&self, block: H256) {
        let index = self.lock();
        for subscriber in index.subscribers.values() {
            if let Some(keys) = &subscriber.keys {
                subscriber.add(block, keys.iter().cloned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn changes_reach_only_the_subscriptions_to_their_keys_and_merge_while_waiting() {
        let hub = Arc::new(StorageSubscriptions::default());
        let a = hub.register(Some(vec![b"a".to_vec(), b"shared".to_vec()]));
        let b = hub.register(Some(vec![b"b".to_vec(), b"shared".to_vec()]));
        let every = hub.register(None);
        hub.dispatch(H256([1; 32]), &[b"a".to_vec(), b"unwatched".to_vec()]);
        hub.dispatch(H256([2; 32]), &[b"shared".to_vec()]);
        // `a` hears both blocks' changes merged, at the latest block.
        assert_eq!(
            a.subscriber().next().await,
            (H256([2; 32]), vec![b"a".to_vec(), b"shared".to_vec()])
        );
        assert_eq!(b.subscriber().next().await, (H256([2; 32]), vec![b"shared".to_vec()]));
        let (_, all) = every.subscriber().next().await;
        assert_eq!(all.len(), 3);
        // Dropped subscriptions leave the index entirely.
        drop((a, b, every));
        assert!(hub.is_empty());
        assert!(hub.lock().by_key.is_empty());
    }

    #[test]
    fn dispatch_cost_follows_the_changed_keys_not_the_subscriptions() {
        // Ten thousand subscriptions of a hundred keys each, none of them changed: a block
        // changing a thousand keys costs a thousand lookups, whatever the subscriptions.
        let hub = Arc::new(StorageSubscriptions::default());
        let registrations: Vec<Registration> = (0..10_000u32)
            .map(|i| hub.register(Some((0..100u32).map(|k| (i, k).encode_key()).collect())))
            .collect();
        let changed: Vec<Vec<u8>> = (0..1_000u32).map(|k| (u32::MAX, k).encode_key()).collect();
        let started = std::time::Instant::now();
        for _ in 0..100 {
            hub.dispatch(H256::default(), &changed);
        }
        // 100 blocks of 1 000 lookups: milliseconds. A scan of 10⁶ subscribed keys per block
        // would take seconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        drop(registrations);
    }

    trait EncodeKey {
        fn encode_key(&self) -> Vec<u8>;
    }

    impl EncodeKey for (u32, u32) {
        fn encode_key(&self) -> Vec<u8> {
            [self.0.to_le_bytes(), self.1.to_le_bytes()].concat()
        }
    }
}
