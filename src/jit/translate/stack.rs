//! The operand stack (Cranelift values) and the control stack (one frame per open wasm
//! block, loop and if, each a Cranelift block with parameters for the values it passes).

use cranelift_codegen::ir::{Block, Type, Value};

/// The wasm operand stack, as SSA values. The module was validated, so an underflow is a
/// bug of ours.
#[derive(Default)]
pub(super) struct ValueStack {
    values: Vec<Value>,
}

impl ValueStack {
    pub(super) fn push(&mut self, v: Value) {
        self.values.push(v);
    }

    pub(super) fn pop(&mut self) -> Value {
        self.values.pop().expect("validated: stack underflow")
    }

    /// The two top values, deepest first.
    pub(super) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    /// The three top values, deepest first.
    pub(super) fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    /// The `n` top values, deepest first.
    pub(super) fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.values.len() - n;
        self.values.split_off(at)
    }

    /// The `n` top values, left on the stack.
    pub(super) fn peekn(&self, n: usize) -> &[Value] {
        &self.values[self.values.len() - n..]
    }

    pub(super) fn top(&self) -> Value {
        *self.values.last().expect("validated: stack underflow")
    }

    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    pub(super) fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
    }

    pub(super) fn extend(&mut self, vals: impl IntoIterator<Item = Value>) {
        self.values.extend(vals);
    }
}

/// What opened a frame (`Else`: an `if` past its `else`).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum FrameKind {
    Block,
    Loop,
    If,
    Else,
}

/// An open wasm block, loop or if.
pub(super) struct Frame {
    pub(super) kind: FrameKind,
    /// Where the frame's end continues (with the results as parameters).
    pub(super) dest: Block,
    /// Loop header (loops), else block (ifs).
    pub(super) other: Block,
    pub(super) params: Vec<Type>,
    pub(super) results: Vec<Type>,
    /// Operand-stack height below the parameters.
    pub(super) height: usize,
    /// A branch (not the fall-through) targets `dest`.
    pub(super) branched: bool,
    /// Code was reachable when the frame was entered.
    pub(super) live: bool,
    /// Length of the bounds checks' undo log when the frame was entered.
    pub(super) checks_mark: usize,
    /// An `if`'s condition.
    pub(super) cond: Option<Value>,
}

impl Frame {
    /// A frame entered where code is unreachable: only its `end` matters.
    pub(super) fn dead(dummy: Block, height: usize) -> Frame {
        Frame {
            kind: FrameKind::Block,
            dest: dummy,
            other: dummy,
            params: Vec::new(),
            results: Vec::new(),
            height,
            branched: false,
            live: false,
            checks_mark: 0,
            cond: None,
        }
    }
}

/// The open frames, outermost (the function body) first.
#[derive(Default)]
pub(super) struct ControlStack {
    frames: Vec<Frame>,
}

impl ControlStack {
    /// After `BoundsChecks::forget_all`: every open frame restores to no facts.
    pub(super) fn forget_checks_marks(&mut self) {
        for f in &mut self.frames {
            f.checks_mark = 0;
        }
    }

    pub(super) fn push(&mut self, f: Frame) {
        self.frames.push(f);
    }

    pub(super) fn pop(&mut self) -> Frame {
        self.frames.pop().expect("validated")
    }

    pub(super) fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The innermost frame.
    pub(super) fn top(&self) -> &Frame {
        self.frames.last().expect("validated")
    }

    pub(super) fn top_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("validated")
    }

    /// Whether relative depth `depth` names the function body (a branch there returns).
    pub(super) fn is_function_frame(&self, depth: u32) -> bool {
        depth as usize == self.frames.len() - 1
    }

    /// The block a branch to relative depth `depth` jumps to and how many values it
    /// carries (loops take their parameters, other frames their results).
    pub(super) fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &mut self.frames[i];
        if f.kind == FrameKind::Loop {
            (f.other, f.params.len())
        } else {
            f.branched = true;
            (f.dest, f.results.len())
        }
    }
}
