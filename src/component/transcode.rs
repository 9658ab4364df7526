//! Strings across the canonical ABI: the source of a string being stored (a host
//! `&str`, or code units in another component's memory), the spec's
//! `store_string_into_range` (which `realloc` calls it makes, in which order, and how it
//! transcodes between UTF-8, UTF-16 and latin1+UTF-16), and the [`StringBridge`] that
//! carries strings from one component's memory to another's without a host `String`
//! (what a fused adapter does).

use super::func::LowerContext;
use super::parse::StringEncoding;
use super::resources::trap;
use crate::vm::VMMemoryDefinition;
use anyhow::Result;
use core::cell::RefCell;
use core::ptr::NonNull;
use std::collections::VecDeque;

/// Tag bit of a `latin1+utf16` string length that says the string is UTF-16.
pub(crate) const UTF16_TAG: u32 = 1 << 31;
/// Longest string, in bytes, the canonical ABI lifts (longer ones trap); it keeps every
/// worst-case transcoded size below 4 GiB.
pub(crate) const MAX_STRING_BYTE_LENGTH: u32 = (1 << 28) - 1;

/// How a string's code units are encoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Units {
    Utf8,
    Utf16,
    Latin1,
}

/// A lifted string still in the memory it was lifted from: validated (length limit,
/// alignment, bounds, encoding), not copied.
#[derive(Copy, Clone, Debug)]
pub(crate) struct LiftedStr {
    pub(crate) memory: NonNull<VMMemoryDefinition>,
    pub(crate) ptr: u32,
    /// Code units (untagged).
    pub(crate) units: u32,
    pub(crate) encoding: Units,
    /// The side it came from uses latin1+utf16 (the spec's `src_encoding`).
    pub(crate) compact: bool,
}

impl LiftedStr {
    pub(crate) fn byte_len(&self) -> usize {
        match self.encoding {
            Units::Utf16 => 2 * self.units as usize,
            Units::Utf8 | Units::Latin1 => self.units as usize,
        }
    }
}

/// Strings lifted from one component for another, in the order lifting met them.
/// Lowering meets them in the same order (both walk values of the same type), so the
/// lifted `Val::String`s are empty placeholders and the lowering side copies each
/// string from the other memory straight into its own.
#[derive(Default)]
pub(crate) struct StringBridge(RefCell<VecDeque<LiftedStr>>);

impl StringBridge {
    pub(crate) fn push(&self, s: LiftedStr) {
        self.0.borrow_mut().push_back(s);
    }

    fn pop(&self) -> Result<LiftedStr> {
        self.0
            .borrow_mut()
            .pop_front()
            .ok_or_else(|| anyhow::anyhow!("internal error: no lifted string to lower"))
    }
}

/// Where the code units of a string being stored are.
enum SrcBytes<'a> {
    Host(&'a [u8]),
    /// Copied first: the source is the destination's own memory, which `realloc` may
    /// overwrite.
    Owned(Vec<u8>),
    Guest {
        memory: NonNull<VMMemoryDefinition>,
        ptr: u32,
        len: usize,
    },
}

impl SrcBytes<'_> {
    /// The bytes, read afresh (call again after each `realloc`: memories may move).
    fn get(&self) -> &[u8] {
        match self {
            SrcBytes::Host(b) => b,
            SrcBytes::Owned(b) => b,
            SrcBytes::Guest { memory, ptr, len } => {
                // SAFETY: the range was bounds-checked when the string was lifted and
                // memories do not shrink; the memory belongs to a live instance of the
                // store for the whole call, and is not the destination memory (that case
                // is `Owned`), so nothing writes it while the slice is in use.
                unsafe {
                    let d = memory.as_ptr();
                    if *len == 0 {
                        return &[];
                    }
                    core::slice::from_raw_parts((*d).base.add(*ptr as usize), *len)
                }
            }
        }
    }
}

/// A string to store: its code units and their encoding.
struct Src<'a> {
    bytes: SrcBytes<'a>,
    units: u32,
    encoding: Units,
    compact: bool,
}

fn invalid_utf16() -> anyhow::Error {
    trap("invalid utf-16")
}

/// Checks that `raw` holds valid code units of `encoding`, as lifting must.
pub(crate) fn validate(raw: &[u8], encoding: Units) -> Result<()> {
    match encoding {
        Units::Utf8 => match std::str::from_utf8(raw) {
            Ok(_) => Ok(()),
            Err(e) => Err(trap(e.to_string())),
        },
        Units::Utf16 => char::decode_utf16(u16s(raw))
            .try_for_each(|c| c.map(drop))
            .map_err(|e| trap(format!("invalid utf-16: {e}"))),
        Units::Latin1 => Ok(()),
    }
}

fn u16s(raw: &[u8]) -> impl Iterator<Item = u16> + '_ {
    raw.chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
}

/// Writes `u` at `dst[at..at + 2]`.
fn put_u16(dst: &mut [u8], at: usize, u: u16) {
    dst[at..at + 2].copy_from_slice(&u.to_le_bytes());
}

/// Calls `f(unit, c)` for each character `c` of `raw` (`encoding`) from code unit
/// `from` on (`unit`: where `c` starts) until `f` returns false; returns the code unit
/// it stopped at, if it stopped. A bad sequence traps.
fn scan(
    raw: &[u8],
    encoding: Units,
    from: usize,
    mut f: impl FnMut(usize, char) -> bool,
) -> Result<Option<usize>> {
    match encoding {
        Units::Utf8 => {
            let rest = std::str::from_utf8(raw.get(from..).unwrap_or_default())
                .map_err(|e| trap(e.to_string()))?;
            for (i, c) in rest.char_indices() {
                if !f(from + i, c) {
                    return Ok(Some(from + i));
                }
            }
        }
        Units::Utf16 => {
            let mut at = from;
            for c in char::decode_utf16(u16s(raw.get(2 * from..).unwrap_or_default())) {
                let c = c.map_err(|_| invalid_utf16())?;
                if !f(at, c) {
                    return Ok(Some(at));
                }
                at += c.len_utf16();
            }
        }
        Units::Latin1 => {
            for (i, &b) in raw.get(from..).unwrap_or_default().iter().enumerate() {
                if !f(from + i, char::from(b)) {
                    return Ok(Some(from + i));
                }
            }
        }
    }
    Ok(None)
}

impl LowerContext {
    /// Stores a host string (UTF-8) into this side's memory; returns pointer and
    /// (tagged) length.
    pub(crate) fn store_host_string(&mut self, s: &str) -> Result<(u32, u32)> {
        if s.len() > MAX_STRING_BYTE_LENGTH as usize {
            return Err(trap("string too large"));
        }
        self.store_string(Src {
            bytes: SrcBytes::Host(s.as_bytes()),
            units: s.len() as u32,
            encoding: Units::Utf8,
            compact: false,
        })
    }

    /// Stores a string lifted from another component's memory into this side's.
    pub(crate) fn store_lifted_string(&mut self, s: LiftedStr) -> Result<(u32, u32)> {
        let guest = SrcBytes::Guest {
            memory: s.memory,
            ptr: s.ptr,
            len: s.byte_len(),
        };
        let bytes = if Some(s.memory) == self.memory {
            SrcBytes::Owned(guest.get().to_vec())
        } else {
            guest
        };
        self.store_string(Src {
            bytes,
            units: s.units,
            encoding: s.encoding,
            compact: s.compact,
        })
    }

    /// Lowers the next string of the bridge between two components.
    pub(crate) fn store_bridged_string(
        &mut self,
        bridge: NonNull<StringBridge>,
    ) -> Result<(u32, u32)> {
        // SAFETY: the bridge lives on the frame of the adapter call that set it, which
        // outlives every lifting and lowering of that call.
        let s = unsafe { bridge.as_ref() }.pop()?;
        self.store_lifted_string(s)
    }

    /// The spec's `store_string_into_range`: the algorithm (and so the `realloc` calls)
    /// depends on the source's encoding and this side's.
    fn store_string(&mut self, src: Src<'_>) -> Result<(u32, u32)> {
        let units = src.units;
        match (self.encoding, src.encoding) {
            (StringEncoding::Utf8, Units::Utf8) => self.store_copy(&src, 1, 1),
            (StringEncoding::Utf8, Units::Utf16) => self.store_to_utf8(&src, 3 * units),
            (StringEncoding::Utf8, Units::Latin1) => self.store_to_utf8(&src, 2 * units),
            (StringEncoding::Utf16, Units::Utf8) => self.store_utf8_to_utf16(&src),
            (StringEncoding::Utf16, Units::Utf16 | Units::Latin1) => self.store_copy(&src, 2, 2),
            (StringEncoding::CompactUtf16, Units::Latin1) => self.store_copy(&src, 1, 2),
            (StringEncoding::CompactUtf16, Units::Utf16) if src.compact => {
                self.store_probably_utf16_to_latin1_or_utf16(&src)
            }
            (StringEncoding::CompactUtf16, Units::Utf8 | Units::Utf16) => {
                self.store_to_latin1_or_utf16(&src)
            }
        }
    }

    /// `store_string_copy`: same code units, or latin1 widened to UTF-16.
    fn store_copy(&mut self, src: &Src<'_>, unit_size: u32, align: u32) -> Result<(u32, u32)> {
        let len = unit_size * src.units;
        let ptr = self.realloc(0, 0, align, len, "string")?;
        let raw = src.bytes.get();
        let dst = self.dst(ptr, len)?;
        if src.encoding == Units::Latin1 && unit_size == 2 {
            for (i, &b) in raw.iter().enumerate() {
                put_u16(dst, 2 * i, u16::from(b));
            }
        } else {
            dst.copy_from_slice(raw);
        }
        Ok((ptr, src.units))
    }

    /// `store_string_to_utf8` (from UTF-16 or latin1): ASCII is copied into an
    /// allocation of one byte per code unit; at the first other character the
    /// allocation grows to the worst case, then shrinks to what it took.
    fn store_to_utf8(&mut self, src: &Src<'_>, worst: u32) -> Result<(u32, u32)> {
        let units = src.units;
        let mut ptr = self.realloc(0, 0, 1, units, "string")?;
        let dst = self.dst(ptr, units)?;
        let stop = scan(src.bytes.get(), src.encoding, 0, |i, c| {
            let ascii = c.is_ascii();
            if ascii {
                dst[i] = c as u8;
            }
            ascii
        })?;
        // ASCII characters are one code unit each: `ascii` of them were written.
        let Some(ascii) = stop else {
            return Ok((ptr, units));
        };
        ptr = self.realloc(ptr, units, 1, worst, "string")?;
        let dst = self.dst(ptr, worst)?;
        let mut len = ascii;
        scan(src.bytes.get(), src.encoding, ascii, |_, c| {
            len += c.encode_utf8(&mut dst[len..]).len();
            true
        })?;
        let len = len as u32;
        if worst > len {
            ptr = self.realloc(ptr, worst, 1, len, "string")?;
        }
        Ok((ptr, len))
    }

    /// `store_utf8_to_utf16`: the worst case (two bytes per UTF-8 byte), then shrunk.
    fn store_utf8_to_utf16(&mut self, src: &Src<'_>) -> Result<(u32, u32)> {
        let worst = 2 * src.units;
        let mut ptr = self.realloc(0, 0, 2, worst, "string")?;
        let dst = self.dst(ptr, worst)?;
        let text = std::str::from_utf8(src.bytes.get()).map_err(|e| trap(e.to_string()))?;
        let mut units = 0;
        // At most one UTF-16 unit per UTF-8 byte: `dst` has room for every unit.
        for (slot, u) in dst.chunks_exact_mut(2).zip(text.encode_utf16()) {
            slot.copy_from_slice(&u.to_le_bytes());
            units += 1;
        }
        let len = 2 * units;
        if len < worst {
            ptr = self.realloc(ptr, worst, 2, len, "string")?;
        }
        Ok((ptr, units))
    }

    /// `store_string_to_latin1_or_utf16` (from UTF-8 or UTF-16): latin1 into one byte
    /// per source code unit; at the first character beyond latin1, grow to the UTF-16
    /// worst case, widen what was written in place, and go on in UTF-16.
    fn store_to_latin1_or_utf16(&mut self, src: &Src<'_>) -> Result<(u32, u32)> {
        let units = src.units;
        let mut ptr = self.realloc(0, 0, 2, units, "string")?;
        let dst = self.dst(ptr, units)?;
        let mut latin1 = 0usize;
        let stop = scan(src.bytes.get(), src.encoding, 0, |_, c| {
            let fits = u32::from(c) < 256;
            if fits {
                dst[latin1] = c as u8;
                latin1 += 1;
            }
            fits
        })?;
        let Some(at) = stop else {
            let len = latin1 as u32;
            if len < units {
                ptr = self.realloc(ptr, units, 2, len, "string")?;
            }
            return Ok((ptr, len));
        };
        let worst = 2 * units;
        ptr = self.realloc(ptr, units, 2, worst, "string")?;
        let dst = self.dst(ptr, worst)?;
        for j in (0..latin1).rev() {
            put_u16(dst, 2 * j, u16::from(dst[j]));
        }
        // The rest in UTF-16, which takes at most two bytes per source code unit.
        let raw = src.bytes.get();
        let mut len = 2 * latin1;
        if src.encoding == Units::Utf16 {
            let rest = raw.get(2 * at..).unwrap_or_default();
            dst[len..len + rest.len()].copy_from_slice(rest);
            len += rest.len();
        } else {
            let text = std::str::from_utf8(raw.get(at..).unwrap_or_default())
                .map_err(|e| trap(e.to_string()))?;
            for (slot, u) in dst[len..].chunks_exact_mut(2).zip(text.encode_utf16()) {
                slot.copy_from_slice(&u.to_le_bytes());
                len += 2;
            }
        }
        let len = len as u32;
        if worst > len {
            ptr = self.realloc(ptr, worst, 2, len, "string")?;
        }
        Ok((ptr, (len / 2) | UTF16_TAG))
    }

    /// `store_probably_utf16_to_latin1_or_utf16` (latin1+utf16 in its UTF-16 form):
    /// copied as UTF-16; if every character turns out to be latin1, narrowed in place
    /// and shrunk.
    fn store_probably_utf16_to_latin1_or_utf16(&mut self, src: &Src<'_>) -> Result<(u32, u32)> {
        let bytes = 2 * src.units;
        let mut ptr = self.realloc(0, 0, 2, bytes, "string")?;
        let raw = src.bytes.get();
        let dst = self.dst(ptr, bytes)?;
        dst.copy_from_slice(raw);
        if u16s(raw).any(|u| u >= 256) {
            return Ok((ptr, src.units | UTF16_TAG));
        }
        for i in 0..src.units as usize {
            dst[i] = dst[2 * i];
        }
        ptr = self.realloc(ptr, bytes, 1, src.units, "string")?;
        Ok((ptr, src.units))
    }

    /// `len` bytes of this side's memory at `ptr` (checked by `realloc`).
    #[allow(
        clippy::mut_from_ref,
        reason = "guest memory is not owned by `self`; borrows are kept short"
    )]
    fn dst(&self, ptr: u32, len: u32) -> Result<&mut [u8]> {
        self.mem()?
            .get_mut(ptr as usize..ptr as usize + len as usize)
            .ok_or_else(|| trap("string content out-of-bounds"))
    }
}
