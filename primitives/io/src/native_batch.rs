//! The native side of batched verification: a batch per thread, like the externalities.

use std::cell::RefCell;

use dfs_core::{ed25519, sr25519};

use crate::signature_batch::SignatureBatch;

thread_local! {
    static BATCH: RefCell<Option<SignatureBatch>> = const { RefCell::new(None) };
}

pub fn start() {
    BATCH.with(|batch| *batch.borrow_mut() = Some(SignatureBatch::default()));
}

pub fn sr25519(signature: &sr25519::Signature, message: &[u8], public: &sr25519::Public) -> bool {
    BATCH.with(|batch| match batch.borrow_mut().as_mut() {
        Some(batch) => {
            batch.push_sr25519(*signature, message.to_vec(), *public);
            true
        }
        None => sr25519::verify(signature, message, public),
    })
}

pub fn ed25519(signature: &ed25519::Signature, message: &[u8], public: &ed25519::Public) -> bool {
    BATCH.with(|batch| match batch.borrow_mut().as_mut() {
        Some(batch) => {
            batch.push_ed25519(*signature, message.to_vec(), *public);
            true
        }
        None => ed25519::verify(signature, message, public),
    })
}

pub fn finish() -> bool {
    BATCH.with(|batch| batch.borrow_mut().take()).is_some_and(SignatureBatch::verify)
}
