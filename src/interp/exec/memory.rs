//! Memory, reference and table handlers (loads, stores, bulk memory, tables).

use super::*;

// ---------------------------------------------------------------------------------
// Memory. Narrow loads extend to 64 bits; i32 consumers read the low half.
// ---------------------------------------------------------------------------------

load!(load32, Load32, u32, 4, |v| v as u64);
load!(load64, Load64, u64, 8, |v| v);
load!(load8_s, Load8S, i8, 1, |v| v as i64 as u64);
load!(load8_u, Load8U, u8, 1, |v| v as u64);
load!(load16_s, Load16S, i16, 2, |v| v as i64 as u64);
load!(load16_u, Load16U, u16, 2, |v| v as u64);
load!(load32_s, Load32S, i32, 4, |v| v as i64 as u64);
store!(store8, Store8, u8, 1);
store!(store16, Store16, u16, 2);
store!(store32, Store32, u32, 4);
store!(store64, Store64, u64, 8);

handler!(memory_size(pc, fp, cx, mem, lim) {
    let o = op::MemorySize::decode(pc);
    wr(fp, o.dst, (cx.inst.mem0().1 / crate::vm::WASM_PAGE_SIZE) as u32);
    next!(pc.add(op::MemorySize::SIZE), fp, cx, mem, lim)
});

handler!(memory_grow(pc, fp, cx, mem, lim) {
    let o = op::MemoryGrow::decode(pc);
    let delta = rd::<u32>(fp, o.delta) as u64;
    let result = match (*cx.inst.mem0).grow(delta) {
        Some(old) => old as u32,
        None => u32::MAX,
    };
    wr(fp, o.dst, result);
    let (mem, lim) = cx.mem0();
    next!(pc.add(op::MemoryGrow::SIZE), fp, cx, mem, lim)
});

handler!(memory_fill(pc, fp, cx, mem, lim) {
    let o = op::MemoryFill::decode(pc);
    let (d, v, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.val), rd::<u32>(fp, o.len));
    if let Err(t) = Memory::fill(cx.inst.mem0, d as u64, v as u8, n as u64) {
        return trap(cx, t);
    }
    next!(pc.add(op::MemoryFill::SIZE), fp, cx, mem, lim)
});

handler!(memory_copy(pc, fp, cx, mem, lim) {
    let o = op::MemoryCopy::decode(pc);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(t) = Memory::copy(cx.inst.mem0, d as u64, cx.inst.mem0, s as u64, n as u64) {
        return trap(cx, t);
    }
    next!(pc.add(op::MemoryCopy::SIZE), fp, cx, mem, lim)
});

handler!(memory_init(pc, fp, cx, mem, lim) {
    let o = op::MemoryInit::decode(pc);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(t) = crate::vm::Instance::memory_init(cx.inst.instance, 0, o.data, d as u64, s as u64, n as u64) {
        return trap(cx, t);
    }
    next!(pc.add(op::MemoryInit::SIZE), fp, cx, mem, lim)
});

handler!(data_drop(pc, fp, cx, mem, lim) {
    let o = op::DataDrop::decode(pc);
    (*cx.inst.instance).data_drop(o.data);
    next!(pc.add(op::DataDrop::SIZE), fp, cx, mem, lim)
});

// ---------------------------------------------------------------------------------
// References and tables.
// ---------------------------------------------------------------------------------

handler!(ref_is_null(pc, fp, cx, mem, lim) {
    let o = op::RefIsNull::decode(pc);
    wr(fp, o.dst, (*slot(fp, o.a)).ptr.is_null() as u32);
    next!(pc.add(op::RefIsNull::SIZE), fp, cx, mem, lim)
});

handler!(ref_func(pc, fp, cx, mem, lim) {
    let o = op::RefFunc::decode(pc);
    let fref = *cx.inst.funcs.add(o.func as usize);
    *slot(fp, o.dst) = Slot { ptr: fref.cast() };
    next!(pc.add(op::RefFunc::SIZE), fp, cx, mem, lim)
});

handler!(table_get(pc, fp, cx, mem, lim) {
    let o = op::TableGet::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    match (*t).get(rd::<u32>(fp, o.idx) as u64) {
        Ok(r) => *slot(fp, o.dst) = Slot::from_ref(r),
        Err(e) => return trap(cx, e),
    }
    next!(pc.add(op::TableGet::SIZE), fp, cx, mem, lim)
});

handler!(table_set(pc, fp, cx, mem, lim) {
    let o = op::TableSet::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    if let Err(e) = (*t).set(rd::<u32>(fp, o.idx) as u64, VMRef((*slot(fp, o.val)).ptr)) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableSet::SIZE), fp, cx, mem, lim)
});

handler!(table_size(pc, fp, cx, mem, lim) {
    let o = op::TableSize::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    wr(fp, o.dst, (*t).size() as u32);
    next!(pc.add(op::TableSize::SIZE), fp, cx, mem, lim)
});

handler!(table_grow(pc, fp, cx, mem, lim) {
    let o = op::TableGrow::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    let init = VMRef((*slot(fp, o.init)).ptr);
    let r = match (*t).grow(rd::<u32>(fp, o.delta) as u64, init) {
        Some(old) => old as u32,
        None => u32::MAX,
    };
    wr(fp, o.dst, r);
    next!(pc.add(op::TableGrow::SIZE), fp, cx, mem, lim)
});

handler!(table_fill(pc, fp, cx, mem, lim) {
    let o = op::TableFill::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    let v = VMRef((*slot(fp, o.val)).ptr);
    if let Err(e) = Table::fill(t, rd::<u32>(fp, o.dst) as u64, v, rd::<u32>(fp, o.len) as u64) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableFill::SIZE), fp, cx, mem, lim)
});

handler!(table_copy(pc, fp, cx, mem, lim) {
    let o = op::TableCopy::decode(pc);
    let dt = *cx.inst.tables.add(o.dst_table as usize);
    let st = *cx.inst.tables.add(o.src_table as usize);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(e) = Table::copy(dt, d as u64, st, s as u64, n as u64) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableCopy::SIZE), fp, cx, mem, lim)
});

handler!(table_init(pc, fp, cx, mem, lim) {
    let o = op::TableInit::decode(pc);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(e) = crate::vm::Instance::table_init(cx.inst.instance, o.table, o.elem, d as u64, s as u64, n as u64) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableInit::SIZE), fp, cx, mem, lim)
});

handler!(elem_drop(pc, fp, cx, mem, lim) {
    let o = op::ElemDrop::decode(pc);
    (*cx.inst.instance).elem_drop(o.elem);
    next!(pc.add(op::ElemDrop::SIZE), fp, cx, mem, lim)
});
