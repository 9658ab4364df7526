//! The interpreter tier: a register-bytecode interpreter in the style of Pulley.
//!
//! * [`ops`] — the op table, the single definition of every op; encoder ([`encode`]),
//!   decoder, disassembler ([`disasm`]) and handler table ([`dispatch`]) derive from it.
//! * [`translate`] — wasm → bytecode, one pass, lazily per function on first call.
//! * [`exec`] — the handlers; [`dispatch`] — tail-call threading or a loop.
//! * [`stack`] — the per-store value stack of untyped 64-bit slots.
//!
//! Calls between interpreted functions (of any instance) push a frame in the same
//! dispatch loop; calls to anything else go through the array-call ABI. The interpreter
//! enters from native code through [`array_call_entry`], the `array_call` of every
//! function that has not been compiled.

pub mod code;
pub mod disasm;
pub mod dispatch;
pub mod encode;
pub mod exec;
pub mod hotness;
pub mod ops;
pub mod stack;
pub mod translate;

#[cfg(test)]
mod tests;

pub use code::ModuleCode;
pub use hotness::TierUpPolicy;
pub use stack::InterpStack;
pub use translate::TranslateOptions;

use crate::module::FuncIndex;
use crate::vm::{
    Trap, VMContext, VMFunctionContext, VMOpaqueContext, VMStoreContext, ValRaw,
    catch_unwind_and_record, stack_limit,
};
use core::ptr::NonNull;
use exec::{Cx, Exit, InstCache};
use stack::Slot;

/// The `array_call` of interpreted functions: runs the function named by the callee
/// context (a `VMFunctionContext`) on the interpreter.
///
/// # Safety
/// `callee` must be the `VMFunctionContext` of a live instance whose `interp_code` is a
/// `ModuleCode`, and `args` must hold `len` values as the array-call ABI says.
pub unsafe extern "C" fn array_call_entry(
    callee: NonNull<VMOpaqueContext>,
    caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    // SAFETY: the caller guarantees `callee` is a live `VMFunctionContext`.
    let (vmctx, func_index) = unsafe {
        let f = callee.cast::<VMFunctionContext>().as_ptr();
        ((*f).vmctx.as_ptr(), (*f).func_index)
    };

    // SAFETY: the instance's header is initialised before any function can be called.
    let store = unsafe { (*vmctx).header.store_context };
    // SAFETY: forwarded from the caller; the store context outlives every call into its
    // instances, and `execute` records its own errors.
    unsafe {
        catch_unwind_and_record(store, || {
            execute(store, vmctx, caller, func_index, args, len)
        })
    }
}

/// Runs function `func_index` of the instance of `vmctx` with the array-call arguments.
///
/// # Safety
/// As [`array_call_entry`].
unsafe fn execute(
    store: *mut VMStoreContext,
    vmctx: *mut VMContext,
    caller: NonNull<VMContext>,
    func_index: u32,
    args_nn: NonNull<ValRaw>,
    len: usize,
) -> bool {
    let args = args_nn.as_ptr();
    // SAFETY: the instance is live; its context and code outlive this call.
    let inst = unsafe { InstCache::load(vmctx) };
    // SAFETY: `inst.code` is this instance's `ModuleCode`.
    let code_table = unsafe { &*inst.code };
    let d = code_table
        .module()
        .defined_func_index(FuncIndex::from_u32(func_index))
        .expect("only defined functions have the interpreter's array_call")
        .as_u32();
    // The tier seam: a reference made before the function's native code was published
    // still leads to that code.
    let entry = inst.entry_for_call(d);
    if !entry.is_null() {
        // SAFETY: published code takes its instance's context and this call's arguments.
        return unsafe {
            crate::vm::unwind::call_array(
                true,
                (*entry).array_call,
                NonNull::new_unchecked(vmctx).cast(),
                caller,
                args_nn,
                len,
            )
        };
    }
    // The interpreter state is reached through its raw pointer only, never through a
    // long-lived reference: a host call may re-enter and take its own borrows.
    // SAFETY: the store's interpreter state is installed before any instance runs.
    let stack_ptr = unsafe { (*store).interp_state.cast::<InterpStack>() };
    // SAFETY: no other borrow of the interpreter state is live during this setup.
    let stack = unsafe { &mut *stack_ptr };
    // Every activation (from the host, or from compiled code) uses native stack: the
    // store's limit is the one compiled code checks too.
    // SAFETY: `store` is live.
    if stack_limit::native_sp() < unsafe { (*store).stack_limit } {
        // SAFETY: `store` is live.
        unsafe { (*store).set_pending_error(anyhow::Error::new(Trap::StackOverflow)) };
        return false;
    }
    let (stack_base, stack_end) = stack.bounds();
    let entry_top = stack.top;
    let (frames_origin, frames_end) = stack.frame_bounds();
    let entry_frame_top = stack.frame_top;
    let code = match code_table.get(d) {
        Some(c) => c,
        None => match code_table.translate(d) {
            Ok(c) => c,
            Err(e) => {
                // SAFETY: `store` is live.
                unsafe { (*store).set_pending_error(e) };
                return false;
            }
        },
    };
    // SAFETY: `entry_top` is within the stack (it is only ever set to slots inside it).
    let fp = unsafe { stack_base.add(entry_top) };
    // SAFETY: both pointers are inside the stack allocation.
    let room = unsafe { stack_end.offset_from(fp) } as usize;
    if room < code.frame_size as usize {
        // SAFETY: `store` is live.
        unsafe { (*store).set_pending_error(anyhow::Error::new(Trap::StackOverflow)) };
        return false;
    }
    // SAFETY: a raw place projection: no reference to the state is created.
    let stack_top: *mut usize = unsafe { &raw mut (*stack_ptr).top };
    // SAFETY: a raw place projection of the same live state: no reference is created.
    let frame_top: *mut usize = unsafe { &raw mut (*stack_ptr).frame_top };
    // SAFETY: the frame fits; the arguments are `num_params` values per the ABI; locals
    // are zeroed as wasm requires.
    unsafe {
        for i in 0..code.num_params as usize {
            *fp.add(i) = Slot::from_raw(&*args.add(i));
        }
        core::ptr::write_bytes(
            fp.add(code.num_params as usize),
            0,
            (code.num_locals - code.num_params) as usize,
        );
    }
    let counters = inst.counters(d);
    // SAFETY: counters are plain data inside the live context.
    unsafe { (*counters).calls += 1 };
    // SAFETY: `entry_frame_top` is within the frame stack (only ever set inside it).
    let frames_base = unsafe { frames_origin.add(entry_frame_top) };
    let mut cx = Cx {
        inst,
        counters,
        frames_base,
        frame_sp: frames_base,
        frames_end,
        frames_origin,
        frame_top,
        stack_base,
        stack_end,
        store,
        stack_top,
        mem_len: 0,
    };
    let (mem, lim) = cx.mem0();
    // SAFETY: the code came from the translator for this module; the frame is set up.
    let exit = unsafe { dispatch::run(code.code.as_ptr(), fp, &mut cx, mem, lim) };
    // SAFETY: re-borrow the interpreter state: nested activations have finished.
    let stack = unsafe { &mut *stack_ptr };
    stack.top = entry_top;
    stack.frame_top = entry_frame_top;
    match exit {
        Exit::Done => {
            let _ = len;
            // SAFETY: results are in slots 0..num_results; `args` holds at least as many.
            unsafe {
                for i in 0..code.num_results as usize {
                    *args.add(i) = (*fp.add(i)).to_raw();
                }
            }
            true
        }
        Exit::Trap => false,
    }
}
