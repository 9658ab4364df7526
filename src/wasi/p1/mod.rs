//! WASI preview 1 (`wasi_snapshot_preview1`) for core modules: [`add_to_linker`] defines
//! every function of the snapshot on a [`Linker`]. Each function is a plain Rust function
//! over a `Cx` (the guest's memory and the `WasiCtx`) in the file of its area; this file
//! only wires them to their import names.

mod fd;
mod misc;
pub(crate) mod path;
mod poll;
pub(crate) mod types;

use super::{I32Exit, WasiCtx};
use crate::{Caller, Extern, FuncType, Linker, Val, ValType};
use anyhow::Result;
use types::{Fail, Mem, WasiResult};

/// The import module name of preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// What a WASI function works on: the calling instance's memory and the WASI context.
pub(crate) struct Cx<'a> {
    pub mem: Mem<'a>,
    pub ctx: &'a mut WasiCtx,
}

/// Runs `f` on the caller's memory (its `memory` export; none reads as empty) and the
/// context `get` finds in the store's data; turns its outcome into the errno result.
fn with_cx<T, G>(
    caller: &mut Caller<'_, T>,
    get: &G,
    f: impl FnOnce(&mut Cx<'_>) -> WasiResult,
) -> Result<i32>
where
    G: Fn(&mut T) -> &mut WasiCtx,
{
    let memory = caller.get_export("memory").and_then(Extern::into_memory);
    let (ptr, len) = match memory {
        Some(m) => {
            let data = m.data_mut(&mut *caller);
            (data.as_mut_ptr(), data.len())
        }
        None => (core::ptr::NonNull::dangling().as_ptr(), 0),
    };
    // SAFETY: a memory's bytes are their own mapping, apart from the store's data `T`, so
    // this slice does not alias the `&mut WasiCtx` taken below. No wasm runs while the
    // host function does, so the memory can neither grow (move) nor be touched by the
    // guest for as long as the slice lives (this call).
    let bytes = unsafe { core::slice::from_raw_parts_mut(ptr, len) };
    let mut cx = Cx {
        mem: Mem(bytes),
        ctx: get(caller.data_mut()),
    };
    match f(&mut cx) {
        Ok(()) => Ok(0),
        Err(Fail(e)) => Ok(i32::from(e)),
    }
}

/// Defines each listed function as `MODULE::name` calling `area::name(cx, args...)`.
macro_rules! link {
    ($linker:ident, $get:ident; $($area:ident :: $name:ident ( $($arg:ident : $ty:ty),* );)*) => {$(
        $linker.func_wrap(
            MODULE,
            stringify!($name),
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<i32> {
                with_cx(&mut caller, &$get, |cx| $area::$name(cx, $($arg),*))
            },
        )?;
    )*};
}

/// Defines every `wasi_snapshot_preview1` function on `linker`; `get` finds the
/// [`WasiCtx`] in the store's data (`|state| &mut state.wasi`).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
) -> Result<()> {
    link!(linker, get;
        misc::args_get(argv: u32, buf: u32);
        misc::args_sizes_get(argc: u32, size: u32);
        misc::environ_get(environ: u32, buf: u32);
        misc::environ_sizes_get(count: u32, size: u32);
        misc::clock_res_get(id: u32, out: u32);
        misc::clock_time_get(id: u32, precision: u64, out: u32);
        misc::random_get(buf: u32, len: u32);
        misc::proc_raise(sig: u32);
        misc::sched_yield();
        misc::sock_accept(fd: u32, flags: u32, out: u32);
        misc::sock_recv(fd: u32, iovs: u32, n: u32, flags: u32, out_len: u32, out_flags: u32);
        misc::sock_send(fd: u32, iovs: u32, n: u32, flags: u32, out_len: u32);
        misc::sock_shutdown(fd: u32, how: u32);
        poll::poll_oneoff(subs: u32, events: u32, n: u32, out: u32);
        fd::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd::fd_allocate(fd: u32, offset: u64, len: u64);
        fd::fd_close(fd: u32);
        fd::fd_datasync(fd: u32);
        fd::fd_fdstat_get(fd: u32, out: u32);
        fd::fd_fdstat_set_flags(fd: u32, flags: u32);
        fd::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd::fd_filestat_get(fd: u32, out: u32);
        fd::fd_filestat_set_size(fd: u32, size: u64);
        fd::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
        fd::fd_pread(fd: u32, iovs: u32, n: u32, offset: u64, out: u32);
        fd::fd_prestat_get(fd: u32, out: u32);
        fd::fd_prestat_dir_name(fd: u32, buf: u32, len: u32);
        fd::fd_pwrite(fd: u32, iovs: u32, n: u32, offset: u64, out: u32);
        fd::fd_read(fd: u32, iovs: u32, n: u32, out: u32);
        fd::fd_readdir(fd: u32, buf: u32, len: u32, cookie: u64, out: u32);
        fd::fd_renumber(from: u32, to: u32);
        fd::fd_seek(fd: u32, offset: i64, whence: u32, out: u32);
        fd::fd_sync(fd: u32);
        fd::fd_tell(fd: u32, out: u32);
        fd::fd_write(fd: u32, iovs: u32, n: u32, out: u32);
        path::path_create_directory(fd: u32, ptr: u32, len: u32);
        path::path_filestat_get(fd: u32, flags: u32, ptr: u32, len: u32, out: u32);
        path::path_filestat_set_times(fd: u32, flags: u32, ptr: u32, len: u32, atim: u64, mtim: u64, fst: u32);
        path::path_link(fd: u32, flags: u32, ptr: u32, len: u32, to_fd: u32, to_ptr: u32, to_len: u32);
        path::path_readlink(fd: u32, ptr: u32, len: u32, buf: u32, buf_len: u32, out: u32);
        path::path_remove_directory(fd: u32, ptr: u32, len: u32);
        path::path_rename(fd: u32, ptr: u32, len: u32, to_fd: u32, to_ptr: u32, to_len: u32);
        path::path_symlink(ptr: u32, len: u32, fd: u32, to_ptr: u32, to_len: u32);
        path::path_unlink_file(fd: u32, ptr: u32, len: u32);
    );
    // `proc_exit` returns nothing: it ends the run with the `I32Exit` error.
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_: Caller<'_, T>, code: u32| -> Result<()> {
            Err(anyhow::Error::new(I32Exit(code as i32)))
        },
    )?;
    // `path_open` has nine parameters, one more than `func_wrap` takes.
    let (i32_, i64_) = (ValType::I32, ValType::I64);
    let ty = FuncType::new(
        vec![i32_, i32_, i32_, i32_, i32_, i64_, i64_, i32_, i32_],
        vec![i32_],
    );
    linker.func_new(
        MODULE,
        "path_open",
        ty,
        move |mut caller, params, results| {
            let a = |i: usize| params[i].i32().unwrap_or(0) as u32;
            let b = |i: usize| params[i].i64().unwrap_or(0) as u64;
            let open = path::PathOpen {
                fd: a(0),
                dirflags: a(1),
                path: (a(2), a(3)),
                oflags: a(4),
                base: b(5),
                fdflags: a(7),
            };
            let out = a(8);
            results[0] = Val::I32(with_cx(&mut caller, &get, |cx| {
                path::path_open(cx, &open, out)
            })?);
            Ok(())
        },
    )?;
    Ok(())
}
