//! The `tierwasm` command line: run a function of a module, run `.wast` scripts, and
//! show what the tiers made of a module.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
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
    /// Execution tier: interp, jit or auto.
    #[arg(long, default_value = "auto")]
    tier: Tier,
    /// Run with this much fuel (each wasm instruction costs 1); out of fuel traps.
    #[arg(long)]
    fuel: Option<u64>,
    /// Wasm stack limit in bytes.
    #[arg(long)]
    max_wasm_stack: Option<usize>,
    /// Translate for the interpreter without optimisations (for debugging the translator).
    #[arg(long, hide = true)]
    plain: bool,
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
        Engine::new(&config)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Runs an exported function of a module and prints its results, one per line.
    Run {
        #[command(flatten)]
        engine: EngineArgs,
        /// The function to call (default: `_start`, or the only exported function).
        #[arg(long)]
        invoke: Option<String>,
        /// A binary (.wasm) or text (.wat) module.
        file: PathBuf,
        /// Arguments of the function, in its parameter types.
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
}

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
            invoke,
            file,
            args,
        } => run(&engine, invoke.as_deref(), &file, &args),
        Command::Wast { engine, files } => wast(&engine, &files),
        Command::Explain {
            engine,
            func,
            invoke,
            file,
            args,
        } => explain(&engine, func, invoke.as_deref(), &file, &args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Trap(e)) => {
            match e.downcast_ref::<Trap>() {
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

fn load(engine: &Engine, file: &Path) -> Result<Module> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Module::new(engine, bytes).with_context(|| format!("invalid module {}", file.display()))
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

/// Instantiates `module` and calls `invoke` (or a default) with `args`.
fn call(
    engine: &EngineArgs,
    store: &mut Store<()>,
    module: &Module,
    invoke: Option<&str>,
    args: &[String],
) -> Result<(tierwasm::Instance, Vec<Val>), Failure> {
    if let Some(fuel) = engine.fuel {
        store.set_fuel(fuel)?;
    }
    let linker = Linker::new(store.engine());
    if let Some(import) = module.imports().next() {
        return Err(Failure::Other(anyhow!(
            "unsupported: the module imports `{}::{}`; `run` provides no imports yet (WASI is not implemented)",
            import.module,
            import.name
        )));
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
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    func.call(&mut *store, &params, &mut results)
        .map_err(classify)?;
    Ok((instance, results))
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
) -> Result<ExitCode, Failure> {
    let engine = engine_args.engine()?;
    let module = load(&engine, file)?;
    let mut store = Store::new(&engine, ());
    for v in call(engine_args, &mut store, &module, invoke, args)?.1 {
        out!("{}", format_val(&v));
    }
    Ok(ExitCode::SUCCESS)
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
    let info = module.info();
    let funcs: Vec<u32> = match func {
        Some(f) => vec![f],
        None => (info.num_imported_funcs..info.functions.len() as u32).collect(),
    };
    for f in funcs {
        out!(
            "function {} {}:",
            info.func_display_name(f),
            info.func_type(f)
        );
        for line in module.disassemble(f)?.lines() {
            out!("{line}");
        }
    }
    let wasm_code: usize = info.bodies.iter().map(|b| b.len()).sum();
    out!(
        "code: {wasm_code} wasm bytes -> {} bytecode bytes",
        module.bytecode_size()
    );
    if invoke.is_some() {
        let mut store = Store::new(&engine, ());
        let (instance, results) = call(engine_args, &mut store, &module, invoke, args)?;
        out!(
            "results: {}",
            results
                .iter()
                .map(format_val)
                .collect::<Vec<_>>()
                .join(", ")
        );
        #[cfg(feature = "op-stats")]
        out!("{}", tierwasm::interp::dispatch::op_stats::report(40));
        for s in instance.tier_stats(&store) {
            let name = s.name.unwrap_or_else(|| format!("#{}", s.func_index));
            out!(
                "  {name:>24} tier={:?} calls={} loop_iterations={}",
                s.tier,
                s.calls,
                s.loop_iterations
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
