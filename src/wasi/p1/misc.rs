//! Preview-1 functions that touch no file: arguments, environment, clocks, random bytes,
//! process exit, scheduling and sockets (no socket is ever preopened, so the socket
//! functions only tell a bad descriptor from one that is not a socket).

use super::Cx;
use super::types::{Errno, Mem, WasiResult, errno};
use cap_rand::RngCore;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes NUL-terminated `items` into `buf` and a pointer to each into `ptrs`.
fn put_strings<'s>(
    mem: &mut Mem<'_>,
    items: impl Iterator<Item = &'s [&'s str]>,
    ptrs: u32,
    buf: u32,
) -> WasiResult {
    let (mut ptr, mut at) = (ptrs, buf);
    for parts in items {
        mem.put_u32(ptr, at)?;
        ptr = ptr.checked_add(4).ok_or(errno::FAULT)?;
        for part in parts {
            mem.put(at, part.as_bytes())?;
            at = at.checked_add(part.len() as u32).ok_or(errno::FAULT)?;
        }
        mem.put_u8(at, 0)?;
        at = at.checked_add(1).ok_or(errno::FAULT)?;
    }
    Ok(())
}

pub(super) fn args_get(cx: &mut Cx<'_>, argv: u32, buf: u32) -> WasiResult {
    let ctx = &*cx.ctx;
    let parts: Vec<[&str; 1]> = ctx.args.iter().map(|a| [a.as_str()]).collect();
    put_strings(&mut cx.mem, parts.iter().map(|p| &p[..]), argv, buf)
}

pub(super) fn args_sizes_get(cx: &mut Cx<'_>, argc: u32, size: u32) -> WasiResult {
    let parts: Vec<usize> = cx.ctx.args.iter().map(|a| a.len()).collect();
    put_counts(&mut cx.mem, &parts, argc, size)
}

pub(super) fn environ_get(cx: &mut Cx<'_>, environ: u32, buf: u32) -> WasiResult {
    let ctx = &*cx.ctx;
    let parts: Vec<[&str; 3]> = ctx
        .env
        .iter()
        .map(|(k, v)| [k.as_str(), "=", v.as_str()])
        .collect();
    put_strings(&mut cx.mem, parts.iter().map(|p| &p[..]), environ, buf)
}

pub(super) fn environ_sizes_get(cx: &mut Cx<'_>, count: u32, size: u32) -> WasiResult {
    let parts: Vec<usize> = cx
        .ctx
        .env
        .iter()
        .map(|(k, v)| k.len() + 1 + v.len())
        .collect();
    put_counts(&mut cx.mem, &parts, count, size)
}

/// Writes how many strings of the given lengths there are, and their size with NULs.
fn put_counts(mem: &mut Mem<'_>, lens: &[usize], count: u32, size: u32) -> WasiResult {
    let bytes: usize = lens.iter().map(|l| l + 1).sum();
    mem.put_u32(count, lens.len() as u32)?;
    mem.put_u32(size, u32::try_from(bytes).map_err(|_| errno::OVERFLOW)?)?;
    Ok(())
}

const REALTIME: u32 = 0;
const MONOTONIC: u32 = 1;

/// The time of clock `id` in nanoseconds.
pub(super) fn now(cx: &Cx<'_>, id: u32) -> Result<u64, Errno> {
    match id {
        REALTIME => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)),
        MONOTONIC => Ok(cx.ctx.start.elapsed().as_nanos() as u64),
        // The CPU-time clocks are optional in preview 1.
        2 | 3 => Err(errno::NOTSUP),
        _ => Err(errno::INVAL),
    }
}

pub(super) fn clock_res_get(cx: &mut Cx<'_>, id: u32, out: u32) -> WasiResult {
    now(cx, id)?;
    cx.mem.put_u64(out, 1)?;
    Ok(())
}

pub(super) fn clock_time_get(cx: &mut Cx<'_>, id: u32, _precision: u64, out: u32) -> WasiResult {
    let t = now(cx, id)?;
    cx.mem.put_u64(out, t)?;
    Ok(())
}

pub(super) fn random_get(cx: &mut Cx<'_>, buf: u32, len: u32) -> WasiResult {
    let bytes = cx.mem.bytes_mut(buf, len)?;
    let mut rng = cap_rand::rngs::OsRng::default(cap_rand::ambient_authority());
    rng.try_fill_bytes(bytes).map_err(|_| errno::IO)?;
    Ok(())
}

/// Deprecated in preview 1 and not offered by other engines either.
pub(super) fn proc_raise(_cx: &mut Cx<'_>, _sig: u32) -> WasiResult {
    Err(errno::NOSYS.into())
}

pub(super) fn sched_yield(_cx: &mut Cx<'_>) -> WasiResult {
    std::thread::yield_now();
    Ok(())
}

/// No socket is ever open: a known descriptor is `ENOTSOCK`, an unknown one `EBADF`.
fn no_socket(cx: &Cx<'_>, fd: u32) -> WasiResult {
    cx.ctx.table.get(fd)?;
    Err(errno::NOTSOCK.into())
}

pub(super) fn sock_accept(cx: &mut Cx<'_>, fd: u32, _flags: u32, _out: u32) -> WasiResult {
    no_socket(cx, fd)
}

pub(super) fn sock_recv(
    cx: &mut Cx<'_>,
    fd: u32,
    _iovs: u32,
    _n: u32,
    _flags: u32,
    _out_len: u32,
    _out_flags: u32,
) -> WasiResult {
    no_socket(cx, fd)
}

pub(super) fn sock_send(
    cx: &mut Cx<'_>,
    fd: u32,
    _iovs: u32,
    _n: u32,
    _flags: u32,
    _out_len: u32,
) -> WasiResult {
    no_socket(cx, fd)
}

pub(super) fn sock_shutdown(cx: &mut Cx<'_>, fd: u32, _how: u32) -> WasiResult {
    no_socket(cx, fd)
}
