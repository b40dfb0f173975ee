//! Two-dimensional weight: execution time and proof size.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Picoseconds of reference execution time in one second.
pub const WEIGHT_REF_TIME_PER_SECOND: u64 = 1_000_000_000_000;
/// Reference time of one nanosecond.
pub const WEIGHT_REF_TIME_PER_NANOS: u64 = 1_000;

/// The cost of a call: `ref_time` in picoseconds on reference hardware, and `proof_size`
/// in bytes of state proof a light client would need.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    Default,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_weights"))]
pub struct Weight {
    /// Execution time, picoseconds.
    #[codec(compact)]
    pub ref_time: u64,
    /// Proof size, bytes.
    #[codec(compact)]
    pub proof_size: u64,
}

impl Weight {
    /// No weight.
    pub const ZERO: Weight = Weight { ref_time: 0, proof_size: 0 };
    /// The largest weight.
    pub const MAX: Weight = Weight { ref_time: u64::MAX, proof_size: u64::MAX };

    /// A weight of both parts.
    pub const fn from_parts(ref_time: u64, proof_size: u64) -> Self {
        Weight { ref_time, proof_size }
    }

    /// Component-wise saturating sum.
    pub const fn saturating_add(self, other: Weight) -> Weight {
        Weight {
            ref_time: self.ref_time.saturating_add(other.ref_time),
            proof_size: self.proof_size.saturating_add(other.proof_size),
        }
    }

    /// Component-wise saturating difference.
    pub const fn saturating_sub(self, other: Weight) -> Weight {
        Weight {
            ref_time: self.ref_time.saturating_sub(other.ref_time),
            proof_size: self.proof_size.saturating_sub(other.proof_size),
        }
    }

    /// The larger of each part.
    pub const fn max(self, other: Weight) -> Weight {
        Weight {
            ref_time: if self.ref_time > other.ref_time { self.ref_time } else { other.ref_time },
            proof_size: if self.proof_size > other.proof_size {
                self.proof_size
            } else {
                other.proof_size
            },
        }
    }

    /// Both parts multiplied, saturating.
    pub const fn saturating_mul(self, factor: u64) -> Weight {
        Weight {
            ref_time: self.ref_time.saturating_mul(factor),
            proof_size: self.proof_size.saturating_mul(factor),
        }
    }

    /// Component-wise sum, `None` on overflow.
    pub fn checked_add(self, other: Weight) -> Option<Weight> {
        Some(Weight {
            ref_time: self.ref_time.checked_add(other.ref_time)?,
            proof_size: self.proof_size.checked_add(other.proof_size)?,
        })
    }

    /// Whether both parts are at most `limit`'s.
    pub fn all_lte(self, limit: Weight) -> bool {
        self.ref_time <= limit.ref_time && self.proof_size <= limit.proof_size
    }

    /// Whether any part exceeds `limit`'s.
    pub fn any_gt(self, limit: Weight) -> bool {
        !self.all_lte(limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_encoding_and_path() {
        assert_eq!(Weight::from_parts(1, 64).encode(), [0x04, 0x01, 0x01]);
        assert_eq!(Weight::type_info().path.segments, ["sp_weights", "weight_v2", "Weight"]);
    }

    #[test]
    fn arithmetic_saturates_and_compares_per_component() {
        assert_eq!(Weight::MAX.saturating_add(Weight::from_parts(1, 1)), Weight::MAX);
        assert_eq!(Weight::from_parts(1, 9).checked_add(Weight::from_parts(u64::MAX, 0)), None);
        assert!(Weight::from_parts(5, 100).any_gt(Weight::from_parts(10, 50)));
        assert!(Weight::from_parts(5, 50).all_lte(Weight::from_parts(10, 50)));
    }
}
