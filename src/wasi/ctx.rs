//! `WasiCtx`, what one WASI program may see (arguments, environment, standard streams,
//! preopened directories, the network addresses it may use), and `WasiCtxBuilder`,
//! which makes it. One context serves preview 1 and preview 2.

use super::table::{Entry, Input, Kind, Output, Table, rights};
use anyhow::{Context, Result};
use cap_std::ambient_authority;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The error a guest's `proc_exit` call ends its run with: the exit code it asked for.
/// Find it with `error.downcast_ref::<I32Exit>()` on the error of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct I32Exit(
    /// The exit code.
    pub i32,
);

impl std::fmt::Display for I32Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exited with code {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// What a guest may do in a preopened directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirPerms {
    /// Read files and list directories only.
    ReadOnly,
    /// Also create, write, rename and remove.
    ReadWrite,
}

/// Bytes a guest reads as its standard input.
#[derive(Debug, Clone, Default)]
pub struct MemoryInputPipe {
    pub(crate) bytes: Arc<[u8]>,
}

impl MemoryInputPipe {
    /// A pipe that yields `bytes`, then end of file.
    pub fn new(bytes: impl Into<Vec<u8>>) -> MemoryInputPipe {
        MemoryInputPipe {
            bytes: bytes.into().into(),
        }
    }
}

/// A buffer that collects what a guest writes to a standard stream. Clones share the
/// buffer, so keep one to read the output after the run.
#[derive(Debug, Clone, Default)]
pub struct MemoryOutputPipe {
    pub(crate) buf: Arc<Mutex<Vec<u8>>>,
}

impl MemoryOutputPipe {
    /// An empty buffer.
    pub fn new() -> MemoryOutputPipe {
        MemoryOutputPipe::default()
    }

    /// What has been written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An address a guest may bind, connect or send to: one IP address, with every port or
/// one port. Written `IP` or `IP:PORT` (`[IPv6]:PORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetRule {
    ip: IpAddr,
    port: Option<u16>,
}

impl std::str::FromStr for NetRule {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<NetRule> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(NetRule { ip, port: None });
        }
        let addr: SocketAddr = s.parse().with_context(|| {
            format!("`{s}` is not an address: expected IP or IP:PORT ([IPv6]:PORT)")
        })?;
        Ok(NetRule {
            ip: addr.ip(),
            port: Some(addr.port()),
        })
    }
}

impl NetRule {
    #[cfg_attr(
        not(feature = "component"),
        expect(dead_code, reason = "only preview 2 (components) has sockets")
    )]
    fn allows(&self, addr: SocketAddr) -> bool {
        self.ip == addr.ip() && self.port.is_none_or(|p| p == addr.port())
    }
}

/// Builds a [`WasiCtx`]. By default a program has no arguments, no environment, an empty
/// standard input, discarded output, no directories and no network.
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    preopens: Vec<(cap_std::fs::Dir, String, DirPerms)>,
    net: Vec<NetRule>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with nothing granted.
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Input::Pipe(MemoryInputPipe::default(), 0),
            stdout: Output::Sink,
            stderr: Output::Sink,
            preopens: Vec::new(),
            net: Vec::new(),
        }
    }

    /// Appends one argument (the first is the program's name, `argv[0]`).
    pub fn arg(&mut self, arg: impl Into<String>) -> &mut Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<S: Into<String>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets one environment variable.
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets environment variables.
    pub fn envs<K: Into<String>, V: Into<String>>(
        &mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> &mut Self {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Passes the host's whole environment (the variables that are valid Unicode).
    pub fn inherit_env(&mut self) -> &mut Self {
        self.env.extend(std::env::vars());
        self
    }

    /// Standard input, output and error are the host process's.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Standard input is the host process's.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = Input::Inherit;
        self
    }

    /// Standard output is the host process's.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = Output::Stdout;
        self
    }

    /// Standard error is the host process's.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = Output::Stderr;
        self
    }

    /// Standard input reads from `pipe`.
    pub fn stdin(&mut self, pipe: MemoryInputPipe) -> &mut Self {
        self.stdin = Input::Pipe(pipe, 0);
        self
    }

    /// Standard output goes to `pipe`.
    pub fn stdout(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stdout = Output::Pipe(pipe);
        self
    }

    /// Standard error goes to `pipe`.
    pub fn stderr(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stderr = Output::Pipe(pipe);
        self
    }

    /// Makes the host directory `host_path` reachable by the guest as `guest_path`.
    /// Nothing outside it can be reached through it.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl Into<String>,
        perms: DirPerms,
    ) -> Result<&mut Self> {
        let host_path = host_path.as_ref();
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, ambient_authority())
            .with_context(|| format!("cannot open directory {}", host_path.display()))?;
        self.preopens.push((dir, guest_path.into(), perms));
        Ok(self)
    }

    /// Lets the guest bind, connect and send to `addr` (`IP` for every port of an
    /// address, or `IP:PORT`), and look up host names. Without any, every socket
    /// operation is refused with `access-denied`.
    pub fn allow_net(&mut self, addr: &str) -> Result<&mut Self> {
        self.net.push(addr.parse()?);
        Ok(self)
    }

    /// The context. The builder is left empty.
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let mut table = Table::default();
        let stdio = [
            Kind::Input(b.stdin),
            Kind::Output(b.stdout),
            Kind::Output(b.stderr),
        ];
        for kind in stdio {
            table.push(Entry::new(kind, rights::STDIO, 0));
        }
        for (dir, guest, perms) in b.preopens {
            let (base, inheriting) = match perms {
                DirPerms::ReadOnly => (rights::DIR_READ, rights::DIR_READ | rights::FILE_READ),
                DirPerms::ReadWrite => (rights::DIR_ALL, rights::DIR_ALL | rights::FILE_ALL),
            };
            let mut entry = Entry::new(Kind::Dir(dir), base, inheriting);
            entry.preopen = Some(guest);
            table.push(entry);
        }
        WasiCtx {
            args: b.args,
            env: b.env,
            table,
            start: Instant::now(),
            net: b.net,
            insecure_seed: {
                use cap_rand::RngCore;
                let mut rng = cap_rand::rngs::OsRng::default(ambient_authority());
                (rng.next_u64(), rng.next_u64())
            },
            #[cfg(feature = "component")]
            resources: crate::component::ResourceTable::new(),
        }
    }
}

/// What one WASI program sees: made by [`WasiCtxBuilder`], kept in the store's data.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) table: Table,
    /// The monotonic clock counts from here.
    pub(crate) start: Instant,
    /// Addresses the guest may use (none: no network).
    #[cfg_attr(
        not(feature = "component"),
        expect(dead_code, reason = "only preview 2 (components) has sockets")
    )]
    pub(crate) net: Vec<NetRule>,
    /// `wasi:random/insecure-seed`: the same for the whole run.
    #[cfg_attr(
        not(feature = "component"),
        expect(dead_code, reason = "only preview 2 (components) has the seed")
    )]
    pub(crate) insecure_seed: (u64, u64),
    /// The host state behind preview-2 resources (streams, pollables, descriptors…).
    #[cfg(feature = "component")]
    pub(crate) resources: crate::component::ResourceTable,
}

impl WasiCtx {
    /// A context with nothing granted (as `WasiCtxBuilder::new().build()`).
    pub fn new() -> WasiCtx {
        WasiCtxBuilder::new().build()
    }
}

#[cfg(feature = "component")]
impl WasiCtx {
    /// True if the guest may bind, connect or send to `addr`.
    pub(crate) fn net_allowed(&self, addr: SocketAddr) -> bool {
        self.net.iter().any(|r| r.allows(addr))
    }
}

impl Default for WasiCtx {
    fn default() -> Self {
        WasiCtx::new()
    }
}
