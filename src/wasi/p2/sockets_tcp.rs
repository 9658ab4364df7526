//! `wasi:sockets/tcp` and `tcp-create-socket`: a TCP socket moves from unbound to bound,
//! then to listening or connected, each step split in `start-*` / `finish-*` as the
//! interface says; connected sockets give an input and an output stream. Also the
//! socket options TCP and UDP share.

use super::io::{InputStream, OutputStream, Pollable};
use super::sockets::{
    Network, SockResult, bind, fail, family_of, io, is_ipv6, new_socket, os, remote_ok,
    socket_addr, socket_addr_val,
};
use super::{GetCtx, code_func, func, iface, push, resource};
use crate::component::{Linker, LinkerInstance, Resource, Val};
use crate::wasi::WasiCtx;
use rustix::fd::{AsFd, BorrowedFd};
use rustix::net::sockopt;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// Where a TCP socket is in its life.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Unbound,
    BindStarted,
    Bound,
    ListenStarted,
    Listening,
    Connecting,
    Connected,
    /// A connection attempt failed, or the socket was shut down.
    Closed,
}

/// `wasi:sockets/tcp.tcp-socket`.
pub(crate) struct Tcp {
    sock: Arc<TcpStream>,
    ipv6: bool,
    state: State,
    backlog: i32,
}

type S = Resource<Tcp>;

fn tcp<'c>(ctx: &'c mut WasiCtx, s: &S) -> SockResult<&'c mut Tcp> {
    Ok(ctx.resources.get_mut(s)?)
}

fn start_bind(ctx: &mut WasiCtx, s: &S, addr: &Val) -> SockResult<()> {
    let addr = socket_addr(addr)?;
    let t = ctx.resources.get(s)?;
    if t.state != State::Unbound {
        return fail("invalid-state");
    }
    // As other engines do: a listener can be bound again to a port just released.
    os(sockopt::set_socket_reuseaddr(&*t.sock, true))?;
    bind(ctx, &*t.sock, t.ipv6, addr)?;
    tcp(ctx, s)?.state = State::BindStarted;
    Ok(())
}

fn start_connect(ctx: &mut WasiCtx, s: &S, addr: &Val) -> SockResult<()> {
    let addr = socket_addr(addr)?;
    let t = ctx.resources.get(s)?;
    if !matches!(t.state, State::Unbound | State::Bound) {
        return fail("invalid-state");
    }
    remote_ok(ctx, t.ipv6, addr)?;
    match rustix::net::connect(&*t.sock, &addr) {
        Ok(()) | Err(rustix::io::Errno::INPROGRESS) => {}
        Err(e) => return os(Err(e)),
    }
    tcp(ctx, s)?.state = State::Connecting;
    Ok(())
}

fn finish_connect(
    ctx: &mut WasiCtx,
    s: &S,
) -> SockResult<(Resource<InputStream>, Resource<OutputStream>)> {
    let t = tcp(ctx, s)?;
    if t.state != State::Connecting {
        return fail("not-in-progress");
    }
    let mut fds = [rustix::event::PollFd::new(
        &*t.sock,
        rustix::event::PollFlags::OUT,
    )];
    if os(rustix::event::poll(
        &mut fds,
        Some(&rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        }),
    ))? == 0
    {
        return fail("would-block");
    }
    if let Err(e) = os(sockopt::socket_error(&*t.sock))? {
        t.state = State::Closed;
        return os(Err(e));
    }
    t.state = State::Connected;
    let sock = t.sock.clone();
    streams(ctx, sock)
}

fn streams(
    ctx: &mut WasiCtx,
    sock: Arc<TcpStream>,
) -> SockResult<(Resource<InputStream>, Resource<OutputStream>)> {
    let i = push(ctx, InputStream::Tcp(sock.clone()))?;
    let o = push(ctx, OutputStream::Tcp(sock))?;
    Ok((i, o))
}

type Accepted = (S, Resource<InputStream>, Resource<OutputStream>);

fn accept(ctx: &mut WasiCtx, s: &S) -> SockResult<Accepted> {
    let t = ctx.resources.get(s)?;
    if t.state != State::Listening {
        return fail("invalid-state");
    }
    let ipv6 = t.ipv6;
    let flags = rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC;
    let fd = os(rustix::net::accept_with(&*t.sock, flags))?;
    let sock = Arc::new(TcpStream::from(fd));
    let new = Tcp {
        sock: sock.clone(),
        ipv6,
        state: State::Connected,
        backlog: 0,
    };
    let new = push(ctx, new)?;
    let (i, o) = streams(ctx, sock)?;
    Ok((new, i, o))
}

/// Moves a socket from `from` to `to` (a `finish-*` call); `not-in-progress` otherwise.
fn finish(ctx: &mut WasiCtx, s: &S, from: State, to: State) -> SockResult<()> {
    let t = tcp(ctx, s)?;
    if t.state != from {
        return fail("not-in-progress");
    }
    t.state = to;
    Ok(())
}

/// Defines the buffer-size and hop-limit options of a socket resource `name` (TCP's
/// `hop-limit`, UDP's `unicast-hop-limit`); `fd` finds its socket and family.
pub(super) fn options<T: 'static, R: Send + 'static>(
    i: &mut LinkerInstance<'_, T>,
    name: &str,
    hop: &str,
    get: impl GetCtx<T>,
    fd: fn(&R) -> (BorrowedFd<'_>, bool),
) -> anyhow::Result<()> {
    type Get<R> = Resource<R>;
    type GetSize = fn(BorrowedFd<'_>) -> rustix::io::Result<usize>;
    type SetSize = fn(BorrowedFd<'_>, usize) -> rustix::io::Result<()>;
    let sizes: [(&str, GetSize, SetSize); 2] = [
        (
            "receive",
            |fd| sockopt::socket_recv_buffer_size(fd),
            |fd, n| sockopt::set_socket_recv_buffer_size(fd, n),
        ),
        (
            "send",
            |fd| sockopt::socket_send_buffer_size(fd),
            |fd, n| sockopt::set_socket_send_buffer_size(fd, n),
        ),
    ];
    for (which, read, write) in sizes {
        let getter = format!("[method]{name}.{which}-buffer-size");
        code_func(i, &getter, get, move |ctx, (s,): (Get<R>,)| {
            Ok(os(read(fd(ctx.resources.get(&s)?).0))? as u64)
        })?;
        let setter = format!("[method]{name}.set-{which}-buffer-size");
        code_func(i, &setter, get, move |ctx, (s, v): (Get<R>, u64)| {
            if v == 0 {
                return fail("invalid-argument");
            }
            os(write(fd(ctx.resources.get(&s)?).0, v.min(1 << 30) as usize))
        })?;
    }
    code_func(
        i,
        &format!("[method]{name}.{hop}"),
        get,
        move |ctx, (s,): (Get<R>,)| {
            let (fd, ipv6) = fd(ctx.resources.get(&s)?);
            Ok(match ipv6 {
                true => os(sockopt::ipv6_unicast_hops(fd))?,
                false => os(sockopt::ip_ttl(fd))?.min(255) as u8,
            })
        },
    )?;
    code_func(
        i,
        &format!("[method]{name}.set-{hop}"),
        get,
        move |ctx, (s, v): (Get<R>, u8)| {
            if v == 0 {
                return fail("invalid-argument");
            }
            let (fd, ipv6) = fd(ctx.resources.get(&s)?);
            match ipv6 {
                true => os(sockopt::set_ipv6_unicast_hops(fd, Some(v))),
                false => os(sockopt::set_ip_ttl(fd, u32::from(v))),
            }
        },
    )?;
    Ok(())
}

/// Defines the keep-alive options of TCP sockets.
fn keep_alive<T: 'static>(
    i: &mut LinkerInstance<'_, T>,
    get: impl GetCtx<T>,
) -> anyhow::Result<()> {
    let sock = |ctx: &mut WasiCtx, s: &S| -> SockResult<Arc<TcpStream>> {
        Ok(ctx.resources.get(s)?.sock.clone())
    };
    code_func(
        i,
        "[method]tcp-socket.keep-alive-enabled",
        get,
        move |ctx, (s,): (S,)| os(sockopt::socket_keepalive(&*sock(ctx, &s)?)),
    )?;
    code_func(
        i,
        "[method]tcp-socket.set-keep-alive-enabled",
        get,
        move |ctx, (s, v): (S, bool)| os(sockopt::set_socket_keepalive(&*sock(ctx, &s)?, v)),
    )?;
    type GetDur = fn(BorrowedFd<'_>) -> rustix::io::Result<Duration>;
    type SetDur = fn(BorrowedFd<'_>, Duration) -> rustix::io::Result<()>;
    let durations: [(&str, GetDur, SetDur); 2] = [
        (
            "idle-time",
            |fd| sockopt::tcp_keepidle(fd),
            |fd, d| sockopt::set_tcp_keepidle(fd, d),
        ),
        (
            "interval",
            |fd| sockopt::tcp_keepintvl(fd),
            |fd, d| sockopt::set_tcp_keepintvl(fd, d),
        ),
    ];
    for (name, read, write) in durations {
        let getter = format!("[method]tcp-socket.keep-alive-{name}");
        code_func(i, &getter, get, move |ctx, (s,): (S,)| {
            let d = os(read(sock(ctx, &s)?.as_fd()))?;
            Ok(d.as_nanos().min(u64::MAX.into()) as u64)
        })?;
        let setter = format!("[method]tcp-socket.set-keep-alive-{name}");
        code_func(i, &setter, get, move |ctx, (s, v): (S, u64)| {
            if v == 0 {
                return fail("invalid-argument");
            }
            // The OS counts in whole seconds.
            let d = Duration::from_nanos(v).max(Duration::from_secs(1));
            os(write(sock(ctx, &s)?.as_fd(), d))
        })?;
    }
    code_func(
        i,
        "[method]tcp-socket.keep-alive-count",
        get,
        move |ctx, (s,): (S,)| os(sockopt::tcp_keepcnt(&*sock(ctx, &s)?)),
    )?;
    code_func(
        i,
        "[method]tcp-socket.set-keep-alive-count",
        get,
        move |ctx, (s, v): (S, u32)| {
            if v == 0 {
                return fail("invalid-argument");
            }
            os(sockopt::set_tcp_keepcnt(&*sock(ctx, &s)?, v))
        },
    )?;
    Ok(())
}

/// Defines the methods that read or change a socket's state after it is made (addresses,
/// listening, backlog, `subscribe`, `shutdown`).
fn add_state<T: 'static>(i: &mut LinkerInstance<'_, T>, get: impl GetCtx<T>) -> anyhow::Result<()> {
    code_func(
        i,
        "[method]tcp-socket.local-address",
        get,
        |ctx, (s,): (S,)| {
            let t = tcp(ctx, &s)?;
            if matches!(t.state, State::Unbound | State::BindStarted) {
                return fail("invalid-state");
            }
            Ok(socket_addr_val(io(t.sock.local_addr())?))
        },
    )?;
    code_func(
        i,
        "[method]tcp-socket.remote-address",
        get,
        |ctx, (s,): (S,)| {
            let t = tcp(ctx, &s)?;
            if t.state != State::Connected {
                return fail("invalid-state");
            }
            Ok(socket_addr_val(io(t.sock.peer_addr())?))
        },
    )?;
    func(
        i,
        "[method]tcp-socket.is-listening",
        get,
        |ctx, (s,): (S,)| Ok((ctx.resources.get(&s)?.state == State::Listening,)),
    )?;
    func(
        i,
        "[method]tcp-socket.address-family",
        get,
        |ctx, (s,): (S,)| Ok((family_of(ctx.resources.get(&s)?.ipv6),)),
    )?;
    code_func(
        i,
        "[method]tcp-socket.set-listen-backlog-size",
        get,
        |ctx, (s, v): (S, u64)| {
            let t = tcp(ctx, &s)?;
            if v == 0 {
                return fail("invalid-argument");
            }
            t.backlog = v.min(i32::MAX as u64) as i32;
            if t.state == State::Listening {
                os(rustix::net::listen(&*t.sock, t.backlog))?;
            }
            Ok(())
        },
    )?;
    Ok(())
}

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> anyhow::Result<()> {
    let mut i = iface(linker, "sockets/tcp-create-socket")?;
    resource::<T, Network>(&mut i, "network", get)?;
    resource::<T, Tcp>(&mut i, "tcp-socket", get)?;
    code_func(
        &mut i,
        "create-tcp-socket",
        get,
        |ctx, (family,): (Val,)| {
            let ipv6 = is_ipv6(&family);
            let sock = TcpStream::from(new_socket(ipv6, rustix::net::SocketType::STREAM)?);
            Ok(push(
                ctx,
                Tcp {
                    sock: Arc::new(sock),
                    ipv6,
                    state: State::Unbound,
                    backlog: 128,
                },
            )?)
        },
    )?;

    let mut i = iface(linker, "sockets/tcp")?;
    resource::<T, Network>(&mut i, "network", get)?;
    resource::<T, Pollable>(&mut i, "pollable", get)?;
    resource::<T, InputStream>(&mut i, "input-stream", get)?;
    resource::<T, OutputStream>(&mut i, "output-stream", get)?;
    resource::<T, Tcp>(&mut i, "tcp-socket", get)?;
    type Net = Resource<Network>;
    code_func(
        &mut i,
        "[method]tcp-socket.start-bind",
        get,
        |ctx, (s, _, a): (S, Net, Val)| start_bind(ctx, &s, &a),
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.finish-bind",
        get,
        |ctx, (s,): (S,)| finish(ctx, &s, State::BindStarted, State::Bound),
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.start-connect",
        get,
        |ctx, (s, _, a): (S, Net, Val)| start_connect(ctx, &s, &a),
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.finish-connect",
        get,
        |ctx, (s,): (S,)| finish_connect(ctx, &s),
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.start-listen",
        get,
        |ctx, (s,): (S,)| {
            let t = tcp(ctx, &s)?;
            if t.state != State::Bound {
                return fail("invalid-state");
            }
            os(rustix::net::listen(&*t.sock, t.backlog))?;
            t.state = State::ListenStarted;
            Ok(())
        },
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.finish-listen",
        get,
        |ctx, (s,): (S,)| finish(ctx, &s, State::ListenStarted, State::Listening),
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.accept",
        get,
        |ctx, (s,): (S,)| accept(ctx, &s),
    )?;
    add_state(&mut i, get)?;
    keep_alive(&mut i, get)?;
    options::<T, Tcp>(&mut i, "tcp-socket", "hop-limit", get, |t| {
        (t.sock.as_fd(), t.ipv6)
    })?;
    func(
        &mut i,
        "[method]tcp-socket.subscribe",
        get,
        |ctx, (s,): (S,)| {
            let t = ctx.resources.get(&s)?;
            let p = match t.state {
                State::Connecting => Pollable::Writable(t.sock.clone()),
                State::Listening => Pollable::Readable(t.sock.clone()),
                _ => Pollable::Ready,
            };
            Ok((push(ctx, p)?,))
        },
    )?;
    code_func(
        &mut i,
        "[method]tcp-socket.shutdown",
        get,
        |ctx, (s, how): (S, Val)| {
            let t = tcp(ctx, &s)?;
            if t.state != State::Connected {
                return fail("invalid-state");
            }
            let how = match &how {
                Val::Enum(h) if h == "receive" => std::net::Shutdown::Read,
                Val::Enum(h) if h == "send" => std::net::Shutdown::Write,
                _ => std::net::Shutdown::Both,
            };
            io(t.sock.shutdown(how))
        },
    )?;
    Ok(())
}
