//! Transaction mortality: the window of blocks in which a signed transaction is valid.

use codec::{Decode, Encode, Error, Input, Output};
use scale_info::{build::Variants, Path, Type, TypeInfo};

/// When a transaction may be included: forever, or in a window of `period` blocks.
///
/// A mortal era is `(period, phase)`: `period` a power of two in `4..=65536`, and
/// the transaction valid from its birth block (the last block at or before the
/// current one whose number is `phase` modulo `period`) until `period` blocks later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// Valid at any block (birth is the genesis block).
    Immortal,
    /// `Mortal(period, phase)`.
    Mortal(u64, u64),
}

impl Era {
    /// The era of a transaction created at block `current` that should live about `period`
    /// blocks; `period` is rounded to a power of two in `4..=65536` and the phase quantised
    /// exactly as Substrate and polkadot.js do, so both sides compute the same bytes.
    pub fn mortal(period: u64, current: u64) -> Self {
        let period = period.checked_next_power_of_two().unwrap_or(1 << 16).clamp(4, 1 << 16);
        let phase = current % period;
        let quantize_factor = (period >> 12).max(1);
        Era::Mortal(period, phase / quantize_factor * quantize_factor)
    }

    /// Whether this era is immortal.
    pub fn is_immortal(&self) -> bool {
        matches!(self, Era::Immortal)
    }

    /// The first block at which a transaction of this era, seen at block `current`, is valid.
    pub fn birth(self, current: u64) -> u64 {
        match self {
            Era::Immortal => 0,
            Era::Mortal(period, phase) => (current.max(phase) - phase) / period * period + phase,
        }
    }

    /// The first block at which it is no longer valid.
    pub fn death(self, current: u64) -> u64 {
        match self {
            Era::Immortal => u64::MAX,
            Era::Mortal(period, _) => self.birth(current).saturating_add(period),
        }
    }
}

impl Encode for Era {
    fn encode_to<T: Output + ?Sized>(&self, output: &mut T) {
        match *self {
            Era::Immortal => output.push_byte(0),
            Era::Mortal(period, phase) => {
                let quantize_factor = (period >> 12).max(1);
                let low = (period.trailing_zeros().saturating_sub(1)).clamp(1, 15) as u16;
                let encoded = low | (((phase / quantize_factor) as u16) << 4);
                output.write(&encoded.to_le_bytes());
            }
        }
    }
}

impl codec::EncodeLike for Era {}

impl Decode for Era {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let first = input.read_byte()?;
        if first == 0 {
            return Ok(Era::Immortal);
        }
        let encoded = u64::from(first) + (u64::from(input.read_byte()?) << 8);
        let period = 2u64 << (encoded % (1 << 4));
        let quantize_factor = (period >> 12).max(1);
        let phase = (encoded >> 4) * quantize_factor;
        if period >= 4 && phase < period {
            Ok(Era::Mortal(period, phase))
        } else {
            Err("Invalid period and phase".into())
        }
    }
}

impl TypeInfo for Era {
    type Identity = Self;

    /// Substrate describes the era as an enum of `Immortal` (index 0) and `Mortal1` to
    /// `Mortal255` (index = first byte) each holding the second byte; clients decode it so.
    fn type_info() -> Type {
        let mut variants = Variants::new().variant("Immortal", |v| v.index(0));
        for index in 1..=255u8 {
            variants = variants.variant(MORTAL_NAMES[usize::from(index) - 1], |v| {
                v.index(index).fields(scale_info::build::Fields::unnamed().field(|f| f.ty::<u8>()))
            });
        }
        Type::builder().path(Path::new("Era", "sp_runtime::generic::era")).variant(variants)
    }
}

/// `Mortal1` … `Mortal255`: variant names must be `'static` strings.
macro_rules! mortal_names {
    ($($n:literal)*) => { [$(concat!("Mortal", $n)),*] };
}

const MORTAL_NAMES: [&str; 255] = mortal_names!(
    1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
    33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62
    63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92
    93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116
    117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139
    140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161 162
    163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183 184 185
    186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201 202 203 204 205 206 207 208
    209 210 211 212 213 214 215 216 217 218 219 220 221 222 223 224 225 226 227 228 229 230 231
    232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254
    255
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immortal_is_one_zero_byte() {
        assert_eq!(Era::Immortal.encode(), [0]);
        assert_eq!(Era::decode(&mut &[0u8][..]).unwrap(), Era::Immortal);
        assert_eq!((Era::Immortal.birth(77), Era::Immortal.death(77)), (0, u64::MAX));
    }

    #[test]
    fn substrate_encodings() {
        assert_eq!(Era::mortal(64, 42).encode(), [0xa5, 0x02]);
        assert_eq!(Era::mortal(32768, 20000).encode(), [0x4e, 0x9c]);
        assert_eq!(Era::mortal(200, 513), Era::Mortal(256, 1));
        assert_eq!(Era::mortal(2, 1), Era::Mortal(4, 1));
        assert_eq!(Era::mortal(4, 5), Era::Mortal(4, 1));
        assert_eq!(
            Era::mortal(1_000_000, 1_000_001),
            Era::Mortal(65536, 1_000_001 % 65536 / 4 * 4)
        );
    }

    #[test]
    fn polkadot_js_encodings() {
        let decode = |bytes: [u8; 2]| Era::decode(&mut &bytes[..]).unwrap();
        assert_eq!(decode([0x4e, 0x9c]), Era::Mortal(32768, 20000));
        assert_eq!(decode([0xc5, 0x03]), Era::Mortal(64, 60));
        assert_eq!(decode([0x85, 0x02]), Era::Mortal(64, 40));
        assert_eq!(decode([0xd6, 0x07]), Era::Mortal(128, 125));
        assert_eq!(decode([0x9b, 0xe3]), Era::Mortal(4096, 3641));
        assert_eq!(Era::mortal(200, 1400), Era::Mortal(256, 120));
        assert_eq!(Era::mortal(200, 1400).encode(), [0x87, 0x07]);
        assert_eq!(Era::mortal(8, 927_699).encode(), [0x32, 0x00]);
        let era = decode([0xc5, 0x03]);
        assert_eq!((era.birth(2_251_519), era.death(2_251_519)), (2_251_516, 2_251_580));
    }

    #[test]
    fn birth_and_death_window() {
        let era = Era::mortal(4, 6);
        for current in 6..10 {
            assert_eq!((era.birth(current), era.death(current)), (6, 10));
        }
    }

    #[test]
    fn every_two_byte_input_decodes_or_errors_and_round_trips() {
        for first in 1..=255u8 {
            for second in 0..=255u8 {
                if let Ok(era) = Era::decode(&mut &[first, second][..]) {
                    assert_eq!(era.encode(), [first, second]);
                }
            }
        }
        assert!(Era::decode(&mut &[5u8][..]).is_err());
    }

    #[test]
    fn type_info_has_substrate_shape() {
        let info = Era::type_info();
        assert_eq!(info.path.segments, ["sp_runtime", "generic", "era", "Era"]);
        let scale_info::TypeDef::Variant(variants) = info.type_def else { panic!("enum") };
        assert_eq!(variants.variants.len(), 256);
        assert_eq!(variants.variants[255].name, "Mortal255");
        assert_eq!(variants.variants[255].index, 255);
    }
}
