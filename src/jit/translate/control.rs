//! Control flow and calls: blocks, loops, ifs, branches, returns, direct and indirect
//! calls. Each wasm block is a Cranelift block with parameters for the values it passes;
//! where control flow joins, the bounds-check facts of only one path are forgotten.

use super::Translator;
use super::stack::{Frame, FrameKind};
use crate::jit::clif_type;
use crate::module::{FuncIndex, ValType};
use crate::vm::Trap;
use anyhow::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, BlockCall, InstBuilder, JumpTableData, Type, Value};
use wasmparser::{BlockType, BrTable};

/// `vals` as the arguments of a jump.
fn block_args(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl Translator<'_, '_> {
    /// The parameter and result types of a block type.
    fn block_type(&self, bt: BlockType) -> (Vec<Type>, Vec<Type>) {
        let ptr = self.env.ptr;
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

    /// A frame over the stack's top `params.len()` values.
    fn live_frame(
        &self,
        kind: FrameKind,
        dest: Block,
        other: Block,
        (params, results): (Vec<Type>, Vec<Type>),
        cond: Option<Value>,
    ) -> Frame {
        Frame {
            kind,
            dest,
            other,
            height: self.stack.len() - params.len(),
            params,
            results,
            branched: false,
            live: true,
            checks_mark: self.checks.mark(),
            cond,
        }
    }

    /// A block, loop or if where code is unreachable: only its `end` matters.
    pub(super) fn dead_frame(&mut self, is_loop: bool) {
        if is_loop {
            // Keep loops numbered as `loop_assignments` numbers them.
            self.checks.enter_loop(false);
        }
        let dummy = self.b.create_block();
        self.frames.push(Frame::dead(dummy, self.stack.len()));
    }

    pub(super) fn block(&mut self, blockty: BlockType) {
        let ty = self.block_type(blockty);
        let dest = self.new_block_with(&ty.1);
        let frame = self.live_frame(FrameKind::Block, dest, dest, ty, None);
        self.frames.push(frame);
    }

    pub(super) fn loop_(&mut self, blockty: BlockType) {
        let ty = self.block_type(blockty);
        // What the loop assigns has a new value at the header on each iteration.
        self.checks.enter_loop(true);
        let header = self.new_block_with(&ty.0);
        let dest = self.new_block_with(&ty.1);
        let args = self.stack.popn(ty.0.len());
        self.b.ins().jump(header, &block_args(&args));
        self.osr_loop(header, args.is_empty());
        self.b.switch_to_block(header);
        let vals = self.b.block_params(header).to_vec();
        self.stack.extend(vals);
        let frame = self.live_frame(FrameKind::Loop, dest, header, ty, None);
        self.frames.push(frame);
        self.fuel_block();
    }

    pub(super) fn if_(&mut self, blockty: BlockType) {
        let ty = self.block_type(blockty);
        let cond = self.stack.pop();
        let then_block = self.new_block_with(&ty.0);
        let else_block = self.new_block_with(&ty.0);
        let dest = self.new_block_with(&ty.1);
        let args = block_args(&self.stack.popn(ty.0.len()));
        self.b
            .ins()
            .brif(cond, then_block, &args, else_block, &args);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        self.b.switch_to_block(then_block);
        let vals = self.b.block_params(then_block).to_vec();
        self.stack.extend(vals);
        let frame = self.live_frame(FrameKind::If, dest, else_block, ty, Some(cond));
        self.frames.push(frame);
        self.checks.record_condition(&self.b.func.dfg, cond, true);
        self.fuel_block();
    }

    pub(super) fn else_(&mut self) {
        let f = self.frames.top_mut();
        if f.live {
            let (dest, else_block, height, nres) = (f.dest, f.other, f.height, f.results.len());
            if self.reachable {
                let vals = self.stack.peekn(nres).to_vec();
                self.b.ins().jump(dest, &block_args(&vals));
                self.frames.top_mut().branched = true;
            }
            self.stack.truncate(height);
            let f = self.frames.top();
            let (mark, cond) = (f.checks_mark, f.cond);
            self.checks.restore(mark);
            if let Some(cond) = cond {
                self.checks.record_condition(&self.b.func.dfg, cond, false);
            }
            self.b.switch_to_block(else_block);
            let vals = self.b.block_params(else_block).to_vec();
            self.stack.extend(vals);
            self.reachable = true;
            self.fuel_block();
        }
        self.frames.top_mut().kind = FrameKind::Else;
    }

    pub(super) fn end(&mut self) {
        let f = self.frames.pop();
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
            let vals = self.stack.peekn(f.results.len()).to_vec();
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
            self.checks.restore(f.checks_mark);
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

    pub(super) fn br(&mut self, depth: u32) {
        if self.frames.is_function_frame(depth) {
            self.emit_return();
        } else {
            let (target, n) = self.frames.branch_target(depth);
            let vals = self.stack.peekn(n).to_vec();
            self.b.ins().jump(target, &block_args(&vals));
        }
        self.reachable = false;
    }

    pub(super) fn br_if(&mut self, depth: u32) {
        let cond = self.stack.pop();
        let cont = self.b.create_block();
        if self.frames.is_function_frame(depth) {
            let ret = self.b.create_block();
            self.b.ins().brif(cond, ret, &[], cont, &[]);
            self.b.switch_to_block(ret);
            self.b.seal_block(ret);
            self.emit_return();
        } else {
            let (target, n) = self.frames.branch_target(depth);
            let vals = self.stack.peekn(n).to_vec();
            self.b
                .ins()
                .brif(cond, target, &block_args(&vals), cont, &[]);
        }
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
        self.checks.record_condition(&self.b.func.dfg, cond, false);
        self.fuel_block();
    }

    pub(super) fn br_table(&mut self, targets: &BrTable<'_>) -> Result<()> {
        let index = self.stack.pop();
        let mut depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        depths.push(targets.default());
        let mut calls = Vec::with_capacity(depths.len());
        let mut ret_block = None;
        for depth in depths {
            let (block, vals) = if self.frames.is_function_frame(depth) {
                let r = *ret_block.get_or_insert_with(|| self.b.create_block());
                (r, Vec::new())
            } else {
                let (target, n) = self.frames.branch_target(depth);
                (target, self.stack.peekn(n).to_vec())
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
        Ok(())
    }

    pub(super) fn return_(&mut self) {
        self.emit_return();
        self.reachable = false;
    }

    // ---- calls ----

    /// `call func`: directly to a function compiled with this one, else through its
    /// `VMFuncRef`.
    pub(super) fn call(&mut self, func: FuncIndex) {
        self.vm.calls = true;
        let module = self.env.module;
        let ty = module.func_type(func.as_u32()).clone();
        let args = self.stack.popn(ty.params().len());
        let results = match module
            .defined_func_index(func)
            .and_then(|d| self.env.ids[d.index()])
        {
            Some((id, _)) => {
                let callee = self.vm.func_ref(&mut self.b, id);
                let mut all = vec![self.vm.vmctx, self.vm.vmctx];
                all.extend(args);
                let call = self.b.ins().call(callee, &all);
                let results = self.b.inst_results(call).to_vec();
                self.after_call();
                results
            }
            None => {
                let fref = self.vm.func_ref_of(&mut self.b, func);
                let type_index = module.functions[func.index()];
                match module.defined_func_index(func) {
                    // Not compiled with this function: whatever the slot table says now.
                    Some(d) => {
                        let entry = self.vm.func_slot(&mut self.b, d);
                        self.call_slot(entry, fref, type_index, &args)
                    }
                    None => self.call_funcref(fref, type_index, &args),
                }
            }
        };
        self.stack.extend(results);
    }

    pub(super) fn call_indirect(&mut self, type_index: u32, table: u32) {
        let ptr = self.env.ptr;
        let ty = self.env.module.types[type_index as usize].clone();
        let index = self.stack.pop();
        let args = self.stack.popn(ty.params().len());
        let def = self.vm.table_def(&mut self.b, table);
        let len = self.vm.table_len(&mut self.b, def);
        let index = self.b.ins().uextend(ptr, index);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(oob, Trap::UndefinedElement);
        let fref = self.vm.table_element(&mut self.b, def, index);
        let null = self.b.ins().icmp_imm_s(IntCC::Equal, fref, 0);
        self.trap_if(null, Trap::IndirectCallToNull);
        let have = self.vm.funcref_type(&mut self.b, fref);
        let want = self.vm.sig_id(type_index);
        let mismatch = self.b.ins().icmp_imm_u(IntCC::NotEqual, have, want as i64);
        self.trap_if(mismatch, Trap::BadSignature);
        let results = self.call_funcref(fref, type_index, &args);
        self.stack.extend(results);
    }

    /// Calls any function through its `VMFuncRef`: its native wasm entry if it has one,
    /// else its signature's array-call stub, which takes the `VMFuncRef` in place of the
    /// callee's vmctx. One call either way, chosen by two selects.
    fn call_funcref(&mut self, fref: Value, type_index: u32, args: &[Value]) -> Vec<Value> {
        let wasm_call = self.vm.funcref_wasm_call(&mut self.b, fref);
        let vmctx = self.vm.funcref_vmctx(&mut self.b, fref);
        let stub = self.vm.array_call_stub(&mut self.b, type_index);
        let callee = self.b.ins().select(wasm_call, wasm_call, stub);
        let first = self.b.ins().select(wasm_call, vmctx, fref);
        self.call_wasm_indirect(callee, first, type_index, args)
    }

    /// Calls defined function `fref` through the slot table's `entry`: its published code
    /// when there is some, else its signature's array-call stub (see `call_funcref`).
    fn call_slot(
        &mut self,
        entry: Value,
        fref: Value,
        type_index: u32,
        args: &[Value],
    ) -> Vec<Value> {
        let ptr = self.env.ptr;
        let ty = &self.env.module.types[type_index as usize];
        let result_types: Vec<Type> = ty.results().iter().map(|t| clif_type(*t, ptr)).collect();
        let direct = self.b.create_block();
        let stub = self.b.create_block();
        // Interpreted callees: rare next to compiled ones.
        self.b.set_cold_block(stub);
        let merge = self.new_block_with(&result_types);
        self.b.ins().brif(entry, direct, &[], stub, &[]);
        self.b.seal_block(direct);
        self.b.seal_block(stub);

        self.b.switch_to_block(direct);
        let wasm_call = self.vm.entry_wasm_call(&mut self.b, entry);
        // Published code of this module runs with this instance's context.
        let vmctx = self.vm.vmctx;
        let results = self.call_wasm_indirect(wasm_call, vmctx, type_index, args);
        self.b.ins().jump(merge, &block_args(&results));

        self.b.switch_to_block(stub);
        let callee = self.vm.array_call_stub(&mut self.b, type_index);
        let results = self.call_wasm_indirect(callee, fref, type_index, args);
        self.b.ins().jump(merge, &block_args(&results));

        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        self.b.block_params(merge).to_vec()
    }

    /// Calls `callee` in the wasm calling convention of type `type_index`, with `first`
    /// as its vmctx.
    fn call_wasm_indirect(
        &mut self,
        callee: Value,
        first: Value,
        type_index: u32,
        args: &[Value],
    ) -> Vec<Value> {
        self.vm.calls = true;
        let sig = self.vm.sig_ref(&mut self.b, type_index);
        let mut all = vec![first, self.vm.vmctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, callee, &all);
        let results = self.b.inst_results(call).to_vec();
        self.after_call();
        results
    }
}
