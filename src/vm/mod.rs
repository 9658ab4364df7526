//! The one runtime layout that every tier reads and writes.
//!
//! This module owns the data structures that executing code touches: [`ValRaw`] (values
//! crossing a boundary through memory), [`VmPtr`] (pointers visible to compiled code),
//! [`VMFuncRef`] and the array-call ABI, the per-instance [`VMContext`] with offsets
//! computed once per module by [`VMOffsets`], linear memories, tables, globals and trap
//! codes. The interpreter and the JIT both depend on this module and on nothing of each
//! other, so a function can change tier without any state being copied.

mod boundary;
// Always built: the JIT's libcall list names its context even without components.
#[cfg_attr(
    not(feature = "component"),
    allow(dead_code, reason = "the component layer that uses it is compiled out")
)]
pub mod component;
mod func_ref;
mod func_slots;
mod global;
mod instance;
#[cfg(feature = "jit")]
pub mod libcalls;
mod memory;
pub mod stack_limit;
mod table;
mod trap;
pub mod unwind;
mod val_raw;
mod vm_ptr;
mod vmctx;

pub use boundary::catch_unwind_and_record;
pub use func_ref::{
    FUNCTION_CONTEXT_MAGIC, HOST_CONTEXT_MAGIC, VMArrayCallFn, VMFuncRef, VMFunctionContext,
    VMOpaqueContext, VMSharedTypeIndex, VMWasmCallFunction,
};
pub use func_slots::{FuncSlots, VMNativeEntry, load_slot};
pub use global::Global;
#[cfg(feature = "jit")]
pub use global::VMGlobalDefinition;
pub use instance::{Instance, InstanceParts};
pub use memory::{DEFAULT_MEMORY_RESERVATION, Memory, VMMemoryDefinition, WASM_PAGE_SIZE};
pub use table::Table;
#[cfg(feature = "jit")]
pub use table::VMTableDefinition;
pub use trap::Trap;
pub use val_raw::{VMRef, ValRaw};
pub use vm_ptr::{StoreBox, VmBox, VmPtr, VmSafe};
pub use vmctx::{
    VMCONTEXT_MAGIC, VMContext, VMContextHeader, VMFuncCounters, VMOffsets, VMStoreContext,
};

#[cfg(target_endian = "big")]
compile_error!("tierwasm stores wasm values little-endian and supports little-endian hosts only");
