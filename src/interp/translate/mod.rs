//! Wasm → register bytecode, in one pass over a function body.
//!
//! The wasm operand stack is resolved to frame slots while reading: slot `i` of a frame
//! is parameter/local `i` for `i < num_locals`, and the operand-stack entry at height `h`
//! lives in slot `num_locals + h`. The translator keeps a virtual stack of `Operand`s:
//! `local.get` and constants push references instead of emitting copies, so
//! `local.get a; local.get b; i32.add` becomes one op reading `a` and `b` directly, and a
//! constant operand becomes an immediate. An op's result goes to the temp slot of its
//! stack height; a following `local.set`/`local.tee` retargets it to the local instead
//! (so `local.get a; local.get b; i32.add; local.set c` is one op), and a following
//! `br_if`/`if` fuses a comparison into a compare-and-branch.
//!
//! Invariants:
//! * A `Temp` at height `h` is in slot `num_locals + h`.
//! * At a control-flow join (block end, loop header, else) every value the join passes is
//!   a `Temp`; on entry to a block every `Local` on the stack is copied into its temp, so
//!   a `local.set` inside a conditional path never has to "preserve" a value that another
//!   path leaves uncopied.
//! * A local that is overwritten while the stack still refers to it is first copied into
//!   the temp of each referring entry (preservation).
//!
//! The input is validated, so the translator trusts types and stack heights.
//!
//! The translator is a `Translator` driving a few parts, each in its own file:
//! * `stack` — the operand stack of `Operand`s and the locals they refer to;
//! * `control` — the control stack (blocks, loops, ifs), branches and returns;
//! * `labels` — branch targets and the offsets waiting for them, and fuel blocks;
//! * `fuse` — what the previous operator produced, and the fusions that replace it
//!   (on the encoder's staged, typed last op: see `encode`);
//! * `select` — which op implements an operator for given operand kinds;
//! * `families` — one method per operator family (binary ops, compares, loads, ...);
//! * `visit` — the `wasmparser::VisitOperator` entry, dispatching each operator to its
//!   family.

mod assigned;
mod control;
mod families;
mod fuse;
mod labels;
mod select;
mod stack;
mod visit;

#[cfg(test)]
mod tests;

use super::code::FuncCode;
use super::encode::{Encoder, Staged};
use crate::module::{DefinedFuncIndex, ModuleInfo};
use anyhow::{Context, Result, anyhow, bail};
use assigned::Assigned;
use control::{Control, ControlStack, Kind};
use fuse::Fusion;
use labels::{Fuel, Labels};
use stack::OperandStack;
use wasmparser::{BinaryReader, FunctionBody};

/// Choices that change the emitted code.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TranslateOptions {
    /// Emit fuel accounting (`Config::consume_fuel`).
    pub fuel: bool,
    /// Count loop iterations per function (for the tier-up controller): a `loop_header`
    /// op at the top of every loop.
    pub count_loops: bool,
    /// Emit one op per wasm operator: no immediates, no retargeted results, no fused
    /// ops. Only for testing the optimising translation against the plain one.
    pub plain: bool,
}

/// Translates defined function `d` of `module`.
pub fn translate_function(
    module: &ModuleInfo,
    d: DefinedFuncIndex,
    options: &TranslateOptions,
) -> Result<FuncCode> {
    translate_inner(module, d, options).with_context(|| {
        format!(
            "translating function {}",
            module.func_display_name(module.func_index(d).as_u32())
        )
    })
}

fn translate_inner(
    module: &ModuleInfo,
    d: DefinedFuncIndex,
    options: &TranslateOptions,
) -> Result<FuncCode> {
    let ty = module.func_type(module.func_index(d).as_u32());
    let range = module.bodies[d.index()].clone();
    let body = FunctionBody::new(BinaryReader::new(
        &module.bytes[range.clone()],
        range.start as u64,
    ));
    let mut num_locals = ty.params().len() as u32;
    for local in body.get_locals_reader()? {
        let (count, _ty) = local?;
        num_locals = num_locals
            .checked_add(count)
            .ok_or_else(|| anyhow!("too many locals"))?;
    }
    if num_locals > MAX_SLOTS {
        bail!(
            "unsupported: function with {num_locals} locals (the interpreter allows {MAX_SLOTS} frame slots)"
        );
    }
    let mut scratch = SCRATCH.with(|s| s.take()).unwrap_or_default();
    let reader_allocs = std::mem::take(&mut scratch.reader);
    let mut t = Translator::new(
        module,
        num_locals,
        ty.params().len() as u32,
        ty.results().len(),
        options,
        *scratch,
    );
    t.func = d.as_u32();
    let mut reader = wasmparser::OperatorsReader::new_with_allocs(
        body.get_binary_reader_for_operators()?,
        reader_allocs,
    );
    let mut result = Ok(());
    while !reader.eof() {
        let offset = reader.original_position();
        t.offset = offset as u32;
        let error = match reader.visit_operator(&mut t) {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(e) => e.into(),
        };
        result = Err(error.context(format!("at offset {offset:#x}")));
        break;
    }
    let code = result.and_then(|()| t.finish());
    let mut scratch = t.into_scratch();
    scratch.reader = reader.into_allocations();
    SCRATCH.with(|s| s.set(Some(scratch)));
    code
}

/// Frame slots are u16 operands.
const MAX_SLOTS: u32 = u16::MAX as u32;

/// Buffers reused from one translated function to the next (per thread).
#[derive(Default)]
struct Scratch {
    code: Vec<u8>,
    staged: Vec<Staged>,
    stack: OperandStack,
    controls: ControlStack,
    labels: Labels,
    assigned: Assigned,
    reader: wasmparser::OperatorsReaderAllocations,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

/// Translates one function body: the driver that owns the parts and runs the operators
/// through them.
struct Translator<'a> {
    module: &'a ModuleInfo,
    options: &'a TranslateOptions,
    /// The bytecode, with its staged last ops.
    enc: Encoder,
    num_params: u32,
    num_results: usize,
    /// The wasm operand stack, resolved to slots.
    stack: OperandStack,
    /// Blocks, loops and ifs.
    controls: ControlStack,
    /// Branch targets and pending branch offsets.
    labels: Labels,
    /// Which locals may be read before they are written.
    assigned: Assigned,
    /// The open fuel block.
    fuel: Fuel,
    /// What the previous operator produced.
    fusion: Fusion,
    /// The code from here on is unreachable (nothing is emitted until a join).
    unreachable: bool,
    /// The defined function being translated, and the wasm offset of the operator
    /// being translated (for `loop_header`).
    func: u32,
    offset: u32,
}

impl<'a> Translator<'a> {
    fn new(
        module: &'a ModuleInfo,
        num_locals: u32,
        num_params: u32,
        num_results: usize,
        options: &'a TranslateOptions,
        scratch: Scratch,
    ) -> Self {
        let Scratch {
            code,
            staged,
            mut stack,
            mut controls,
            mut labels,
            mut assigned,
            ..
        } = scratch;
        stack.reset(num_locals);
        assigned.reset(num_params, num_locals);
        controls.clear();
        labels.clear();
        let mut t = Translator {
            module,
            options,
            enc: Encoder::with_buffers(code, staged),
            num_params,
            num_results,
            stack,
            controls,
            labels,
            assigned,
            fuel: Fuel::default(),
            fusion: Fusion::default(),
            unreachable: false,
            func: 0,
            offset: 0,
        };
        let label = t.labels.new_label();
        t.controls.push(Control {
            kind: Kind::Function,
            dead: false,
            height: 0,
            params: 0,
            results: num_results,
            label,
            else_label: usize::MAX,
            assigned: 0,
        });
        t.fuel_block();
        t
    }

    /// Gives the buffers back for the next function.
    fn into_scratch(self) -> Box<Scratch> {
        let (code, staged) = self.enc.into_buffers();
        Box::new(Scratch {
            code,
            staged,
            stack: self.stack,
            controls: self.controls,
            labels: self.labels,
            assigned: self.assigned,
            reader: Default::default(),
        })
    }

    fn finish(&mut self) -> Result<FuncCode> {
        self.close_fuel();
        let num_locals = self.stack.num_locals();
        // Room for the operand stack, the results, and what a call zeroes of the locals.
        let (zero_from, zero_len) = self.assigned.to_zero();
        let zeroed = crate::interp::exec::zeroed_len(zero_len as usize);
        let frame_size = (num_locals as usize + self.stack.max_height())
            .max(self.num_results)
            .max(zero_from as usize + zeroed);
        if frame_size > MAX_SLOTS as usize {
            bail!(
                "unsupported: function needs {frame_size} frame slots (the interpreter allows {MAX_SLOTS})"
            );
        }
        debug_assert!(self.labels.all_bound());
        Ok(FuncCode {
            code: Box::from(&self.enc.code[..]),
            frame_size: frame_size as u32,
            num_params: self.num_params,
            num_locals,
            zero_from,
            zero_len,
            num_results: self.num_results as u32,
        })
    }
}
