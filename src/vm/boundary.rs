//! The one guard at every entry from native code into Rust (the interpreter's
//! array-call entry, host functions, component lowerings): a panic must not unwind
//! into compiled code or across `extern "C"`, and an error must become the `false` of
//! the array-call ABI. Both are parked in the store (`pending_panic`, `pending_error`)
//! for the outermost host call to resume or return.

use super::VMStoreContext;

/// What the body of an entry returns: a verdict for the array-call ABI, either already
/// made (`bool`, the error recorded by the body) or still to record (`Result`).
pub trait EntryResult {
    /// The array-call verdict; an error is recorded in `store` first.
    ///
    /// # Safety
    /// `store` must be live, with no other borrow of it.
    unsafe fn into_verdict(self, store: *mut VMStoreContext) -> bool;
}

impl EntryResult for bool {
    #[inline(always)]
    unsafe fn into_verdict(self, _store: *mut VMStoreContext) -> bool {
        self
    }
}

impl EntryResult for anyhow::Result<()> {
    #[inline(always)]
    unsafe fn into_verdict(self, store: *mut VMStoreContext) -> bool {
        match self {
            Ok(()) => true,
            Err(e) => {
                // SAFETY: the caller guarantees `store` is live and not borrowed.
                unsafe { (*store).set_pending_error(e) };
                false
            }
        }
    }
}

/// Runs `body` as an entry from native code: its result becomes the array-call verdict
/// (see [`EntryResult`]), and a panic is caught, parked in `pending_panic`, and reported
/// as `false`.
///
/// # Safety
/// `store` must be live for the whole call, and not borrowed when `body` returns.
#[inline(always)]
pub unsafe fn catch_unwind_and_record<R: EntryResult>(
    store: *mut VMStoreContext,
    body: impl FnOnce() -> R,
) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        // SAFETY: forwarded from the caller.
        Ok(r) => unsafe { r.into_verdict(store) },
        Err(panic) => {
            // SAFETY: forwarded from the caller.
            unsafe { (*store).pending_panic = Some(panic) };
            false
        }
    }
}
