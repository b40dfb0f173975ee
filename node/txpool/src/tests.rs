//! The pool's rules against an in-memory chain ([`crate::test_utils`]), each test ending
//! with the pool's invariants checked.

use std::sync::Arc;

use dfs_core::H256;
use dfs_runtime_primitives::{InvalidTransaction, TransactionSource};
use proptest::prelude::*;
use tokio::sync::mpsc;

use crate::{
    metrics::PoolMetrics,
    test_utils::{TestApi, TestTx},
    Pool, PoolError, PoolLimits, TxStatus,
};

fn limits(ready: usize, future: usize) -> PoolLimits {
    PoolLimits {
        ready_count: ready,
        ready_bytes: 1 << 20,
        future_count: future,
        future_bytes: 1 << 20,
        max_transaction_bytes: 64 << 10,
        banned_count: 1_000,
    }
}

fn pool(api: &Arc<TestApi>, limits: PoolLimits) -> Pool {
    Pool::new(api.clone(), limits, PoolMetrics::default())
}

fn submit(pool: &Pool, txs: &[TestTx]) -> Vec<Result<H256, PoolError>> {
    pool.submit_many(TransactionSource::External, txs.iter().map(|tx| (tx.bytes(), None)).collect())
}

/// Submits `tx` with a watcher: the pool's answer, and what the watcher hears.
fn submit_watched(
    pool: &Pool,
    tx: &TestTx,
) -> (Result<H256, PoolError>, mpsc::UnboundedReceiver<TxStatus>) {
    let (watch, statuses) = mpsc::unbounded_channel();
    let mut results =
        pool.submit_many(TransactionSource::External, vec![(tx.bytes(), Some(watch))]);
    (results.remove(0), statuses)
}

fn submit_one(pool: &Pool, tx: &TestTx) -> Result<H256, PoolError> {
    submit(pool, std::slice::from_ref(tx)).remove(0)
}

/// Builds a block from the ready transactions (as the author does), tells the pool of the
/// invalid ones, and lets the pool catch up with the new block.
fn author_block(api: &TestApi, pool: &Pool) -> (usize, Vec<H256>) {
    use crate::ChainApi;
    let parent = api.best();
    let ready: Vec<Vec<u8>> = pool.ready().iter().map(|tx| tx.bytes.clone()).collect();
    let (block, invalid) = api.build(&ready);
    pool.report_invalid(parent, &invalid);
    let invalid = invalid.into_iter().map(|(hash, _)| hash).collect();
    pool.catch_up();
    assert_eq!(pool.maintained(), block);
    let included = api.block_body(&block.hash).unwrap().unwrap_or_default().len();
    (included, invalid)
}

fn ready_of(pool: &Pool, sender: u8) -> usize {
    pool.ready()
        .iter()
        .filter(|tx| {
            codec::Decode::decode(&mut &tx.bytes[1..]).is_ok_and(|t: TestTx| t.sender == sender)
        })
        .count()
}

#[test]
fn dependent_transactions_wait_for_their_requirements_and_are_ordered_after_them() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    // Nonce 1 first: it waits; nonce 0 makes both ready.
    submit_one(&pool, &TestTx::new(1, 1).tip(50)).unwrap();
    assert_eq!((pool.ready_count(), pool.future_count()), (0, 1));
    submit_one(&pool, &TestTx::new(1, 0)).unwrap();
    assert_eq!((pool.ready_count(), pool.future_count()), (2, 0));
    let order: Vec<H256> = pool.ready().iter().map(|tx| tx.hash).collect();
    assert_eq!(order, [TestTx::new(1, 0).hash(), TestTx::new(1, 1).tip(50).hash()]);
    let (included, _) = author_block(&api, &pool);
    assert_eq!(included, 2);
    assert_eq!(pool.ready_count() + pool.future_count(), 0);
    pool.check_invariants();
}

#[test]
fn an_account_that_spends_its_balance_leaves_nothing_ready_and_honest_ones_get_in() {
    // The attack: one account submits nonces 0..=k, nonce 0 moves most of its balance away,
    // nonce 1 carries a tip it can no longer pay. All were valid when submitted, and they
    // fill the pool.
    let k = 20u32;
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(k as usize + 1, 5));
    let mut attack = vec![TestTx::new(1, 0).spend(990)];
    attack.push(TestTx::new(1, 1).tip(100));
    attack.extend((2..=k).map(|nonce| TestTx::new(1, nonce).tip(100)));
    assert!(submit(&pool, &attack).iter().all(Result::is_ok));
    assert_eq!(pool.ready_count(), k as usize + 1);
    // The pool is full of the attacker's better-paying transactions: an honest one with no
    // tip cannot get in yet.
    let honest = TestTx::new(2, 0);
    assert!(matches!(submit_one(&pool, &honest), Err(PoolError::ImmediatelyDropped(_))));

    // The next block includes nonce 0; nonce 1 cannot pay and is invalid, and everything
    // after it depended on it.
    let (included, invalid) = author_block(&api, &pool);
    assert_eq!(included, 1);
    assert_eq!(invalid, [attack[1].hash()]);
    assert_eq!(ready_of(&pool, 1), 0, "nothing of the attacker stays ready");
    assert_eq!(pool.ready_count() + pool.future_count(), 0, "nor waits");
    // Honest submissions get in, and into the next block.
    submit_one(&pool, &honest).unwrap();
    submit_one(&pool, &TestTx::new(2, 1)).unwrap();
    assert_eq!(author_block(&api, &pool).0, 2);
    pool.check_invariants();
}

#[test]
fn a_stale_report_retires_the_transaction_and_keeps_its_dependents() {
    use crate::ChainApi;
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let chain: Vec<TestTx> = (0..3).map(|nonce| TestTx::new(1, nonce)).collect();
    assert!(submit(&pool, &chain).iter().all(Result::is_ok));
    // Another author's block includes nonce 0 before this pool has caught up with it; the
    // local author, building on that block, finds nonce 0 stale. Its dependents are still
    // good: the chain provides what they wait for.
    let (block, _) = api.build(&[chain[0].bytes()]);
    pool.report_invalid(block, &[(chain[0].hash(), InvalidTransaction::Stale)]);
    assert_eq!((pool.ready_count(), pool.future_count()), (2, 0));
    pool.check_invariants();
    pool.catch_up();
    assert_eq!(api.best(), pool.maintained());
    assert_eq!(author_block(&api, &pool).0, 2, "nonces 1 and 2 go into the next block");
    assert_eq!(pool.ready_count() + pool.future_count(), 0);
    // A transaction that cannot pay takes its dependents with it.
    let broke: Vec<TestTx> = (3..5).map(|nonce| TestTx::new(1, nonce)).collect();
    assert!(submit(&pool, &broke).iter().all(Result::is_ok));
    pool.report_invalid(api.best(), &[(broke[0].hash(), InvalidTransaction::Payment)]);
    assert_eq!(pool.ready_count() + pool.future_count(), 0);
    pool.check_invariants();
}

#[test]
fn revalidation_removes_the_invalid_with_their_dependents() {
    let api = TestApi::new(&[(1, 10), (2, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let chain: Vec<TestTx> = (0..5).map(|nonce| TestTx::new(1, nonce).tip(5)).collect();
    assert!(submit(&pool, &chain).iter().all(Result::is_ok));
    // Another node's block spends the account's balance: the pool's first transaction can
    // no longer pay, and neither can anything that waited on it.
    let spender = TestTx::new(1, 0).spend(8);
    let (block, invalid) = api.build(&[spender.bytes()]);
    assert!(invalid.is_empty());
    pool.catch_up();
    assert_eq!(pool.maintained(), block);
    // The stale nonce 0 left at inclusion; nonces 1..5 failed revalidation (no balance for
    // their fee) and went, dependents with them.
    assert_eq!(pool.ready_count() + pool.future_count(), 0);
    pool.check_invariants();
}

#[test]
fn expired_transactions_leave_with_their_dependents() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    // Nonce 1 waits for nonce 0 (not submitted); nonce 2 depends on nonce 1.
    submit_one(&pool, &TestTx::new(1, 1).longevity(1)).unwrap();
    submit_one(&pool, &TestTx::new(1, 2)).unwrap();
    assert_eq!(pool.future_count(), 2);
    for _ in 0..2 {
        author_block(&api, &pool);
    }
    assert_eq!(pool.ready_count() + pool.future_count(), 0);
    pool.check_invariants();
}

#[test]
fn promotion_never_overfills_the_ready_queue_and_loses_nothing() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(2, 10));
    // Sender 1's nonces 1 and 2 wait for nonce 0; sender 2 has one ready.
    let waiting = [TestTx::new(1, 1).tip(9), TestTx::new(1, 2).tip(9)];
    assert!(submit(&pool, &waiting).iter().all(Result::is_ok));
    let other = TestTx::new(2, 0).tip(5);
    submit_one(&pool, &other).unwrap();
    // Nonce 0 fits the ready queue, and meets what the waiting ones require, but the ready
    // queue has no room for them: they wait, rather than overfill it and be evicted with
    // the nonce that opened them (which would leave sender 1's later nonces dead).
    let opener = TestTx::new(1, 0).tip(1);
    submit_one(&pool, &opener).unwrap();
    assert_eq!((pool.ready_count(), pool.future_count()), (2, 2));
    pool.check_invariants();
    // A block takes the ready ones: the waiting ones follow, in order, in the next blocks.
    let (included, _) = author_block(&api, &pool);
    assert_eq!(included, 2);
    assert_eq!((pool.ready_count(), pool.future_count()), (2, 0));
    assert_eq!(author_block(&api, &pool).0, 2);
    assert_eq!(pool.ready_count() + pool.future_count(), 0);
    pool.check_invariants();
}

#[test]
fn a_full_pool_evicts_its_lowest_priority_for_a_better_newcomer() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000), (3, 1_000), (4, 1_000), (5, 1_000)]);
    let pool = pool(&api, limits(4, 2));
    let (low, mid, high) =
        (TestTx::new(1, 0).tip(1), TestTx::new(2, 0).tip(5), TestTx::new(3, 0).tip(9));
    let dependent = TestTx::new(1, 1).tip(1);
    assert!(submit(&pool, &[low.clone(), mid.clone(), high.clone()]).iter().all(Result::is_ok));
    let (result, mut statuses) = submit_watched(&pool, &dependent);
    assert!(result.is_ok());
    assert_eq!(pool.ready_count(), 4);
    // A better newcomer: the worst goes (the lowest priority, the newest among equals).
    submit_one(&pool, &TestTx::new(4, 0).tip(6)).unwrap();
    assert!(!pool.contains(&dependent.hash()) && pool.contains(&low.hash()));
    let heard: Vec<TxStatus> = std::iter::from_fn(|| statuses.try_recv().ok()).collect();
    assert_eq!(heard, [TxStatus::Ready, TxStatus::Dropped]);
    // Another: the next worst goes.
    submit_one(&pool, &TestTx::new(5, 0).tip(7)).unwrap();
    assert!(!pool.contains(&low.hash()));
    assert!(pool.contains(&mid.hash()) && pool.contains(&high.hash()));
    // A newcomer paying no more than the worst is refused, and nothing changes.
    let worse = TestTx::new(1, 0).tip(5);
    assert!(matches!(submit_one(&pool, &worse), Err(PoolError::ImmediatelyDropped(_))));
    assert_eq!(pool.ready_count(), 4);
    pool.check_invariants();
}

#[test]
fn evicting_a_transaction_takes_what_depends_on_it() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(3, 2));
    // Account 1's nonce 0 pays least; its nonces 1 and 2 pay more but need it.
    let chain = [TestTx::new(1, 0), TestTx::new(1, 1).tip(8), TestTx::new(1, 2).tip(8)];
    assert!(submit(&pool, &chain).iter().all(Result::is_ok));
    submit_one(&pool, &TestTx::new(2, 0).tip(1)).unwrap();
    for tx in &chain {
        assert!(!pool.contains(&tx.hash()), "the whole chain left with its root");
    }
    assert_eq!(pool.ready_count(), 1);
    pool.check_invariants();
}

#[test]
fn a_newcomer_never_evicts_what_it_depends_on() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(2, 2));
    submit_one(&pool, &TestTx::new(1, 0).tip(1)).unwrap();
    submit_one(&pool, &TestTx::new(2, 0).tip(3)).unwrap();
    // Nonce 1 of account 1 pays better than everything but needs nonce 0, the worst: the
    // other transaction (tip 3 < 7) is evicted instead.
    submit_one(&pool, &TestTx::new(1, 1).tip(7)).unwrap();
    assert!(pool.contains(&TestTx::new(1, 0).tip(1).hash()));
    assert!(!pool.contains(&TestTx::new(2, 0).tip(3).hash()));
    assert_eq!(pool.ready_count(), 2);
    pool.check_invariants();
}

#[test]
fn a_replacement_checks_room_before_removing_what_it_replaces() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let mut limits = limits(10, 10);
    let old = TestTx::new(1, 0).tip(1).padded(100);
    let other = TestTx::new(2, 0).tip(50).padded(100);
    limits.ready_bytes = old.bytes().len() + other.bytes().len() + 10;
    let pool = pool(&api, limits);
    submit_one(&pool, &old).unwrap();
    submit_one(&pool, &other).unwrap();
    // Pays more than the one it replaces, but is too large to fit even once that one goes,
    // and the other transaction pays more: refused, and the old one stays.
    let replacement = TestTx::new(1, 0).tip(2).padded(400);
    assert!(matches!(submit_one(&pool, &replacement), Err(PoolError::ImmediatelyDropped(_))));
    assert!(pool.contains(&old.hash()));
    // One that fits replaces it.
    let fitting = TestTx::new(1, 0).tip(2).padded(100);
    submit_one(&pool, &fitting).unwrap();
    assert!(!pool.contains(&old.hash()) && pool.contains(&fitting.hash()));
    // Paying the same as what it would replace is not enough.
    assert!(matches!(
        submit_one(&pool, &TestTx::new(1, 0).tip(2).padded(10)),
        Err(PoolError::TooLowPriority { old: 2, new: 2 })
    ));
    pool.check_invariants();
}

#[test]
fn one_failing_transaction_in_a_batch_fails_alone() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let mut batch: Vec<TestTx> = (0..9).map(|nonce| TestTx::new(1, nonce)).collect();
    batch.insert(4, TestTx::new(2, 0).poisoned());
    // And one too large for the pool, and bytes that are no extrinsic.
    let mut submissions: Vec<_> = batch.iter().map(|tx| (tx.bytes(), None)).collect();
    submissions.push((TestTx::new(2, 1).padded(100 << 10).bytes(), None));
    submissions.push((vec![0xff, 0xff, 0xff], None));
    let results = pool.submit_many(TransactionSource::External, submissions);
    assert!(matches!(results[4], Err(PoolError::Runtime(_))), "{:?}", results[4]);
    assert!(matches!(results[10], Err(PoolError::ImmediatelyDropped(_))));
    assert!(matches!(results[11], Err(PoolError::Runtime(_))));
    let admitted = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(admitted, 9, "{results:?}");
    // The culprit is banned.
    assert_eq!(submit_one(&pool, &batch[4]), Err(PoolError::Banned));
    pool.check_invariants();
}

#[test]
fn the_ban_list_is_bounded() {
    let api = TestApi::new(&[]);
    let mut limits = limits(10, 10);
    limits.banned_count = 50;
    let pool = pool(&api, limits);
    // Accounts without balance: every one invalid, every one banned.
    let txs: Vec<TestTx> = (0..200).map(|nonce| TestTx::new(9, nonce)).collect();
    let results = submit(&pool, &txs);
    assert!(results
        .iter()
        .all(|r| matches!(r, Err(PoolError::Invalid(InvalidTransaction::Payment)))));
    // The newest are remembered, the oldest forgotten (and validated again, in vain).
    assert_eq!(submit_one(&pool, &txs[199]), Err(PoolError::Banned));
    assert!(matches!(submit_one(&pool, &txs[0]), Err(PoolError::Invalid(_))));
    pool.check_invariants();
}

#[test]
fn watchers_of_gone_clients_are_forgotten() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    // Waits in the future queue, perhaps for ever.
    let (_, statuses) = submit_watched(&pool, &TestTx::new(1, 5));
    assert_eq!(pool.watcher_count(), 1);
    drop(statuses);
    pool.forget_closed_watchers();
    assert_eq!(pool.watcher_count(), 0);
    pool.check_invariants();
}

#[test]
fn watchers_hear_in_block_then_finalized() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let (_, mut statuses) = submit_watched(&pool, &TestTx::new(1, 0));
    author_block(&api, &pool);
    let block = pool.maintained();
    pool.finalize_block(block);
    assert_eq!(
        heard(&mut statuses),
        [TxStatus::Ready, TxStatus::InBlock(block.hash), TxStatus::Finalized(block.hash)]
    );
    assert_eq!(pool.watcher_count(), 0);
}

#[test]
fn retracted_blocks_give_their_transactions_back() {
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let (a, b) = (TestTx::new(1, 0), TestTx::new(2, 0));
    let genesis = pool.maintained();
    submit(&pool, &[a.clone(), b.clone()]);
    author_block(&api, &pool);
    assert_eq!(pool.ready_count(), 0);
    // A heavier fork from genesis that holds only b: a comes back, b does not.
    let (fork1, _) = api.build_on(genesis.hash, &[b.bytes()]);
    let (fork2, _) = api.build_on(fork1.hash, &[]);
    api.set_best(fork2);
    pool.catch_up();
    assert!(pool.contains(&a.hash()), "a is back");
    assert!(!pool.contains(&b.hash()));
    assert_eq!(pool.ready_count(), 1);
    pool.check_invariants();
}

fn heard(statuses: &mut mpsc::UnboundedReceiver<TxStatus>) -> Vec<TxStatus> {
    std::iter::from_fn(|| statuses.try_recv().ok()).collect()
}

#[test]
fn a_retracted_transaction_that_cannot_come_back_ends_its_watch() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let genesis = pool.maintained();
    let mine = TestTx::new(1, 0);
    let (_, mut statuses) = submit_watched(&pool, &mine);
    author_block(&api, &pool);
    let block = pool.maintained();
    // A heavier fork spends the same nonce with another transaction: ours is retracted and
    // cannot come back (stale), and its watcher hears so.
    let (fork1, _) = api.build_on(genesis.hash, &[TestTx::new(1, 0).tip(1).bytes()]);
    let (fork2, _) = api.build_on(fork1.hash, &[]);
    api.set_best(fork2);
    pool.catch_up();
    assert!(!pool.contains(&mine.hash()));
    assert_eq!(
        heard(&mut statuses),
        [
            TxStatus::Ready,
            TxStatus::InBlock(block.hash),
            TxStatus::Retracted(block.hash),
            TxStatus::Invalid
        ]
    );
    assert_eq!(pool.watcher_count(), 0);
    pool.check_invariants();
}

#[test]
fn a_stale_transaction_is_not_banned_and_comes_back_if_its_block_is_retracted() {
    use crate::ChainApi;
    let api = TestApi::new(&[(1, 1_000), (2, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let genesis = pool.maintained();
    let tx = TestTx::new(1, 0);
    submit_one(&pool, &tx).unwrap();
    // Block 1 holds it before the pool has seen block 1; the author building on it finds it
    // stale and retires it.
    let (block, _) = api.build(&[tx.bytes()]);
    pool.report_invalid(block, &[(tx.hash(), InvalidTransaction::Stale)]);
    pool.catch_up();
    assert_eq!(pool.maintained(), api.best());
    // A heavier fork without it: it comes back from the retracted block, not banned.
    let (fork1, _) = api.build_on(genesis.hash, &[TestTx::new(2, 0).bytes()]);
    let (fork2, _) = api.build_on(fork1.hash, &[]);
    api.set_best(fork2);
    pool.catch_up();
    assert!(pool.contains(&tx.hash()), "back in the pool");
    assert_eq!(pool.ready_count(), 1);
    pool.check_invariants();
}

#[test]
fn watchers_of_blocks_never_finalized_hear_finality_timeout() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let (_, mut statuses) = submit_watched(&pool, &TestTx::new(1, 0));
    author_block(&api, &pool);
    let block = pool.maintained();
    // No finality: after 512 more blocks the watch ends.
    for _ in 0..511 {
        author_block(&api, &pool);
    }
    assert_eq!(pool.watcher_count(), 1, "still waiting 511 blocks on");
    author_block(&api, &pool);
    assert_eq!(
        heard(&mut statuses),
        [TxStatus::Ready, TxStatus::InBlock(block.hash), TxStatus::FinalityTimeout(block.hash)]
    );
    assert_eq!(pool.watcher_count(), 0);
}

#[test]
fn a_future_transaction_whose_requirement_the_pool_missed_is_promoted_at_revalidation() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let waiting = TestTx::new(1, 1);
    submit_one(&pool, &waiting).unwrap();
    assert_eq!(pool.future_count(), 1);
    // Nonce 0 goes in on another node, then 70 blocks more: the pool catches up with the
    // newest 64 only, and never sees the block that met nonce 1's requirement.
    api.build(&[TestTx::new(1, 0).bytes()]);
    for _ in 0..70 {
        api.build(&[]);
    }
    pool.catch_up();
    assert_eq!((pool.ready_count(), pool.future_count()), (1, 0), "revalidated and ready");
    assert_eq!(author_block(&api, &pool).0, 1);
    pool.check_invariants();
}

#[tokio::test]
async fn the_pool_follows_chain_events_and_the_author_can_wait_for_it() {
    use dfs_chain::{BlockOrigin, ChainEvent};
    use dfs_runtime_primitives::generic::Header;
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = Arc::new(pool(&api, limits(100, 10)));
    let (events, receiver) = tokio::sync::broadcast::channel(16);
    tokio::spawn(crate::maintain::run(pool.clone(), receiver));
    submit_one(&pool, &TestTx::new(1, 0)).unwrap();
    let ready: Vec<Vec<u8>> = pool.ready().iter().map(|tx| tx.bytes.clone()).collect();
    let (block, _) = api.build(&ready);
    let header = Header {
        parent_hash: H256::default(),
        number: block.number,
        state_root: H256::default(),
        extrinsics_root: H256::default(),
        digest: Default::default(),
    };
    events
        .send(ChainEvent::Imported {
            block,
            header: Arc::new(header),
            origin: BlockOrigin::Own,
            is_best: true,
            reorg: None,
            changed_keys: Arc::new(vec![]),
        })
        .unwrap();
    assert!(pool.wait_maintained(&block.hash, std::time::Duration::from_secs(5)).await);
    assert_eq!(pool.ready_count(), 0);
}

#[derive(Debug, Clone)]
enum Op {
    Submit { sender: u8, nonce: u32, tip: u64, spend: u64, longevity: u64 },
    Block,
    Reorg,
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..4, 0u32..6, 0u64..20, 0u64..400, 1u64..6).prop_map(|(sender, nonce, tip, spend, longevity)| Op::Submit { sender, nonce, tip, spend, longevity }),
        2 => Just(Op::Block),
        1 => Just(Op::Reorg),
        1 => (0usize..50).prop_map(Op::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random submissions, blocks (with their invalid transactions reported), reorganisations
    /// and removals keep every index consistent, every ready transaction's requirements met,
    /// and the limits held.
    #[test]
    fn random_operations_keep_the_pool_s_invariants(ops in proptest::collection::vec(op(), 1..80)) {
        let api = TestApi::new(&[(0, 500), (1, 500), (2, 500), (3, 500)]);
        let pool = pool(&api, limits(8, 4));
        let mut blocks = vec![pool.maintained()];
        for op in ops {
            match op {
                Op::Submit { sender, nonce, tip, spend, longevity } => {
                    let tx = TestTx::new(sender, nonce).tip(tip).spend(spend).longevity(longevity);
                    let _ = submit_one(&pool, &tx);
                }
                Op::Block => {
                    author_block(&api, &pool);
                    blocks.push(pool.maintained());
                }
                Op::Reorg => {
                    // A fork two blocks long from the grandparent of the best block.
                    let base = blocks[blocks.len().saturating_sub(3)];
                    let (one, _) = api.build_on(base.hash, &[]);
                    let (two, _) = api.build_on(one.hash, &[]);
                    if two.number > pool.maintained().number {
                        api.set_best(two);
                        pool.catch_up();
                        blocks.push(two);
                    }
                }
                Op::Remove(index) => {
                    let ready = pool.ready();
                    if let Some(tx) = ready.get(index % ready.len().max(1)) {
                        pool.remove(&[tx.hash]);
                    }
                }
            }
            pool.check_invariants();
        }
    }
}

#[test]
fn pending_is_bounded_by_count_and_bytes() {
    let api = TestApi::new(&[(1, 1_000)]);
    let pool = pool(&api, limits(100, 10));
    let txs: Vec<TestTx> = (0..10).map(|nonce| TestTx::new(1, nonce).padded(100)).collect();
    assert!(submit(&pool, &txs).iter().all(Result::is_ok));
    let size = txs[0].bytes().len();
    assert_eq!(pool.pending(100, 100 * size), (txs.iter().map(TestTx::bytes).collect(), false));
    let (some, truncated) = pool.pending(4, usize::MAX);
    assert_eq!((some.len(), truncated), (4, true));
    let (some, truncated) = pool.pending(100, 3 * size + 1);
    assert_eq!((some.len(), truncated), (3, true));
}
