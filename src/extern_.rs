//! Memories, globals and tables as embedder handles, and `Extern`, any importable item.

use crate::func::Func;
use crate::module::{GlobalType, MemoryType, Mutability, TableType};
use crate::store::{AsContext, AsContextMut, StoreId};
use crate::values::Val;
use crate::vm::{self, StoreBox, VmBox};
use anyhow::{Result, bail};
use core::ptr::NonNull;

/// Anything an instance can import or export.
#[derive(Clone, Copy, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
}

impl Extern {
    /// The function, if it is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self {
            Some(f)
        } else {
            None
        }
    }
    /// The memory, if it is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self {
            Some(m)
        } else {
            None
        }
    }
    /// The global, if it is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self {
            Some(g)
        } else {
            None
        }
    }
    /// The table, if it is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self {
            Some(t)
        } else {
            None
        }
    }
    /// The kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Extern::Func(_) => "function",
            Extern::Memory(_) => "memory",
            Extern::Global(_) => "global",
            Extern::Table(_) => "table",
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}

/// A linear memory of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub(crate) store_id: StoreId,
    pub(crate) index: usize,
}

impl Memory {
    /// A new memory owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let mut ctx = store.as_context_mut();
        let o = ctx.opaque_mut();
        let reservation = o.engine.config().memory_reservation;
        let memory = VmBox::new(vm::Memory::new(ty, reservation)?);
        o.memories.push(StoreBox::Boxed(memory));
        Ok(Memory {
            store_id: o.id,
            index: o.memories.len() - 1,
        })
    }

    pub(crate) fn ptr(&self, store: &crate::store::StoreOpaque) -> Result<NonNull<vm::Memory>> {
        store.check(self.store_id)?;
        // SAFETY: `StoreBox` pointers are never null.
        Ok(unsafe { NonNull::new_unchecked(store.memories[self.index].as_ptr()) })
    }

    /// The memory's type (minimum = current size).
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        store.as_context().opaque().memories[self.index].get().ty()
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        store.as_context().opaque().memories[self.index]
            .get()
            .pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        store.as_context().opaque().memories[self.index]
            .get()
            .byte_len()
    }

    /// The memory's bytes.
    pub fn data<'a, T: 'a>(&self, store: impl Into<crate::store::StoreContext<'a, T>>) -> &'a [u8] {
        let ctx = store.into();
        ctx.opaque().memories[self.index].get().data()
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::store::StoreContextMut<'a, T>>,
    ) -> &'a mut [u8] {
        let ctx = store.into();
        // SAFETY: the context grants exclusive access to the store for `'a`.
        unsafe {
            let opaque = &(*ctx.raw().as_ptr()).opaque;
            (*opaque.memories[self.index].as_ptr()).data_mut()
        }
    }

    /// Grows by `delta` pages; returns the previous size. Fails past the maximum, or past
    /// `Config::memory_reservation` for a memory without a (smaller) maximum.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let mut ctx = store.as_context_mut();
        let o = ctx.opaque_mut();
        o.check(self.store_id)?;
        match o.memories[self.index].get_mut().grow(delta) {
            Some(old) => Ok(old),
            None => bail!("failed to grow memory by {delta} pages"),
        }
    }

    /// Copies bytes out of the memory.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<()> {
        let ctx = store.as_context();
        let data = ctx.opaque().memories[self.index].get().data();
        match offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
        {
            Some(src) => {
                buf.copy_from_slice(src);
                Ok(())
            }
            None => bail!("out of bounds memory access"),
        }
    }

    /// Copies bytes into the memory.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let data = ctx.opaque_mut().memories[self.index].get_mut().data_mut();
        match offset
            .checked_add(buf.len())
            .and_then(|end| data.get_mut(offset..end))
        {
            Some(dst) => {
                dst.copy_from_slice(buf);
                Ok(())
            }
            None => bail!("out of bounds memory access"),
        }
    }
}

impl<'a, T> From<&'a mut crate::store::Store<T>> for crate::store::StoreContextMut<'a, T> {
    fn from(s: &'a mut crate::store::Store<T>) -> Self {
        crate::store::Store::as_context_mut(s)
    }
}
impl<'a, T> From<&'a mut crate::func::Caller<'_, T>> for crate::store::StoreContextMut<'a, T> {
    fn from(c: &'a mut crate::func::Caller<'_, T>) -> Self {
        crate::func::Caller::as_context_mut(c)
    }
}
impl<'a, T> From<&'a crate::func::Caller<'_, T>> for crate::store::StoreContext<'a, T> {
    fn from(c: &'a crate::func::Caller<'_, T>) -> Self {
        crate::func::Caller::as_context(c)
    }
}

/// A global of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global {
    pub(crate) store_id: StoreId,
    pub(crate) index: usize,
}

impl Global {
    /// A new global owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global> {
        let mut ctx = store.as_context_mut();
        if value.ty() != ty.content {
            bail!(
                "type mismatch: global of type {} given a {} value",
                ty.content,
                value.ty()
            );
        }
        let raw = value.to_raw(ctx.opaque())?;
        let o = ctx.opaque_mut();
        o.globals
            .push(StoreBox::Boxed(VmBox::new(vm::Global::new(ty, raw))));
        Ok(Global {
            store_id: o.id,
            index: o.globals.len() - 1,
        })
    }

    pub(crate) fn ptr(&self, store: &crate::store::StoreOpaque) -> Result<NonNull<vm::Global>> {
        store.check(self.store_id)?;
        // SAFETY: `StoreBox` pointers are never null.
        Ok(unsafe { NonNull::new_unchecked(store.globals[self.index].as_ptr()) })
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        store.as_context().opaque().globals[self.index].get().ty
    }

    /// The current value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let ctx = store.as_context();
        let o = ctx.opaque();
        let g = o.globals[self.index].get();
        Val::from_raw(&g.def.value, g.ty.content, o)
    }

    /// Sets the value (the global must be mutable).
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let ty = self.ty(&ctx);
        if ty.mutability != Mutability::Var {
            bail!("global is immutable");
        }
        if value.ty() != ty.content {
            bail!(
                "type mismatch: global of type {} given a {} value",
                ty.content,
                value.ty()
            );
        }
        let raw = value.to_raw(ctx.opaque())?;
        ctx.opaque_mut().globals[self.index].get_mut().def.value = raw;
        Ok(())
    }
}

/// A table of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    pub(crate) store_id: StoreId,
    pub(crate) index: usize,
}

impl Table {
    /// A new table owned by the store, every element set to `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table> {
        let mut ctx = store.as_context_mut();
        let init = init.to_vmref(ty.element, ctx.opaque())?;
        let o = ctx.opaque_mut();
        o.tables
            .push(StoreBox::Boxed(VmBox::new(vm::Table::new(ty, init)?)));
        Ok(Table {
            store_id: o.id,
            index: o.tables.len() - 1,
        })
    }

    pub(crate) fn ptr(&self, store: &crate::store::StoreOpaque) -> Result<NonNull<vm::Table>> {
        store.check(self.store_id)?;
        // SAFETY: `StoreBox` pointers are never null.
        Ok(unsafe { NonNull::new_unchecked(store.tables[self.index].as_ptr()) })
    }

    /// The table's type (minimum = current size).
    pub fn ty(&self, store: impl AsContext) -> TableType {
        store.as_context().opaque().tables[self.index].get().ty()
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        store.as_context().opaque().tables[self.index].get().size()
    }

    /// Element `index`, or `None` out of bounds.
    pub fn get(&self, store: impl AsContext, index: u64) -> Option<Val> {
        let ctx = store.as_context();
        let o = ctx.opaque();
        let t = o.tables[self.index].get();
        let r = t.get(index).ok()?;
        Some(Val::from_vmref(r, t.ty().element, o))
    }

    /// Sets element `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Val) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let element = self.ty(&ctx).element;
        let r = value.to_vmref(element, ctx.opaque())?;
        ctx.opaque_mut().tables[self.index]
            .get_mut()
            .set(index, r)
            .map_err(anyhow::Error::new)
    }

    /// Grows by `delta` elements set to `init`; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let mut ctx = store.as_context_mut();
        let element = self.ty(&ctx).element;
        let r = init.to_vmref(element, ctx.opaque())?;
        match ctx.opaque_mut().tables[self.index].get_mut().grow(delta, r) {
            Some(old) => Ok(old),
            None => bail!("failed to grow table by {delta} elements"),
        }
    }
}
