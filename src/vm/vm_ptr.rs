//! `VmPtr<T>`: the only way a pointer is stored where compiled code can see it.

use core::fmt;
use core::ptr::NonNull;

/// Marker for types that may live in memory shared with compiled code: plain data with a
/// fixed `repr(C)` layout (or a primitive), no destructor that compiled code could skip.
///
/// # Safety
/// Implementors must be `repr(C)`/`repr(transparent)` (or primitives) whose layout the
/// JIT is allowed to read through `VMOffsets`.
pub unsafe trait VmSafe {}

// SAFETY: primitives have a fixed layout.
unsafe impl VmSafe for u8 {}
// SAFETY: primitives have a fixed layout.
unsafe impl VmSafe for u32 {}
// SAFETY: primitives have a fixed layout.
unsafe impl VmSafe for u64 {}
// SAFETY: primitives have a fixed layout.
unsafe impl VmSafe for usize {}

/// A non-null pointer stored in VM memory (`VMContext`, tables, func refs).
///
/// `#[repr(transparent)]` over `NonNull<T>`, so compiled code reads it as a plain address.
/// It is `Send`/`Sync` because the structures that hold it are owned by a `Store`, which
/// moves between threads as a whole; the pointer itself keeps its provenance, so the
/// interpreter can dereference it under Miri's strict-provenance checks.
#[repr(transparent)]
pub struct VmPtr<T: VmSafe + ?Sized>(NonNull<T>);

impl<T: VmSafe> VmPtr<T> {
    /// Wraps a pointer.
    #[inline]
    pub fn new(ptr: NonNull<T>) -> Self {
        VmPtr(ptr)
    }

    /// Wraps a raw pointer, `None` when it is null.
    #[inline]
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "used by compiled code only")
    )]
    pub fn from_raw(ptr: *mut T) -> Option<Self> {
        NonNull::new(ptr).map(VmPtr)
    }

    /// The pointer, with its provenance.
    #[inline]
    pub fn as_non_null(self) -> NonNull<T> {
        self.0
    }

    /// The pointer as a raw `*mut T`.
    #[inline]
    pub fn as_ptr(self) -> *mut T {
        self.0.as_ptr()
    }
}

impl<T: VmSafe> Clone for VmPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: VmSafe> Copy for VmPtr<T> {}

impl<T: VmSafe> PartialEq for VmPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T: VmSafe> Eq for VmPtr<T> {}

impl<T: VmSafe> fmt::Debug for VmPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VmPtr({:p})", self.0)
    }
}

// SAFETY: a `VmPtr` is a plain address owned by structures of one `Store`; the store is
// moved between threads as a whole and never shared, which is what makes this sound.
unsafe impl<T: VmSafe> Send for VmPtr<T> {}
// SAFETY: see `Send`: shared references to VM structures only read immutable data.
unsafe impl<T: VmSafe> Sync for VmPtr<T> {}

/// A heap object owned through a raw pointer.
///
/// Objects that running code reaches through pointers stored in VM memory (memories,
/// tables, globals, contexts, the store itself) are owned this way instead of by a `Box`:
/// every access, from Rust or from wasm, derives from the one raw pointer, so no access
/// through a unique `Box` can invalidate the copies that compiled code or the interpreter
/// hold (which matters for Miri's aliasing model and for soundness).
pub struct VmBox<T: ?Sized>(NonNull<T>);

impl<T> VmBox<T> {
    /// Moves `value` to the heap.
    pub fn new(value: T) -> VmBox<T> {
        VmBox(NonNull::from(Box::leak(Box::new(value))))
    }
}

impl<T: ?Sized> VmBox<T> {
    /// The raw pointer, with provenance over the whole object.
    #[inline]
    pub fn as_ptr(&self) -> *mut T {
        self.0.as_ptr()
    }

    /// Shared access.
    #[inline]
    #[allow(
        clippy::should_implement_trait,
        reason = "an explicit accessor, not Deref: a VmBox is not a smart pointer to callers"
    )]
    pub fn get(&self) -> &T {
        // SAFETY: the object is alive as long as `self`; mutation only happens through
        // `get_mut` (which needs `&mut self`) or by running code that the caller is not
        // interleaving with this borrow.
        unsafe { self.0.as_ref() }
    }

    /// Exclusive access.
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no other Rust borrow exists.
        unsafe { &mut *self.0.as_ptr() }
    }
}

impl<T: ?Sized> Drop for VmBox<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` and is dropped exactly once.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

// SAFETY: a `VmBox<T>` owns its `T` like a `Box<T>` does.
unsafe impl<T: ?Sized + Send> Send for VmBox<T> {}
// SAFETY: `&VmBox<T>` gives only `&T`, as `&Box<T>` does, so `T: Sync` suffices.
unsafe impl<T: ?Sized + Sync> Sync for VmBox<T> {}

/// A memory, table or global as its store holds it: boxed by the store (made by the
/// host), or inside the `VMContext` of the instance that defines it, which the store
/// keeps alive until it drops everything at once.
pub enum StoreBox<T> {
    /// Made by the host; owned here.
    Boxed(VmBox<T>),
    /// Defined by an instance of the store, which owns and drops it.
    InInstance(NonNull<T>),
}

impl<T> StoreBox<T> {
    /// The raw pointer, with provenance over the whole object.
    #[inline]
    pub fn as_ptr(&self) -> *mut T {
        match self {
            StoreBox::Boxed(b) => b.as_ptr(),
            StoreBox::InInstance(p) => p.as_ptr(),
        }
    }

    /// Shared access.
    #[inline]
    #[allow(
        clippy::should_implement_trait,
        reason = "an explicit accessor, not Deref, like `VmBox::get`"
    )]
    pub fn get(&self) -> &T {
        // SAFETY: a boxed object lives as long as `self`; an instance's lives as long as
        // the store that holds `self`. Mutation goes through `get_mut` or running code,
        // as for `VmBox::get`.
        unsafe { &*self.as_ptr() }
    }

    /// Exclusive access.
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: as `get`; `&mut self` proves no other Rust borrow through the store.
        unsafe { &mut *self.as_ptr() }
    }
}

// SAFETY: either variant owns or (for its store) stands for a `T`, as a `Box<T>` does.
unsafe impl<T: Send> Send for StoreBox<T> {}
// SAFETY: `&StoreBox<T>` gives only `&T`.
unsafe impl<T: Sync> Sync for StoreBox<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_ptr_is_one_word_and_niche_optimised() {
        assert_eq!(size_of::<VmPtr<u8>>(), size_of::<usize>());
        assert_eq!(size_of::<Option<VmPtr<u8>>>(), size_of::<usize>());
    }

    #[test]
    fn vm_ptr_keeps_provenance() {
        let mut x = 5u64;
        let p = VmPtr::new(NonNull::from(&mut x));
        // SAFETY: `p` points at `x`, alive and not otherwise borrowed.
        unsafe { *p.as_ptr() = 7 };
        assert_eq!(x, 7);
    }
}
