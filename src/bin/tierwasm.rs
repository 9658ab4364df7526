//! The `tierwasm` command line: run a function of a module or a component, run `.wast`
//! scripts, and show what the tiers made of a module.
//!
//! `run` tells a component from a core module by its header (after turning text into
//! binary). Component arguments and results are written in WAVE, the component value
//! syntax (`"text"`, `[1, 2]`, `{x: 1}`, `some(red)`, `ok(7)`, `{read, write}`).

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tierwasm::{Config, Engine, Linker, Module, Store, Tier, Trap, Val, ValType};

#[derive(Parser)]
#[command(
    name = "tierwasm",
    version,
    about = "A WebAssembly engine: an interpreter that starts at once, a JIT for hot code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct EngineArgs {
    /// Execution tier: interp (the interpreter alone), jit (every function compiled
    /// with Cranelift before it runs) or auto (starts on the interpreter; hot code is
    /// compiled while the program runs).
    #[arg(long, default_value = "auto")]
    tier: Tier,
    /// Run with this much fuel (each wasm instruction costs 1); out of fuel traps.
    #[arg(long)]
    fuel: Option<u64>,
    /// Wasm stack limit in bytes (default 1 MiB; always kept 64 KiB short of the
    /// thread's real stack).
    #[arg(long)]
    max_wasm_stack: Option<usize>,
    /// Address space each memory reserves, in bytes: the most a memory can grow to
    /// (default 1 GiB; 4294967296 for the whole 32-bit range).
    #[arg(long)]
    memory_reservation: Option<usize>,
    /// Translate for the interpreter without optimisations (for debugging the translator).
    #[arg(long, hide = true)]
    plain: bool,
    /// Whether `call` prints tier statistics after the call (`run --tier-stats`).
    #[arg(skip)]
    tier_stats: bool,
}

impl EngineArgs {
    fn engine(&self) -> Result<Engine> {
        let mut config = Config::new();
        config
            .tier(self.tier)
            .consume_fuel(self.fuel.is_some())
            .plain_translation(self.plain);
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(bytes);
        }
        if let Some(bytes) = self.memory_reservation {
            config.memory_reservation(bytes);
        }
        Engine::new(&config)
    }
}

/// What `run` grants a WASI program.
#[cfg(feature = "wasi")]
#[derive(clap::Args, Clone)]
struct WasiArgs {
    /// Preopens the host directory HOST for a WASI program, as GUEST (default: HOST).
    /// Nothing outside it is reachable through it.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Sets an environment variable of a WASI program.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    envs: Vec<String>,
    /// Passes this process's whole environment to a WASI program.
    #[arg(long)]
    inherit_env: bool,
    /// Lets a WASI 0.2 component bind, connect and send to ADDR (`IP` for any port, or
    /// `IP:PORT`), and look up host names. Without it every socket is refused.
    #[arg(long = "allow-net", value_name = "ADDR")]
    allow_net: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs an exported function of a module or a component and prints its results
    /// (on `--tier auto` unless told otherwise).
    #[command(after_help = RUN_HELP)]
    Run {
        #[command(flatten)]
        engine: EngineArgs,
        /// After the run, prints the busiest functions of a core module to stderr: tier,
        /// calls, loop iterations, compile time and OSR entries (top 20 by calls).
        #[arg(long)]
        tier_stats: bool,
        /// The function to call. Module: its export name (default: `_start`, or the only
        /// exported function). Component: `NAME(ARG, ...)` with the arguments in WAVE
        /// syntax, e.g. 'greet("world")'; `INSTANCE#NAME` reaches into an exported
        /// instance (default: a `run` function without parameters).
        #[arg(long, value_name = "NAME or NAME(ARGS)")]
        invoke: Option<String>,
        #[cfg(feature = "wasi")]
        #[command(flatten)]
        wasi: WasiArgs,
        /// A binary (.wasm) or text (.wat) module or component.
        file: PathBuf,
        /// Arguments of the function: for a module, in its parameter types; for a
        /// component, one WAVE value each (when --invoke is a bare NAME). For a WASI
        /// program run through `_start`: its command-line arguments.
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Runs WebAssembly spec test scripts (.wast) and reports each file.
    Wast {
        #[command(flatten)]
        engine: EngineArgs,
        /// The scripts.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Shows the interpreter bytecode of a module's functions, and after an optional call
    /// the per-function tier statistics.
    Explain {
        #[command(flatten)]
        engine: EngineArgs,
        /// Only this function index.
        #[arg(long)]
        func: Option<u32>,
        /// Call this function first, then print tier statistics.
        #[arg(long)]
        invoke: Option<String>,
        /// The module.
        file: PathBuf,
        /// Arguments of the invoked function.
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Runs a call on each tier (interp, jit, auto), each in a fresh process, checks
    /// that the results agree, and shows time to first result, run time and peak memory.
    #[command(after_help = BENCH_HELP)]
    Bench(bench::BenchArgs),
    /// One tier of `bench`, measured in this process (run by `bench` itself).
    #[command(hide = true)]
    BenchChild(bench::ChildArgs),
}

/// Examples for `tierwasm bench --help`.
const BENCH_HELP: &str = "\
  tierwasm bench fac.wat --invoke fac-iter 20
  tierwasm bench loop.wasm --invoke run 1000 --repeat 200 --plot per-call.svg
  tierwasm bench loop.wasm --invoke run 1000 --repeat 50 --json --tiers interp,auto

Exit status: 0 when every tier gave the same results, 1 when a tier trapped or the
results differ, 2 on bad input or usage.";

/// The component half of `tierwasm run --help`.
const RUN_HELP: &str = "\
The tier is auto unless --tier says otherwise: the program starts on the interpreter
and hot functions and loops move to compiled code while it runs.

Modules: results print one per line (integers in decimal, floats as Rust prints them).
  tierwasm run fac.wat --invoke fac 20

Components (binary or text; detected from the file): arguments and results are WAVE
values (\"text\", 'c', 42, 1.5, [1, 2], (1, \"a\"), {x: 1, y: 2}, red, circle(2.0),
some(1), none, ok(1), err(\"e\"), {read, write}). The result prints as one WAVE value;
a function without result prints nothing.
  tierwasm run greet.wasm --invoke 'greet(\"world\")'     prints \"hello, world\"
  tierwasm run greet.wasm --invoke greet '\"world\"'      the same, one argument per word
  tierwasm run app.wasm --invoke 'math#add(1, 2)'        a function of exported instance `math`
Trailing option parameters may be left out (they are none). Without --invoke, a
component's `run` export (or `wasi:cli/run@...#run`) without parameters is called, and
its `err` result exits 1; otherwise the exports and their types are listed (exit 2).
A component that imports WASI 0.2 (`wasi:cli/command`) gets it, with the --dir, --env,
--inherit-env and --allow-net grants; without --invoke a command runs its
`wasi:cli/run` with ARGS as its arguments and exits with its exit code. A component
importing anything else is refused with the list of what is missing.

Exit status: 0 on success, 1 on a trap, 2 on bad input or usage.";

/// Prints a line to stdout; when stdout is closed (`tierwasm explain x | head`), exits
/// quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

// Beside this file, `src/bin/bench.rs` would be built as a binary of its own.
#[path = "tierwasm/bench.rs"]
mod bench;
#[path = "tierwasm/stats.rs"]
mod stats;

/// How a failure is reported: traps exit 1, everything else (bad input, bad usage) 2.
enum Failure {
    Trap(anyhow::Error),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Other(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            engine,
            tier_stats,
            invoke,
            #[cfg(feature = "wasi")]
            wasi,
            file,
            args,
        } => run(
            &EngineArgs {
                tier_stats,
                ..engine
            },
            invoke.as_deref(),
            &file,
            &args,
            #[cfg(feature = "wasi")]
            &wasi,
        ),
        Command::Wast { engine, files } => wast(&engine, &files),
        Command::Explain {
            engine,
            func,
            invoke,
            file,
            args,
        } => explain(&engine, func, invoke.as_deref(), &file, &args),
        Command::Bench(args) => bench::bench(&args),
        Command::BenchChild(args) => bench::child(&args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Trap(e)) => {
            match e.downcast_ref::<Trap>() {
                // This trap's context says which rule was broken (bad string, handle, …).
                Some(t @ Trap::CanonicalAbi) => {
                    let trap = t.to_string();
                    let why: Vec<String> = e
                        .chain()
                        .map(|c| c.to_string())
                        .filter(|m| *m != trap)
                        .collect();
                    match why.is_empty() {
                        true => eprintln!("error: {trap}"),
                        false => eprintln!("error: {trap}: {}", why.join(": ")),
                    }
                }
                Some(t) => eprintln!("error: {t}"),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::from(1)
        }
        Err(Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads a module or component, turning text into binary.
fn read_binary(file: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text_parsed = match wat::parse_bytes(&bytes)
        .with_context(|| format!("invalid text format in {}", file.display()))?
    {
        Cow::Borrowed(_) => None,
        Cow::Owned(binary) => Some(binary),
    };
    Ok(text_parsed.unwrap_or(bytes))
}

/// Reads a core module (for `explain`, which shows core bytecode).
fn load(engine: &Engine, file: &Path) -> Result<Module> {
    let binary = read_binary(file)?;
    if wasmparser::Parser::is_component(&binary) {
        bail!(
            "{} is a component; `explain` shows core modules (run it with `tierwasm run {} --invoke 'NAME(ARGS)'`)",
            file.display(),
            file.display()
        );
    }
    Module::new(engine, binary).with_context(|| format!("invalid module {}", file.display()))
}

fn parse_arg(text: &str, ty: ValType) -> Result<Val> {
    fn int(text: &str) -> Option<i128> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let digits = digits.replace('_', "");
        let v = match digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            Some(hex) => i128::from_str_radix(hex, 16).ok()?,
            None => digits.parse::<i128>().ok()?,
        };
        Some(if neg { -v } else { v })
    }
    let bad = || anyhow!("`{text}` is not a valid {ty}");
    Ok(match ty {
        ValType::I32 => {
            let v = int(text)
                .filter(|v| (i32::MIN as i128..=u32::MAX as i128).contains(v))
                .ok_or_else(bad)?;
            Val::I32(v as i32)
        }
        ValType::I64 => {
            let v = int(text)
                .filter(|v| (i64::MIN as i128..=u64::MAX as i128).contains(v))
                .ok_or_else(bad)?;
            Val::I64(v as i64)
        }
        ValType::F32 => Val::F32(text.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(text.parse::<f64>().map_err(|_| bad())?.to_bits()),
        other => bail!("unsupported: passing {other} arguments on the command line"),
    })
}

fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(x) => format!("{x:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "<funcref>".to_string(),
        Val::ExternRef(Some(_)) => "<externref>".to_string(),
    }
}

/// Calls a prepared function once (printing tier statistics when asked).
fn call<T: 'static>(
    engine: &EngineArgs,
    store: &mut Store<T>,
    call: Prepared,
) -> Result<(tierwasm::Instance, Vec<Val>), Failure> {
    let results = call.call(store);
    // Also after a trap or a WASI exit: where the time went is still worth seeing.
    if engine.tier_stats {
        for line in stats::busiest(call.instance.tier_stats(&*store), 20) {
            eprintln!("{line}");
        }
    }
    Ok((call.instance, results?))
}

/// A function of a fresh instance with its parsed arguments, ready to be called (more
/// than once, for `bench`).
struct Prepared {
    instance: tierwasm::Instance,
    func: tierwasm::Func,
    params: Vec<Val>,
}

impl Prepared {
    /// Calls the function once and returns its results.
    fn call<T: 'static>(&self, store: &mut Store<T>) -> Result<Vec<Val>, Failure> {
        let ty = self.func.ty(&*store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        self.func
            .call(&mut *store, &self.params, &mut results)
            .map_err(classify)?;
        Ok(results)
    }
}

/// Instantiates `module` with what `linker` defines and finds `invoke` (or a default),
/// parsing `args` in its parameter types.
fn prepare<T: 'static>(
    engine: &EngineArgs,
    store: &mut Store<T>,
    linker: &Linker<T>,
    module: &Module,
    invoke: Option<&str>,
    args: &[String],
) -> Result<Prepared, Failure> {
    if let Some(fuel) = engine.fuel {
        store.set_fuel(fuel)?;
    }
    for import in module.imports() {
        if linker
            .get(&mut *store, import.module, import.name)
            .is_none()
        {
            return Err(Failure::Other(anyhow!(
                "unsupported: the module imports `{}::{}`; `run` provides only WASI preview 1 (`wasi_snapshot_preview1`)",
                import.module,
                import.name
            )));
        }
    }
    let instance = linker.instantiate(&mut *store, module).map_err(classify)?;
    let name = match invoke {
        Some(n) => n.to_string(),
        None => default_export(module)?,
    };
    let func = instance
        .get_func(&mut *store, &name)
        .ok_or_else(|| anyhow!("the module exports no function named `{name}`"))?;
    let ty = func.ty(&*store);
    if args.len() != ty.params().len() {
        return Err(Failure::Other(anyhow!(
            "`{name}` takes {} argument(s) {ty}, {} given",
            ty.params().len(),
            args.len()
        )));
    }
    let params = args
        .iter()
        .zip(ty.params())
        .map(|(a, t)| parse_arg(a, *t))
        .collect::<Result<Vec<_>>>()?;
    Ok(Prepared {
        instance,
        func,
        params,
    })
}

fn default_export(module: &Module) -> Result<String> {
    let funcs: Vec<String> = module
        .exports()
        .filter(|e| matches!(e.ty, tierwasm::ExternType::Func(_)))
        .map(|e| e.name.to_string())
        .collect();
    if funcs.iter().any(|f| f == "_start") {
        return Ok("_start".to_string());
    }
    match funcs.as_slice() {
        [only] => Ok(only.clone()),
        [] => bail!("the module exports no function"),
        _ => bail!(
            "the module exports several functions ({}); choose one with --invoke",
            funcs.join(", ")
        ),
    }
}

fn classify(e: anyhow::Error) -> Failure {
    if e.downcast_ref::<Trap>().is_some() {
        Failure::Trap(e)
    } else {
        Failure::Other(e)
    }
}

fn run(
    engine_args: &EngineArgs,
    invoke: Option<&str>,
    file: &Path,
    args: &[String],
    #[cfg(feature = "wasi")] wasi: &WasiArgs,
) -> Result<ExitCode, Failure> {
    let engine = engine_args.engine()?;
    let binary = read_binary(file)?;
    if wasmparser::Parser::is_component(&binary) {
        return run_component(
            engine_args,
            &engine,
            &binary,
            file,
            invoke,
            args,
            #[cfg(feature = "wasi")]
            wasi,
        );
    }
    let module = Module::new(&engine, binary)
        .with_context(|| format!("invalid module {}", file.display()))?;
    #[cfg(feature = "wasi")]
    if module
        .imports()
        .any(|i| i.module == tierwasm::wasi::p1::MODULE)
    {
        return run_wasi(engine_args, &module, file, invoke, args, wasi);
    }
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let prepared = prepare(engine_args, &mut store, &linker, &module, invoke, args)?;
    for v in call(engine_args, &mut store, prepared)?.1 {
        out!("{}", format_val(&v));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a module that imports WASI: `_start` with `args` as the program's arguments
/// (unless `--invoke` names another function, which takes `args` as its parameters);
/// the exit code is the program's.
#[cfg(feature = "wasi")]
fn run_wasi(
    engine_args: &EngineArgs,
    module: &Module,
    file: &Path,
    invoke: Option<&str>,
    args: &[String],
    wasi: &WasiArgs,
) -> Result<ExitCode, Failure> {
    use tierwasm::wasi::{I32Exit, WasiCtx, p1};
    let mut builder = wasi_builder(wasi, file)?;
    let start = invoke.is_none() && default_export(module).is_ok_and(|n| n == "_start");
    if start {
        builder.args(args.iter().cloned());
    }
    let mut store = Store::new(module.engine(), builder.build());
    let mut linker = Linker::new(module.engine());
    p1::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
    let call_args = if start { &[][..] } else { args };
    // A WASI exit ends the program in its start function as anywhere else.
    let prepared = prepare(engine_args, &mut store, &linker, module, invoke, call_args);
    match prepared.and_then(|p| call(engine_args, &mut store, p)) {
        Ok((_, results)) => {
            for v in results {
                out!("{}", format_val(&v));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Failure::Trap(e)) | Err(Failure::Other(e)) if e.downcast_ref::<I32Exit>().is_some() => {
            let code = e.downcast_ref::<I32Exit>().map_or(1, |x| x.0);
            Ok(ExitCode::from(code as u8))
        }
        Err(other) => Err(other),
    }
}

/// What `run` grants every WASI program (preview 1 or 2): the `--env`, `--dir` and
/// `--allow-net` options, inherited standard streams, and `file` as `argv[0]`.
#[cfg(feature = "wasi")]
fn wasi_builder(wasi: &WasiArgs, file: &Path) -> Result<tierwasm::wasi::WasiCtxBuilder> {
    use tierwasm::wasi::{DirPerms, WasiCtxBuilder};
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio().arg(file.to_string_lossy());
    if wasi.inherit_env {
        builder.inherit_env();
    }
    for var in &wasi.envs {
        let (k, v) = var
            .split_once('=')
            .ok_or_else(|| anyhow!("--env {var}: expected NAME=VALUE"))?;
        builder.env(k, v);
    }
    for dir in &wasi.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        builder.preopened_dir(host, guest, DirPerms::ReadWrite)?;
    }
    for addr in &wasi.allow_net {
        builder
            .allow_net(addr)
            .with_context(|| format!("--allow-net {addr}"))?;
    }
    Ok(builder)
}

#[cfg(not(feature = "component"))]
fn run_component(
    _: &EngineArgs,
    _: &Engine,
    _: &[u8],
    file: &Path,
    _: Option<&str>,
    _: &[String],
    #[cfg(feature = "wasi")] _: &WasiArgs,
) -> Result<ExitCode, Failure> {
    Err(Failure::Other(anyhow!(
        "unsupported: {} is a component, and this tierwasm is built without the `component` feature",
        file.display()
    )))
}

/// The store data of a component run: its WASI context (empty unless WASI is linked).
#[cfg(all(feature = "component", feature = "wasi"))]
type ComponentHost = tierwasm::wasi::WasiCtx;
#[cfg(all(feature = "component", not(feature = "wasi")))]
type ComponentHost = ();

/// True if `run` provides the component import `name` (WASI 0.2, when built with it).
#[cfg(feature = "component")]
fn provided(name: &str) -> bool {
    #[cfg(feature = "wasi")]
    return tierwasm::wasi::p2::provides(name);
    #[cfg(not(feature = "wasi"))]
    {
        let _ = name;
        false
    }
}

/// The component's store data; links WASI 0.2 into `linker` when `uses_wasi`. A
/// command (`args` given) gets them as its arguments.
#[cfg(all(feature = "component", feature = "wasi"))]
fn component_host(
    linker: &mut tierwasm::component::Linker<ComponentHost>,
    uses_wasi: bool,
    file: &Path,
    args: Option<&[String]>,
    wasi: &WasiArgs,
) -> Result<ComponentHost> {
    let mut builder = wasi_builder(wasi, file)?;
    builder.args(args.unwrap_or_default().iter().cloned());
    if uses_wasi {
        tierwasm::wasi::p2::add_to_linker(linker, |ctx: &mut ComponentHost| ctx)?;
    }
    Ok(builder.build())
}

#[cfg(all(feature = "component", not(feature = "wasi")))]
fn component_host(
    _: &mut tierwasm::component::Linker<ComponentHost>,
    _: bool,
    _: &Path,
    _: Option<&[String]>,
) -> Result<ComponentHost> {
    Ok(())
}

/// Instantiates a component (with WASI 0.2 when it imports it; nothing else can be
/// imported). A `wasi:cli/command` without `--invoke` runs as a program: `args` are its
/// arguments and its exit code is the process's. Otherwise calls the function `invoke`
/// names with WAVE arguments, and prints the result in WAVE.
#[cfg(feature = "component")]
fn run_component(
    engine_args: &EngineArgs,
    engine: &Engine,
    binary: &[u8],
    file: &Path,
    invoke: Option<&str>,
    args: &[String],
    #[cfg(feature = "wasi")] wasi: &WasiArgs,
) -> Result<ExitCode, Failure> {
    use tierwasm::component::{self, Component, wave};
    let component = Component::from_binary(engine, binary)
        .with_context(|| format!("invalid component {}", file.display()))?;
    let all = component.imports();
    let uses_wasi = all.iter().any(|(name, _)| provided(name));
    // Plain (non-resource) type imports need nothing from the host.
    let imports: Vec<String> = all
        .into_iter()
        .filter(|(name, desc)| desc != "type" && !provided(name))
        .map(|(name, desc)| format!("`{name}` ({desc})"))
        .collect();
    if !imports.is_empty() {
        return Err(Failure::Other(anyhow!(
            "unsupported: the component imports {}; `run` provides only WASI 0.2 (the `wasi:cli/command` world) to components",
            imports.join(", ")
        )));
    }
    let command = uses_wasi
        && invoke.is_none()
        && component
            .exports()
            .iter()
            .any(|(n, _)| n.starts_with("wasi:cli/run@"));
    let mut linker = component::Linker::<ComponentHost>::new(engine);
    let host = component_host(
        &mut linker,
        uses_wasi,
        file,
        command.then_some(args),
        #[cfg(feature = "wasi")]
        wasi,
    );
    let mut store = Store::new(engine, host?);
    if let Some(fuel) = engine_args.fuel {
        store.set_fuel(fuel)?;
    }
    let instance = linker
        .instantiate(&mut store, &component)
        .map_err(classify)?;
    #[cfg(feature = "wasi")]
    if command {
        use tierwasm::wasi::p2;
        let run =
            p2::run_func(&store, &component, &instance)?.typed::<(), (Result<(), ()>,)>(&store)?;
        let code = p2::exit_code(run.call(&mut store, ()).map(|(r,)| r)).map_err(classify)?;
        return Ok(ExitCode::from(code as u8));
    }
    let exports = ComponentExports {
        component: &component,
        instance,
        binary,
    };

    let (name, func, params, is_default) = match invoke {
        Some(text) => {
            let name = wave::invocation_name(text)?;
            let func = instance.get_func(&store, name).ok_or_else(|| {
                anyhow!(
                    "the component exports no function named `{name}`; it exports:\n{}",
                    exports.listing(&store)
                )
            })?;
            let ty = func.ty(&store)?;
            let params = if text.contains('(') {
                if !args.is_empty() {
                    return Err(Failure::Other(anyhow!(
                        "arguments given both in `--invoke {text}` and after the file; give them in one place"
                    )));
                }
                wave::parse_invocation(text, &ty.params)?.1
            } else {
                wave::parse_args(name, &ty.params, args)?
            };
            (name.to_string(), func, params, false)
        }
        None => {
            let found = exports.default_run(&store);
            let Some((name, func)) = found.filter(|_| args.is_empty()) else {
                return Err(Failure::Other(anyhow!(
                    "no function to call: name one with --invoke 'NAME(ARGS)' (arguments in WAVE syntax); the component exports:\n{}",
                    exports.listing(&store)
                )));
            };
            (name, func, Vec::new(), true)
        }
    };
    let has_result = func.result(&store)?.is_some();
    let mut results = vec![component::Val::Bool(false); usize::from(has_result)];
    if let Err(e) = func.call(&mut store, &params, &mut results) {
        // A WASI program's `exit` ends an invoked function too.
        #[cfg(feature = "wasi")]
        if let Some(exit) = e.downcast_ref::<tierwasm::wasi::I32Exit>() {
            return Ok(ExitCode::from(exit.0 as u8));
        }
        return Err(classify(e));
    }
    for r in &results {
        out!("{}", wave::format(r));
    }
    // Like `wasmtime run`, a default `run` that returns `err` is a failed program.
    if is_default && matches!(results.first(), Some(component::Val::Result(Err(_)))) {
        eprintln!("error: `{name}` returned an error");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What a component instance exports, for messages and the default function.
#[cfg(feature = "component")]
struct ComponentExports<'a> {
    component: &'a tierwasm::component::Component,
    instance: tierwasm::component::Instance,
    binary: &'a [u8],
}

#[cfg(feature = "component")]
impl ComponentExports<'_> {
    /// The function to call without `--invoke`: `run`, or `run` of an exported
    /// `wasi:cli/run` instance, if it takes no parameters.
    fn default_run(
        &self,
        store: &Store<ComponentHost>,
    ) -> Option<(String, tierwasm::component::Func)> {
        let mut names = vec!["run".to_string()];
        names.extend(
            self.component
                .exports()
                .into_iter()
                .filter(|(n, _)| n == "wasi:cli/run" || n.starts_with("wasi:cli/run@"))
                .map(|(n, _)| format!("{n}#run")),
        );
        names.into_iter().find_map(|name| {
            let func = self.instance.get_func(store, &name)?;
            let no_params = func.ty(store).ok()?.params.is_empty();
            no_params.then_some((name, func))
        })
    }

    /// One line per export, `  name: type`; the functions of exported instances are
    /// listed as `  instance#name: type`, the form `--invoke` takes.
    fn listing(&self, store: &Store<ComponentHost>) -> String {
        let mut lines = Vec::new();
        let mut types = None;
        for (name, desc) in self.component.exports() {
            if desc != "instance" {
                lines.push(format!("  {name}: {desc}"));
                continue;
            }
            // The component API lists an instance's type only as "instance": read the
            // names of its functions from the validator's type information.
            let types = types.get_or_insert_with(|| {
                wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                    .validate_all(self.binary)
                    .ok()
            });
            let funcs = types
                .as_ref()
                .map(|t| instance_funcs(t, &name))
                .unwrap_or_default();
            let mut any = false;
            for f in funcs {
                let full = format!("{name}#{f}");
                if let Some(ty) = self
                    .instance
                    .get_func(store, &full)
                    .and_then(|func| func.ty(store).ok())
                {
                    lines.push(format!("  {full}: {ty}"));
                    any = true;
                }
            }
            if !any {
                lines.push(format!("  {name}: instance"));
            }
        }
        if lines.is_empty() {
            lines.push("  (nothing)".to_string());
        }
        lines.join("\n")
    }
}

/// The names of the functions an exported instance `name` exports.
#[cfg(feature = "component")]
fn instance_funcs(types: &wasmparser::types::Types, name: &str) -> Vec<String> {
    use wasmparser::component_types::ComponentEntityType;
    let Some(item) = types.component_item_for_export(name) else {
        return Vec::new();
    };
    let ComponentEntityType::Instance(id) = item.ty else {
        return Vec::new();
    };
    types[id]
        .exports
        .iter()
        .filter(|(_, item)| matches!(item.ty, ComponentEntityType::Func(_)))
        .map(|(n, _)| n.clone())
        .collect()
}

fn wast(engine_args: &EngineArgs, files: &[PathBuf]) -> Result<ExitCode, Failure> {
    let engine = engine_args.engine()?;
    let mut all_ok = true;
    for file in files {
        let report = tierwasm::wast::run_wast_file(&engine, file)?;
        for f in &report.failures {
            out!("  FAIL {f}");
        }
        out!(
            "{}: {} passed, {} failed",
            file.display(),
            report.passed,
            report.failed()
        );
        all_ok &= report.failed() == 0;
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn explain(
    engine_args: &EngineArgs,
    func: Option<u32>,
    invoke: Option<&str>,
    file: &Path,
    args: &[String],
) -> Result<ExitCode, Failure> {
    let engine = engine_args.engine()?;
    let module = load(&engine, file)?;
    let funcs: Vec<u32> = match func {
        Some(f) => vec![f],
        None => module.defined_functions().collect(),
    };
    for f in funcs {
        out!(
            "function {} {}:",
            module.function_name(f),
            module
                .function_type(f)
                .ok_or_else(|| anyhow::anyhow!("function {f} does not exist"))?
        );
        for line in module.disassemble(f)?.lines() {
            out!("{line}");
        }
    }
    let wasm_code = module.code_size();
    out!(
        "code: {wasm_code} wasm bytes -> {} bytecode bytes",
        module.bytecode_size()
    );
    if invoke.is_some() {
        let mut store = Store::new(&engine, ());
        let linker = Linker::new(&engine);
        let prepared = prepare(engine_args, &mut store, &linker, &module, invoke, args)?;
        let (instance, results) = call(engine_args, &mut store, prepared)?;
        out!(
            "results: {}",
            results
                .iter()
                .map(format_val)
                .collect::<Vec<_>>()
                .join(", ")
        );
        #[cfg(feature = "op-stats")]
        out!("{}", tierwasm::op_stats_report(40));
        out!("tiers after the call:");
        for line in stats::table(&instance.tier_stats(&store)) {
            out!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
