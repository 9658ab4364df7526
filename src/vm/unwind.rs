//! How a trap leaves compiled code: in one jump, not frame by frame.
//!
//! Every call from Rust into native code of the array-call ABI goes through
//! [`call_array`], which marks the spot (the callee-saved registers and the stack
//! pointer, on this thread's list of entries). A trap anywhere below it, in any number of
//! compiled frames, records its error in the store and calls [`unwind`], which restores
//! that spot: the entry returns `false`, as the array-call ABI reports a trap.
//!
//! Compiled callers therefore never test a flag after a wasm call: a callee that returns
//! did not trap. (Libcalls still return with the store's `trap_flag` raised, and the
//! compiled caller unwinds.) Only compiled frames and [plain frames] of the libcalls
//! that unwind are ever jumped over: Rust code between two entries (a host function, the
//! interpreter) always returns to its entry normally, with `false`.
//!
//! Without the JIT there is no compiled code, and [`call_array`] is a plain call.
//!
//! [plain frames]: https://github.com/rust-lang/rfcs/blob/master/text/2945-c-unwind-abi.md#plain-old-frames

use super::{VMArrayCallFn, VMContext, VMOpaqueContext, ValRaw};
use core::ptr::NonNull;

/// Calls `f` with the array-call arguments. When `compiled` (`f` may be compiled code;
/// see `VMFuncRef::may_be_compiled`), through an entry, so that a trap in compiled code
/// below it returns here with `false`; a Rust callee returns by itself and is called
/// plainly.
///
/// # Safety
/// As calling `f` directly.
#[inline]
pub unsafe fn call_array(
    compiled: bool,
    f: VMArrayCallFn,
    callee: NonNull<VMOpaqueContext>,
    caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    #[cfg(feature = "jit")]
    if compiled {
        // SAFETY: forwarded.
        return unsafe { native::call_caught(f, callee, caller, args, len) };
    }
    #[cfg(not(feature = "jit"))]
    let _ = compiled;
    // SAFETY: forwarded.
    unsafe { f(callee, caller, args, len) }
}

#[cfg(feature = "jit")]
pub use native::unwind;

#[cfg(feature = "jit")]
mod native {
    use super::*;
    use core::cell::Cell;

    /// A marked entry: where [`enter`] left its saved registers, and the entry it
    /// hides.
    #[repr(C)]
    struct Entry {
        /// The stack pointer after `enter` saved the callee-saved registers.
        sp: usize,
        prev: *const Entry,
    }

    std::thread_local! {
        /// The innermost marked entry of this thread.
        static INNERMOST: Cell<*const Entry> = const { Cell::new(core::ptr::null()) };
    }

    /// [`super::call_array`] of compiled code.
    ///
    /// # Safety
    /// As calling `f` directly.
    #[inline(never)]
    pub(super) unsafe fn call_caught(
        f: VMArrayCallFn,
        callee: NonNull<VMOpaqueContext>,
        caller: NonNull<VMContext>,
        args: NonNull<ValRaw>,
        len: usize,
    ) -> bool {
        let mut entry = Entry {
            sp: 0,
            prev: INNERMOST.get(),
        };
        INNERMOST.set(&raw const entry);
        #[cfg(tierwasm_jit_host)]
        // SAFETY: `entry` outlives the call; `enter` calls `f` with the four arguments.
        let ok = unsafe { enter(&raw mut entry, f, callee, caller, args, len) };
        // No compiled code runs on other hosts (`jit::host_isa` refuses them).
        #[cfg(not(tierwasm_jit_host))]
        // SAFETY: forwarded.
        let ok = unsafe { f(callee, caller, args, len) };
        INNERMOST.set(entry.prev);
        ok
    }

    /// Leaves every frame up to the innermost entry, which returns `false`. The trap
    /// is already recorded in the store.
    ///
    /// # Safety
    /// Only compiled code (and libcalls it called, with nothing left to drop) may be
    /// between the caller and the innermost entry.
    pub unsafe fn unwind() -> ! {
        let entry = INNERMOST.get();
        if entry.is_null() {
            // Compiled code is only ever entered through `call_array`.
            eprintln!("tierwasm: a trap in compiled code found no entry to return to");
            std::process::abort();
        }
        #[cfg(tierwasm_jit_host)]
        // SAFETY: `entry` is live (its `call_caught` frame is below us on this stack),
        // and its `sp` was set by `enter` before any compiled code ran.
        unsafe {
            leave(entry)
        }
        #[cfg(not(tierwasm_jit_host))]
        std::process::abort()
    }

    #[cfg(all(tierwasm_jit_host, target_arch = "x86_64"))]
    macro_rules! enter_and_call {
        () => {
            concat!(
                "push rbp\n",
                "mov rbp, rsp\n",
                "push rbx\n",
                "push r12\n",
                "push r13\n",
                "push r14\n",
                "push r15\n",
                // Six pushes after the return address: 8 more bytes align the call.
                "sub rsp, 8\n",
                "mov [rdi], rsp\n",
                "mov rax, rsi\n",
                "mov rdi, rdx\n",
                "mov rsi, rcx\n",
                "mov rdx, r8\n",
                "mov rcx, r9\n",
                "call rax",
            )
        };
    }

    /// `rsp` to where `enter` saved the registers, and `false` to return.
    #[cfg(all(tierwasm_jit_host, target_arch = "x86_64"))]
    macro_rules! back_to_enter {
        () => {
            "mov rsp, [rdi]\nxor eax, eax"
        };
    }

    /// From the stack pointer `enter` recorded: restores the callee-saved registers and
    /// returns to `enter`'s caller.
    #[cfg(all(tierwasm_jit_host, target_arch = "x86_64"))]
    macro_rules! return_from_enter {
        () => {
            "add rsp, 8\npop r15\npop r14\npop r13\npop r12\npop rbx\npop rbp\nret"
        };
    }

    /// AAPCS64 has x19-x28, the frame pair and d8-d15 callee-saved.
    #[cfg(all(tierwasm_jit_host, target_arch = "aarch64"))]
    macro_rules! enter_and_call {
        () => {
            concat!(
                "stp x29, x30, [sp, #-160]!\n",
                "mov x29, sp\n",
                "stp x19, x20, [sp, #16]\n",
                "stp x21, x22, [sp, #32]\n",
                "stp x23, x24, [sp, #48]\n",
                "stp x25, x26, [sp, #64]\n",
                "stp x27, x28, [sp, #80]\n",
                "stp d8, d9, [sp, #96]\n",
                "stp d10, d11, [sp, #112]\n",
                "stp d12, d13, [sp, #128]\n",
                "stp d14, d15, [sp, #144]\n",
                "mov x9, sp\n",
                "str x9, [x0]\n",
                "mov x16, x1\n",
                "mov x0, x2\n",
                "mov x1, x3\n",
                "mov x2, x4\n",
                "mov x3, x5\n",
                "blr x16",
            )
        };
    }

    #[cfg(all(tierwasm_jit_host, target_arch = "aarch64"))]
    macro_rules! back_to_enter {
        () => {
            "ldr x9, [x0]\nmov sp, x9\nmov w0, #0"
        };
    }

    #[cfg(all(tierwasm_jit_host, target_arch = "aarch64"))]
    macro_rules! return_from_enter {
        () => {
            concat!(
                "ldp d14, d15, [sp, #144]\n",
                "ldp d12, d13, [sp, #128]\n",
                "ldp d10, d11, [sp, #112]\n",
                "ldp d8, d9, [sp, #96]\n",
                "ldp x27, x28, [sp, #80]\n",
                "ldp x25, x26, [sp, #64]\n",
                "ldp x23, x24, [sp, #48]\n",
                "ldp x21, x22, [sp, #32]\n",
                "ldp x19, x20, [sp, #16]\n",
                "ldp x29, x30, [sp], #160\n",
                "ret",
            )
        };
    }

    /// Saves the callee-saved registers, records the stack pointer in `entry.sp` and
    /// calls `f(callee, caller, args, len)`, returning its result. (Unix hosts only, so
    /// `extern "C"` is the System V and AAPCS64 convention the code below assumes.)
    #[cfg(tierwasm_jit_host)]
    #[unsafe(naked)]
    unsafe extern "C" fn enter(
        entry: *mut Entry,
        f: VMArrayCallFn,
        callee: NonNull<VMOpaqueContext>,
        caller: NonNull<VMContext>,
        args: NonNull<ValRaw>,
        len: usize,
    ) -> bool {
        core::arch::naked_asm!(enter_and_call!(), return_from_enter!())
    }

    /// Returns `false` from the `enter` that recorded `entry`.
    #[cfg(tierwasm_jit_host)]
    #[unsafe(naked)]
    unsafe extern "C" fn leave(entry: *const Entry) -> ! {
        core::arch::naked_asm!(back_to_enter!(), return_from_enter!())
    }
}

#[cfg(all(test, feature = "jit", tierwasm_jit_host))]
mod tests {
    use super::*;
    use core::hint::black_box;

    fn dangling<T>() -> NonNull<T> {
        NonNull::dangling()
    }

    /// Writes every callee-saved register an `asm!` may name, as compiled code does.
    fn clobber_callee_saved() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: only writes registers it declares as clobbered.
        unsafe {
            core::arch::asm!(
                "mov r12, -1", "mov r13, -1", "mov r14, -1", "mov r15, -1",
                out("r12") _, out("r13") _, out("r14") _, out("r15") _,
            );
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: only writes registers it declares as clobbered.
        unsafe {
            core::arch::asm!(
                "mov x20, #-1", "mov x21, #-1", "mov x22, #-1", "mov x23, #-1",
                "mov x24, #-1", "mov x25, #-1", "mov x26, #-1", "mov x27, #-1",
                "mov x28, #-1", "fmov d8, #1.0", "fmov d9, #1.0", "fmov d10, #1.0",
                "fmov d11, #1.0", "fmov d12, #1.0", "fmov d13, #1.0", "fmov d14, #1.0",
                "fmov d15, #1.0",
                out("x20") _, out("x21") _, out("x22") _, out("x23") _, out("x24") _,
                out("x25") _, out("x26") _, out("x27") _, out("x28") _, out("d8") _,
                out("d9") _, out("d10") _, out("d11") _, out("d12") _, out("d13") _,
                out("d14") _, out("d15") _,
            );
        }
    }

    /// Returns `true` with 7 in the first value; `len` 1 unwinds instead.
    unsafe extern "C" fn leaves_when_asked(
        _: NonNull<VMOpaqueContext>,
        _: NonNull<VMContext>,
        args: NonNull<ValRaw>,
        len: usize,
    ) -> bool {
        if len == 1 {
            clobber_callee_saved();
            // SAFETY: called through `call_array`; nothing here is left to drop.
            unsafe { unwind() }
        }
        // SAFETY: the caller passes one value.
        unsafe { *args.as_ptr() = ValRaw::i64(7) };
        true
    }

    /// Calls `leaves_when_asked` (which unwinds) through its own entry and reports
    /// whether that entry returned `false`, in the first value.
    unsafe extern "C" fn nests(
        _: NonNull<VMOpaqueContext>,
        _: NonNull<VMContext>,
        args: NonNull<ValRaw>,
        _: usize,
    ) -> bool {
        let mut inner = [ValRaw::zero()];
        // SAFETY: the callee takes a one-value buffer.
        let ok = unsafe {
            call_array(
                true,
                leaves_when_asked,
                dangling(),
                dangling(),
                NonNull::from(&mut inner).cast(),
                1,
            )
        };
        // SAFETY: the caller passes one value.
        unsafe { *args.as_ptr() = ValRaw::i64(i64::from(!ok)) };
        true
    }

    fn call(f: VMArrayCallFn, len: usize) -> (bool, i64) {
        let mut buf = [ValRaw::zero(), ValRaw::zero()];
        // SAFETY: the test functions take a buffer of `len` <= 2 values.
        let ok = unsafe {
            call_array(
                true,
                f,
                dangling(),
                dangling(),
                NonNull::from(&mut buf).cast(),
                len,
            )
        };
        (ok, buf[0].get_i64())
    }

    #[test]
    fn an_unwind_returns_false_from_the_innermost_entry_only() {
        assert_eq!(call(leaves_when_asked, 2), (true, 7));
        assert!(!call(leaves_when_asked, 1).0);
        // The inner entry caught it; the outer call returned normally.
        assert_eq!(call(nests, 2), (true, 1));
        // The list of entries is back to empty: a later unwind still finds its entry.
        assert!(!call(leaves_when_asked, 1).0);
    }

    #[test]
    fn values_live_across_an_unwind_survive_it() {
        // Enough live values that some sit in callee-saved registers across the call.
        let v: [u64; 12] = core::array::from_fn(|i| black_box(i as u64 * 0x9e37_79b9 + 1));
        let f: [f64; 10] = core::array::from_fn(|i| black_box(i as f64 * 1.5 + 0.25));
        for _ in 0..3 {
            assert!(!call(black_box(leaves_when_asked), 1).0);
        }
        let want_v: [u64; 12] = core::array::from_fn(|i| i as u64 * 0x9e37_79b9 + 1);
        let want_f: [f64; 10] = core::array::from_fn(|i| i as f64 * 1.5 + 0.25);
        assert_eq!(black_box(v), want_v);
        assert_eq!(black_box(f), want_f);
    }
}
