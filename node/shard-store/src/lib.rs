//! Shards on disk, content-addressed: what a DFS storage provider keeps.
//!
//! A shard is stored under the hex of its blake2-256 in a two-level fan-out
//! (`ab/abcdef…`). Writes go to a temporary file that is fsynced, linked into place and
//! the folder fsynced: a crash at any instant leaves either no shard or the whole shard,
//! and temporary leftovers are swept on open. Reads check the hash; a shard that no longer
//! matches is reported corrupt (and moved aside, not served). A capacity limit is enforced
//! with exact accounting, and the store is safe to share between threads.

use std::{
    collections::HashSet,
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::Mutex,
};

use dfs_core::{hashing::blake2_256, H256};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk said no.
    #[error("shard store I/O: {0}")]
    Io(#[from] io::Error),
    /// Storing this would pass the capacity limit.
    #[error("shard store full: {needed} more bytes needed, {free} free of {capacity}")]
    Full {
        /// The shard's size.
        needed: u64,
        /// Free bytes.
        free: u64,
        /// The limit.
        capacity: u64,
    },
    /// The stored bytes no longer hash to their name (moved to `corrupt/`).
    #[error("shard 0x{0} is corrupt on disk")]
    Corrupt(String),
    /// The bytes given do not hash to the name given.
    #[error("shard content does not match its hash 0x{0}")]
    HashMismatch(String),
}

/// A content-addressed shard store.
pub struct ShardStore {
    root: PathBuf,
    capacity: u64,
    /// Bytes stored; also serialises space reservations.
    used: Mutex<u64>,
}

const TEMP_SUFFIX: &str = ".tmp";

fn name(hash: &H256) -> String {
    hex::encode(hash.0)
}

fn parse_name(file: &str) -> Option<H256> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(file, &mut bytes).ok()?;
    Some(H256(bytes))
}

impl ShardStore {
    /// Opens (creating if needed) the store in `root`, limited to `capacity` bytes. Leftover
    /// temporary files from an interrupted write are removed and the used space counted.
    pub fn open(root: impl AsRef<Path>, capacity: u64) -> Result<Self, StoreError> {
        let root = root.as_ref().to_path_buf();
        fs::create_dir_all(root.join("shards"))?;
        fs::create_dir_all(root.join("corrupt"))?;
        let mut used = 0u64;
        for fan in fs::read_dir(root.join("shards"))? {
            let fan = fan?;
            if !fan.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(fan.path())? {
                let entry = entry?;
                let file_name = entry.file_name().to_string_lossy().into_owned();
                if file_name.ends_with(TEMP_SUFFIX) || parse_name(&file_name).is_none() {
                    // An interrupted write: never renamed into place, so never a shard.
                    fs::remove_file(entry.path())?;
                    continue;
                }
                used += entry.metadata()?.len();
            }
        }
        Ok(ShardStore { root, capacity, used: Mutex::new(used) })
    }

    fn path(&self, hash: &H256) -> PathBuf {
        let name = name(hash);
        self.root.join("shards").join(&name[..2]).join(name)
    }

    fn lock_used(&self) -> std::sync::MutexGuard<'_, u64> {
        self.used.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The limit.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes stored.
    pub fn used(&self) -> u64 {
        *self.lock_used()
    }

    /// Stores `shard` and returns its hash. Storing a shard already present does nothing.
    pub fn put(&self, shard: &[u8]) -> Result<H256, StoreError> {
        let hash = H256(blake2_256(shard));
        self.put_checked(&hash, shard)?;
        Ok(hash)
    }

    /// Stores `shard` under `hash`, refusing bytes that do not hash to it.
    pub fn put_checked(&self, hash: &H256, shard: &[u8]) -> Result<(), StoreError> {
        if H256(blake2_256(shard)) != *hash {
            return Err(StoreError::HashMismatch(name(hash)));
        }
        let path = self.path(hash);
        if path.exists() {
            return Ok(());
        }
        let size = shard.len() as u64;
        {
            let mut used = self.lock_used();
            let free = self.capacity.saturating_sub(*used);
            if size > free {
                return Err(StoreError::Full { needed: size, free, capacity: self.capacity });
            }
            *used += size;
        }
        let result = self.write_durably(&path, shard);
        match result {
            Ok(true) => Ok(()),
            // Another writer stored the same shard first: give the space back.
            Ok(false) => {
                *self.lock_used() -= size;
                Ok(())
            }
            Err(error) => {
                *self.lock_used() -= size;
                Err(error.into())
            }
        }
    }

    /// Writes to a unique temporary file, fsyncs, links it into place, fsyncs the folder.
    /// Returns false if the shard appeared meanwhile.
    fn write_durably(&self, path: &Path, shard: &[u8]) -> io::Result<bool> {
        let folder = path.parent().ok_or_else(|| io::Error::other("shard path has no folder"))?;
        fs::create_dir_all(folder)?;
        let temp = folder.join(format!(
            "{}.{}.{:?}{TEMP_SUFFIX}",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            std::process::id(),
            std::thread::current().id()
        ));
        let mut file = File::create(&temp)?;
        let written = file.write_all(shard).and_then(|()| file.sync_all());
        drop(file);
        if let Err(error) = written {
            let _ = fs::remove_file(&temp);
            return Err(error);
        }
        // A hard link creates the name only if it is free, atomically: of two writers of the
        // same shard exactly one wins, and the accounting counts it once.
        let linked = fs::hard_link(&temp, path);
        let _ = fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                File::open(folder)?.sync_all()?;
                Ok(true)
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The shard stored under `hash`, checked against it; `None` if absent. A shard whose
    /// bytes no longer match is moved to `corrupt/` and reported.
    pub fn get(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(hash);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        if H256(blake2_256(&bytes)) != *hash {
            let aside = self.root.join("corrupt").join(name(hash));
            if fs::rename(&path, aside).is_ok() {
                let mut used = self.lock_used();
                *used = used.saturating_sub(bytes.len() as u64);
            }
            return Err(StoreError::Corrupt(name(hash)));
        }
        Ok(Some(bytes))
    }

    /// Whether a shard is stored (not checked).
    pub fn contains(&self, hash: &H256) -> bool {
        self.path(hash).exists()
    }

    /// Deletes a shard; `false` if it was not there.
    pub fn delete(&self, hash: &H256) -> Result<bool, StoreError> {
        let path = self.path(hash);
        let size = match fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(error.into()),
        };
        match fs::remove_file(&path) {
            Ok(()) => {
                let mut used = self.lock_used();
                *used = used.saturating_sub(size);
                Ok(true)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Every stored shard's hash.
    pub fn list(&self) -> Result<Vec<H256>, StoreError> {
        let mut hashes = Vec::new();
        for fan in fs::read_dir(self.root.join("shards"))? {
            let fan = fan?;
            if !fan.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(fan.path())? {
                if let Some(hash) = parse_name(&entry?.file_name().to_string_lossy()) {
                    hashes.push(hash);
                }
            }
        }
        hashes.sort();
        Ok(hashes)
    }

    /// Deletes every shard not in `keep`; returns how many went.
    pub fn collect_garbage(&self, keep: &HashSet<H256>) -> Result<usize, StoreError> {
        let mut removed = 0;
        for hash in self.list()? {
            if !keep.contains(&hash) && self.delete(&hash)? {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
