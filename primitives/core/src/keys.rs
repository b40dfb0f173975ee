//! Public keys and signatures of the two schemes accounts use, sr25519 and ed25519.
//!
//! Both are plain byte arrays on the wire. Their type information carries the
//! paths `sp_core::sr25519::*` and `sp_core::ed25519::*`, as Substrate's metadata does.

/// Declares a scheme's `Public` and `Signature` byte-array types.
macro_rules! key_and_signature_types {
    ($scheme:literal) => {
        use codec::{Decode, Encode, MaxEncodedLen};
        use scale_info::TypeInfo;

        #[doc = concat!("An ", $scheme, " public key.")]
        #[derive(
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Encode,
            Decode,
            MaxEncodedLen,
            TypeInfo,
        )]
        #[scale_info(replace_segment("dfs_core", "sp_core"))]
        pub struct Public(pub [u8; 32]);

        #[doc = concat!("An ", $scheme, " signature.")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Encode, Decode, MaxEncodedLen, TypeInfo)]
        #[scale_info(replace_segment("dfs_core", "sp_core"))]
        pub struct Signature(pub [u8; 64]);

        impl From<Public> for $crate::crypto::AccountId32 {
            fn from(public: Public) -> Self {
                $crate::crypto::AccountId32(public.0)
            }
        }

        impl From<$crate::crypto::AccountId32> for Public {
            fn from(account: $crate::crypto::AccountId32) -> Self {
                Public(account.0)
            }
        }

        impl core::fmt::Debug for Public {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "0x{}", hex::encode(self.0))
            }
        }

        impl core::fmt::Debug for Signature {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "0x{}", hex::encode(self.0))
            }
        }
    };
}

/// Schnorr signatures on Ristretto (schnorrkel), the default scheme of accounts.
pub mod sr25519 {
    key_and_signature_types!("sr25519");

    /// The signing context of every Substrate sr25519 signature.
    pub const SIGNING_CONTEXT: &[u8] = b"substrate";

    /// Checks `signature` over `message` by `public`; malformed keys or signatures are `false`.
    #[cfg(feature = "crypto")]
    pub fn verify(signature: &Signature, message: &[u8], public: &Public) -> bool {
        let Ok(signature) = schnorrkel::Signature::from_bytes(&signature.0) else {
            return false;
        };
        let Ok(public) = schnorrkel::PublicKey::from_bytes(&public.0) else {
            return false;
        };
        public.verify_simple(SIGNING_CONTEXT, message, &signature).is_ok()
    }
}

/// ECDSA over secp256k1: only the signature type, so `MultiSignature` has Substrate's shape.
///
/// DFS does not verify ECDSA signatures; extrinsics signed with them are refused as bad proofs.
pub mod ecdsa {
    use codec::{Decode, Encode, MaxEncodedLen};
    use scale_info::TypeInfo;

    /// A 65-byte recoverable ECDSA signature.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Encode, Decode, MaxEncodedLen, TypeInfo)]
    #[scale_info(replace_segment("dfs_core", "sp_core"))]
    pub struct Signature(pub [u8; 65]);

    impl core::fmt::Debug for Signature {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "0x{}", hex::encode(self.0))
        }
    }
}

/// Edwards-curve signatures (ed25519), with ZIP-215 verification rules as Substrate uses.
pub mod ed25519 {
    key_and_signature_types!("ed25519");

    /// Checks `signature` over `message` by `public`; malformed keys or signatures are `false`.
    #[cfg(feature = "crypto")]
    pub fn verify(signature: &Signature, message: &[u8], public: &Public) -> bool {
        let Ok(key) = ed25519_zebra::VerificationKey::try_from(public.0) else {
            return false;
        };
        key.verify(&ed25519_zebra::Signature::from(signature.0), message).is_ok()
    }
}
