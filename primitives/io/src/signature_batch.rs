//! A batch of signatures to verify together, as the host keeps it.

use dfs_core::{ed25519, sr25519};

/// Signatures queued during a block's execution.
#[derive(Debug, Default, Clone)]
pub struct SignatureBatch {
    sr25519: Vec<(sr25519::Signature, Vec<u8>, sr25519::Public)>,
    ed25519: Vec<(ed25519::Signature, Vec<u8>, ed25519::Public)>,
}

impl SignatureBatch {
    /// Queues an sr25519 signature.
    pub fn push_sr25519(
        &mut self,
        signature: sr25519::Signature,
        message: Vec<u8>,
        public: sr25519::Public,
    ) {
        self.sr25519.push((signature, message, public));
    }

    /// Queues an ed25519 signature.
    pub fn push_ed25519(
        &mut self,
        signature: ed25519::Signature,
        message: Vec<u8>,
        public: ed25519::Public,
    ) {
        self.ed25519.push((signature, message, public));
    }

    /// How many signatures are queued.
    pub fn len(&self) -> usize {
        self.sr25519.len() + self.ed25519.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every queued signature is valid, using schnorrkel's batch verification and
    /// every available core.
    pub fn verify(self) -> bool {
        let threads = std::thread::available_parallelism().map(usize::from).unwrap_or(1).max(1);
        let chunk = self.sr25519.len().div_ceil(threads).max(64);
        let sr25519_ok = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .sr25519
                .chunks(chunk)
                .map(|part| scope.spawn(move || verify_sr25519_chunk(part)))
                .collect();
            workers.into_iter().all(|worker| worker.join().unwrap_or(false))
        });
        sr25519_ok
            && self
                .ed25519
                .iter()
                .all(|(signature, message, public)| ed25519::verify(signature, message, public))
    }
}

fn verify_sr25519_chunk(part: &[(sr25519::Signature, Vec<u8>, sr25519::Public)]) -> bool {
    let mut transcripts = Vec::with_capacity(part.len());
    let mut signatures = Vec::with_capacity(part.len());
    let mut publics = Vec::with_capacity(part.len());
    let context = schnorrkel::signing_context(sr25519::SIGNING_CONTEXT);
    for (signature, message, public) in part {
        let (Ok(signature), Ok(public)) = (
            schnorrkel::Signature::from_bytes(&signature.0),
            schnorrkel::PublicKey::from_bytes(&public.0),
        ) else {
            return false;
        };
        transcripts.push(context.bytes(message));
        signatures.push(signature);
        publics.push(public);
    }
    schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfs_core::pair::{dev_sr25519, Ed25519Pair};

    #[test]
    fn a_batch_is_valid_only_if_every_signature_is() {
        let alice = dev_sr25519("Alice");
        let mut batch = SignatureBatch::default();
        for i in 0..300u32 {
            let message = i.to_le_bytes().to_vec();
            batch.push_sr25519(alice.sign(&message), message, alice.public());
        }
        let ed = Ed25519Pair::from_suri("//Bob").unwrap();
        batch.push_ed25519(ed.sign(b"x"), b"x".to_vec(), ed.public());
        assert_eq!(batch.len(), 301);
        assert!(batch.clone().verify());

        let mut bad = batch.clone();
        bad.push_sr25519(alice.sign(b"one"), b"two".to_vec(), alice.public());
        assert!(!bad.verify());
        let mut bad_ed = batch;
        bad_ed.push_ed25519(ed.sign(b"one"), b"two".to_vec(), ed.public());
        assert!(!bad_ed.verify());
        assert!(SignatureBatch::default().verify());
    }
}
