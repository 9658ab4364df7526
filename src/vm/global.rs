//! Globals.

use super::{ValRaw, VmSafe};
use crate::module::GlobalType;

/// The storage of a global as running code sees it: one 16-byte value.
#[repr(C, align(16))]
pub struct VMGlobalDefinition {
    /// The value.
    pub value: ValRaw,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMGlobalDefinition {}

/// A global. `def` is the first field: the pointer in a `VMContext` is also a pointer to
/// the `Global`.
#[repr(C)]
pub struct Global {
    /// Read and written by running code.
    pub def: VMGlobalDefinition,
    /// The type.
    pub ty: GlobalType,
}
// SAFETY: repr(C) with `def` first (the layout the JIT reads); `GlobalType` is plain
// data with no drop glue.
unsafe impl VmSafe for Global {}

impl Global {
    /// A global with an initial value.
    pub fn new(ty: GlobalType, value: ValRaw) -> Global {
        Global {
            def: VMGlobalDefinition { value },
            ty,
        }
    }
}
