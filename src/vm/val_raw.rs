//! `ValRaw`: a wasm value as 16 untyped bytes, and `VMRef`, a reference as one word.

use core::ffi::c_void;
use core::fmt;

/// A wasm value passed through memory at every boundary (host calls, array-call
/// trampolines, `Func::call`). 16 bytes, little-endian, the type is known to both sides.
///
/// Integers and floats occupy the low bytes (floats as their bit patterns); references
/// are pointers stored in the first word, so they keep their provenance when copied as a
/// whole `ValRaw`.
#[derive(Copy, Clone)]
#[repr(C, align(16))]
pub union ValRaw {
    i32: i32,
    i64: i64,
    f32: u32,
    f64: u64,
    v128: [u8; 16],
    r#ref: *mut c_void,
}

// SAFETY: `ValRaw` is plain data; the references it may hold belong to the store that
// moves with it.
unsafe impl Send for ValRaw {}
// SAFETY: shared `&ValRaw` only reads the bits; a reference in it is dereferenced only
// through its store.
unsafe impl Sync for ValRaw {}

const _: () = assert!(size_of::<ValRaw>() == 16);
const _: () = assert!(align_of::<ValRaw>() == 16);

impl ValRaw {
    /// A zeroed value (0, 0.0 or a null reference, depending on its type).
    #[inline]
    pub const fn zero() -> ValRaw {
        ValRaw { v128: [0; 16] }
    }
    /// An `i32` value.
    #[inline]
    pub fn i32(v: i32) -> ValRaw {
        let mut r = ValRaw::zero();
        r.i32 = v;
        r
    }
    /// An `i64` value.
    #[inline]
    pub fn i64(v: i64) -> ValRaw {
        ValRaw { i64: v }.widen()
    }
    /// An `f32` value given by its bits.
    #[inline]
    pub fn f32(bits: u32) -> ValRaw {
        let mut r = ValRaw::zero();
        r.f32 = bits;
        r
    }
    /// An `f64` value given by its bits.
    #[inline]
    pub fn f64(bits: u64) -> ValRaw {
        ValRaw { f64: bits }.widen()
    }
    /// A `v128` value.
    #[inline]
    pub fn v128(bits: u128) -> ValRaw {
        ValRaw {
            v128: bits.to_le_bytes(),
        }
    }
    /// A reference (funcref or externref), null or not.
    #[inline]
    pub fn vmref(r: VMRef) -> ValRaw {
        ValRaw { r#ref: r.0 }.widen()
    }

    #[inline]
    fn widen(self) -> ValRaw {
        // Unions initialise only the field written; zero the tail so no byte is undefined.
        let mut out = ValRaw::zero();
        // SAFETY: both are 16-byte values; copying bytes keeps any pointer provenance.
        unsafe {
            core::ptr::copy_nonoverlapping(
                (&self as *const ValRaw).cast::<u8>(),
                (&mut out as *mut ValRaw).cast::<u8>(),
                8,
            )
        };
        out
    }

    /// Reads the value as `i32`.
    #[inline]
    pub fn get_i32(&self) -> i32 {
        // SAFETY: every bit pattern is a valid i32; the low 4 bytes are always initialised.
        unsafe { self.i32 }
    }
    /// Reads the value as `i64`.
    #[inline]
    pub fn get_i64(&self) -> i64 {
        // SAFETY: every bit pattern is a valid i64.
        unsafe { self.i64 }
    }
    /// Reads the bits of an `f32`.
    #[inline]
    pub fn get_f32(&self) -> u32 {
        // SAFETY: every bit pattern is a valid u32.
        unsafe { self.f32 }
    }
    /// Reads the bits of an `f64`.
    #[inline]
    pub fn get_f64(&self) -> u64 {
        // SAFETY: every bit pattern is a valid u64.
        unsafe { self.f64 }
    }
    /// Reads a `v128`.
    #[inline]
    pub fn get_v128(&self) -> u128 {
        // SAFETY: every bit pattern is a valid byte array.
        u128::from_le_bytes(unsafe { self.v128 })
    }
    /// Reads a reference.
    #[inline]
    pub fn get_ref(&self) -> VMRef {
        // SAFETY: the first word is a pointer (possibly null) when the type is a reference.
        VMRef(unsafe { self.r#ref })
    }
}

impl fmt::Debug for ValRaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValRaw({:#034x})", self.get_v128())
    }
}

/// A reference value as one pointer-sized word: null, a `*const VMFuncRef` for a funcref,
/// or a pointer to the store's extern-reference data for an externref.
///
/// Tables hold `VMRef`s, the interpreter's slots hold them in their pointer field, and
/// `ValRaw` holds them in its first word; copies always move whole values, so the pointer
/// provenance survives every hop.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct VMRef(pub *mut c_void);

impl VMRef {
    /// The null reference.
    pub const NULL: VMRef = VMRef(core::ptr::null_mut());

    /// True for `ref.null`.
    #[inline]
    pub fn is_null(self) -> bool {
        self.0.is_null()
    }
}

// SAFETY: a `VMRef` is a plain address into structures owned by one store.
unsafe impl Send for VMRef {}
// SAFETY: `&VMRef` gives only the address; dereferencing it needs the owning store.
unsafe impl Sync for VMRef {}
// SAFETY: `VMRef` is `repr(transparent)` over a pointer.
unsafe impl super::VmSafe for VMRef {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(ValRaw::i32(-5).get_i32(), -5);
        assert_eq!(ValRaw::i64(-5).get_i64(), -5);
        assert_eq!(ValRaw::f32(1.5f32.to_bits()).get_f32(), 1.5f32.to_bits());
        assert_eq!(ValRaw::f64(2.5f64.to_bits()).get_f64(), 2.5f64.to_bits());
        assert_eq!(ValRaw::v128(u128::MAX - 3).get_v128(), u128::MAX - 3);
        let mut x = 0u8;
        let r = VMRef((&mut x as *mut u8).cast());
        assert_eq!(ValRaw::vmref(r).get_ref(), r);
        assert!(ValRaw::vmref(VMRef::NULL).get_ref().is_null());
    }

    #[test]
    fn reference_keeps_provenance_through_valraw() {
        let mut x = 1u32;
        let raw = ValRaw::vmref(VMRef((&mut x as *mut u32).cast()));
        let copy = raw;
        // SAFETY: the pointer was made from `x`, which is alive.
        unsafe { *copy.get_ref().0.cast::<u32>() = 9 };
        assert_eq!(x, 9);
    }
}
