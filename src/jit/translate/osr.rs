//! On-stack-replacement entries: a function compiled so that a call the interpreter is
//! running can continue in it at a loop header.
//!
//! The entry has the array-call shape, `fn(vmctx, caller_vmctx, buf, at) -> bool`:
//! `buf` holds the values of all the function's locals (the interpreter's frame; OSR
//! happens only at loops with an empty operand stack) and receives its results; `at` is
//! the wasm offset of the loop to enter; `false` means a trap (recorded in the store;
//! the interpreter enters through `vm::unwind::call_array`, which returns it), as for
//! every array call.
//!
//! The function is translated as usual, except that the prologue loads the locals from
//! `buf` and jumps to a chain of landing blocks that compare `at` with the offset of
//! each loop it can enter (reachable, no parameters, nothing on the stack) and branch to
//! its header. Each compare is emitted when its loop is translated, while the header
//! still takes predecessors (SSA construction needs every edge before the header is
//! sealed). The body itself starts in a block with no predecessor: what only the normal
//! entry reaches is dropped by Cranelift, what a loop reaches again (the code of an
//! enclosing loop) stays.
//!
//! ```text
//! +----------------------------------------------------------------------------------+
//! | Each entry loop header is a point that code jumps to without passing the checks  |
//! | and branches before it: all bounds facts are forgotten there for good, and every |
//! | enclosing frame restores to no facts (see `BoundsChecks::forget_all`).           |
//! +----------------------------------------------------------------------------------+
//! ```

use super::Translator;
use super::func_env::store_array_slot;
use crate::vm::Trap;
use anyhow::{Result, anyhow};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value, types};

/// An OSR entry being translated.
#[derive(Default)]
pub(super) struct Osr {
    /// The array-call buffer: the locals on entry, the results on return.
    buf: Option<Value>,
    /// The offset of the loop to enter.
    at: Option<Value>,
    /// The next block of the landing chain (the first follows the prologue).
    landing: Option<Block>,
    /// The wasm offsets of the loops the entry can enter.
    loops: Vec<u32>,
}

impl Translator<'_, '_> {
    /// At the end of the prologue: jumps to the landing block (filled at the end) and
    /// starts the body in a block no path reaches. The interpreter paid for the entry
    /// block; each loop header pays for itself.
    pub(super) fn osr_begin(&mut self, buf: Value, at: Value) {
        let landing = self.b.create_block();
        self.b.ins().jump(landing, &[]);
        self.b.seal_block(landing);
        let unreachable = self.b.create_block();
        self.b.switch_to_block(unreachable);
        self.b.seal_block(unreachable);
        let osr = self.osr.as_mut().expect("an OSR entry");
        osr.buf = Some(buf);
        osr.at = Some(at);
        osr.landing = Some(landing);
    }

    /// At a loop whose `header` was just made (the block before it is filled): an entry
    /// point if the loop can be one. Leaves no block current.
    pub(super) fn osr_loop(&mut self, header: Block, no_params: bool) {
        if !no_params || self.stack.len() != 0 {
            return;
        }
        let Some(osr) = self.osr.as_mut() else {
            return;
        };
        let offset = self.op_offset as u32;
        let (landing, at) = (osr.landing.expect("begun"), osr.at.expect("begun"));
        let next = self.b.create_block();
        osr.landing = Some(next);
        osr.loops.push(offset);
        self.b.switch_to_block(landing);
        let here = self.b.ins().icmp_imm_u(IntCC::Equal, at, i64::from(offset));
        self.b.ins().brif(here, header, &[], next, &[]);
        self.b.seal_block(next);
        self.checks.forget_all();
        self.frames.forget_checks_marks();
    }

    /// After the last operator: ends the landing chain; returns the loops it enters.
    pub(super) fn osr_finish(&mut self) -> Result<Vec<u32>> {
        let Some(osr) = self.osr.as_ref() else {
            return Ok(Vec::new());
        };
        if osr.loops.is_empty() {
            return Err(anyhow!("no loop to enter"));
        }
        let (landing, loops) = (osr.landing.expect("begun"), osr.loops.clone());
        // Only an offset this returns is ever passed in: anything else is a bug, and
        // traps rather than jumps anywhere.
        let other = self.trap_block(Trap::UnreachableCodeReached);
        self.b.switch_to_block(landing);
        self.b.ins().jump(other, &[]);
        Ok(loops)
    }

    /// Returns `vals` through the buffer, and `true`.
    pub(super) fn osr_return(&mut self, vals: &[Value]) {
        let buf = self.osr.as_ref().and_then(|o| o.buf).expect("begun");
        for (i, v) in vals.iter().enumerate() {
            store_array_slot(&mut self.b, *v, buf, i);
        }
        let ok = self.b.ins().iconst(types::I8, 1);
        self.b.ins().return_(&[ok]);
    }
}
