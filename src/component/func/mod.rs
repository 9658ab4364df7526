//! Component functions and the calls across the component boundary, one direction
//! per file:
//!
//! * [`call`]: calls out to guests (host → guest): [`Func::call`], [`TypedFunc::call`],
//!   the call protocol of a lifted function (enter, lower, call, lift, post-return).
//! * [`host`]: calls in to the host (guest → host): [`HostFunc`], with both entry kinds
//!   (`func_wrap` over Rust types, `func_new` over [`Val`]s), and a lowering of another
//!   component's function.
//! * [`trampolines`]: the `extern "C"` functions core code calls: the array-call entry of
//!   every lowering and the canonical built-ins (`resource.new`, `.rep`, `.drop`).
//! * [`options`]: the canonical options of one side of a call, as a [`LiftContext`]
//!   (reading values out of it) or a [`LowerContext`] (writing values into it).
//!
//! [`Val`]: super::Val

mod call;
mod host;
mod options;
mod trampolines;

pub use host::HostFunc;
pub(crate) use host::{ResourceLookup, lowering_callee, typecheck_func};
pub(crate) use options::Options;
pub use options::{LiftContext, LowerContext};
pub(crate) use trampolines::{
    lowering_trampoline, resource_drop_trampoline, resource_new_trampoline,
    resource_rep_trampoline, unsupported_trampoline,
};

use super::store::{ComponentFuncId, FuncData};
use super::typed::{ComponentNamedList, Lift, Lower};
use super::types::{FuncType, Type};
use crate::store::{AsContext, StoreId};
use anyhow::{Result, bail};
use core::marker::PhantomData;
use std::sync::Arc;

/// A component function of a store: lifted from a component's core code, or a host
/// function a component imported.
#[derive(Copy, Clone, Debug)]
pub struct Func {
    pub(crate) store_id: StoreId,
    pub(crate) index: ComponentFuncId,
}

impl Func {
    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> Result<Arc<FuncType>> {
        let ctx = store.as_context();
        let o = ctx.opaque();
        o.check(self.store_id)?;
        match o.components.func(self.index) {
            FuncData::Lifted { instance, lift, .. } => {
                Ok(o.components.instance(*instance).def.lifts[*lift as usize]
                    .ty
                    .clone())
            }
            FuncData::Host(_, ty) => Ok(ty.clone()),
        }
    }

    /// Parameter names and types.
    pub fn params(&self, store: impl AsContext) -> Result<Vec<(String, Type)>> {
        Ok(self.ty(store)?.params.to_vec())
    }

    /// The result type, if any.
    pub fn result(&self, store: impl AsContext) -> Result<Option<Type>> {
        Ok(self.ty(store)?.result.clone())
    }

    /// A typed view of the function; fails if the types do not match.
    pub fn typed<P, R>(&self, store: impl AsContext) -> Result<TypedFunc<P, R>>
    where
        P: ComponentNamedList + Lower,
        R: ComponentNamedList + Lift,
    {
        TypedFunc::new(*self, store)
    }
}

/// A component function with Rust parameter and result types: `P` is a tuple of the
/// parameters, `R` a tuple of the result (`()` or `(T,)`).
pub struct TypedFunc<P, R> {
    func: Func,
    ty: Arc<FuncType>,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        TypedFunc {
            func: self.func,
            ty: self.ty.clone(),
            _marker: PhantomData,
        }
    }
}

impl<P, R> TypedFunc<P, R>
where
    P: ComponentNamedList + Lower,
    R: ComponentNamedList + Lift,
{
    pub(crate) fn new(func: Func, store: impl AsContext) -> Result<TypedFunc<P, R>> {
        let ctx = store.as_context();
        let ty = func.ty(ctx)?;
        let o = ctx.opaque();
        let FuncData::Lifted { instance, .. } = o.components.func(func.index) else {
            bail!("unsupported: a typed view of a host function");
        };
        let resources = &o.components.instance(*instance).resources;
        let lookup = |k| resources.get(&k).copied();
        P::typecheck(&ty.params_tuple, &lookup).map_err(|e| anyhow::anyhow!("parameters: {e}"))?;
        R::typecheck(&ty.results_tuple, &lookup).map_err(|e| anyhow::anyhow!("results: {e}"))?;
        Ok(TypedFunc {
            func,
            ty,
            _marker: PhantomData,
        })
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}
