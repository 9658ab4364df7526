//! Function references and the one host-call ABI ("array call").

use super::{VMContext, ValRaw, VmPtr, VmSafe};
use core::ptr::NonNull;

/// An engine-wide canonical function signature id: two functions have the same
/// `VMSharedTypeIndex` exactly when their wasm function types are equal, across modules
/// and instances of one `Engine`. `call_indirect` compares these.
pub type VMSharedTypeIndex = u32;

/// The opaque callee context passed as the first argument of every array call. Its first
/// 4 bytes are a magic number saying what it really is ([`FUNCTION_CONTEXT_MAGIC`] for a
/// wasm-defined function, [`HOST_CONTEXT_MAGIC`] for a host function).
#[repr(C)]
pub struct VMOpaqueContext {
    /// What kind of context this is.
    pub magic: u32,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMOpaqueContext {}

/// Magic of a [`VMFunctionContext`].
pub const FUNCTION_CONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"wfun");
/// Magic of a host function's context.
pub const HOST_CONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"host");

/// The array-call ABI: the single native signature through which the host, the
/// interpreter and compiled code call any function.
///
/// `args_and_results` holds `len = max(params, results)` values: the arguments on entry,
/// the results on return. `false` means a trap or host error was recorded in the store.
pub type VMArrayCallFn = unsafe extern "C" fn(
    callee: NonNull<VMOpaqueContext>,
    caller: NonNull<VMContext>,
    args_and_results: NonNull<ValRaw>,
    len: usize,
) -> bool;

/// Marker type for native code in the wasm calling convention (the JIT's entry points).
#[repr(C)]
pub struct VMWasmCallFunction {
    _private: [u8; 0],
}
// SAFETY: only ever used behind a pointer.
unsafe impl VmSafe for VMWasmCallFunction {}

/// A function reference: what tables, `ref.func`, exports and imports hold.
///
/// `array_call` is always callable native code: the interpreter's shared entry, a host
/// function's trampoline, or the JIT's array-to-wasm trampoline. `wasm_call` is
/// the native wasm-convention entry once one exists. `vmctx` is the callee context given
/// as first argument to either.
#[repr(C)]
pub struct VMFuncRef {
    /// Entry with the array-call ABI.
    pub array_call: VMArrayCallFn,
    /// Entry with the native wasm calling convention, when compiled.
    pub wasm_call: Option<VmPtr<VMWasmCallFunction>>,
    /// Canonical signature id, compared by `call_indirect`.
    pub type_index: VMSharedTypeIndex,
    /// The callee context passed to `array_call` / `wasm_call`.
    pub vmctx: VmPtr<VMOpaqueContext>,
}
// SAFETY: repr(C) with VM-visible fields only.
unsafe impl VmSafe for VMFuncRef {}

impl VMFuncRef {
    /// Whether `array_call` may be compiled code, which must be entered through
    /// `vm::unwind::call_array` to have somewhere to leave to on a trap. Only compiled
    /// functions (and lowerings with a compiled trampoline) have a wasm-call entry; the
    /// others' `array_call` is Rust (a host function, the interpreter's entry, a
    /// lowering), which returns by itself.
    pub fn may_be_compiled(&self) -> bool {
        self.wasm_call.is_some()
    }
}

const _: () = assert!(size_of::<VMFuncRef>() == 4 * size_of::<usize>());
const _: () = assert!(core::mem::offset_of!(VMFuncRef, array_call) == 0);
const _: () = assert!(core::mem::offset_of!(VMFuncRef, wasm_call) == size_of::<usize>());
const _: () = assert!(core::mem::offset_of!(VMFuncRef, type_index) == 2 * size_of::<usize>());
const _: () = assert!(core::mem::offset_of!(VMFuncRef, vmctx) == 3 * size_of::<usize>());

/// The callee context of a wasm-defined function: which function of which instance.
///
/// One per defined function, stored in the instance's `VMContext`. It lets the
/// interpreter's single shared `array_call` entry know what to run, and it stays the
/// callee context when the function changes tier (a compiled trampoline reads `vmctx`
/// from it), so publishing new code never has to swap two words at once.
#[repr(C)]
pub struct VMFunctionContext {
    /// Always [`FUNCTION_CONTEXT_MAGIC`].
    pub magic: u32,
    /// Index of the function in its module's function index space.
    pub func_index: u32,
    /// The instance that defines the function.
    pub vmctx: VmPtr<VMContext>,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMFunctionContext {}

const _: () = assert!(core::mem::offset_of!(VMFunctionContext, magic) == 0);
const _: () = assert!(core::mem::offset_of!(VMFunctionContext, func_index) == 4);
const _: () = assert!(core::mem::offset_of!(VMFunctionContext, vmctx) == 8);
