//! The local halves of upload and download: a file to encrypted, erasure-coded, hashed
//! shards and a manifest (pack), and back (unpack). Both stream segment by segment on all
//! cores with a bounded number of segments in memory.

use std::io::{Read, Write};

use dfs_core::{hashing::blake2_256, H256};

use crate::{
    cipher::{decrypt_segment, encrypt_segment, FileKey, TAG_LEN},
    codec::{codec, CodecError, CodecId},
    manifest::{
        Manifest, SegmentInfo, ShardInfo, DEFAULT_SEGMENT_SIZE, MANIFEST_VERSION, MAX_SEGMENT_SIZE,
    },
    parallel::ordered_map,
};

/// How to pack.
#[derive(Clone, Copy, Debug)]
pub struct PackOptions {
    /// Shards needed to rebuild a segment.
    pub k: u16,
    /// Shards per segment.
    pub n: u16,
    /// Plaintext bytes per segment.
    pub segment_size: u32,
    /// The erasure code.
    pub codec: CodecId,
    /// Worker threads (0: one per core).
    pub workers: usize,
}

impl Default for PackOptions {
    fn default() -> Self {
        PackOptions {
            k: 4,
            n: 8,
            segment_size: DEFAULT_SEGMENT_SIZE,
            codec: CodecId::ReedSolomonSimd,
            workers: 0,
        }
    }
}

fn workers(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map(usize::from).unwrap_or(1)
    }
}

/// Why packing or unpacking failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Reading the input or writing the output failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Bad coding parameters.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The input ended before its announced size.
    #[error("the input ended after {read} of {expected} bytes")]
    ShortInput {
        /// Bytes read.
        read: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// Bad options.
    #[error("invalid options: {0}")]
    Options(&'static str),
    /// Too few good shards for a segment.
    #[error("segment {segment}: only {usable} usable shards of the {needed} needed ({missing} missing, {corrupt} corrupt)")]
    TooFewShards {
        /// The segment.
        segment: u64,
        /// Shards that passed their hash check.
        usable: usize,
        /// `k`.
        needed: usize,
        /// Shards not found.
        missing: usize,
        /// Shards whose hash did not match.
        corrupt: usize,
    },
    /// Decryption failed: wrong key, or tampered, moved or foreign ciphertext.
    #[error("segment {0}: decryption failed (wrong key, or tampered or misplaced data)")]
    Decryption(u64),
    /// The erasure code could not rebuild a segment from shards that passed their checks.
    #[error("segment {segment}: {error}")]
    Reconstruct {
        /// The segment.
        segment: u64,
        /// Why.
        error: CodecError,
    },
}

/// Where pack puts shards.
pub trait ShardSink {
    /// Stores a shard under its hash.
    fn put(&mut self, hash: &H256, shard: &[u8]) -> std::io::Result<()>;
}

/// Where unpack finds shards.
pub trait ShardSource: Sync {
    /// The shard stored under `hash`, if present (its content is checked by the caller).
    fn get(&self, hash: &H256) -> std::io::Result<Option<Vec<u8>>>;
}

/// A packed segment: its manifest entry and its shards.
struct PackedSegment {
    info: SegmentInfo,
    shards: Vec<Vec<u8>>,
}

/// Packs `size` bytes from `input`: shards go to `sink`, `progress` hears each segment's
/// plaintext length. Returns the manifest and the new file key.
pub fn pack(
    input: impl Read + Send,
    size: u64,
    options: PackOptions,
    sink: &mut dyn ShardSink,
    mut progress: impl FnMut(u64),
) -> Result<(Manifest, FileKey), PipelineError> {
    if options.segment_size == 0 || options.segment_size > MAX_SEGMENT_SIZE {
        return Err(PipelineError::Options("segment size must be 1 byte to 64 MiB"));
    }
    let erasure = codec(options.codec);
    erasure.check(usize::from(options.k), usize::from(options.n))?;
    let key = FileKey::generate();
    let mut file_salt = [0u8; 16];
    getrandom::fill(&mut file_salt).map_err(|e| std::io::Error::other(e.to_string()))?;
    let segment_size = u64::from(options.segment_size);
    let count = size.div_ceil(segment_size);
    let (k, n) = (usize::from(options.k), usize::from(options.n));

    let mut input = input;
    let mut read_so_far = 0u64;
    let reads = (0..count).map(|index| -> Result<Vec<u8>, PipelineError> {
        let len = segment_size.min(size - index * segment_size) as usize;
        let mut buffer = vec![0u8; len];
        let mut filled = 0;
        while filled < len {
            match input.read(&mut buffer[filled..])? {
                0 => {
                    return Err(PipelineError::ShortInput {
                        read: read_so_far + filled as u64,
                        expected: size,
                    })
                }
                got => filled += got,
            }
        }
        read_so_far += len as u64;
        Ok(buffer)
    });

    let mut segments = Vec::with_capacity(count as usize);
    ordered_map(
        reads,
        workers(options.workers),
        |index, plain: Vec<u8>| -> Result<PackedSegment, PipelineError> {
            let cipher_text = encrypt_segment(&key, &file_salt, index, count, &plain);
            drop(plain);
            let shards = erasure.encode(&cipher_text, k, n)?;
            let infos = shards
                .iter()
                .map(|shard| ShardInfo {
                    hash: H256(blake2_256(shard)),
                    merkle_root: dfs_storage_proof::merkle_root(shard),
                })
                .collect();
            let info = SegmentInfo {
                plain_len: (cipher_text.len() - TAG_LEN) as u32,
                cipher_len: cipher_text.len() as u32,
                shard_len: shards.first().map_or(0, |s| s.len() as u32),
                shards: infos,
            };
            Ok(PackedSegment { info, shards })
        },
        |_, packed| {
            for (shard, info) in packed.shards.iter().zip(&packed.info.shards) {
                sink.put(&info.hash, shard)?;
            }
            progress(u64::from(packed.info.plain_len));
            segments.push(packed.info);
            Ok(())
        },
    )?;

    let manifest = Manifest {
        version: MANIFEST_VERSION,
        file_size: size,
        segment_size: options.segment_size,
        k: options.k,
        n: options.n,
        codec: options.codec,
        file_salt,
        segments,
    };
    Ok((manifest, key))
}

/// What unpack met on the way.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UnpackReport {
    /// Shards not found, as `(segment, shard index)`.
    pub missing: Vec<(u64, usize)>,
    /// Shards whose content did not match their hash, as `(segment, shard index)`.
    pub corrupt: Vec<(u64, usize)>,
}

/// A segment rebuilt by unpack, with the shards it could not use.
struct RebuiltSegment {
    missing: Vec<usize>,
    corrupt: Vec<usize>,
    plain: Vec<u8>,
}

/// Rebuilds the file of `manifest` into `output`, from any `k` good shards per segment.
/// Each shard's hash is checked before use; missing and corrupt shards are skipped and
/// reported. `output` gets the plaintext in order; on error it holds a prefix only, so
/// callers write to a temporary file and rename it on success.
pub fn unpack(
    manifest: &Manifest,
    key: &FileKey,
    source: &dyn ShardSource,
    output: &mut (dyn Write + Send),
    mut progress: impl FnMut(u64),
) -> Result<UnpackReport, PipelineError> {
    manifest.check().map_err(|_| PipelineError::Options("the manifest is inconsistent"))?;
    let erasure = codec(manifest.codec);
    let (k, n) = (usize::from(manifest.k), usize::from(manifest.n));
    let count = manifest.segments.len() as u64;
    let mut report = UnpackReport::default();

    // Each worker fetches a segment's shards (stopping once k passed their hash check),
    // rebuilds and decrypts it; segments are written in order.
    ordered_map(
        (0..count).map(Ok),
        workers(0),
        |index, _| -> Result<RebuiltSegment, PipelineError> {
            let segment = &manifest.segments[index as usize];
            let (mut shards, mut missing, mut corrupt) = (vec![None; n], Vec::new(), Vec::new());
            let mut usable = 0;
            for (position, info) in segment.shards.iter().enumerate() {
                if usable == k {
                    break;
                }
                match source.get(&info.hash)? {
                    Some(bytes)
                        if bytes.len() == segment.shard_len as usize
                            && H256(blake2_256(&bytes)) == info.hash =>
                    {
                        shards[position] = Some(bytes);
                        usable += 1;
                    }
                    Some(_) => corrupt.push(position),
                    None => missing.push(position),
                }
            }
            if usable < k {
                return Err(PipelineError::TooFewShards {
                    segment: index,
                    usable,
                    needed: k,
                    missing: missing.len(),
                    corrupt: corrupt.len(),
                });
            }
            let cipher_text = erasure
                .reconstruct(shards, k, n, segment.cipher_len as usize)
                .map_err(|error| PipelineError::Reconstruct { segment: index, error })?;
            let plain = decrypt_segment(key, &manifest.file_salt, index, count, &cipher_text)
                .ok_or(PipelineError::Decryption(index))?;
            Ok(RebuiltSegment { missing, corrupt, plain })
        },
        |index, RebuiltSegment { missing, corrupt, plain }| {
            output.write_all(&plain)?;
            progress(plain.len() as u64);
            report.missing.extend(missing.into_iter().map(|i| (index, i)));
            report.corrupt.extend(corrupt.into_iter().map(|i| (index, i)));
            Ok(())
        },
    )?;
    output.flush()?;
    Ok(report)
}
