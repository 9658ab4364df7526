//! `Val`, the dynamically typed wasm value, and `ExternRef`, a host reference.

use crate::func::Func;
use crate::module::{RefType, ValType};
use crate::store::{AsContext, AsContextMut, ExternData, StoreId, StoreOpaque};
use crate::vm::{VMFuncRef, VMRef, ValRaw, VmBox};
use anyhow::{Result, bail};
use core::ptr::NonNull;
use std::any::Any;

/// A wasm value with its type.
#[derive(Clone, Copy, Debug)]
pub enum Val {
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f32`, as its bits (NaN payloads are kept exactly).
    F32(u32),
    /// `f64`, as its bits.
    F64(u64),
    /// `v128` (not executable yet).
    V128(u128),
    /// A nullable function reference.
    FuncRef(Option<Func>),
    /// A nullable host reference.
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The zero value of a type (null for references).
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    /// The `i32`, if it is one.
    pub fn i32(&self) -> Option<i32> {
        if let Val::I32(v) = self {
            Some(*v)
        } else {
            None
        }
    }
    /// The `i64`, if it is one.
    pub fn i64(&self) -> Option<i64> {
        if let Val::I64(v) = self {
            Some(*v)
        } else {
            None
        }
    }
    /// The `f32`, if it is one.
    pub fn f32(&self) -> Option<f32> {
        if let Val::F32(v) = self {
            Some(f32::from_bits(*v))
        } else {
            None
        }
    }
    /// The `f64`, if it is one.
    pub fn f64(&self) -> Option<f64> {
        if let Val::F64(v) = self {
            Some(f64::from_bits(*v))
        } else {
            None
        }
    }

    /// Converts to the raw representation, checking that references belong to `store`.
    pub(crate) fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(match self {
            Val::I32(v) => ValRaw::i32(v),
            Val::I64(v) => ValRaw::i64(v),
            Val::F32(v) => ValRaw::f32(v),
            Val::F64(v) => ValRaw::f64(v),
            Val::V128(v) => ValRaw::v128(v),
            Val::FuncRef(f) => ValRaw::vmref(func_to_ref(f, store)?),
            Val::ExternRef(e) => ValRaw::vmref(extern_to_ref(e, store)?),
        })
    }

    /// Converts from the raw representation of a value of type `ty`.
    pub(crate) fn from_raw(raw: &ValRaw, ty: ValType, store: &StoreOpaque) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw.get_i32()),
            ValType::I64 => Val::I64(raw.get_i64()),
            ValType::F32 => Val::F32(raw.get_f32()),
            ValType::F64 => Val::F64(raw.get_f64()),
            ValType::V128 => Val::V128(raw.get_v128()),
            ValType::FuncRef => Val::FuncRef(ref_to_func(raw.get_ref(), store)),
            ValType::ExternRef => Val::ExternRef(ref_to_extern(raw.get_ref(), store)),
        }
    }

    /// Converts a reference value to a `VMRef` for a table of `ty`.
    pub(crate) fn to_vmref(self, ty: RefType, store: &StoreOpaque) -> Result<VMRef> {
        match (self, ty) {
            (Val::FuncRef(f), RefType::FuncRef) => func_to_ref(f, store),
            (Val::ExternRef(e), RefType::ExternRef) => extern_to_ref(e, store),
            (v, ty) => bail!("type mismatch: expected a {ty} value, found {}", v.ty()),
        }
    }

    /// The value of a table element.
    pub(crate) fn from_vmref(r: VMRef, ty: RefType, store: &StoreOpaque) -> Val {
        match ty {
            RefType::FuncRef => Val::FuncRef(ref_to_func(r, store)),
            RefType::ExternRef => Val::ExternRef(ref_to_extern(r, store)),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<Func> for Val {
    fn from(f: Func) -> Val {
        Val::FuncRef(Some(f))
    }
}
impl From<ExternRef> for Val {
    fn from(e: ExternRef) -> Val {
        Val::ExternRef(Some(e))
    }
}

pub(crate) fn func_to_ref(f: Option<Func>, store: &StoreOpaque) -> Result<VMRef> {
    match f {
        None => Ok(VMRef::NULL),
        Some(f) => {
            store.check(f.store_id)?;
            Ok(VMRef(f.funcref.as_ptr().cast()))
        }
    }
}

pub(crate) fn ref_to_func(r: VMRef, store: &StoreOpaque) -> Option<Func> {
    NonNull::new(r.0.cast::<VMFuncRef>()).map(|p| Func::from_raw(store.id, p))
}

fn extern_to_ref(e: Option<ExternRef>, store: &StoreOpaque) -> Result<VMRef> {
    match e {
        None => Ok(VMRef::NULL),
        Some(e) => {
            store.check(e.store_id)?;
            Ok(VMRef(e.data.as_ptr().cast()))
        }
    }
}

fn ref_to_extern(r: VMRef, store: &StoreOpaque) -> Option<ExternRef> {
    NonNull::new(r.0.cast::<ExternData>()).map(|data| ExternRef {
        store_id: store.id,
        data,
    })
}

/// A reference to host data, passed to and from wasm as `externref`. The data is owned
/// by the store and lives as long as it.
#[derive(Clone, Copy, Debug)]
pub struct ExternRef {
    store_id: StoreId,
    data: NonNull<ExternData>,
}

// SAFETY: the handle is an index-like pointer into data the store owns; using it needs
// the store, which enforces access rules.
unsafe impl Send for ExternRef {}
// SAFETY: `&ExternRef` gives no access to the data by itself; reading it goes through
// the store, as for `Send`.
unsafe impl Sync for ExternRef {}

impl ExternRef {
    /// Moves `value` into the store and returns a reference to it.
    pub fn new(mut store: impl AsContextMut, value: impl Any + Send + Sync) -> ExternRef {
        let mut ctx = store.as_context_mut();
        let o = ctx.opaque_mut();
        let data = VmBox::new(ExternData {
            value: Box::new(value),
        });
        // SAFETY: `VmBox` pointers are never null.
        let ptr = unsafe { NonNull::new_unchecked(data.as_ptr()) };
        o.extern_refs.push(data);
        ExternRef {
            store_id: o.id,
            data: ptr,
        }
    }

    /// The host data.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<crate::store::StoreContext<'a, T>>,
    ) -> Result<&'a (dyn Any + Send + Sync)> {
        let ctx = store.into();
        ctx.opaque().check(self.store_id)?;
        // SAFETY: the data is owned by the store, alive for `'a`, and never mutated.
        Ok(unsafe { &*(*self.data.as_ptr()).value })
    }

    /// True if both refer to the same host data.
    pub fn ptr_eq(a: &ExternRef, b: &ExternRef) -> bool {
        a.data == b.data
    }
}

impl<'a, T> From<&'a crate::store::Store<T>> for crate::store::StoreContext<'a, T> {
    fn from(s: &'a crate::store::Store<T>) -> Self {
        crate::store::Store::as_context(s)
    }
}
impl<'a, T> From<&'a mut crate::store::Store<T>> for crate::store::StoreContext<'a, T> {
    fn from(s: &'a mut crate::store::Store<T>) -> Self {
        crate::store::Store::as_context(s)
    }
}
