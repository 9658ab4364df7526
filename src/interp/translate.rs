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

use super::code::FuncCode;
use super::encode::Encoder;
use super::ops::{OpCode, op};
use crate::module::{ModuleInfo, fuel};
use anyhow::{Context, Result, anyhow, bail};
use smallvec::SmallVec;
use wasmparser::{BinaryReader, BlockType, FunctionBody, Operator as O};

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
    d: u32,
    options: &TranslateOptions,
) -> Result<FuncCode> {
    let func_index = module.num_imported_funcs + d;
    translate_inner(module, d, options).with_context(|| {
        format!(
            "translating function {}",
            module.func_display_name(func_index)
        )
    })
}

fn translate_inner(module: &ModuleInfo, d: u32, options: &TranslateOptions) -> Result<FuncCode> {
    let func_index = module.num_imported_funcs + d;
    let ty = module.func_type(func_index);
    let range = module.bodies[d as usize].clone();
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
    let mut reader = wasmparser::OperatorsReader::new_with_allocs(
        body.get_binary_reader_for_operators()?,
        reader_allocs,
    );
    let mut result = Ok(());
    while !reader.eof() {
        let offset = reader.original_position();
        result = reader
            .visit_operator(&mut t)
            .map_err(anyhow::Error::from)
            .and_then(|r| r)
            .with_context(|| format!("at offset {offset:#x}"));
        if result.is_err() {
            break;
        }
    }
    let code = result.and_then(|()| t.finish());
    let mut scratch = t.into_scratch();
    scratch.reader = reader.into_allocations();
    SCRATCH.with(|s| s.set(Some(scratch)));
    code
}

/// Frame slots are u16 operands.
const MAX_SLOTS: u32 = u16::MAX as u32;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Operand {
    /// In the temp slot of its stack height.
    Temp,
    /// In a local's slot.
    Local(u16),
    /// A constant: i32 values sign-extended, floats as bits, null references as 0.
    Const(u64),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Cond {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl Cond {
    fn negate(self) -> Cond {
        match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::LtS => Cond::GeS,
            Cond::LtU => Cond::GeU,
            Cond::GtS => Cond::LeS,
            Cond::GtU => Cond::LeU,
            Cond::LeS => Cond::GtS,
            Cond::LeU => Cond::GtU,
            Cond::GeS => Cond::LtS,
            Cond::GeU => Cond::LtU,
        }
    }

    /// The condition with operands swapped (`a < b` ⇔ `b > a`).
    fn swap(self) -> Cond {
        match self {
            Cond::Eq | Cond::Ne => self,
            Cond::LtS => Cond::GtS,
            Cond::LtU => Cond::GtU,
            Cond::GtS => Cond::LtS,
            Cond::GtU => Cond::LtU,
            Cond::LeS => Cond::GeS,
            Cond::LeU => Cond::GeU,
            Cond::GeS => Cond::LeS,
            Cond::GeU => Cond::LeU,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Rhs {
    Slot(u16),
    Imm(i32),
    /// An f64 constant, and a free slot to materialise it into if a branch needs one.
    F64(u64, u16),
}

/// What a comparison compares (floats use the signed conditions).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum CmpTy {
    I32,
    I64,
    F64,
}

/// A comparison whose result could instead drive a branch.
#[derive(Copy, Clone, Debug)]
struct Cmp {
    ty: CmpTy,
    cond: Cond,
    a: u16,
    b: Rhs,
}

/// The op the previous operator emitted last, when it produced the top of the stack.
#[derive(Copy, Clone, Debug)]
struct Last {
    start: usize,
    dst_at: usize,
    pos: usize,
    op: OpCode,
    cmp: Option<Cmp>,
    /// The operator that produced it (see `Translator::op_gen`).
    made_by: u32,
}

/// A branch target. Branches emitted before it is bound wait in a list threaded through
/// `Translator::fixups` (no allocation per label).
#[derive(Copy, Clone)]
struct Label {
    pos: Option<u32>,
    /// Head of this label's pending fixups (`NO_FIXUP` when none).
    first_fixup: u32,
    /// Whether any branch targets it.
    used: bool,
}

const NO_FIXUP: u32 = u32::MAX;

/// A branch waiting for its label: the branch op's start, its offset field, the next.
#[derive(Copy, Clone)]
struct Fixup {
    start: u32,
    field: u32,
    next: u32,
}

/// Buffers reused from one translated function to the next (per thread).
#[derive(Default)]
struct Scratch {
    code: Vec<u8>,
    stack: Vec<Operand>,
    local_refs: Vec<u32>,
    controls: Vec<Control>,
    labels: Vec<Label>,
    fixups: Vec<Fixup>,
    reader: wasmparser::OperatorsReaderAllocations,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Function,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Copy, Clone, Debug)]
struct Control {
    kind: Kind,
    /// Entered in unreachable code: nothing was emitted for it.
    dead: bool,
    /// Stack height below the block's parameters.
    height: usize,
    params: usize,
    results: usize,
    /// Branch target: the end, or the header of a loop.
    label: usize,
    /// For `if`: where the false branch goes.
    else_label: usize,
}

impl Control {
    fn branch_arity(&self) -> usize {
        if self.kind == Kind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

type RR = fn(&mut Encoder, u16, u16, u16) -> usize;
type RI64 = fn(&mut Encoder, u16, u16, i64) -> usize;

/// How a binary op takes a constant right operand.
#[derive(Copy, Clone)]
enum ImmForm {
    /// It does not: the constant is materialised into a slot.
    None,
    /// With this 32-bit immediate op.
    Op(RI),
    /// As `i32_add_imm` (which may merge with a neighbour).
    I32AddImm,
}
type RI = fn(&mut Encoder, u16, u16, i32) -> usize;
type Un = fn(&mut Encoder, u16, u16) -> usize;
type Load = fn(&mut Encoder, u16, u16, u32) -> usize;
type Store = fn(&mut Encoder, u16, u32, u16) -> usize;

const I32_CMP: [RR; 10] = [
    Encoder::i32_eq,
    Encoder::i32_ne,
    Encoder::i32_lt_s,
    Encoder::i32_lt_u,
    Encoder::i32_gt_s,
    Encoder::i32_gt_u,
    Encoder::i32_le_s,
    Encoder::i32_le_u,
    Encoder::i32_ge_s,
    Encoder::i32_ge_u,
];
const I32_CMP_IMM: [RI; 10] = [
    Encoder::i32_eq_imm,
    Encoder::i32_ne_imm,
    Encoder::i32_lt_s_imm,
    Encoder::i32_lt_u_imm,
    Encoder::i32_gt_s_imm,
    Encoder::i32_gt_u_imm,
    Encoder::i32_le_s_imm,
    Encoder::i32_le_u_imm,
    Encoder::i32_ge_s_imm,
    Encoder::i32_ge_u_imm,
];
const I64_CMP: [RR; 10] = [
    Encoder::i64_eq,
    Encoder::i64_ne,
    Encoder::i64_lt_s,
    Encoder::i64_lt_u,
    Encoder::i64_gt_s,
    Encoder::i64_gt_u,
    Encoder::i64_le_s,
    Encoder::i64_le_u,
    Encoder::i64_ge_s,
    Encoder::i64_ge_u,
];
const I64_CMP_IMM: [RI; 10] = [
    Encoder::i64_eq_imm,
    Encoder::i64_ne_imm,
    Encoder::i64_lt_s_imm,
    Encoder::i64_lt_u_imm,
    Encoder::i64_gt_s_imm,
    Encoder::i64_gt_u_imm,
    Encoder::i64_le_s_imm,
    Encoder::i64_le_u_imm,
    Encoder::i64_ge_s_imm,
    Encoder::i64_ge_u_imm,
];
const BR_I32: [RI; 10] = [
    Encoder::br_i32_eq,
    Encoder::br_i32_ne,
    Encoder::br_i32_lt_s,
    Encoder::br_i32_lt_u,
    Encoder::br_i32_gt_s,
    Encoder::br_i32_gt_u,
    Encoder::br_i32_le_s,
    Encoder::br_i32_le_u,
    Encoder::br_i32_ge_s,
    Encoder::br_i32_ge_u,
];
type BrImm = fn(&mut Encoder, u16, i32, i32) -> usize;
const BR_I32_IMM: [BrImm; 10] = [
    Encoder::br_i32_eq_imm,
    Encoder::br_i32_ne_imm,
    Encoder::br_i32_lt_s_imm,
    Encoder::br_i32_lt_u_imm,
    Encoder::br_i32_gt_s_imm,
    Encoder::br_i32_gt_u_imm,
    Encoder::br_i32_le_s_imm,
    Encoder::br_i32_le_u_imm,
    Encoder::br_i32_ge_s_imm,
    Encoder::br_i32_ge_u_imm,
];
const BR_I64: [RI; 10] = [
    Encoder::br_i64_eq,
    Encoder::br_i64_ne,
    Encoder::br_i64_lt_s,
    Encoder::br_i64_lt_u,
    Encoder::br_i64_gt_s,
    Encoder::br_i64_gt_u,
    Encoder::br_i64_le_s,
    Encoder::br_i64_le_u,
    Encoder::br_i64_ge_s,
    Encoder::br_i64_ge_u,
];
const BR_I64_IMM: [BrImm; 10] = [
    Encoder::br_i64_eq_imm,
    Encoder::br_i64_ne_imm,
    Encoder::br_i64_lt_s_imm,
    Encoder::br_i64_lt_u_imm,
    Encoder::br_i64_gt_s_imm,
    Encoder::br_i64_gt_u_imm,
    Encoder::br_i64_le_s_imm,
    Encoder::br_i64_le_u_imm,
    Encoder::br_i64_ge_s_imm,
    Encoder::br_i64_ge_u_imm,
];

/// How a constant operand can become an immediate.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Width {
    /// i32: the low 32 bits.
    W32,
    /// i64: only if it is a sign-extended i32.
    W64,
}

impl Width {
    fn imm(self, c: u64) -> Option<i32> {
        match self {
            Width::W32 => Some(c as u32 as i32),
            Width::W64 => i32::try_from(c as i64).ok(),
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum FloatOp {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    Copysign,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl FloatOp {
    fn rr(self, wide: bool) -> RR {
        match (self, wide) {
            (FloatOp::Add, true) => Encoder::f64_add,
            (FloatOp::Sub, true) => Encoder::f64_sub,
            (FloatOp::Mul, true) => Encoder::f64_mul,
            (FloatOp::Div, true) => Encoder::f64_div,
            (FloatOp::Min, true) => Encoder::f64_min,
            (FloatOp::Max, true) => Encoder::f64_max,
            (FloatOp::Copysign, true) => Encoder::f64_copysign,
            (FloatOp::Eq, true) => Encoder::f64_eq,
            (FloatOp::Ne, true) => Encoder::f64_ne,
            (FloatOp::Lt, true) => Encoder::f64_lt,
            (FloatOp::Gt, true) => Encoder::f64_gt,
            (FloatOp::Le, true) => Encoder::f64_le,
            (FloatOp::Ge, true) => Encoder::f64_ge,
            (FloatOp::Add, false) => Encoder::f32_add,
            (FloatOp::Sub, false) => Encoder::f32_sub,
            (FloatOp::Mul, false) => Encoder::f32_mul,
            (FloatOp::Div, false) => Encoder::f32_div,
            (FloatOp::Min, false) => Encoder::f32_min,
            (FloatOp::Max, false) => Encoder::f32_max,
            (FloatOp::Copysign, false) => Encoder::f32_copysign,
            (FloatOp::Eq, false) => Encoder::f32_eq,
            (FloatOp::Ne, false) => Encoder::f32_ne,
            (FloatOp::Lt, false) => Encoder::f32_lt,
            (FloatOp::Gt, false) => Encoder::f32_gt,
            (FloatOp::Le, false) => Encoder::f32_le,
            (FloatOp::Ge, false) => Encoder::f32_ge,
        }
    }
}

// f32 immediates are the constant's 32 bits; these adapt them to the f64 table shape.
fn f32_add_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_add_imm(dst, a, bits as i32)
}
fn f32_sub_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_sub_imm(dst, a, bits as i32)
}
fn f32_rsub_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_rsub_imm(dst, a, bits as i32)
}
fn f32_mul_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_mul_imm(dst, a, bits as i32)
}

/// The kinds of load, with their fused address forms.
#[derive(Copy, Clone, PartialEq, Eq)]
enum LoadKind {
    L32,
    L64,
    L8S,
    L8U,
    L16S,
    L16U,
    L32S,
}

type LoadImm = fn(&mut Encoder, u16, u16, i32, u32) -> usize;
type LoadPair = fn(&mut Encoder, u16, u16, u32, u16, u16, u32) -> usize;
type LoadRR = fn(&mut Encoder, u16, u16, u16, u32) -> usize;

impl LoadKind {
    fn plain(self) -> Load {
        match self {
            LoadKind::L32 => Encoder::load32,
            LoadKind::L64 => Encoder::load64,
            LoadKind::L8S => Encoder::load8_s,
            LoadKind::L8U => Encoder::load8_u,
            LoadKind::L16S => Encoder::load16_s,
            LoadKind::L16U => Encoder::load16_u,
            LoadKind::L32S => Encoder::load32_s,
        }
    }
    /// address = a + imm (wrapping)
    fn add_imm(self) -> Option<LoadImm> {
        Some(match self {
            LoadKind::L32 => Encoder::load32_add_imm,
            LoadKind::L64 => Encoder::load64_add_imm,
            LoadKind::L8S => Encoder::load8_s_add_imm,
            LoadKind::L8U => Encoder::load8_u_add_imm,
            LoadKind::L16S => Encoder::load16_s_add_imm,
            LoadKind::L16U => Encoder::load16_u_add_imm,
            LoadKind::L32S => return None,
        })
    }
    /// address = a + b (wrapping)
    fn add(self) -> Option<LoadRR> {
        match self {
            LoadKind::L32 => Some(Encoder::load32_add),
            LoadKind::L64 => Some(Encoder::load64_add),
            LoadKind::L8U => Some(Encoder::load8_u_add),
            _ => None,
        }
    }
    /// address = a << imm (wrapping)
    fn shl(self) -> Option<LoadImm> {
        match self {
            LoadKind::L32 => Some(Encoder::load32_shl),
            LoadKind::L64 => Some(Encoder::load64_shl),
            _ => None,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum StoreKind {
    S8,
    S16,
    S32,
    S64,
}

type StoreImm = fn(&mut Encoder, u16, i32, u32, u16) -> usize;

impl StoreKind {
    fn plain(self) -> Store {
        match self {
            StoreKind::S8 => Encoder::store8,
            StoreKind::S16 => Encoder::store16,
            StoreKind::S32 => Encoder::store32,
            StoreKind::S64 => Encoder::store64,
        }
    }
    fn add_imm(self) -> Option<StoreImm> {
        match self {
            StoreKind::S8 => Some(Encoder::store8_add_imm),
            StoreKind::S32 => Some(Encoder::store32_add_imm),
            StoreKind::S64 => Some(Encoder::store64_add_imm),
            StoreKind::S16 => None,
        }
    }
}

struct Translator<'a> {
    module: &'a ModuleInfo,
    options: &'a TranslateOptions,
    enc: Encoder,
    num_params: u32,
    num_locals: u32,
    num_results: usize,
    stack: Vec<Operand>,
    local_refs: Vec<u32>,
    max_height: usize,
    controls: Vec<Control>,
    labels: Vec<Label>,
    fixups: Vec<Fixup>,
    unreachable: bool,
    /// The last op that produced the top of the stack; it concerns the current operator
    /// only while `last.made_by + 1 == op_gen` (it was produced, or kept alive, by the
    /// previous operator).
    last: Last,
    /// Counts operators.
    op_gen: u32,
    /// Position of the amount of the open `consume_fuel`, and the fuel counted so far.
    fuel_at: Option<usize>,
    fuel: u32,
    /// Offset of the last label bound: ops before it may not be merged across it.
    label_fence: usize,
    /// Offset of the last single `move`, for merging into `move2`.
    move_at: Option<usize>,
    /// Offset of the last single `i32_add_imm`, for merging into a pair.
    add_imm_at: Option<usize>,
    /// Offset and kind of the last plain 32/64-bit load, for merging into a pair.
    load_at: Option<(usize, LoadKind)>,
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
            mut code,
            mut stack,
            mut local_refs,
            mut controls,
            mut labels,
            mut fixups,
            ..
        } = scratch;
        code.clear();
        stack.clear();
        local_refs.clear();
        local_refs.resize(num_locals as usize, 0);
        controls.clear();
        labels.clear();
        fixups.clear();
        let mut t = Translator {
            module,
            options,
            enc: Encoder { code },
            num_params,
            num_locals,
            num_results,
            stack,
            local_refs,
            max_height: 0,
            controls,
            labels,
            fixups,
            unreachable: false,
            last: Last {
                start: 0,
                dst_at: 0,
                pos: 0,
                op: OpCode::Move,
                cmp: None,
                made_by: 0,
            },
            op_gen: 1,
            fuel_at: None,
            fuel: 0,
            label_fence: 0,
            move_at: None,
            add_imm_at: None,
            load_at: None,
        };
        let label = t.new_label();
        t.controls.push(Control {
            kind: Kind::Function,
            dead: false,
            height: 0,
            params: 0,
            results: num_results,
            label,
            else_label: usize::MAX,
        });
        t.fuel_block();
        t
    }

    /// Gives the buffers back for the next function.
    fn into_scratch(self) -> Box<Scratch> {
        Box::new(Scratch {
            code: self.enc.code,
            stack: self.stack,
            local_refs: self.local_refs,
            controls: self.controls,
            labels: self.labels,
            fixups: self.fixups,
            reader: Default::default(),
        })
    }

    fn finish(&mut self) -> Result<FuncCode> {
        self.close_fuel();
        let frame_size = (self.num_locals as usize + self.max_height).max(self.num_results);
        if frame_size > MAX_SLOTS as usize {
            bail!(
                "unsupported: function needs {frame_size} frame slots (the interpreter allows {MAX_SLOTS})"
            );
        }
        debug_assert!(
            self.labels
                .iter()
                .all(|l| l.first_fixup == NO_FIXUP || l.pos.is_some())
        );
        Ok(FuncCode {
            code: Box::from(&self.enc.code[..]),
            frame_size: frame_size as u32,
            num_params: self.num_params,
            num_locals: self.num_locals,
            num_results: self.num_results as u32,
        })
    }

    // ---- stack ----

    fn slot_at(&self, pos: usize) -> u16 {
        // `finish` rejects frames that do not fit; until then wrap harmlessly.
        (self.num_locals as usize + pos) as u16
    }

    fn push(&mut self, v: Operand) {
        if let Operand::Local(l) = v {
            self.local_refs[l as usize] += 1;
        }
        self.stack.push(v);
        self.max_height = self.max_height.max(self.stack.len());
    }

    /// Pushes a value that needs no code (a constant or a local), keeping the previous
    /// op fusable with the op that will consume both.
    fn push_quiet(&mut self, v: Operand) {
        self.push(v);
        self.keep_last();
    }

    /// Lets the previous operator's result stay fusable with the next operator (for ops
    /// that emit nothing).
    fn keep_last(&mut self) {
        if self.last.made_by + 1 == self.op_gen {
            self.last.made_by = self.op_gen;
        }
    }

    /// The op the previous operator left, if any.
    fn prev(&self) -> Option<Last> {
        (self.last.made_by + 1 == self.op_gen).then_some(self.last)
    }

    fn push_temp(&mut self) -> u16 {
        self.push(Operand::Temp);
        self.slot_at(self.stack.len() - 1)
    }

    fn pop(&mut self) -> Operand {
        let v = self.stack.pop().expect("validated: stack underflow");
        if let Operand::Local(l) = v {
            self.local_refs[l as usize] -= 1;
        }
        v
    }

    fn truncate_stack(&mut self, height: usize) {
        while self.stack.len() > height {
            self.pop();
        }
    }

    fn emit_const(&mut self, dst: u16, c: u64) {
        match i32::try_from(c as i64) {
            Ok(i) => self.enc.const32(dst, i),
            Err(_) => self.enc.const64(dst, c as i64),
        };
    }

    /// The slot of operand `v` that was at stack position `pos`, materialising a constant
    /// into the temp of `pos`.
    fn slot_of(&mut self, v: Operand, pos: usize) -> u16 {
        match v {
            Operand::Temp => self.slot_at(pos),
            Operand::Local(l) => l,
            Operand::Const(c) => {
                let s = self.slot_at(pos);
                self.emit_const(s, c);
                s
            }
        }
    }

    /// Pops `N` operands and returns their slots, bottom first.
    fn pop_slots<const N: usize>(&mut self) -> [u16; N] {
        let mut vals = [Operand::Temp; N];
        for v in vals.iter_mut().rev() {
            *v = self.pop();
        }
        let base = self.stack.len();
        let mut slots = [0u16; N];
        for (i, v) in vals.into_iter().enumerate() {
            slots[i] = self.slot_of(v, base + i);
        }
        slots
    }

    /// Makes the entry at `pos` a `Temp`.
    fn materialize(&mut self, pos: usize) {
        let dst = self.slot_at(pos);
        match self.stack[pos] {
            Operand::Temp => return,
            Operand::Local(l) => {
                self.emit_move(dst, l);
                self.local_refs[l as usize] -= 1;
            }
            Operand::Const(c) => self.emit_const(dst, c),
        }
        self.stack[pos] = Operand::Temp;
    }

    fn materialize_top(&mut self, n: usize) {
        for pos in self.stack.len() - n..self.stack.len() {
            self.materialize(pos);
        }
    }

    fn materialize_locals(&mut self) {
        for pos in 0..self.stack.len() {
            if matches!(self.stack[pos], Operand::Local(_)) {
                self.materialize(pos);
            }
        }
    }

    /// Before local `l` is overwritten: copies it into every stack entry that refers to it.
    fn preserve(&mut self, l: u16) {
        if self.local_refs[l as usize] == 0 {
            return;
        }
        for pos in 0..self.stack.len() {
            if self.stack[pos] == Operand::Local(l) {
                self.materialize(pos);
            }
        }
    }

    /// Records that the op at `start` wrote the new top of the stack.
    fn produced(&mut self, start: usize, cmp: Option<Cmp>) {
        let op = OpCode::decode(&self.enc.code, start).expect("just emitted");
        // The result operand is the first field, except in pairs, where it is the second
        // op's destination.
        let dst_at = match op {
            OpCode::I32AddImm2 | OpCode::Load32x2 | OpCode::Load64x2 => start + op.prefix_len() + 8,
            _ => start + op.prefix_len(),
        };
        self.last = Last {
            start,
            dst_at,
            pos: self.stack.len() - 1,
            op,
            cmp,
            made_by: self.op_gen,
        };
    }

    /// True if the op at `start` is the last one emitted and no label was bound after
    /// its start (so it can be rewritten or merged with the next op).
    fn mergeable(&self, start: usize, op: OpCode) -> bool {
        !self.options.plain && self.enc.pos() == start + op.size() && self.label_fence <= start
    }

    /// Emits `dst = src`, merging it with an immediately preceding move into a `move2`.
    fn emit_move(&mut self, dst: u16, src: u16) {
        if let Some(at) = self.move_at.take()
            && self.mergeable(at, OpCode::Move)
            && OpCode::decode(&self.enc.code, at) == Some(OpCode::Move)
        {
            // SAFETY: a complete `Move` op was emitted at `at` (checked above).
            let first = unsafe { op::Move::decode(self.enc.code.as_ptr().add(at)) };
            self.truncate_to(at);
            self.enc.move2(first.dst, first.src, dst, src);
            self.move_at = Some(at);
            return;
        }
        self.move_at = Some(self.enc.move_(dst, src));
    }

    /// Emits `br label`, merged with an immediately preceding move or move pair (the
    /// values a branch carries) into one op.
    fn emit_br(&mut self, label: usize) {
        if let Some(at) = self.move_at
            && let Some(op) = OpCode::decode(&self.enc.code, at)
            && matches!(op, OpCode::Move | OpCode::Move2)
            && self.mergeable(at, op)
        {
            // SAFETY: a complete move op was emitted at `at` (checked above).
            let start = unsafe {
                let p = self.enc.code.as_ptr().add(at);
                if op == OpCode::Move {
                    let m = op::Move::decode(p);
                    self.truncate_to(at);
                    self.enc.move_br(m.dst, m.src, 0)
                } else {
                    let m = op::Move2::decode(p);
                    self.truncate_to(at);
                    self.enc.move2_br(m.d1, m.s1, m.d2, m.s2, 0)
                }
            };
            self.branch_to(label, start);
            return;
        }
        let start = self.enc.br(0);
        self.branch_to(label, start);
    }

    /// Emits `dst = a + imm` (i32), merging it with an immediately preceding one.
    fn emit_i32_add_imm(&mut self, dst: u16, a: u16, imm: i32) -> usize {
        if let Some(at) = self.add_imm_at.take()
            && self.mergeable(at, OpCode::I32AddImm)
            && OpCode::decode(&self.enc.code, at) == Some(OpCode::I32AddImm)
        {
            // SAFETY: a complete `I32AddImm` op was emitted at `at` (checked above).
            let first = unsafe { op::I32AddImm::decode(self.enc.code.as_ptr().add(at)) };
            self.truncate_to(at);
            return self
                .enc
                .i32_add_imm2(first.dst, first.a, first.imm, dst, a, imm);
        }
        let start = self.enc.i32_add_imm(dst, a, imm);
        self.add_imm_at = Some(start);
        start
    }

    /// Removes the code from `at` on (an op being fused into a later one).
    fn truncate_to(&mut self, at: usize) {
        self.enc.code.truncate(at);
        if self.move_at.is_some_and(|m| m >= at) {
            self.move_at = None;
        }
        if self.add_imm_at.is_some_and(|m| m >= at) {
            self.add_imm_at = None;
        }
        if self.load_at.is_some_and(|(m, _)| m >= at) {
            self.load_at = None;
        }
    }

    /// The previous op if it produced the operand `v` popped from `pos` and is the op
    /// `op`, removed from the code so that the caller can emit a fused op instead.
    fn take_producer(&mut self, v: Operand, pos: usize, op: OpCode) -> Option<usize> {
        let last = self.retargetable(v, pos)?;
        if last.op != op || !self.mergeable(last.start, op) {
            return None;
        }
        self.truncate_to(last.start);
        self.last.made_by = 0;
        Some(last.start)
    }

    /// The previous op, if it produced the operand just popped from position `pos`.
    fn retargetable(&self, v: Operand, pos: usize) -> Option<Last> {
        if self.options.plain {
            return None;
        }
        match (v, self.prev()) {
            (Operand::Temp, Some(last)) if last.pos == pos => Some(last),
            _ => None,
        }
    }

    // ---- labels, fuel ----

    fn new_label(&mut self) -> usize {
        self.labels.push(Label {
            pos: None,
            first_fixup: NO_FIXUP,
            used: false,
        });
        self.labels.len() - 1
    }

    fn bind(&mut self, label: usize) {
        let pos = self.enc.pos();
        self.label_fence = pos;
        let l = &mut self.labels[label];
        debug_assert!(l.pos.is_none());
        l.pos = Some(pos as u32);
        let mut next = std::mem::replace(&mut l.first_fixup, NO_FIXUP);
        while next != NO_FIXUP {
            let f = self.fixups[next as usize];
            self.enc
                .patch_i32(f.field as usize, (pos - f.start as usize) as i32);
            next = f.next;
        }
    }

    /// Points the branch at `start` (offset field at `field`) to `label`.
    fn use_label(&mut self, label: usize, start: usize, field: usize) {
        let l = &mut self.labels[label];
        l.used = true;
        match l.pos {
            Some(pos) => self.enc.patch_i32(field, pos as i32 - start as i32),
            None => {
                self.fixups.push(Fixup {
                    start: start as u32,
                    field: field as u32,
                    next: l.first_fixup,
                });
                l.first_fixup = (self.fixups.len() - 1) as u32;
            }
        }
    }

    /// A branch op just emitted at `start` whose offset is its last field.
    fn branch_to(&mut self, label: usize, start: usize) {
        let op = OpCode::decode(&self.enc.code, start).expect("just emitted");
        self.use_label(label, start, start + op.size() - 4);
    }

    fn close_fuel(&mut self) {
        if let Some(at) = self.fuel_at.take() {
            self.enc.patch_u32(at, self.fuel);
        }
    }

    /// Starts a new basic block for fuel accounting.
    fn fuel_block(&mut self) {
        if self.options.fuel {
            self.close_fuel();
            let start = self.enc.consume_fuel(0);
            self.fuel_at = Some(start + op::ConsumeFuel::SIZE - 4);
            self.fuel = 0;
        }
    }

    // ---- branches ----

    /// True when the values a branch to `target` carries are already where it wants them.
    fn in_place(&self, target: &Control) -> bool {
        let n = target.branch_arity();
        let len = self.stack.len();
        n == 0
            || (len - n == target.height
                && self.stack[len - n..].iter().all(|v| *v == Operand::Temp))
    }

    /// Copies the values a branch to `target` carries into the target's slots.
    fn copy_to(&mut self, target: &Control) {
        let n = target.branch_arity();
        let len = self.stack.len();
        for j in 0..n {
            let (src, dst) = (len - n + j, target.height + j);
            let dst_slot = self.slot_at(dst);
            match self.stack[src] {
                Operand::Temp if src == dst => {}
                Operand::Temp => {
                    let s = self.slot_at(src);
                    self.emit_move(dst_slot, s);
                }
                Operand::Local(l) => {
                    self.emit_move(dst_slot, l);
                }
                Operand::Const(c) => self.emit_const(dst_slot, c),
            }
        }
    }

    /// Emits the return of the top `num_results` values.
    fn emit_return(&mut self) {
        let n = self.num_results;
        let len = self.stack.len();
        match n {
            0 => {
                self.enc.ret();
            }
            1 => match self.stack[len - 1] {
                Operand::Temp => {
                    let s = self.slot_at(len - 1);
                    self.enc.ret1(s);
                }
                Operand::Local(l) => {
                    self.enc.ret1(l);
                }
                Operand::Const(c) => {
                    self.emit_const(0, c);
                    self.enc.ret();
                }
            },
            _ => {
                // Results go to slots 0..n, which may be locals still to be read: first
                // gather every result in its temp, then shift them down in order.
                // The gathering moves run on this path alone (a `br_if` falls through
                // past them), so the operand view is put back afterwards.
                let view: SmallVec<[Operand; 8]> = self.stack[len - n..].into();
                self.materialize_top(n);
                for j in 0..n {
                    let src = self.slot_at(len - n + j);
                    if src != j as u16 {
                        self.emit_move(j as u16, src);
                    }
                }
                self.enc.ret();
                for (j, v) in view.into_iter().enumerate() {
                    if let Operand::Local(l) = v {
                        self.local_refs[l as usize] += 1;
                    }
                    self.stack[len - n + j] = v;
                }
            }
        }
    }

    /// Emits a branch to `label` taken when `cmp` holds (or fails, if `negate`).
    fn emit_cmp_branch(&mut self, cmp: Cmp, negate: bool, label: usize) {
        let start = match cmp.ty {
            CmpTy::F64 => self.emit_f64_branch(cmp, negate),
            _ => {
                let wide = cmp.ty == CmpTy::I64;
                let cond = if negate { cmp.cond.negate() } else { cmp.cond };
                match (wide, cmp.b, cond) {
                    (false, Rhs::Imm(0), Cond::Eq) => self.enc.br_if_eqz(cmp.a, 0),
                    (false, Rhs::Imm(0), Cond::Ne) => self.enc.br_if_nez(cmp.a, 0),
                    (true, Rhs::Imm(0), Cond::Eq) => self.enc.br_if_i64_eqz(cmp.a, 0),
                    (true, Rhs::Imm(0), Cond::Ne) => self.enc.br_if_i64_nez(cmp.a, 0),
                    (false, Rhs::Slot(b), c) => BR_I32[c.index()](&mut self.enc, cmp.a, b, 0),
                    (false, Rhs::Imm(i), c) => BR_I32_IMM[c.index()](&mut self.enc, cmp.a, i, 0),
                    (true, Rhs::Slot(b), c) => BR_I64[c.index()](&mut self.enc, cmp.a, b, 0),
                    (true, Rhs::Imm(i), c) => BR_I64_IMM[c.index()](&mut self.enc, cmp.a, i, 0),
                    (_, Rhs::F64(..), _) => {
                        unreachable!("integer comparisons have integer operands")
                    }
                }
            }
        };
        self.branch_to(label, start);
    }

    /// An f64 compare-and-branch. With NaN, `!(a < b)` is not `a >= b`: negated
    /// conditions have ops of their own.
    fn emit_f64_branch(&mut self, cmp: Cmp, negate: bool) -> usize {
        let b = match cmp.b {
            Rhs::F64(bits, _) if !negate && !matches!(cmp.cond, Cond::Eq | Cond::Ne) => {
                type BrImm64 = fn(&mut Encoder, u16, i64, i32) -> usize;
                let f: BrImm64 = match cmp.cond {
                    Cond::LtS => Encoder::br_f64_lt_imm,
                    Cond::GtS => Encoder::br_f64_gt_imm,
                    Cond::LeS => Encoder::br_f64_le_imm,
                    _ => Encoder::br_f64_ge_imm,
                };
                return f(&mut self.enc, cmp.a, bits as i64, 0);
            }
            Rhs::F64(bits, spare) => {
                self.emit_const(spare, bits);
                spare
            }
            Rhs::Slot(b) => b,
            Rhs::Imm(_) => unreachable!("f64 comparisons have no integer immediates"),
        };
        let f: RI = match (cmp.cond, negate) {
            (Cond::Eq, false) | (Cond::Ne, true) => Encoder::br_f64_eq,
            (Cond::Ne, false) | (Cond::Eq, true) => Encoder::br_f64_ne,
            (Cond::LtS, false) => Encoder::br_f64_lt,
            (Cond::GtS, false) => Encoder::br_f64_gt,
            (Cond::LeS, false) => Encoder::br_f64_le,
            (Cond::GeS, false) => Encoder::br_f64_ge,
            (Cond::LtS, true) => Encoder::br_f64_not_lt,
            (Cond::GtS, true) => Encoder::br_f64_not_gt,
            (Cond::LeS, true) => Encoder::br_f64_not_le,
            _ => Encoder::br_f64_not_ge,
        };
        f(&mut self.enc, cmp.a, b, 0)
    }

    /// Pops an i32 condition and emits a branch to `label` taken when it is non-zero
    /// (or zero, if `negate`), fusing the comparison that produced it when possible.
    /// `before_branch` runs after the condition is consumed and before the branch op.
    fn cond_branch(&mut self, negate: bool, label: usize, before_branch: impl FnOnce(&mut Self)) {
        let v = self.pop();
        let pos = self.stack.len();
        if let Some(Last {
            start,
            cmp: Some(cmp),
            ..
        }) = self.retargetable(v, pos)
        {
            self.truncate_to(start);
            before_branch(self);
            if !self.add_imm_branch(cmp, negate, label) {
                self.emit_cmp_branch(cmp, negate, label);
            }
            return;
        }
        let c = self.slot_of(v, pos);
        before_branch(self);
        let cmp = Cmp {
            ty: CmpTy::I32,
            cond: Cond::Ne,
            a: c,
            b: Rhs::Imm(0),
        };
        if !self.add_imm_branch(cmp, negate, label) {
            self.emit_cmp_branch(cmp, negate, label);
        }
    }

    /// `x = a + imm` right before a branch on `x cond b`: one op (the loop latch).
    fn add_imm_branch(&mut self, cmp: Cmp, negate: bool, label: usize) -> bool {
        let Some(at) = self.add_imm_at else {
            return false;
        };
        if cmp.ty != CmpTy::I32
            || !self.mergeable(at, OpCode::I32AddImm)
            || OpCode::decode(&self.enc.code, at) != Some(OpCode::I32AddImm)
        {
            return false;
        }
        // SAFETY: a complete `I32AddImm` is at `at` (checked above).
        let add = unsafe { op::I32AddImm::decode(self.enc.code.as_ptr().add(at)) };
        if add.dst != cmp.a {
            return false;
        }
        let cond = if negate { cmp.cond.negate() } else { cmp.cond };
        type SlotForm = fn(&mut Encoder, u16, u16, i32, u16, i32) -> usize;
        type ImmForm2 = fn(&mut Encoder, u16, u16, i32, i32, i32) -> usize;
        let emit: Option<(Option<SlotForm>, Option<ImmForm2>)> = match cond {
            Cond::Ne => Some((
                Some(Encoder::i32_add_imm_br_ne),
                Some(Encoder::i32_add_imm_br_ne_imm),
            )),
            Cond::Eq => Some((
                Some(Encoder::i32_add_imm_br_eq),
                Some(Encoder::i32_add_imm_br_eq_imm),
            )),
            Cond::LtU => Some((Some(Encoder::i32_add_imm_br_lt_u), None)),
            Cond::LtS => Some((Some(Encoder::i32_add_imm_br_lt_s), None)),
            _ => None,
        };
        let start = match (emit, cmp.b) {
            (Some((Some(f), _)), Rhs::Slot(b)) => {
                self.truncate_to(at);
                f(&mut self.enc, add.dst, add.a, add.imm, b, 0)
            }
            (Some((_, Some(f))), Rhs::Imm(i)) => {
                self.truncate_to(at);
                f(&mut self.enc, add.dst, add.a, add.imm, i, 0)
            }
            _ => return false,
        };
        self.branch_to(label, start);
        true
    }

    fn block_type(&self, bt: BlockType) -> (usize, usize) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let t = &self.module.types[i as usize];
                (t.params().len(), t.results().len())
            }
        }
    }

    fn push_control(&mut self, kind: Kind, bt: BlockType, label: usize, else_label: usize) {
        let (params, results) = self.block_type(bt);
        self.controls.push(Control {
            kind,
            dead: false,
            height: self.stack.len() - params,
            params,
            results,
            label,
            else_label,
        });
    }

    fn push_dead(&mut self) {
        self.controls.push(Control {
            kind: Kind::Block,
            dead: true,
            height: self.stack.len(),
            params: 0,
            results: 0,
            label: usize::MAX,
            else_label: usize::MAX,
        });
    }

    fn target(&self, depth: u32) -> Control {
        self.controls[self.controls.len() - 1 - depth as usize]
    }

    fn br(&mut self, depth: u32) {
        let target = self.target(depth);
        if target.kind == Kind::Function {
            self.emit_return();
        } else {
            self.copy_to(&target);
            self.emit_br(target.label);
        }
        self.unreachable = true;
    }

    fn br_if(&mut self, depth: u32) {
        let target = self.target(depth);
        if target.kind != Kind::Function {
            // The carried values are below the condition: check them without it.
            let cond = self.stack.pop().expect("validated");
            let direct = self.in_place(&target);
            self.stack.push(cond);
            if direct {
                self.cond_branch(false, target.label, |_| {});
                self.fuel_block();
                return;
            }
        }
        let skip = self.new_label();
        self.cond_branch(true, skip, |_| {});
        if target.kind == Kind::Function {
            self.emit_return();
        } else {
            self.copy_to(&target);
            self.emit_br(target.label);
        }
        self.bind(skip);
        self.fuel_block();
    }

    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<()> {
        let idx = self.pop();
        let pos = self.stack.len();
        let idx = self.slot_of(idx, pos);
        let mut depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        depths.push(targets.default());
        let start = self.enc.br_table(idx, depths.len() as u32 - 1);
        let first = self.enc.pos();
        for _ in &depths {
            self.enc.put(0i32);
        }
        // Targets that need their values moved (or a return) go through a stub.
        let mut stubs: Vec<(u32, usize)> = Vec::new();
        for (i, &depth) in depths.iter().enumerate() {
            let target = self.target(depth);
            let field = first + 4 * i;
            if target.kind != Kind::Function && self.in_place(&target) {
                self.use_label(target.label, start, field);
            } else {
                let stub = match stubs.iter().find(|(d, _)| *d == depth) {
                    Some(&(_, l)) => l,
                    None => {
                        let l = self.new_label();
                        stubs.push((depth, l));
                        l
                    }
                };
                self.use_label(stub, start, field);
            }
        }
        for (depth, label) in stubs {
            self.bind(label);
            self.br(depth);
        }
        self.unreachable = true;
        Ok(())
    }

    // ---- operator families ----

    fn emit_imm(&mut self, form: ImmForm, dst: u16, a: u16, imm: i32) -> usize {
        match form {
            ImmForm::Op(ri) => ri(&mut self.enc, dst, a, imm),
            ImmForm::I32AddImm => self.emit_i32_add_imm(dst, a, imm),
            ImmForm::None => unreachable!("checked by the caller"),
        }
    }

    fn binop(&mut self, rr: RR, imm: ImmForm, width: Width, commutative: bool) {
        let b = self.pop();
        let a = self.pop();
        let pos = self.stack.len();
        if !matches!(imm, ImmForm::None) && !self.options.plain {
            if let Operand::Const(c) = b
                && let Some(i) = width.imm(c)
            {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                let start = self.emit_imm(imm, dst, a, i);
                return self.produced(start, None);
            }
            if let (true, Operand::Const(c)) = (commutative, a)
                && let Some(i) = width.imm(c)
            {
                let b = self.slot_of(b, pos + 1);
                let dst = self.push_temp();
                let start = self.emit_imm(imm, dst, b, i);
                return self.produced(start, None);
            }
        }
        let a = self.slot_of(a, pos);
        let b = self.slot_of(b, pos + 1);
        let dst = self.push_temp();
        let start = rr(&mut self.enc, dst, a, b);
        self.produced(start, None);
    }

    /// If one operand of a commutative binary op was produced by the previous op `producer`
    /// and the other needs no materialising: removes the producer and returns its start,
    /// the other operand's slot, and pops both operands.
    fn fuse_operand(&mut self, producer: OpCode) -> Option<(usize, u16)> {
        let len = self.stack.len();
        let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
        let (pos_a, pos_b) = (len - 2, len - 1);
        let pick = if self
            .retargetable(b, pos_b)
            .is_some_and(|l| l.op == producer)
            && !matches!(a, Operand::Const(_))
        {
            Some((b, pos_b, a, pos_a))
        } else if self
            .retargetable(a, pos_a)
            .is_some_and(|l| l.op == producer)
            && !matches!(b, Operand::Const(_))
        {
            Some((a, pos_a, b, pos_b))
        } else {
            None
        };
        let (p, ppos, other, opos) = pick?;
        let start = self.take_producer(p, ppos, producer)?;
        self.pop();
        self.pop();
        let other = self.slot_of(other, opos);
        Some((start, other))
    }

    /// `select` on an i32 comparison just computed: one op.
    fn select_cmp(&mut self) -> bool {
        let cpos = self.stack.len() - 1;
        let c = self.stack[cpos];
        let Some(Last {
            cmp: Some(cmp), op, ..
        }) = self.retargetable(c, cpos)
        else {
            return false;
        };
        let Rhs::Slot(y) = cmp.b else { return false };
        type SelectOp = fn(&mut Encoder, u16, u16, u16, u16, u16) -> usize;
        let f: SelectOp = match (cmp.ty, cmp.cond) {
            (CmpTy::I32, Cond::Eq) => Encoder::select_i32_eq,
            (CmpTy::I32, Cond::Ne) => Encoder::select_i32_ne,
            (CmpTy::I32, Cond::LtS) => Encoder::select_i32_lt_s,
            (CmpTy::I32, Cond::LtU) => Encoder::select_i32_lt_u,
            (CmpTy::I32, Cond::GtS) => Encoder::select_i32_gt_s,
            (CmpTy::I32, Cond::GtU) => Encoder::select_i32_gt_u,
            _ => return false,
        };
        self.pop();
        if self.take_producer(c, cpos, op).is_none() {
            self.push(c);
            return false;
        }
        // The operands sit below the condition: materialising them cannot touch the
        // comparison's operands, which were at the condition's position and above.
        let [a, b] = self.pop_slots::<2>();
        let dst = self.push_temp();
        let start = f(&mut self.enc, dst, cmp.a, y, a, b);
        self.produced(start, None);
        true
    }

    /// `i32.add`: multiply-add when the product was just computed.
    fn i32_add(&mut self) {
        if let Some((start, c)) = self.fuse_operand(OpCode::I32Mul) {
            // SAFETY: the multiply was complete at `start` before the truncation.
            let m = unsafe { op::I32Mul::decode(self.enc.code.as_ptr().add(start)) };
            let dst = self.push_temp();
            let start = self.enc.i32_mul_add(dst, m.a, m.b, c);
            return self.produced(start, None);
        }
        self.binop(Encoder::i32_add, ImmForm::I32AddImm, Width::W32, true);
    }

    /// `i32.xor`: rotate-xor when one operand was just rotated by a constant.
    fn i32_xor(&mut self) {
        if let Some((start, b)) = self.fuse_operand(OpCode::I32RotlImm) {
            // SAFETY: the rotate was complete at `start` before the truncation.
            let r = unsafe { op::I32RotlImm::decode(self.enc.code.as_ptr().add(start)) };
            let dst = self.push_temp();
            let start = self.enc.i32_rotl_imm_xor(dst, r.a, r.imm, b);
            return self.produced(start, None);
        }
        self.binop(
            Encoder::i32_xor,
            ImmForm::Op(Encoder::i32_xor_imm),
            Width::W32,
            true,
        );
    }

    /// `i32.and` with a constant mask right after `i32.shr_u` by a constant: one op.
    fn i32_and(&mut self) {
        let b = self.stack[self.stack.len() - 1];
        let a = self.stack[self.stack.len() - 2];
        let pos = self.stack.len() - 2;
        if let Operand::Const(mask) = b
            && self
                .retargetable(a, pos)
                .is_some_and(|l| l.op == OpCode::I32ShrUImm)
        {
            self.pop();
            self.pop();
            let start = self
                .take_producer(a, pos, OpCode::I32ShrUImm)
                .expect("checked");
            // SAFETY: the shift op was complete at `start` before the truncation, and
            // truncation does not free the buffer.
            let shift = unsafe { op::I32ShrUImm::decode(self.enc.code.as_ptr().add(start)) };
            let dst = self.push_temp();
            let start = self
                .enc
                .i32_shr_u_and_imm(dst, shift.a, shift.imm, mask as i32);
            return self.produced(start, None);
        }
        self.binop(
            Encoder::i32_and,
            ImmForm::Op(Encoder::i32_and_imm),
            Width::W32,
            true,
        );
    }

    /// Float binary ops: constants become 64- or 32-bit immediates, and an add or
    /// subtract of the product just computed becomes one multiply-add op.
    fn float_binop(&mut self, wide: bool, kind: FloatOp) {
        let b = self.pop();
        let a = self.pop();
        let pos = self.stack.len();
        let mul = if wide { OpCode::F64Mul } else { OpCode::F32Mul };
        if matches!(kind, FloatOp::Add | FloatOp::Sub) {
            // The product is one operand; the other must not need materialising (its
            // slot could be one the product's operands still need).
            let product = [(b, pos + 1, a, pos, false), (a, pos, b, pos + 1, true)]
                .into_iter()
                .find(|&(p, ppos, other, _, _)| {
                    !matches!(other, Operand::Const(_))
                        && self.retargetable(p, ppos).is_some_and(|l| l.op == mul)
                });
            if let Some((p, ppos, other, opos, product_first)) = product {
                let start = self.take_producer(p, ppos, mul).expect("checked");
                // SAFETY: the multiply was complete at `start` before the truncation, and
                // truncation keeps the bytes.
                let (ma, mb) = unsafe {
                    let at = self.enc.code.as_ptr().add(start);
                    if wide {
                        let m = op::F64Mul::decode(at);
                        (m.a, m.b)
                    } else {
                        let m = op::F32Mul::decode(at);
                        (m.a, m.b)
                    }
                };
                let c = self.slot_of(other, opos);
                let dst = self.push_temp();
                let f = match (kind, product_first, wide) {
                    (FloatOp::Add, _, true) => Encoder::f64_mul_add,
                    (FloatOp::Sub, true, true) => Encoder::f64_mul_sub,
                    (FloatOp::Sub, false, true) => Encoder::f64_mul_rsub,
                    (FloatOp::Add, _, false) => Encoder::f32_mul_add,
                    (FloatOp::Sub, true, false) => Encoder::f32_mul_sub,
                    _ => Encoder::f32_mul_rsub,
                };
                let start = f(&mut self.enc, dst, ma, mb, c);
                return self.produced(start, None);
            }
        }
        // With a constant operand: (op, op with the constant on the left).
        let imm: Option<(RI64, Option<RI64>)> = match (wide, kind) {
            (true, FloatOp::Add) => Some((Encoder::f64_add_imm, Some(Encoder::f64_add_imm))),
            (true, FloatOp::Sub) => Some((Encoder::f64_sub_imm, Some(Encoder::f64_rsub_imm))),
            (true, FloatOp::Mul) => Some((Encoder::f64_mul_imm, Some(Encoder::f64_mul_imm))),
            (true, FloatOp::Div) => Some((Encoder::f64_div_imm, Some(Encoder::f64_rdiv_imm))),
            (true, FloatOp::Lt) => Some((Encoder::f64_lt_imm, Some(Encoder::f64_gt_imm))),
            (true, FloatOp::Gt) => Some((Encoder::f64_gt_imm, Some(Encoder::f64_lt_imm))),
            (true, FloatOp::Le) => Some((Encoder::f64_le_imm, Some(Encoder::f64_ge_imm))),
            (true, FloatOp::Ge) => Some((Encoder::f64_ge_imm, Some(Encoder::f64_le_imm))),
            (false, FloatOp::Add) => Some((f32_add_imm, Some(f32_add_imm))),
            (false, FloatOp::Sub) => Some((f32_sub_imm, Some(f32_rsub_imm))),
            (false, FloatOp::Mul) => Some((f32_mul_imm, Some(f32_mul_imm))),
            _ => None,
        };
        // f64 comparisons can fuse with a following branch.
        let cond = match (wide, kind) {
            (true, FloatOp::Eq) => Some(Cond::Eq),
            (true, FloatOp::Ne) => Some(Cond::Ne),
            (true, FloatOp::Lt) => Some(Cond::LtS),
            (true, FloatOp::Gt) => Some(Cond::GtS),
            (true, FloatOp::Le) => Some(Cond::LeS),
            (true, FloatOp::Ge) => Some(Cond::GeS),
            _ => None,
        };
        let spare = self.slot_at(pos + 1);
        if let (Some((right, left)), false) = (imm, self.options.plain) {
            if let Operand::Const(c) = b {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                let start = right(&mut self.enc, dst, a, c as i64);
                let cmp = cond.map(|cond| Cmp {
                    ty: CmpTy::F64,
                    cond,
                    a,
                    b: Rhs::F64(c, spare),
                });
                return self.produced(start, cmp);
            }
            if let (Some(left), Operand::Const(c)) = (left, a) {
                let b = self.slot_of(b, pos + 1);
                let dst = self.push_temp();
                let start = left(&mut self.enc, dst, b, c as i64);
                // The constant was on the left: the condition swaps.
                let cmp = cond.map(|cond| Cmp {
                    ty: CmpTy::F64,
                    cond: cond.swap(),
                    a: b,
                    // `b` may be the temp at `pos + 1`; the constant's own slot is free.
                    b: Rhs::F64(c, self.slot_at(pos)),
                });
                return self.produced(start, cmp);
            }
        }
        let rr = kind.rr(wide);
        let a = self.slot_of(a, pos);
        let b = self.slot_of(b, pos + 1);
        let dst = self.push_temp();
        let start = rr(&mut self.enc, dst, a, b);
        let cmp = cond.map(|cond| Cmp {
            ty: CmpTy::F64,
            cond,
            a,
            b: Rhs::Slot(b),
        });
        self.produced(start, cmp);
    }

    /// `a - b`: an add of `-b`, or a reverse subtract from a constant `a`.
    fn sub(&mut self, rr: RR, add_imm: ImmForm, rsub_imm: RI, width: Width) {
        let b = self.pop();
        let a = self.pop();
        let pos = self.stack.len();
        if let (Operand::Const(c), false) = (b, self.options.plain) {
            let neg = (c as i64).wrapping_neg() as u64;
            if let (Some(_), Some(i)) = (width.imm(c), width.imm(neg)) {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                let start = self.emit_imm(add_imm, dst, a, i);
                return self.produced(start, None);
            }
        }
        if let (Operand::Const(c), false) = (a, self.options.plain)
            && let Some(i) = width.imm(c)
        {
            let b = self.slot_of(b, pos + 1);
            let dst = self.push_temp();
            let start = rsub_imm(&mut self.enc, dst, b, i);
            return self.produced(start, None);
        }
        let a = self.slot_of(a, pos);
        let b = self.slot_of(b, pos + 1);
        let dst = self.push_temp();
        let start = rr(&mut self.enc, dst, a, b);
        self.produced(start, None);
    }

    fn compare(&mut self, wide: bool, cond: Cond) {
        let (rr, ri, width) = if wide {
            (I64_CMP[cond.index()], I64_CMP_IMM, Width::W64)
        } else {
            (I32_CMP[cond.index()], I32_CMP_IMM, Width::W32)
        };
        let b = self.pop();
        let a = self.pop();
        let pos = self.stack.len();
        if let (Operand::Const(c), false) = (b, self.options.plain)
            && let Some(i) = width.imm(c)
        {
            let a = self.slot_of(a, pos);
            let dst = self.push_temp();
            let start = ri[cond.index()](&mut self.enc, dst, a, i);
            return self.produced(
                start,
                Some(Cmp {
                    ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                    cond,
                    a,
                    b: Rhs::Imm(i),
                }),
            );
        }
        if let (Operand::Const(c), false) = (a, self.options.plain)
            && let Some(i) = width.imm(c)
        {
            let cond = cond.swap();
            let b = self.slot_of(b, pos + 1);
            let dst = self.push_temp();
            let start = ri[cond.index()](&mut self.enc, dst, b, i);
            return self.produced(
                start,
                Some(Cmp {
                    ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                    cond,
                    a: b,
                    b: Rhs::Imm(i),
                }),
            );
        }
        let a = self.slot_of(a, pos);
        let b = self.slot_of(b, pos + 1);
        let dst = self.push_temp();
        let start = rr(&mut self.enc, dst, a, b);
        self.produced(
            start,
            Some(Cmp {
                ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                cond,
                a,
                b: Rhs::Slot(b),
            }),
        );
    }

    fn unop(&mut self, f: Un) {
        let a = self.pop();
        let pos = self.stack.len();
        let a = self.slot_of(a, pos);
        let dst = self.push_temp();
        let start = f(&mut self.enc, dst, a);
        self.produced(start, None);
    }

    fn eqz(&mut self, wide: bool) {
        let a = self.pop();
        let pos = self.stack.len();
        let a = self.slot_of(a, pos);
        let dst = self.push_temp();
        let start = if wide {
            self.enc.i64_eqz(dst, a)
        } else {
            self.enc.i32_eqz(dst, a)
        };
        self.produced(
            start,
            Some(Cmp {
                ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                cond: Cond::Eq,
                a,
                b: Rhs::Imm(0),
            }),
        );
    }

    fn load(&mut self, kind: LoadKind, memarg: &wasmparser::MemArg) {
        let offset = memarg.offset as u32;
        let addr = self.pop();
        let pos = self.stack.len();
        // Fuse the op that computed the address, when it is the previous one.
        if let Some(last) = self.retargetable(addr, pos) {
            let fused = match last.op {
                OpCode::I32AddImm => kind.add_imm().map(|f| (f, None)),
                OpCode::I32ShlImm => kind.shl().map(|f| (f, None)),
                OpCode::I32Add => kind
                    .add()
                    .map(|f| (Encoder::load32_add_imm as LoadImm, Some(f))),
                _ => None,
            };
            if let Some((imm_form, rr_form)) = fused {
                let start = self.take_producer(addr, pos, last.op).expect("checked");
                let at = start;
                let dst = self.push_temp();
                let start = match rr_form {
                    Some(f) => {
                        // SAFETY: the add was complete at `at` before the truncation.
                        let add = unsafe { op::I32Add::decode(self.enc.code.as_ptr().add(at)) };
                        f(&mut self.enc, dst, add.a, add.b, offset)
                    }
                    None => {
                        // SAFETY: both fusable producers are `dst, a, imm` ops that were
                        // complete at `at` before the truncation.
                        let p = unsafe { op::I32AddImm::decode(self.enc.code.as_ptr().add(at)) };
                        imm_form(&mut self.enc, dst, p.a, p.imm, offset)
                    }
                };
                return self.produced(start, None);
            }
        }
        let addr = self.slot_of(addr, pos);
        let dst = self.push_temp();
        // Two plain loads in a row become one pair op.
        if let Some((at, prev_kind)) = self.load_at.take() {
            let pair_op = match kind {
                LoadKind::L32 => Some((OpCode::Load32, Encoder::load32x2 as LoadPair)),
                LoadKind::L64 => Some((OpCode::Load64, Encoder::load64x2 as LoadPair)),
                _ => None,
            };
            if let Some((single, pair)) = pair_op
                && prev_kind == kind
                && self.mergeable(at, single)
                && OpCode::decode(&self.enc.code, at) == Some(single)
            {
                // SAFETY: a complete single load (same layout for both widths) is at `at`.
                let first = unsafe { op::Load32::decode(self.enc.code.as_ptr().add(at)) };
                self.truncate_to(at);
                let start = pair(
                    &mut self.enc,
                    first.dst,
                    first.addr,
                    first.offset,
                    dst,
                    addr,
                    offset,
                );
                return self.produced(start, None);
            }
        }
        let start = kind.plain()(&mut self.enc, dst, addr, offset);
        if matches!(kind, LoadKind::L32 | LoadKind::L64) {
            self.load_at = Some((start, kind));
        }
        self.produced(start, None);
    }

    fn store(&mut self, kind: StoreKind, memarg: &wasmparser::MemArg) {
        let offset = memarg.offset as u32;
        let val = self.pop();
        let addr = self.pop();
        let pos = self.stack.len();
        if let (Operand::Const(c), false) = (val, self.options.plain) {
            let imm = match kind {
                StoreKind::S8 | StoreKind::S32 => Some(c as u32 as i32),
                StoreKind::S64 => i32::try_from(c as i64).ok(),
                StoreKind::S16 => None,
            };
            type StoreImmOp = fn(&mut Encoder, u16, u32, i32) -> usize;
            let f: Option<StoreImmOp> = match kind {
                StoreKind::S8 => Some(Encoder::store8_imm),
                StoreKind::S32 => Some(Encoder::store32_imm),
                StoreKind::S64 => Some(Encoder::store64_imm),
                StoreKind::S16 => None,
            };
            if let (Some(f), Some(imm)) = (f, imm) {
                let addr = self.slot_of(addr, pos);
                f(&mut self.enc, addr, offset, imm);
                return;
            }
        }
        // `addr = x + imm` computed just before: fuse (the value cannot be a temp made
        // after it, and must not need materialising over the adder's operands).
        if let (Some(f), false) = (kind.add_imm(), matches!(val, Operand::Const(_)))
            && self
                .retargetable(addr, pos)
                .is_some_and(|l| l.op == OpCode::I32AddImm)
        {
            let at = self
                .take_producer(addr, pos, OpCode::I32AddImm)
                .expect("checked");
            // SAFETY: the add was complete at `at` before the truncation.
            let p = unsafe { op::I32AddImm::decode(self.enc.code.as_ptr().add(at)) };
            let val = self.slot_of(val, pos + 1);
            f(&mut self.enc, p.a, p.imm, offset, val);
            return;
        }
        if let (StoreKind::S32, false) = (kind, matches!(val, Operand::Const(_)))
            && self
                .retargetable(addr, pos)
                .is_some_and(|l| l.op == OpCode::I32Add)
        {
            let at = self
                .take_producer(addr, pos, OpCode::I32Add)
                .expect("checked");
            // SAFETY: the add was complete at `at` before the truncation.
            let p = unsafe { op::I32Add::decode(self.enc.code.as_ptr().add(at)) };
            let val = self.slot_of(val, pos + 1);
            self.enc.store32_add(p.a, p.b, offset, val);
            return;
        }
        let addr = self.slot_of(addr, pos);
        let val = self.slot_of(val, pos + 1);
        kind.plain()(&mut self.enc, addr, offset, val);
    }

    fn local_set(&mut self, l: u16, tee: bool) {
        let v = self.pop();
        let pos = self.stack.len();
        match v {
            Operand::Local(x) if x == l => {}
            Operand::Temp
                if self.local_refs[l as usize] == 0 && self.retargetable(v, pos).is_some() =>
            {
                let last = self.prev().expect("retargetable");
                self.enc.patch_u16(last.dst_at, l);
                if tee {
                    self.push(Operand::Local(l));
                }
                return;
            }
            Operand::Temp => {
                self.preserve(l);
                let s = self.slot_at(pos);
                self.emit_move(l, s);
            }
            Operand::Local(x) => {
                self.preserve(l);
                self.emit_move(l, x);
            }
            Operand::Const(c) => {
                self.preserve(l);
                self.emit_const(l, c);
            }
        }
        if tee {
            self.push(v);
        }
    }

    fn call(&mut self, func: u32) {
        let ty = self.module.func_type(func);
        let (np, nr) = (ty.params().len(), ty.results().len());
        self.materialize_top(np);
        let base_pos = self.stack.len() - np;
        let base = self.slot_at(base_pos);
        self.truncate_stack(base_pos);
        if func < self.module.num_imported_funcs {
            self.enc.call_import(func, base);
        } else {
            self.enc.call(func - self.module.num_imported_funcs, base);
        }
        for _ in 0..nr {
            self.push(Operand::Temp);
        }
        // The callee writes its results from slot `base` on.
        self.max_height = self.max_height.max(base_pos + nr);
    }

    fn call_indirect(&mut self, type_index: u32, table: u32) {
        let ty = &self.module.types[type_index as usize];
        let (np, nr) = (ty.params().len(), ty.results().len());
        let idx = self.pop();
        let idx_pos = self.stack.len();
        self.materialize_top(np);
        let idx = self.slot_of(idx, idx_pos);
        let base_pos = self.stack.len() - np;
        let base = self.slot_at(base_pos);
        self.truncate_stack(base_pos);
        self.enc.call_indirect(type_index, table, idx, base);
        for _ in 0..nr {
            self.push(Operand::Temp);
        }
        self.max_height = self.max_height.max(base_pos + nr);
    }

    /// Translates one operator. Inlined into each `visit_*` method, where the operator's
    /// variant is known, so each method keeps only its own arm (and drops nothing).
    #[inline(always)]
    fn operator(&mut self, op: O<'_>) -> Result<()> {
        self.op_gen += 1;
        if self.unreachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.push_dead();
                    return Ok(());
                }
                O::Else | O::End => {}
                _ => return Ok(()),
            }
        }
        if self.options.fuel {
            self.fuel += fuel::cost(&op);
        }
        match op {
            O::Nop => self.keep_last(),
            O::Unreachable => {
                self.enc.unreachable();
                self.unreachable = true;
            }
            O::Block { blockty } => {
                self.materialize_locals();
                let label = self.new_label();
                self.push_control(Kind::Block, blockty, label, usize::MAX);
            }
            O::Loop { blockty } => {
                self.materialize_locals();
                let (params, _) = self.block_type(blockty);
                self.materialize_top(params);
                let label = self.new_label();
                self.bind(label);
                self.fuel_block();
                if self.options.count_loops {
                    self.enc.loop_header();
                }
                self.push_control(Kind::Loop, blockty, label, usize::MAX);
            }
            O::If { blockty } => {
                let (params, _) = self.block_type(blockty);
                let else_label = self.new_label();
                self.cond_branch(true, else_label, |t| {
                    t.materialize_locals();
                    t.materialize_top(params);
                });
                let label = self.new_label();
                self.push_control(Kind::If, blockty, label, else_label);
                self.fuel_block();
            }
            O::Else => {
                let frame = *self.controls.last().expect("validated");
                if !frame.dead {
                    if !self.unreachable {
                        self.materialize_top(frame.results);
                        self.emit_br(frame.label);
                    }
                    self.bind(frame.else_label);
                    self.truncate_stack(frame.height);
                    for _ in 0..frame.params {
                        self.push(Operand::Temp);
                    }
                    self.unreachable = false;
                    self.fuel_block();
                }
                self.controls.last_mut().expect("validated").kind = Kind::Else;
            }
            O::End => self.end(),
            O::Br { relative_depth } => self.br(relative_depth),
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { targets } => self.br_table(&targets)?,
            O::Return => {
                self.emit_return();
                self.unreachable = true;
            }
            O::Call { function_index } => self.call(function_index),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index),
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                if self.select_cmp() {
                    return Ok(());
                }
                let [a, b, c] = self.pop_slots::<3>();
                let dst = self.push_temp();
                let start = self.enc.select(dst, c, a, b);
                self.produced(start, None);
            }
            O::LocalGet { local_index } => self.push_quiet(Operand::Local(local_index as u16)),
            O::LocalSet { local_index } => self.local_set(local_index as u16, false),
            O::LocalTee { local_index } => self.local_set(local_index as u16, true),
            O::GlobalGet { global_index } => {
                let dst = self.push_temp();
                let start = self.enc.global_get(dst, global_index);
                self.produced(start, None);
            }
            O::GlobalSet { global_index } => {
                let [v] = self.pop_slots::<1>();
                self.enc.global_set(global_index, v);
            }
            O::I32Load { memarg } | O::F32Load { memarg } => self.load(LoadKind::L32, &memarg),
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(LoadKind::L64, &memarg),
            O::I32Load8S { memarg } | O::I64Load8S { memarg } => self.load(LoadKind::L8S, &memarg),
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => self.load(LoadKind::L8U, &memarg),
            O::I32Load16S { memarg } | O::I64Load16S { memarg } => {
                self.load(LoadKind::L16S, &memarg)
            }
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => {
                self.load(LoadKind::L16U, &memarg)
            }
            O::I64Load32S { memarg } => self.load(LoadKind::L32S, &memarg),
            O::I64Load32U { memarg } => self.load(LoadKind::L32, &memarg),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(StoreKind::S32, &memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(StoreKind::S64, &memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(StoreKind::S8, &memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(StoreKind::S16, &memarg)
            }
            O::MemorySize { .. } => {
                let dst = self.push_temp();
                let start = self.enc.memory_size(dst);
                self.produced(start, None);
            }
            O::MemoryGrow { .. } => {
                let [delta] = self.pop_slots::<1>();
                let dst = self.push_temp();
                let start = self.enc.memory_grow(dst, delta);
                self.produced(start, None);
            }
            O::MemoryFill { .. } => {
                let [d, v, n] = self.pop_slots::<3>();
                self.enc.memory_fill(d, v, n);
            }
            O::MemoryCopy { .. } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.memory_copy(d, s, n);
            }
            O::MemoryInit { data_index, .. } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.memory_init(data_index, d, s, n);
            }
            O::DataDrop { data_index } => {
                self.enc.data_drop(data_index);
            }
            O::I32Const { value } => self.push_quiet(Operand::Const(value as i64 as u64)),
            O::I64Const { value } => self.push_quiet(Operand::Const(value as u64)),
            O::F32Const { value } => self.push_quiet(Operand::Const(value.bits() as u64)),
            O::F64Const { value } => self.push_quiet(Operand::Const(value.bits())),
            O::RefNull { .. } => self.push_quiet(Operand::Const(0)),
            O::RefIsNull => self.unop(Encoder::ref_is_null),
            O::RefFunc { function_index } => {
                let dst = self.push_temp();
                let start = self.enc.ref_func(dst, function_index);
                self.produced(start, None);
            }
            O::TableGet { table } => {
                let [i] = self.pop_slots::<1>();
                let dst = self.push_temp();
                let start = self.enc.table_get(dst, table, i);
                self.produced(start, None);
            }
            O::TableSet { table } => {
                let [i, v] = self.pop_slots::<2>();
                self.enc.table_set(table, i, v);
            }
            O::TableSize { table } => {
                let dst = self.push_temp();
                let start = self.enc.table_size(dst, table);
                self.produced(start, None);
            }
            O::TableGrow { table } => {
                let [init, delta] = self.pop_slots::<2>();
                let dst = self.push_temp();
                let start = self.enc.table_grow(dst, table, init, delta);
                self.produced(start, None);
            }
            O::TableFill { table } => {
                let [d, v, n] = self.pop_slots::<3>();
                self.enc.table_fill(table, d, v, n);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.table_copy(dst_table, src_table, d, s, n);
            }
            O::TableInit { elem_index, table } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.table_init(table, elem_index, d, s, n);
            }
            O::ElemDrop { elem_index } => {
                self.enc.elem_drop(elem_index);
            }

            O::I32Eqz => self.eqz(false),
            O::I32Eq => self.compare(false, Cond::Eq),
            O::I32Ne => self.compare(false, Cond::Ne),
            O::I32LtS => self.compare(false, Cond::LtS),
            O::I32LtU => self.compare(false, Cond::LtU),
            O::I32GtS => self.compare(false, Cond::GtS),
            O::I32GtU => self.compare(false, Cond::GtU),
            O::I32LeS => self.compare(false, Cond::LeS),
            O::I32LeU => self.compare(false, Cond::LeU),
            O::I32GeS => self.compare(false, Cond::GeS),
            O::I32GeU => self.compare(false, Cond::GeU),
            O::I64Eqz => self.eqz(true),
            O::I64Eq => self.compare(true, Cond::Eq),
            O::I64Ne => self.compare(true, Cond::Ne),
            O::I64LtS => self.compare(true, Cond::LtS),
            O::I64LtU => self.compare(true, Cond::LtU),
            O::I64GtS => self.compare(true, Cond::GtS),
            O::I64GtU => self.compare(true, Cond::GtU),
            O::I64LeS => self.compare(true, Cond::LeS),
            O::I64LeU => self.compare(true, Cond::LeU),
            O::I64GeS => self.compare(true, Cond::GeS),
            O::I64GeU => self.compare(true, Cond::GeU),

            O::I32Add => self.i32_add(),
            O::I32Sub => self.sub(
                Encoder::i32_sub,
                ImmForm::I32AddImm,
                Encoder::i32_rsub_imm,
                Width::W32,
            ),
            O::I32Mul => self.binop(
                Encoder::i32_mul,
                ImmForm::Op(Encoder::i32_mul_imm),
                Width::W32,
                true,
            ),
            O::I32DivS => self.binop(
                Encoder::i32_div_s,
                ImmForm::Op(Encoder::i32_div_s_imm),
                Width::W32,
                false,
            ),
            O::I32DivU => self.binop(
                Encoder::i32_div_u,
                ImmForm::Op(Encoder::i32_div_u_imm),
                Width::W32,
                false,
            ),
            O::I32RemS => self.binop(
                Encoder::i32_rem_s,
                ImmForm::Op(Encoder::i32_rem_s_imm),
                Width::W32,
                false,
            ),
            O::I32RemU => self.binop(
                Encoder::i32_rem_u,
                ImmForm::Op(Encoder::i32_rem_u_imm),
                Width::W32,
                false,
            ),
            O::I32And => self.i32_and(),
            O::I32Or => self.binop(
                Encoder::i32_or,
                ImmForm::Op(Encoder::i32_or_imm),
                Width::W32,
                true,
            ),
            O::I32Xor => self.i32_xor(),
            O::I32Shl => self.binop(
                Encoder::i32_shl,
                ImmForm::Op(Encoder::i32_shl_imm),
                Width::W32,
                false,
            ),
            O::I32ShrS => self.binop(
                Encoder::i32_shr_s,
                ImmForm::Op(Encoder::i32_shr_s_imm),
                Width::W32,
                false,
            ),
            O::I32ShrU => self.binop(
                Encoder::i32_shr_u,
                ImmForm::Op(Encoder::i32_shr_u_imm),
                Width::W32,
                false,
            ),
            O::I32Rotl => self.binop(
                Encoder::i32_rotl,
                ImmForm::Op(Encoder::i32_rotl_imm),
                Width::W32,
                false,
            ),
            O::I32Rotr => self.binop(Encoder::i32_rotr, ImmForm::None, Width::W32, false),
            O::I32Clz => self.unop(Encoder::i32_clz),
            O::I32Ctz => self.unop(Encoder::i32_ctz),
            O::I32Popcnt => self.unop(Encoder::i32_popcnt),
            O::I32Extend8S => self.unop(Encoder::i32_extend8_s),
            O::I32Extend16S => self.unop(Encoder::i32_extend16_s),

            O::I64Add => self.binop(
                Encoder::i64_add,
                ImmForm::Op(Encoder::i64_add_imm),
                Width::W64,
                true,
            ),
            O::I64Sub => self.sub(
                Encoder::i64_sub,
                ImmForm::Op(Encoder::i64_add_imm),
                Encoder::i64_rsub_imm,
                Width::W64,
            ),
            O::I64Mul => self.binop(
                Encoder::i64_mul,
                ImmForm::Op(Encoder::i64_mul_imm),
                Width::W64,
                true,
            ),
            O::I64DivS => self.binop(
                Encoder::i64_div_s,
                ImmForm::Op(Encoder::i64_div_s_imm),
                Width::W64,
                false,
            ),
            O::I64DivU => self.binop(
                Encoder::i64_div_u,
                ImmForm::Op(Encoder::i64_div_u_imm),
                Width::W64,
                false,
            ),
            O::I64RemS => self.binop(
                Encoder::i64_rem_s,
                ImmForm::Op(Encoder::i64_rem_s_imm),
                Width::W64,
                false,
            ),
            O::I64RemU => self.binop(
                Encoder::i64_rem_u,
                ImmForm::Op(Encoder::i64_rem_u_imm),
                Width::W64,
                false,
            ),
            O::I64And => self.binop(
                Encoder::i64_and,
                ImmForm::Op(Encoder::i64_and_imm),
                Width::W64,
                true,
            ),
            O::I64Or => self.binop(
                Encoder::i64_or,
                ImmForm::Op(Encoder::i64_or_imm),
                Width::W64,
                true,
            ),
            O::I64Xor => self.binop(
                Encoder::i64_xor,
                ImmForm::Op(Encoder::i64_xor_imm),
                Width::W64,
                true,
            ),
            O::I64Shl => self.binop(
                Encoder::i64_shl,
                ImmForm::Op(Encoder::i64_shl_imm),
                Width::W64,
                false,
            ),
            O::I64ShrS => self.binop(
                Encoder::i64_shr_s,
                ImmForm::Op(Encoder::i64_shr_s_imm),
                Width::W64,
                false,
            ),
            O::I64ShrU => self.binop(
                Encoder::i64_shr_u,
                ImmForm::Op(Encoder::i64_shr_u_imm),
                Width::W64,
                false,
            ),
            O::I64Rotl => self.binop(
                Encoder::i64_rotl,
                ImmForm::Op(Encoder::i64_rotl_imm),
                Width::W64,
                false,
            ),
            O::I64Rotr => self.binop(Encoder::i64_rotr, ImmForm::None, Width::W64, false),
            O::I64Clz => self.unop(Encoder::i64_clz),
            O::I64Ctz => self.unop(Encoder::i64_ctz),
            O::I64Popcnt => self.unop(Encoder::i64_popcnt),
            O::I64Extend8S => self.unop(Encoder::i64_extend8_s),
            O::I64Extend16S => self.unop(Encoder::i64_extend16_s),
            O::I64Extend32S | O::I64ExtendI32S => self.unop(Encoder::i64_extend32_s),
            O::I64ExtendI32U => self.unop(Encoder::i64_extend_i32_u),
            // i32 consumers read the low 32 bits, and floats are kept as bits: these are
            // no-ops on the slot.
            O::I32WrapI64
            | O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64 => self.keep_last(),

            O::F32Eq => self.float_binop(false, FloatOp::Eq),
            O::F32Ne => self.float_binop(false, FloatOp::Ne),
            O::F32Lt => self.float_binop(false, FloatOp::Lt),
            O::F32Gt => self.float_binop(false, FloatOp::Gt),
            O::F32Le => self.float_binop(false, FloatOp::Le),
            O::F32Ge => self.float_binop(false, FloatOp::Ge),
            O::F64Eq => self.float_binop(true, FloatOp::Eq),
            O::F64Ne => self.float_binop(true, FloatOp::Ne),
            O::F64Lt => self.float_binop(true, FloatOp::Lt),
            O::F64Gt => self.float_binop(true, FloatOp::Gt),
            O::F64Le => self.float_binop(true, FloatOp::Le),
            O::F64Ge => self.float_binop(true, FloatOp::Ge),
            O::F32Add => self.float_binop(false, FloatOp::Add),
            O::F32Sub => self.float_binop(false, FloatOp::Sub),
            O::F32Mul => self.float_binop(false, FloatOp::Mul),
            O::F32Div => self.float_binop(false, FloatOp::Div),
            O::F32Min => self.float_binop(false, FloatOp::Min),
            O::F32Max => self.float_binop(false, FloatOp::Max),
            O::F32Copysign => self.float_binop(false, FloatOp::Copysign),
            O::F64Add => self.float_binop(true, FloatOp::Add),
            O::F64Sub => self.float_binop(true, FloatOp::Sub),
            O::F64Mul => self.float_binop(true, FloatOp::Mul),
            O::F64Div => self.float_binop(true, FloatOp::Div),
            O::F64Min => self.float_binop(true, FloatOp::Min),
            O::F64Max => self.float_binop(true, FloatOp::Max),
            O::F64Copysign => self.float_binop(true, FloatOp::Copysign),
            O::F32Abs => self.unop(Encoder::f32_abs),
            O::F32Neg => self.unop(Encoder::f32_neg),
            O::F32Sqrt => self.unop(Encoder::f32_sqrt),
            O::F32Ceil => self.unop(Encoder::f32_ceil),
            O::F32Floor => self.unop(Encoder::f32_floor),
            O::F32Trunc => self.unop(Encoder::f32_trunc),
            O::F32Nearest => self.unop(Encoder::f32_nearest),
            O::F64Abs => self.unop(Encoder::f64_abs),
            O::F64Neg => self.unop(Encoder::f64_neg),
            O::F64Sqrt => self.unop(Encoder::f64_sqrt),
            O::F64Ceil => self.unop(Encoder::f64_ceil),
            O::F64Floor => self.unop(Encoder::f64_floor),
            O::F64Trunc => self.unop(Encoder::f64_trunc),
            O::F64Nearest => self.unop(Encoder::f64_nearest),

            O::I32TruncF32S => self.unop(Encoder::i32_trunc_f32_s),
            O::I32TruncF32U => self.unop(Encoder::i32_trunc_f32_u),
            O::I32TruncF64S => self.unop(Encoder::i32_trunc_f64_s),
            O::I32TruncF64U => self.unop(Encoder::i32_trunc_f64_u),
            O::I64TruncF32S => self.unop(Encoder::i64_trunc_f32_s),
            O::I64TruncF32U => self.unop(Encoder::i64_trunc_f32_u),
            O::I64TruncF64S => self.unop(Encoder::i64_trunc_f64_s),
            O::I64TruncF64U => self.unop(Encoder::i64_trunc_f64_u),
            O::I32TruncSatF32S => self.unop(Encoder::i32_trunc_sat_f32_s),
            O::I32TruncSatF32U => self.unop(Encoder::i32_trunc_sat_f32_u),
            O::I32TruncSatF64S => self.unop(Encoder::i32_trunc_sat_f64_s),
            O::I32TruncSatF64U => self.unop(Encoder::i32_trunc_sat_f64_u),
            O::I64TruncSatF32S => self.unop(Encoder::i64_trunc_sat_f32_s),
            O::I64TruncSatF32U => self.unop(Encoder::i64_trunc_sat_f32_u),
            O::I64TruncSatF64S => self.unop(Encoder::i64_trunc_sat_f64_s),
            O::I64TruncSatF64U => self.unop(Encoder::i64_trunc_sat_f64_u),
            O::F32ConvertI32S => self.unop(Encoder::f32_convert_i32_s),
            O::F32ConvertI32U => self.unop(Encoder::f32_convert_i32_u),
            O::F32ConvertI64S => self.unop(Encoder::f32_convert_i64_s),
            O::F32ConvertI64U => self.unop(Encoder::f32_convert_i64_u),
            O::F64ConvertI32S => self.unop(Encoder::f64_convert_i32_s),
            O::F64ConvertI32U => self.unop(Encoder::f64_convert_i32_u),
            O::F64ConvertI64S => self.unop(Encoder::f64_convert_i64_s),
            O::F64ConvertI64U => self.unop(Encoder::f64_convert_i64_u),
            O::F32DemoteF64 => self.unop(Encoder::f32_demote_f64),
            O::F64PromoteF32 => self.unop(Encoder::f64_promote_f32),

            other => bail!("unsupported: operator {other:?}"),
        }
        Ok(())
    }

    fn end(&mut self) {
        let frame = self.controls.pop().expect("validated");
        if frame.dead {
            return;
        }
        if frame.kind == Kind::Function {
            if !self.unreachable {
                self.emit_return();
            }
            self.unreachable = true;
            return;
        }
        let reachable = !self.unreachable;
        if reachable {
            self.materialize_top(frame.results);
        }
        let mut joined = false;
        if frame.kind == Kind::If {
            // No else: the false branch lands here with the parameters as results.
            self.bind(frame.else_label);
            joined = true;
        }
        if frame.kind != Kind::Loop {
            joined |= self.labels[frame.label].used;
            self.bind(frame.label);
        }
        self.truncate_stack(frame.height);
        for _ in 0..frame.results {
            self.push(Operand::Temp);
        }
        self.unreachable = !(reachable || joined);
        if joined {
            self.fuel_block();
        }
    }
}

/// Each operator is built in place and handed to `Translator::operator`: much cheaper
/// than `OperatorsReader::read`, which returns (and drops) a whole `Operator` per op.
macro_rules! define_visit_operator {
    ($(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(,$arg: $argty)*)?) -> Self::Output {
                self.operator(O::$op $({ $($arg),* })?)
            }
        )*
    }
}

impl<'a> wasmparser::VisitOperator<'a> for Translator<'_> {
    type Output = Result<()>;
    wasmparser::for_each_visit_operator!(define_visit_operator);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::disasm::disassemble;

    fn translate_wat(wat: &str) -> FuncCode {
        let wasm = wat::parse_str(wat).unwrap();
        let module = ModuleInfo::parse(&wasm).unwrap();
        translate_function(&module, 0, &TranslateOptions::default()).unwrap()
    }

    #[test]
    fn local_get_add_local_set_is_one_op() {
        let f = translate_wat(
            "(module (func (param i32 i32) (local i32)
                local.get 0 local.get 1 i32.add local.set 2))",
        );
        let text = disassemble(&f.code);
        assert_eq!(
            text.lines().next().unwrap().trim(),
            "0: i32_add dst=s2, a=s0, b=s1",
            "{text}"
        );
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    #[test]
    fn compare_and_branch_fuse() {
        let f = translate_wat(
            "(module (func (param i32)
                (block (br_if 0 (i32.lt_s (local.get 0) (i32.const 10))))))",
        );
        let text = disassemble(&f.code);
        assert!(text.contains("br_i32_lt_s_imm a=s0, imm=10"), "{text}");
    }

    #[test]
    fn constants_become_immediates() {
        let f = translate_wat(
            "(module (func (param i32) (result i32) local.get 0 i32.const 5 i32.sub))",
        );
        let text = disassemble(&f.code);
        assert!(text.contains("i32_add_imm dst=s1, a=s0, imm=-5"), "{text}");
    }

    #[test]
    fn preserved_local_keeps_old_value() {
        // The first `local.get 0` must see the value before `local.set 0`.
        let f = translate_wat(
            "(module (func (param i32) (result i32)
                local.get 0 i32.const 7 local.set 0 local.get 0 i32.add))",
        );
        let text = disassemble(&f.code);
        let mv = text.find("move dst=s1, src=s0").expect(&text);
        let set = text.find("const32 dst=s0").expect(&text);
        assert!(mv < set, "{text}");
    }

    #[test]
    fn bytecode_is_compact() {
        let wasm = wat::parse_str(
            "(module (func (param i32) (result i32) (local i32)
                (loop $l
                    (local.set 1 (i32.add (local.get 1) (local.get 0)))
                    (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                    (br_if $l (local.get 0)))
                local.get 1))",
        )
        .unwrap();
        let module = ModuleInfo::parse(&wasm).unwrap();
        let f = translate_function(&module, 0, &TranslateOptions::default()).unwrap();
        let wasm_code = module.bodies[0].len();
        assert!(
            f.code.len() <= 3 * wasm_code,
            "{} vs {}\n{}",
            f.code.len(),
            wasm_code,
            disassemble(&f.code)
        );
    }
}
