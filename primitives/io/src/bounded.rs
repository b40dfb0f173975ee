//! A map that keeps at most a given number of entries, forgetting the oldest first: the
//! executor's compiled-module cache and memory of verified signatures, and the decompressed
//! public keys of signature batches, are each one.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
};

/// At most `capacity` entries; inserting beyond evicts in insertion order.
pub struct BoundedMap<K, V> {
    capacity: usize,
    entries: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    /// An empty map holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        BoundedMap { capacity, entries: HashMap::new(), order: VecDeque::new() }
    }

    /// The value at `key`, if still held.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key)
    }

    /// Whether `key` is still held.
    pub fn contains(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Holds `value` at `key` (a key already held keeps its place in the eviction order),
    /// then forgets the oldest entries beyond the capacity.
    pub fn insert(&mut self, key: K, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
            while self.order.len() > self.capacity {
                if let Some(oldest) = self.order.pop_front() {
                    self.entries.remove(&oldest);
                }
            }
        }
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_first_and_a_repeat_keeps_its_place() {
        let mut map = BoundedMap::new(2);
        map.insert(1, "a");
        map.insert(2, "b");
        map.insert(1, "a again");
        map.insert(3, "c");
        assert!(!map.contains(&1), "1 is the oldest, re-inserting did not renew it");
        assert_eq!((map.get(&2), map.get(&3), map.len()), (Some(&"b"), Some(&"c"), 2));
    }
}
