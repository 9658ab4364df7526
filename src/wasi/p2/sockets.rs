//! `wasi:sockets` shared parts and UDP: `network`, `instance-network`, addresses,
//! `error-code`, `ip-name-lookup`, `udp` and `udp-create-socket`. Sockets are made with
//! rustix (step by step: create, bind, connect) and are non-blocking; waiting is done
//! by pollables. Every bind, connect and send needs an address the context allows;
//! lookups need the network to be allowed at all.

use super::io::Pollable;
use super::{Fail, GetCtx, case, code_func, func, iface, push, record, resource};
use crate::component::{Linker, Resource, Val};
use crate::wasi::WasiCtx;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::sync::Arc;

/// `wasi:sockets/network.network`: the right to use the network (as the context allows).
pub(crate) struct Network;

/// A socket failure: `error-code` case name, or a trap.
pub(crate) type SockResult<X> = Result<X, Fail>;

/// A failure with `error-code` `name`.
pub(crate) fn fail<X>(name: &'static str) -> SockResult<X> {
    Err(Fail::Code(name))
}

/// The `error-code` of a host socket error.
pub(crate) fn sock_error(e: &std::io::Error) -> Fail {
    use std::io::ErrorKind as K;
    Fail::Code(match e.kind() {
        K::WouldBlock => "would-block",
        K::PermissionDenied => "access-denied",
        K::AddrInUse => "address-in-use",
        K::AddrNotAvailable => "address-not-bindable",
        K::ConnectionRefused => "connection-refused",
        K::ConnectionReset => "connection-reset",
        K::ConnectionAborted => "connection-aborted",
        K::TimedOut => "timeout",
        K::HostUnreachable | K::NetworkUnreachable => "remote-unreachable",
        K::InvalidInput => "invalid-argument",
        K::Unsupported => "not-supported",
        K::OutOfMemory => "out-of-memory",
        _ if e.raw_os_error() == Some(rustix::io::Errno::MSGSIZE.raw_os_error()) => {
            "datagram-too-large"
        }
        _ => "unknown",
    })
}

/// Turns a host socket error into its code (for `?`).
pub(crate) fn io<X>(r: std::io::Result<X>) -> SockResult<X> {
    r.map_err(|e| sock_error(&e))
}

/// The same for a rustix error.
pub(crate) fn os<X>(r: rustix::io::Result<X>) -> SockResult<X> {
    io(r.map_err(std::io::Error::from))
}

/// Fails with `access-denied` unless the context allows `addr`.
pub(crate) fn check_allowed(ctx: &WasiCtx, addr: SocketAddr) -> SockResult<()> {
    match ctx.net_allowed(addr) {
        true => Ok(()),
        false => fail("access-denied"),
    }
}

/// `ip-address-family` → true for IPv6.
pub(crate) fn is_ipv6(family: &Val) -> bool {
    matches!(family, Val::Enum(f) if f == "ipv6")
}

/// `ip-address-family` of an address.
pub(crate) fn family_of(ipv6: bool) -> Val {
    case(if ipv6 { "ipv6" } else { "ipv4" })
}

fn field<'v>(v: &'v Val, name: &str) -> Option<&'v Val> {
    match v {
        Val::Record(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        _ => None,
    }
}

fn numbers(v: Option<&Val>) -> Vec<u64> {
    let Some(Val::Tuple(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| match i {
            Val::U8(x) => Some(u64::from(*x)),
            Val::U16(x) => Some(u64::from(*x)),
            _ => None,
        })
        .collect()
}

fn ip_of(v4: bool, parts: &[u64]) -> Option<IpAddr> {
    Some(match (v4, parts) {
        (true, &[a, b, c, d]) => IpAddr::V4(Ipv4Addr::new(a as u8, b as u8, c as u8, d as u8)),
        (false, p) if p.len() == 8 => {
            let s: Vec<u16> = p.iter().map(|x| *x as u16).collect();
            IpAddr::V6(Ipv6Addr::new(
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
            ))
        }
        _ => return None,
    })
}

/// An `ip-socket-address` value as a host address.
pub(crate) fn socket_addr(v: &Val) -> SockResult<SocketAddr> {
    let Val::Variant(case, Some(rec)) = v else {
        return fail("invalid-argument");
    };
    let port = match field(rec, "port") {
        Some(Val::U16(p)) => *p,
        _ => return fail("invalid-argument"),
    };
    let v4 = case == "ipv4";
    let Some(ip) = ip_of(v4, &numbers(field(rec, "address"))) else {
        return fail("invalid-argument");
    };
    Ok(match ip {
        IpAddr::V4(ip) => SocketAddr::V4(SocketAddrV4::new(ip, port)),
        IpAddr::V6(ip) => {
            let n = |name| match field(rec, name) {
                Some(Val::U32(x)) => *x,
                _ => 0,
            };
            SocketAddr::V6(SocketAddrV6::new(ip, port, n("flow-info"), n("scope-id")))
        }
    })
}

/// An `ip-address` value.
fn ip_val(ip: IpAddr) -> Val {
    match ip {
        IpAddr::V4(ip) => Val::Variant(
            "ipv4".into(),
            Some(Box::new(Val::Tuple(
                ip.octets().iter().map(|x| Val::U8(*x)).collect(),
            ))),
        ),
        IpAddr::V6(ip) => Val::Variant(
            "ipv6".into(),
            Some(Box::new(Val::Tuple(
                ip.segments().iter().map(|x| Val::U16(*x)).collect(),
            ))),
        ),
    }
}

/// An `ip-socket-address` value.
pub(crate) fn socket_addr_val(addr: SocketAddr) -> Val {
    let Val::Variant(case, Some(ip)) = ip_val(addr.ip()) else {
        unreachable!("ip_val makes a variant with payload")
    };
    let port = ("port", Val::U16(addr.port()));
    let rec = match addr {
        SocketAddr::V4(_) => record([port, ("address", *ip)]),
        SocketAddr::V6(a) => record([
            port,
            ("flow-info", Val::U32(a.flowinfo())),
            ("address", *ip),
            ("scope-id", Val::U32(a.scope_id())),
        ]),
    };
    Val::Variant(case, Some(Box::new(rec)))
}

/// Checks that `addr` is of the socket's family and may be connected or sent to.
pub(crate) fn remote_ok(ctx: &WasiCtx, ipv6: bool, addr: SocketAddr) -> SockResult<()> {
    if addr.is_ipv6() != ipv6 || addr.ip().is_unspecified() || addr.port() == 0 {
        return fail("invalid-argument");
    }
    check_allowed(ctx, addr)
}

/// A new non-blocking socket of the family and type.
pub(crate) fn new_socket(
    ipv6: bool,
    ty: rustix::net::SocketType,
) -> SockResult<rustix::fd::OwnedFd> {
    use rustix::net::{AddressFamily, SocketFlags};
    let family = if ipv6 {
        AddressFamily::INET6
    } else {
        AddressFamily::INET
    };
    let fd = os(rustix::net::socket_with(
        family,
        ty,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    ))?;
    if ipv6 {
        // As in other engines: an IPv6 socket does not also speak IPv4.
        os(rustix::net::sockopt::set_ipv6_v6only(&fd, true))?;
    }
    Ok(fd)
}

/// Binds `fd` to `addr`, if allowed and of the socket's family.
pub(crate) fn bind(
    ctx: &WasiCtx,
    fd: impl rustix::fd::AsFd,
    ipv6: bool,
    addr: SocketAddr,
) -> SockResult<()> {
    if addr.is_ipv6() != ipv6 {
        return fail("invalid-argument");
    }
    check_allowed(ctx, addr)?;
    os(rustix::net::bind(fd, &addr)).map_err(|e| match e {
        Fail::Code("access-denied") => Fail::Code("address-not-bindable"),
        e => e,
    })
}

/// `wasi:sockets/ip-name-lookup.resolve-address-stream`: the addresses found.
pub(crate) struct Lookup(std::vec::IntoIter<IpAddr>);

fn resolve(ctx: &mut WasiCtx, name: &str) -> SockResult<Resource<Lookup>> {
    if ctx.net.is_empty() {
        return fail("access-denied");
    }
    let ips: Vec<IpAddr> = if let Ok(ip) = name.trim_matches(['[', ']']).parse::<IpAddr>() {
        vec![ip]
    } else {
        if name.is_empty() || name.contains([':', '/', ' ']) {
            return fail("invalid-argument");
        }
        match std::net::ToSocketAddrs::to_socket_addrs(&(name, 0)) {
            Ok(addrs) => addrs.map(|a| a.ip()).collect(),
            Err(_) => return fail("name-unresolvable"),
        }
    };
    Ok(push(ctx, Lookup(ips.into_iter()))?)
}

/// `wasi:sockets/udp.udp-socket`.
pub(crate) struct Udp {
    sock: Arc<UdpSocket>,
    ipv6: bool,
    bound: bool,
    /// `start-bind` was called, `finish-bind` not yet.
    binding: bool,
    /// The remote address of the current `stream` call, if any.
    remote: Option<SocketAddr>,
}

/// `incoming-datagram-stream`.
pub(crate) struct UdpIn(Arc<UdpSocket>);
/// `outgoing-datagram-stream`: the socket and its fixed remote address, if any.
pub(crate) struct UdpOut(Arc<UdpSocket>, Option<SocketAddr>, bool);

/// Most datagrams one `receive` returns.
const MAX_DATAGRAMS: u64 = 64;

fn udp_stream(
    ctx: &mut WasiCtx,
    s: &Resource<Udp>,
    remote: Option<Val>,
) -> SockResult<(Resource<UdpIn>, Resource<UdpOut>)> {
    let remote = remote.as_ref().map(socket_addr).transpose()?;
    let u = ctx.resources.get(s)?;
    if !u.bound {
        return fail("invalid-state");
    }
    match remote {
        Some(addr) => {
            remote_ok(ctx, u.ipv6, addr)?;
            io(u.sock.connect(addr))?;
        }
        None if u.remote.is_some() => os(rustix::net::connect_unspec(&*u.sock))?,
        None => {}
    }
    let (sock, ipv6) = (u.sock.clone(), u.ipv6);
    ctx.resources.get_mut(s)?.remote = remote;
    let i = push(ctx, UdpIn(sock.clone()))?;
    let o = push(ctx, UdpOut(sock, remote, ipv6))?;
    Ok((i, o))
}

fn udp_receive(ctx: &mut WasiCtx, s: &Resource<UdpIn>, max: u64) -> SockResult<Vec<Val>> {
    let sock = ctx.resources.get(s)?.0.clone();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    while (out.len() as u64) < max.min(MAX_DATAGRAMS) {
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => out.push(record([
                (
                    "data",
                    Val::List(buf[..n].iter().map(|b| Val::U8(*b)).collect()),
                ),
                ("remote-address", socket_addr_val(from)),
            ])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => match out.is_empty() {
                true => return Err(sock_error(&e)),
                false => break,
            },
        }
    }
    Ok(out)
}

fn udp_send(ctx: &mut WasiCtx, s: &Resource<UdpOut>, datagrams: Vec<Val>) -> SockResult<u64> {
    let UdpOut(sock, remote, ipv6) = ctx.resources.get(s)?;
    let (sock, remote, ipv6) = (sock.clone(), *remote, *ipv6);
    let mut sent = 0;
    for d in &datagrams {
        let data: Vec<u8> = match field(d, "data") {
            Some(Val::List(items)) => items
                .iter()
                .map(|b| if let Val::U8(b) = b { *b } else { 0 })
                .collect(),
            _ => return fail("invalid-argument"),
        };
        let to = match field(d, "remote-address") {
            Some(Val::Option(Some(a))) => Some(socket_addr(a)?),
            _ => None,
        };
        let r = match (to, remote) {
            (Some(to), Some(r)) if to != r => return fail("invalid-argument"),
            (_, Some(_)) => sock.send(&data),
            (Some(to), None) => {
                remote_ok(ctx, ipv6, to)?;
                sock.send_to(&data, to)
            }
            (None, None) => return fail("invalid-argument"),
        };
        match r {
            Ok(_) => sent += 1,
            Err(e) if sent > 0 && e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(sock_error(&e)),
        }
    }
    Ok(sent)
}

/// Defines `network`, `instance-network`, `ip-name-lookup` and the UDP interfaces.
pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> anyhow::Result<()> {
    let mut i = iface(linker, "sockets/network")?;
    resource::<T, Network>(&mut i, "network", get)?;
    // `network-error-code` finds no socket error inside an `error`.
    func(
        &mut i,
        "network-error-code",
        get,
        |ctx, (e,): (Resource<super::io::IoError>,)| {
            ctx.resources.get(&e)?;
            Ok((None::<Val>,))
        },
    )?;
    let mut i = iface(linker, "sockets/instance-network")?;
    resource::<T, Network>(&mut i, "network", get)?;
    func(&mut i, "instance-network", get, |ctx, ()| {
        Ok((push(ctx, Network)?,))
    })?;

    let mut i = iface(linker, "sockets/ip-name-lookup")?;
    resource::<T, Network>(&mut i, "network", get)?;
    resource::<T, Pollable>(&mut i, "pollable", get)?;
    resource::<T, Lookup>(&mut i, "resolve-address-stream", get)?;
    code_func(
        &mut i,
        "resolve-addresses",
        get,
        |ctx, (_, name): (Resource<Network>, String)| resolve(ctx, &name),
    )?;
    code_func(
        &mut i,
        "[method]resolve-address-stream.resolve-next-address",
        get,
        |ctx, (s,): (Resource<Lookup>,)| Ok(ctx.resources.get_mut(&s)?.0.next().map(ip_val)),
    )?;
    func(
        &mut i,
        "[method]resolve-address-stream.subscribe",
        get,
        |ctx, (s,): (Resource<Lookup>,)| {
            ctx.resources.get(&s)?;
            Ok((push(ctx, Pollable::Ready)?,))
        },
    )?;
    add_udp(linker, get)
}

fn add_udp<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> anyhow::Result<()> {
    let mut i = iface(linker, "sockets/udp-create-socket")?;
    resource::<T, Network>(&mut i, "network", get)?;
    resource::<T, Udp>(&mut i, "udp-socket", get)?;
    code_func(
        &mut i,
        "create-udp-socket",
        get,
        |ctx, (family,): (Val,)| {
            let ipv6 = is_ipv6(&family);
            let sock = UdpSocket::from(new_socket(ipv6, rustix::net::SocketType::DGRAM)?);
            Ok(push(
                ctx,
                Udp {
                    sock: Arc::new(sock),
                    ipv6,
                    bound: false,
                    binding: false,
                    remote: None,
                },
            )?)
        },
    )?;

    let mut i = iface(linker, "sockets/udp")?;
    resource::<T, Network>(&mut i, "network", get)?;
    resource::<T, Pollable>(&mut i, "pollable", get)?;
    resource::<T, Udp>(&mut i, "udp-socket", get)?;
    resource::<T, UdpIn>(&mut i, "incoming-datagram-stream", get)?;
    resource::<T, UdpOut>(&mut i, "outgoing-datagram-stream", get)?;
    type S = Resource<Udp>;
    code_func(
        &mut i,
        "[method]udp-socket.start-bind",
        get,
        |ctx, (s, _, addr): (S, Resource<Network>, Val)| {
            let addr = socket_addr(&addr)?;
            let u = ctx.resources.get(&s)?;
            if u.bound || u.binding {
                return fail("invalid-state");
            }
            bind(ctx, &*u.sock, u.ipv6, addr)?;
            ctx.resources.get_mut(&s)?.binding = true;
            Ok(())
        },
    )?;
    code_func(
        &mut i,
        "[method]udp-socket.finish-bind",
        get,
        |ctx, (s,): (S,)| {
            let u = ctx.resources.get_mut(&s)?;
            if !u.binding {
                return fail("not-in-progress");
            }
            (u.binding, u.bound) = (false, true);
            Ok(())
        },
    )?;
    code_func(
        &mut i,
        "[method]udp-socket.stream",
        get,
        |ctx, (s, remote): (S, Option<Val>)| udp_stream(ctx, &s, remote),
    )?;
    code_func(
        &mut i,
        "[method]udp-socket.local-address",
        get,
        |ctx, (s,): (S,)| {
            let u = ctx.resources.get(&s)?;
            if !u.bound {
                return fail("invalid-state");
            }
            Ok(socket_addr_val(io(u.sock.local_addr())?))
        },
    )?;
    code_func(
        &mut i,
        "[method]udp-socket.remote-address",
        get,
        |ctx, (s,): (S,)| match ctx.resources.get(&s)?.remote {
            Some(r) => Ok(socket_addr_val(r)),
            None => fail("invalid-state"),
        },
    )?;
    func(
        &mut i,
        "[method]udp-socket.address-family",
        get,
        |ctx, (s,): (S,)| Ok((family_of(ctx.resources.get(&s)?.ipv6),)),
    )?;
    super::sockets_tcp::options::<T, Udp>(&mut i, "udp-socket", "unicast-hop-limit", get, |u| {
        (rustix::fd::AsFd::as_fd(&*u.sock), u.ipv6)
    })?;
    func(
        &mut i,
        "[method]udp-socket.subscribe",
        get,
        |ctx, (s,): (S,)| {
            ctx.resources.get(&s)?;
            Ok((push(ctx, Pollable::Ready)?,))
        },
    )?;
    code_func(
        &mut i,
        "[method]incoming-datagram-stream.receive",
        get,
        |ctx, (s, max): (Resource<UdpIn>, u64)| udp_receive(ctx, &s, max),
    )?;
    func(
        &mut i,
        "[method]incoming-datagram-stream.subscribe",
        get,
        |ctx, (s,): (Resource<UdpIn>,)| {
            let p = Pollable::Readable(ctx.resources.get(&s)?.0.clone());
            Ok((push(ctx, p)?,))
        },
    )?;
    code_func(
        &mut i,
        "[method]outgoing-datagram-stream.check-send",
        get,
        |ctx, (s,): (Resource<UdpOut>,)| {
            ctx.resources.get(&s)?;
            Ok(MAX_DATAGRAMS)
        },
    )?;
    code_func(
        &mut i,
        "[method]outgoing-datagram-stream.send",
        get,
        |ctx, (s, d): (Resource<UdpOut>, Vec<Val>)| udp_send(ctx, &s, d),
    )?;
    func(
        &mut i,
        "[method]outgoing-datagram-stream.subscribe",
        get,
        |ctx, (s,): (Resource<UdpOut>,)| {
            let p = Pollable::Writable(ctx.resources.get(&s)?.0.clone());
            Ok((push(ctx, p)?,))
        },
    )?;
    Ok(())
}
