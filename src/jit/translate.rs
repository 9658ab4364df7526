//! Wasm → Cranelift IR, one function at a time, with `cranelift-frontend`: wasm locals
//! are `Variable`s, the operand stack is a `Vec<Value>`, each wasm block, loop and if is
//! a Cranelift block with parameters for the values it passes.
//!
//! Every trap is explicit: bounds checks, division checks and conversion checks branch
//! to a cold block that calls `raise_trap` and returns. After every call the callee may
//! have trapped: the trap flag is checked and, when set, this function returns too.
//!
//! Linear memory has no guard pages and no signal handler, so each access is checked
//! against the current length, unless the check is known to pass. Memories never shrink,
//! so a check that dominates an access of the same address covers it (facts are kept per
//! SSA value and per local and version of its value, and forgotten where control flow
//! joins); an access also needs no check when the memory's minimum size covers every
//! value the address can have (constants, masks, narrow loads, shifts, and bounds from
//! the conditions of the branches that lead to it); and a check is raised to cover a
//! later access of the same address when nothing observable happens between the two.
//! The length lives in a variable reloaded after calls (which may grow the memory), or,
//! in functions with many accesses, in Cranelift's pinned register (`Env::pinned_isa`).
//! Small functions that call nothing skip the stack-limit check, as with Cranelift's own.
//!
//! Fuel is charged per basic block exactly where the interpreter charges it (function
//! entry, loop header, then/else arms, joins, the fall-through of a conditional branch),
//! at the cost per operator of `module::fuel`, so both tiers consume the same fuel.

use super::{JitOptions, array_signature, clif_type, wasm_signature};
use crate::module::{FuncType, ModuleInfo, ValType, fuel};
use crate::vm::{
    Trap, VMContextHeader, VMFuncRef, VMGlobalDefinition, VMMemoryDefinition, VMOffsets,
    VMSharedTypeIndex, VMStoreContext, VMTableDefinition, WASM_PAGE_SIZE,
};
use anyhow::{Result, anyhow, bail};
use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::condcodes::{CondCode, FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::{
    AliasRegionData, Block, BlockArg, BlockCall, Function, InstBuilder, InstructionData,
    JumpTableData, MemFlagsData, Opcode, StackSlotData, StackSlotKind, Type, UserFuncName, Value,
    types,
};
use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, FuncRef, SigRef, StackSlot, UserExternalName,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{FuncId, ModuleDeclarations, ModuleReloc};
use std::collections::HashMap;
use wasmparser::{BinaryReader, BlockType, FunctionBody, Operator as O};

/// Everything a function translation needs to know about its module.
pub(crate) struct Env<'a> {
    pub(crate) module: &'a ModuleInfo,
    pub(crate) offsets: &'a VMOffsets,
    pub(crate) sig_ids: &'a [VMSharedTypeIndex],
    pub(crate) options: &'a JitOptions,
    /// Per defined function: (wasm entry, array trampoline) when compiled.
    pub(crate) ids: &'a [Option<(FuncId, FuncId)>],
    pub(crate) libcalls: &'a super::libcalls::Libcalls,
    pub(crate) call_conv: CallConv,
    pub(crate) ptr: Type,
    pub(crate) frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// Every function of the JIT module (signatures, linkage), read-only while workers
    /// compile.
    pub(crate) decls: &'a ModuleDeclarations,
    pub(crate) isa: &'a dyn TargetIsa,
    /// The same target with Cranelift's pinned register reserved (x86_64: r15, aarch64:
    /// x21), if it has one. Functions compiled with it keep memory 0's length there
    /// instead of in a variable (one register less for everything else, but no reload
    /// from the stack before each bounds check); they save the caller's value on entry
    /// and restore it on return, so to every other function the register is just
    /// callee-saved, as the platform ABI has it.
    pub(crate) pinned_isa: Option<&'a dyn TargetIsa>,
}

/// A function with at least this many loads and stores keeps memory 0's length in the
/// pinned register (`Env::pinned_isa`).
const PIN_MIN_HEAP_OPS: usize = 400;

/// One function compiled to machine code, to be placed in the JIT module.
pub(crate) struct Artifact {
    pub(crate) id: FuncId,
    pub(crate) align: u64,
    pub(crate) bytes: Vec<u8>,
    pub(crate) relocs: Vec<ModuleReloc>,
    /// Bytes of its native frame below the saved frame pointer.
    pub(crate) frame_size: u32,
}

/// Imports function `id` of the JIT module into `func` (what `Module::declare_func_in_func`
/// does, without needing the module itself, so that threads can share it).
fn declare_func(env: &Env<'_>, func: &mut Function, id: FuncId) -> FuncRef {
    let decl = env.decls.get_function_decl(id);
    let signature = func.import_signature(decl.signature.clone());
    let name = func.declare_imported_user_function(UserExternalName {
        namespace: 0,
        index: id.as_u32(),
    });
    func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: decl.linkage.is_final(),
        patchable: false,
    })
}

/// Compiles the function in `ctx` to machine code and clears `ctx` for the next one.
fn compile(env: &Env<'_>, ctx: &mut Context, id: FuncId, pinned: bool) -> Result<Artifact> {
    let isa = match env.pinned_isa {
        Some(isa) if pinned => isa,
        _ => env.isa,
    };
    ctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| anyhow!("Cranelift: {:?}", e.inner))?;
    let code = ctx.compiled_code().expect("just compiled");
    let artifact = Artifact {
        id,
        align: code.buffer.alignment as u64,
        bytes: code.code_buffer().to_vec(),
        relocs: code
            .buffer
            .relocs()
            .iter()
            .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
            .collect(),
        frame_size: code
            .buffer
            .frame_layout()
            .map_or(0, |l| l.frame_to_fp_offset),
    };
    ctx.clear();
    Ok(artifact)
}

fn block_args(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|v| BlockArg::Value(*v)).collect()
}

/// True for the loads and stores of linear memory.
fn is_memory_access(op: &O<'_>) -> bool {
    matches!(
        op,
        O::I32Load { .. }
            | O::I64Load { .. }
            | O::F32Load { .. }
            | O::F64Load { .. }
            | O::I32Load8S { .. }
            | O::I32Load8U { .. }
            | O::I32Load16S { .. }
            | O::I32Load16U { .. }
            | O::I64Load8S { .. }
            | O::I64Load8U { .. }
            | O::I64Load16S { .. }
            | O::I64Load16U { .. }
            | O::I64Load32S { .. }
            | O::I64Load32U { .. }
            | O::I32Store { .. }
            | O::I64Store { .. }
            | O::F32Store { .. }
            | O::F64Store { .. }
            | O::I32Store8 { .. }
            | O::I32Store16 { .. }
            | O::I64Store8 { .. }
            | O::I64Store16 { .. }
            | O::I64Store32 { .. }
    )
}

/// Flags of accesses to VM structures: aligned, never trapping.
fn vm_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags of loads of VM fields that never change while the instance lives (the store
/// context pointer, memory, global and function pointers, a memory's base, which never
/// moves): the optimizer may merge them, hoist them out of loops, or load them only on
/// the paths that use them.
fn fixed_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// What a bounds fact is about: an SSA value, or the value a local held at a version.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
enum AddrKey {
    Value(Value),
    Local(u32, u32),
}

/// An entry of `Translator::check_log`.
#[derive(Copy, Clone, Debug)]
enum Fact {
    /// `Translator::checked`.
    InBounds(AddrKey),
    /// `Translator::at_most`.
    AtMost(AddrKey),
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum FrameKind {
    Block,
    Loop,
    If,
    Else,
}

struct Frame {
    kind: FrameKind,
    /// Where the frame's end continues (with the results as parameters).
    dest: Block,
    /// Loop header (loops), else block (ifs).
    other: Block,
    params: Vec<Type>,
    results: Vec<Type>,
    /// Operand-stack height below the parameters.
    height: usize,
    /// A branch (not the fall-through) targets `dest`.
    branched: bool,
    /// Code was reachable when the frame was entered.
    live: bool,
    /// Length of `Translator::check_log` when the frame was entered.
    checks_mark: usize,
    /// An `if`'s condition.
    cond: Option<Value>,
}

struct Translator<'e, 'b> {
    env: &'e Env<'e>,
    b: FunctionBuilder<'b>,
    /// Functions and signatures already imported into this function.
    func_refs: HashMap<FuncId, FuncRef>,
    sig_refs: HashMap<(u32, bool), SigRef>,
    array_buf: Option<StackSlot>,
    vmctx: Value,
    store_ctx: Value,
    /// `VMMemoryDefinition` of memory 0 and its (never moving) base.
    mem_def: Option<Value>,
    mem_base: Option<Value>,
    /// Current length of memory 0, reloaded after anything that may grow it (calls,
    /// `memory.grow`); SSA construction carries it across blocks.
    mem_len: Option<Variable>,
    locals: Vec<(Variable, Type)>,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    reachable: bool,
    results: Vec<Type>,
    trap_blocks: HashMap<Trap, Block>,
    unwind_block: Option<Block>,
    /// The iconst holding the open fuel block's charge, and the charge so far.
    fuel_inst: Option<cranelift_codegen::ir::Inst>,
    fuel: i64,
    /// Bounds checks that dominate the current block: wasm address → largest
    /// `offset + size` known to be in bounds. Memories never shrink, so such a fact
    /// stays true; it is only forgotten where control flow joins (`restore_checks`).
    checked: HashMap<AddrKey, u64>,
    /// Upper bounds of i32 values that hold where the current block is, from the
    /// conditions of the branches that lead here (`br_if` not taken, an `if` arm):
    /// Rust's own index checks against constant lengths bound many addresses.
    at_most: HashMap<AddrKey, u64>,
    /// Undo log of `checked` and `at_most`: (fact, previous entry).
    check_log: Vec<(Fact, Option<u64>)>,
    /// Whether an `at_most` fact went into the bound being computed (which then is not
    /// memoized).
    used_path_fact: bool,
    /// Values read from a local: (local, version of its value). Inside a loop a read
    /// gives a new SSA value (the header's parameter) even where the loop never assigns
    /// the local; the local's version still names the same runtime value.
    origin: HashMap<Value, (u32, u32)>,
    /// Current version of each local's value (`None`: versions are not tracked in this
    /// function, see `loop_assignments`).
    versions: Option<Vec<u32>>,
    next_version: u32,
    /// Locals assigned inside each loop, in the order the loops appear.
    loop_assigns: Vec<Vec<u32>>,
    loops_seen: usize,
    /// Bounds checks emitted in the current stretch of code (`epoch`), whose constant
    /// `offset + size` may still be raised (`widen_check`).
    widenable: HashMap<AddrKey, (cranelift_codegen::ir::Inst, u64)>,
    /// Advances at everything a widened check must not move before (`transparent`).
    epoch: u64,
    /// The comparison of the prologue's stack check, and whether the function calls
    /// anything (other than `raise_trap` on the way out).
    stack_check: Option<cranelift_codegen::ir::Inst>,
    calls: bool,
    /// When memory 0's length lives in the pinned register: where the register's value
    /// on entry is kept, which belongs to the caller and is put back before returning.
    pin: Option<StackSlot>,
    /// Memoized `upper_bound` results.
    bounds: HashMap<Value, Option<u64>>,
    /// Bytes memory 0 always has (its minimum size).
    min_mem_bytes: u64,
    /// Flags of linear-memory accesses: bounds checked before, possibly unaligned, in
    /// their own alias region (a store to linear memory never changes VM state, so
    /// loads of globals and the like can be reused across it).
    heap_flags: MemFlagsData,
}

pub(crate) fn translate_function(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: u32,
    id: FuncId,
) -> Result<Artifact> {
    let pin = build_function(env, ctx, fctx, d)?;
    compile(env, ctx, id, pin)
}

/// Translates defined function `d` into `ctx.func`; returns whether it keeps memory 0's
/// length in the pinned register (and so must be compiled with `Env::pinned_isa`).
pub(crate) fn build_function(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: u32,
) -> Result<bool> {
    let module = env.module;
    let func_index = module.num_imported_funcs + d;
    let ty = module.func_type(func_index).clone();
    ctx.func = Function::with_name_signature(
        UserFuncName::user(0, d),
        wasm_signature(&ty, env.call_conv, env.ptr),
    );
    let heap_region = ctx.func.dfg.alias_regions.insert(AliasRegionData {
        user_id: 0,
        description: "linear memory".into(),
    });
    let range = module.bodies[d as usize].clone();
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
    {
        let b = FunctionBuilder::new(&mut ctx.func, fctx);
        let mut t = Translator {
            env,
            b,
            func_refs: HashMap::new(),
            sig_refs: HashMap::new(),
            array_buf: None,
            vmctx: Value::from_u32(0),
            store_ctx: Value::from_u32(0),
            mem_def: None,
            mem_base: None,
            mem_len: None,
            locals: Vec::new(),
            stack: Vec::new(),
            frames: Vec::new(),
            reachable: true,
            results: ty
                .results()
                .iter()
                .map(|t| clif_type(*t, env.ptr))
                .collect(),
            trap_blocks: HashMap::new(),
            unwind_block: None,
            fuel_inst: None,
            fuel: 0,
            checked: HashMap::new(),
            at_most: HashMap::new(),
            check_log: Vec::new(),
            used_path_fact: false,
            origin: HashMap::new(),
            versions: None,
            next_version: 0,
            loop_assigns: Vec::new(),
            loops_seen: 0,
            bounds: HashMap::new(),
            stack_check: None,
            calls: false,
            pin: pin.then_some(StackSlot::from_u32(0)),
            widenable: HashMap::new(),
            epoch: 0,
            min_mem_bytes: module
                .memories
                .first()
                .map_or(0, |m| m.minimum.saturating_mul(WASM_PAGE_SIZE as u64)),
            heap_flags: MemFlagsData::new()
                .with_notrap()
                .with_alias_region(Some(heap_region)),
        };
        t.prologue(&ty, &body)?;
        if let Some(assigns) = assigns {
            t.versions = Some(vec![0; t.locals.len()]);
            t.next_version = 1;
            t.loop_assigns = assigns;
        }
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            t.operator(op)
                .map_err(|e| anyhow!("{e} (at offset {offset:#x})"))?;
        }
        t.close_fuel();
        t.drop_leaf_stack_check(range.end - range.start);
        t.fill_cold_blocks();
        t.b.seal_all_blocks();
        t.b.finalize(env.frontend);
    }
    Ok(pin)
}

/// Which locals each loop of `body` assigns (its nested loops included), in the order the
/// loops appear (`None` when the answer would cost more than a small multiple of the
/// body's size to compute: deeply nested loops assigning many locals); and how many
/// loads and stores the body has.
fn loop_assignments(
    body: &FunctionBody<'_>,
    num_locals: usize,
) -> Result<(Option<Vec<Vec<u32>>>, usize)> {
    let range = body.range();
    let mut heap_ops = 0;
    let mut budget = (range.end - range.start) as usize * 4 + 1024;
    let mut loops: Vec<Vec<u32>> = Vec::new();
    // Per open frame: the loop's index when it is a loop.
    let mut frames: Vec<Option<usize>> = Vec::new();
    let mut open_loops: Vec<usize> = Vec::new();
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        match reader.read()? {
            O::Block { .. } | O::If { .. } => frames.push(None),
            O::Loop { .. } => {
                frames.push(Some(loops.len()));
                open_loops.push(loops.len());
                loops.push(Vec::new());
            }
            O::End => {
                if let Some(Some(l)) = frames.pop() {
                    open_loops.pop();
                    let mut set = core::mem::take(&mut loops[l]);
                    set.sort_unstable();
                    set.dedup();
                    if let Some(&parent) = open_loops.last() {
                        budget = match budget.checked_sub(set.len()) {
                            Some(b) => b,
                            None => return Ok((None, heap_ops)),
                        };
                        loops[parent].extend_from_slice(&set);
                    }
                    loops[l] = set;
                }
            }
            O::LocalSet { local_index } | O::LocalTee { local_index } => {
                if (local_index as usize) < num_locals
                    && let Some(&l) = open_loops.last()
                {
                    loops[l].push(local_index);
                }
            }
            op if is_memory_access(&op) => heap_ops += 1,
            _ => {}
        }
    }
    Ok((Some(loops), heap_ops))
}

/// The array-call trampoline of compiled function `d`.
pub(crate) fn array_trampoline(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: u32,
    wasm: FuncId,
    id: FuncId,
) -> Result<Artifact> {
    build_array_trampoline(env, ctx, fctx, d, wasm);
    compile(env, ctx, id, false)
}

/// Builds the array-call trampoline of compiled function `d` (entry `wasm`) in `ctx.func`.
pub(crate) fn build_array_trampoline(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: u32,
    wasm: FuncId,
) {
    let module = env.module;
    let ty = module.func_type(module.num_imported_funcs + d).clone();
    ctx.func = Function::with_name_signature(
        UserFuncName::user(1, d),
        array_signature(env.call_conv, env.ptr),
    );
    let callee = declare_func(env, &mut ctx.func, wasm);
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let (vmctx, caller, args) = (p[0], p[1], p[2]);
    let mut call_args = vec![vmctx, caller];
    for (i, t) in ty.params().iter().enumerate() {
        call_args.push(
            b.ins()
                .load(clif_type(*t, env.ptr), vm_flags(), args, (i * 16) as i32),
        );
    }
    let call = b.ins().call(callee, &call_args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.iter().enumerate() {
        b.ins().store(vm_flags(), *r, args, (i * 16) as i32);
    }
    let store_ctx = b.ins().load(
        env.ptr,
        vm_flags(),
        vmctx,
        VMContextHeader::STORE_CONTEXT as i32,
    );
    let flag = b.ins().load(
        types::I32,
        vm_flags(),
        store_ctx,
        VMStoreContext::TRAP_FLAG as i32,
    );
    let trapped = b.create_block();
    let ok = b.create_block();
    b.ins().brif(flag, trapped, &[], ok, &[]);
    b.switch_to_block(trapped);
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().store(
        vm_flags(),
        zero,
        store_ctx,
        VMStoreContext::TRAP_FLAG as i32,
    );
    let f = b.ins().iconst(types::I8, 0);
    b.ins().return_(&[f]);
    b.switch_to_block(ok);
    let t = b.ins().iconst(types::I8, 1);
    b.ins().return_(&[t]);
    b.seal_all_blocks();
    b.finalize(env.frontend);
}

impl<'e, 'b> Translator<'e, 'b> {
    fn ptr(&self) -> Type {
        self.env.ptr
    }

    fn prologue(&mut self, ty: &FuncType, body: &FunctionBody<'_>) -> Result<()> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.vmctx = params[0];
        let ptr = self.ptr();
        self.store_ctx = self.b.ins().load(
            ptr,
            fixed_flags(),
            self.vmctx,
            VMContextHeader::STORE_CONTEXT as i32,
        );
        if self.pin.is_some() {
            // The caller's value, put back by every return (the stack-overflow one too).
            // Kept in a stack slot rather than a value: the optimizer must not move the
            // read of the register past the function's own writes to it.
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                ptr.bytes(),
                3,
            ));
            let saved = self.b.ins().get_pinned_reg(ptr);
            self.b.ins().stack_store(ptr, saved, slot, 0);
            self.pin = Some(slot);
        }
        // Deep recursion: compare the stack pointer with the store's limit.
        let sp = self.b.ins().get_stack_pointer(ptr);
        let limit = self.b.ins().load(
            ptr,
            vm_flags(),
            self.store_ctx,
            VMStoreContext::STACK_LIMIT as i32,
        );
        let overflow = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        self.stack_check = Some(self.b.func.dfg.value_def(overflow).unwrap_inst());
        self.trap_if(overflow, Trap::StackOverflow);
        if !self.env.module.memories.is_empty() {
            // Loaded where first needed (they are pure), so a path that touches no
            // memory loads nothing.
            let def = self.b.ins().load(
                ptr,
                fixed_flags(),
                self.vmctx,
                self.env.offsets.memory(0) as i32,
            );
            self.mem_base = Some(self.b.ins().load(
                ptr,
                fixed_flags(),
                def,
                VMMemoryDefinition::BASE as i32,
            ));
            self.mem_def = Some(def);
            self.mem_len = Some(self.b.declare_var(ptr));
            self.load_mem_len(true);
        }
        for (i, t) in ty.params().iter().enumerate() {
            let ct = clif_type(*t, ptr);
            let var = self.b.declare_var(ct);
            self.b.def_var(var, params[2 + i]);
            self.locals.push((var, ct));
        }
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let ct = clif_type(ValType::from_wasmparser(t).map_err(|e| anyhow!(e))?, ptr);
            for _ in 0..count {
                let var = self.b.declare_var(ct);
                let zero = self.zero(ct);
                self.b.def_var(var, zero);
                self.locals.push((var, ct));
            }
        }
        let dest = self.b.create_block();
        for t in self.results.clone() {
            self.b.append_block_param(dest, t);
        }
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
        self.fuel_block();
        Ok(())
    }

    /// A small function that calls nothing cannot recurse, and its frame is small: like
    /// Cranelift's own stack checks, it goes without one (its caller checked). The
    /// comparison becomes `false`; the optimizer then drops the branch and the loads.
    fn drop_leaf_stack_check(&mut self, body_len: usize) {
        /// Largest body (in bytes of wasm) whose frame is surely small.
        const SMALL_BODY: usize = 1024;
        if self.calls || body_len > SMALL_BODY || self.locals.len() > 64 {
            return;
        }
        if let Some(inst) = self.stack_check.take() {
            self.b.func.dfg.insts[inst] = InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm: Imm64::new(0),
            };
        }
    }

    fn zero(&mut self, t: Type) -> Value {
        match t {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        }
    }

    // ---- stack ----

    fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated: stack underflow")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    // ---- traps ----

    /// Returns from the function with zero results (after a trap was recorded). Filled
    /// in by `fill_cold_blocks` at the end (a builder cannot leave a half-filled block).
    fn unwind_block(&mut self) -> Block {
        if let Some(b) = self.unwind_block {
            return b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.unwind_block = Some(block);
        block
    }

    /// Records `trap` and unwinds (filled in at the end).
    fn trap_block(&mut self, trap: Trap) -> Block {
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
        if !traps.is_empty() {
            let unwind = self.unwind_block();
            let f = self.func_ref(self.env.libcalls.raise_trap);
            for (trap, block) in traps {
                self.b.switch_to_block(block);
                let code = self.b.ins().iconst(types::I32, trap.code() as i64);
                self.b.ins().call(f, &[self.vmctx, code]);
                self.b.ins().jump(unwind, &[]);
            }
        }
        if let Some(block) = self.unwind_block {
            self.b.switch_to_block(block);
            let zeros: Vec<Value> = self
                .results
                .clone()
                .into_iter()
                .map(|t| self.zero(t))
                .collect();
            self.ret(&zeros);
        }
    }

    /// Traps when `cond` (i8/i32) is non-zero.
    fn trap_if(&mut self, cond: Value, trap: Trap) {
        let t = self.trap_block(trap);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, t, &[], cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Traps unconditionally; the code after it is unreachable.
    fn trap_now(&mut self, trap: Trap) {
        let t = self.trap_block(trap);
        self.b.ins().jump(t, &[]);
        self.reachable = false;
    }

    /// After a call that may have trapped (and grown memory): return if it did.
    fn check_trap_flag(&mut self) {
        self.reload_mem_len();
        let flag = self.b.ins().load(
            types::I32,
            vm_flags(),
            self.store_ctx,
            VMStoreContext::TRAP_FLAG as i32,
        );
        let unwind = self.unwind_block();
        let cont = self.b.create_block();
        self.b.ins().brif(flag, unwind, &[], cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// The stack buffer of array calls, shared by every call site, at least `bytes` long.
    fn array_buffer(&mut self, bytes: usize) -> StackSlot {
        let bytes = bytes as u32;
        match self.array_buf {
            Some(slot) => {
                let data = &mut self.b.func.sized_stack_slots[slot];
                data.size = data.size.max(bytes);
                slot
            }
            None => {
                let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    bytes,
                    4,
                ));
                self.array_buf = Some(slot);
                slot
            }
        }
    }

    /// `id` imported into this function (once).
    fn func_ref(&mut self, id: FuncId) -> FuncRef {
        if let Some(r) = self.func_refs.get(&id) {
            return *r;
        }
        let r = declare_func(self.env, self.b.func, id);
        self.func_refs.insert(id, r);
        r
    }

    /// The wasm-call (`array: false`) or array-call signature of type `ty`, imported once.
    fn sig_ref(&mut self, ty: u32, array: bool) -> SigRef {
        // One array-call signature serves every type.
        let key = if array { (u32::MAX, true) } else { (ty, false) };
        if let Some(r) = self.sig_refs.get(&key) {
            return *r;
        }
        let sig = if array {
            array_signature(self.env.call_conv, self.env.ptr)
        } else {
            wasm_signature(
                &self.env.module.types[ty as usize],
                self.env.call_conv,
                self.env.ptr,
            )
        };
        let r = self.b.import_signature(sig);
        self.sig_refs.insert(key, r);
        r
    }

    fn libcall(&mut self, f: FuncId, args: &[Value]) -> Option<Value> {
        self.calls = true;
        let fref = self.func_ref(f);
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call(fref, &all);
        self.b.inst_results(call).first().copied()
    }

    // ---- fuel ----

    fn close_fuel(&mut self) {
        if let Some(inst) = self.fuel_inst.take() {
            let fuel = self.fuel;
            self.b.func.dfg.insts[inst] = cranelift_codegen::ir::InstructionData::UnaryImm {
                opcode: cranelift_codegen::ir::Opcode::Iconst,
                imm: cranelift_codegen::ir::immediates::Imm64::new(fuel),
            };
        }
    }

    /// Starts a basic block for fuel accounting (the interpreter's `fuel_block`).
    fn fuel_block(&mut self) {
        if !self.env.options.fuel {
            return;
        }
        self.close_fuel();
        let fuel = self.b.ins().load(
            types::I64,
            vm_flags(),
            self.store_ctx,
            VMStoreContext::FUEL as i32,
        );
        let amount = self.b.ins().iconst(types::I64, 0);
        self.fuel_inst = Some(self.b.func.dfg.value_def(amount).unwrap_inst());
        self.fuel = 0;
        let short = self.b.ins().icmp(IntCC::SignedLessThan, fuel, amount);
        self.trap_if(short, Trap::OutOfFuel);
        let left = self.b.ins().isub(fuel, amount);
        self.b.ins().store(
            vm_flags(),
            left,
            self.store_ctx,
            VMStoreContext::FUEL as i32,
        );
    }

    /// Whether `op` lets a bounds check before it be widened past it: it has no side
    /// effect, cannot trap other than out of bounds, and does not branch. (A store's own
    /// check may be widened into an earlier one; the store itself ends the stretch.)
    fn transparent(op: &O<'_>) -> bool {
        matches!(
            op,
            O::Nop
                | O::Drop
                | O::Block { .. }
                | O::Select
                | O::TypedSelect { .. }
                | O::LocalGet { .. }
                | O::LocalSet { .. }
                | O::LocalTee { .. }
                | O::GlobalGet { .. }
                | O::I32Const { .. }
                | O::I64Const { .. }
                | O::F32Const { .. }
                | O::F64Const { .. }
                | O::I32Eqz
                | O::I32Eq
                | O::I32Ne
                | O::I32LtS
                | O::I32LtU
                | O::I32GtS
                | O::I32GtU
                | O::I32LeS
                | O::I32LeU
                | O::I32GeS
                | O::I32GeU
                | O::I64Eqz
                | O::I64Eq
                | O::I64Ne
                | O::I64LtS
                | O::I64LtU
                | O::I64GtS
                | O::I64GtU
                | O::I64LeS
                | O::I64LeU
                | O::I64GeS
                | O::I64GeU
                | O::F32Eq
                | O::F32Ne
                | O::F32Lt
                | O::F32Gt
                | O::F32Le
                | O::F32Ge
                | O::F64Eq
                | O::F64Ne
                | O::F64Lt
                | O::F64Gt
                | O::F64Le
                | O::F64Ge
                | O::I32Clz
                | O::I32Ctz
                | O::I32Popcnt
                | O::I32Add
                | O::I32Sub
                | O::I32Mul
                | O::I32And
                | O::I32Or
                | O::I32Xor
                | O::I32Shl
                | O::I32ShrS
                | O::I32ShrU
                | O::I32Rotl
                | O::I32Rotr
                | O::I64Clz
                | O::I64Ctz
                | O::I64Popcnt
                | O::I64Add
                | O::I64Sub
                | O::I64Mul
                | O::I64And
                | O::I64Or
                | O::I64Xor
                | O::I64Shl
                | O::I64ShrS
                | O::I64ShrU
                | O::I64Rotl
                | O::I64Rotr
                | O::I32WrapI64
                | O::I64ExtendI32S
                | O::I64ExtendI32U
                | O::I32Extend8S
                | O::I32Extend16S
                | O::I64Extend8S
                | O::I64Extend16S
                | O::I64Extend32S
                | O::F32Add
                | O::F32Sub
                | O::F32Mul
                | O::F32Div
                | O::F32Min
                | O::F32Max
                | O::F32Abs
                | O::F32Neg
                | O::F32Copysign
                | O::F32Sqrt
                | O::F64Add
                | O::F64Sub
                | O::F64Mul
                | O::F64Div
                | O::F64Min
                | O::F64Max
                | O::F64Abs
                | O::F64Neg
                | O::F64Copysign
                | O::F64Sqrt
                | O::F32ConvertI32S
                | O::F32ConvertI32U
                | O::F32ConvertI64S
                | O::F32ConvertI64U
                | O::F64ConvertI32S
                | O::F64ConvertI32U
                | O::F64ConvertI64S
                | O::F64ConvertI64U
                | O::F32DemoteF64
                | O::F64PromoteF32
                | O::I32ReinterpretF32
                | O::I64ReinterpretF64
                | O::F32ReinterpretI32
                | O::F64ReinterpretI64
        ) || is_memory_access(op)
    }

    // ---- control ----

    fn block_type(&self, bt: BlockType) -> (Vec<Type>, Vec<Type>) {
        let ptr = self.ptr();
        match bt {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => {
                let t = ValType::from_wasmparser(t).expect("validated");
                (Vec::new(), vec![clif_type(t, ptr)])
            }
            BlockType::FuncType(i) => {
                let t = &self.env.module.types[i as usize];
                (
                    t.params().iter().map(|t| clif_type(*t, ptr)).collect(),
                    t.results().iter().map(|t| clif_type(*t, ptr)).collect(),
                )
            }
        }
    }

    fn new_block_with(&mut self, tys: &[Type]) -> Block {
        let block = self.b.create_block();
        for t in tys {
            self.b.append_block_param(block, *t);
        }
        block
    }

    /// Branches to the target of relative depth `depth` with the values it carries
    /// (loops take their parameters, other frames their results).
    fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &mut self.frames[i];
        if f.kind == FrameKind::Loop {
            (f.other, f.params.len())
        } else {
            f.branched = true;
            (f.dest, f.results.len())
        }
    }

    fn is_function_frame(&self, depth: u32) -> bool {
        depth as usize == self.frames.len() - 1
    }

    fn emit_return(&mut self) {
        let n = self.results.len();
        let vals = self.peekn(n).to_vec();
        self.ret(&vals);
    }

    fn operator(&mut self, op: O<'_>) -> Result<()> {
        if !self.reachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    if matches!(op, O::Loop { .. }) {
                        // Keep loops numbered as `loop_assignments` numbers them.
                        self.loops_seen += 1;
                    }
                    // A dead frame: only its `end` matters.
                    let dummy = self.b.create_block();
                    self.frames.push(Frame {
                        kind: FrameKind::Block,
                        dest: dummy,
                        other: dummy,
                        params: Vec::new(),
                        results: Vec::new(),
                        height: self.stack.len(),
                        branched: false,
                        live: false,
                        checks_mark: 0,
                        cond: None,
                    });
                    return Ok(());
                }
                O::Else | O::End => {}
                _ => return Ok(()),
            }
        }
        if self.env.options.fuel {
            self.fuel += i64::from(fuel::cost(&op));
        }
        if !Self::transparent(&op) {
            self.epoch += 1;
        }
        let ptr = self.ptr();
        match op {
            O::Nop => {}
            O::Unreachable => self.trap_now(Trap::UnreachableCodeReached),
            O::Block { blockty } => {
                let (params, results) = self.block_type(blockty);
                let dest = self.new_block_with(&results);
                self.frames.push(Frame {
                    kind: FrameKind::Block,
                    dest,
                    other: dest,
                    height: self.stack.len() - params.len(),
                    params,
                    results,
                    branched: false,
                    live: true,
                    checks_mark: self.check_log.len(),
                    cond: None,
                });
            }
            O::Loop { blockty } => {
                let (params, results) = self.block_type(blockty);
                // What the loop assigns has a new value at the header on each iteration.
                if self.versions.is_some()
                    && let Some(assigns) = self.loop_assigns.get_mut(self.loops_seen)
                {
                    for l in core::mem::take(assigns) {
                        self.new_version(l);
                    }
                }
                self.loops_seen += 1;
                let header = self.new_block_with(&params);
                let dest = self.new_block_with(&results);
                let args = self.popn(params.len());
                self.b.ins().jump(header, &block_args(&args));
                self.b.switch_to_block(header);
                let vals = self.b.block_params(header).to_vec();
                self.stack.extend(vals);
                self.frames.push(Frame {
                    kind: FrameKind::Loop,
                    dest,
                    other: header,
                    height: self.stack.len() - params.len(),
                    params,
                    results,
                    branched: false,
                    live: true,
                    checks_mark: self.check_log.len(),
                    cond: None,
                });
                self.fuel_block();
            }
            O::If { blockty } => {
                let (params, results) = self.block_type(blockty);
                let cond = self.pop();
                let then_block = self.new_block_with(&params);
                let else_block = self.new_block_with(&params);
                let dest = self.new_block_with(&results);
                let args = block_args(&self.popn(params.len()));
                self.b
                    .ins()
                    .brif(cond, then_block, &args, else_block, &args);
                self.b.seal_block(then_block);
                self.b.seal_block(else_block);
                self.b.switch_to_block(then_block);
                let vals = self.b.block_params(then_block).to_vec();
                self.stack.extend(vals);
                self.frames.push(Frame {
                    kind: FrameKind::If,
                    dest,
                    other: else_block,
                    height: self.stack.len() - params.len(),
                    params,
                    results,
                    branched: false,
                    live: true,
                    checks_mark: self.check_log.len(),
                    cond: Some(cond),
                });
                self.record_condition(cond, true);
                self.fuel_block();
            }
            O::Else => {
                let f = self.frames.last_mut().expect("validated");
                if f.live {
                    let (dest, else_block, height, nres) =
                        (f.dest, f.other, f.height, f.results.len());
                    if self.reachable {
                        let vals = self.peekn(nres).to_vec();
                        self.b.ins().jump(dest, &block_args(&vals));
                        self.frames.last_mut().expect("validated").branched = true;
                    }
                    self.stack.truncate(height);
                    let f = self.frames.last().expect("validated");
                    let (mark, cond) = (f.checks_mark, f.cond);
                    self.restore_checks(mark);
                    if let Some(cond) = cond {
                        self.record_condition(cond, false);
                    }
                    self.b.switch_to_block(else_block);
                    let vals = self.b.block_params(else_block).to_vec();
                    self.stack.extend(vals);
                    self.reachable = true;
                    self.fuel_block();
                }
                self.frames.last_mut().expect("validated").kind = FrameKind::Else;
            }
            O::End => self.end(),
            O::Br { relative_depth } => {
                if self.is_function_frame(relative_depth) {
                    self.emit_return();
                } else {
                    let (target, n) = self.branch_target(relative_depth);
                    let vals = self.peekn(n).to_vec();
                    self.b.ins().jump(target, &block_args(&vals));
                }
                self.reachable = false;
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop();
                let cont = self.b.create_block();
                if self.is_function_frame(relative_depth) {
                    let ret = self.b.create_block();
                    self.b.ins().brif(cond, ret, &[], cont, &[]);
                    self.b.switch_to_block(ret);
                    self.b.seal_block(ret);
                    self.emit_return();
                } else {
                    let (target, n) = self.branch_target(relative_depth);
                    let vals = self.peekn(n).to_vec();
                    self.b
                        .ins()
                        .brif(cond, target, &block_args(&vals), cont, &[]);
                }
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
                self.record_condition(cond, false);
                self.fuel_block();
            }
            O::BrTable { targets } => {
                let index = self.pop();
                let mut depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
                depths.push(targets.default());
                let mut calls = Vec::with_capacity(depths.len());
                let mut ret_block = None;
                for depth in depths {
                    let (block, vals) = if self.is_function_frame(depth) {
                        let r = match ret_block {
                            Some(r) => r,
                            None => {
                                let r = self.b.create_block();
                                ret_block = Some(r);
                                r
                            }
                        };
                        (r, Vec::new())
                    } else {
                        let (target, n) = self.branch_target(depth);
                        (target, self.peekn(n).to_vec())
                    };
                    let pool = &mut self.b.func.dfg.value_lists;
                    calls.push(BlockCall::new(block, block_args(&vals), pool));
                }
                let default = calls.pop().expect("a default target");
                let jt = self
                    .b
                    .create_jump_table(JumpTableData::new(default, &calls));
                self.b.ins().br_table(index, jt);
                if let Some(r) = ret_block {
                    self.b.switch_to_block(r);
                    self.b.seal_block(r);
                    self.emit_return();
                }
                self.reachable = false;
            }
            O::Return => {
                self.emit_return();
                self.reachable = false;
            }
            O::Call { function_index } => self.call(function_index)?,
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index),
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let (a, b, c) = self.pop3();
                let v = self.b.ins().select(c, a, b);
                self.push(v);
            }
            O::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize].0);
                if let Some(versions) = &self.versions {
                    self.origin
                        .insert(v, (local_index, versions[local_index as usize]));
                }
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[local_index as usize].0, v);
                self.new_version(local_index);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[local_index as usize].0, v);
                self.new_version(local_index);
                if let Some(versions) = &self.versions {
                    self.origin
                        .insert(v, (local_index, versions[local_index as usize]));
                }
            }
            O::GlobalGet { global_index } => {
                let t = clif_type(self.env.module.globals[global_index as usize].content, ptr);
                let g = self.global_ptr(global_index);
                let v = self.b.ins().load(t, vm_flags(), g, 0);
                self.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                let g = self.global_ptr(global_index);
                self.b.ins().store(vm_flags(), v, g, 0);
            }
            O::I32Load { memarg } => self.load(types::I32, 4, &memarg, Ext::None),
            O::I64Load { memarg } => self.load(types::I64, 8, &memarg, Ext::None),
            O::F32Load { memarg } => self.load(types::F32, 4, &memarg, Ext::None),
            O::F64Load { memarg } => self.load(types::F64, 8, &memarg, Ext::None),
            O::I32Load8S { memarg } => self.load(types::I32, 1, &memarg, Ext::S8),
            O::I32Load8U { memarg } => self.load(types::I32, 1, &memarg, Ext::U8),
            O::I32Load16S { memarg } => self.load(types::I32, 2, &memarg, Ext::S16),
            O::I32Load16U { memarg } => self.load(types::I32, 2, &memarg, Ext::U16),
            O::I64Load8S { memarg } => self.load(types::I64, 1, &memarg, Ext::S8),
            O::I64Load8U { memarg } => self.load(types::I64, 1, &memarg, Ext::U8),
            O::I64Load16S { memarg } => self.load(types::I64, 2, &memarg, Ext::S16),
            O::I64Load16U { memarg } => self.load(types::I64, 2, &memarg, Ext::U16),
            O::I64Load32S { memarg } => self.load(types::I64, 4, &memarg, Ext::S32),
            O::I64Load32U { memarg } => self.load(types::I64, 4, &memarg, Ext::U32),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(4, &memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(8, &memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(1, &memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(2, &memarg),
            O::MemorySize { .. } => {
                let len = self.current_mem_len();
                let pages = self.b.ins().ushr_imm_u(len, 16);
                let v = self.b.ins().ireduce(types::I32, pages);
                self.push(v);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop();
                let m = self.b.ins().iconst(types::I32, mem as i64);
                let v = self
                    .libcall(self.env.libcalls.memory_grow, &[m, delta])
                    .expect("result");
                self.reload_mem_len();
                self.push(v);
            }
            O::MemoryFill { mem } => {
                let (d, v, n) = self.pop3();
                let m = self.b.ins().iconst(types::I32, mem as i64);
                self.libcall(self.env.libcalls.memory_fill, &[m, d, v, n]);
                self.check_trap_flag();
            }
            O::MemoryCopy { dst_mem, .. } => {
                let (d, s, n) = self.pop3();
                let m = self.b.ins().iconst(types::I32, dst_mem as i64);
                self.libcall(self.env.libcalls.memory_copy, &[m, d, s, n]);
                self.check_trap_flag();
            }
            O::MemoryInit { data_index, mem } => {
                let (d, s, n) = self.pop3();
                let m = self.b.ins().iconst(types::I32, mem as i64);
                let seg = self.b.ins().iconst(types::I32, data_index as i64);
                self.libcall(self.env.libcalls.memory_init, &[m, seg, d, s, n]);
                self.check_trap_flag();
            }
            O::DataDrop { data_index } => {
                let seg = self.b.ins().iconst(types::I32, data_index as i64);
                self.libcall(self.env.libcalls.data_drop, &[seg]);
            }
            O::TableGet { table } => {
                let i = self.pop();
                let t = self.b.ins().iconst(types::I32, table as i64);
                let v = self
                    .libcall(self.env.libcalls.table_get, &[t, i])
                    .expect("result");
                self.check_trap_flag();
                self.push(v);
            }
            O::TableSet { table } => {
                let (i, v) = self.pop2();
                let t = self.b.ins().iconst(types::I32, table as i64);
                self.libcall(self.env.libcalls.table_set, &[t, i, v]);
                self.check_trap_flag();
            }
            O::TableSize { table } => {
                let t = self.b.ins().iconst(types::I32, table as i64);
                let v = self
                    .libcall(self.env.libcalls.table_size, &[t])
                    .expect("result");
                self.push(v);
            }
            O::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let t = self.b.ins().iconst(types::I32, table as i64);
                let v = self
                    .libcall(self.env.libcalls.table_grow, &[t, init, delta])
                    .expect("result");
                self.push(v);
            }
            O::TableFill { table } => {
                let (d, v, n) = self.pop3();
                let t = self.b.ins().iconst(types::I32, table as i64);
                self.libcall(self.env.libcalls.table_fill, &[t, d, v, n]);
                self.check_trap_flag();
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let (d, s, n) = self.pop3();
                let dt = self.b.ins().iconst(types::I32, dst_table as i64);
                let st = self.b.ins().iconst(types::I32, src_table as i64);
                self.libcall(self.env.libcalls.table_copy, &[dt, st, d, s, n]);
                self.check_trap_flag();
            }
            O::TableInit { elem_index, table } => {
                let (d, s, n) = self.pop3();
                let t = self.b.ins().iconst(types::I32, table as i64);
                let e = self.b.ins().iconst(types::I32, elem_index as i64);
                self.libcall(self.env.libcalls.table_init, &[t, e, d, s, n]);
                self.check_trap_flag();
            }
            O::ElemDrop { elem_index } => {
                let e = self.b.ins().iconst(types::I32, elem_index as i64);
                self.libcall(self.env.libcalls.elem_drop, &[e]);
            }
            O::I32Const { value } => {
                let v = self.b.ins().iconst(types::I32, value as i64);
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.b.ins().iconst(types::I64, value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.b.ins().f32const(f32::from_bits(value.bits()));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.b.ins().f64const(f64::from_bits(value.bits()));
                self.push(v);
            }
            O::RefNull { .. } => {
                let v = self.b.ins().iconst(ptr, 0);
                self.push(v);
            }
            O::RefIsNull => {
                let a = self.pop();
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                let v = self.b.ins().uextend(types::I32, c);
                self.push(v);
            }
            O::RefFunc { function_index } => {
                let v = self.b.ins().load(
                    ptr,
                    fixed_flags(),
                    self.vmctx,
                    self.env.offsets.func(function_index) as i32,
                );
                self.push(v);
            }

            O::I32Eqz | O::I64Eqz => {
                let a = self.pop();
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                let v = self.b.ins().uextend(types::I32, c);
                self.push(v);
            }
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            O::I32Clz | O::I64Clz => self.unary(|b, a| b.ins().clz(a)),
            O::I32Ctz | O::I64Ctz => self.unary(|b, a| b.ins().ctz(a)),
            O::I32Popcnt | O::I64Popcnt => self.unary(|b, a| b.ins().popcnt(a)),
            O::I32Add | O::I64Add => self.binary(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binary(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.binary(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS | O::I64DivS => self.div(true, false),
            O::I32DivU | O::I64DivU => self.div(false, false),
            O::I32RemS | O::I64RemS => self.div(true, true),
            O::I32RemU | O::I64RemU => self.div(false, true),
            O::I32And | O::I64And => self.binary(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.binary(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.binary(|b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binary(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binary(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binary(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binary(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binary(|b, x, y| b.ins().rotr(x, y)),
            O::I32Extend8S => self.sign_extend(types::I8, types::I32),
            O::I32Extend16S => self.sign_extend(types::I16, types::I32),
            O::I64Extend8S => self.sign_extend(types::I8, types::I64),
            O::I64Extend16S => self.sign_extend(types::I16, types::I64),
            O::I64Extend32S => self.sign_extend(types::I32, types::I64),
            O::I32WrapI64 => self.unary(|b, a| b.ins().ireduce(types::I32, a)),
            O::I64ExtendI32S => self.unary(|b, a| b.ins().sextend(types::I64, a)),
            O::I64ExtendI32U => self.unary(|b, a| b.ins().uextend(types::I64, a)),

            O::F32Add | O::F64Add => self.binary(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.binary(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.binary(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.binary(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.binary(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.binary(|b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binary(|b, x, y| b.ins().fcopysign(x, y)),
            O::F32Abs | O::F64Abs => self.unary(|b, a| b.ins().fabs(a)),
            O::F32Neg | O::F64Neg => self.unary(|b, a| b.ins().fneg(a)),
            O::F32Sqrt | O::F64Sqrt => self.unary(|b, a| b.ins().sqrt(a)),
            O::F32Ceil | O::F64Ceil => self.rounding(|b, a| b.ins().ceil(a)),
            O::F32Floor | O::F64Floor => self.rounding(|b, a| b.ins().floor(a)),
            O::F32Trunc | O::F64Trunc => self.rounding(|b, a| b.ins().trunc(a)),
            O::F32Nearest | O::F64Nearest => self.rounding(|b, a| b.ins().nearest(a)),
            O::F32DemoteF64 => self.unary(|b, a| b.ins().fdemote(types::F32, a)),
            O::F64PromoteF32 => self.unary(|b, a| b.ins().fpromote(types::F64, a)),
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unary(|b, a| b.ins().fcvt_from_sint(types::F32, a))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unary(|b, a| b.ins().fcvt_from_uint(types::F32, a))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unary(|b, a| b.ins().fcvt_from_sint(types::F64, a))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unary(|b, a| b.ins().fcvt_from_uint(types::F64, a))
            }
            O::I32ReinterpretF32 => {
                self.unary(|b, a| b.ins().bitcast(types::I32, MemFlagsData::new(), a))
            }
            O::I64ReinterpretF64 => {
                self.unary(|b, a| b.ins().bitcast(types::I64, MemFlagsData::new(), a))
            }
            O::F32ReinterpretI32 => {
                self.unary(|b, a| b.ins().bitcast(types::F32, MemFlagsData::new(), a))
            }
            O::F64ReinterpretI64 => {
                self.unary(|b, a| b.ins().bitcast(types::F64, MemFlagsData::new(), a))
            }
            O::I32TruncF32S | O::I32TruncF64S => self.trunc(types::I32, true),
            O::I32TruncF32U | O::I32TruncF64U => self.trunc(types::I32, false),
            O::I64TruncF32S | O::I64TruncF64S => self.trunc(types::I64, true),
            O::I64TruncF32U | O::I64TruncF64U => self.trunc(types::I64, false),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unary(|b, a| b.ins().fcvt_to_sint_sat(types::I32, a))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unary(|b, a| b.ins().fcvt_to_uint_sat(types::I32, a))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unary(|b, a| b.ins().fcvt_to_sint_sat(types::I64, a))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unary(|b, a| b.ins().fcvt_to_uint_sat(types::I64, a))
            }
            other => bail!("unsupported: operator {other:?} in the JIT tier"),
        }
        Ok(())
    }

    fn end(&mut self) {
        let f = self.frames.pop().expect("validated");
        if !f.live {
            return;
        }
        if self.frames.is_empty() {
            // The function body: return what is on the stack.
            if self.reachable {
                self.emit_return();
            }
            self.reachable = false;
            return;
        }
        let reachable = self.reachable;
        if reachable {
            let vals = self.peekn(f.results.len()).to_vec();
            self.b.ins().jump(f.dest, &block_args(&vals));
        }
        let mut joined = f.branched;
        if f.kind == FrameKind::If {
            // No else: the false edge passes the parameters through as results.
            self.b.switch_to_block(f.other);
            let vals = self.b.block_params(f.other).to_vec();
            self.b.ins().jump(f.dest, &block_args(&vals));
            joined = true;
        }
        if f.kind == FrameKind::Loop {
            self.b.seal_block(f.other);
        }
        self.stack.truncate(f.height);
        if joined {
            // Other paths reach `dest`: only facts from before the frame dominate it.
            self.restore_checks(f.checks_mark);
        }
        self.b.switch_to_block(f.dest);
        self.b.seal_block(f.dest);
        let vals = self.b.block_params(f.dest).to_vec();
        self.stack.extend(vals);
        self.reachable = reachable || joined;
        if !self.reachable {
            // Nothing reaches the end: terminate the empty block.
            self.b
                .ins()
                .trap(cranelift_codegen::ir::TrapCode::user(1).expect("valid code"));
        } else if joined {
            self.fuel_block();
        }
    }

    // ---- calls ----

    fn call(&mut self, func: u32) -> Result<()> {
        self.calls = true;
        let module = self.env.module;
        let ty = module.func_type(func).clone();
        let args = self.popn(ty.params().len());
        let results = match func
            .checked_sub(module.num_imported_funcs)
            .and_then(|d| self.env.ids[d as usize])
        {
            Some((id, _)) => {
                let callee = self.func_ref(id);
                let mut all = vec![self.vmctx, self.vmctx];
                all.extend(args);
                let call = self.b.ins().call(callee, &all);
                let results = self.b.inst_results(call).to_vec();
                self.check_trap_flag();
                results
            }
            None => {
                let fref = self.b.ins().load(
                    self.env.ptr,
                    fixed_flags(),
                    self.vmctx,
                    self.env.offsets.func(func) as i32,
                );
                self.call_funcref(fref, module.functions[func as usize], &args)
            }
        };
        self.stack.extend(results);
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32, table: u32) {
        let ptr = self.ptr();
        let ty = self.env.module.types[type_index as usize].clone();
        let index = self.pop();
        let args = self.popn(ty.params().len());
        let def = self.b.ins().load(
            ptr,
            fixed_flags(),
            self.vmctx,
            self.env.offsets.table(table) as i32,
        );
        let len = self.b.ins().load(
            ptr,
            vm_flags(),
            def,
            VMTableDefinition::CURRENT_ELEMENTS as i32,
        );
        let index = self.b.ins().uextend(ptr, index);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(oob, Trap::UndefinedElement);
        let base = self
            .b
            .ins()
            .load(ptr, vm_flags(), def, VMTableDefinition::BASE as i32);
        let offset = self.b.ins().imul_imm_s(index, ptr.bytes() as i64);
        let slot = self.b.ins().iadd(base, offset);
        let fref = self.b.ins().load(ptr, vm_flags(), slot, 0);
        let null = self.b.ins().icmp_imm_s(IntCC::Equal, fref, 0);
        self.trap_if(null, Trap::IndirectCallToNull);
        let have = self.b.ins().load(
            types::I32,
            vm_flags(),
            fref,
            core::mem::offset_of!(VMFuncRef, type_index) as i32,
        );
        let want = self.env.sig_ids[type_index as usize];
        let mismatch = self.b.ins().icmp_imm_u(IntCC::NotEqual, have, want as i64);
        self.trap_if(mismatch, Trap::BadSignature);
        let results = self.call_funcref(fref, type_index, &args);
        self.stack.extend(results);
    }

    /// Calls any function through its `VMFuncRef`: its native wasm entry if it has one,
    /// else the array-call ABI through a stack buffer.
    fn call_funcref(&mut self, fref: Value, type_index: u32, args: &[Value]) -> Vec<Value> {
        self.calls = true;
        let ptr = self.ptr();
        let ty = &self.env.module.types[type_index as usize];
        let result_types: Vec<Type> = ty.results().iter().map(|t| clif_type(*t, ptr)).collect();
        let wasm_call = self.b.ins().load(
            ptr,
            vm_flags(),
            fref,
            core::mem::offset_of!(VMFuncRef, wasm_call) as i32,
        );
        let callee_vmctx = self.b.ins().load(
            ptr,
            vm_flags(),
            fref,
            core::mem::offset_of!(VMFuncRef, vmctx) as i32,
        );
        let direct = self.b.create_block();
        let array = self.b.create_block();
        // Host functions and interpreted callees: rare next to compiled ones.
        self.b.set_cold_block(array);
        let merge = self.new_block_with(&result_types);
        self.b.ins().brif(wasm_call, direct, &[], array, &[]);
        self.b.seal_block(direct);
        self.b.seal_block(array);

        self.b.switch_to_block(direct);
        let sig = self.sig_ref(type_index, false);
        let mut all = vec![callee_vmctx, self.vmctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, wasm_call, &all);
        let results = self.b.inst_results(call).to_vec();
        self.check_trap_flag();
        self.b.ins().jump(merge, &block_args(&results));

        self.b.switch_to_block(array);
        let n = ty.params().len().max(ty.results().len()).max(1);
        let slot = self.array_buffer(n * 16);
        let buf = self.b.ins().stack_addr(ptr, slot, 0);
        for (i, a) in args.iter().enumerate() {
            self.b.ins().store(vm_flags(), *a, buf, (i * 16) as i32);
        }
        let array_call = self.b.ins().load(
            ptr,
            vm_flags(),
            fref,
            core::mem::offset_of!(VMFuncRef, array_call) as i32,
        );
        let asig = self.sig_ref(type_index, true);
        let len = self.b.ins().iconst(ptr, n as i64);
        let call =
            self.b
                .ins()
                .call_indirect(asig, array_call, &[callee_vmctx, self.vmctx, buf, len]);
        let ok = self.b.inst_results(call)[0];
        let failed = self.b.create_block();
        let fine = self.b.create_block();
        self.b.ins().brif(ok, fine, &[], failed, &[]);
        self.b.seal_block(failed);
        self.b.seal_block(fine);
        self.b.switch_to_block(failed);
        // The callee recorded its error; raise the flag for compiled callers above.
        let one = self.b.ins().iconst(types::I32, 1);
        self.b.ins().store(
            vm_flags(),
            one,
            self.store_ctx,
            VMStoreContext::TRAP_FLAG as i32,
        );
        let unwind = self.unwind_block();
        self.b.ins().jump(unwind, &[]);
        self.b.switch_to_block(fine);
        // The callee (a host function, or wasm it called) may have grown memory.
        self.reload_mem_len();
        let results: Vec<Value> = result_types
            .iter()
            .enumerate()
            .map(|(i, t)| self.b.ins().load(*t, vm_flags(), buf, (i * 16) as i32))
            .collect();
        self.b.ins().jump(merge, &block_args(&results));

        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        self.b.block_params(merge).to_vec()
    }

    // ---- memory, globals ----

    fn global_ptr(&mut self, global: u32) -> Value {
        let g = self.b.ins().load(
            self.env.ptr,
            fixed_flags(),
            self.vmctx,
            self.env.offsets.global(global) as i32,
        );
        let _ = core::mem::offset_of!(VMGlobalDefinition, value);
        g
    }

    /// Gives local `l` a new version (it was assigned).
    fn new_version(&mut self, l: u32) {
        if let Some(versions) = &mut self.versions {
            versions[l as usize] = self.next_version;
            self.next_version += 1;
        }
    }

    /// The names under which bounds facts about wasm address `addr` are kept.
    fn addr_keys(&self, addr: Value) -> ([AddrKey; 2], usize) {
        match self.origin.get(&addr) {
            Some(&(l, v)) => ([AddrKey::Value(addr), AddrKey::Local(l, v)], 2),
            None => ([AddrKey::Value(addr), AddrKey::Value(addr)], 1),
        }
    }

    /// Records that `addr + end <= length` holds from here on (in dominated code).
    fn record_check(&mut self, addr: Value, end: u64) {
        let (keys, n) = self.addr_keys(addr);
        for key in &keys[..n] {
            let old = self.checked.get(key).copied();
            if old.is_none_or(|k| k < end) {
                self.checked.insert(*key, end);
                self.check_log.push((Fact::InBounds(*key), old));
            }
        }
    }

    /// Instead of a new check of `addr + end`, makes an earlier check of the same address
    /// check `addr + end`, if nothing observable happened since that check: no side
    /// effect, no other kind of trap, no branch (see `transparent`). The trap, if any,
    /// then happens earlier but is the same trap with the same memory state.
    fn widen_check(&mut self, addr: Value, end: u64) -> bool {
        let (keys, n) = self.addr_keys(addr);
        let Some((inst, _)) = keys[..n]
            .iter()
            .filter_map(|k| self.widenable.get(k))
            .find(|(_, epoch)| *epoch == self.epoch)
            .copied()
        else {
            return false;
        };
        self.b.func.dfg.insts[inst] = InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm: Imm64::new(end as i64 - 1),
        };
        self.record_check(addr, end);
        for key in &keys[..n] {
            self.widenable.insert(*key, (inst, self.epoch));
        }
        true
    }

    /// The largest `offset + size` known to be in bounds at `addr`.
    fn checked_end(&self, addr: Value) -> Option<u64> {
        let (keys, n) = self.addr_keys(addr);
        keys[..n]
            .iter()
            .filter_map(|k| self.checked.get(k).copied())
            .max()
    }

    /// Whether `addr + end <= length` is known without a check: from the memory's minimum
    /// size and what `addr` was computed from, or from a check that dominates this point.
    fn known_in_bounds(&mut self, addr: Value, end: u64) -> bool {
        if end <= self.min_mem_bytes
            && self
                .upper_bound(addr, 12)
                .is_some_and(|ub| ub + end <= self.min_mem_bytes)
        {
            return true;
        }
        if self.checked_end(addr).is_some_and(|k| k >= end) {
            return true;
        }
        // `addr = base + c`: a checked `base + k` with `k >= c + end` also proves that
        // `base + c` does not wrap around.
        let dfg = &self.b.func.dfg;
        if let Some(inst) = dfg.value_def(addr).inst()
            && let InstructionData::Binary {
                opcode: Opcode::Iadd,
                args: [x, y],
            } = dfg.insts[inst]
        {
            for (base, c) in [(x, y), (y, x)] {
                if let Some(c) = self.iconst_u32(c)
                    && self.checked_end(base).is_some_and(|k| k >= c as u64 + end)
                {
                    return true;
                }
            }
        }
        false
    }

    /// The value of `v` if it is an i32 constant.
    fn iconst_u32(&self, v: Value) -> Option<u32> {
        let dfg = &self.b.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } if dfg.value_type(v) == types::I32 => Some(imm.bits() as u32),
            _ => None,
        }
    }

    /// An upper bound of the i32 value `v` (unsigned), from the instructions that computed
    /// it: constants, masks, narrow zero-extending loads, shifts, sums, selects. `None`
    /// when nothing is known (parameters, locals merged at joins, loads, ...).
    fn upper_bound(&mut self, v: Value, depth: u32) -> Option<u64> {
        let (keys, n) = self.addr_keys(v);
        let path = keys[..n]
            .iter()
            .filter_map(|k| self.at_most.get(k).copied())
            .min();
        if path.is_some() {
            self.used_path_fact = true;
        }
        let structural = match self.bounds.get(&v) {
            Some(b) => *b,
            None => {
                let outer = core::mem::replace(&mut self.used_path_fact, false);
                let b = self.compute_upper_bound(v, depth);
                if !self.used_path_fact {
                    self.bounds.insert(v, b);
                }
                self.used_path_fact |= outer;
                b
            }
        };
        match (structural, path) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn compute_upper_bound(&mut self, v: Value, depth: u32) -> Option<u64> {
        const U32: u64 = u32::MAX as u64;
        let dfg = &self.b.func.dfg;
        if depth == 0 || dfg.value_type(v) != types::I32 {
            return None;
        }
        let inst = dfg.value_def(v).inst()?;
        let fits = |b: u64| (b <= U32).then_some(b);
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as u32 as u64),
            InstructionData::Unary {
                opcode: Opcode::Uextend,
                arg,
            } => Some(match dfg.value_type(arg) {
                types::I8 => 0xff,
                types::I16 => 0xffff,
                _ => return None,
            }),
            InstructionData::Load {
                opcode: Opcode::Uload8,
                ..
            } => Some(0xff),
            InstructionData::Load {
                opcode: Opcode::Uload16,
                ..
            } => Some(0xffff),
            InstructionData::Binary {
                opcode,
                args: [x, y],
            } => match opcode {
                Opcode::Band => {
                    match (
                        self.upper_bound(x, depth - 1),
                        self.upper_bound(y, depth - 1),
                    ) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    }
                }
                Opcode::Iadd => {
                    fits(self.upper_bound(x, depth - 1)? + self.upper_bound(y, depth - 1)?)
                }
                Opcode::Ishl => {
                    let s = self.iconst_u32(y)? & 31;
                    fits(self.upper_bound(x, depth - 1)? << s)
                }
                Opcode::Ushr => {
                    let s = self.iconst_u32(y)? & 31;
                    Some(self.upper_bound(x, depth - 1).unwrap_or(U32) >> s)
                }
                Opcode::Udiv => self.upper_bound(x, depth - 1),
                Opcode::Urem => Some(self.upper_bound(y, depth - 1)?.saturating_sub(1)),
                _ => None,
            },
            InstructionData::Ternary {
                opcode: Opcode::Select,
                args: [_, a, b],
            } => Some(
                self.upper_bound(a, depth - 1)?
                    .max(self.upper_bound(b, depth - 1)?),
            ),
            _ => None,
        }
    }

    /// Forgets the facts recorded since the undo log had length `mark`.
    fn restore_checks(&mut self, mark: usize) {
        while self.check_log.len() > mark {
            let (fact, old) = self.check_log.pop().expect("longer than mark");
            let (map, key) = match fact {
                Fact::InBounds(key) => (&mut self.checked, key),
                Fact::AtMost(key) => (&mut self.at_most, key),
            };
            match old {
                Some(k) => map.insert(key, k),
                None => map.remove(&key),
            };
        }
    }

    /// Records what `cond` (an i32 condition) being non-zero (`truth`) or zero says about
    /// the values it compares, for the code this branch leads to alone.
    fn record_condition(&mut self, cond: Value, truth: bool) {
        if let Some((v, max)) = self.condition_bound(cond, truth, 4) {
            let (keys, n) = self.addr_keys(v);
            for key in &keys[..n] {
                let old = self.at_most.get(key).copied();
                if old.is_none_or(|m| max < m) {
                    self.at_most.insert(*key, max);
                    self.check_log.push((Fact::AtMost(*key), old));
                }
            }
        }
    }

    /// An i32 value and an upper bound of it that `cond` being `truth` implies: from
    /// unsigned comparisons with a constant, and `eqz` of such a comparison.
    fn condition_bound(&self, cond: Value, truth: bool, depth: u32) -> Option<(Value, u64)> {
        let dfg = &self.b.func.dfg;
        let inst = dfg.value_def(cond).inst()?;
        if depth == 0 {
            return None;
        }
        match dfg.insts[inst] {
            InstructionData::Unary {
                opcode: Opcode::Uextend,
                arg,
            } if dfg.value_type(arg) == types::I8 => self.condition_bound(arg, truth, depth - 1),
            InstructionData::IntCompare {
                opcode: Opcode::Icmp,
                args: [a, b],
                cond: cc,
            } if dfg.value_type(a) == types::I32 => {
                let cc = if truth { cc } else { cc.complement() };
                let (ca, cb) = (self.iconst_u32(a), self.iconst_u32(b));
                match (cc, ca, cb) {
                    // `eqz` (or `!= 0`) of a comparison: that comparison, negated or not.
                    (IntCC::Equal | IntCC::NotEqual, _, Some(0))
                        if self
                            .condition_bound(a, cc == IntCC::NotEqual, depth - 1)
                            .is_some() =>
                    {
                        self.condition_bound(a, cc == IntCC::NotEqual, depth - 1)
                    }
                    (IntCC::UnsignedLessThan, _, Some(c)) if c > 0 => Some((a, c as u64 - 1)),
                    (IntCC::UnsignedLessThanOrEqual, _, Some(c)) => Some((a, c as u64)),
                    (IntCC::UnsignedGreaterThan, Some(c), _) if c > 0 => Some((b, c as u64 - 1)),
                    (IntCC::UnsignedGreaterThanOrEqual, Some(c), _) => Some((b, c as u64)),
                    (IntCC::Equal, _, Some(c)) => Some((a, c as u64)),
                    (IntCC::Equal, Some(c), _) => Some((b, c as u64)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn mem_len(&mut self) -> Value {
        if self.pin.is_some() {
            return self.b.ins().get_pinned_reg(self.env.ptr);
        }
        let var = self.mem_len.expect("validated: a memory exists");
        self.b.use_var(var)
    }

    /// Memory 0's length now, for `memory.size`. The cached value will not do: outside
    /// the pinned register it may be the entry load, which is pure, so the optimizer may
    /// place it (and the size computed from it) after a later `memory.grow` or call.
    fn current_mem_len(&mut self) -> Value {
        match (self.pin, self.mem_def) {
            (None, Some(def)) => self.load_len(def, vm_flags()),
            _ => self.mem_len(),
        }
    }

    /// Loads the length field of memory definition `def`.
    fn load_len(&mut self, def: Value, flags: MemFlagsData) -> Value {
        self.b.ins().load(
            self.env.ptr,
            flags,
            def,
            VMMemoryDefinition::CURRENT_LENGTH as i32,
        )
    }

    /// Reloads the cached memory length (after a call or `memory.grow`).
    fn reload_mem_len(&mut self) {
        self.load_mem_len(false)
    }

    /// Loads memory 0's length into the `mem_len` variable. At function entry the load
    /// is pure (see `fixed_flags`): the length cannot change before the first call, which
    /// reloads it, so the optimizer may sink the load to the first bounds check or drop
    /// it if there is none.
    fn load_mem_len(&mut self, entry: bool) {
        if let (Some(def), Some(var)) = (self.mem_def, self.mem_len) {
            let len = self.load_len(def, if entry { fixed_flags() } else { vm_flags() });
            if self.pin.is_some() {
                self.b.ins().set_pinned_reg(len);
            } else {
                self.b.def_var(var, len);
            }
        }
    }

    /// Returns `vals`, giving the caller its pinned register back.
    fn ret(&mut self, vals: &[Value]) {
        if let Some(slot) = self.pin {
            let saved = self.b.ins().stack_load(self.env.ptr, self.env.ptr, slot, 0);
            self.b.ins().set_pinned_reg(saved);
        }
        self.b.ins().return_(vals);
    }

    /// The native address of a `size`-byte access at wasm address `addr` + `offset`,
    /// after the bounds check.
    fn heap_addr(&mut self, addr: Value, offset: u64, size: u64) -> Value {
        let ptr = self.ptr();
        let wasm_addr = addr;
        let addr = self.b.ins().uextend(ptr, addr);
        let end = offset + size;
        if !self.known_in_bounds(wasm_addr, end) && !self.widen_check(wasm_addr, end) {
            let len = self.mem_len();
            // `addr + end > len` as `addr + (end - 1) >= len`: for single bytes the add
            // folds away. The constant is its own instruction so that `widen_check` can
            // raise it.
            let k = self.b.ins().iconst(ptr, end as i64 - 1);
            let last = self.b.ins().iadd(addr, k);
            let oob = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, last, len);
            self.trap_if(oob, Trap::MemoryOutOfBounds);
            self.record_check(wasm_addr, end);
            let inst = self.b.func.dfg.value_def(k).unwrap_inst();
            let (keys, n) = self.addr_keys(wasm_addr);
            for key in &keys[..n] {
                self.widenable.insert(*key, (inst, self.epoch));
            }
        }
        let base = self.mem_base.expect("validated: a memory exists");
        let at = self.b.ins().iadd(base, addr);
        if offset == 0 {
            at
        } else {
            self.b.ins().iadd_imm_s(at, offset as i64)
        }
    }

    fn load(&mut self, ty: Type, size: u64, memarg: &wasmparser::MemArg, ext: Ext) {
        let addr = self.pop();
        let at = self.heap_addr(addr, memarg.offset, size);
        let f = self.heap_flags;
        let v = match ext {
            Ext::None => self.b.ins().load(ty, f, at, 0),
            Ext::S8 => self.b.ins().sload8(ty, f, at, 0),
            Ext::U8 => self.b.ins().uload8(ty, f, at, 0),
            Ext::S16 => self.b.ins().sload16(ty, f, at, 0),
            Ext::U16 => self.b.ins().uload16(ty, f, at, 0),
            Ext::S32 => self.b.ins().sload32(f, at, 0),
            Ext::U32 => self.b.ins().uload32(f, at, 0),
        };
        self.push(v);
    }

    fn store(&mut self, size: u64, memarg: &wasmparser::MemArg) {
        let (addr, v) = self.pop2();
        let at = self.heap_addr(addr, memarg.offset, size);
        let f = self.heap_flags;
        match (size, self.b.func.dfg.value_type(v).bytes()) {
            (1, _) => self.b.ins().istore8(f, v, at, 0),
            (2, _) => self.b.ins().istore16(f, v, at, 0),
            (4, 8) => self.b.ins().istore32(f, v, at, 0),
            _ => self.b.ins().store(f, v, at, 0),
        };
        // The store is observable: no earlier check may be widened past it.
        self.epoch += 1;
    }

    // ---- numbers ----

    fn unary(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value) -> Value) {
        let a = self.pop();
        let v = f(&mut self.b, a);
        self.push(v);
    }

    fn binary(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value) {
        let (x, y) = self.pop2();
        let v = f(&mut self.b, x, y);
        self.push(v);
    }

    fn icmp(&mut self, cc: IntCC) {
        let (x, y) = self.pop2();
        let c = self.b.ins().icmp(cc, x, y);
        let v = self.b.ins().uextend(types::I32, c);
        self.push(v);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (x, y) = self.pop2();
        let c = self.b.ins().fcmp(cc, x, y);
        let v = self.b.ins().uextend(types::I32, c);
        self.push(v);
    }

    fn sign_extend(&mut self, narrow: Type, wide: Type) {
        let a = self.pop();
        let n = self.b.ins().ireduce(narrow, a);
        let v = self.b.ins().sextend(wide, n);
        self.push(v);
    }

    /// Rounding may be a libm call that returns a signalling NaN as it is; wasm wants
    /// NaN results quiet.
    fn rounding(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value) -> Value) {
        let a = self.pop();
        let r = f(&mut self.b, a);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let quiet = self.b.ins().fadd(r, r);
        let v = self.b.ins().select(is_nan, quiet, r);
        self.push(v);
    }

    fn div(&mut self, signed: bool, rem: bool) {
        let (x, y) = self.pop2();
        let ty = self.b.func.dfg.value_type(x);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        self.trap_if(zero, Trap::IntegerDivisionByZero);
        let min = if ty == types::I32 {
            i32::MIN as i64
        } else {
            i64::MIN
        };
        let v = match (signed, rem) {
            (false, false) => self.b.ins().udiv(x, y),
            (false, true) => self.b.ins().urem(x, y),
            (true, false) => {
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let is_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let overflow = self.b.ins().band(is_min, is_neg1);
                self.trap_if(overflow, Trap::IntegerOverflow);
                self.b.ins().sdiv(x, y)
            }
            (true, true) => {
                // `MIN % -1` is 0 in wasm but faults on x86: divide by 1 instead.
                let is_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let one = self.b.ins().iconst(ty, 1);
                let d = self.b.ins().select(is_neg1, one, y);
                self.b.ins().srem(x, d)
            }
        };
        self.push(v);
    }

    /// Trapping float → int: NaN is an invalid conversion, out of range an overflow.
    fn trunc(&mut self, to: Type, signed: bool) {
        let a = self.pop();
        let x = if self.b.func.dfg.value_type(a) == types::F32 {
            self.b.ins().fpromote(types::F64, a)
        } else {
            a
        };
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(nan, Trap::BadConversionToInteger);
        let (lo, lo_inclusive, hi) = match (to, signed) {
            (types::I32, true) => (-2147483649.0, false, 2147483648.0),
            (types::I32, false) => (-1.0, false, 4294967296.0),
            (_, true) => (-9223372036854775808.0, true, 9223372036854775808.0),
            (_, false) => (-1.0, false, 18446744073709551616.0),
        };
        let lo = self.b.ins().f64const(lo);
        let hi = self.b.ins().f64const(hi);
        let below = if lo_inclusive {
            self.b.ins().fcmp(FloatCC::LessThan, x, lo)
        } else {
            self.b.ins().fcmp(FloatCC::LessThanOrEqual, x, lo)
        };
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.b.ins().bor(below, above);
        self.trap_if(out, Trap::IntegerOverflow);
        let v = if signed {
            self.b.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, x)
        };
        self.push(v);
    }
}

#[derive(Copy, Clone)]
enum Ext {
    None,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
}
