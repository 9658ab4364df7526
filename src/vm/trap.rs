//! Trap codes: why wasm execution stopped abnormally.

use core::fmt;

/// The reason a wasm call trapped. `Display` gives the spec test suite's wording.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trap {
    /// `unreachable` was executed.
    UnreachableCodeReached,
    /// A load, store or bulk memory operation went out of bounds.
    MemoryOutOfBounds,
    /// A table access or bulk table operation went out of bounds.
    TableOutOfBounds,
    /// `call_indirect` with an index outside the table.
    UndefinedElement,
    /// `call_indirect` through a null table entry.
    IndirectCallToNull,
    /// `call_indirect` to a function of another signature.
    BadSignature,
    /// Signed division overflow (`i32.div_s` of `MIN` by -1).
    IntegerOverflow,
    /// Division or remainder by zero.
    IntegerDivisionByZero,
    /// A trapping float-to-int conversion of NaN or an out-of-range value.
    BadConversionToInteger,
    /// The wasm stack (call depth or value stack) is exhausted.
    StackOverflow,
    /// The store ran out of fuel.
    OutOfFuel,
    /// Execution was interrupted by the embedder.
    Interrupted,
    /// A component instance was left when it must not be (component model).
    CannotLeaveComponent,
    /// A null reference was dereferenced.
    NullReference,
    /// A component's values broke a rule of the canonical ABI (bad handle, string,
    /// pointer, discriminant, …); the error's context says which.
    CanonicalAbi,
}

impl Trap {
    /// Every trap, indexed by its code (what compiled code passes to `raise_trap`).
    pub const ALL: [Trap; 15] = [
        Trap::UnreachableCodeReached,
        Trap::MemoryOutOfBounds,
        Trap::TableOutOfBounds,
        Trap::UndefinedElement,
        Trap::IndirectCallToNull,
        Trap::BadSignature,
        Trap::IntegerOverflow,
        Trap::IntegerDivisionByZero,
        Trap::BadConversionToInteger,
        Trap::StackOverflow,
        Trap::OutOfFuel,
        Trap::Interrupted,
        Trap::CannotLeaveComponent,
        Trap::NullReference,
        Trap::CanonicalAbi,
    ];

    /// The code compiled code uses for this trap.
    pub fn code(self) -> u32 {
        Trap::ALL
            .iter()
            .position(|t| *t == self)
            .expect("every trap is listed") as u32
    }

    /// The trap of a code.
    pub fn from_code(code: u32) -> Option<Trap> {
        Trap::ALL.get(code as usize).copied()
    }
}

impl Trap {
    /// The message the WebAssembly spec test suite uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            Trap::UnreachableCodeReached => "unreachable",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "out of bounds table access",
            Trap::UndefinedElement => "undefined element",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::StackOverflow => "call stack exhausted",
            Trap::OutOfFuel => "all fuel consumed",
            Trap::Interrupted => "interrupted",
            Trap::CannotLeaveComponent => "cannot leave component instance",
            Trap::NullReference => "null reference",
            Trap::CanonicalAbi => "canonical ABI violation",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message())
    }
}

impl std::error::Error for Trap {}
