//! Call handlers: direct, import and indirect calls, frame entry and the array-call
//! bridge to native code.

use super::*;

// ---------------------------------------------------------------------------------
// Calls.
// ---------------------------------------------------------------------------------

/// The translated code of defined function `d` of the current instance, translating it
/// on first use.
#[inline(always)]
unsafe fn func_code<'a>(cx: &Cx, d: u32) -> Result<&'a FuncCode, anyhow::Error> {
    // SAFETY: `cx.inst.code` is the live interpreter data of the current instance; the
    // code it hands out lives as long as the module.
    unsafe {
        match (*cx.inst.code).get(d) {
            Some(code) => Ok(code),
            None => (*cx.inst.code).translate(d),
        }
    }
}

/// Enters `code` with its frame at `callee_fp`: checks the stack, saves the caller.
#[inline(always)]
unsafe fn enter(
    code: &FuncCode,
    d: u32,
    ret_pc: Pc,
    fp: Fp,
    callee_fp: Fp,
    cx: &mut Cx,
    caller_vmctx: *mut VMContext,
) -> Result<(), Trap> {
    // SAFETY: `callee_fp` is inside the caller's frame, so inside the stack.
    let room = unsafe { cx.stack_end.offset_from(callee_fp) } as usize;
    if room < code.frame_size as usize || cx.frame_sp == cx.frames_end {
        return Err(Trap::StackOverflow);
    }
    // SAFETY: `frame_sp` is below `frames_end` (checked); the frame fits in the stack, so
    // the locals after the parameters are inside it.
    unsafe {
        cx.frame_sp.write(Frame {
            ret_pc,
            fp,
            vmctx: caller_vmctx,
            counters: cx.counters,
        });
        cx.frame_sp = cx.frame_sp.add(1);
        zero_locals(
            callee_fp.add(code.zero_from as usize),
            code.zero_len as usize,
        );
        cx.counters = cx.inst.counters(d);
        (*cx.counters).calls += 1;
    }
    Ok(())
}

/// Slots the locals are zeroed in groups of: [`zero_locals`] writes whole groups.
pub(crate) const ZERO_GROUP: usize = 4;

/// How many slots [`zero_locals`] writes for `n` declared locals (at least one group,
/// so that it never branches for the common few); the translator makes every frame this
/// long after the parameters.
pub(crate) const fn zeroed_len(n: usize) -> usize {
    let n = if n == 0 { 1 } else { n };
    n.next_multiple_of(ZERO_GROUP)
}

/// Zeroes a function's `n` declared locals at `p`, and the slots after them up to
/// [`zeroed_len`]`(n)` (temps of the new frame, so harmless): whole groups, in a loop
/// with no call and no branch for up to four locals.
#[inline(always)]
pub(crate) unsafe fn zero_locals(p: Fp, n: usize) {
    let mut q = p;
    // SAFETY: the caller guarantees `zeroed_len(n)` writable slots at `p`.
    unsafe {
        let end = p.add(n);
        loop {
            for i in 0..ZERO_GROUP {
                q.add(i).write(Slot::ZERO);
            }
            q = q.add(ZERO_GROUP);
            if q >= end {
                break;
            }
        }
    }
}

handler!(call(pc, fp, cx, mem, lim) {
    // Fast path: translated callee, room on both stacks. Everything else
    // goes to `call_slow` by a tail call, so this handler needs no stack frame.
    let o = op::Call::decode(pc);
    // The tier seam: a callee with published native code runs that instead.
    if !cx.inst.native_entry(o.func).is_null() {
        return call_published(pc, fp, cx, mem, lim);
    }
    if cx.inst.hotness(o.func).tick_call() {
        return call_hot_direct(pc, fp, cx, mem, lim);
    }
    let Some(code) = (*cx.inst.code).get(o.func) else {
        return call_slow(pc, fp, cx, mem, lim);
    };
    // Decoded after the budget's update (a store), so not live across the lookup.
    let callee_fp = fp.add(late!(Call, pc).base as usize);
    let room = cx.stack_end.offset_from(callee_fp) as usize;
    if room < code.frame_size as usize || cx.frame_sp == cx.frames_end {
        return call_slow(pc, fp, cx, mem, lim);
    }
    // Field by field, each value read just before its store (LLVM must assume the
    // frame may alias `cx`): few values are live at once, and with `base` and `func`
    // decoded late the handler saves no callee-saved registers.
    let f = cx.frame_sp;
    (*f).ret_pc = pc.add(op::Call::SIZE);
    (*f).fp = fp;
    (*f).vmctx = cx.inst.vmctx;
    (*f).counters = cx.counters;
    cx.frame_sp = f.add(1);
    zero_locals(callee_fp.add(code.zero_from as usize), code.zero_len as usize);
    // Decoded again after the frame's stores, so not live across the checks.
    cx.counters = cx.inst.counters(late!(Call, pc).func);
    (*cx.counters).calls += 1;
    next!(code.code.as_ptr(), callee_fp, cx, mem, lim)
});

/// `call` when the callee is not translated yet or does not fit.
#[inline(never)]
unsafe fn call_slow(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Ret {
    // SAFETY: as for every handler; `pc` is a `call` op.
    unsafe {
        let o = op::Call::decode(pc);
        let code = match func_code(cx, o.func) {
            Ok(c) => c,
            Err(e) => return fail(cx, e),
        };
        let callee_fp = fp.add(o.base as usize);
        let vmctx = cx.inst.vmctx;
        if let Err(t) = enter(
            code,
            o.func,
            pc.add(op::Call::SIZE),
            fp,
            callee_fp,
            cx,
            vmctx,
        ) {
            return trap(cx, t);
        }
        next!(code.code.as_ptr(), callee_fp, cx, mem, lim)
    }
}

/// `call` whose callee used up its call budget: the controller hears of it, then the
/// call goes to the callee's native code if that is published now.
#[inline(never)]
unsafe fn call_hot_direct(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Ret {
    // SAFETY: as for every handler; `pc` is a `call` op.
    unsafe {
        let o = op::Call::decode(pc);
        (*cx.inst.code).hot.hot_call(o.func);
        if !cx.inst.native_entry(o.func).is_null() {
            return call_published(pc, fp, cx, mem, lim);
        }
        call_slow(pc, fp, cx, mem, lim)
    }
}

/// `call` of a function whose native code is published: through its array-call entry,
/// with this instance's context.
#[inline(never)]
unsafe fn call_published(pc: Pc, fp: Fp, cx: &mut Cx, _mem: Mem, _lim: usize) -> Ret {
    // SAFETY: as for every handler; `pc` is a `call` op whose callee's slot is published,
    // and a published slot is never cleared.
    unsafe {
        let o = op::Call::decode(pc);
        let entry = *cx.inst.native_entry(o.func);
        let code = &*cx.inst.code;
        let (np, nr) = code.func_arity(cx.inst.func_index(o.func));
        let callee = ptr::NonNull::new_unchecked(cx.inst.vmctx).cast();
        if !call_native(
            entry.array_call,
            callee,
            fp.add(o.base as usize),
            np,
            nr,
            cx,
            np.max(nr),
            true,
        ) {
            return exit(Exit::Trap);
        }
        // The callee may have grown memory.
        let (mem, lim) = cx.mem0();
        next!(pc.add(op::Call::SIZE), fp, cx, mem, lim)
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the handler state plus the call's shape, all in registers"
)]
/// Calls through a function reference: in this loop when it is an interpreted wasm
/// function (of any instance), through the array-call ABI otherwise.
#[inline(always)]
unsafe fn call_ref(
    fref: *mut VMFuncRef,
    pc: Pc,
    size: usize,
    fp: Fp,
    base: u16,
    nparams: usize,
    nresults: usize,
    cx: &mut Cx,
    _mem: Mem,
    _lim: usize,
) -> Ret {
    // SAFETY: `fref` is a live function reference (from the instance or a table).
    unsafe {
        let callee = (*fref).vmctx.as_ptr();
        let callee_fp = fp.add(base as usize);
        let mut array_call = (*fref).array_call;
        let mut native_callee = (*fref).vmctx.as_non_null();
        let mut compiled = (*fref).may_be_compiled();
        if (*callee).magic == FUNCTION_CONTEXT_MAGIC && (*fref).wasm_call.is_none() {
            let fctx = callee.cast::<VMFunctionContext>();
            let callee_vmctx = (*fctx).vmctx.as_ptr();
            let caller_vmctx = cx.inst.vmctx;
            if callee_vmctx != caller_vmctx {
                cx.inst = InstCache::load(callee_vmctx);
            }
            let d = cx.inst.defined_index((*fctx).func_index);
            // The tier seam, as for direct calls (the reference predates publication).
            let entry = cx.inst.entry_for_call(d);
            if entry.is_null() {
                let code = match func_code(cx, d) {
                    Ok(c) => c,
                    Err(e) => {
                        cx.inst = InstCache::load(caller_vmctx);
                        return fail(cx, e);
                    }
                };
                if let Err(t) = enter(code, d, pc.add(size), fp, callee_fp, cx, caller_vmctx) {
                    cx.inst = InstCache::load(caller_vmctx);
                    return trap(cx, t);
                }
                let (mem, lim) = cx.mem0();
                next!(code.code.as_ptr(), callee_fp, cx, mem, lim)
            }
            cx.inst = InstCache::load(caller_vmctx);
            array_call = (*entry).array_call;
            native_callee = ptr::NonNull::new_unchecked(callee_vmctx).cast();
            compiled = true;
        }
        let len = nparams.max(nresults);
        if !call_native(
            array_call,
            native_callee,
            callee_fp,
            nparams,
            nresults,
            cx,
            len,
            compiled,
        ) {
            return exit(Exit::Trap);
        }
        let (mem, lim) = cx.mem0();
        next!(pc.add(size), fp, cx, mem, lim)
    }
}

/// Calls native code (a host function or compiled wasm) through the array-call ABI with
/// arguments and results at `args`; `last` is the call's last argument (the buffer's
/// length, `nparams.max(nresults)`, for an array call; the loop offset for an OSR entry).
/// `compiled`: the callee may be compiled code, which needs an entry to leave to on a
/// trap (see `vm::unwind`); a Rust callee (a host function, a lowering) does not.
#[allow(
    clippy::too_many_arguments,
    reason = "the array-call arguments, where they live, and what the callee is"
)]
#[inline(never)]
pub(crate) unsafe fn call_native(
    array_call: VMArrayCallFn,
    callee: ptr::NonNull<VMOpaqueContext>,
    args: Fp,
    nparams: usize,
    nresults: usize,
    cx: &mut Cx,
    last: usize,
    compiled: bool,
) -> bool {
    const INLINE: usize = 8;
    let n = nparams.max(nresults);
    let mut inline = [ValRaw::zero(); INLINE];
    let mut heap = Vec::new();
    let buf: &mut [ValRaw] = if n <= INLINE {
        &mut inline[..n.max(1)]
    } else {
        heap.resize(n, ValRaw::zero());
        &mut heap
    };
    // SAFETY: `args..args+n` is inside the caller's frame (the translator reserved room
    // for results); `callee` is the live context `array_call` expects; the callee may re-enter the interpreter, which starts
    // its frames at `stack_top`, above every live slot of this activation.
    unsafe {
        for (i, v) in buf.iter_mut().enumerate().take(nparams) {
            *v = (*args.add(i)).to_raw();
        }
        *cx.stack_top = args.offset_from(cx.stack_base) as usize;
        *cx.frame_top = cx.frame_sp.offset_from(cx.frames_origin) as usize;
        let (caller, values) = (
            ptr::NonNull::new_unchecked(cx.inst.vmctx),
            ptr::NonNull::new_unchecked(buf.as_mut_ptr()),
        );
        let ok = crate::vm::unwind::call_array(compiled, array_call, callee, caller, values, last);
        if !ok {
            return false;
        }
        for (i, v) in buf.iter().enumerate().take(nresults) {
            *args.add(i) = Slot::from_raw(v);
        }
    }
    true
}

handler!(call_import(pc, fp, cx, mem, lim) {
    let o = op::CallImport::decode(pc);
    let fref = *cx.inst.funcs.add(o.func as usize);
    let (np, nr) = (*cx.inst.code).func_arity(o.func);
    call_ref(fref, pc, op::CallImport::SIZE, fp, o.base, np, nr, cx, mem, lim)
});

handler!(call_indirect(pc, fp, cx, mem, lim) {
    let o = op::CallIndirect::decode(pc);
    let table = *cx.inst.tables.add(o.table as usize);
    let i = rd::<u32>(fp, o.idx) as usize;
    if i >= (*table).def.current_elements {
        return trap(cx, Trap::UndefinedElement);
    }
    let fref = (*(*table).def.base.add(i)).0.cast::<VMFuncRef>();
    if fref.is_null() {
        return trap(cx, Trap::IndirectCallToNull);
    }
    let code = &*cx.inst.code;
    if (*fref).type_index != code.sig_id(o.ty) {
        return trap(cx, Trap::BadSignature);
    }
    let (np, nr) = code.type_arity(o.ty);
    call_ref(fref, pc, op::CallIndirect::SIZE, fp, o.base, np, nr, cx, mem, lim)
});
