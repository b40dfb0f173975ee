//! An in-memory chain for the pool's tests: accounts with nonces and balances, blocks that
//! apply transactions the way the runtime does (nonce, fee, spend), forks, and validation
//! with the runtime's tags (`provides (sender, nonce)`, `requires (sender, nonce - 1)`).
//!
//! A transaction is a SCALE [`TestTx`] wrapped as an extrinsic (a length-prefixed byte
//! vector). Validation charges the fee (1 + tip) but not the spend, as a real fee check
//! does: that is what lets an account promise more than it can pay.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use codec::{Decode, Encode};
use dfs_chain::{BlockRef, TreeRoute};
use dfs_core::H256;
use dfs_runtime_primitives::{
    InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
    ValidTransaction,
};

use crate::{ApiError, ChainApi};

/// A test transaction.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct TestTx {
    /// The sending account.
    pub sender: u8,
    /// Its nonce.
    pub nonce: u32,
    /// The tip: the priority, and part of the fee.
    pub tip: u64,
    /// What it spends beyond its fee when applied.
    pub spend: u64,
    /// For how many blocks it stays valid.
    pub longevity: u64,
    /// Filler, to make it larger.
    pub padding: Vec<u8>,
    /// Makes the "runtime" fail on any batch holding it.
    pub poison: bool,
}

impl TestTx {
    /// A transaction of `sender` with `nonce`, tip 0, spending nothing, valid for long.
    pub fn new(sender: u8, nonce: u32) -> Self {
        TestTx { sender, nonce, tip: 0, spend: 0, longevity: 1_000, padding: vec![], poison: false }
    }

    /// With `tip`.
    pub fn tip(mut self, tip: u64) -> Self {
        self.tip = tip;
        self
    }

    /// Spending `spend`.
    pub fn spend(mut self, spend: u64) -> Self {
        self.spend = spend;
        self
    }

    /// Valid for `longevity` blocks.
    pub fn longevity(mut self, longevity: u64) -> Self {
        self.longevity = longevity;
        self
    }

    /// Padded with `bytes` bytes.
    pub fn padded(mut self, bytes: usize) -> Self {
        self.padding = vec![0; bytes];
        self
    }

    /// One the runtime fails on.
    pub fn poisoned(mut self) -> Self {
        self.poison = true;
        self
    }

    /// The fee it pays.
    pub fn fee(&self) -> u64 {
        1 + self.tip
    }

    /// Its encoding as an extrinsic: length prefix included.
    pub fn bytes(&self) -> Vec<u8> {
        self.encode().encode()
    }

    /// Its hash, as the pool computes it.
    pub fn hash(&self) -> H256 {
        H256(dfs_core::hashing::blake2_256(&self.bytes()))
    }

    fn from_bytes(bytes: &[u8]) -> Option<TestTx> {
        let inner = <Vec<u8>>::decode(&mut &bytes[..]).ok()?;
        TestTx::decode(&mut &inner[..]).ok()
    }
}

/// The tag `(sender, nonce)`, as the runtime's nonce check provides it.
pub fn tag(sender: u8, nonce: u32) -> Vec<u8> {
    (sender, nonce).encode()
}

#[derive(Clone, Default)]
struct Account {
    nonce: u32,
    balance: u64,
}

struct TestBlock {
    number: u32,
    parent: H256,
    body: Vec<Vec<u8>>,
    accounts: HashMap<u8, Account>,
}

struct State {
    blocks: HashMap<H256, TestBlock>,
    best: BlockRef,
    next_id: u64,
}

/// An in-memory chain behind [`ChainApi`].
pub struct TestApi {
    state: Mutex<State>,
}

impl TestApi {
    /// A chain whose genesis gives each of `balances` (sender, balance) its balance.
    pub fn new(balances: &[(u8, u64)]) -> Arc<Self> {
        let accounts = balances
            .iter()
            .map(|(sender, balance)| (*sender, Account { nonce: 0, balance: *balance }))
            .collect();
        let genesis = H256([0; 32]);
        let block = TestBlock { number: 0, parent: H256::default(), body: vec![], accounts };
        Arc::new(TestApi {
            state: Mutex::new(State {
                blocks: [(genesis, block)].into(),
                best: BlockRef { hash: genesis, number: 0 },
                next_id: 1,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        dfs_io::sync::lock(&self.state)
    }

    /// Builds a block on `parent` from `txs` (encodings) as a block author would: each one
    /// that applies goes in; those with a spent nonce (`Stale`), that cannot pay (`Payment`)
    /// or that do not decode (`Call`) are returned as invalid with the reason; those whose
    /// nonce is ahead are left out, not invalid. The block becomes best if it is higher than
    /// the best one.
    pub fn build_on(
        &self,
        parent: H256,
        txs: &[Vec<u8>],
    ) -> (BlockRef, Vec<(H256, InvalidTransaction)>) {
        let mut state = self.lock();
        let parent_block = &state.blocks[&parent];
        let mut accounts = parent_block.accounts.clone();
        let number = parent_block.number + 1;
        let (mut body, mut invalid) = (Vec::new(), Vec::new());
        for bytes in txs {
            let hash = H256(dfs_core::hashing::blake2_256(bytes));
            let Some(tx) = TestTx::from_bytes(bytes) else {
                invalid.push((hash, InvalidTransaction::Call));
                continue;
            };
            let account = accounts.entry(tx.sender).or_default();
            let cost = tx.fee().saturating_add(tx.spend);
            if tx.nonce > account.nonce {
                continue;
            }
            if tx.nonce < account.nonce {
                invalid.push((hash, InvalidTransaction::Stale));
                continue;
            }
            if account.balance < cost {
                invalid.push((hash, InvalidTransaction::Payment));
                continue;
            }
            account.nonce += 1;
            account.balance -= cost;
            body.push(bytes.clone());
        }
        let id = state.next_id;
        state.next_id += 1;
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&id.to_le_bytes());
        let hash = H256(hash);
        state.blocks.insert(hash, TestBlock { number, parent, body, accounts });
        let block = BlockRef { hash, number };
        if number > state.best.number {
            state.best = block;
        }
        (block, invalid)
    }

    /// Builds a block on the best block.
    pub fn build(&self, txs: &[Vec<u8>]) -> (BlockRef, Vec<(H256, InvalidTransaction)>) {
        let parent = self.lock().best.hash;
        self.build_on(parent, txs)
    }

    /// Makes `block` the best block (a reorganisation when it is not a descendant).
    pub fn set_best(&self, block: BlockRef) {
        self.lock().best = block;
    }

    /// The balance of `sender` at the best block.
    pub fn balance(&self, sender: u8) -> u64 {
        let state = self.lock();
        state.blocks[&state.best.hash].accounts.get(&sender).map_or(0, |a| a.balance)
    }

    fn validate_one(accounts: &HashMap<u8, Account>, bytes: &[u8]) -> TransactionValidity {
        let Some(tx) = TestTx::from_bytes(bytes) else {
            return Err(TransactionValidityError::Invalid(InvalidTransaction::Call));
        };
        let account = accounts.get(&tx.sender).cloned().unwrap_or_default();
        if tx.nonce < account.nonce {
            return Err(InvalidTransaction::Stale.into());
        }
        if account.balance < tx.fee() {
            return Err(InvalidTransaction::Payment.into());
        }
        let requires =
            if tx.nonce > account.nonce { vec![tag(tx.sender, tx.nonce - 1)] } else { vec![] };
        Ok(ValidTransaction {
            priority: tx.tip,
            requires,
            provides: vec![tag(tx.sender, tx.nonce)],
            longevity: tx.longevity,
            propagate: true,
        })
    }
}

impl ChainApi for TestApi {
    fn best(&self) -> BlockRef {
        self.lock().best
    }

    fn validate(
        &self,
        at: &BlockRef,
        _source: TransactionSource,
        txs: &[&[u8]],
    ) -> Result<Vec<TransactionValidity>, ApiError> {
        if txs.iter().any(|bytes| TestTx::from_bytes(bytes).is_some_and(|tx| tx.poison)) {
            return Err(ApiError::Runtime("trapped on a poisoned transaction".into()));
        }
        let state = self.lock();
        let block = state
            .blocks
            .get(&at.hash)
            .ok_or_else(|| ApiError::Chain(format!("unknown block {:?}", at.hash)))?;
        Ok(txs.iter().map(|bytes| Self::validate_one(&block.accounts, bytes)).collect())
    }

    fn block_body(&self, hash: &H256) -> Result<Option<Vec<Vec<u8>>>, ApiError> {
        Ok(self.lock().blocks.get(hash).map(|block| block.body.clone()))
    }

    fn tree_route(&self, from: &H256, to: &H256) -> Result<TreeRoute, ApiError> {
        let state = self.lock();
        let get = |hash: &H256| {
            state.blocks.get(hash).ok_or_else(|| ApiError::Chain(format!("unknown {hash:?}")))
        };
        let (mut from, mut to) = (*from, *to);
        let mut route = TreeRoute::default();
        while get(&to)?.number > get(&from)?.number {
            route.enacted.push(BlockRef { hash: to, number: get(&to)?.number });
            to = get(&to)?.parent;
        }
        while get(&from)?.number > get(&to)?.number {
            route.retracted.push(BlockRef { hash: from, number: get(&from)?.number });
            from = get(&from)?.parent;
        }
        while from != to {
            route.retracted.push(BlockRef { hash: from, number: get(&from)?.number });
            route.enacted.push(BlockRef { hash: to, number: get(&to)?.number });
            from = get(&from)?.parent;
            to = get(&to)?.parent;
        }
        route.common = Some(BlockRef { hash: from, number: get(&from)?.number });
        route.enacted.reverse();
        Ok(route)
    }
}
