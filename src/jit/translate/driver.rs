//! The driver: one function's translation state (`Translator`, made of the parts that
//! own their state: the function environment, the stacks, the bounds-check facts), the
//! function setup and prologue, traps, fuel, returns, and the finishing touches.

use super::Env;
use super::bounds_checks::{BoundsChecks, loop_assignments};
use super::func_env::FuncEnv;
use super::func_env::load_array_slot;
use super::osr::Osr;
use super::stack::{ControlStack, Frame, FrameKind, ValueStack};
use crate::jit::{array_signature, clif_type, wasm_signature};
use crate::module::{DefinedFuncIndex, FuncType, ValType};
use crate::vm::{Trap, WASM_PAGE_SIZE};
use anyhow::{Result, anyhow};
use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::{
    AliasRegionData, Block, Function, Inst, InstBuilder, InstructionData, MemFlagsData, Opcode,
    Type, UserFuncName, Value, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use rustc_hash::FxHashMap as HashMap;
use wasmparser::{BinaryReader, FunctionBody};

/// A function with at least this many loads and stores keeps memory 0's length in the
/// pinned register (`Env::pinned_isa`).
const PIN_MIN_HEAP_OPS: usize = 400;

/// One function's translation.
pub(super) struct Translator<'e, 'b> {
    pub(super) env: &'e Env<'e>,
    pub(super) b: FunctionBuilder<'b>,
    /// The VM state the function reaches (the only part that knows the VM layout).
    pub(super) vm: FuncEnv<'e>,
    pub(super) stack: ValueStack,
    pub(super) frames: ControlStack,
    /// What is known about addresses, to elide bounds checks.
    pub(super) checks: BoundsChecks,
    pub(super) locals: Vec<(Variable, Type)>,
    pub(super) reachable: bool,
    pub(super) results: Vec<Type>,
    trap_blocks: HashMap<Trap, Block>,
    unwind_block: Option<Block>,
    /// The iconst holding the open fuel block's charge, and the charge so far.
    fuel_inst: Option<Inst>,
    pub(super) fuel: i64,
    /// The comparison of the prologue's stack check.
    stack_check: Option<Inst>,
    /// Flags of linear-memory accesses: bounds checked before, possibly unaligned, in
    /// their own alias region (a store to linear memory never changes VM state, so
    /// loads of globals and the like can be reused across it).
    pub(super) heap_flags: MemFlagsData,
    /// When compiling an on-stack-replacement entry (see `osr`).
    pub(super) osr: Option<Osr>,
    /// Wasm offset of the operator being translated.
    pub(super) op_offset: usize,
}

/// Translates defined function `d` into `ctx.func`; returns whether it keeps memory 0's
/// length in the pinned register (and so must be compiled with `Env::pinned_isa`).
pub(crate) fn build_function(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: DefinedFuncIndex,
) -> Result<bool> {
    build(env, ctx, fctx, d, false).map(|(pin, _)| pin)
}

/// Translates the on-stack-replacement entry of defined function `d` (see `osr`) into
/// `ctx.func`; returns whether it uses the pinned register (as `build_function`) and the
/// wasm offsets of the loops it can enter.
pub(crate) fn build_osr_function(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: DefinedFuncIndex,
) -> Result<(bool, Vec<u32>)> {
    build(env, ctx, fctx, d, true)
}

fn build(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: DefinedFuncIndex,
    osr: bool,
) -> Result<(bool, Vec<u32>)> {
    let module = env.module;
    let ty = module.func_type(module.func_index(d).as_u32()).clone();
    let signature = if osr {
        array_signature(env.call_conv, env.ptr)
    } else {
        wasm_signature(&ty, env.call_conv, env.ptr)
    };
    ctx.func = Function::with_name_signature(
        UserFuncName::user(if osr { 2 } else { 0 }, d.as_u32()),
        signature,
    );
    let heap_region = ctx.func.dfg.alias_regions.insert(AliasRegionData {
        user_id: 0,
        description: "linear memory".into(),
    });
    let range = module.bodies[d.index()].clone();
    let body = FunctionBody::new(BinaryReader::new(
        &module.bytes[range.clone()],
        range.start as u64,
    ));
    let mut num_locals = ty.params().len();
    for local in body.get_locals_reader()? {
        num_locals = num_locals.saturating_add(local?.0 as usize);
    }
    let (assigns, heap_ops) = loop_assignments(&body, num_locals)?;
    // Functions with many memory accesses keep the memory's length in the pinned register
    // (see `Env::pinned_isa`); the others in a variable, leaving that register free.
    let pin =
        env.pinned_isa.is_some() && !module.memories.is_empty() && heap_ops >= PIN_MIN_HEAP_OPS;
    let min_mem_bytes = module
        .memories
        .first()
        .map_or(0, |m| m.minimum.saturating_mul(WASM_PAGE_SIZE as u64));
    let mut t = Translator {
        env,
        b: FunctionBuilder::new(&mut ctx.func, fctx),
        vm: FuncEnv::new(env, pin),
        stack: ValueStack::default(),
        frames: ControlStack::default(),
        checks: BoundsChecks::new(min_mem_bytes),
        locals: Vec::new(),
        reachable: true,
        results: ty
            .results()
            .iter()
            .map(|t| clif_type(*t, env.ptr))
            .collect(),
        trap_blocks: HashMap::default(),
        unwind_block: None,
        fuel_inst: None,
        fuel: 0,
        stack_check: None,
        heap_flags: MemFlagsData::new()
            .with_notrap()
            .with_alias_region(Some(heap_region)),
        osr: osr.then(Osr::default),
        op_offset: 0,
    };
    t.prologue(&ty, &body)?;
    if let Some(assigns) = assigns {
        t.checks.track_locals(t.locals.len(), assigns);
    }
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let offset = reader.original_position();
        t.op_offset = offset as usize;
        if let Err(e) = reader.visit_operator(&mut t)? {
            return Err(anyhow!("{e} (at offset {offset:#x})"));
        }
    }
    let loops = t.osr_finish()?;
    t.finish(range.end - range.start);
    Ok((pin, loops))
}

impl Translator<'_, '_> {
    /// The entry block: the stack check, memory 0's state, the locals, and the frame of
    /// the function body.
    fn prologue(&mut self, ty: &FuncType, body: &FunctionBody<'_>) -> Result<()> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.vm.enter(&mut self.b, params[0]);
        // Deep recursion: compare the stack pointer with the store's limit.
        let ptr = self.env.ptr;
        let sp = self.b.ins().get_stack_pointer(ptr);
        let limit = self.vm.stack_limit(&mut self.b);
        let overflow = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        self.stack_check = Some(self.b.func.dfg.value_def(overflow).unwrap_inst());
        self.trap_if(overflow, Trap::StackOverflow);
        if !self.env.module.memories.is_empty() {
            self.vm.enter_memory(&mut self.b);
        }
        // An OSR entry loads every local from the interpreter's frame.
        let osr_buf = self.osr.is_some().then(|| params[2]);
        for (i, t) in ty.params().iter().enumerate() {
            let ct = clif_type(*t, ptr);
            let var = self.b.declare_var(ct);
            let v = match osr_buf {
                Some(buf) => load_array_slot(&mut self.b, ct, buf, i),
                None => params[2 + i],
            };
            self.b.def_var(var, v);
            self.locals.push((var, ct));
        }
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let ct = clif_type(ValType::from_wasmparser(t).map_err(|e| anyhow!(e))?, ptr);
            for _ in 0..count {
                let var = self.b.declare_var(ct);
                let v = match osr_buf {
                    Some(buf) => load_array_slot(&mut self.b, ct, buf, self.locals.len()),
                    None => self.zero(ct),
                };
                self.b.def_var(var, v);
                self.locals.push((var, ct));
            }
        }
        let dest = self.new_block_with(&self.results.clone());
        self.frames.push(Frame {
            kind: FrameKind::Block,
            dest,
            other: dest,
            params: Vec::new(),
            results: self.results.clone(),
            height: 0,
            branched: false,
            live: true,
            checks_mark: 0,
            cond: None,
        });
        if self.osr.is_some() {
            self.osr_begin(params[2], params[3]);
        } else {
            self.fuel_block();
        }
        Ok(())
    }

    /// After the last operator of a body of `body_len` bytes: closes the fuel block,
    /// fills the cold blocks and finalizes the function.
    fn finish(mut self, body_len: usize) {
        self.close_fuel();
        self.drop_leaf_stack_check(body_len);
        self.fill_cold_blocks();
        self.b.seal_all_blocks();
        self.b.finalize(self.env.frontend);
    }

    /// A small function that calls nothing cannot recurse, and its frame is small: like
    /// Cranelift's own stack checks, it goes without one (its caller checked). The
    /// comparison becomes `false`; the optimizer then drops the branch and the loads.
    fn drop_leaf_stack_check(&mut self, body_len: usize) {
        /// Largest body (in bytes of wasm) whose frame is surely small.
        const SMALL_BODY: usize = 1024;
        if self.vm.calls || body_len > SMALL_BODY || self.locals.len() > 64 {
            return;
        }
        if let Some(inst) = self.stack_check.take() {
            self.set_iconst(inst, 0);
        }
    }

    /// Makes `inst` the constant `value` (of its type).
    fn set_iconst(&mut self, inst: Inst, value: i64) {
        self.b.func.dfg.insts[inst] = InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm: Imm64::new(value),
        };
    }

    pub(super) fn zero(&mut self, t: Type) -> Value {
        match t {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        }
    }

    /// A new block with parameters of types `tys`.
    pub(super) fn new_block_with(&mut self, tys: &[Type]) -> Block {
        let block = self.b.create_block();
        for t in tys {
            self.b.append_block_param(block, *t);
        }
        block
    }

    // ---- returns and traps ----

    /// Returns `vals`, giving the caller its pinned register back (an OSR entry stores
    /// them in its buffer and returns `true`, as the array-call ABI has it).
    pub(super) fn ret(&mut self, vals: &[Value]) {
        self.vm.leave(&mut self.b);
        if self.osr.is_some() {
            self.osr_return(vals);
        } else {
            self.b.ins().return_(vals);
        }
    }

    /// Returns the function's results from the top of the stack.
    pub(super) fn emit_return(&mut self) {
        let n = self.results.len();
        let vals = self.stack.peekn(n).to_vec();
        self.ret(&vals);
    }

    /// Leaves for the entry (after a trap was recorded; see `vm::unwind`). Filled in by
    /// `fill_cold_blocks` at the end (a builder cannot leave a half-filled block).
    pub(super) fn unwind_block(&mut self) -> Block {
        if let Some(b) = self.unwind_block {
            return b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.unwind_block = Some(block);
        block
    }

    /// Records `trap` and leaves for the entry (filled in at the end).
    pub(super) fn trap_block(&mut self, trap: Trap) -> Block {
        if let Some(b) = self.trap_blocks.get(&trap) {
            return *b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.trap_blocks.insert(trap, block);
        block
    }

    fn fill_cold_blocks(&mut self) {
        let mut traps: Vec<(Trap, Block)> =
            self.trap_blocks.iter().map(|(t, b)| (*t, *b)).collect();
        traps.sort_by_key(|(t, _)| t.code());
        for (trap, block) in traps {
            self.b.switch_to_block(block);
            let code = self.b.ins().iconst(types::I32, trap.code() as i64);
            self.vm.raise_trap(&mut self.b, code);
        }
        if let Some(block) = self.unwind_block {
            self.b.switch_to_block(block);
            self.vm.unwind(&mut self.b);
        }
    }

    /// Traps when `cond` (i8/i32) is non-zero.
    pub(super) fn trap_if(&mut self, cond: Value, trap: Trap) {
        let t = self.trap_block(trap);
        self.branch_cold(cond, t);
    }

    /// Goes on in a new block, leaving for the shared cold block `target` (a trap or the
    /// unwind) when `cond` is non-zero. The edge passes through a block of its own: a
    /// branch straight to a block of many predecessors is a critical edge, whose split
    /// block Cranelift lowers right after the branch, between it and the code that goes
    /// on; every value live across the check then had a hole in its live range, and
    /// register allocation worked on all the pieces (compile instructions of coremark
    /// -14%, markdown -8%, quickjs -9% with the block of its own, which the control-flow
    /// order puts after the code that goes on).
    fn branch_cold(&mut self, cond: Value, target: Block) {
        let exit = self.b.create_block();
        self.b.set_cold_block(exit);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, exit, &[], cont, &[]);
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
        self.b.ins().jump(target, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Traps unconditionally; the code after it is unreachable.
    pub(super) fn trap_now(&mut self, trap: Trap) {
        let t = self.trap_block(trap);
        self.b.ins().jump(t, &[]);
        self.reachable = false;
    }

    /// After a wasm call, which returns only if it did not trap: it may have grown
    /// memory.
    pub(super) fn after_call(&mut self) {
        self.vm.reload_mem_len(&mut self.b);
    }

    /// After a libcall that may have trapped (and grown memory): leave if it did.
    pub(super) fn check_trap_flag(&mut self) {
        self.after_call();
        let flag = self.vm.trap_flag(&mut self.b);
        let unwind = self.unwind_block();
        self.branch_cold(flag, unwind);
    }

    // ---- fuel ----

    /// Writes the open fuel block's charge into its constant.
    fn close_fuel(&mut self) {
        if let Some(inst) = self.fuel_inst.take() {
            self.set_iconst(inst, self.fuel);
        }
    }

    /// Starts a basic block for fuel accounting (the interpreter's `fuel_block`).
    pub(super) fn fuel_block(&mut self) {
        if !self.env.options.fuel {
            return;
        }
        self.close_fuel();
        let fuel = self.vm.fuel(&mut self.b);
        let amount = self.b.ins().iconst(types::I64, 0);
        self.fuel_inst = Some(self.b.func.dfg.value_def(amount).unwrap_inst());
        self.fuel = 0;
        let short = self.b.ins().icmp(IntCC::SignedLessThan, fuel, amount);
        self.trap_if(short, Trap::OutOfFuel);
        let left = self.b.ins().isub(fuel, amount);
        self.vm.set_fuel(&mut self.b, left);
    }
}
