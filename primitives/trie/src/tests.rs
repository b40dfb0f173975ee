//! Roots checked against values Substrate, smoldot, gossamer and real chains produce.

use super::*;

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

fn root_hex(version: StateVersion, pairs: &[(&str, &str)]) -> String {
    hex::encode(trie_root(version, pairs.iter().map(|(k, v)| (unhex(k), unhex(v)))).0)
}

#[test]
fn empty_trie_root() {
    let expected = "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314";
    assert_eq!(hex::encode(empty_root().0), expected);
    assert_eq!(root_hex(StateVersion::V1, &[]), expected);
    assert_eq!(hex::encode(ordered_trie_root(StateVersion::V0, Vec::<Vec<u8>>::new()).0), expected);
}

#[test]
fn root_node_encodings_match_substrate() {
    // substrate/primitives/trie tests codec_trie_single_tuple and ..._two_tuples_disjoint_keys.
    let single = LayoutV1::<Blake2Hasher>::trie_root_unhashed(vec![(vec![0xaa], vec![0xbb])]);
    assert_eq!(hex::encode(single), "42aa04bb");
    let two = LayoutV1::<Blake2Hasher>::trie_root_unhashed(vec![
        (vec![0x13, 0x14], vec![0xff]),
        (vec![0x48, 0x19], vec![0xfe]),
    ]);
    assert_eq!(hex::encode(two), "8012001443031404ff1443081904fe");
}

#[test]
fn hashed_value_changes_only_the_v1_root() {
    // gossamer Test_Version_Root: "key3" holds a 39-byte value.
    let pairs = [
        ("6b657931", "76616c756531"),
        ("6b657932", "76616c756532"),
        (
            "6b657933",
            "766572796c6172676576616c7565776974686d6f72657468616e333262797465736c656e677468",
        ),
    ];
    assert_eq!(
        root_hex(StateVersion::V0, &pairs),
        "71052d48704658a8435fb9cbc7ef69c75dad2f64001cb30bfa010f7d609e2657"
    );
    assert_eq!(
        root_hex(StateVersion::V1, &pairs),
        "6a4a732757263bf2bc4e03a341e3f8ea635f78996ec06a6a965d5097a2911c29"
    );
}

#[test]
fn substrate_state_machine_roots() {
    // sp-state-machine basic.rs and testing.rs `commit_should_work` (state version 1).
    let pairs = [
        ("646f65", "7265696e64656572"),
        ("646f67", "7075707079"),
        ("646f67676c6573776f727468", "636174"),
    ];
    assert_eq!(
        root_hex(StateVersion::V1, &pairs),
        "39245109cef3758c2eed2ccba8d9b370a917850af3824bc8348d505df2c298fa"
    );
    let mut with_code = pairs.to_vec();
    with_code.push(("3a636f6465", ""));
    assert_eq!(
        root_hex(StateVersion::V1, &with_code),
        "ed4d8c799d996add422395a6abd7545491d40bd838d738afafa1b8a4de625489"
    );
}

#[test]
fn smoldot_roots() {
    assert_eq!(
        root_hex(
            StateVersion::V1,
            &[
                ("626172", "666f6f"),
                ("626172666f6f", "68656c6c6f"),
                ("616e6f746865726974656d", "616e6f7468657276616c7565"),
            ]
        ),
        "441807c345ca7adf88bd21ab1b3cbadb15616abb89167eb9fe285dd5cecd04c8"
    );
    assert_eq!(
        root_hex(StateVersion::V0, &[("666f6f", "626172"), ("666f6f626172", "62617a")]),
        "a61820b5fba9b01aee10b5bbd84aea80b8230318c5e8ca14b9a4940c76e09815"
    );
}

#[test]
fn the_33_byte_threshold() {
    let value_32: String = (0u8..32).map(|b| format!("{b:02x}")).collect();
    let value_33: String = (0u8..33).map(|b| format!("{b:02x}")).collect();
    let inline = [("01", value_32.as_str())];
    assert_eq!(root_hex(StateVersion::V0, &inline), root_hex(StateVersion::V1, &inline));
    let hashed = [("01", value_33.as_str())];
    assert_ne!(root_hex(StateVersion::V0, &hashed), root_hex(StateVersion::V1, &hashed));
}

#[test]
fn extrinsics_roots_of_real_blocks() {
    // Block bodies of Polkadot #1 and Kusama #3784 with the roots in their headers.
    let polkadot_1 = ["280403000b5095a0517201", "1004140000"];
    let kusama_3784 = [
        "280402000bb00d69b46e01",
        "14040900193b",
        "1004140000",
        "9101041300eaaec5728cd6ea9160ff92a49bb45972c532d2163241746134726aaa5b2f72129d8650715320f23765c6306503669f69bf684b188dea73b1e247dd1dd166513b1c13daa387c35f24ac918d2fa772b73cffd20204a8875e48a1b11bb3229deb7f00",
    ];
    let root = |body: &[&str]| {
        hex::encode(ordered_trie_root(StateVersion::V0, body.iter().map(|x| unhex(x))).0)
    };
    assert_eq!(
        root(&polkadot_1),
        "9a87f6af64ef97aff2d31bebfdd59f8fe2ef6019278b634b2515a38f1c4c2420"
    );
    assert_eq!(
        root(&kusama_3784),
        "52b7d4852fc648cb8f908901e1e36269593c25050c31718454bca74b69115d12"
    );
}

#[test]
fn ordered_root_past_the_one_byte_compact() {
    // Kagome's ordered_trie_hash vectors, then 70 entries so index 64 encodes as 0x0101.
    let root = |values: &[&[u8]]| hex::encode(ordered_trie_root(StateVersion::V0, values).0);
    assert_eq!(
        root(&[b"budgetary management"]),
        "c66a6345c58b3ec0ce9c0a1497553e4078f3d990063ac3e3058db06db358148a"
    );
    assert_eq!(
        root(&[b"Integrated", b"portal"]),
        "ea64d09f9740275ef7faaa3cee5a6a45fc8fe655cf049addbcefa7ba2ba6032d"
    );
    let seventy: Vec<[u8; 1]> = (0u8..70).map(|i| [i]).collect();
    assert_eq!(
        hex::encode(ordered_trie_root(StateVersion::V0, &seventy).0),
        "d847aecca9d0345ab682ac4e90b94c6e9361094089cd60e2c833601cc592af8c"
    );
}

fn sample_entries() -> Vec<(Vec<u8>, Vec<u8>)> {
    // A mix of short and long values under shared prefixes, like storage keys.
    (0u32..300)
        .map(|i| {
            let mut key = dfs_core::hashing::twox_128(b"Pallet").to_vec();
            key.extend_from_slice(&dfs_core::hashing::blake2_128(&i.to_le_bytes()));
            key.extend_from_slice(&i.to_le_bytes());
            let value = vec![i as u8; (i % 70) as usize];
            (key, value)
        })
        .collect()
}

#[test]
fn incremental_updates_reach_the_closed_form_root() {
    let entries = sample_entries();
    let mut db = MemoryDB::default();
    let changes: Vec<(&[u8], Option<&[u8]>)> =
        entries.iter().map(|(k, v)| (&k[..], Some(&v[..]))).collect();
    let root = apply_changes(&mut db, StateVersion::V1, empty_root(), changes).unwrap();
    assert_eq!(root, trie_root(StateVersion::V1, entries.clone()));

    // Delete every third entry and change others; the result matches a fresh build.
    let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = entries.iter().cloned().collect();
    let mut edits: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
    for (index, (key, _)) in entries.iter().enumerate() {
        if index % 3 == 0 {
            expected.remove(key);
            edits.push((key.clone(), None));
        } else if index % 3 == 1 {
            let value = vec![0xee; index % 50];
            expected.insert(key.clone(), value.clone());
            edits.push((key.clone(), Some(value)));
        }
    }
    let root = apply_changes(
        &mut db,
        StateVersion::V1,
        root,
        edits.iter().map(|(k, v)| (&k[..], v.as_deref())),
    )
    .unwrap();
    assert_eq!(root, trie_root(StateVersion::V1, expected.clone()));
    for (key, value) in &expected {
        assert_eq!(read_value(&db, &root, key).unwrap().as_ref(), Some(value));
    }

    // Deleting everything returns to the empty root.
    let root =
        apply_changes(&mut db, StateVersion::V1, root, expected.keys().map(|k| (&k[..], None)))
            .unwrap();
    assert_eq!(root, empty_root());
}

#[test]
fn read_proofs_prove_presence_and_absence() {
    let entries = sample_entries();
    let mut db = MemoryDB::default();
    let root = apply_changes(
        &mut db,
        StateVersion::V1,
        empty_root(),
        entries.iter().map(|(k, v)| (&k[..], Some(&v[..]))),
    )
    .unwrap();
    let present = &entries[7];
    let long = &entries[69]; // a 69-byte value, stored as its own node under V1
    let absent = b"no such key".to_vec();
    let keys: [&[u8]; 3] = [&present.0, &long.0, &absent];
    let proof = read_proof(&db, &root, keys).unwrap();

    assert_eq!(verify_read_proof(&root, &proof, &present.0).unwrap(), Some(present.1.clone()));
    assert_eq!(verify_read_proof(&root, &proof, &long.0).unwrap(), Some(long.1.clone()));
    assert_eq!(verify_read_proof(&root, &proof, &absent).unwrap(), None);
    // A key whose path is not in the proof cannot be answered.
    assert!(verify_read_proof(&root, &proof, &entries[200].0).is_err());
    // Against another root the proof proves nothing.
    assert!(verify_read_proof(&empty_root_of_other(), &proof, &present.0).is_err());
}

fn empty_root_of_other() -> H256 {
    trie_root(StateVersion::V1, [(b"x".to_vec(), b"y".to_vec())])
}

#[test]
fn corrupt_nodes_are_errors_not_panics() {
    use trie_db::NodeCodec as _;
    // Deterministic pseudo-random bytes: every decode either succeeds or reports an error.
    let mut state = 0x1234_5678_9abc_def0u64;
    for len in 0..200usize {
        for _ in 0..50 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let _ = NodeCodec::<Blake2Hasher>::decode_plan(&bytes);
        }
    }
    // A branch with an empty bitmap and a leaf with a non-zero pad nibble are refused.
    assert!(NodeCodec::<Blake2Hasher>::decode_plan(&[0x80, 0x00, 0x00]).is_err());
    assert!(NodeCodec::<Blake2Hasher>::decode_plan(&[0x41, 0x1f, 0x00]).is_err());
    // A truncated leaf.
    assert!(NodeCodec::<Blake2Hasher>::decode_plan(&[0x42, 0xaa, 0x08, 0x01]).is_err());
}
