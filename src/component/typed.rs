//! Rust types as component values: [`ComponentType`] (typecheck against a component
//! type), [`Lift`] (read from core values or memory) and [`Lower`] (write them), for
//! primitives, `String`/`&str`, `Vec<T>`, `Option<T>`, `Result<T, E>`, tuples,
//! [`Resource<T>`] and [`ResourceAny`]; typed calls of component functions
//! ([`TypedFunc`]) and typed host functions (`func_wrap`), which go straight between
//! Rust values and core values with no intermediate [`Val`].

use super::abi::{FlatDst, FlatSrc};
use super::func::ResourceLookup;
use super::func::{LiftContext, LowerContext};
use super::resources::{Handle, Resource, ResourceAny, ResourceType, trap};
use super::types::Type;
use super::values::Val;
use crate::vm::ValRaw;
use anyhow::{Result, bail};

/// A Rust type that stands for a component value type.
pub trait ComponentType {
    /// True only for `()`, which stands for "no payload" in `Result<(), E>`.
    #[doc(hidden)]
    const IS_UNIT: bool = false;
    /// Checks that `ty` is this Rust type's component type.
    fn typecheck(ty: &Type, resources: ResourceLookup<'_>) -> Result<()>;
}

/// A Rust type that can be written as a component value.
pub trait Lower: ComponentType {
    /// Appends the flat core values of `self` (of component type `ty`).
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()>;
    /// Stores `self` (of component type `ty`) at `ptr`.
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()>;

    /// Stores `items` (elements of type `elem`) from `ptr` on; bytes override this
    /// with one copy.
    #[doc(hidden)]
    fn store_list(items: &[Self], cx: &mut LowerContext, elem: &Type, ptr: u32) -> Result<()>
    where
        Self: Sized,
    {
        let size = elem.size();
        for (i, v) in items.iter().enumerate() {
            v.store(cx, elem, ptr + i as u32 * size)?;
        }
        Ok(())
    }
}

/// A Rust type that can be read from a component value.
pub trait Lift: ComponentType + Sized {
    /// Reads a value of component type `ty` from flat core values.
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self>;
    /// Reads a value of component type `ty` stored at `ptr`.
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self>;

    /// Reads `len` elements of type `elem` from `ptr` on (bounds already checked);
    /// bytes override this with one copy.
    #[doc(hidden)]
    fn load_list(cx: &mut LiftContext, elem: &Type, ptr: u32, len: u32) -> Result<Vec<Self>> {
        let size = elem.size();
        (0..len)
            .map(|i| Self::load(cx, elem, ptr + i * size))
            .collect()
    }
}

/// A tuple used as a parameter or result list (`()`, `(A,)`, `(A, B)`, …).
pub trait ComponentNamedList: ComponentType {}

fn mismatch(ty: &Type, rust: &str) -> anyhow::Error {
    anyhow::anyhow!("type mismatch: expected {ty}, found Rust type `{rust}`")
}

macro_rules! primitive {
    ($($rust:ty => $variant:ident, $size:expr, $flat_get:ident, $flat_new:ident, $as_flat:ty;)*) => {$(
        impl ComponentType for $rust {
            fn typecheck(ty: &Type, _: ResourceLookup<'_>) -> Result<()> {
                match ty {
                    Type::$variant => Ok(()),
                    _ => Err(mismatch(ty, stringify!($rust))),
                }
            }
        }
        impl Lower for $rust {
            #[inline]
            fn lower_flat(&self, _: &mut LowerContext, _: &Type, out: &mut FlatDst<'_>) -> Result<()> {
                out.push(ValRaw::$flat_new(*self as $as_flat));
                Ok(())
            }
            #[inline]
            fn store(&self, cx: &mut LowerContext, _: &Type, ptr: u32) -> Result<()> {
                cx.store_bytes(ptr, &self.to_le_bytes())
            }
            fn store_list(items: &[Self], cx: &mut LowerContext, _: &Type, ptr: u32) -> Result<()> {
                // SAFETY: a slice of plain integers is also a slice of their bytes, with
                // no padding; tierwasm only runs on little-endian hosts (`vm` refuses to
                // build elsewhere), the canonical ABI's byte order.
                let bytes = unsafe {
                    core::slice::from_raw_parts(items.as_ptr().cast::<u8>(), size_of_val(items))
                };
                cx.store_bytes(ptr, bytes)
            }
        }
        impl Lift for $rust {
            #[inline]
            fn lift_flat(_: &mut LiftContext, _: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
                Ok(src.next()?.$flat_get() as $rust)
            }
            #[inline]
            fn load(cx: &mut LiftContext, _: &Type, ptr: u32) -> Result<Self> {
                Ok(<$rust>::from_le_bytes(cx.load_bytes::<$size>(ptr)?))
            }
            fn load_list(cx: &mut LiftContext, _: &Type, ptr: u32, len: u32) -> Result<Vec<Self>> {
                let mem = cx.mem()?;
                let raw = &mem[ptr as usize..ptr as usize + len as usize * $size];
                let mut out = Vec::<$rust>::with_capacity(len as usize);
                // SAFETY: `out` has room for `len` values, `raw` holds exactly their
                // bytes (bounds checked by the caller), every bit pattern is a valid
                // integer, and the host is little-endian like the canonical ABI.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        raw.as_ptr(),
                        out.as_mut_ptr().cast::<u8>(),
                        raw.len(),
                    );
                    out.set_len(len as usize);
                }
                Ok(out)
            }
        }
    )*};
}

primitive! {
    u8 => U8, 1, get_i32, i32, i32;
    i8 => S8, 1, get_i32, i32, i32;
    u16 => U16, 2, get_i32, i32, i32;
    i16 => S16, 2, get_i32, i32, i32;
    u32 => U32, 4, get_i32, i32, i32;
    i32 => S32, 4, get_i32, i32, i32;
    u64 => U64, 8, get_i64, i64, i64;
    i64 => S64, 8, get_i64, i64, i64;
}

macro_rules! float {
    ($($rust:ty => $variant:ident, $bits:ty, $size:expr, $get:ident, $new:ident, $canon:path;)*) => {$(
        impl ComponentType for $rust {
            fn typecheck(ty: &Type, _: ResourceLookup<'_>) -> Result<()> {
                match ty {
                    Type::$variant => Ok(()),
                    _ => Err(mismatch(ty, stringify!($rust))),
                }
            }
        }
        impl Lower for $rust {
            #[inline]
            fn lower_flat(&self, _: &mut LowerContext, _: &Type, out: &mut FlatDst<'_>) -> Result<()> {
                out.push(ValRaw::$new($canon(self.to_bits()).to_bits()));
                Ok(())
            }
            #[inline]
            fn store(&self, cx: &mut LowerContext, _: &Type, ptr: u32) -> Result<()> {
                cx.store_bytes(ptr, &$canon(self.to_bits()).to_bits().to_le_bytes())
            }
        }
        impl Lift for $rust {
            #[inline]
            fn lift_flat(_: &mut LiftContext, _: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
                Ok($canon(src.next()?.$get()))
            }
            #[inline]
            fn load(cx: &mut LiftContext, _: &Type, ptr: u32) -> Result<Self> {
                Ok($canon(<$bits>::from_le_bytes(cx.load_bytes::<$size>(ptr)?)))
            }
        }
    )*};
}

// NaNs are canonicalised both ways, as the canonical ABI allows.
float! {
    f32 => Float32, u32, 4, get_f32, f32, super::abi::canon_f32;
    f64 => Float64, u64, 8, get_f64, f64, super::abi::canon_f64;
}

impl ComponentType for bool {
    fn typecheck(ty: &Type, _: ResourceLookup<'_>) -> Result<()> {
        match ty {
            Type::Bool => Ok(()),
            _ => Err(mismatch(ty, "bool")),
        }
    }
}
impl Lower for bool {
    #[inline]
    fn lower_flat(&self, _: &mut LowerContext, _: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        out.push(ValRaw::i32(*self as i32));
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, _: &Type, ptr: u32) -> Result<()> {
        cx.store_bytes(ptr, &[*self as u8])
    }
}
impl Lift for bool {
    #[inline]
    fn lift_flat(_: &mut LiftContext, _: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        Ok(src.next()?.get_i32() != 0)
    }
    #[inline]
    fn load(cx: &mut LiftContext, _: &Type, ptr: u32) -> Result<Self> {
        Ok(cx.load_bytes::<1>(ptr)?[0] != 0)
    }
}

fn to_char(u: u32) -> Result<char> {
    char::from_u32(u).ok_or_else(|| trap(format!("invalid `char` bit pattern: {u:#x}")))
}

impl ComponentType for char {
    fn typecheck(ty: &Type, _: ResourceLookup<'_>) -> Result<()> {
        match ty {
            Type::Char => Ok(()),
            _ => Err(mismatch(ty, "char")),
        }
    }
}
impl Lower for char {
    #[inline]
    fn lower_flat(&self, _: &mut LowerContext, _: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        out.push(ValRaw::i32(*self as i32));
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, _: &Type, ptr: u32) -> Result<()> {
        cx.store_bytes(ptr, &(*self as u32).to_le_bytes())
    }
}
impl Lift for char {
    #[inline]
    fn lift_flat(_: &mut LiftContext, _: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        to_char(src.next()?.get_i32() as u32)
    }
    #[inline]
    fn load(cx: &mut LiftContext, _: &Type, ptr: u32) -> Result<Self> {
        to_char(u32::from_le_bytes(cx.load_bytes::<4>(ptr)?))
    }
}

// ---- strings

impl ComponentType for str {
    fn typecheck(ty: &Type, _: ResourceLookup<'_>) -> Result<()> {
        match ty {
            Type::String => Ok(()),
            _ => Err(mismatch(ty, "str")),
        }
    }
}
impl Lower for str {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, _: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        let (ptr, len) = cx.lower_string(self)?;
        out.push(ValRaw::i32(ptr as i32));
        out.push(ValRaw::i32(len as i32));
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, _: &Type, ptr: u32) -> Result<()> {
        let (p, len) = cx.lower_string(self)?;
        cx.store_bytes(ptr, &p.to_le_bytes())?;
        cx.store_bytes(ptr + 4, &len.to_le_bytes())
    }
}

impl ComponentType for String {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        str::typecheck(ty, r)
    }
}
impl Lower for String {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        self.as_str().lower_flat(cx, ty, out)
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        self.as_str().store(cx, ty, ptr)
    }
}
impl Lift for String {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, _: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        let ptr = src.next()?.get_i32() as u32;
        let len = src.next()?.get_i32() as u32;
        cx.lift_string(ptr, len)
    }
    #[inline]
    fn load(cx: &mut LiftContext, _: &Type, ptr: u32) -> Result<Self> {
        let p = u32::from_le_bytes(cx.load_bytes::<4>(ptr)?);
        let len = u32::from_le_bytes(cx.load_bytes::<4>(ptr + 4)?);
        cx.lift_string(p, len)
    }
}

// ---- references and boxes forward to the value

impl<T: ComponentType + ?Sized> ComponentType for &T {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        T::typecheck(ty, r)
    }
}
impl<T: Lower + ?Sized> Lower for &T {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        (**self).lower_flat(cx, ty, out)
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        (**self).store(cx, ty, ptr)
    }
}

// ---- lists

fn list_elem(ty: &Type) -> Option<&Type> {
    match ty {
        Type::List(l) => Some(&l.elem),
        _ => None,
    }
}

impl<T: ComponentType> ComponentType for [T] {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        match list_elem(ty) {
            Some(e) => T::typecheck(e, r),
            None => Err(mismatch(ty, "list")),
        }
    }
}
impl<T: Lower> Lower for [T] {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        let (ptr, len) = lower_list(cx, ty, self)?;
        out.push(ValRaw::i32(ptr as i32));
        out.push(ValRaw::i32(len as i32));
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        let (p, len) = lower_list(cx, ty, self)?;
        cx.store_bytes(ptr, &p.to_le_bytes())?;
        cx.store_bytes(ptr + 4, &len.to_le_bytes())
    }
}

fn lower_list<T: Lower>(cx: &mut LowerContext, ty: &Type, items: &[T]) -> Result<(u32, u32)> {
    let elem = list_elem(ty).ok_or_else(|| mismatch(ty, "list"))?;
    let (size, align) = elem.size_align();
    let bytes = u64::from(size) * items.len() as u64;
    if bytes > u64::from(u32::MAX) {
        return Err(trap("list too large"));
    }
    let ptr = cx.realloc(0, 0, align, bytes as u32, "list")?;
    T::store_list(items, cx, elem, ptr)?;
    Ok((ptr, items.len() as u32))
}

impl<T: ComponentType> ComponentType for Vec<T> {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        <[T]>::typecheck(ty, r)
    }
}
impl<T: Lower> Lower for Vec<T> {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        self.as_slice().lower_flat(cx, ty, out)
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        self.as_slice().store(cx, ty, ptr)
    }
}
impl<T: Lift> Lift for Vec<T> {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        let ptr = src.next()?.get_i32() as u32;
        let len = src.next()?.get_i32() as u32;
        lift_list(cx, ty, ptr, len)
    }
    #[inline]
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
        let p = u32::from_le_bytes(cx.load_bytes::<4>(ptr)?);
        let len = u32::from_le_bytes(cx.load_bytes::<4>(ptr + 4)?);
        lift_list(cx, ty, p, len)
    }
}

fn lift_list<T: Lift>(cx: &mut LiftContext, ty: &Type, ptr: u32, len: u32) -> Result<Vec<T>> {
    let elem = list_elem(ty).ok_or_else(|| mismatch(ty, "list"))?;
    let (size, align) = elem.size_align();
    if !ptr.is_multiple_of(align) {
        return Err(trap("unaligned pointer"));
    }
    let bytes = u64::from(len) * u64::from(size);
    cx.check_range(ptr, bytes, "list")?;
    T::load_list(cx, elem, ptr, len)
}

// ---- option and result

impl<T: ComponentType> ComponentType for Option<T> {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        match ty {
            Type::Option(o) => T::typecheck(&o.ty, r),
            _ => Err(mismatch(ty, "Option")),
        }
    }
}

fn option_payload(ty: &Type) -> (&Type, u32, u32) {
    let Type::Option(o) = ty else {
        unreachable!("typechecked")
    };
    (&o.ty, ty.flat_count() as u32 - 1, o.info.payload_offset)
}

impl<T: Lower> Lower for Option<T> {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        let (pt, slots, _) = option_payload(ty);
        let start = out.len() + 1;
        match self {
            None => out.push(ValRaw::i32(0)),
            Some(v) => {
                out.push(ValRaw::i32(1));
                v.lower_flat(cx, pt, out)?;
            }
        }
        out.pad_to(start + slots as usize);
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        let (pt, _, off) = option_payload(ty);
        match self {
            None => cx.store_bytes(ptr, &[0]),
            Some(v) => {
                cx.store_bytes(ptr, &[1])?;
                v.store(cx, pt, ptr + off)
            }
        }
    }
}
impl<T: Lift> Lift for Option<T> {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        let (pt, slots, _) = option_payload(ty);
        let disc = src.next()?.get_i32();
        let start = src.pos;
        let v = match disc {
            0 => None,
            1 => Some(T::lift_flat(cx, pt, src)?),
            _ => return Err(trap("invalid variant discriminant")),
        };
        src.pos = start + slots as usize;
        Ok(v)
    }
    #[inline]
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
        let (pt, _, off) = option_payload(ty);
        match cx.load_bytes::<1>(ptr)?[0] {
            0 => Ok(None),
            1 => Ok(Some(T::load(cx, pt, ptr + off)?)),
            _ => Err(trap("invalid variant discriminant")),
        }
    }
}

fn check_payload<T: ComponentType>(
    t: Option<&Type>,
    r: ResourceLookup<'_>,
    which: &str,
) -> Result<()> {
    match (t, T::IS_UNIT) {
        (None, true) => Ok(()),
        (Some(t), false) => T::typecheck(t, r),
        (None, false) => bail!("type mismatch: result `{which}` has no payload"),
        (Some(t), true) => bail!("type mismatch: result `{which}` has payload {t}, found `()`"),
    }
}

impl<T: ComponentType, E: ComponentType> ComponentType for Result<T, E> {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        match ty {
            Type::Result(rt) => {
                check_payload::<T>(rt.ok.as_ref(), r, "ok")?;
                check_payload::<E>(rt.err.as_ref(), r, "error")
            }
            _ => Err(mismatch(ty, "Result")),
        }
    }
}

fn result_parts(ty: &Type) -> (&super::types::ResultType, u32, u32) {
    let Type::Result(r) = ty else {
        unreachable!("typechecked")
    };
    (r, ty.flat_count() as u32 - 1, r.info.payload_offset)
}

/// The payload type of a unit-or-value case (`()` stands for no payload).
fn payload_ty(t: &Option<Type>) -> Type {
    t.clone().unwrap_or_else(|| Type::tuple([]))
}

impl<T: Lower, E: Lower> Lower for Result<T, E> {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        let (r, slots, _) = result_parts(ty);
        let start = out.len() + 1;
        match self {
            Ok(v) => {
                out.push(ValRaw::i32(0));
                v.lower_flat(cx, &payload_ty(&r.ok), out)?;
            }
            Err(e) => {
                out.push(ValRaw::i32(1));
                e.lower_flat(cx, &payload_ty(&r.err), out)?;
            }
        }
        out.pad_to(start + slots as usize);
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        let (r, _, off) = result_parts(ty);
        match self {
            Ok(v) => {
                cx.store_bytes(ptr, &[0])?;
                v.store(cx, &payload_ty(&r.ok), ptr + off)
            }
            Err(e) => {
                cx.store_bytes(ptr, &[1])?;
                e.store(cx, &payload_ty(&r.err), ptr + off)
            }
        }
    }
}
impl<T: Lift, E: Lift> Lift for Result<T, E> {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        let (r, slots, _) = result_parts(ty);
        let disc = src.next()?.get_i32();
        let start = src.pos;
        let v = match disc {
            0 => Ok(T::lift_flat(cx, &payload_ty(&r.ok), src)?),
            1 => Err(E::lift_flat(cx, &payload_ty(&r.err), src)?),
            _ => return Err(trap("invalid variant discriminant")),
        };
        src.pos = start + slots as usize;
        Ok(v)
    }
    #[inline]
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
        let (r, _, off) = result_parts(ty);
        match cx.load_bytes::<1>(ptr)?[0] {
            0 => Ok(Ok(T::load(cx, &payload_ty(&r.ok), ptr + off)?)),
            1 => Ok(Err(E::load(cx, &payload_ty(&r.err), ptr + off)?)),
            _ => Err(trap("invalid variant discriminant")),
        }
    }
}

// ---- tuples (also parameter and result lists)

fn tuple_elems(ty: &Type) -> Option<&[super::types::Field]> {
    match ty {
        Type::Tuple(t) => Some(&t.elems),
        _ => None,
    }
}

macro_rules! tuples {
    ($(($($t:ident $n:tt),*);)*) => {$(
        impl<$($t: ComponentType),*> ComponentType for ($($t,)*) {
            const IS_UNIT: bool = tuples!(@count $($t)*) == 0;
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
                let elems = tuple_elems(ty).ok_or_else(|| mismatch(ty, "tuple"))?;
                if elems.len() != tuples!(@count $($t)*) {
                    return Err(mismatch(ty, &format!("a tuple of {}", tuples!(@count $($t)*))));
                }
                $($t::typecheck(&elems[$n].ty, r)?;)*
                Ok(())
            }
        }
        impl<$($t: ComponentType),*> ComponentNamedList for ($($t,)*) {}
        impl<$($t: Lower),*> Lower for ($($t,)*) {
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            #[inline]
            fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
                let elems = tuple_elems(ty).ok_or_else(|| mismatch(ty, "tuple"))?;
                $(self.$n.lower_flat(cx, &elems[$n].ty, out)?;)*
                Ok(())
            }
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            #[inline]
            fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
                let elems = tuple_elems(ty).ok_or_else(|| mismatch(ty, "tuple"))?;
                $(self.$n.store(cx, &elems[$n].ty, ptr + elems[$n].offset)?;)*
                Ok(())
            }
        }
        impl<$($t: Lift),*> Lift for ($($t,)*) {
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            #[inline]
            fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
                let elems = tuple_elems(ty).ok_or_else(|| mismatch(ty, "tuple"))?;
                Ok(($($t::lift_flat(cx, &elems[$n].ty, src)?,)*))
            }
            #[allow(unused_variables, reason = "the empty tuple uses none of its arguments")]
            #[inline]
            fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
                let elems = tuple_elems(ty).ok_or_else(|| mismatch(ty, "tuple"))?;
                Ok(($($t::load(cx, &elems[$n].ty, ptr + elems[$n].offset)?,)*))
            }
        }
    )*};
    (@count) => { 0usize };
    (@count $h:ident $($t:ident)*) => { 1usize + tuples!(@count $($t)*) };
}

tuples! {
    ();
    (A 0);
    (A 0, B 1);
    (A 0, B 1, C 2);
    (A 0, B 1, C 2, D 3);
    (A 0, B 1, C 2, D 3, E 4);
    (A 0, B 1, C 2, D 3, E 4, F 5);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
}

// ---- resources

fn handle_type(ty: &Type) -> Option<(super::types::ResourceKey, bool)> {
    match ty {
        Type::Own(k) => Some((*k, true)),
        Type::Borrow(k) => Some((*k, false)),
        _ => None,
    }
}

impl<T: 'static> ComponentType for Resource<T> {
    fn typecheck(ty: &Type, r: ResourceLookup<'_>) -> Result<()> {
        let (key, _) = handle_type(ty).ok_or_else(|| mismatch(ty, "Resource"))?;
        match r(key) {
            Some(rt) if rt == ResourceType::host::<T>() => Ok(()),
            Some(_) => bail!(
                "type mismatch: the resource is not the host type `{}`",
                std::any::type_name::<T>()
            ),
            None => bail!("type mismatch: unknown resource type"),
        }
    }
}

impl<T: 'static> Lower for Resource<T> {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        let i = lower_host_resource(cx, ty, ResourceType::host::<T>(), self.rep(), self.owned())?;
        out.push(ValRaw::i32(i as i32));
        Ok(())
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        let i = lower_host_resource(cx, ty, ResourceType::host::<T>(), self.rep(), self.owned())?;
        cx.store_bytes(ptr, &i.to_le_bytes())
    }
}

fn lower_host_resource(
    cx: &mut LowerContext,
    ty: &Type,
    rt: ResourceType,
    rep: u32,
    owned: bool,
) -> Result<u32> {
    let (_, own) = handle_type(ty).ok_or_else(|| mismatch(ty, "Resource"))?;
    let inst = cx.instance;
    if own && !owned {
        bail!("cannot pass a borrowed resource where an owned one is expected");
    }
    let scope = cx.scope;
    let c = &mut cx.opaque_mut().components;
    if own {
        c.instance_mut(inst).handles.add(Handle::own(rt, rep))
    } else {
        c.scopes[scope].borrows += 1;
        c.instance_mut(inst).handles.add(Handle {
            ty: rt,
            rep,
            borrow_scope: Some(scope),
            lends: 0,
        })
    }
}

fn lift_host_resource(
    cx: &mut LiftContext,
    ty: &Type,
    rt: ResourceType,
    i: u32,
) -> Result<(u32, bool)> {
    let (_, own) = handle_type(ty).ok_or_else(|| mismatch(ty, "Resource"))?;
    let inst = cx.instance;
    let scope = cx.scope;
    let c = &mut cx.opaque_mut().components;
    let handles = &mut c.instance_mut(inst).handles;
    if own {
        Ok((handles.take_own(i, rt)?.rep, true))
    } else {
        let h = handles.get_typed(i, rt)?;
        let rep = h.rep;
        if h.is_own() {
            handles.get_mut(i)?.lends += 1;
            c.scopes[scope].lenders.push((inst, i));
        }
        Ok((rep, false))
    }
}

impl<T: 'static> Lift for Resource<T> {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        let i = src.next()?.get_i32() as u32;
        let (rep, own) = lift_host_resource(cx, ty, ResourceType::host::<T>(), i)?;
        Ok(if own {
            Resource::new_own(rep)
        } else {
            Resource::new_borrow(rep)
        })
    }
    #[inline]
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
        let i = u32::from_le_bytes(cx.load_bytes::<4>(ptr)?);
        let (rep, own) = lift_host_resource(cx, ty, ResourceType::host::<T>(), i)?;
        Ok(if own {
            Resource::new_own(rep)
        } else {
            Resource::new_borrow(rep)
        })
    }
}

impl ComponentType for ResourceAny {
    fn typecheck(ty: &Type, _: ResourceLookup<'_>) -> Result<()> {
        handle_type(ty)
            .map(|_| ())
            .ok_or_else(|| mismatch(ty, "ResourceAny"))
    }
}
impl Lower for ResourceAny {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        cx.lower_flat(ty, &Val::Resource(*self), out)
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        cx.store(ty, &Val::Resource(*self), ptr)
    }
}
impl Lift for ResourceAny {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        match cx.lift_flat(ty, src)? {
            Val::Resource(r) => Ok(r),
            _ => unreachable!("handle types lift to resources"),
        }
    }
    #[inline]
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
        match cx.load(ty, ptr)? {
            Val::Resource(r) => Ok(r),
            _ => unreachable!("handle types lift to resources"),
        }
    }
}

// ---- Val: any type, checked when used

impl ComponentType for Val {
    fn typecheck(_: &Type, _: ResourceLookup<'_>) -> Result<()> {
        Ok(())
    }
}
impl Lower for Val {
    #[inline]
    fn lower_flat(&self, cx: &mut LowerContext, ty: &Type, out: &mut FlatDst<'_>) -> Result<()> {
        cx.lower_flat(ty, self, out)
    }
    #[inline]
    fn store(&self, cx: &mut LowerContext, ty: &Type, ptr: u32) -> Result<()> {
        cx.store(ty, self, ptr)
    }
}
impl Lift for Val {
    #[inline]
    fn lift_flat(cx: &mut LiftContext, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Self> {
        cx.lift_flat(ty, src)
    }
    #[inline]
    fn load(cx: &mut LiftContext, ty: &Type, ptr: u32) -> Result<Self> {
        cx.load(ty, ptr)
    }
}
