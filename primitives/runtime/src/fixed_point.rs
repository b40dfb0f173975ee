//! Unsigned fixed-point numbers with 18 decimals (Substrate's `FixedU128`).

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A non-negative number with 18 decimal places, stored as `value × 10^18` in a `u128`.
/// All arithmetic saturates: fee computations never panic or wrap.
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
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_arithmetic"))]
pub struct FixedU128(u128);

/// `10^18`: the representation of one.
const DIV: u128 = 1_000_000_000_000_000_000;

/// `a × b / c` without overflow in between, saturating at `u128::MAX`; `None` if `c` is zero.
pub fn multiply_divide(a: u128, b: u128, c: u128) -> Option<u128> {
    if c == 0 {
        return None;
    }
    // 256-bit product from 64-bit halves.
    let (a_hi, a_lo) = (a >> 64, a & u64::MAX as u128);
    let (b_hi, b_lo) = (b >> 64, b & u64::MAX as u128);
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let middle = (lo_lo >> 64) + (hi_lo & u64::MAX as u128) + (lo_hi & u64::MAX as u128);
    let low = (lo_lo & u64::MAX as u128) | (middle << 64);
    let high = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (middle >> 64);
    if high == 0 {
        return Some(low / c);
    }
    if high >= c {
        return Some(u128::MAX);
    }
    // Long division of (high, low) by c, one bit at a time; the quotient fits in 128 bits.
    let (mut remainder, mut quotient) = (high, 0u128);
    for bit in (0..128).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || remainder >= c {
            remainder = remainder.wrapping_sub(c);
            quotient |= 1;
        }
    }
    Some(quotient)
}

impl FixedU128 {
    /// Zero.
    pub const fn zero() -> Self {
        FixedU128(0)
    }

    /// One.
    pub const fn one() -> Self {
        FixedU128(DIV)
    }

    /// The number whose representation is `inner` (`inner / 10^18`).
    pub const fn from_inner(inner: u128) -> Self {
        FixedU128(inner)
    }

    /// The representation (`value × 10^18`).
    pub const fn into_inner(self) -> u128 {
        self.0
    }

    /// `n` as a fixed-point number, saturating.
    pub const fn from_u32(n: u32) -> Self {
        FixedU128(n as u128 * DIV)
    }

    /// `numerator / denominator`, saturating; zero for a zero denominator.
    pub fn from_rational(numerator: u128, denominator: u128) -> Self {
        FixedU128(multiply_divide(numerator, DIV, denominator).unwrap_or(0))
    }

    /// `self × n`, rounded down, saturating.
    pub fn saturating_mul_int(self, n: u128) -> u128 {
        multiply_divide(self.0, n, DIV).unwrap_or(u128::MAX)
    }

    /// `self × other`, saturating.
    pub fn saturating_mul(self, other: Self) -> Self {
        FixedU128(multiply_divide(self.0, other.0, DIV).unwrap_or(u128::MAX))
    }

    /// `self + other`, saturating.
    pub fn saturating_add(self, other: Self) -> Self {
        FixedU128(self.0.saturating_add(other.0))
    }

    /// `self − other`, saturating at zero.
    pub fn saturating_sub(self, other: Self) -> Self {
        FixedU128(self.0.saturating_sub(other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let half = FixedU128::from_rational(1, 2);
        assert_eq!(half.saturating_mul_int(1_000), 500);
        assert_eq!(FixedU128::from_u32(3).saturating_mul(half), FixedU128::from_rational(3, 2));
        assert_eq!(FixedU128::one().saturating_sub(FixedU128::from_u32(2)), FixedU128::zero());
        assert_eq!(FixedU128::from_rational(5, 0), FixedU128::zero());
        assert_eq!(FixedU128::one().encode(), DIV.encode());
    }

    #[test]
    fn wide_products_do_not_overflow() {
        assert_eq!(multiply_divide(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
        assert_eq!(multiply_divide(u128::MAX, 10, 20), Some(u128::MAX / 2));
        assert_eq!(multiply_divide(1 << 100, 1 << 100, 1 << 90), Some(1 << 110));
        assert_eq!(multiply_divide(u128::MAX, 2, 1), Some(u128::MAX));
        let big = FixedU128::from_u32(u32::MAX);
        assert_eq!(big.saturating_mul_int(u128::MAX), u128::MAX);
        let x = 123_456_789_012_345_678_901_234_567u128;
        assert_eq!(multiply_divide(x, 3, 3), Some(x));
    }
}
