//! Erasure codes: a segment becomes `n` shards of which any `k` rebuild it.
//!
//! Two Reed-Solomon implementations sit behind [`ErasureCodec`]: reed-solomon-simd
//! (the default: GB/s with SIMD) and reed-solomon-novelpoly (the product card's choice,
//! kept selectable). The manifest records which one wrote a file, so either reads what
//! it wrote.

use codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Which erasure code a file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodecId {
    /// reed-solomon-simd 3 (Leopard-style GF(2^16), SIMD).
    ReedSolomonSimd,
    /// reed-solomon-novelpoly (novel polynomial basis, GF(2^16)).
    ReedSolomonNovelpoly,
}

impl std::str::FromStr for CodecId {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "simd" | "reed-solomon-simd" => Ok(CodecId::ReedSolomonSimd),
            "novelpoly" | "reed-solomon-novelpoly" => Ok(CodecId::ReedSolomonNovelpoly),
            other => Err(format!("unknown codec `{other}` (simd or novelpoly)")),
        }
    }
}

/// Why encoding or reconstruction failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// `k` and `n` do not suit the codec.
    #[error("unsupported coding parameters k = {k}, n = {n}: {reason}")]
    Parameters {
        /// Data shards.
        k: usize,
        /// All shards.
        n: usize,
        /// Why.
        reason: &'static str,
    },
    /// Fewer than `k` shards are available.
    #[error("only {available} of the {needed} shards needed are available")]
    TooFewShards {
        /// Present.
        available: usize,
        /// Needed (`k`).
        needed: usize,
    },
    /// The library failed (shards of the wrong length, say).
    #[error("erasure code: {0}")]
    Library(String),
}

/// An erasure code.
pub trait ErasureCodec: Send + Sync {
    /// The code's identifier in manifests.
    fn id(&self) -> CodecId;
    /// Checks `k` and `n`.
    fn check(&self, k: usize, n: usize) -> Result<(), CodecError>;
    /// The length of each shard for a payload of `len` bytes.
    fn shard_len(&self, len: usize, k: usize, n: usize) -> usize;
    /// The `n` shards of `payload`; the first `k` hold the payload itself.
    fn encode(&self, payload: &[u8], k: usize, n: usize) -> Result<Vec<Vec<u8>>, CodecError>;
    /// The payload (`len` bytes) from any `k` of the `n` shards (`None` where missing).
    fn reconstruct(
        &self,
        shards: Vec<Option<Vec<u8>>>,
        k: usize,
        n: usize,
        len: usize,
    ) -> Result<Vec<u8>, CodecError>;
}

/// The codec of an identifier.
pub fn codec(id: CodecId) -> &'static dyn ErasureCodec {
    match id {
        CodecId::ReedSolomonSimd => &SimdCodec,
        CodecId::ReedSolomonNovelpoly => &NovelpolyCodec,
    }
}

fn check_common(k: usize, n: usize) -> Result<(), CodecError> {
    if k == 0 || n <= k {
        return Err(CodecError::Parameters { k, n, reason: "need 0 < k < n" });
    }
    if n > 1024 {
        return Err(CodecError::Parameters { k, n, reason: "at most 1024 shards" });
    }
    Ok(())
}

fn count_present(shards: &[Option<Vec<u8>>]) -> usize {
    shards.iter().filter(|s| s.is_some()).count()
}

/// reed-solomon-simd: shards are the payload cut in `k` (padded to a multiple of 64 bytes)
/// plus `n - k` recovery shards.
pub struct SimdCodec;

impl ErasureCodec for SimdCodec {
    fn id(&self) -> CodecId {
        CodecId::ReedSolomonSimd
    }

    fn check(&self, k: usize, n: usize) -> Result<(), CodecError> {
        check_common(k, n)
    }

    fn shard_len(&self, len: usize, k: usize, _n: usize) -> usize {
        len.div_ceil(k).next_multiple_of(64).max(64)
    }

    fn encode(&self, payload: &[u8], k: usize, n: usize) -> Result<Vec<Vec<u8>>, CodecError> {
        self.check(k, n)?;
        let shard_len = self.shard_len(payload.len(), k, n);
        let mut originals: Vec<Vec<u8>> = (0..k)
            .map(|i| {
                let start = (i * shard_len).min(payload.len());
                let end = ((i + 1) * shard_len).min(payload.len());
                let mut shard = payload[start..end].to_vec();
                shard.resize(shard_len, 0);
                shard
            })
            .collect();
        let recovery = reed_solomon_simd::encode(k, n - k, &originals)
            .map_err(|e| CodecError::Library(e.to_string()))?;
        originals.extend(recovery);
        Ok(originals)
    }

    fn reconstruct(
        &self,
        mut shards: Vec<Option<Vec<u8>>>,
        k: usize,
        n: usize,
        len: usize,
    ) -> Result<Vec<u8>, CodecError> {
        self.check(k, n)?;
        shards.resize(n, None);
        let available = count_present(&shards);
        if available < k {
            return Err(CodecError::TooFewShards { available, needed: k });
        }
        if shards[..k].iter().any(Option::is_none) {
            let originals =
                shards[..k].iter().enumerate().filter_map(|(i, s)| s.as_deref().map(|s| (i, s)));
            let recovery =
                shards[k..].iter().enumerate().filter_map(|(i, s)| s.as_deref().map(|s| (i, s)));
            let restored = reed_solomon_simd::decode(k, n - k, originals, recovery)
                .map_err(|e| CodecError::Library(e.to_string()))?;
            for (index, shard) in restored {
                shards[index] = Some(shard);
            }
        }
        let mut payload = Vec::with_capacity(len);
        for shard in shards.into_iter().take(k) {
            let shard = shard.ok_or(CodecError::TooFewShards { available, needed: k })?;
            payload.extend_from_slice(&shard);
        }
        if payload.len() < len {
            return Err(CodecError::Library("shards shorter than the payload".into()));
        }
        payload.truncate(len);
        Ok(payload)
    }
}

/// reed-solomon-novelpoly: needs power-of-two `k` and `n`.
pub struct NovelpolyCodec;

impl NovelpolyCodec {
    fn encoder(k: usize, n: usize) -> Result<reed_solomon_novelpoly::ReedSolomon, CodecError> {
        if !k.is_power_of_two() || !n.is_power_of_two() {
            return Err(CodecError::Parameters { k, n, reason: "novelpoly needs powers of two" });
        }
        let params = reed_solomon_novelpoly::CodeParams::derive_parameters(n, k)
            .map_err(|e| CodecError::Library(e.to_string()))?;
        Ok(params.make_encoder())
    }
}

impl ErasureCodec for NovelpolyCodec {
    fn id(&self) -> CodecId {
        CodecId::ReedSolomonNovelpoly
    }

    fn check(&self, k: usize, n: usize) -> Result<(), CodecError> {
        check_common(k, n)?;
        Self::encoder(k, n).map(drop)
    }

    fn shard_len(&self, len: usize, k: usize, n: usize) -> usize {
        Self::encoder(k, n).map(|rs| rs.shard_len(len.max(1))).unwrap_or(0)
    }

    fn encode(&self, payload: &[u8], k: usize, n: usize) -> Result<Vec<Vec<u8>>, CodecError> {
        check_common(k, n)?;
        let rs = Self::encoder(k, n)?;
        // The library refuses empty payloads; one zero byte encodes the same nothing.
        let payload = if payload.is_empty() { &[0u8][..] } else { payload };
        let shards: Vec<reed_solomon_novelpoly::WrappedShard> =
            rs.encode(payload).map_err(|e| CodecError::Library(e.to_string()))?;
        Ok(shards.into_iter().map(|s| s.into_inner()).collect())
    }

    fn reconstruct(
        &self,
        mut shards: Vec<Option<Vec<u8>>>,
        k: usize,
        n: usize,
        len: usize,
    ) -> Result<Vec<u8>, CodecError> {
        check_common(k, n)?;
        shards.resize(n, None);
        let available = count_present(&shards);
        if available < k {
            return Err(CodecError::TooFewShards { available, needed: k });
        }
        let rs = Self::encoder(k, n)?;
        let received =
            shards.into_iter().map(|s| s.map(reed_solomon_novelpoly::WrappedShard::new)).collect();
        let mut payload =
            rs.reconstruct(received).map_err(|e| CodecError::Library(e.to_string()))?;
        if payload.len() < len {
            return Err(CodecError::Library("reconstructed payload too short".into()));
        }
        payload.truncate(len);
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn every_pattern_of_n_minus_k_losses_reconstructs() {
        for codec_id in [CodecId::ReedSolomonSimd, CodecId::ReedSolomonNovelpoly] {
            let codec = codec(codec_id);
            for len in [1usize, 100, 4096, 10_001] {
                let data = payload(len);
                let shards = codec.encode(&data, 4, 8).unwrap();
                assert_eq!(shards.len(), 8);
                // Every subset of up to 4 missing shards.
                for mask in 0u32..256 {
                    let missing = mask.count_ones();
                    let received: Vec<Option<Vec<u8>>> = shards
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (mask & (1 << i) == 0).then(|| s.clone()))
                        .collect();
                    let result = codec.reconstruct(received, 4, 8, len);
                    if missing <= 4 {
                        assert_eq!(result.unwrap(), data, "{codec_id:?} len {len} mask {mask:08b}");
                    } else {
                        assert!(matches!(result, Err(CodecError::TooFewShards { .. })));
                    }
                }
            }
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(SimdCodec.check(0, 4).is_err());
        assert!(SimdCodec.check(4, 4).is_err());
        assert!(SimdCodec.check(3, 7).is_ok());
        assert!(NovelpolyCodec.check(3, 8).is_err());
        assert!(NovelpolyCodec.check(4, 8).is_ok());
    }
}
