//! Functions: `Func` (any function, called with `Val`s), `TypedFunc` (called with Rust
//! types), host functions built from closures, and `Caller`, the store handle a host
//! function receives.

use crate::extern_::Extern;
use crate::instance::Instance;
use crate::module::{FuncType, ValType};
use crate::store::{
    AsContext, AsContextMut, StoreContext, StoreContextMut, StoreId, StoreInner, StoreOpaque,
};
use crate::values::{ExternRef, Val, func_to_ref, ref_to_func};
use crate::vm::{
    HOST_CONTEXT_MAGIC, Trap, VMCONTEXT_MAGIC, VMContext, VMContextHeader, VMFuncRef,
    VMOpaqueContext, ValRaw, VmBox, VmPtr, catch_unwind_and_record, stack_limit,
};
use anyhow::{Result, bail};
use core::marker::PhantomData;
use core::ptr::NonNull;
use std::sync::Arc;

/// A function: wasm-defined or host-defined, of some instance of a store.
#[derive(Copy, Clone, Debug)]
pub struct Func {
    pub(crate) store_id: StoreId,
    pub(crate) funcref: NonNull<VMFuncRef>,
}

// SAFETY: a `Func` is a handle into its store; using it requires the store.
unsafe impl Send for Func {}
// SAFETY: `&Func` gives only the handle; every access to the function goes through the
// store, which enforces the borrow rules.
unsafe impl Sync for Func {}

/// What a host function does with its arguments (read from the buffer) and results
/// (written to the same buffer), as the array-call ABI passes them.
pub(crate) type HostFn<T> = dyn Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync;

/// A host function not yet tied to a store (what a `Linker` holds).
#[doc(hidden)]
pub struct HostFuncDef<T> {
    pub(crate) ty: FuncType,
    pub(crate) func: Box<HostFn<T>>,
}

/// A host function's callee context: lives in the store, reached from its `VMFuncRef`.
#[repr(C)]
struct HostFuncCtx<T> {
    header: VMOpaqueContext,
    funcref: VMFuncRef,
    store: NonNull<StoreInner<T>>,
    def: Arc<HostFuncDef<T>>,
}

/// The array-call entry of every host function of a store with data `T`.
unsafe extern "C" fn host_trampoline<T: 'static>(
    callee: NonNull<VMOpaqueContext>,
    caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    let ctx = callee.cast::<HostFuncCtx<T>>().as_ptr();
    // SAFETY: host function contexts are created by `Func::from_def` for stores of `T`
    // and live as long as the store; `caller` is a live context (or the store's default
    // caller); `args` holds `len` values.
    unsafe {
        let store = (*ctx).store;
        let def: &HostFuncDef<T> = &(*ctx).def;
        let caller_instance = instance_of(caller, (*store.as_ptr()).opaque.id);
        let context = (*store.as_ptr()).opaque.context.as_ptr();
        catch_unwind_and_record(context, || {
            let caller = Caller {
                store: StoreContextMut::from_raw(store),
                instance: caller_instance,
            };
            (def.func)(caller, core::slice::from_raw_parts_mut(args.as_ptr(), len))
        })
    }
}

/// The instance of a caller context, if it is an instance's.
///
/// # Safety
/// `vmctx` must be a live context header.
unsafe fn instance_of(vmctx: NonNull<VMContext>, store_id: StoreId) -> Option<Instance> {
    // SAFETY: the caller guarantees a live context header; `instance` is read only after
    // the magic says it is an instance's context.
    unsafe {
        let header = vmctx.cast::<VMContextHeader>().as_ptr();
        if (*header).magic != VMCONTEXT_MAGIC || (*header).instance.is_null() {
            return None;
        }
        Some(Instance {
            store_id,
            index: (*(*header).instance).handle,
        })
    }
}

/// Calls `funcref` through the array-call ABI with `buf` as arguments and results.
pub(crate) fn invoke(
    store: NonNull<StoreOpaque>,
    funcref: NonNull<VMFuncRef>,
    buf: &mut [ValRaw],
) -> Result<()> {
    // SAFETY: `funcref` belongs to this store (checked by callers) and is live; no Rust
    // reference into the store is held across the call, which may re-enter the store.
    unsafe {
        let caller = (*store.as_ptr()).default_caller();
        let context = (*store.as_ptr()).context.as_ptr();
        let sp = stack_limit::native_sp();
        if (*context).entry_depth == 0 {
            // The outermost entry bounds how deep wasm may recurse natively, on this
            // thread's real stack; re-entries share that limit.
            let engine = &(*store.as_ptr()).engine;
            let max = engine.config().max_wasm_stack;
            match stack_limit::wasm_stack_limit(sp, max, engine.tiers().largest_frame()) {
                Some(limit) => (*context).stack_limit = limit,
                None => return Err(anyhow::Error::new(Trap::StackOverflow)),
            }
        } else if (*context).entry_depth >= stack_limit::MAX_HOST_DEPTH
            || sp < (*context).stack_limit
        {
            return Err(anyhow::Error::new(Trap::StackOverflow));
        }
        (*context).entry_depth += 1;
        let f = funcref.as_ptr();
        let (callee, args) = (
            (*f).vmctx.as_non_null(),
            NonNull::new_unchecked(buf.as_mut_ptr()),
        );
        let ok = crate::vm::unwind::call_array(
            (*f).may_be_compiled(),
            (*f).array_call,
            callee,
            caller,
            args,
            buf.len(),
        );
        (*context).entry_depth -= 1;
        if ok {
            Ok(())
        } else {
            Err((*store.as_ptr()).take_error())
        }
    }
}

impl Func {
    pub(crate) fn from_raw(store_id: StoreId, funcref: NonNull<VMFuncRef>) -> Func {
        Func { store_id, funcref }
    }

    /// Puts a host function definition into a store.
    pub(crate) fn from_def<T: 'static>(
        store: &mut StoreContextMut<'_, T>,
        def: Arc<HostFuncDef<T>>,
    ) -> Func {
        let raw = store.raw();
        let type_index = store.engine().signature_id(&def.ty);
        let ctx = VmBox::new(HostFuncCtx {
            header: VMOpaqueContext {
                magic: HOST_CONTEXT_MAGIC,
            },
            funcref: VMFuncRef {
                array_call: host_trampoline::<T>,
                wasm_call: None,
                type_index,
                vmctx: VmPtr::new(NonNull::dangling()),
            },
            store: raw,
            def,
        });
        let p = ctx.as_ptr();
        // SAFETY: `p` is the fresh context; the funcref points back at it.
        let funcref = unsafe {
            (*p).funcref.vmctx = VmPtr::new(NonNull::new_unchecked(p.cast()));
            NonNull::new_unchecked(&raw mut (*p).funcref)
        };
        let o = store.opaque_mut();
        o.host_funcs.push(Box::new(ctx));
        Func {
            store_id: o.id,
            funcref,
        }
    }

    /// A host function from a closure over Rust types, optionally taking a `Caller` first:
    /// `Func::wrap(&mut store, |a: i32, b: i32| a + b)`.
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let def = Arc::new(func.into_func());
        Func::from_def(&mut store.as_context_mut(), def)
    }

    /// A host function of type `ty` from a closure over `Val`s.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let def = Arc::new(host_def_from_vals(ty, func));
        Func::from_def(&mut store.as_context_mut(), def)
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let ctx = store.as_context();
        // SAFETY: the funcref is live while its store is.
        let id = unsafe { (*self.funcref.as_ptr()).type_index };
        ctx.engine().signature(id)
    }

    /// Calls the function with dynamically typed values.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let mut ctx = store.as_context_mut();
        ctx.opaque().check(self.store_id)?;
        let ty = self.ty(&ctx);
        if params.len() != ty.params().len() {
            bail!(
                "expected {} arguments, got {}",
                ty.params().len(),
                params.len()
            );
        }
        if results.len() != ty.results().len() {
            bail!(
                "expected {} results, got room for {}",
                ty.results().len(),
                results.len()
            );
        }
        let mut buf = vec![ValRaw::zero(); params.len().max(results.len())];
        for (i, (p, t)) in params.iter().zip(ty.params()).enumerate() {
            if p.ty() != *t {
                bail!(
                    "argument {i}: type mismatch: expected {t}, found {}",
                    p.ty()
                );
            }
            buf[i] = p.to_raw(ctx.opaque())?;
        }
        invoke(opaque_ptr(&mut ctx), self.funcref, &mut buf)?;
        for (i, t) in ty.results().iter().enumerate() {
            results[i] = Val::from_raw(&buf[i], *t, ctx.opaque());
        }
        Ok(())
    }

    /// A typed view of the function; fails if the types do not match.
    pub fn typed<P: WasmTyList, R: WasmTyList>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>> {
        let ty = self.ty(store);
        let (want_p, want_r) = (P::types(), R::types());
        if ty.params() != want_p.as_slice() || ty.results() != want_r.as_slice() {
            bail!(
                "type mismatch: function is {ty}, requested {}",
                FuncType::new(want_p, want_r)
            );
        }
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }
}

fn opaque_ptr<T>(ctx: &mut StoreContextMut<'_, T>) -> NonNull<StoreOpaque> {
    // `StoreInner` is `repr(C)` with `opaque` first.
    ctx.raw().cast()
}

fn host_def_from_vals<T: 'static>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> HostFuncDef<T> {
    let fty = ty.clone();
    HostFuncDef {
        ty,
        func: Box::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
            let params: Vec<Val> = fty
                .params()
                .iter()
                .enumerate()
                .map(|(i, t)| Val::from_raw(&raw[i], *t, caller.opaque()))
                .collect();
            let mut results: Vec<Val> =
                fty.results().iter().map(|t| Val::default_for(*t)).collect();
            let store_id = caller.opaque().id;
            let store_ptr = caller.store.raw();
            func(caller, &params, &mut results)?;
            // SAFETY: the caller handle was consumed; the store is alive during the call.
            let opaque = unsafe { &(*store_ptr.as_ptr()).opaque };
            debug_assert_eq!(opaque.id, store_id);
            for (i, (v, t)) in results.iter().zip(fty.results()).enumerate() {
                if v.ty() != *t {
                    bail!(
                        "host function result {i}: type mismatch: expected {t}, found {}",
                        v.ty()
                    );
                }
                raw[i] = v.to_raw(opaque)?;
            }
            Ok(())
        }),
    }
}

/// A function with its types fixed as Rust types: parameters `P`, results `R`
/// (`()`, one type, or a tuple).
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmTyList, R: WasmTyList> TypedFunc<P, R> {
    /// The underlying function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R> {
        let mut ctx = store.as_context_mut();
        ctx.opaque().check(self.func.store_id)?;
        let n = P::LEN.max(R::LEN);
        let mut inline = [ValRaw::zero(); 8];
        let mut heap = Vec::new();
        let buf: &mut [ValRaw] = if n <= inline.len() {
            &mut inline[..n]
        } else {
            heap.resize(n, ValRaw::zero());
            &mut heap
        };
        params.write_raw(ctx.opaque(), buf)?;
        invoke(opaque_ptr(&mut ctx), self.func.funcref, buf)?;
        Ok(R::read_raw(ctx.opaque(), buf))
    }
}

/// The store handle a host function receives, and the instance that called it.
pub struct Caller<'a, T> {
    pub(crate) store: StoreContextMut<'a, T>,
    instance: Option<Instance>,
}

impl<T> Caller<'_, T> {
    fn opaque(&self) -> &StoreOpaque {
        self.store.opaque()
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The engine.
    pub fn engine(&self) -> &crate::Engine {
        self.store.engine()
    }

    /// An export of the calling instance (e.g. its `memory`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
        instance.get_export(&mut self.store, name)
    }

    /// Sets the fuel left.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel)
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64> {
        self.store.get_fuel()
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        self.store.as_context()
    }
}
impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        self.store.as_context_mut()
    }
}

/// A Rust type that is a wasm value type.
pub trait WasmTy: Sized + 'static {
    /// The wasm type.
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw>;
    #[doc(hidden)]
    fn from_raw(raw: &ValRaw, store: &StoreOpaque) -> Self;
}

macro_rules! wasm_ty_num {
    ($t:ty, $vt:ident, |$v:ident| $to:expr, |$r:ident| $from:expr) => {
        impl WasmTy for $t {
            fn valtype() -> ValType {
                ValType::$vt
            }
            fn to_raw(self, _store: &StoreOpaque) -> Result<ValRaw> {
                let $v = self;
                Ok($to)
            }
            fn from_raw($r: &ValRaw, _store: &StoreOpaque) -> Self {
                $from
            }
        }
    };
}
wasm_ty_num!(i32, I32, |v| ValRaw::i32(v), |r| r.get_i32());
wasm_ty_num!(u32, I32, |v| ValRaw::i32(v as i32), |r| r.get_i32() as u32);
wasm_ty_num!(i64, I64, |v| ValRaw::i64(v), |r| r.get_i64());
wasm_ty_num!(u64, I64, |v| ValRaw::i64(v as i64), |r| r.get_i64() as u64);
wasm_ty_num!(f32, F32, |v| ValRaw::f32(v.to_bits()), |r| f32::from_bits(
    r.get_f32()
));
wasm_ty_num!(f64, F64, |v| ValRaw::f64(v.to_bits()), |r| f64::from_bits(
    r.get_f64()
));

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FuncRef
    }
    fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::vmref(func_to_ref(self, store)?))
    }
    fn from_raw(raw: &ValRaw, store: &StoreOpaque) -> Self {
        ref_to_func(raw.get_ref(), store)
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::ExternRef
    }
    fn to_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Val::ExternRef(self).to_raw(store)
    }
    fn from_raw(raw: &ValRaw, store: &StoreOpaque) -> Self {
        match Val::from_raw(raw, ValType::ExternRef, store) {
            Val::ExternRef(e) => e,
            _ => None,
        }
    }
}

/// A list of wasm values as Rust types: `()`, a single `WasmTy`, or a tuple of them.
pub trait WasmTyList: Sized {
    /// Number of values.
    const LEN: usize;
    /// The wasm types.
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn write_raw(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()>;
    #[doc(hidden)]
    fn read_raw(store: &StoreOpaque, raw: &[ValRaw]) -> Self;
}

impl<A: WasmTy> WasmTyList for A {
    const LEN: usize = 1;
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn write_raw(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()> {
        out[0] = self.to_raw(store)?;
        Ok(())
    }
    fn read_raw(store: &StoreOpaque, raw: &[ValRaw]) -> Self {
        A::from_raw(&raw[0], store)
    }
}

macro_rules! tuple_list {
    ($n:expr; $($t:ident $v:ident $i:tt)*) => {
        impl<$($t: WasmTy),*> WasmTyList for ($($t,)*) {
            const LEN: usize = $n;
            fn types() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            fn write_raw(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()> {
                $( out[$i] = self.$i.to_raw(store)?; )*
                Ok(())
            }
            #[allow(unused_variables, clippy::unused_unit, reason = "the empty tuple uses none of its arguments and returns ()")]
            fn read_raw(store: &StoreOpaque, raw: &[ValRaw]) -> Self {
                ($($t::from_raw(&raw[$i], store),)*)
            }
        }
    };
}
tuple_list!(0;);
tuple_list!(1; A a 0);
tuple_list!(2; A a 0 B b 1);
tuple_list!(3; A a 0 B b 1 C c 2);
tuple_list!(4; A a 0 B b 1 C c 2 D d 3);
tuple_list!(5; A a 0 B b 1 C c 2 D d 3 E e 4);
tuple_list!(6; A a 0 B b 1 C c 2 D d 3 E e 4 F f 5);
tuple_list!(7; A a 0 B b 1 C c 2 D d 3 E e 4 F f 5 G g 6);
tuple_list!(8; A a 0 B b 1 C c 2 D d 3 E e 4 F f 5 G g 6 H h 7);

/// What a host closure may return: results, or `Result` of results.
pub trait WasmRet {
    /// The result types.
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn write(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()>;
}

impl<R: WasmTyList> WasmRet for R {
    fn types() -> Vec<ValType> {
        R::types()
    }
    fn write(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()> {
        self.write_raw(store, out)
    }
}

impl<R: WasmTyList> WasmRet for Result<R> {
    fn types() -> Vec<ValType> {
        R::types()
    }
    fn write(self, store: &StoreOpaque, out: &mut [ValRaw]) -> Result<()> {
        self?.write_raw(store, out)
    }
}

/// Closures that can be host functions: `Fn(A, B, ...) -> R` or
/// `Fn(Caller<'_, T>, A, B, ...) -> R`, with `WasmTy` arguments and a `WasmRet` result.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> HostFuncDef<T>;
}

macro_rules! into_func {
    ($($a:ident $v:ident $i:tt)*) => {
        impl<T: 'static, Func_, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, ($($a,)*), R> for Func_
        where
            Func_: Fn($($a),*) -> R + Send + Sync + 'static,
        {
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            fn into_func(self) -> HostFuncDef<T> {
                let ty = FuncType::new(vec![$($a::valtype()),*], R::types());
                HostFuncDef {
                    ty,
                    func: Box::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
                        let store = caller.opaque();
                        $( let $v = $a::from_raw(&raw[$i], store); )*
                        let r = (self)($($v),*);
                        r.write(caller.opaque(), raw)
                    }),
                }
            }
        }

        impl<T: 'static, Func_, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, (Caller<'_, T>, $($a,)*), R> for Func_
        where
            Func_: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
        {
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            fn into_func(self) -> HostFuncDef<T> {
                let ty = FuncType::new(vec![$($a::valtype()),*], R::types());
                HostFuncDef {
                    ty,
                    func: Box::new(move |caller: Caller<'_, T>, raw: &mut [ValRaw]| {
                        let store_ptr = caller.store.raw();
                        $( let $v = $a::from_raw(&raw[$i], caller.opaque()); )*
                        let r = (self)(caller, $($v),*);
                        // SAFETY: the `Caller` was consumed; the store outlives the call.
                        let opaque = unsafe { &(*store_ptr.as_ptr()).opaque };
                        r.write(opaque, raw)
                    }),
                }
            }
        }
    };
}
into_func!();
into_func!(A a 0);
into_func!(A a 0 B b 1);
into_func!(A a 0 B b 1 C c 2);
into_func!(A a 0 B b 1 C c 2 D d 3);
into_func!(A a 0 B b 1 C c 2 D d 3 E e 4);
into_func!(A a 0 B b 1 C c 2 D d 3 E e 4 G6 f 5);
into_func!(A a 0 B b 1 C c 2 D d 3 E e 4 G6 f 5 G g 6);
into_func!(A a 0 B b 1 C c 2 D d 3 E e 4 G6 f 5 G g 6 H h 7);

/// Makes a host definition from a closure (for the `Linker`).
pub(crate) fn host_def<T: 'static, P, R>(f: impl IntoFunc<T, P, R>) -> HostFuncDef<T> {
    f.into_func()
}

/// Makes a host definition from a `Val` closure (for the `Linker`).
pub(crate) fn host_def_dynamic<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> HostFuncDef<T> {
    host_def_from_vals(ty, f)
}
