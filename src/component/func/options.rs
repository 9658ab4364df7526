//! The canonical options of one side of a call, resolved against its component
//! instance ([`Options`]: memory, `realloc`, string encoding, the instance's handle
//! table and call scope), and the two ways a call uses them, as wasmtime's
//! `func/options.rs` does: a [`LiftContext`] reads values out of that side (its flat
//! values and memory), a [`LowerContext`] writes values into it (calling its
//! `realloc`). Lifting is implemented in `abi` (dynamic values) and `typed` (Rust
//! types); so is lowering, with `transcode` for strings.

use crate::component::parse::{CanonOptions, StringEncoding};
use crate::component::resources::trap;
use crate::component::store::ComponentInstanceId;
use crate::component::transcode::StringBridge;
use crate::component::types::Type;
use crate::store::StoreOpaque;
use crate::vm::component::VMComponentContextBox;
use crate::vm::{VMFuncRef, VMMemoryDefinition};
use anyhow::{Result, bail};
use core::ptr::NonNull;

/// One side of a call: the canonical options of a component instance (opaque to users).
#[derive(Clone, Copy)]
pub struct Options {
    pub(crate) store: NonNull<StoreOpaque>,
    /// The component instance (index in the store) whose handle table and resource
    /// bindings apply.
    pub(crate) instance: ComponentInstanceId,
    pub(crate) memory: Option<NonNull<VMMemoryDefinition>>,
    pub(crate) realloc: Option<NonNull<VMFuncRef>>,
    pub(crate) encoding: StringEncoding,
    /// Between two components (wording of traps as a fused adapter reports them).
    pub(crate) adapter: bool,
    /// The call scope that borrows lowered into this side belong to.
    pub(crate) scope: usize,
    /// Between two components: strings lifted on one side wait here, in their memory,
    /// for the other side to lower them (see `transcode`).
    pub(crate) bridge: Option<NonNull<StringBridge>>,
}

impl Options {
    /// The options of component instance `instance` (whose context is `vmctx`) with
    /// canonical options `options`.
    pub(crate) fn new(
        store: NonNull<StoreOpaque>,
        instance: ComponentInstanceId,
        vmctx: &VMComponentContextBox,
        options: &CanonOptions,
        adapter: bool,
    ) -> Options {
        Options {
            store,
            instance,
            memory: options.memory.and_then(|m| vmctx.memory(m)),
            realloc: options.realloc.and_then(|r| vmctx.realloc(r)),
            encoding: options.encoding,
            adapter,
            scope: 0,
            bridge: None,
        }
    }

    /// Reads values out of this side.
    pub(crate) fn lift(self) -> LiftContext {
        LiftContext { opts: self }
    }

    /// Writes values into this side.
    pub(crate) fn lower(self) -> LowerContext {
        LowerContext { opts: self }
    }

    pub(crate) fn opaque(&self) -> &StoreOpaque {
        // SAFETY: the store outlives every call's context; no `&mut` to it is live while
        // lifting or lowering (wasm only runs inside `realloc`, with no borrow held).
        unsafe { self.store.as_ref() }
    }

    #[allow(
        clippy::mut_from_ref,
        reason = "the store is reached through a raw pointer; borrows are kept short"
    )]
    pub(crate) fn opaque_mut(&self) -> &mut StoreOpaque {
        // SAFETY: as `opaque`; callers keep the borrow short and do not overlap it with
        // another.
        unsafe { &mut *self.store.as_ptr() }
    }

    /// The memory's bytes (re-read on each use: `realloc` may grow it).
    #[allow(
        clippy::mut_from_ref,
        reason = "the store is reached through a raw pointer; borrows are kept short"
    )]
    pub(crate) fn mem(&self) -> Result<&mut [u8]> {
        let Some(def) = self.memory else {
            bail!("canonical option `memory` is required for this type")
        };
        // SAFETY: the definition belongs to a memory of this store, alive for the call;
        // its `base` covers `current_length` bytes. The slice is used briefly, with no
        // wasm running meanwhile.
        unsafe {
            let d = def.as_ptr();
            if (*d).current_length == 0 {
                return Ok(&mut []);
            }
            Ok(core::slice::from_raw_parts_mut(
                (*d).base,
                (*d).current_length,
            ))
        }
    }

    pub(crate) fn check_range(&self, ptr: u32, len: u64, what: &str) -> Result<()> {
        let mem_len = self.mem()?.len() as u64;
        if u64::from(ptr) + len > mem_len {
            return Err(trap(match (what, self.adapter) {
                ("string", true) => "string content out-of-bounds".into(),
                ("list", true) => "list content out-of-bounds".into(),
                (w, _) => format!("{w} pointer/length out of bounds of memory"),
            }));
        }
        Ok(())
    }

    /// Checks a pointer the core side handed over for a value of `ty` (argument area,
    /// result area).
    pub(crate) fn check_ptr(&self, ptr: u32, ty: &Type) -> Result<()> {
        let (size, align) = ty.size_align();
        if !ptr.is_multiple_of(align) {
            return Err(trap("unaligned pointer"));
        }
        if u64::from(ptr) + u64::from(size) > self.mem()?.len() as u64 {
            return Err(trap("pointer out of bounds of memory"));
        }
        Ok(())
    }
}

/// Reading component values out of one side of a call: from its flat core values and
/// its memory (opaque to users: the [`Lift`](crate::component::Lift) trait receives it).
pub struct LiftContext {
    opts: Options,
}

/// Writing component values into one side of a call: as flat core values, or into its
/// memory through its `realloc` (opaque to users: the
/// [`Lower`](crate::component::Lower) trait receives it).
pub struct LowerContext {
    opts: Options,
}

impl core::ops::Deref for LiftContext {
    type Target = Options;
    fn deref(&self) -> &Options {
        &self.opts
    }
}

impl core::ops::Deref for LowerContext {
    type Target = Options;
    fn deref(&self) -> &Options {
        &self.opts
    }
}
