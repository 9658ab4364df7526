//! Runs `.wast` scripts (the WebAssembly spec test format) on the public API: used by
//! `tests/spec` and by `tierwasm wast`.
//!
//! Every directive is one assertion (`module`, `assert_return`, `assert_trap`,
//! `assert_exhaustion`, `assert_invalid`, `assert_malformed`, `assert_unlinkable`,
//! `invoke`, `register` …); a directive passes or fails on its own, so one bug does not
//! hide the rest of a file.

use crate::{
    Engine, ExternRef, Global, GlobalType, Instance, Linker, Memory, MemoryType, Module,
    Mutability, Store, Table, TableType, Trap, Val, ValType,
};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashMap;
use wast::core::{AbstractHeapType, HeapType, NanPattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// The outcome of running one script.
#[derive(Debug, Default, Clone)]
pub struct WastReport {
    /// Directives that passed.
    pub passed: usize,
    /// Directives that failed, with `file:line: reason`.
    pub failures: Vec<String>,
    /// Directives left out on purpose, with `file:line: reason`.
    pub skipped: Vec<String>,
}

impl WastReport {
    /// Number of failed directives.
    pub fn failed(&self) -> usize {
        self.failures.len()
    }
}

/// Runs the script `source` (named `name` in messages) on a fresh store of `engine`.
pub fn run_wast(engine: &Engine, name: &str, source: &str) -> WastReport {
    run_wast_excluding(engine, name, source, &|_| None)
}

/// As [`run_wast`], leaving out the directives for which `exclude(line)` (1-based line
/// of the directive) gives a reason.
pub fn run_wast_excluding(
    engine: &Engine,
    name: &str,
    source: &str,
    exclude: &dyn Fn(usize) -> Option<&'static str>,
) -> WastReport {
    let mut report = WastReport::default();
    // The spec's `names.wast` deliberately uses confusable characters in names.
    let mut lexer = wast::lexer::Lexer::new(source);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            report.failures.push(format!("{name}: cannot lex: {e}"));
            return report;
        }
    };
    let wast: Wast<'_> = match parser::parse(&buf) {
        Ok(w) => w,
        Err(mut e) => {
            e.set_path(std::path::Path::new(name));
            e.set_text(source);
            report.failures.push(format!("{name}: cannot parse: {e}"));
            return report;
        }
    };
    let mut cx = match WastContext::new(engine) {
        Ok(cx) => cx,
        Err(e) => {
            report.failures.push(format!("{name}: {e:#}"));
            return report;
        }
    };
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(source);
        if let Some(why) = exclude(line + 1) {
            report.skipped.push(format!("{name}:{}: {why}", line + 1));
            continue;
        }
        match cx.directive(directive) {
            Ok(()) => report.passed += 1,
            Err(e) => report.failures.push(format!("{name}:{}: {e:#}", line + 1)),
        }
    }
    report
}

/// An instantiated module or component.
#[derive(Copy, Clone)]
enum Current {
    Core(Instance),
    #[cfg(feature = "component")]
    Component(crate::component::Instance),
}

/// A validated module or component, not yet instantiated.
#[derive(Clone)]
enum Definition {
    Core(Module),
    #[cfg(feature = "component")]
    Component(crate::component::Component),
}

/// State of one script run.
struct WastContext {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    #[cfg(feature = "component")]
    component_linker: crate::component::Linker<()>,
    current: Option<Current>,
    instances: HashMap<String, Current>,
    definitions: HashMap<String, Definition>,
    last_definition: Option<Definition>,
}

impl WastContext {
    fn new(engine: &Engine) -> Result<WastContext> {
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        define_spectest(&mut linker, &mut store)?;
        Ok(WastContext {
            engine: engine.clone(),
            store,
            linker,
            #[cfg(feature = "component")]
            component_linker: crate::component::Linker::new(engine),
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
        })
    }

    fn instance(&self, id: Option<wast::token::Id<'_>>) -> Result<Instance> {
        match self.current_of(id)? {
            Current::Core(i) => Ok(i),
            #[cfg(feature = "component")]
            Current::Component(_) => bail!("expected a core module instance, found a component"),
        }
    }

    fn current_of(&self, id: Option<wast::token::Id<'_>>) -> Result<Current> {
        match id {
            Some(id) => self
                .instances
                .get(id.name())
                .copied()
                .ok_or_else(|| anyhow!("no module named ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| anyhow!("no module instantiated yet")),
        }
    }

    fn compile(&self, wat: &mut QuoteWat<'_>) -> Result<Definition> {
        let bytes = wat
            .encode()
            .map_err(|e| anyhow!("text does not encode: {e}"))?;
        #[cfg(feature = "component")]
        if wasmparser::Parser::is_component(&bytes) {
            return Ok(Definition::Component(
                crate::component::Component::from_binary(&self.engine, &bytes)?,
            ));
        }
        #[cfg(not(feature = "component"))]
        if wasmparser::Parser::is_component(&bytes) {
            bail!("unsupported: components (this build has no `component` feature)");
        }
        Ok(Definition::Core(Module::new(&self.engine, bytes)?))
    }

    fn instantiate(&mut self, def: &Definition) -> Result<Current> {
        Ok(match def {
            Definition::Core(m) => Current::Core(self.linker.instantiate(&mut self.store, m)?),
            #[cfg(feature = "component")]
            Definition::Component(c) => {
                Current::Component(self.component_linker.instantiate(&mut self.store, c)?)
            }
        })
    }

    fn directive(&mut self, d: WastDirective<'_>) -> Result<()> {
        match d {
            WastDirective::Module(mut wat) => {
                let id = quote_id(&wat);
                let def = self.compile(&mut wat)?;
                let instance = self.instantiate(&def)?;
                if let Some(id) = id {
                    self.instances.insert(id, instance);
                }
                self.current = Some(instance);
            }
            WastDirective::ModuleDefinition(mut wat) => {
                let id = quote_id(&wat);
                let def = self.compile(&mut wat)?;
                if let Some(id) = id {
                    self.definitions.insert(id, def.clone());
                }
                self.last_definition = Some(def);
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = match module {
                    Some(m) => self.definitions.get(m.name()).cloned(),
                    None => self.last_definition.clone(),
                }
                .ok_or_else(|| anyhow!("no module definition to instantiate"))?;
                let inst = self.instantiate(&def)?;
                if let Some(id) = instance {
                    self.instances.insert(id.name().to_string(), inst);
                }
                self.current = Some(inst);
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker.allow_shadowing(true);
                self.linker.instance(&mut self.store, name, instance)?;
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)?;
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let values = self.execute(exec)?;
                if values.len() != results.len() {
                    bail!("expected {} results, got {}", results.len(), values.len());
                }
                for (i, (v, want)) in values.iter().zip(&results).enumerate() {
                    match (v, want) {
                        (Value::Core(v), WastRet::Core(want)) => {
                            if !self.matches(v, want)? {
                                bail!("result {i}: expected {want:?}, got {v:?}");
                            }
                        }
                        #[cfg(feature = "component")]
                        (Value::Component(v), WastRet::Component(want)) => {
                            if !component_matches(v, want) {
                                bail!("result {i}: expected {want:?}, got {v}");
                            }
                        }
                        _ => bail!("result {i}: expected {want:?}, got a value of the other model"),
                    }
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(values) => bail!("expected trap `{message}`, got {values:?}"),
                Err(e) => check_trap(&e, message)?,
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(values) => bail!("expected exhaustion `{message}`, got {values:?}"),
                Err(e) => check_trap(&e, message)?,
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                if let Ok(bytes) = module.encode()
                    && self.accepts(&bytes)
                {
                    bail!("expected invalid module (`{message}`), but it validated");
                }
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                if let Ok(bytes) = module.encode()
                    && self.accepts(&bytes)
                {
                    bail!("expected malformed module (`{message}`), but it was accepted");
                }
            }
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                // A module or a component: `compile` tells them apart.
                let def = self.compile(&mut QuoteWat::Wat(module))?;
                match self.instantiate(&def) {
                    Ok(_) => bail!("expected unlinkable module (`{message}`), but it linked"),
                    Err(e) => {
                        let text = format!("{e:#}");
                        let matches = text.contains(message)
                            || (message == "incompatible import type"
                                && text.contains("unknown import"));
                        if !matches {
                            bail!("expected `{message}`, got `{text}`");
                        }
                    }
                }
            }
            other => bail!("unsupported: wast directive {other:?}"),
        }
        Ok(())
    }

    /// True if `bytes` validates as a module or component.
    fn accepts(&self, bytes: &[u8]) -> bool {
        #[cfg(feature = "component")]
        if wasmparser::Parser::is_component(bytes) {
            return crate::component::Component::from_binary(&self.engine, bytes).is_ok();
        }
        Module::new(&self.engine, bytes).is_ok()
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Value>> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(wat) => {
                let mut wat = QuoteWat::Wat(wat);
                let def = self.compile(&mut wat)?;
                self.instantiate(&def)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                let g = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| anyhow!("no global named `{global}`"))?;
                Ok(vec![Value::Core(g.get(&self.store))])
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Value>> {
        #[cfg(feature = "component")]
        if let Current::Component(instance) = self.current_of(invoke.module)? {
            return self.invoke_component(instance, invoke);
        }
        Ok(self
            .invoke_core(invoke)?
            .into_iter()
            .map(Value::Core)
            .collect())
    }

    #[cfg(feature = "component")]
    fn invoke_component(
        &mut self,
        instance: crate::component::Instance,
        invoke: &WastInvoke<'_>,
    ) -> Result<Vec<Value>> {
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| anyhow!("no function named `{}`", invoke.name))?;
        let mut args = Vec::new();
        for a in &invoke.args {
            let WastArg::Component(v) = a else {
                bail!("core argument passed to a component function")
            };
            args.push(component_val(v)?);
        }
        let n = func.result(&self.store)?.is_some() as usize;
        let mut results = vec![crate::component::Val::Bool(false); n];
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results.into_iter().map(Value::Component).collect())
    }

    fn invoke_core(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>> {
        let instance = self.instance(invoke.module)?;
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| anyhow!("no function named `{}`", invoke.name))?;
        let mut args = Vec::new();
        for a in &invoke.args {
            args.push(self.arg(a)?);
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    fn arg(&mut self, a: &WastArg<'_>) -> Result<Val> {
        let WastArg::Core(a) = a else {
            bail!("unsupported: component arguments")
        };
        Ok(match a {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(f) => Val::F32(f.bits),
            WastArgCore::F64(f) => Val::F64(f.bits),
            WastArgCore::RefNull(HeapType::Abstract {
                ty: AbstractHeapType::Func,
                ..
            }) => Val::FuncRef(None),
            WastArgCore::RefNull(HeapType::Abstract {
                ty: AbstractHeapType::Extern,
                ..
            }) => Val::ExternRef(None),
            WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(&mut self.store, *n))),
            other => bail!("unsupported: argument {other:?}"),
        })
    }

    fn matches(&self, v: &Val, want: &WastRetCore<'_>) -> Result<bool> {
        Ok(match (v, want) {
            (Val::I32(a), WastRetCore::I32(b)) => a == b,
            (Val::I64(a), WastRetCore::I64(b)) => a == b,
            (Val::F32(a), WastRetCore::F32(p)) => match p {
                NanPattern::CanonicalNan => a & 0x7fff_ffff == 0x7fc0_0000,
                NanPattern::ArithmeticNan => a & 0x7fc0_0000 == 0x7fc0_0000,
                NanPattern::Value(f) => *a == f.bits,
            },
            (Val::F64(a), WastRetCore::F64(p)) => match p {
                NanPattern::CanonicalNan => a & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
                NanPattern::ArithmeticNan => a & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
                NanPattern::Value(f) => *a == f.bits,
            },
            (Val::FuncRef(f), WastRetCore::RefNull(_)) => f.is_none(),
            (Val::ExternRef(e), WastRetCore::RefNull(_)) => e.is_none(),
            (Val::FuncRef(f), WastRetCore::RefFunc(_)) => f.is_some(),
            (Val::ExternRef(e), WastRetCore::RefExtern(n)) => match (e, n) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(e), Some(n)) => e.data(&self.store)?.downcast_ref::<u32>() == Some(n),
            },
            (_, WastRetCore::V128(_)) => bail!("unsupported: SIMD (v128) results"),
            _ => false,
        })
    }
}

fn quote_id(wat: &QuoteWat<'_>) -> Option<String> {
    match wat {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        QuoteWat::Wat(Wat::Component(c)) => c.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

/// A result of a core or component call.
#[derive(Debug)]
enum Value {
    Core(Val),
    #[cfg(feature = "component")]
    Component(crate::component::Val),
}

/// A component value from the script.
#[cfg(feature = "component")]
fn component_val(v: &wast::component::WastVal<'_>) -> Result<crate::component::Val> {
    use crate::component::Val as V;
    use wast::component::WastVal as W;
    let boxed = |v: &Option<Box<W<'_>>>| -> Result<Option<Box<V>>> {
        v.as_ref()
            .map(|v| Ok(Box::new(component_val(v)?)))
            .transpose()
    };
    Ok(match v {
        W::Bool(b) => V::Bool(*b),
        W::U8(x) => V::U8(*x),
        W::S8(x) => V::S8(*x),
        W::U16(x) => V::U16(*x),
        W::S16(x) => V::S16(*x),
        W::U32(x) => V::U32(*x),
        W::S32(x) => V::S32(*x),
        W::U64(x) => V::U64(*x),
        W::S64(x) => V::S64(*x),
        W::F32(f) => V::Float32(f32::from_bits(f.bits)),
        W::F64(f) => V::Float64(f64::from_bits(f.bits)),
        W::Char(c) => V::Char(*c),
        W::String(s) => V::String(s.to_string()),
        W::List(items) => V::List(items.iter().map(component_val).collect::<Result<_>>()?),
        W::Record(fields) => V::Record(
            fields
                .iter()
                .map(|(n, v)| Ok((n.to_string(), component_val(v)?)))
                .collect::<Result<_>>()?,
        ),
        W::Tuple(items) => V::Tuple(items.iter().map(component_val).collect::<Result<_>>()?),
        W::Variant(n, v) => V::Variant(n.to_string(), boxed(v)?),
        W::Enum(n) => V::Enum(n.to_string()),
        W::Option(v) => V::Option(boxed(v)?),
        W::Result(Ok(v)) => V::Result(Ok(boxed(v)?)),
        W::Result(Err(v)) => V::Result(Err(boxed(v)?)),
        W::Flags(names) => V::Flags(names.iter().map(|n| n.to_string()).collect()),
        W::Map(entries) => V::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((component_val(k)?, component_val(v)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

/// Compares a component result with the script's expectation (any NaN matches NaN).
#[cfg(feature = "component")]
fn component_matches(v: &crate::component::Val, want: &wast::component::WastVal<'_>) -> bool {
    use crate::component::Val as V;
    use wast::component::WastVal as W;
    let opt = |a: &Option<Box<V>>, b: &Option<Box<W<'_>>>| match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => component_matches(a, b),
        _ => false,
    };
    match (v, want) {
        (V::Float32(a), W::F32(b)) => {
            let b = f32::from_bits(b.bits);
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (V::Float64(a), W::F64(b)) => {
            let b = f64::from_bits(b.bits);
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (V::List(a), W::List(b)) | (V::Tuple(a), W::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| component_matches(a, b))
        }
        (V::Record(a), W::Record(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((an, av), (bn, bv))| an == bn && component_matches(av, bv))
        }
        (V::Variant(an, av), W::Variant(bn, bv)) => an == bn && opt(av, bv),
        (V::Option(a), W::Option(b)) => opt(a, b),
        (V::Result(Ok(a)), W::Result(Ok(b))) | (V::Result(Err(a)), W::Result(Err(b))) => opt(a, b),
        (V::Flags(a), W::Flags(b)) => {
            let mut a: Vec<&str> = a.iter().map(String::as_str).collect();
            let mut b = b.clone();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        }
        _ => match component_val(want) {
            Ok(w) => *v == w,
            Err(_) => false,
        },
    }
}

/// Accepts a failure if its message contains the expected one (or the expected message
/// extends ours, e.g. `uninitialized element 7`).
fn check_trap(e: &anyhow::Error, expected: &str) -> Result<()> {
    let text = format!("{e:#}");
    // Component tests spell traps as other engines print them (`wasm trap: …`).
    let expected = expected.strip_prefix("wasm trap: ").unwrap_or(expected);
    let ours = e.downcast_ref::<Trap>().map(|t| t.message());
    if text.contains(expected) || ours.is_some_and(|m| expected.starts_with(m)) {
        Ok(())
    } else {
        Err(anyhow!("expected trap `{expected}`, got `{text}`"))
    }
}

/// The `spectest` module the spec tests import from.
fn define_spectest(linker: &mut Linker<()>, store: &mut Store<()>) -> Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;
    for (name, ty, v) in [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ] {
        let global = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), v)?;
        linker.define(&*store, "spectest", name, global)?;
    }
    let table = Table::new(
        &mut *store,
        TableType::new(crate::RefType::FuncRef, 10, Some(20)),
        Val::FuncRef(None),
    )?;
    linker.define(&*store, "spectest", "table", table)?;
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&*store, "spectest", "memory", memory)?;
    Ok(())
}

/// Runs a `.wast` file from disk.
pub fn run_wast_file(engine: &Engine, path: &std::path::Path) -> Result<WastReport> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(run_wast(engine, &path.display().to_string(), &source))
}
