//! WASI 0.2 for components: [`add_to_linker`] defines the `wasi:cli/command` world
//! (cli, io, clocks, random, filesystem, sockets) on a component
//! [`Linker`] as host functions and host resources.
//!
//! Every interface is defined once, at [`VERSION`]; the linker matches imports of any
//! semver-compatible version (`@0.2.0` … `@0.2.6`, what toolchains emit) to it. Host
//! state behind the resources lives in the context's `ResourceTable`; each area's file
//! holds its resource types and functions, this file the wiring they share.

mod cli;
mod clocks;
mod command;
mod filesystem;
mod io;
mod random;
mod sockets;
mod sockets_tcp;

use super::WasiCtx;
use crate::StoreContextMut;
use crate::component::{
    ComponentNamedList, Lift, Linker, LinkerInstance, Lower, Resource, ResourceType, Val,
};
use anyhow::Result;

pub use command::{exit_code, run, run_func};

/// The version every interface is defined at.
pub const VERSION: &str = "0.2.6";

/// The interfaces [`add_to_linker`] defines (without `wasi:` and version).
const INTERFACES: &[&str] = &[
    "cli/environment",
    "cli/exit",
    "cli/stdin",
    "cli/stdout",
    "cli/stderr",
    "cli/terminal-input",
    "cli/terminal-output",
    "cli/terminal-stdin",
    "cli/terminal-stdout",
    "cli/terminal-stderr",
    "clocks/monotonic-clock",
    "clocks/wall-clock",
    "filesystem/preopens",
    "filesystem/types",
    "io/error",
    "io/poll",
    "io/streams",
    "random/insecure",
    "random/insecure-seed",
    "random/random",
    "sockets/instance-network",
    "sockets/ip-name-lookup",
    "sockets/network",
    "sockets/tcp",
    "sockets/tcp-create-socket",
    "sockets/udp",
    "sockets/udp-create-socket",
];

/// True if [`add_to_linker`] provides the import `name` (an interface of the world at
/// a 0.2.x version, e.g. `wasi:io/poll@0.2.0`).
pub fn provides(name: &str) -> bool {
    let Some((iface, version)) = name.strip_prefix("wasi:").and_then(|n| n.rsplit_once('@')) else {
        return false;
    };
    INTERFACES.contains(&iface)
        && version
            .strip_prefix("0.2.")
            .is_some_and(|p| p.parse::<u32>().is_ok())
}

/// Finds the [`WasiCtx`] in a store's data (`|state| &mut state.wasi`).
pub(crate) trait GetCtx<T>:
    Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static
{
}
impl<T, F> GetCtx<T> for F where F: Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static {}

/// Defines every interface of the `wasi:cli/command` world on `linker`; `get` finds the
/// [`WasiCtx`] in the store's data. Sockets work only on the addresses the context
/// allows (`WasiCtxBuilder::allow_net`).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
) -> Result<()> {
    io::add(linker, get)?;
    cli::add(linker, get)?;
    clocks::add(linker, get)?;
    random::add(linker, get)?;
    filesystem::add(linker, get)?;
    sockets::add(linker, get)?;
    sockets_tcp::add(linker, get)?;
    Ok(())
}

/// The namespace of interface `name` (`"io/poll"`) at [`VERSION`].
fn iface<'a, T: 'static>(linker: &'a mut Linker<T>, name: &str) -> Result<LinkerInstance<'a, T>> {
    debug_assert!(
        INTERFACES.contains(&name),
        "{name} is missing from INTERFACES"
    );
    linker.instance(&format!("wasi:{name}@{VERSION}"))
}

/// Defines the host resource type `R` as `name` in `inst` (also where an interface only
/// re-exports it); dropping a handle drops the host value.
fn resource<T: 'static, R: Send + 'static>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    get: impl GetCtx<T>,
) -> Result<()> {
    inst.resource(name, ResourceType::host::<R>(), move |mut store, rep| {
        get(store.data_mut())
            .resources
            .delete(Resource::<R>::new_own(rep))?;
        Ok(())
    })
}

/// Defines a host function over the context: `f` gets the [`WasiCtx`] and the
/// parameters. An `Err` from `f` traps (a guest's bad handle); the interfaces' own
/// errors are part of the result `R`.
fn func<T: 'static, P, R>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    get: impl GetCtx<T>,
    f: impl Fn(&mut WasiCtx, P) -> Result<R> + Send + Sync + 'static,
) -> Result<()>
where
    P: ComponentNamedList + Lift + 'static,
    R: ComponentNamedList + Lower + 'static,
{
    inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, params| {
        f(get(store.data_mut()), params)
    })
}

/// How a function with an `error-code` in its result fails: with a code (the case
/// name of the interface's `error-code` enum), or with a trap.
pub(crate) enum Fail {
    Code(&'static str),
    Trap(anyhow::Error),
}

impl From<anyhow::Error> for Fail {
    fn from(e: anyhow::Error) -> Fail {
        Fail::Trap(e)
    }
}

/// Defines a function whose result is `result<X, error-code>`: `f`'s error turns into
/// the code, or traps.
fn code_func<T: 'static, P, X>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    get: impl GetCtx<T>,
    f: impl Fn(&mut WasiCtx, P) -> Result<X, Fail> + Send + Sync + 'static,
) -> Result<()>
where
    P: ComponentNamedList + Lift + 'static,
    X: Lower + 'static,
{
    inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, params: P| {
        Ok((match f(get(store.data_mut()), params) {
            Ok(x) => Ok(x),
            Err(Fail::Code(c)) => Err(case(c)),
            Err(Fail::Trap(e)) => return Err(e),
        },))
    })
}

/// A host value stored behind a new owned handle.
fn push<R: Send + 'static>(ctx: &mut WasiCtx, value: R) -> Result<Resource<R>> {
    ctx.resources.push(value)
}

/// An enum or variant case without payload.
fn case(name: &str) -> Val {
    Val::Enum(name.to_string())
}

/// The names of the flags set in a `flags` value.
fn flag_names(v: &Val) -> &[String] {
    match v {
        Val::Flags(names) => names,
        _ => &[],
    }
}

/// True if flag `name` is set in `v`.
fn has_flag(v: &Val, name: &str) -> bool {
    flag_names(v).iter().any(|n| n == name)
}

/// A `record` value.
fn record(fields: impl IntoIterator<Item = (&'static str, Val)>) -> Val {
    Val::Record(
        fields
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect(),
    )
}

/// `wasi:clocks/wall-clock.datetime` of a time since the epoch.
fn datetime(d: std::time::Duration) -> Val {
    record([
        ("seconds", Val::U64(d.as_secs())),
        ("nanoseconds", Val::U32(d.subsec_nanos())),
    ])
}
