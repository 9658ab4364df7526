//! The canonical ABI on dynamic values: lifting core values (flat, or in linear memory)
//! to [`Val`]s and lowering `Val`s back, for every component value type, with the
//! spec's checks (bounds, alignment, `char` and discriminant validity, UTF-8/UTF-16
//! validity, string lengths, realloc results); strings are stored by `transcode`.
//!
//! Lifting is on [`LiftContext`], lowering on [`LowerContext`] (`func::options`): one
//! side of a call, a component instance (its handle table and resource bindings), a
//! memory, a `realloc` and a string encoding.

use super::func::{LiftContext, LowerContext};
use super::parse::StringEncoding;
use super::resources::{Handle, ResourceAny, trap};
use super::transcode::{LiftedStr, MAX_STRING_BYTE_LENGTH, UTF16_TAG, Units};
use super::types::Type;
use super::values::Val;
use crate::vm::ValRaw;
use crate::vm::component::{self as vmc, FLAG_MAY_LEAVE};
use anyhow::{Result, bail};

/// Where lowered flat core values go: a buffer filled in order (opaque to users).
pub struct FlatDst<'a> {
    buf: &'a mut [ValRaw],
    len: usize,
}

impl<'a> FlatDst<'a> {
    pub(crate) fn new(buf: &'a mut [ValRaw]) -> FlatDst<'a> {
        FlatDst { buf, len: 0 }
    }

    /// Appends a value (values past the end of the buffer are counted, not written:
    /// [`FlatDst::check`] reports them).
    #[inline]
    pub(crate) fn push(&mut self, v: ValRaw) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = v;
        }
        self.len += 1;
    }

    /// Values pushed so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Pads with zeros up to `n` values (unused slots of a variant's payload).
    pub(crate) fn pad_to(&mut self, n: usize) {
        while self.len < n {
            self.push(ValRaw::zero());
        }
    }

    /// Fails unless exactly `n` values were pushed.
    #[inline]
    pub(crate) fn check(&self, n: usize) -> Result<()> {
        if self.len != n || n > self.buf.len() {
            bail!(
                "internal error: lowered {} flat values, expected {n}",
                self.len
            );
        }
        Ok(())
    }
}

/// A cursor over flat core values (opaque to users).
pub struct FlatSrc<'a> {
    pub(crate) vals: &'a [ValRaw],
    pub(crate) pos: usize,
}

impl FlatSrc<'_> {
    #[inline]
    pub(crate) fn next(&mut self) -> Result<ValRaw> {
        let v = self
            .vals
            .get(self.pos)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("internal error: too few flat values"))?;
        self.pos += 1;
        Ok(v)
    }
}

/// An `f32` from its bits, with any NaN made the canonical one.
pub(crate) fn canon_f32(bits: u32) -> f32 {
    let f = f32::from_bits(bits);
    if f.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        f
    }
}

/// An `f64` from its bits, with any NaN made the canonical one.
pub(crate) fn canon_f64(bits: u64) -> f64 {
    let f = f64::from_bits(bits);
    if f.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        f
    }
}

fn char_from(u: u32) -> Result<char> {
    char::from_u32(u).ok_or_else(|| trap(format!("invalid `char` bit pattern: {u:#x}")))
}

fn bad_discriminant() -> anyhow::Error {
    trap("invalid variant discriminant")
}

impl LiftContext {
    pub(crate) fn load_bytes<const N: usize>(&self, ptr: u32) -> Result<[u8; N]> {
        let mem = self.mem()?;
        let at = ptr as usize;
        mem.get(at..at + N)
            .map(|b| b.try_into().expect("length N"))
            .ok_or_else(|| trap("out of bounds memory access"))
    }

    // ---------------------------------------------------------------- lifting

    /// Lifts a value from flat core values.
    pub(crate) fn lift_flat(&mut self, ty: &Type, src: &mut FlatSrc<'_>) -> Result<Val> {
        Ok(match ty {
            Type::Bool => Val::Bool(src.next()?.get_i32() != 0),
            Type::S8 => Val::S8(src.next()?.get_i32() as i8),
            Type::U8 => Val::U8(src.next()?.get_i32() as u8),
            Type::S16 => Val::S16(src.next()?.get_i32() as i16),
            Type::U16 => Val::U16(src.next()?.get_i32() as u16),
            Type::S32 => Val::S32(src.next()?.get_i32()),
            Type::U32 => Val::U32(src.next()?.get_i32() as u32),
            Type::S64 => Val::S64(src.next()?.get_i64()),
            Type::U64 => Val::U64(src.next()?.get_i64() as u64),
            Type::Float32 => Val::Float32(canon_f32(src.next()?.get_f32())),
            Type::Float64 => Val::Float64(canon_f64(src.next()?.get_f64())),
            Type::Char => Val::Char(char_from(src.next()?.get_i32() as u32)?),
            Type::String => {
                let ptr = src.next()?.get_i32() as u32;
                let len = src.next()?.get_i32() as u32;
                self.lift_string_val(ptr, len)?
            }
            Type::List(t) => {
                let ptr = src.next()?.get_i32() as u32;
                let len = src.next()?.get_i32() as u32;
                Val::List(self.lift_list(&t.elem, ptr, len)?)
            }
            Type::Map(t) => {
                let ptr = src.next()?.get_i32() as u32;
                let len = src.next()?.get_i32() as u32;
                Val::Map(map_entries(self.lift_list(&t.entry, ptr, len)?))
            }
            Type::FixedList(t) => {
                let mut items = Vec::with_capacity(t.len as usize);
                for _ in 0..t.len {
                    items.push(self.lift_flat(&t.elem, src)?);
                }
                Val::List(items)
            }
            Type::Record(t) => Val::Record(
                t.fields
                    .iter()
                    .map(|f| Ok((f.name.clone(), self.lift_flat(&f.ty, src)?)))
                    .collect::<Result<_>>()?,
            ),
            Type::Tuple(t) => Val::Tuple(
                t.elems
                    .iter()
                    .map(|f| self.lift_flat(&f.ty, src))
                    .collect::<Result<_>>()?,
            ),
            Type::Flags(t) => {
                let words = t.names.len().div_ceil(32);
                let mut set = Vec::new();
                for w in 0..words {
                    let bits = src.next()?.get_i32() as u32;
                    for b in 0..32 {
                        let i = w * 32 + b;
                        if i < t.names.len() && bits & (1 << b) != 0 {
                            set.push(t.names[i].clone());
                        }
                    }
                }
                Val::Flags(set)
            }
            Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_) => {
                let payload_slots = ty.flat_count() - 1;
                let disc = src.next()?.get_i32() as u32;
                let start = src.pos;
                let v = self.lift_case(ty, disc, |cx, t| cx.lift_flat(t, src))?;
                src.pos = start + payload_slots;
                v
            }
            Type::Own(key) => {
                let i = src.next()?.get_i32() as u32;
                self.lift_own(*key, i)?
            }
            Type::Borrow(key) => {
                let i = src.next()?.get_i32() as u32;
                self.lift_borrow(*key, i)?
            }
            Type::Unsupported(what) => bail!("unsupported: `{what}` values"),
        })
    }

    /// Builds the value of case `disc` of a sum type, lifting its payload with `payload`.
    fn lift_case(
        &mut self,
        ty: &Type,
        disc: u32,
        mut payload: impl FnMut(&mut Self, &Type) -> Result<Val>,
    ) -> Result<Val> {
        let mut some = |cx: &mut Self, t: &Option<Type>| -> Result<Option<Box<Val>>> {
            match t {
                Some(t) => Ok(Some(Box::new(payload(cx, t)?))),
                None => Ok(None),
            }
        };
        Ok(match ty {
            Type::Variant(t) => {
                let case = t.cases.get(disc as usize).ok_or_else(bad_discriminant)?;
                Val::Variant(case.name.clone(), some(self, &case.ty)?)
            }
            Type::Enum(t) => Val::Enum(
                t.names
                    .get(disc as usize)
                    .ok_or_else(bad_discriminant)?
                    .clone(),
            ),
            Type::Option(t) => match disc {
                0 => Val::Option(None),
                1 => Val::Option(some(self, &Some(t.ty.clone()))?),
                _ => return Err(bad_discriminant()),
            },
            Type::Result(t) => match disc {
                0 => Val::Result(Ok(some(self, &t.ok)?)),
                1 => Val::Result(Err(some(self, &t.err)?)),
                _ => return Err(bad_discriminant()),
            },
            _ => unreachable!("not a sum type"),
        })
    }

    /// Lifts a value stored at `ptr` (already checked for bounds and alignment).
    pub(crate) fn load(&mut self, ty: &Type, ptr: u32) -> Result<Val> {
        Ok(match ty {
            Type::Bool => Val::Bool(self.load_bytes::<1>(ptr)?[0] != 0),
            Type::S8 => Val::S8(self.load_bytes::<1>(ptr)?[0] as i8),
            Type::U8 => Val::U8(self.load_bytes::<1>(ptr)?[0]),
            Type::S16 => Val::S16(i16::from_le_bytes(self.load_bytes(ptr)?)),
            Type::U16 => Val::U16(u16::from_le_bytes(self.load_bytes(ptr)?)),
            Type::S32 => Val::S32(i32::from_le_bytes(self.load_bytes(ptr)?)),
            Type::U32 => Val::U32(u32::from_le_bytes(self.load_bytes(ptr)?)),
            Type::S64 => Val::S64(i64::from_le_bytes(self.load_bytes(ptr)?)),
            Type::U64 => Val::U64(u64::from_le_bytes(self.load_bytes(ptr)?)),
            Type::Float32 => Val::Float32(canon_f32(u32::from_le_bytes(self.load_bytes(ptr)?))),
            Type::Float64 => Val::Float64(canon_f64(u64::from_le_bytes(self.load_bytes(ptr)?))),
            Type::Char => Val::Char(char_from(u32::from_le_bytes(self.load_bytes(ptr)?))?),
            Type::String => {
                let p = u32::from_le_bytes(self.load_bytes(ptr)?);
                let len = u32::from_le_bytes(self.load_bytes(ptr + 4)?);
                self.lift_string_val(p, len)?
            }
            Type::List(t) => {
                let p = u32::from_le_bytes(self.load_bytes(ptr)?);
                let len = u32::from_le_bytes(self.load_bytes(ptr + 4)?);
                Val::List(self.lift_list(&t.elem, p, len)?)
            }
            Type::Map(t) => {
                let p = u32::from_le_bytes(self.load_bytes(ptr)?);
                let len = u32::from_le_bytes(self.load_bytes(ptr + 4)?);
                Val::Map(map_entries(self.lift_list(&t.entry, p, len)?))
            }
            Type::FixedList(t) => {
                let size = t.elem.size();
                let mut items = Vec::with_capacity(t.len as usize);
                for i in 0..t.len {
                    items.push(self.load(&t.elem, ptr + i * size)?);
                }
                Val::List(items)
            }
            Type::Record(t) => Val::Record(
                t.fields
                    .iter()
                    .map(|f| Ok((f.name.clone(), self.load(&f.ty, ptr + f.offset)?)))
                    .collect::<Result<_>>()?,
            ),
            Type::Tuple(t) => Val::Tuple(
                t.elems
                    .iter()
                    .map(|f| self.load(&f.ty, ptr + f.offset))
                    .collect::<Result<_>>()?,
            ),
            Type::Flags(t) => {
                let size = ty.size();
                let mut set = Vec::new();
                let mut bits = vec![0u8; size as usize];
                let mem = self.mem()?;
                bits.copy_from_slice(
                    mem.get(ptr as usize..(ptr + size) as usize)
                        .ok_or_else(|| trap("out of bounds memory access"))?,
                );
                for (i, name) in t.names.iter().enumerate() {
                    if bits[i / 8] & (1 << (i % 8)) != 0 {
                        set.push(name.clone());
                    }
                }
                Val::Flags(set)
            }
            Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_) => {
                let info = ty.variant_layout().expect("sum type");
                let disc = match info.disc_size {
                    1 => u32::from(self.load_bytes::<1>(ptr)?[0]),
                    2 => u32::from(u16::from_le_bytes(self.load_bytes(ptr)?)),
                    _ => u32::from_le_bytes(self.load_bytes(ptr)?),
                };
                let at = ptr + info.payload_offset;
                self.lift_case(ty, disc, |cx, t| cx.load(t, at))?
            }
            Type::Own(key) => {
                let i = u32::from_le_bytes(self.load_bytes(ptr)?);
                self.lift_own(*key, i)?
            }
            Type::Borrow(key) => {
                let i = u32::from_le_bytes(self.load_bytes(ptr)?);
                self.lift_borrow(*key, i)?
            }
            Type::Unsupported(what) => bail!("unsupported: `{what}` values"),
        })
    }

    /// The code units and encoding of the string at `ptr` with `len` code units (tagged
    /// for `latin1+utf16`), with the checks of the spec's `load_string_from_range` but
    /// the encoding's (length limit, alignment, bounds).
    fn string_range(&self, ptr: u32, len: u32) -> Result<(u32, Units)> {
        let (units, encoding) = match self.encoding {
            StringEncoding::Utf8 => (len, Units::Utf8),
            StringEncoding::Utf16 => (len, Units::Utf16),
            StringEncoding::CompactUtf16 if len & UTF16_TAG != 0 => (len ^ UTF16_TAG, Units::Utf16),
            StringEncoding::CompactUtf16 => (len, Units::Latin1),
        };
        let bytes = match encoding {
            Units::Utf16 => 2 * u64::from(units),
            Units::Utf8 | Units::Latin1 => u64::from(units),
        };
        if bytes > u64::from(MAX_STRING_BYTE_LENGTH) {
            return Err(trap(
                "string byte length exceeds the maximum of (1 << 28) - 1",
            ));
        }
        if self.encoding != StringEncoding::Utf8 && !ptr.is_multiple_of(2) {
            return Err(trap("unaligned pointer"));
        }
        self.check_range(ptr, bytes, "string")?;
        Ok((units, encoding))
    }

    /// Checks the string at `ptr` with `len` code units (tagged for `latin1+utf16`) as
    /// lifting does, encoding included, without copying it.
    pub(crate) fn lift_string_src(&self, ptr: u32, len: u32) -> Result<LiftedStr> {
        let (units, encoding) = self.string_range(ptr, len)?;
        let Some(memory) = self.memory else {
            bail!("canonical option `memory` is required for this type")
        };
        let s = LiftedStr {
            memory,
            ptr,
            units,
            encoding,
            compact: self.encoding == StringEncoding::CompactUtf16,
        };
        let mem = self.mem()?;
        super::transcode::validate(&mem[ptr as usize..][..s.byte_len()], encoding)?;
        Ok(s)
    }

    /// Lifts a string at `ptr` with `len` code units (tagged for `latin1+utf16`) into a
    /// host `String` (decoding checks the encoding).
    pub(crate) fn lift_string(&mut self, ptr: u32, len: u32) -> Result<String> {
        let (units, encoding) = self.string_range(ptr, len)?;
        let raw = &self.mem()?[ptr as usize..];
        Ok(match encoding {
            Units::Utf8 => std::str::from_utf8(&raw[..units as usize])
                .map_err(|e| trap(e.to_string()))?
                .to_owned(),
            Units::Utf16 => char::decode_utf16(
                raw[..2 * units as usize]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            )
            .collect::<Result<String, _>>()
            .map_err(|e| trap(format!("invalid utf-16: {e}")))?,
            Units::Latin1 => raw[..units as usize]
                .iter()
                .map(|&b| char::from(b))
                .collect(),
        })
    }

    /// Lifts a string as a `Val`: between two components, an empty placeholder whose
    /// contents wait in the bridge (lowered straight from this memory).
    fn lift_string_val(&mut self, ptr: u32, len: u32) -> Result<Val> {
        match self.bridge {
            Some(bridge) => {
                let s = self.lift_string_src(ptr, len)?;
                // SAFETY: the bridge outlives the adapter call that set it.
                unsafe { bridge.as_ref() }.push(s);
                Ok(Val::String(String::new()))
            }
            None => Ok(Val::String(self.lift_string(ptr, len)?)),
        }
    }

    pub(crate) fn lift_list(&mut self, elem: &Type, ptr: u32, len: u32) -> Result<Vec<Val>> {
        let (size, align) = elem.size_align();
        if !ptr.is_multiple_of(align) {
            return Err(trap("unaligned pointer"));
        }
        self.check_range(ptr, u64::from(len) * u64::from(size), "list")?;
        let mut items = Vec::with_capacity(len.min(1 << 16) as usize);
        for i in 0..len {
            items.push(self.load(elem, ptr + i * size)?);
        }
        Ok(items)
    }

    pub(crate) fn lift_own(&mut self, key: super::types::ResourceKey, i: u32) -> Result<Val> {
        let inst = self.instance;
        let store = self.opaque_mut();
        let c = &mut store.components;
        let ty = c.instance(inst).resource(key)?;
        let h = c.instance_mut(inst).handles.take_own(i, ty)?;
        let index = c.host_handles.add(Handle::own(ty, h.rep))?;
        Ok(Val::Resource(ResourceAny {
            store: store.id,
            index,
            ty,
            own: true,
        }))
    }

    pub(crate) fn lift_borrow(&mut self, key: super::types::ResourceKey, i: u32) -> Result<Val> {
        let inst = self.instance;
        let scope = self.scope;
        let store = self.opaque_mut();
        let c = &mut store.components;
        let ty = c.instance(inst).resource(key)?;
        let h = c.instance(inst).handles.get_typed(i, ty)?;
        let rep = h.rep;
        if h.is_own() {
            c.instance_mut(inst).handles.get_mut(i)?.lends += 1;
            c.scopes[scope].lenders.push((inst, i));
        }
        // The host's view of the borrow lives until the call returns.
        let index = c.host_handles.add(Handle {
            ty,
            rep,
            borrow_scope: Some(scope),
            lends: 0,
        })?;
        c.scopes[scope].host_borrows.push(index);
        Ok(Val::Resource(ResourceAny {
            store: store.id,
            index,
            ty,
            own: false,
        }))
    }
}

impl LowerContext {
    pub(crate) fn store_bytes(&self, ptr: u32, bytes: &[u8]) -> Result<()> {
        let mem = self.mem()?;
        let at = ptr as usize;
        mem.get_mut(at..at + bytes.len())
            .ok_or_else(|| trap("out of bounds memory access"))?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// Calls `realloc` and checks its result; `what` names the value for messages.
    pub(crate) fn realloc(
        &mut self,
        old: u32,
        old_size: u32,
        align: u32,
        size: u32,
        what: &str,
    ) -> Result<u32> {
        let Some(f) = self.realloc else {
            bail!("canonical option `realloc` is required for this type")
        };
        let mut buf = [
            ValRaw::i32(old as i32),
            ValRaw::i32(old_size as i32),
            ValRaw::i32(align as i32),
            ValRaw::i32(size as i32),
        ];
        // Lowering runs with the instance's may-leave clear (the spec's
        // `lower_flat_values`): `realloc` may not call out of its component.
        let vmctx = self
            .opaque()
            .components
            .instance(self.instance)
            .vmctx
            .as_ptr();
        // SAFETY: the instance's context lives as long as the store.
        let may_leave = unsafe { vmc::flags(vmctx) } & FLAG_MAY_LEAVE != 0;
        // SAFETY: as above.
        unsafe { vmc::set_flag(vmctx, FLAG_MAY_LEAVE, false) };
        let called = crate::func::invoke(self.store, f, &mut buf);
        // SAFETY: as above.
        unsafe { vmc::set_flag(vmctx, FLAG_MAY_LEAVE, may_leave) };
        called?;
        let ptr = buf[0].get_i32() as u32;
        if !ptr.is_multiple_of(align) {
            return Err(trap(if self.adapter {
                "unaligned pointer"
            } else {
                "realloc return: result not aligned"
            }));
        }
        if u64::from(ptr) + u64::from(size) > self.mem()?.len() as u64 {
            return Err(trap(match (what, self.adapter) {
                ("string", true) => "string content out-of-bounds",
                ("list", true) => "list content out-of-bounds",
                (_, true) => "pointer out of bounds of memory",
                (_, false) => "realloc return: beyond end of memory",
            }));
        }
        Ok(ptr)
    }

    /// Lowers `val` into flat core values.
    pub(crate) fn lower_flat(&mut self, ty: &Type, val: &Val, out: &mut FlatDst<'_>) -> Result<()> {
        match (ty, val) {
            (Type::Bool, Val::Bool(b)) => out.push(ValRaw::i32(*b as i32)),
            (Type::S8, Val::S8(v)) => out.push(ValRaw::i32(i32::from(*v))),
            (Type::U8, Val::U8(v)) => out.push(ValRaw::i32(i32::from(*v))),
            (Type::S16, Val::S16(v)) => out.push(ValRaw::i32(i32::from(*v))),
            (Type::U16, Val::U16(v)) => out.push(ValRaw::i32(i32::from(*v))),
            (Type::S32, Val::S32(v)) => out.push(ValRaw::i32(*v)),
            (Type::U32, Val::U32(v)) => out.push(ValRaw::i32(*v as i32)),
            (Type::S64, Val::S64(v)) => out.push(ValRaw::i64(*v)),
            (Type::U64, Val::U64(v)) => out.push(ValRaw::i64(*v as i64)),
            (Type::Float32, Val::Float32(v)) => {
                out.push(ValRaw::f32(canon_f32(v.to_bits()).to_bits()))
            }
            (Type::Float64, Val::Float64(v)) => {
                out.push(ValRaw::f64(canon_f64(v.to_bits()).to_bits()))
            }
            (Type::Char, Val::Char(c)) => out.push(ValRaw::i32(*c as i32)),
            (Type::String, Val::String(s)) => {
                let (ptr, len) = self.lower_string(s)?;
                out.push(ValRaw::i32(ptr as i32));
                out.push(ValRaw::i32(len as i32));
            }
            (Type::List(t), Val::List(items)) => {
                let (ptr, len) = self.lower_list(&t.elem, items)?;
                out.push(ValRaw::i32(ptr as i32));
                out.push(ValRaw::i32(len as i32));
            }
            (Type::Map(t), Val::Map(entries)) => {
                let (ptr, len) = self.lower_list(&t.entry, &map_tuples(entries))?;
                out.push(ValRaw::i32(ptr as i32));
                out.push(ValRaw::i32(len as i32));
            }
            (Type::FixedList(t), Val::List(items)) => {
                if items.len() != t.len as usize {
                    bail!("expected {} list elements, found {}", t.len, items.len());
                }
                for v in items {
                    self.lower_flat(&t.elem, v, out)?;
                }
            }
            (Type::Record(t), Val::Record(fields)) => {
                if fields.len() != t.fields.len() {
                    bail!("type mismatch: expected {ty}");
                }
                for (f, (_, v)) in t.fields.iter().zip(fields) {
                    self.lower_flat(&f.ty, v, out)?;
                }
            }
            (Type::Tuple(t), Val::Tuple(items)) => {
                if items.len() != t.elems.len() {
                    bail!("type mismatch: expected {ty}");
                }
                for (e, v) in t.elems.iter().zip(items) {
                    self.lower_flat(&e.ty, v, out)?;
                }
            }
            (Type::Flags(t), Val::Flags(names)) => {
                let mut words = vec![0u32; t.names.len().div_ceil(32)];
                for n in names {
                    let i = flag_index(t, n)?;
                    words[i / 32] |= 1 << (i % 32);
                }
                for w in words {
                    out.push(ValRaw::i32(w as i32));
                }
            }
            (Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_), _) => {
                let (disc, payload) = case_of(ty, val)?;
                let slots = ty.flat_count() - 1;
                out.push(ValRaw::i32(disc as i32));
                let start = out.len();
                if let Some((t, v)) = payload {
                    self.lower_flat(t, v, out)?;
                }
                out.pad_to(start + slots);
            }
            (Type::Own(key), Val::Resource(r)) => {
                let i = self.lower_own(*key, r)?;
                out.push(ValRaw::i32(i as i32));
            }
            (Type::Borrow(key), Val::Resource(r)) => {
                let i = self.lower_borrow(*key, r)?;
                out.push(ValRaw::i32(i as i32));
            }
            _ => bail!("type mismatch: expected {ty}, found a {} value", val.kind()),
        }
        Ok(())
    }

    /// Stores `val` at `ptr` (already checked for bounds and alignment).
    pub(crate) fn store(&mut self, ty: &Type, val: &Val, ptr: u32) -> Result<()> {
        match (ty, val) {
            (Type::Bool, Val::Bool(b)) => self.store_bytes(ptr, &[*b as u8])?,
            (Type::S8, Val::S8(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::U8, Val::U8(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::S16, Val::S16(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::U16, Val::U16(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::S32, Val::S32(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::U32, Val::U32(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::S64, Val::S64(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::U64, Val::U64(v)) => self.store_bytes(ptr, &v.to_le_bytes())?,
            (Type::Float32, Val::Float32(v)) => {
                self.store_bytes(ptr, &canon_f32(v.to_bits()).to_bits().to_le_bytes())?
            }
            (Type::Float64, Val::Float64(v)) => {
                self.store_bytes(ptr, &canon_f64(v.to_bits()).to_bits().to_le_bytes())?
            }
            (Type::Char, Val::Char(c)) => self.store_bytes(ptr, &(*c as u32).to_le_bytes())?,
            (Type::String, Val::String(s)) => {
                let (p, len) = self.lower_string(s)?;
                self.store_bytes(ptr, &p.to_le_bytes())?;
                self.store_bytes(ptr + 4, &len.to_le_bytes())?;
            }
            (Type::List(t), Val::List(items)) => {
                let (p, len) = self.lower_list(&t.elem, items)?;
                self.store_bytes(ptr, &p.to_le_bytes())?;
                self.store_bytes(ptr + 4, &len.to_le_bytes())?;
            }
            (Type::Map(t), Val::Map(entries)) => {
                let (p, len) = self.lower_list(&t.entry, &map_tuples(entries))?;
                self.store_bytes(ptr, &p.to_le_bytes())?;
                self.store_bytes(ptr + 4, &len.to_le_bytes())?;
            }
            (Type::FixedList(t), Val::List(items)) => {
                if items.len() != t.len as usize {
                    bail!("expected {} list elements, found {}", t.len, items.len());
                }
                let size = t.elem.size();
                for (i, v) in items.iter().enumerate() {
                    self.store(&t.elem, v, ptr + i as u32 * size)?;
                }
            }
            (Type::Record(t), Val::Record(fields)) => {
                if fields.len() != t.fields.len() {
                    bail!("type mismatch: expected {ty}");
                }
                for (f, (_, v)) in t.fields.iter().zip(fields) {
                    self.store(&f.ty, v, ptr + f.offset)?;
                }
            }
            (Type::Tuple(t), Val::Tuple(items)) => {
                if items.len() != t.elems.len() {
                    bail!("type mismatch: expected {ty}");
                }
                for (e, v) in t.elems.iter().zip(items) {
                    self.store(&e.ty, v, ptr + e.offset)?;
                }
            }
            (Type::Flags(t), Val::Flags(names)) => {
                let mut bytes = vec![0u8; ty.size() as usize];
                for n in names {
                    let i = flag_index(t, n)?;
                    bytes[i / 8] |= 1 << (i % 8);
                }
                self.store_bytes(ptr, &bytes)?;
            }
            (Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_), _) => {
                let info = ty.variant_layout().expect("sum type");
                let (disc, payload) = case_of(ty, val)?;
                match info.disc_size {
                    1 => self.store_bytes(ptr, &[disc as u8])?,
                    2 => self.store_bytes(ptr, &(disc as u16).to_le_bytes())?,
                    _ => self.store_bytes(ptr, &disc.to_le_bytes())?,
                }
                if let Some((t, v)) = payload {
                    self.store(t, v, ptr + info.payload_offset)?;
                }
            }
            (Type::Own(key), Val::Resource(r)) => {
                let i = self.lower_own(*key, r)?;
                self.store_bytes(ptr, &i.to_le_bytes())?;
            }
            (Type::Borrow(key), Val::Resource(r)) => {
                let i = self.lower_borrow(*key, r)?;
                self.store_bytes(ptr, &i.to_le_bytes())?;
            }
            _ => bail!("type mismatch: expected {ty}, found a {} value", val.kind()),
        }
        Ok(())
    }

    pub(crate) fn lower_list(&mut self, elem: &Type, items: &[Val]) -> Result<(u32, u32)> {
        let (size, align) = elem.size_align();
        let bytes = u64::from(size) * items.len() as u64;
        if bytes > u64::from(u32::MAX) {
            return Err(trap("list too large"));
        }
        let ptr = self.realloc(0, 0, align, bytes as u32, "list")?;
        for (i, v) in items.iter().enumerate() {
            self.store(elem, v, ptr + i as u32 * size)?;
        }
        Ok((ptr, items.len() as u32))
    }

    /// Writes a string into memory in this side's encoding; returns pointer and
    /// (tagged) length. Between two components `s` is a placeholder and the string
    /// comes from the bridge, straight from the other side's memory.
    pub(crate) fn lower_string(&mut self, s: &str) -> Result<(u32, u32)> {
        match self.bridge {
            Some(bridge) => self.store_bridged_string(bridge),
            None => self.store_host_string(s),
        }
    }

    pub(crate) fn take_host_handle(&mut self, r: &ResourceAny, own: bool) -> Result<Handle> {
        let store = self.opaque_mut();
        if r.store != store.id {
            bail!("resource used with the wrong store");
        }
        let c = &mut store.components;
        if own {
            if !r.own {
                bail!("cannot pass a borrowed resource where an owned one is expected");
            }
            let h = c.host_handles.get(r.index)?;
            if h.ty != r.ty || !h.is_own() {
                bail!("resource was already consumed");
            }
            if h.lends != 0 {
                return Err(trap("cannot remove owned resource while borrowed"));
            }
            c.host_handles.remove(r.index)
        } else {
            let h = c.host_handles.get(r.index)?;
            if h.ty != r.ty {
                bail!("resource was already consumed");
            }
            Ok(h.clone())
        }
    }

    /// The run-time type of `key` here, which the host's resource `r` must have.
    fn resource_for(
        &self,
        key: super::types::ResourceKey,
        r: &ResourceAny,
    ) -> Result<super::ResourceType> {
        let ty = self
            .opaque()
            .components
            .instance(self.instance)
            .resource(key)?;
        if r.ty != ty {
            bail!("resource type mismatch: expected {ty:?}, found {:?}", r.ty);
        }
        Ok(ty)
    }

    pub(crate) fn lower_own(
        &mut self,
        key: super::types::ResourceKey,
        r: &ResourceAny,
    ) -> Result<u32> {
        let inst = self.instance;
        let ty = self.resource_for(key, r)?;
        let h = self.take_host_handle(r, true)?;
        let c = &mut self.opaque_mut().components;
        c.instance_mut(inst).handles.add(Handle::own(ty, h.rep))
    }

    pub(crate) fn lower_borrow(
        &mut self,
        key: super::types::ResourceKey,
        r: &ResourceAny,
    ) -> Result<u32> {
        let inst = self.instance;
        let ty = self.resource_for(key, r)?;
        let h = self.take_host_handle(r, false)?;
        let scope = self.scope;
        let c = &mut self.opaque_mut().components;
        // The defining instance sees its own representation, not a handle.
        if let Some(g) = ty.guest_index()
            && c.guest_resource(g).instance == inst
        {
            return Ok(h.rep);
        }
        if r.own {
            // Lending an owned host handle for the duration of the call.
            c.host_handles.get_mut(r.index)?.lends += 1;
            c.scopes[scope].host_lends.push(r.index);
        }
        c.scopes[scope].borrows += 1;
        c.instance_mut(inst).handles.add(Handle {
            ty,
            rep: h.rep,
            borrow_scope: Some(scope),
            lends: 0,
        })
    }
}

/// Map entries from the `tuple<K, V>` list they travel as.
fn map_entries(items: Vec<Val>) -> Vec<(Val, Val)> {
    items
        .into_iter()
        .map(|e| match e {
            Val::Tuple(mut kv) if kv.len() == 2 => {
                let v = kv.pop().expect("two elements");
                let k = kv.pop().expect("two elements");
                (k, v)
            }
            _ => unreachable!("map entries lift as pairs"),
        })
        .collect()
}

/// The `tuple<K, V>` list a map travels as.
fn map_tuples(entries: &[(Val, Val)]) -> Vec<Val> {
    entries
        .iter()
        .map(|(k, v)| Val::Tuple(vec![k.clone(), v.clone()]))
        .collect()
}

fn flag_index(t: &super::types::FlagsType, name: &str) -> Result<usize> {
    t.names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| anyhow::anyhow!("unknown flag `{name}`"))
}

/// The discriminant and payload of a value of a sum type.
fn case_of<'a>(ty: &'a Type, val: &'a Val) -> Result<(u32, Option<(&'a Type, &'a Val)>)> {
    let mismatch = || anyhow::anyhow!("type mismatch: expected {ty}, found a {} value", val.kind());
    let payload = |t: Option<&'a Type>,
                   v: &'a Option<Box<Val>>,
                   what: &str|
     -> Result<Option<(&'a Type, &'a Val)>> {
        match (t, v) {
            (Some(t), Some(v)) => Ok(Some((t, v))),
            (None, None) => Ok(None),
            (Some(_), None) => bail!("{what} needs a payload"),
            (None, Some(_)) => bail!("{what} has no payload"),
        }
    };
    Ok(match (ty, val) {
        (Type::Variant(t), Val::Variant(name, v)) => {
            let i = t
                .cases
                .iter()
                .position(|c| c.name == *name)
                .ok_or_else(|| anyhow::anyhow!("unknown variant case `{name}`"))?;
            (i as u32, payload(t.cases[i].ty.as_ref(), v, name)?)
        }
        (Type::Enum(t), Val::Enum(name)) => {
            let i = t
                .names
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| anyhow::anyhow!("unknown enum case `{name}`"))?;
            (i as u32, None)
        }
        (Type::Option(t), Val::Option(v)) => match v {
            None => (0, None),
            Some(v) => (1, Some((&t.ty, &**v))),
        },
        (Type::Result(t), Val::Result(r)) => match r {
            Ok(v) => (0, payload(t.ok.as_ref(), v, "ok")?),
            Err(v) => (1, payload(t.err.as_ref(), v, "error")?),
        },
        _ => return Err(mismatch()),
    })
}
