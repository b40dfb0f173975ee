//! The externalities a native runtime call runs with, set for the duration of a closure.

use std::{cell::Cell, ptr::NonNull};

use crate::state::Externalities;

thread_local! {
    static CURRENT: Cell<Option<NonNull<dyn Externalities + 'static>>> = const { Cell::new(None) };
}

/// Puts the previous externalities back when a scope ends, even by unwinding.
struct Restore(Option<NonNull<dyn Externalities + 'static>>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.0));
    }
}

/// Runs `f` with `ext` as the storage that [`crate::storage`] functions act on.
pub fn set_and_run_with_externalities<R>(ext: &mut dyn Externalities, f: impl FnOnce() -> R) -> R {
    let pointer: NonNull<dyn Externalities + '_> = NonNull::from(ext);
    // SAFETY: the pointer is only reachable through `CURRENT` while `ext` is mutably borrowed
    // by this function: `Restore` removes it before this frame returns or unwinds, so the
    // erased lifetime is never outlived.
    let pointer: NonNull<dyn Externalities + 'static> = unsafe { std::mem::transmute(pointer) };
    let _restore = Restore(CURRENT.with(|current| current.replace(Some(pointer))));
    f()
}

/// Runs `f` on the current externalities, or returns `None` if there are none.
///
/// The pointer is taken out while `f` runs, so a nested access sees no externalities
/// instead of a second mutable alias.
pub fn with_externalities<R>(f: impl FnOnce(&mut dyn Externalities) -> R) -> Option<R> {
    let pointer = CURRENT.with(Cell::take)?;
    let _restore = Restore(Some(pointer));
    // SAFETY: the pointer was set by `set_and_run_with_externalities`, whose borrow of the
    // externalities is still live (it is on the stack below us), and it was taken out of
    // `CURRENT`, so this is the only reference until `_restore` puts it back.
    let ext = unsafe { &mut *pointer.as_ptr() };
    Some(f(ext))
}
