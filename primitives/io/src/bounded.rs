//! A map that keeps at most a given number of entries, forgetting the oldest first: the
//! executor's compiled-module cache and memory of verified signatures, and the decompressed
//! public keys of signature batches, are each one.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
};

/// At most `capacity` entries (and, if set, entries of at most `max_size` in all, by the
/// sizes given on insertion); inserting beyond evicts in insertion order.
pub struct BoundedMap<K, V> {
    capacity: usize,
    max_size: usize,
    size: usize,
    entries: HashMap<K, (V, usize)>,
    order: VecDeque<K>,
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    /// An empty map holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self::with_size_limit(capacity, usize::MAX)
    }

    /// An empty map holding at most `capacity` entries of at most `max_size` in all.
    pub fn with_size_limit(capacity: usize, max_size: usize) -> Self {
        BoundedMap { capacity, max_size, size: 0, entries: HashMap::new(), order: VecDeque::new() }
    }

    /// The value at `key`, if still held.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Whether `key` is still held.
    pub fn contains(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Holds `value` at `key` (a key already held keeps its place in the eviction order),
    /// then forgets the oldest entries beyond the capacity.
    pub fn insert(&mut self, key: K, value: V) {
        self.insert_sized(key, value, 0);
    }

    /// [`Self::insert`] of a value of `size`, counted against the size limit; a value larger
    /// than the whole limit is not held.
    pub fn insert_sized(&mut self, key: K, value: V, size: usize) {
        if size > self.max_size {
            return;
        }
        match self.entries.insert(key.clone(), (value, size)) {
            Some((_, replaced)) => self.size -= replaced,
            None => self.order.push_back(key),
        }
        self.size += size;
        while self.order.len() > self.capacity || self.size > self.max_size {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some((_, size)) = self.entries.remove(&oldest) {
                self.size -= size;
            }
        }
    }

    /// Forgets `key` (a linear scan of the eviction order: for rare removals).
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let (value, size) = self.entries.remove(key)?;
        self.size -= size;
        self.order.retain(|held| held != key);
        Some(value)
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The sizes of the entries held, in all.
    pub fn size(&self) -> usize {
        self.size
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

    #[test]
    fn a_size_limit_forgets_the_oldest_until_the_rest_fits() {
        let mut map = BoundedMap::with_size_limit(10, 100);
        map.insert_sized(1, "a", 40);
        map.insert_sized(2, "b", 40);
        map.insert_sized(3, "c", 40);
        assert!(!map.contains(&1), "120 > 100: the oldest goes");
        assert_eq!((map.len(), map.size()), (2, 80));
        map.insert_sized(2, "b, smaller", 10);
        assert_eq!((map.get(&2), map.size()), (Some(&"b, smaller"), 50));
        map.insert_sized(4, "too large", 101);
        assert!(!map.contains(&4), "larger than the whole limit");
        assert_eq!((map.len(), map.size()), (2, 50));
    }
}
