//! The extrinsic format v4: how signed and unsigned transactions are encoded and signed.
//!
//! ```text
//! signed:   compact(len) ++ 0x84 ++ address ++ signature ++ extra ++ call
//! unsigned: compact(len) ++ 0x04 ++ call
//! payload:  call ++ extra ++ additional_signed, hashed with blake2-256 when over 256 bytes
//! ```

use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeLimit, Encode, Input};
use dfs_io::hashing::blake2_256;
use scale_info::{build::Fields, meta_type, Path, Type, TypeInfo, TypeParameter};

/// The only extrinsic format version DFS speaks (what polkadot.js, PAPI and subxt default to).
pub const EXTRINSIC_FORMAT_VERSION: u8 = 4;
/// Set in the version byte of signed extrinsics.
const SIGNED_FLAG: u8 = 0b1000_0000;
/// How deeply calls may nest (e.g. `sudo(batch(sudo(...)))`) before decoding refuses them.
pub const MAX_CALL_NESTING_DEPTH: u32 = 256;
/// Payloads longer than this are signed as their blake2-256 hash.
pub const MAX_UNHASHED_PAYLOAD_LEN: usize = 256;

/// An extrinsic as it travels: a call, and for signed ones the signer, signature and extra.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UncheckedExtrinsic<Address, Call, Signature, Extra> {
    /// `(signer address, signature, signed extensions' values)` for signed extrinsics.
    pub signature: Option<(Address, Signature, Extra)>,
    /// The call to dispatch.
    pub function: Call,
}

impl<Address, Call, Signature, Extra> UncheckedExtrinsic<Address, Call, Signature, Extra> {
    /// A signed extrinsic.
    pub fn new_signed(
        function: Call,
        address: Address,
        signature: Signature,
        extra: Extra,
    ) -> Self {
        UncheckedExtrinsic { signature: Some((address, signature, extra)), function }
    }

    /// An unsigned extrinsic (an inherent, or a call validated by its own rules).
    pub fn new_unsigned(function: Call) -> Self {
        UncheckedExtrinsic { signature: None, function }
    }

    /// Whether it carries a signature.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

impl<Address: Encode, Call: Encode, Signature: Encode, Extra: Encode> Encode
    for UncheckedExtrinsic<Address, Call, Signature, Extra>
{
    fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(128);
        match &self.signature {
            Some(signature) => {
                body.push(EXTRINSIC_FORMAT_VERSION | SIGNED_FLAG);
                signature.encode_to(&mut body);
            }
            None => body.push(EXTRINSIC_FORMAT_VERSION),
        }
        self.function.encode_to(&mut body);
        // Like `Vec<u8>::encode`: the body behind its compact length.
        body.encode()
    }
}

impl<Address, Call, Signature, Extra> codec::EncodeLike
    for UncheckedExtrinsic<Address, Call, Signature, Extra>
where
    Address: Encode,
    Call: Encode,
    Signature: Encode,
    Extra: Encode,
{
}

impl<Address: Decode, Call: Decode, Signature: Decode, Extra: Decode> Decode
    for UncheckedExtrinsic<Address, Call, Signature, Extra>
{
    fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
        let declared = Compact::<u32>::decode(input)?.0 as usize;
        // Never trust the length prefix further than the bytes actually there.
        if let Some(remaining) = input.remaining_len()? {
            if declared > remaining {
                return Err("extrinsic length prefix exceeds the input".into());
            }
        }
        let mut body = alloc::vec![0u8; declared];
        input.read(&mut body)?;
        let mut rest = &body[..];
        let version = rest.read_byte()?;
        if version & !SIGNED_FLAG != EXTRINSIC_FORMAT_VERSION {
            return Err("unsupported extrinsic format version (DFS speaks v4)".into());
        }
        let signature = if version & SIGNED_FLAG != 0 {
            Some(<(Address, Signature, Extra)>::decode(&mut rest)?)
        } else {
            None
        };
        let function = Call::decode_all_with_depth_limit(MAX_CALL_NESTING_DEPTH, &mut rest)?;
        Ok(UncheckedExtrinsic { signature, function })
    }
}

impl<Address, Call, Signature, Extra> TypeInfo
    for UncheckedExtrinsic<Address, Call, Signature, Extra>
where
    Address: TypeInfo + 'static,
    Call: TypeInfo + 'static,
    Signature: TypeInfo + 'static,
    Extra: TypeInfo + 'static,
{
    type Identity = UncheckedExtrinsic<Address, Call, Signature, Extra>;

    /// As Substrate: opaque bytes, with the four type parameters in this order so
    /// polkadot.js can find the address, call, signature and extra types.
    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("UncheckedExtrinsic", "sp_runtime::generic::unchecked_extrinsic"))
            .type_params(alloc::vec![
                TypeParameter::new("Address", Some(meta_type::<Address>())),
                TypeParameter::new("Call", Some(meta_type::<Call>())),
                TypeParameter::new("Signature", Some(meta_type::<Signature>())),
                TypeParameter::new("Extra", Some(meta_type::<Extra>())),
            ])
            .docs(&["UncheckedExtrinsic raw bytes, requires custom decoding routine"])
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
    }
}

/// Calls `f` with the bytes a signer signs for `(call, extra, additional_signed)`:
/// their concatenated encodings, or the blake2-256 of those when longer than 256 bytes.
pub fn using_signing_payload<R>(
    call: &impl Encode,
    extra: &impl Encode,
    additional_signed: &impl Encode,
    f: impl FnOnce(&[u8]) -> R,
) -> R {
    let raw = (call, extra, additional_signed).encode();
    if raw.len() > MAX_UNHASHED_PAYLOAD_LEN {
        f(&blake2_256(&raw))
    } else {
        f(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MultiAddress, MultiSignature};
    use dfs_core::{ed25519, AccountId32};

    type Extrinsic = UncheckedExtrinsic<MultiAddress<AccountId32, ()>, Vec<u8>, MultiSignature, u8>;

    #[test]
    fn unsigned_layout() {
        let xt = Extrinsic::new_unsigned(vec![1, 2, 3]);
        // compact(5) ++ 0x04 ++ Vec<u8> call (compact(3) ++ bytes)
        assert_eq!(xt.encode(), [0x14, 0x04, 0x0c, 1, 2, 3]);
        assert_eq!(Extrinsic::decode(&mut &xt.encode()[..]).unwrap(), xt);
    }

    #[test]
    fn signed_round_trip_and_errors() {
        let xt = Extrinsic::new_signed(
            vec![9],
            MultiAddress::Id(AccountId32([7; 32])),
            MultiSignature::Ed25519(ed25519::Signature([5; 64])),
            42,
        );
        let bytes = xt.encode();
        assert_eq!(bytes[2], 0x84);
        assert_eq!(Extrinsic::decode(&mut &bytes[..]).unwrap(), xt);

        // A length prefix larger than the input, a wrong version, trailing bytes: errors.
        let mut long = bytes.clone();
        long[0] = 0xfc;
        assert!(Extrinsic::decode(&mut &long[..]).is_err());
        let mut v5 = bytes.clone();
        v5[2] = 0x85;
        assert!(Extrinsic::decode(&mut &v5[..]).is_err());
        let padded = [&[0x18u8, 0x04, 0x0c, 1, 2, 3][..], &[0xff][..]].concat();
        assert!(Extrinsic::decode(&mut &padded[..]).is_err());
    }

    #[test]
    fn polkadot_js_ed25519_transfer_vector() {
        // polkadot-js/api Extrinsic.spec.ts "creates a signed extrinsic": the payload it signs
        // and the whole extrinsic, for balances.transferAllowDeath(Bob, 6969) with nonce 1, tip 2.
        let call = hex::decode(
            "060000d7568e5f0a7eda67a82691ff379ac4bba4f9c9b859fe779b5d46363b61ad2db9e56c",
        )
        .unwrap();
        // era, nonce, tip, asset id (None), metadata-hash mode: the extension values.
        let extra = hex::decode("0004080000").unwrap();
        let additional = hex::decode(
            "7b0000007b000000dcd1346701ca8396496e52aa2785b1748deb6db09551b72159dcb3e08991025b\
             ec7afaf1cca720ce88c1d1b689d81f0583cc15a97d621cf046dd9abf605ef22f00",
        )
        .unwrap();
        struct Raw<'a>(&'a [u8]);
        impl Encode for Raw<'_> {
            fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
                dest.write(self.0)
            }
        }
        let payload =
            using_signing_payload(&Raw(&call), &Raw(&extra), &Raw(&additional), |p| p.to_vec());
        assert_eq!(payload.len(), 115);
        let signature = hex::decode(
            "bac8e442c7d6e6827fe3b72a2dee6bd036e059e1b0a2a5cfb00ec39184d60536\
             a4f3b5f3bfcd31e6e5b5cf6482914dc989fbe9483043a13c90376dfe28c5e00f",
        )
        .unwrap();
        let mut public = [0u8; 32];
        hex::decode_to_slice(
            "d172a74cda4c865912c32ba0a80a57ae69abae410e5ccb59dee84e2f4432db4f",
            &mut public,
        )
        .unwrap();
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&signature);
        assert!(ed25519::verify(&ed25519::Signature(sig), &payload, &ed25519::Public(public)));

        let expected = hex::decode(
            "35028400d172a74cda4c865912c32ba0a80a57ae69abae410e5ccb59dee84e2f4432db4f00\
             bac8e442c7d6e6827fe3b72a2dee6bd036e059e1b0a2a5cfb00ec39184d60536a4f3b5f3bf\
             cd31e6e5b5cf6482914dc989fbe9483043a13c90376dfe28c5e00f0004080000060000d756\
             8e5f0a7eda67a82691ff379ac4bba4f9c9b859fe779b5d46363b61ad2db9e56c",
        )
        .unwrap();
        // Rebuild the same bytes from typed parts: the extra as an opaque 5-byte blob.
        let xt = UncheckedExtrinsic {
            signature: Some((
                MultiAddress::<AccountId32, ()>::Id(AccountId32(public)),
                MultiSignature::Ed25519(ed25519::Signature(sig)),
                [0u8, 4, 8, 0, 0],
            )),
            function: RawCall(call),
        };
        assert_eq!(xt.encode(), expected);
    }

    /// A call that encodes as its raw bytes.
    #[derive(Debug, PartialEq, Eq, Clone)]
    struct RawCall(Vec<u8>);
    impl Encode for RawCall {
        fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
            dest.write(&self.0)
        }
    }

    #[test]
    fn long_payloads_are_hashed() {
        let call = vec![1u8; 300];
        let hashed = using_signing_payload(&call, &(), &(), |p| p.to_vec());
        assert_eq!(hashed, blake2_256(&call.encode()).to_vec());
        let short = vec![1u8; 10];
        assert_eq!(using_signing_payload(&short, &(), &(), |p| p.to_vec()), short.encode());
    }
}
