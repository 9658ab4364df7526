//! The control stack (blocks, loops, ifs and the function itself), branches, returns
//! and calls.

use super::Translator;
use super::stack::Operand;
use crate::interp::encode::Staged;
use crate::interp::ops::{Op, OpCode};
use crate::module::FuncIndex;
use anyhow::Result;
use smallvec::SmallVec;
use wasmparser::BlockType;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Function,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Copy, Clone, Debug)]
pub(super) struct Control {
    pub(super) kind: Kind,
    /// Entered in unreachable code: nothing was emitted for it.
    pub(super) dead: bool,
    /// Stack height below the block's parameters.
    pub(super) height: usize,
    pub(super) params: usize,
    pub(super) results: usize,
    /// Branch target: the end, or the header of a loop.
    pub(super) label: usize,
    /// For `if`: where the false branch goes.
    pub(super) else_label: usize,
    /// Where the block's writes of locals start (see `assigned`).
    pub(super) assigned: usize,
}

impl Control {
    pub(super) fn branch_arity(&self) -> usize {
        if self.kind == Kind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

/// The open blocks, innermost last.
#[derive(Default)]
pub(super) struct ControlStack(Vec<Control>);

impl ControlStack {
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    pub(super) fn push(&mut self, c: Control) {
        self.0.push(c);
    }

    pub(super) fn pop(&mut self) -> Control {
        self.0.pop().expect("validated")
    }

    /// The innermost block.
    pub(super) fn innermost(&mut self) -> &mut Control {
        self.0.last_mut().expect("validated")
    }

    /// The block a branch of relative depth `depth` targets.
    pub(super) fn target(&self, depth: u32) -> Control {
        self.0[self.0.len() - 1 - depth as usize]
    }
}

impl Translator<'_> {
    /// True when the values a branch to `target` carries are already where it wants them.
    pub(super) fn in_place(&self, target: &Control) -> bool {
        let n = target.branch_arity();
        n == 0
            || (self.stack.len() - n == target.height
                && self.stack.top(n).iter().all(|v| *v == Operand::Temp))
    }

    /// Copies the values a branch to `target` carries into the target's slots.
    pub(super) fn copy_to(&mut self, target: &Control) {
        let n = target.branch_arity();
        let len = self.stack.len();
        for j in 0..n {
            let (src, dst) = (len - n + j, target.height + j);
            let dst_slot = self.stack.slot_at(dst);
            match self.stack.get(src) {
                Operand::Temp if src == dst => {}
                Operand::Temp => {
                    let s = self.stack.slot_at(src);
                    self.emit_move(dst_slot, s);
                }
                Operand::Local(l) => {
                    self.emit_move(dst_slot, l);
                }
                Operand::Const(c) => self.emit_const(dst_slot, c),
            }
        }
    }

    /// Emits `ret` (or `ret1 src`), merged with the stack pointer's update right before
    /// it (an epilogue) into one op.
    fn emit_ret(&mut self, src: Option<u16>) {
        if let Some(Staged {
            start,
            op: Op::I32AddImmGlobalSet(g),
        }) = self.fusable_last()
        {
            self.enc.truncate(start);
            match src {
                None => self
                    .enc
                    .i32_add_imm_global_set_ret(g.dst, g.a, g.imm, g.idx),
                Some(s) => self
                    .enc
                    .i32_add_imm_global_set_ret1(g.dst, g.a, g.imm, g.idx, s),
            };
            return;
        }
        match src {
            None => self.enc.ret(),
            Some(s) => self.enc.ret1(s),
        };
    }

    /// Emits the return of the top `num_results` values.
    pub(super) fn emit_return(&mut self) {
        let n = self.num_results;
        let len = self.stack.len();
        match n {
            0 => self.emit_ret(None),
            1 => match self.stack.get(len - 1) {
                Operand::Temp => {
                    let s = self.stack.slot_at(len - 1);
                    self.emit_ret(Some(s));
                }
                Operand::Local(l) => self.emit_ret(Some(l)),
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
                let view: SmallVec<[Operand; 8]> = self.stack.top(n).into();
                self.materialize_top(n);
                for j in 0..n {
                    let src = self.stack.slot_at(len - n + j);
                    if src != j as u16 {
                        self.emit_move(j as u16, src);
                    }
                }
                self.enc.ret();
                for (j, v) in view.into_iter().enumerate() {
                    self.stack.set(len - n + j, v);
                }
            }
        }
    }

    pub(super) fn block_type(&self, bt: BlockType) -> (usize, usize) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let t = &self.module.types[i as usize];
                (t.params().len(), t.results().len())
            }
        }
    }

    pub(super) fn push_control(
        &mut self,
        kind: Kind,
        bt: BlockType,
        label: usize,
        else_label: usize,
    ) {
        let (params, results) = self.block_type(bt);
        self.controls.push(Control {
            kind,
            dead: false,
            height: self.stack.len() - params,
            params,
            results,
            label,
            else_label,
            assigned: self.assigned.mark(),
        });
    }

    pub(super) fn push_dead(&mut self) {
        self.controls.push(Control {
            kind: Kind::Block,
            dead: true,
            height: self.stack.len(),
            params: 0,
            results: 0,
            label: usize::MAX,
            else_label: usize::MAX,
            assigned: self.assigned.mark(),
        });
    }

    pub(super) fn target(&self, depth: u32) -> Control {
        self.controls.target(depth)
    }

    pub(super) fn br(&mut self, depth: u32) {
        let target = self.target(depth);
        if target.kind == Kind::Function {
            self.emit_return();
        } else {
            self.copy_to(&target);
            self.emit_br(target.label);
        }
        self.unreachable = true;
    }

    pub(super) fn br_if(&mut self, depth: u32) {
        let target = self.target(depth);
        if target.kind != Kind::Function {
            // The carried values are below the condition: check them without it.
            let cond = self.stack.pop_raw();
            let direct = self.in_place(&target);
            self.stack.push_raw(cond);
            if direct {
                self.cond_branch(false, target.label, |_| {});
                self.fuel_block();
                return;
            }
        }
        let skip = self.labels.new_label();
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

    pub(super) fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<()> {
        let idx = self.stack.pop();
        let pos = self.stack.len();
        let mut depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        depths.push(targets.default());
        let len = depths.len() as u32 - 1;
        // An index just offset by a constant is offset by the table op itself.
        let start = match self.take_producer(idx, pos, OpCode::I32AddImm) {
            Some(Op::I32AddImm(add)) => self.enc.br_table_add_imm(add.a, len, add.imm),
            _ => {
                let idx = self.slot_of(idx, pos);
                self.enc.br_table(idx, len)
            }
        };
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
                        let l = self.labels.new_label();
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

    pub(super) fn call(&mut self, func: u32) {
        let ty = self.module.func_type(func);
        let (np, nr) = (ty.params().len(), ty.results().len());
        self.materialize_top(np);
        let base_pos = self.stack.len() - np;
        let base = self.stack.slot_at(base_pos);
        self.stack.truncate(base_pos);
        match self.module.defined_func_index(FuncIndex::from_u32(func)) {
            Some(d) => self.enc.call(d.as_u32(), base),
            None => self.enc.call_import(func, base),
        };
        for _ in 0..nr {
            self.stack.push(Operand::Temp);
        }
        // The callee writes its results from slot `base` on.
        self.stack.reserve(base_pos + nr);
    }

    pub(super) fn call_indirect(&mut self, type_index: u32, table: u32) {
        let ty = &self.module.types[type_index as usize];
        let (np, nr) = (ty.params().len(), ty.results().len());
        let idx = self.stack.pop();
        let idx_pos = self.stack.len();
        self.materialize_top(np);
        let idx = self.slot_of(idx, idx_pos);
        let base_pos = self.stack.len() - np;
        let base = self.stack.slot_at(base_pos);
        self.stack.truncate(base_pos);
        self.enc.call_indirect(type_index, table, idx, base);
        for _ in 0..nr {
            self.stack.push(Operand::Temp);
        }
        self.stack.reserve(base_pos + nr);
    }

    /// `end`: closes the innermost block (or the function, with a return).
    pub(super) fn end(&mut self) {
        let frame = self.controls.pop();
        self.assigned.forget_since(frame.assigned);
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
            joined |= self.labels.used(frame.label);
            self.bind(frame.label);
        }
        self.stack.truncate(frame.height);
        for _ in 0..frame.results {
            self.stack.push(Operand::Temp);
        }
        self.unreachable = !(reachable || joined);
        if joined {
            self.fuel_block();
        }
    }
}
