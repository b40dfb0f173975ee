//! Runtime metadata assembly: V14 (served by `state_getMetadata`) and V15 (with runtime APIs).

use alloc::vec::Vec;
use frame_metadata::{
    v14::{
        self, PalletCallMetadata, PalletConstantMetadata, PalletErrorMetadata, PalletEventMetadata,
        PalletStorageMetadata, SignedExtensionMetadata,
    },
    v15::{self, CustomMetadata, OuterEnums, RuntimeApiMetadata},
    RuntimeMetadata, RuntimeMetadataPrefixed, META_RESERVED,
};
use scale_info::MetaType;

/// Compile-time string equality, for `construct_runtime!`'s check of pallet names.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The metadata versions a runtime serves, oldest first.
pub const SUPPORTED_VERSIONS: [u32; 2] = [14, 15];

/// What one pallet contributes to the runtime's metadata.
pub struct PalletDescription {
    /// The pallet's name in the runtime.
    pub name: &'static str,
    /// The pallet's index in the runtime.
    pub index: u8,
    /// Its storage items.
    pub storage: Option<PalletStorageMetadata>,
    /// Its call enum, if it has calls.
    pub calls: Option<MetaType>,
    /// Its event enum, if it has events.
    pub event: Option<MetaType>,
    /// Its constants.
    pub constants: Vec<PalletConstantMetadata>,
    /// Its error enum, if it has errors.
    pub error: Option<MetaType>,
    /// Its documentation.
    pub docs: Vec<&'static str>,
}

/// The runtime's extrinsic format.
pub struct ExtrinsicDescription {
    /// The `UncheckedExtrinsic` type.
    pub ty: MetaType,
    /// The signer address type.
    pub address_ty: MetaType,
    /// The `RuntimeCall` type.
    pub call_ty: MetaType,
    /// The signature type.
    pub signature_ty: MetaType,
    /// The signed extensions' tuple type.
    pub extra_ty: MetaType,
    /// Each signed extension.
    pub signed_extensions: Vec<SignedExtensionMetadata>,
}

/// Everything the metadata describes.
pub struct RuntimeDescription {
    /// The pallets, in index order.
    pub pallets: Vec<PalletDescription>,
    /// The extrinsic format.
    pub extrinsic: ExtrinsicDescription,
    /// The runtime type itself.
    pub runtime_ty: MetaType,
    /// `RuntimeCall`.
    pub call_enum_ty: MetaType,
    /// `RuntimeEvent`.
    pub event_enum_ty: MetaType,
    /// `RuntimeError`.
    pub error_enum_ty: MetaType,
    /// The runtime APIs (V15 only).
    pub apis: Vec<RuntimeApiMetadata>,
}

impl RuntimeDescription {
    /// Metadata V14.
    pub fn v14(self) -> RuntimeMetadataPrefixed {
        let pallets = self
            .pallets
            .into_iter()
            .map(|p| v14::PalletMetadata {
                name: p.name,
                storage: p.storage,
                calls: p.calls.map(|ty| PalletCallMetadata { ty }),
                event: p.event.map(|ty| PalletEventMetadata { ty }),
                constants: p.constants,
                error: p.error.map(|ty| PalletErrorMetadata { ty }),
                index: p.index,
            })
            .collect();
        let extrinsic = v14::ExtrinsicMetadata {
            ty: self.extrinsic.ty,
            version: dfs_runtime_primitives::generic::unchecked_extrinsic::EXTRINSIC_FORMAT_VERSION,
            signed_extensions: self.extrinsic.signed_extensions,
        };
        RuntimeMetadataPrefixed(
            META_RESERVED,
            RuntimeMetadata::V14(v14::RuntimeMetadataV14::new(pallets, extrinsic, self.runtime_ty)),
        )
    }

    /// Metadata V15: V14 plus docs, runtime APIs and the outer enums.
    pub fn v15(self) -> RuntimeMetadataPrefixed {
        let pallets = self
            .pallets
            .into_iter()
            .map(|p| v15::PalletMetadata {
                name: p.name,
                storage: p.storage,
                calls: p.calls.map(|ty| PalletCallMetadata { ty }),
                event: p.event.map(|ty| PalletEventMetadata { ty }),
                constants: p.constants,
                error: p.error.map(|ty| PalletErrorMetadata { ty }),
                index: p.index,
                docs: p.docs,
            })
            .collect();
        let extrinsic = v15::ExtrinsicMetadata {
            version: dfs_runtime_primitives::generic::unchecked_extrinsic::EXTRINSIC_FORMAT_VERSION,
            address_ty: self.extrinsic.address_ty,
            call_ty: self.extrinsic.call_ty,
            signature_ty: self.extrinsic.signature_ty,
            extra_ty: self.extrinsic.extra_ty,
            signed_extensions: self
                .extrinsic
                .signed_extensions
                .into_iter()
                .map(|e| v15::SignedExtensionMetadata {
                    identifier: e.identifier,
                    ty: e.ty,
                    additional_signed: e.additional_signed,
                })
                .collect(),
        };
        let outer_enums = OuterEnums {
            call_enum_ty: self.call_enum_ty,
            event_enum_ty: self.event_enum_ty,
            error_enum_ty: self.error_enum_ty,
        };
        RuntimeMetadataPrefixed(
            META_RESERVED,
            RuntimeMetadata::V15(v15::RuntimeMetadataV15::new(
                pallets,
                extrinsic,
                self.runtime_ty,
                self.apis,
                outer_enums,
                CustomMetadata { map: Default::default() },
            )),
        )
    }
}
