//! `TaggedTransactionQueue_validate_transaction`: each kind of bad transaction gets its
//! specific `TransactionValidityError`.

use codec::{Decode, Encode};
use dfs_core::{pair::dev_sr25519, H256};
use dfs_runtime::UNIT;
use dfs_runtime_primitives::{
    InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
};

use crate::chain::*;

fn validate(chain: &mut Chain, extrinsic: &[u8]) -> TransactionValidity {
    // (source, extrinsic, block hash): the extrinsic is passed in its own encoding.
    let mut args = TransactionSource::External.encode();
    args.extend_from_slice(extrinsic);
    args.extend_from_slice(&chain.best.hash().0);
    let output = chain
        .ext
        .execute_with(|| {
            dfs_runtime::apis::call("TaggedTransactionQueue_validate_transaction", &args)
        })
        .expect("validate_transaction answers");
    TransactionValidity::decode(&mut &output[..]).unwrap()
}

fn invalid(error: InvalidTransaction) -> TransactionValidity {
    Err(TransactionValidityError::Invalid(error))
}

fn setup() -> (Chain, SigningContext) {
    let mut chain = Chain::development();
    chain.start_block(1_000);
    chain.finish_block();
    let context = context_of(&chain);
    (chain, context)
}

#[test]
fn a_good_transaction_is_valid_and_ordered_by_nonce() {
    let (mut chain, context) = setup();
    let alice = dev_sr25519("Alice");
    let call = transfer_keep_alive(&dev_sr25519("Bob").account_id(), UNIT);
    let valid =
        validate(&mut chain, &sign_like_polkadot_js(&alice, &context, &call, 0, 0)).unwrap();
    assert_eq!(valid.provides, vec![(alice.account_id(), 0u32).encode()]);
    assert!(valid.requires.is_empty());
    assert!(valid.longevity > 0 && valid.propagate);
    // A future nonce is valid but waits for its predecessor in the pool...
    let future =
        validate(&mut chain, &sign_like_polkadot_js(&alice, &context, &call, 5, 0)).unwrap();
    assert_eq!(future.requires, vec![(alice.account_id(), 4u32).encode()]);
    // ...and cannot be applied yet.
    chain.start_block(7_000);
    let early = sign_like_polkadot_js(&alice, &context, &call, 5, 0);
    assert_eq!(chain.apply(&early), Err(InvalidTransaction::Future.into()));
}

#[test]
fn malformed_bytes_are_invalid_calls() {
    let (mut chain, _) = setup();
    // Well framed, nonsense inside: an unknown version byte, a truncated body, garbage.
    assert_eq!(validate(&mut chain, &[0x08, 0x05, 0x00]), invalid(InvalidTransaction::Call));
    assert_eq!(
        validate(&mut chain, &[0x10, 0x84, 0x00, 0x01, 0x02]),
        invalid(InvalidTransaction::Call)
    );
    assert_eq!(validate(&mut chain, &[0x0c, 0x04, 0xff, 0xff]), invalid(InvalidTransaction::Call));
}

#[test]
fn a_bad_signature_is_a_bad_proof() {
    let (mut chain, context) = setup();
    let alice = dev_sr25519("Alice");
    let call = transfer_keep_alive(&dev_sr25519("Bob").account_id(), UNIT);
    let mut extrinsic = sign_like_polkadot_js(&alice, &context, &call, 0, 0);
    // The signature starts after prefix (2), version (1), address (33) and tag (1).
    extrinsic[2 + 1 + 33 + 1 + 10] ^= 0x01;
    assert_eq!(validate(&mut chain, &extrinsic), invalid(InvalidTransaction::BadProof));
}

#[test]
fn a_wrong_genesis_or_spec_version_is_a_bad_proof() {
    let (mut chain, context) = setup();
    let alice = dev_sr25519("Alice");
    let call = transfer_keep_alive(&dev_sr25519("Bob").account_id(), UNIT);
    let other_chain = SigningContext { genesis_hash: H256([7; 32]), ..context };
    let extrinsic = sign_like_polkadot_js(&alice, &other_chain, &call, 0, 0);
    assert_eq!(validate(&mut chain, &extrinsic), invalid(InvalidTransaction::BadProof));
    let context = context_of(&chain);
    let old_runtime = SigningContext { spec_version: context.spec_version - 1, ..context };
    let extrinsic = sign_like_polkadot_js(&alice, &old_runtime, &call, 0, 0);
    assert_eq!(validate(&mut chain, &extrinsic), invalid(InvalidTransaction::BadProof));
}

#[test]
fn a_used_nonce_is_stale() {
    let (mut chain, context) = setup();
    let alice = dev_sr25519("Alice");
    let call = transfer_keep_alive(&dev_sr25519("Bob").account_id(), UNIT);
    let first = sign_like_polkadot_js(&alice, &context, &call, 0, 0);
    chain.start_block(7_000);
    assert_eq!(chain.apply(&first), Ok(Ok(())));
    chain.finish_block();
    assert_eq!(validate(&mut chain, &first), invalid(InvalidTransaction::Stale));
}

#[test]
fn an_unpayable_fee_is_payment() {
    let (mut chain, context) = setup();
    let alice = dev_sr25519("Alice");
    // Nobody funded Zed: nothing to pay with.
    let zed = dev_sr25519("Zed");
    let call = transfer_keep_alive(&alice.account_id(), 1);
    assert_eq!(
        validate(&mut chain, &sign_like_polkadot_js(&zed, &context, &call, 0, 0)),
        invalid(InvalidTransaction::Payment)
    );
    // Funded, but a tip larger than the balance.
    let bob = dev_sr25519("Bob");
    let tip = dfs_runtime::genesis::DEV_ENDOWMENT;
    assert_eq!(
        validate(&mut chain, &sign_like_polkadot_js(&bob, &context, &call, 0, tip)),
        invalid(InvalidTransaction::Payment)
    );
}

#[test]
fn inherents_are_not_for_the_pool() {
    let (mut chain, _) = setup();
    let inherent = dfs_runtime::UncheckedExtrinsic::new_unsigned(
        dfs_runtime::RuntimeCall::Timestamp(dfs_pallet_timestamp::Call::set { now: 99_999 }),
    );
    assert_eq!(
        validate(&mut chain, &inherent.encode()),
        invalid(InvalidTransaction::MandatoryValidation)
    );
}

#[test]
fn validating_many_at_once_answers_as_one_by_one() {
    // A good transaction, the next nonce (future), a corrupted signature, malformed bytes:
    // `DfsTransactionQueue_validate_transactions` gives each the answer it gets alone, and
    // none sees another (the second stays future although the first precedes it).
    let (mut chain, context) = setup();
    let alice = dev_sr25519("Alice");
    let bob = dev_sr25519("Bob").account_id();
    let mut corrupted =
        sign_like_polkadot_js(&alice, &context, &transfer_keep_alive(&bob, UNIT), 0, 0);
    let inside_signature = corrupted.len() - 10;
    corrupted[inside_signature] ^= 1;
    let transactions = vec![
        sign_like_polkadot_js(&alice, &context, &transfer_keep_alive(&bob, UNIT), 0, 0),
        sign_like_polkadot_js(&alice, &context, &transfer_keep_alive(&bob, UNIT), 1, 0),
        corrupted,
        vec![8, 1, 2],
    ];
    let one_by_one: Vec<TransactionValidity> =
        transactions.iter().map(|tx| validate(&mut chain, tx)).collect();
    assert!(one_by_one[0].is_ok() && one_by_one[1].is_ok());
    assert!(one_by_one[0].as_ref().unwrap().requires.is_empty());
    assert!(!one_by_one[1].as_ref().unwrap().requires.is_empty(), "nonce 1 waits for nonce 0");
    assert_eq!(one_by_one[2], invalid(InvalidTransaction::BadProof));
    assert!(one_by_one[3].is_err());

    let mut args = TransactionSource::External.encode();
    codec::Compact(transactions.len() as u32).encode_to(&mut args);
    for tx in &transactions {
        args.extend_from_slice(tx);
    }
    args.extend_from_slice(&chain.best.hash().0);
    let output = chain
        .ext
        .execute_with(|| {
            dfs_runtime::apis::call("DfsTransactionQueue_validate_transactions", &args)
        })
        .unwrap();
    assert_eq!(Vec::<TransactionValidity>::decode(&mut &output[..]).unwrap(), one_by_one);
}
