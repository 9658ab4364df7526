//! `wasi:io`: `error`, `poll` (pollables that block on the OS: `poll(2)` over the
//! sockets and terminal they wait for, with the nearest clock deadline as its timeout)
//! and `streams` (input and output streams over the standard streams, files and TCP
//! connections).

use super::{GetCtx, func, iface, push, resource};
use crate::StoreContextMut;
use crate::component::{Linker, Resource, Val};
use crate::wasi::WasiCtx;
use crate::wasi::table::{Input, Kind};
use anyhow::{Result, bail};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::{Duration, Instant};
use system_interface::fs::FileIoExt;

/// `wasi:io/error.error`: what made the last stream operation fail.
pub(crate) struct IoError(pub std::io::Error);

/// Something an OS handle (socket, terminal) is waited on for.
pub(crate) type Waitable = Arc<dyn AsFd + Send + Sync>;

/// `wasi:io/poll.pollable`: what it waits for.
pub(crate) enum Pollable {
    /// Always ready (files, in-memory pipes, finished operations).
    Ready,
    /// Ready from this instant on.
    At(Instant),
    /// Ready when the handle can be read (or accepts a connection).
    Readable(Waitable),
    /// Ready when the handle can be written (or its connection is made).
    Writable(Waitable),
}

/// `wasi:io/streams.input-stream`.
pub(crate) enum InputStream {
    /// The context's standard input (descriptor 0 of its table, shared with preview 1).
    Stdin,
    /// A file, read from `pos` on.
    File {
        file: Arc<cap_std::fs::File>,
        pos: u64,
    },
    /// A TCP connection (non-blocking).
    Tcp(Arc<std::net::TcpStream>),
}

/// `wasi:io/streams.output-stream`.
pub(crate) enum OutputStream {
    /// Descriptor 1 or 2 of the context's table.
    Stdio(u32),
    /// A file, written at `pos` on (at its end when `None`).
    File {
        file: Arc<cap_std::fs::File>,
        pos: Option<u64>,
    },
    /// A TCP connection (non-blocking; writes wait until the bytes are sent).
    Tcp(Arc<std::net::TcpStream>),
}

/// How a stream operation fails (`stream-error`).
pub(crate) enum StreamError {
    /// `closed`: end of input, or the other end is gone.
    Closed,
    /// `last-operation-failed`, with the error the guest can inspect.
    Failed(std::io::Error),
}

impl From<std::io::Error> for StreamError {
    fn from(e: std::io::Error) -> StreamError {
        match e.kind() {
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset => {
                StreamError::Closed
            }
            _ => StreamError::Failed(e),
        }
    }
}

type StreamResult<X> = Result<X, StreamError>;

/// How much a guest may read or write in one call (it loops for more).
const CHUNK: u64 = 1 << 20;

/// Waits until the handle is ready for `events`, or until `deadline`; true when ready.
fn wait_fd(fd: &Waitable, events: rustix::event::PollFlags, deadline: Option<Instant>) -> bool {
    let mut fds = [rustix::event::PollFd::new(fd, events)];
    poll_fds(&mut fds, deadline);
    !fds[0].revents().is_empty()
}

/// `poll(2)` until one of `fds` is ready or `deadline` passes (`EINTR` retried).
fn poll_fds(fds: &mut [rustix::event::PollFd<'_>], deadline: Option<Instant>) {
    loop {
        let timeout = deadline.map(|d| {
            let left = d.saturating_duration_since(Instant::now());
            rustix::time::Timespec {
                tv_sec: left.as_secs().min(i64::MAX as u64) as i64,
                tv_nsec: i64::from(left.subsec_nanos()),
            }
        });
        match rustix::event::poll(fds, timeout.as_ref()) {
            Err(rustix::io::Errno::INTR) => continue,
            _ => return,
        }
    }
}

impl Pollable {
    /// True if ready now.
    fn ready(&self) -> bool {
        match self {
            Pollable::Ready => true,
            Pollable::At(t) => *t <= Instant::now(),
            Pollable::Readable(fd) => {
                wait_fd(fd, rustix::event::PollFlags::IN, Some(Instant::now()))
            }
            Pollable::Writable(fd) => {
                wait_fd(fd, rustix::event::PollFlags::OUT, Some(Instant::now()))
            }
        }
    }
}

/// Blocks until at least one of `list` is ready; their indices in `list`.
pub(crate) fn poll(list: &[&Pollable]) -> Vec<u32> {
    use rustix::event::{PollFd, PollFlags};
    loop {
        let now = Instant::now();
        let mut ready = Vec::new();
        let mut deadline: Option<Instant> = None;
        let mut fds = Vec::new();
        let mut fd_index = Vec::new();
        for (i, p) in list.iter().enumerate() {
            match p {
                Pollable::Ready => ready.push(i as u32),
                Pollable::At(t) if *t <= now => ready.push(i as u32),
                Pollable::At(t) => deadline = Some(deadline.map_or(*t, |d| d.min(*t))),
                Pollable::Readable(fd) => {
                    fds.push(PollFd::new(fd, PollFlags::IN));
                    fd_index.push(i as u32);
                }
                Pollable::Writable(fd) => {
                    fds.push(PollFd::new(fd, PollFlags::OUT));
                    fd_index.push(i as u32);
                }
            }
        }
        if !ready.is_empty() {
            // Do not wait, but report the handles that are ready too.
            deadline = Some(now);
        }
        if fds.is_empty() {
            if let Some(d) = deadline {
                std::thread::sleep(d.saturating_duration_since(now));
            }
        } else {
            poll_fds(&mut fds, deadline);
            for (fd, i) in fds.iter().zip(&fd_index) {
                if !fd.revents().is_empty() {
                    ready.push(*i);
                }
            }
        }
        if !ready.is_empty() || (fds.is_empty() && deadline.is_none()) {
            ready.sort_unstable();
            return ready;
        }
    }
}

impl InputStream {
    /// What `subscribe` waits for.
    fn pollable(&self, ctx: &WasiCtx) -> Pollable {
        match self {
            InputStream::Stdin => match ctx.table.get(0).map(|e| &e.kind) {
                Ok(Kind::Input(Input::Inherit)) => Pollable::Readable(Arc::new(std::io::stdin())),
                _ => Pollable::Ready,
            },
            InputStream::File { .. } => Pollable::Ready,
            InputStream::Tcp(s) => Pollable::Readable(s.clone()),
        }
    }
}

/// True if the host's standard input has bytes (or its end) to read now.
fn stdin_ready() -> bool {
    let stdin: Waitable = Arc::new(std::io::stdin());
    wait_fd(&stdin, rustix::event::PollFlags::IN, Some(Instant::now()))
}

/// Reads up to `len` bytes; waits for some when `blocking` (otherwise a socket or the
/// host's standard input with nothing to read gives an empty list).
fn read(
    ctx: &mut WasiCtx,
    this: &Resource<InputStream>,
    len: u64,
    blocking: bool,
) -> Result<StreamResult<Vec<u8>>> {
    let mut buf = vec![0u8; len.min(CHUNK) as usize];
    let stream = ctx.resources.get_mut(this)?;
    // `Ok(None)`: nothing to read now (and not blocking).
    let n: std::io::Result<Option<usize>> = match stream {
        InputStream::Stdin => match ctx.table.get_mut(0).map(|e| &mut e.kind) {
            Ok(Kind::Input(Input::Inherit)) if !blocking && !stdin_ready() => Ok(None),
            Ok(Kind::Input(input)) => input.read(&mut buf).map(Some),
            _ => return Ok(Err(StreamError::Closed)),
        },
        InputStream::File { file, pos } => {
            let r = file.read_at(&mut buf, *pos);
            if let Ok(n) = r {
                *pos = pos.saturating_add(n as u64);
            }
            r.map(Some)
        }
        InputStream::Tcp(s) => {
            let s: Arc<std::net::TcpStream> = s.clone();
            let w: Waitable = s.clone();
            loop {
                match (&*s).read(&mut buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if !blocking || buf.is_empty() {
                            break Ok(None);
                        }
                        wait_fd(&w, rustix::event::PollFlags::IN, None);
                    }
                    r => break r.map(Some),
                }
            }
        }
    };
    Ok(match n {
        Ok(None) => Ok(Vec::new()),
        Ok(Some(0)) if !buf.is_empty() => Err(StreamError::Closed),
        Ok(Some(n)) => {
            buf.truncate(n);
            Ok(buf)
        }
        Err(e) => Err(e.into()),
    })
}

/// Writes all of `bytes` (a socket waits until they are sent).
fn write(
    ctx: &mut WasiCtx,
    this: &Resource<OutputStream>,
    bytes: &[u8],
) -> Result<StreamResult<()>> {
    let stream = ctx.resources.get_mut(this)?;
    let r = match stream {
        OutputStream::Stdio(fd) => match ctx.table.get_mut(*fd).map(|e| &mut e.kind) {
            Ok(Kind::Output(out)) => out.write_all(&[bytes]),
            _ => return Ok(Err(StreamError::Closed)),
        },
        OutputStream::File { file, pos } => match pos {
            Some(p) => match p.checked_add(bytes.len() as u64) {
                Some(end) => {
                    let r = file.write_all_at(bytes, *p);
                    *p = end;
                    r
                }
                None => Err(std::io::Error::from_raw_os_error(
                    rustix::io::Errno::FBIG.raw_os_error(),
                )),
            },
            None => file.append_all(bytes),
        },
        OutputStream::Tcp(s) => write_socket(s, bytes),
    };
    Ok(r.map_err(StreamError::from))
}

/// Sends all of `bytes` on a non-blocking socket, waiting while its buffer is full.
fn write_socket(s: &Arc<std::net::TcpStream>, mut bytes: &[u8]) -> std::io::Result<()> {
    let w: Waitable = s.clone();
    while !bytes.is_empty() {
        match (&**s).write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                wait_fd(&w, rustix::event::PollFlags::OUT, None);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl OutputStream {
    fn pollable(&self) -> Pollable {
        match self {
            OutputStream::Tcp(s) => Pollable::Writable(s.clone()),
            _ => Pollable::Ready,
        }
    }
}

/// Turns a stream error into its `stream-error` value (a failure becomes an `error`
/// resource the guest owns).
fn stream_error<T>(
    store: &mut StoreContextMut<'_, T>,
    get: impl GetCtx<T>,
    e: StreamError,
) -> Result<Val> {
    Ok(match e {
        StreamError::Closed => Val::Variant("closed".into(), None),
        StreamError::Failed(e) => {
            let r = push(get(store.data_mut()), IoError(e))?;
            let any = r.try_into_resource_any(&mut *store)?;
            Val::Variant(
                "last-operation-failed".into(),
                Some(Box::new(Val::Resource(any))),
            )
        }
    })
}

/// Defines a stream method whose result is `result<X, stream-error>`.
fn stream_func<T: 'static, P, X>(
    inst: &mut crate::component::LinkerInstance<'_, T>,
    name: &str,
    get: impl GetCtx<T>,
    f: impl Fn(&mut WasiCtx, P) -> Result<StreamResult<X>> + Send + Sync + 'static,
) -> Result<()>
where
    P: crate::component::ComponentNamedList + crate::component::Lift + 'static,
    X: crate::component::Lower + 'static,
{
    inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, params: P| {
        let r = f(get(store.data_mut()), params)?;
        Ok((match r {
            Ok(x) => Ok(x),
            Err(e) => Err(stream_error(&mut store, get, e)?),
        },))
    })
}

/// Defines `wasi:io/error`, `wasi:io/poll` and `wasi:io/streams`.
pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> Result<()> {
    let mut i = iface(linker, "io/error")?;
    resource::<T, IoError>(&mut i, "error", get)?;
    func(
        &mut i,
        "[method]error.to-debug-string",
        get,
        |ctx, (e,): (Resource<IoError>,)| Ok((ctx.resources.get(&e)?.0.to_string(),)),
    )?;

    let mut i = iface(linker, "io/poll")?;
    resource::<T, Pollable>(&mut i, "pollable", get)?;
    func(
        &mut i,
        "[method]pollable.ready",
        get,
        |ctx, (p,): (Resource<Pollable>,)| Ok((ctx.resources.get(&p)?.ready(),)),
    )?;
    func(
        &mut i,
        "[method]pollable.block",
        get,
        |ctx, (p,): (Resource<Pollable>,)| {
            poll(&[ctx.resources.get(&p)?]);
            Ok(())
        },
    )?;
    func(
        &mut i,
        "poll",
        get,
        |ctx, (list,): (Vec<Resource<Pollable>>,)| {
            if list.is_empty() {
                bail!("`poll` needs at least one pollable");
            }
            let items = list
                .iter()
                .map(|p| ctx.resources.get(p))
                .collect::<Result<Vec<_>>>()?;
            Ok((poll(&items),))
        },
    )?;

    add_streams(linker, get)
}

/// Defines `wasi:io/streams`.
fn add_streams<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> Result<()> {
    let mut i = iface(linker, "io/streams")?;
    resource::<T, IoError>(&mut i, "error", get)?;
    resource::<T, Pollable>(&mut i, "pollable", get)?;
    resource::<T, InputStream>(&mut i, "input-stream", get)?;
    resource::<T, OutputStream>(&mut i, "output-stream", get)?;
    type In = Resource<InputStream>;
    type Out = Resource<OutputStream>;
    stream_func(
        &mut i,
        "[method]input-stream.read",
        get,
        |ctx, (s, n): (In, u64)| read(ctx, &s, n, false),
    )?;
    stream_func(
        &mut i,
        "[method]input-stream.blocking-read",
        get,
        |ctx, (s, n): (In, u64)| read(ctx, &s, n, true),
    )?;
    stream_func(
        &mut i,
        "[method]input-stream.skip",
        get,
        |ctx, (s, n): (In, u64)| Ok(read(ctx, &s, n, false)?.map(|b| b.len() as u64)),
    )?;
    stream_func(
        &mut i,
        "[method]input-stream.blocking-skip",
        get,
        |ctx, (s, n): (In, u64)| Ok(read(ctx, &s, n, true)?.map(|b| b.len() as u64)),
    )?;
    func(
        &mut i,
        "[method]input-stream.subscribe",
        get,
        |ctx, (s,): (In,)| {
            let p = ctx.resources.get(&s)?.pollable(ctx);
            Ok((push(ctx, p)?,))
        },
    )?;
    stream_func(
        &mut i,
        "[method]output-stream.check-write",
        get,
        |ctx, (s,): (Out,)| {
            ctx.resources.get(&s)?;
            Ok(Ok(CHUNK))
        },
    )?;
    stream_func(
        &mut i,
        "[method]output-stream.write",
        get,
        |ctx, (s, b): (Out, Vec<u8>)| write(ctx, &s, &b),
    )?;
    stream_func(
        &mut i,
        "[method]output-stream.blocking-write-and-flush",
        get,
        |ctx, (s, b): (Out, Vec<u8>)| write(ctx, &s, &b),
    )?;
    for name in [
        "[method]output-stream.flush",
        "[method]output-stream.blocking-flush",
    ] {
        stream_func(&mut i, name, get, |ctx, (s,): (Out,)| {
            ctx.resources.get(&s)?;
            Ok(Ok(()))
        })?;
    }
    for name in [
        "[method]output-stream.write-zeroes",
        "[method]output-stream.blocking-write-zeroes-and-flush",
    ] {
        stream_func(&mut i, name, get, |ctx, (s, n): (Out, u64)| {
            write(ctx, &s, &vec![0; n.min(CHUNK) as usize])
        })?;
    }
    for (name, blocking) in [
        ("[method]output-stream.splice", false),
        ("[method]output-stream.blocking-splice", true),
    ] {
        stream_func(
            &mut i,
            name,
            get,
            move |ctx, (out, src, n): (Out, In, u64)| {
                let bytes = match read(ctx, &src, n, blocking)? {
                    Ok(b) => b,
                    Err(e) => return Ok(Err(e)),
                };
                Ok(write(ctx, &out, &bytes)?.map(|()| bytes.len() as u64))
            },
        )?;
    }
    func(
        &mut i,
        "[method]output-stream.subscribe",
        get,
        |ctx, (s,): (Out,)| {
            let p = ctx.resources.get(&s)?.pollable();
            Ok((push(ctx, p)?,))
        },
    )?;
    Ok(())
}

/// A pollable ready `d` from now.
pub(crate) fn after(d: Duration) -> Pollable {
    match Instant::now().checked_add(d) {
        Some(t) => Pollable::At(t),
        // So far ahead it never comes: wait on nothing, forever.
        None => Pollable::At(Instant::now() + Duration::from_secs(u32::MAX.into())),
    }
}
