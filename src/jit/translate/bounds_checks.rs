//! Bounds checks of linear-memory accesses, and the facts that let them be elided.
//!
//! ```text
//! +----------------------------------------------------------------------------------+
//! |                    !!! SUBTLE AND SANDBOX-CRITICAL CODE !!!                      |
//! |                                                                                  |
//! | Linear memory has no guard pages and no signal handler: the check emitted here   |
//! | is the ONLY thing between a wasm address and the host's memory. A check elided   |
//! | or widened wrongly lets wasm read or write outside its sandbox. Change this only |
//! | with a test in `jit/tests.rs` that runs the case on both tiers, and read the     |
//! | rules below first.                                                               |
//! +----------------------------------------------------------------------------------+
//! ```
//!
//! Each access of `size` bytes at wasm address `addr` + `offset` needs
//! `addr + offset + size <= length` (with `end = offset + size`); a check traps
//! `MemoryOutOfBounds` otherwise. A check is left out, or made to cover more, only when:
//!
//! 1. **A dominating check covers it.** Memories never shrink, so once `addr + k` was
//!    checked, every `addr + end` with `end <= k` is in bounds in the code that check
//!    dominates. Facts (`checked`) are kept per SSA value and per local and version of
//!    its value (a loop header gives a local's read a new SSA value even where the loop
//!    does not assign it), and forgotten where control flow joins (`restore`, from the
//!    undo log `check_log`; each frame remembers its mark). `base + c` is covered by a
//!    check of `base + k` with `k >= c + end`, which also proves `base + c` does not wrap.
//! 2. **The minimum size covers it.** When every value `addr` can have, plus `end`, fits
//!    in the memory's minimum size (`min_mem_bytes`), no check is needed. The bound of
//!    `addr` comes from how it was computed (`upper_bound`: constants, masks, narrow
//!    zero-extending loads, shifts, sums, selects, `udiv`, `urem`) and from the
//!    conditions of the branches that lead here (`at_most`: a `br_if` not taken, an `if`
//!    arm, comparing with a constant unsigned). Bounds that used a path fact are not
//!    memoized (they do not hold elsewhere).
//! 3. **An earlier check of the same address can be widened.** If nothing observable
//!    happened since the last check of `addr` in this stretch of code (no side effect,
//!    no other kind of trap, no branch: see `transparent`; a store ends the stretch),
//!    that check's constant is raised to cover this access too. The trap, if any, then
//!    happens earlier, but it is the same trap with the same memory state.
//!
//! Local versions are only tracked when a pre-pass (`loop_assignments`) knows which
//! locals each loop assigns: those get a new version at the loop header.

use super::Translator;
use crate::vm::Trap;
use anyhow::Result;
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::{
    DataFlowGraph, Inst, InstBuilder, InstructionData, Opcode, Value, types,
};
use rustc_hash::FxHashMap as HashMap;
use wasmparser::{FunctionBody, Operator as O};

/// What a bounds fact is about: an SSA value, or the value a local held at a version.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
enum AddrKey {
    Value(Value),
    Local(u32, u32),
}

/// An entry of `BoundsChecks::check_log`.
#[derive(Copy, Clone, Debug)]
enum Fact {
    /// `BoundsChecks::checked`.
    InBounds(AddrKey),
    /// `BoundsChecks::at_most`.
    AtMost(AddrKey),
}

/// What is known about addresses where the translation is, for memory 0.
pub(super) struct BoundsChecks {
    /// Bounds checks that dominate the current block: wasm address → largest
    /// `offset + size` known to be in bounds. Memories never shrink, so such a fact
    /// stays true; it is only forgotten where control flow joins (`restore`).
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
    widenable: HashMap<AddrKey, (Inst, u64)>,
    /// Advances at everything a widened check must not move before (`transparent`).
    epoch: u64,
    /// Memoized `upper_bound` results.
    bounds: HashMap<Value, Option<u64>>,
    /// Bytes memory 0 always has (its minimum size).
    min_mem_bytes: u64,
}

impl BoundsChecks {
    /// Nothing known yet, in a function whose memory 0 has `min_mem_bytes` bytes.
    pub(super) fn new(min_mem_bytes: u64) -> BoundsChecks {
        BoundsChecks {
            checked: HashMap::default(),
            at_most: HashMap::default(),
            check_log: Vec::new(),
            used_path_fact: false,
            origin: HashMap::default(),
            versions: None,
            next_version: 0,
            loop_assigns: Vec::new(),
            loops_seen: 0,
            widenable: HashMap::default(),
            epoch: 0,
            bounds: HashMap::default(),
            min_mem_bytes,
        }
    }

    /// Forgets every fact for good, at a point that code elsewhere jumps to without
    /// passing the checks and branches before it (an OSR entry's loop header): the
    /// undo log goes too, so that no `restore` brings an earlier fact back. Frames that
    /// enclose this point must restore to mark 0 (nothing) from now on.
    pub(super) fn forget_all(&mut self) {
        self.checked.clear();
        self.at_most.clear();
        self.check_log.clear();
        self.end_stretch();
    }

    /// Tracks versions of the function's `num_locals` locals, given which locals each
    /// loop assigns (`loop_assignments`).
    pub(super) fn track_locals(&mut self, num_locals: usize, assigns: Vec<Vec<u32>>) {
        self.versions = Some(vec![0; num_locals]);
        self.next_version = 1;
        self.loop_assigns = assigns;
    }

    /// The mark to `restore` to: where the undo log is now.
    pub(super) fn mark(&self) -> usize {
        self.check_log.len()
    }

    /// Something a widened check must not move before happens (see `transparent`).
    pub(super) fn end_stretch(&mut self) {
        self.epoch += 1;
    }

    /// A loop header (`live`: reachable; dead loops are counted so that loops stay
    /// numbered as `loop_assignments` numbers them): what the loop assigns has a new
    /// value there on each iteration.
    pub(super) fn enter_loop(&mut self, live: bool) {
        if live
            && self.versions.is_some()
            && let Some(assigns) = self.loop_assigns.get_mut(self.loops_seen)
        {
            for l in core::mem::take(assigns) {
                self.new_version(l);
            }
        }
        self.loops_seen += 1;
    }

    /// `v` was read from local `l`.
    pub(super) fn local_read(&mut self, v: Value, l: u32) {
        if let Some(versions) = &self.versions {
            self.origin.insert(v, (l, versions[l as usize]));
        }
    }

    /// Gives local `l` a new version (it was assigned).
    pub(super) fn new_version(&mut self, l: u32) {
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
            self.learn(Fact::InBounds(*key), end, |new, old| old < new);
        }
    }

    /// The map a fact is kept in, and its key.
    fn entry(&mut self, fact: Fact) -> (&mut HashMap<AddrKey, u64>, AddrKey) {
        match fact {
            Fact::InBounds(key) => (&mut self.checked, key),
            Fact::AtMost(key) => (&mut self.at_most, key),
        }
    }

    /// Sets `fact` to `value` when there is none yet or `better(value, old)`, logging the
    /// previous entry for `restore`.
    fn learn(&mut self, fact: Fact, value: u64, better: impl Fn(u64, u64) -> bool) {
        let (map, key) = self.entry(fact);
        let old = map.get(&key).copied();
        if old.is_none_or(|old| better(value, old)) {
            map.insert(key, value);
            self.check_log.push((fact, old));
        }
    }

    /// Records a check of `addr + end` just emitted, whose constant `end - 1` is
    /// instruction `inst` (which `widen_check` may raise).
    fn record_new_check(&mut self, addr: Value, end: u64, inst: Inst) {
        self.record_check(addr, end);
        let (keys, n) = self.addr_keys(addr);
        for key in &keys[..n] {
            self.widenable.insert(*key, (inst, self.epoch));
        }
    }

    /// Instead of a new check of `addr + end`, makes an earlier check of the same address
    /// check `addr + end`, if nothing observable happened since that check: no side
    /// effect, no other kind of trap, no branch (see `transparent`). The trap, if any,
    /// then happens earlier but is the same trap with the same memory state.
    fn widen_check(&mut self, dfg: &mut DataFlowGraph, addr: Value, end: u64) -> bool {
        let (keys, n) = self.addr_keys(addr);
        let Some((inst, _)) = keys[..n]
            .iter()
            .filter_map(|k| self.widenable.get(k))
            .find(|(_, epoch)| *epoch == self.epoch)
            .copied()
        else {
            return false;
        };
        dfg.insts[inst] = InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm: Imm64::new(end as i64 - 1),
        };
        self.record_new_check(addr, end, inst);
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
    fn known_in_bounds(&mut self, dfg: &DataFlowGraph, addr: Value, end: u64) -> bool {
        if end <= self.min_mem_bytes
            && self
                .upper_bound(dfg, addr, 12)
                .is_some_and(|ub| ub + end <= self.min_mem_bytes)
        {
            return true;
        }
        if self.checked_end(addr).is_some_and(|k| k >= end) {
            return true;
        }
        // `addr = base + c`: a checked `base + k` with `k >= c + end` also proves that
        // `base + c` does not wrap around.
        if let Some(inst) = dfg.value_def(addr).inst()
            && let InstructionData::Binary {
                opcode: Opcode::Iadd,
                args: [x, y],
            } = dfg.insts[inst]
        {
            for (base, c) in [(x, y), (y, x)] {
                if let Some(c) = iconst_u32(dfg, c)
                    && self.checked_end(base).is_some_and(|k| k >= c as u64 + end)
                {
                    return true;
                }
            }
        }
        false
    }

    /// An upper bound of the i32 value `v` (unsigned), from the instructions that computed
    /// it: constants, masks, narrow zero-extending loads, shifts, sums, selects. `None`
    /// when nothing is known (parameters, locals merged at joins, loads, ...).
    fn upper_bound(&mut self, dfg: &DataFlowGraph, v: Value, depth: u32) -> Option<u64> {
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
                let b = self.compute_upper_bound(dfg, v, depth);
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

    fn compute_upper_bound(&mut self, dfg: &DataFlowGraph, v: Value, depth: u32) -> Option<u64> {
        if depth == 0 || dfg.value_type(v) != types::I32 {
            return None;
        }
        let inst = dfg.value_def(v).inst()?;
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
            } => self.binary_upper_bound(dfg, opcode, x, y, depth),
            InstructionData::Ternary {
                opcode: Opcode::Select,
                args: [_, a, b],
            } => Some(self.upper_bound(dfg, a, depth - 1)?.max(self.upper_bound(
                dfg,
                b,
                depth - 1,
            )?)),
            _ => None,
        }
    }

    /// `compute_upper_bound` of `opcode(x, y)`.
    fn binary_upper_bound(
        &mut self,
        dfg: &DataFlowGraph,
        opcode: Opcode,
        x: Value,
        y: Value,
        depth: u32,
    ) -> Option<u64> {
        const U32: u64 = u32::MAX as u64;
        let fits = |b: u64| (b <= U32).then_some(b);
        match opcode {
            Opcode::Band => {
                match (
                    self.upper_bound(dfg, x, depth - 1),
                    self.upper_bound(dfg, y, depth - 1),
                ) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
            Opcode::Iadd => {
                fits(self.upper_bound(dfg, x, depth - 1)? + self.upper_bound(dfg, y, depth - 1)?)
            }
            Opcode::Ishl => {
                let s = iconst_u32(dfg, y)? & 31;
                fits(self.upper_bound(dfg, x, depth - 1)? << s)
            }
            Opcode::Ushr => {
                let s = iconst_u32(dfg, y)? & 31;
                Some(self.upper_bound(dfg, x, depth - 1).unwrap_or(U32) >> s)
            }
            Opcode::Udiv => self.upper_bound(dfg, x, depth - 1),
            Opcode::Urem => Some(self.upper_bound(dfg, y, depth - 1)?.saturating_sub(1)),
            _ => None,
        }
    }

    /// Forgets the facts recorded since the undo log had length `mark`.
    pub(super) fn restore(&mut self, mark: usize) {
        while self.check_log.len() > mark {
            let (fact, old) = self.check_log.pop().expect("longer than mark");
            let (map, key) = self.entry(fact);
            match old {
                Some(k) => map.insert(key, k),
                None => map.remove(&key),
            };
        }
    }

    /// Records what `cond` (an i32 condition) being non-zero (`truth`) or zero says about
    /// the values it compares, for the code this branch leads to alone.
    pub(super) fn record_condition(&mut self, dfg: &DataFlowGraph, cond: Value, truth: bool) {
        if let Some((v, max)) = condition_bound(dfg, cond, truth, 4) {
            let (keys, n) = self.addr_keys(v);
            for key in &keys[..n] {
                self.learn(Fact::AtMost(*key), max, |new, old| new < old);
            }
        }
    }
}

/// The value of `v` if it is an i32 constant.
fn iconst_u32(dfg: &DataFlowGraph, v: Value) -> Option<u32> {
    let inst = dfg.value_def(v).inst()?;
    match dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } if dfg.value_type(v) == types::I32 => Some(imm.bits() as u32),
        _ => None,
    }
}

/// An i32 value and an upper bound of it that `cond` being `truth` implies: from
/// unsigned comparisons with a constant, and `eqz` of such a comparison.
fn condition_bound(
    dfg: &DataFlowGraph,
    cond: Value,
    truth: bool,
    depth: u32,
) -> Option<(Value, u64)> {
    let inst = dfg.value_def(cond).inst()?;
    if depth == 0 {
        return None;
    }
    match dfg.insts[inst] {
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } if dfg.value_type(arg) == types::I8 => condition_bound(dfg, arg, truth, depth - 1),
        InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            args: [a, b],
            cond: cc,
        } if dfg.value_type(a) == types::I32 => {
            let cc = if truth { cc } else { cc.complement() };
            let (ca, cb) = (iconst_u32(dfg, a), iconst_u32(dfg, b));
            match (cc, ca, cb) {
                // `eqz` (or `!= 0`) of a comparison: that comparison, negated or not.
                (IntCC::Equal | IntCC::NotEqual, _, Some(0))
                    if condition_bound(dfg, a, cc == IntCC::NotEqual, depth - 1).is_some() =>
                {
                    condition_bound(dfg, a, cc == IntCC::NotEqual, depth - 1)
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

impl Translator<'_, '_> {
    /// The native address of a `size`-byte access at wasm address `addr` + `offset`,
    /// after the bounds check (if one is needed, see the rules at the top).
    pub(super) fn heap_addr(&mut self, addr: Value, offset: u64, size: u64) -> Value {
        let ptr = self.env.ptr;
        let wasm_addr = addr;
        let addr = self.b.ins().uextend(ptr, addr);
        let end = offset + size;
        if !self
            .checks
            .known_in_bounds(&self.b.func.dfg, wasm_addr, end)
            && !self
                .checks
                .widen_check(&mut self.b.func.dfg, wasm_addr, end)
        {
            let len = self.vm.mem_len(&mut self.b);
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
            let inst = self.b.func.dfg.value_def(k).unwrap_inst();
            self.checks.record_new_check(wasm_addr, end, inst);
        }
        let base = self.vm.mem_base();
        let at = self.b.ins().iadd(base, addr);
        if offset == 0 {
            at
        } else {
            self.b.ins().iadd_imm_s(at, offset as i64)
        }
    }
}

/// Which locals each loop of `body` assigns (its nested loops included), in the order the
/// loops appear (`None` when the answer would cost more than a small multiple of the
/// body's size to compute: deeply nested loops assigning many locals); and how many
/// loads and stores the body has.
pub(super) fn loop_assignments(
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

/// True for the loads and stores of linear memory.
pub(super) fn is_memory_access(op: &O<'_>) -> bool {
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

/// Whether `op` lets a bounds check before it be widened past it: it has no side
/// effect, cannot trap other than out of bounds, and does not branch. (A store's own
/// check may be widened into an earlier one; the store itself ends the stretch.)
pub(super) fn transparent(op: &O<'_>) -> bool {
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
