//! Tier-up in the executor: loop counting, the cold path taken when a loop budget runs
//! out (see `hotness`), and on-stack replacement, which hands a running call to compiled
//! code at a loop header. Calls spend their budget in `InstCache::entry_for_call`.

use super::*;

handler!(loop_header(pc, fp, cx, mem, lim) {
    // The loop budget is per instance, in the counters the call op already points
    // `cx` at: one subtraction and a branch per iteration.
    let c = &mut *cx.counters;
    c.loop_left -= 1;
    if c.loop_left < 0 {
        return loop_hot(pc, fp, cx, mem, lim);
    }
    next!(pc.add(op::LoopHeader::SIZE), fp, cx, mem, lim)
});

/// A loop used up its function's loop budget (in this instance): continue the call in
/// compiled code from this loop header if the controller has an entry for it, else go
/// on interpreting. The first time (the budget starts at zero) only arms it, unless
/// loops are to tier up at once.
#[inline(never)]
unsafe fn loop_hot(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Ret {
    // SAFETY: as for every handler; `pc` is a `loop_header` op of the running function.
    unsafe {
        let o = op::LoopHeader::decode(pc);
        let hot = &(*cx.inst.code).hot;
        let c = &mut *cx.counters;
        let armed = c.loop_refill != 0 || hot.loop_budget() <= 1;
        c.refill_loops(hot.loop_budget());
        let entry = if armed {
            hot.hot_loop(o.func, o.at, c.calls)
        } else {
            None
        };
        let Some(entry) = entry else {
            next!(pc.add(op::LoopHeader::SIZE), fp, cx, mem, lim)
        };
        let code = (*cx.inst.code)
            .get(o.func)
            .expect("a running function is translated");
        c.osr_entries += 1;
        // The OSR entry takes the locals (slots `0..num_locals`; the operand stack is
        // empty at an OSR loop) and the loop's offset, and leaves the results in slots
        // `0..num_results`, as if the function had returned there.
        let callee = ptr::NonNull::new_unchecked(cx.inst.vmctx).cast();
        let (nlocals, nresults) = (code.num_locals as usize, code.num_results as usize);
        if !call_native(
            entry,
            callee,
            fp,
            nlocals,
            nresults,
            cx,
            o.at as usize,
            true,
        ) {
            return exit(Exit::Trap);
        }
        // The compiled code may have grown memory.
        let (mem, lim) = cx.mem0();
        do_return(fp, cx, mem, lim)
    }
}
