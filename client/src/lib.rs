//! The DFS client: the local half of storing files on DFS.
//!
//! A file becomes segments (8 MiB by default); each segment is encrypted with
//! XChaCha20-Poly1305 under a random file key ([`cipher`]), erasure coded into `n`
//! shards of which any `k` rebuild it ([`codec`]: reed-solomon-simd by default,
//! reed-solomon-novelpoly selectable), and each shard is hashed (blake2-256) and given a
//! Merkle root over its 1 KiB leaves for storage proofs. A [`manifest::Manifest`] records
//! it all; its hash is the file id. [`pipeline`] does this streaming, on all cores, in
//! bounded memory, and the reverse; [`capability`] shares a file's key with someone else.
//! The `dfs` command wraps it.

pub mod capability;
pub mod cipher;
pub mod codec;
pub mod dir;
pub mod manifest;
mod parallel;
pub mod pipeline;

pub use cipher::FileKey;
pub use manifest::Manifest;
