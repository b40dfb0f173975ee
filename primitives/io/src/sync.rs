//! Locks that outlive a panicking holder.
//!
//! A panic while a `std::sync::Mutex` is held poisons it, and every later `lock()` fails. The
//! node's shared state is guarded so that a holder cannot leave it half-updated (values are
//! replaced whole, or the structure's own methods keep it consistent), so the node keeps
//! using it rather than failing every later caller: each call site says why that holds.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, poisoned or not.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_poisoned_by_a_panicking_holder_still_gives_its_data() {
        let mutex = Mutex::new(1);
        let _ = std::panic::catch_unwind(|| {
            let _guard = mutex.lock().unwrap();
            panic!("the holder panics");
        });
        assert!(mutex.is_poisoned());
        *lock(&mutex) += 1;
        assert_eq!(*lock(&mutex), 2);
    }
}
