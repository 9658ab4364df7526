//! The interpreter's value stack: untyped 64-bit slots, one allocation per store.

use crate::vm::{VMRef, ValRaw};
use core::ffi::c_void;

/// One frame slot: 64 bits of an `i32`/`i64`/`f32`/`f64` (low bits, little-endian) or a
/// reference pointer. A union so that copying a slot copies a reference with its
/// provenance; handlers read the field that matches the wasm type.
#[derive(Copy, Clone)]
#[repr(C)]
pub union Slot {
    /// Integer and float bits.
    pub bits: u64,
    /// A reference (`*const VMFuncRef`, extern data, or null).
    pub ptr: *mut c_void,
}

const _: () = assert!(size_of::<Slot>() == 8);

impl Slot {
    /// The zero slot (0, 0.0 or null).
    pub const ZERO: Slot = Slot { bits: 0 };

    /// Converts to a `ValRaw` (first 8 bytes), keeping reference provenance.
    #[inline]
    pub fn to_raw(self) -> ValRaw {
        let mut raw = ValRaw::zero();
        // SAFETY: both are plain bytes; a byte copy keeps any pointer provenance.
        unsafe {
            core::ptr::copy_nonoverlapping(
                (&self as *const Slot).cast::<u8>(),
                (&mut raw as *mut ValRaw).cast::<u8>(),
                8,
            )
        };
        raw
    }

    /// Converts from a `ValRaw` (first 8 bytes), keeping reference provenance.
    #[inline]
    pub fn from_raw(raw: &ValRaw) -> Slot {
        let mut slot = Slot::ZERO;
        // SAFETY: both are plain bytes and `ValRaw` has at least 8; a byte copy keeps any
        // pointer provenance.
        unsafe {
            core::ptr::copy_nonoverlapping(
                (raw as *const ValRaw).cast::<u8>(),
                (&mut slot as *mut Slot).cast::<u8>(),
                8,
            )
        };
        slot
    }

    /// A reference slot.
    #[inline]
    pub fn from_ref(r: VMRef) -> Slot {
        Slot { ptr: r.0 }
    }
}

/// Values a handler reads from and writes to slots.
pub trait SlotValue: Copy {
    /// From the slot's bits.
    fn from_bits(bits: u64) -> Self;
    /// To the slot's bits.
    fn to_bits(self) -> u64;
}

impl SlotValue for u32 {
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        bits as u32
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self as u64
    }
}
impl SlotValue for i32 {
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        bits as i32
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self as u32 as u64
    }
}
impl SlotValue for u64 {
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        bits
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self
    }
}
impl SlotValue for i64 {
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        bits as i64
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self as u64
    }
}
impl SlotValue for f32 {
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f32::to_bits(self) as u64
    }
}
impl SlotValue for f64 {
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
}

/// The per-store interpreter state: the value stack and the frame stack.
pub struct InterpStack {
    slots: *mut Slot,
    capacity: usize,
    /// First free slot: where a new (re-entrant) activation starts its frame.
    pub top: usize,
    /// Capacity of the frame stack.
    pub max_frames: usize,
    frames: *mut super::exec::Frame,
    /// First free frame: where a new (re-entrant) activation starts its frames.
    pub frame_top: usize,
}

impl InterpStack {
    /// A stack of `max_bytes` worth of slots, allocated on first use.
    pub fn new(max_bytes: usize) -> InterpStack {
        let capacity = (max_bytes / size_of::<Slot>()).max(64);
        InterpStack {
            slots: core::ptr::null_mut(),
            capacity,
            top: 0,
            max_frames: (max_bytes / 32).max(16),
            frames: core::ptr::null_mut(),
            frame_top: 0,
        }
    }

    /// The frame stack: start and one past the end (allocating on first use). Pages are
    /// only touched as deep as calls go.
    pub fn frame_bounds(&mut self) -> (*mut super::exec::Frame, *mut super::exec::Frame) {
        if self.frames.is_null() {
            let layout = std::alloc::Layout::array::<super::exec::Frame>(self.max_frames)
                .expect("frames layout");
            // SAFETY: non-zero size; frames are written before they are read.
            let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<super::exec::Frame>();
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            self.frames = p;
        }
        // SAFETY: `max_frames` frames were allocated.
        (self.frames, unsafe { self.frames.add(self.max_frames) })
    }

    /// Base of the slots and one past the last usable slot (allocating on first use).
    pub fn bounds(&mut self) -> (*mut Slot, *mut Slot) {
        if self.slots.is_null() {
            let layout = std::alloc::Layout::array::<Slot>(self.capacity).expect("stack layout");
            // SAFETY: the layout is non-zero sized; zeroed memory is a valid `[Slot]`.
            let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<Slot>();
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            self.slots = p;
        }
        // SAFETY: `capacity` slots were allocated.
        (self.slots, unsafe { self.slots.add(self.capacity) })
    }
}

impl Drop for InterpStack {
    fn drop(&mut self) {
        if !self.frames.is_null() {
            let layout = std::alloc::Layout::array::<super::exec::Frame>(self.max_frames)
                .expect("frames layout");
            // SAFETY: allocated in `frame_bounds` with this layout.
            unsafe { std::alloc::dealloc(self.frames.cast(), layout) };
        }
        if !self.slots.is_null() {
            let layout = std::alloc::Layout::array::<Slot>(self.capacity).expect("stack layout");
            // SAFETY: allocated in `bounds` with this layout.
            unsafe { std::alloc::dealloc(self.slots.cast(), layout) };
        }
    }
}

// SAFETY: the stack belongs to one store and moves with it.
unsafe impl Send for InterpStack {}
