//! A packed file on disk: `manifest.scale` (and `manifest.json` to read), the key, and the
//! shards under `shards/`, each named by the hex of its blake2-256.

use std::{
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
};

use dfs_core::H256;

use crate::pipeline::{ShardSink, ShardSource};

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.scale";
/// Its readable JSON view.
pub const MANIFEST_JSON_FILE: &str = "manifest.json";
/// The key's file name.
pub const KEY_FILE: &str = "file.key";
/// The shards' folder.
pub const SHARDS_DIR: &str = "shards";

/// Shards in a folder.
pub struct ShardDir {
    dir: PathBuf,
    written: Vec<PathBuf>,
}

impl ShardDir {
    /// The shards folder of `root`, created if absent.
    pub fn create(root: &Path) -> io::Result<Self> {
        let dir = root.join(SHARDS_DIR);
        fs::create_dir_all(&dir)?;
        Ok(ShardDir { dir, written: Vec::new() })
    }

    /// The shards folder of `root`, for reading.
    pub fn open(root: &Path) -> Self {
        ShardDir { dir: root.join(SHARDS_DIR), written: Vec::new() }
    }

    fn path(&self, hash: &H256) -> PathBuf {
        self.dir.join(hex::encode(hash.0))
    }

    /// Flushes every shard written to disk.
    pub fn sync(&mut self) -> io::Result<()> {
        for path in self.written.drain(..) {
            File::open(path)?.sync_all()?;
        }
        File::open(&self.dir)?.sync_all()
    }
}

impl ShardSink for ShardDir {
    fn put(&mut self, hash: &H256, shard: &[u8]) -> io::Result<()> {
        let path = self.path(hash);
        if path.exists() {
            // Content-addressed: the same bytes are already there.
            return Ok(());
        }
        let temp = self.dir.join(format!(".{}.tmp", hex::encode(hash.0)));
        File::create(&temp)?.write_all(shard)?;
        fs::rename(&temp, &path)?;
        self.written.push(path);
        Ok(())
    }
}

impl ShardSource for ShardDir {
    fn get(&self, hash: &H256) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path(hash)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// A file written under a temporary name and renamed into place only when complete, so an
/// interrupted or failed write never leaves something that looks like the finished file.
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    /// Starts writing `target`.
    pub fn create(target: &Path) -> io::Result<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::other("the output path has no file name"))?;
        let temp = target.with_file_name(format!(".{}.partial", name.to_string_lossy()));
        let file = File::create(&temp)?;
        Ok(AtomicFile { temp, target: target.to_path_buf(), file: Some(file) })
    }

    /// The open file.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until committed")
    }

    /// Flushes to disk and moves the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file.take().expect("open until committed");
        file.sync_all()?;
        drop(file);
        fs::rename(&self.temp, &self.target)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            // Not committed: remove the partial file.
            let _ = fs::remove_file(&self.temp);
        }
    }
}
