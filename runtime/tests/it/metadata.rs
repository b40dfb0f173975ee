//! The metadata decodes with frame-metadata and describes everything declared.

use codec::Decode;
use dfs_runtime::apis;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use scale_info::{form::PortableForm, PortableRegistry, TypeDef};

use crate::chain::*;

fn fetch(version: u32) -> RuntimeMetadataPrefixed {
    let mut chain = Chain::development();
    let bytes: Option<dfs_runtime_primitives::OpaqueMetadata> =
        call(&mut chain.ext, "Metadata_metadata_at_version", version);
    let bytes = bytes.expect("supported version").0;
    assert_eq!(&bytes[..4], b"meta");
    assert_eq!(bytes[4], version as u8);
    RuntimeMetadataPrefixed::decode(&mut &bytes[..]).expect("metadata decodes")
}

fn path_of(types: &PortableRegistry, id: u32) -> String {
    types.resolve(id).unwrap().path.segments.join("::")
}

fn fields_of(types: &PortableRegistry, id: u32) -> Vec<String> {
    match &types.resolve(id).unwrap().type_def {
        TypeDef::Composite(c) => {
            c.fields.iter().map(|f| f.name.clone().unwrap_or_default()).collect()
        }
        other => panic!("not a composite: {other:?}"),
    }
}

#[test]
fn versions_offered_are_14_and_15() {
    let mut chain = Chain::development();
    let versions: Vec<u32> = call(&mut chain.ext, "Metadata_metadata_versions", ());
    assert_eq!(versions, [14, 15]);
    let none: Option<dfs_runtime_primitives::OpaqueMetadata> =
        call(&mut chain.ext, "Metadata_metadata_at_version", 16u32);
    assert!(none.is_none());
    let v14: dfs_runtime_primitives::OpaqueMetadata = call(&mut chain.ext, "Metadata_metadata", ());
    assert_eq!(v14.0[4], 14);
}

#[test]
fn v14_lists_every_pallet_item() {
    let RuntimeMetadata::V14(metadata) = fetch(14).1 else { panic!("V14 expected") };
    let types = &metadata.types;
    let names: Vec<_> = metadata.pallets.iter().map(|p| (p.name.as_str(), p.index)).collect();
    assert_eq!(
        names,
        [
            ("System", 0),
            ("Timestamp", 1),
            ("Aura", 2),
            ("Balances", 5),
            ("TransactionPayment", 6),
            ("Sudo", 9)
        ]
    );

    let pallet = |name: &str| metadata.pallets.iter().find(|p| p.name == name).unwrap();
    let storage = |name: &str| -> Vec<String> {
        pallet(name).storage.as_ref().unwrap().entries.iter().map(|e| e.name.clone()).collect()
    };
    for item in ["Account", "Number", "ParentHash", "BlockHash", "Events", "Digest", "EventCount"] {
        assert!(storage("System").contains(&item.to_string()), "System.{item}");
    }
    assert_eq!(storage("Timestamp"), ["Now", "DidUpdate"]);
    assert_eq!(storage("Balances"), ["TotalIssuance", "InactiveIssuance", "Locks"]);
    assert_eq!(storage("TransactionPayment"), ["NextFeeMultiplier"]);
    assert_eq!(storage("Sudo"), ["Key"]);
    assert_eq!(storage("Aura"), ["Authorities", "CurrentSlot"]);

    let constants = |name: &str| -> Vec<String> {
        pallet(name).constants.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(
        constants("System"),
        ["BlockWeights", "BlockLength", "BlockHashCount", "DbWeight", "Version", "SS58Prefix"]
    );
    assert_eq!(constants("Timestamp"), ["MinimumPeriod"]);
    assert_eq!(constants("Aura"), ["SlotDuration"]);
    assert_eq!(constants("Balances"), ["ExistentialDeposit", "MaxLocks"]);
    assert_eq!(constants("TransactionPayment"), ["OperationalFeeMultiplier"]);

    let variants = |id: u32| -> Vec<String> {
        match &types.resolve(id).unwrap().type_def {
            TypeDef::Variant(v) => v.variants.iter().map(|v| v.name.clone()).collect(),
            other => panic!("not an enum: {other:?}"),
        }
    };
    let calls = variants(pallet("Balances").calls.as_ref().unwrap().ty.id);
    for call in [
        "transfer_allow_death",
        "force_transfer",
        "transfer_keep_alive",
        "transfer_all",
        "force_set_balance",
        "burn",
    ] {
        assert!(calls.contains(&call.to_string()), "Balances.{call}");
    }
    assert_eq!(
        variants(pallet("Sudo").calls.as_ref().unwrap().ty.id),
        ["sudo", "sudo_unchecked_weight", "set_key", "sudo_as", "remove_key"]
    );
    assert!(variants(pallet("System").event.as_ref().unwrap().ty.id)
        .contains(&"ExtrinsicSuccess".to_string()));
    assert!(variants(pallet("Balances").event.as_ref().unwrap().ty.id)
        .contains(&"Transfer".to_string()));
    assert_eq!(
        variants(pallet("TransactionPayment").event.as_ref().unwrap().ty.id),
        ["TransactionFeePaid"]
    );
    assert!(variants(pallet("System").error.as_ref().unwrap().ty.id)
        .contains(&"SpecVersionNeedsToIncrease".to_string()));
    assert!(pallet("Timestamp").event.is_none() && pallet("TransactionPayment").error.is_none());

    // The shapes clients key on (COMPAT.md §2).
    let extrinsic = types.resolve(metadata.extrinsic.ty.id).unwrap();
    assert_eq!(
        extrinsic.path.segments.join("::"),
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic"
    );
    let params: Vec<_> = extrinsic.type_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["Address", "Call", "Signature", "Extra"]);
    let param_path = |index: usize| path_of(types, extrinsic.type_params[index].ty.unwrap().id);
    assert_eq!(param_path(0), "sp_runtime::multiaddress::MultiAddress");
    assert_eq!(param_path(1), "dfs_runtime::RuntimeCall");
    assert_eq!(param_path(2), "sp_runtime::MultiSignature");
    assert_eq!(metadata.extrinsic.version, 4);
    let extensions: Vec<_> =
        metadata.extrinsic.signed_extensions.iter().map(|e| e.identifier.as_str()).collect();
    assert_eq!(
        extensions,
        [
            "CheckNonZeroSender",
            "CheckSpecVersion",
            "CheckTxVersion",
            "CheckGenesis",
            "CheckMortality",
            "CheckNonce",
            "CheckWeight",
            "ChargeTransactionPayment",
            "CheckMetadataHash"
        ]
    );
    let nonce =
        metadata.extrinsic.signed_extensions.iter().find(|e| e.identifier == "CheckNonce").unwrap();
    assert_eq!(fields_of(types, nonce.ty.id).len(), 1, "CheckNonce is a one-field composite");
    let hash_ext = metadata
        .extrinsic
        .signed_extensions
        .iter()
        .find(|e| e.identifier == "CheckMetadataHash")
        .unwrap();
    assert_eq!(fields_of(types, hash_ext.ty.id), ["mode"]);

    let account = pallet("System")
        .storage
        .as_ref()
        .unwrap()
        .entries
        .iter()
        .find(|e| e.name == "Account")
        .unwrap();
    let frame_metadata::v14::StorageEntryType::Map { value, .. } = &account.ty else {
        panic!("map")
    };
    assert_eq!(
        fields_of(types, value.id),
        ["nonce", "consumers", "providers", "sufficients", "data"]
    );
    let data = match &types.resolve(value.id).unwrap().type_def {
        TypeDef::Composite(c) => c.fields[4].ty.id,
        _ => unreachable!(),
    };
    assert_eq!(fields_of(types, data), ["free", "reserved", "frozen", "flags"]);
    assert!(types
        .types
        .iter()
        .any(|t| t.ty.path.segments.join("::") == "sp_runtime::DispatchError"));
    assert!(types
        .types
        .iter()
        .any(|t| t.ty.path.segments.join("::") == "frame_system::EventRecord"));
    assert!(types
        .types
        .iter()
        .any(|t| t.ty.path.segments.join("::") == "sp_core::crypto::AccountId32"));
    let _: &PortableRegistry = types;
    let _ = std::marker::PhantomData::<PortableForm>;
}

#[test]
fn v15_adds_runtime_apis_and_outer_enums() {
    let RuntimeMetadata::V15(metadata) = fetch(15).1 else { panic!("V15 expected") };
    let apis: Vec<_> = metadata.apis.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        apis,
        [
            "Core",
            "Metadata",
            "BlockBuilder",
            "DfsBlockBuilder",
            "TaggedTransactionQueue",
            "DfsTransactionQueue",
            "AccountNonceApi",
            "AuraApi",
            "TransactionPaymentApi",
            "GenesisBuilder"
        ]
    );
    let types = &metadata.types;
    assert_eq!(path_of(types, metadata.outer_enums.call_enum_ty.id), "dfs_runtime::RuntimeCall");
    assert_eq!(path_of(types, metadata.outer_enums.event_enum_ty.id), "dfs_runtime::RuntimeEvent");
    assert_eq!(path_of(types, metadata.outer_enums.error_enum_ty.id), "dfs_runtime::RuntimeError");
    assert_eq!(
        path_of(types, metadata.extrinsic.address_ty.id),
        "sp_runtime::multiaddress::MultiAddress"
    );
    assert!(metadata.pallets.iter().all(|p| p.name != "Balances" || !p.docs.is_empty()));
    assert_eq!(metadata.pallets.len(), 6);
}

#[test]
fn runtime_version_lists_the_apis_under_substrate_ids() {
    let mut chain = Chain::development();
    let version: dfs_runtime_primitives::RuntimeVersion = call(&mut chain.ext, "Core_version", ());
    assert_eq!(version.spec_name, "dfs");
    assert_eq!(version.system_version, 1);
    for (api, (id, _)) in apis::api_metadata().iter().zip(version.apis.iter()) {
        assert_eq!(dfs_core::hashing::blake2_64(api.name.as_bytes()), *id, "{}", api.name);
    }
    assert_eq!(version.apis.len(), 10);
    assert_eq!(
        version.apis.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        [5, 2, 6, 1, 3, 1, 1, 1, 4, 1]
    );
}

#[test]
fn aura_api_reports_the_dev_authority_and_slot_duration() {
    let mut chain = Chain::development();
    let authorities: Vec<dfs_core::AccountId32> = call(&mut chain.ext, "AuraApi_authorities", ());
    assert_eq!(authorities, [dfs_core::pair::dev_account("Alice")]);
    let slot: u64 = call(&mut chain.ext, "AuraApi_slot_duration", ());
    assert_eq!(slot, dfs_runtime::SLOT_DURATION_MS);
}
