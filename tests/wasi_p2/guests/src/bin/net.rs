//! Sockets on 127.0.0.1: a TCP server and client in one program, UDP both ways, and a
//! lookup of `localhost`. With the argument `denied` (run without network permission)
//! it checks that each of them is refused instead; with `client PORT` it reads what the
//! runner's server on that port sends.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};

fn main() {
    if std::env::args().nth(1).as_deref() == Some("denied") {
        let e = TcpListener::bind("127.0.0.1:0").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        let e = TcpStream::connect("127.0.0.1:9").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        let e = UdpSocket::bind("127.0.0.1:0").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        assert!(("localhost", 80).to_socket_addrs().is_err());
        println!("ok denied");
        return;
    }
    if let (Some("client"), Some(port)) = (std::env::args().nth(1).as_deref(), std::env::args().nth(2)) {
        // The runner's server sends only after a delay: the read must block, then wake.
        let t = std::time::Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        println!("got {got:?} after {} ms", t.elapsed().as_millis());
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.port() != 0);
    let mut client = TcpStream::connect(addr).unwrap();
    let (mut server, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    client.write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    let big = vec![7u8; 1 << 20];
    server.write_all(&big).unwrap();
    drop(server);
    let mut got = Vec::new();
    client.read_to_end(&mut got).unwrap();
    assert_eq!(got, big);
    println!("ok tcp");

    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    a.send_to(b"datagram", b.local_addr().unwrap()).unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"datagram");
    assert_eq!(from, a.local_addr().unwrap());
    b.connect(from).unwrap();
    b.send(b"reply").unwrap();
    let (n, _) = a.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"reply");
    println!("ok udp");

    let addrs: Vec<_> = ("localhost", 80).to_socket_addrs().unwrap().collect();
    assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
    println!("ok lookup");
}
