//! Tables of references.

use super::{Trap, VMRef, VmSafe};
use crate::module::TableType;

/// Largest table we allow to grow to: a `table.grow` past it returns -1 instead of
/// trying to allocate gigabytes.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// What running code reads to access a table.
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    /// First element.
    pub base: *mut VMRef,
    /// Number of elements.
    pub current_elements: usize,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMTableDefinition {}

#[cfg_attr(
    not(feature = "jit"),
    allow(dead_code, reason = "used by compiled code only")
)]
impl VMTableDefinition {
    /// Offset of `base`.
    pub const BASE: usize = core::mem::offset_of!(VMTableDefinition, base);
    /// Offset of `current_elements`.
    pub const CURRENT_ELEMENTS: usize = core::mem::offset_of!(VMTableDefinition, current_elements);
}

/// A table. `def` is the first field, so the pointer in a `VMContext` is also a pointer
/// to the `Table`.
#[repr(C)]
pub struct Table {
    /// Read by running code.
    pub def: VMTableDefinition,
    ty: TableType,
    elements: Vec<VMRef>,
}
// SAFETY: repr(C); running code only reads `def` and the elements it points to.
unsafe impl VmSafe for Table {}

impl Table {
    /// A table of `ty.minimum` copies of `init`.
    pub fn new(ty: TableType, init: VMRef) -> anyhow::Result<Table> {
        if ty.minimum > MAX_TABLE_ELEMENTS {
            anyhow::bail!(
                "table minimum of {} elements is over the limit of {MAX_TABLE_ELEMENTS}",
                ty.minimum
            );
        }
        let mut elements = vec![init; ty.minimum as usize];
        let def = VMTableDefinition {
            base: elements.as_mut_ptr(),
            current_elements: elements.len(),
        };
        Ok(Table { def, ty, elements })
    }

    /// The type, with the current size as minimum.
    pub fn ty(&self) -> TableType {
        TableType {
            minimum: self.def.current_elements as u64,
            ..self.ty
        }
    }

    /// Number of elements.
    pub fn size(&self) -> u64 {
        self.def.current_elements as u64
    }

    /// `table.grow`: the old size, or `None`.
    pub fn grow(&mut self, delta: u64, init: VMRef) -> Option<u64> {
        let old = self.size();
        let max = self
            .ty
            .maximum
            .unwrap_or(u32::MAX as u64)
            .min(MAX_TABLE_ELEMENTS);
        let new = old.checked_add(delta).filter(|&n| n <= max)?;
        self.elements.resize(new as usize, init);
        self.def.base = self.elements.as_mut_ptr();
        self.def.current_elements = self.elements.len();
        Some(old)
    }

    /// Element `i`, or a bounds trap.
    pub fn get(&self, i: u64) -> Result<VMRef, Trap> {
        if i >= self.size() {
            return Err(Trap::TableOutOfBounds);
        }
        // SAFETY: bounds checked; `base` points at `current_elements` elements.
        Ok(unsafe { *self.def.base.add(i as usize) })
    }

    /// Sets element `i`, or a bounds trap.
    pub fn set(&mut self, i: u64, r: VMRef) -> Result<(), Trap> {
        if i >= self.size() {
            return Err(Trap::TableOutOfBounds);
        }
        // SAFETY: `i < size()` was checked above, and `base` points to `size()` elements.
        unsafe { *self.def.base.add(i as usize) = r };
        Ok(())
    }

    /// `table.fill`.
    ///
    /// # Safety
    /// `t` must point to a live table.
    pub unsafe fn fill(t: *mut Table, dst: u64, r: VMRef, len: u64) -> Result<(), Trap> {
        // SAFETY: the caller guarantees `t` is live.
        let def = unsafe { &(*t).def };
        let end = dst.checked_add(len).ok_or(Trap::TableOutOfBounds)?;
        if end > def.current_elements as u64 {
            return Err(Trap::TableOutOfBounds);
        }
        for i in dst..end {
            // SAFETY: `i < end <= current_elements` (checked above), elements `base` owns.
            unsafe { *def.base.add(i as usize) = r };
        }
        Ok(())
    }

    /// `table.copy` (tables may be the same).
    ///
    /// # Safety
    /// Both must point to live tables.
    pub unsafe fn copy(
        dst_t: *mut Table,
        dst: u64,
        src_t: *mut Table,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        // SAFETY: the caller guarantees both are live.
        let (d, s) = unsafe { (&(*dst_t).def, &(*src_t).def) };
        let dend = dst.checked_add(len).ok_or(Trap::TableOutOfBounds)?;
        let send = src.checked_add(len).ok_or(Trap::TableOutOfBounds)?;
        if dend > d.current_elements as u64 || send > s.current_elements as u64 {
            return Err(Trap::TableOutOfBounds);
        }
        // SAFETY: bounds checked; `copy` handles overlap.
        unsafe {
            core::ptr::copy(
                s.base.add(src as usize),
                d.base.add(dst as usize),
                len as usize,
            )
        };
        Ok(())
    }

    /// Copies `items[src..src+len]` to `dst` (`table.init`, element segments).
    ///
    /// # Safety
    /// `t` must point to a live table.
    pub unsafe fn init(
        t: *mut Table,
        dst: u64,
        items: &[VMRef],
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        // SAFETY: the caller guarantees `t` is live.
        let def = unsafe { &(*t).def };
        let send = src.checked_add(len).ok_or(Trap::TableOutOfBounds)?;
        let dend = dst.checked_add(len).ok_or(Trap::TableOutOfBounds)?;
        if send > items.len() as u64 || dend > def.current_elements as u64 {
            return Err(Trap::TableOutOfBounds);
        }
        // SAFETY: bounds checked; segment items never alias the table.
        unsafe {
            core::ptr::copy_nonoverlapping(
                items.as_ptr().add(src as usize),
                def.base.add(dst as usize),
                len as usize,
            )
        };
        Ok(())
    }
}

// SAFETY: the table owns its elements; it moves with its store.
unsafe impl Send for Table {}
// SAFETY: shared access only reads.
unsafe impl Sync for Table {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::RefType;

    #[test]
    fn grow_get_set() {
        let mut t = Table::new(TableType::new(RefType::FuncRef, 2, Some(4)), VMRef::NULL).unwrap();
        assert_eq!(t.grow(2, VMRef::NULL), Some(2));
        assert_eq!(t.grow(1, VMRef::NULL), None);
        let mut x = 0u8;
        let r = VMRef((&mut x as *mut u8).cast());
        t.set(3, r).unwrap();
        assert_eq!(t.get(3), Ok(r));
        assert_eq!(t.get(4), Err(Trap::TableOutOfBounds));
        let p: *mut Table = &mut t;
        // SAFETY: `p` points at `t`, alive.
        unsafe {
            Table::copy(p, 0, p, 3, 1).unwrap();
            assert_eq!(
                Table::fill(p, 3, VMRef::NULL, 2),
                Err(Trap::TableOutOfBounds)
            );
        }
        assert_eq!(t.get(0), Ok(r));
    }
}
