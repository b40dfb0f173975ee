//! Pack and unpack end to end: sizes at segment boundaries, lost and corrupt shards,
//! wrong keys, tampering and reordering.

#![allow(clippy::unwrap_used)]

use std::{
    collections::{HashMap, HashSet},
    io::Cursor,
    sync::Mutex,
};

use dfs_client::{
    codec::CodecId,
    pipeline::{pack, unpack, PackOptions, PipelineError, ShardSink, ShardSource},
    FileKey, Manifest,
};
use dfs_core::{hashing::blake2_256, H256};

/// Shards in memory; some can be hidden or corrupted.
#[derive(Default)]
struct Memory {
    shards: HashMap<H256, Vec<u8>>,
    hidden: HashSet<H256>,
    corrupted: HashSet<H256>,
    reads: Mutex<usize>,
}

impl ShardSink for Memory {
    fn put(&mut self, hash: &H256, shard: &[u8]) -> std::io::Result<()> {
        assert_eq!(H256(blake2_256(shard)), *hash);
        self.shards.insert(*hash, shard.to_vec());
        Ok(())
    }
}

impl ShardSource for Memory {
    fn get(&self, hash: &H256) -> std::io::Result<Option<Vec<u8>>> {
        *self.reads.lock().unwrap() += 1;
        if self.hidden.contains(hash) {
            return Ok(None);
        }
        let mut shard = self.shards.get(hash).cloned();
        if self.corrupted.contains(hash) {
            if let Some(bytes) = shard.as_mut() {
                bytes[0] ^= 0x55;
            }
        }
        Ok(shard)
    }
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u64).wrapping_mul(2_654_435_761) as u8 ^ (i >> 9) as u8).collect()
}

fn pack_bytes(data: &[u8], options: PackOptions) -> (Manifest, FileKey, Memory) {
    let mut store = Memory::default();
    let (manifest, key) =
        pack(Cursor::new(data.to_vec()), data.len() as u64, options, &mut store, |_| {}).unwrap();
    manifest.check().unwrap();
    (manifest, key, store)
}

fn unpack_bytes(
    manifest: &Manifest,
    key: &FileKey,
    store: &Memory,
) -> Result<Vec<u8>, PipelineError> {
    let mut out = Vec::new();
    unpack(manifest, key, store, &mut out, |_| {})?;
    Ok(out)
}

fn small(codec: CodecId) -> PackOptions {
    PackOptions { segment_size: 64 * 1024, codec, ..Default::default() }
}

#[test]
fn sizes_around_segment_boundaries_round_trip() {
    for codec in [CodecId::ReedSolomonSimd, CodecId::ReedSolomonNovelpoly] {
        let segment = 64 * 1024;
        for len in [0, 1, segment - 1, segment, segment + 1, 5 * segment + 123] {
            let data = content(len);
            let (manifest, key, store) = pack_bytes(&data, small(codec));
            assert_eq!(manifest.segments.len(), len.div_ceil(segment));
            assert_eq!(unpack_bytes(&manifest, &key, &store).unwrap(), data, "{codec:?} {len}");
            // The manifest survives its encoding and its id is its hash.
            let encoded = codec::Encode::encode(&manifest);
            assert_eq!(Manifest::decode_checked(&encoded).unwrap(), manifest);
            assert_eq!(manifest.file_id(), H256(blake2_256(&encoded)));
        }
    }
}

#[test]
fn default_segments_of_8_mib_round_trip() {
    let data = content(8 * 1024 * 1024 + 1);
    let (manifest, key, store) = pack_bytes(&data, PackOptions::default());
    assert_eq!(manifest.segments.len(), 2);
    assert_eq!(manifest.segments[0].plain_len, 8 * 1024 * 1024);
    assert_eq!(unpack_bytes(&manifest, &key, &store).unwrap(), data);
}

#[test]
fn every_pattern_of_up_to_n_minus_k_lost_shards() {
    let data = content(10_000);
    let (manifest, key, mut store) = pack_bytes(&data, small(CodecId::ReedSolomonSimd));
    let shards: Vec<H256> = manifest.segments[0].shards.iter().map(|s| s.hash).collect();
    for mask in 0u32..256 {
        store.hidden = shards
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, h)| *h)
            .collect();
        let result = unpack_bytes(&manifest, &key, &store);
        if mask.count_ones() <= 4 {
            assert_eq!(result.unwrap(), data, "mask {mask:08b}");
        } else {
            assert!(
                matches!(result, Err(PipelineError::TooFewShards { segment: 0, .. })),
                "mask {mask:08b}"
            );
        }
    }
}

#[test]
fn corrupt_shards_are_detected_skipped_and_reported() {
    let data = content(200_000);
    let (manifest, key, mut store) = pack_bytes(&data, small(CodecId::ReedSolomonSimd));
    let segment = &manifest.segments[1];
    store.corrupted = [segment.shards[0].hash, segment.shards[2].hash].into();
    let mut out = Vec::new();
    let report = unpack(&manifest, &key, &store, &mut out, |_| {}).unwrap();
    assert_eq!(out, data);
    assert_eq!(report.corrupt, vec![(1, 0), (1, 2)]);
    // Five bad shards in one segment: too few, and the error names the segment.
    store.corrupted = segment.shards[..5].iter().map(|s| s.hash).collect();
    let error = unpack_bytes(&manifest, &key, &store).unwrap_err();
    assert!(
        matches!(error, PipelineError::TooFewShards { segment: 1, usable: 3, corrupt: 5, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("segment 1"));
}

#[test]
fn only_k_shards_are_read_when_all_are_good() {
    let data = content(3 * 64 * 1024);
    let (manifest, key, store) = pack_bytes(&data, small(CodecId::ReedSolomonSimd));
    unpack_bytes(&manifest, &key, &store).unwrap();
    assert_eq!(*store.reads.lock().unwrap(), 3 * 4);
}

#[test]
fn a_wrong_key_is_refused_naming_the_segment() {
    let data = content(100);
    let (manifest, _, store) = pack_bytes(&data, small(CodecId::ReedSolomonSimd));
    assert!(matches!(
        unpack_bytes(&manifest, &FileKey::generate(), &store),
        Err(PipelineError::Decryption(0))
    ));
}

#[test]
fn tampered_ciphertext_is_refused_even_with_matching_hashes() {
    let data = content(50_000);
    let (mut manifest, key, mut store) = pack_bytes(&data, small(CodecId::ReedSolomonSimd));
    // An attacker who controls shards and manifest edits a data shard and its hash.
    let old = manifest.segments[0].shards[1].hash;
    let mut shard = store.shards.remove(&old).unwrap();
    shard[10] ^= 1;
    let new = H256(blake2_256(&shard));
    store.shards.insert(new, shard);
    manifest.segments[0].shards[1].hash = new;
    assert!(matches!(unpack_bytes(&manifest, &key, &store), Err(PipelineError::Decryption(0))));
}

#[test]
fn swapped_segments_are_refused() {
    let segment = 64 * 1024;
    let data = content(3 * segment);
    let (mut manifest, key, store) = pack_bytes(&data, small(CodecId::ReedSolomonSimd));
    manifest.segments.swap(0, 2);
    assert!(matches!(unpack_bytes(&manifest, &key, &store), Err(PipelineError::Decryption(0))));
}

#[test]
fn bad_options_and_short_input_are_errors() {
    let mut store = Memory::default();
    let bad = PackOptions { k: 8, n: 8, ..Default::default() };
    assert!(pack(Cursor::new(vec![1u8; 10]), 10, bad, &mut store, |_| {}).is_err());
    let odd =
        PackOptions { k: 3, n: 7, codec: CodecId::ReedSolomonNovelpoly, ..Default::default() };
    assert!(pack(Cursor::new(vec![1u8; 10]), 10, odd, &mut store, |_| {}).is_err());
    let short = pack(Cursor::new(vec![1u8; 10]), 20, PackOptions::default(), &mut store, |_| {});
    assert!(matches!(short, Err(PipelineError::ShortInput { read: 10, expected: 20 })));
    assert!(Manifest::decode_checked(&[1, 2, 3]).is_err());
}
