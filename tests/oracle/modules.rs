//! Observing a core module on an engine, and comparing observations.
//!
//! Every engine instantiates the module (with the `host` imports below), then calls
//! every exported function in export order with arguments derived from a seed, in
//! lockstep; after instantiation and after each call the outcome (results or trap
//! kind), the fuel left, and the state (every exported memory's size and hash, global,
//! and table's size and null elements) are compared with the interpreter's. A call that
//! runs out of fuel or stack on any engine is not compared, and every engine goes on
//! from a new instance.
//!
//! Fuel. tierwasm charges 1 per wasm instruction, paid per basic block; wasmi charges per
//! instruction of its own IR (fewer than wasm's) plus bulk costs (copies, `memory.grow`).
//! The amounts cannot be matched, so against wasmi fuel is only a bound: wasmi gets
//! `WASMI_FUEL_FACTOR` times tierwasm's fuel so that it finishes whatever tierwasm
//! finishes, and a call where either engine ran out of fuel or stack is not compared
//! ("ran out or not" is never unambiguous across the two fuel models). Between
//! tierwasm's own tiers (same fuel semantics) the fuel left after every call must be
//! equal, and both must run out at the same call.

use std::sync::Arc;
use tierwasm::{Config, Engine, Extern, Linker, Module, Store, Tier, Val, ValType};

/// Fuel for instantiation and for each call (tierwasm units).
pub const FUEL: u64 = 200_000;
/// wasmi's fuel per call, as a multiple of [`FUEL`].
pub const WASMI_FUEL_FACTOR: u64 = 10;
/// The wasm stack of tierwasm's engines and the native stack wasmi may use are both
/// bounded; deep recursion ends in a stack-overflow trap on every engine.
pub const MAX_WASM_STACK: usize = 256 << 10;

/// The one wasm-smith configuration of the differential (features tierwasm supports).
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        max_memories: 1,
        max_memory32_bytes: 1 << 20,
        // A maximum on every memory keeps `memory.grow` (and the hashing) bounded.
        memory_max_size_required: true,
        max_table_elements: 1000,
        table_max_size_required: true,
        max_imports: 0,
        // At least one type, or wasm-smith can make no function at all.
        min_types: 1,
        min_funcs: 5,
        max_funcs: 20,
        max_instructions: 2000,
        export_everything: true,
        allow_start_export: true,
        // NaN payloads are nondeterministic in wasm; canonicalising makes results comparable.
        canonicalize_nans: true,
        ..Default::default()
    }
}

/// A wasm-smith module from fuzzer bytes, or `None` when the bytes make none.
pub fn smith_module(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = arbitrary::Unstructured::new(data);
    wasm_smith::Module::new(smith_config(), &mut u)
        .ok()
        .map(|m| m.to_bytes())
}

/// What one step (instantiation or a call) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returned these values (`i32:5`, `f64:0x…`, `funcref:null`, …).
    Values(Vec<String>),
    /// Trapped with this kind (names shared by all engines).
    Trap(String),
    /// Ran out of fuel or stack; the step's effects are not comparable.
    Exhausted,
    /// Failed otherwise (a host error, a link error): only "an error" is compared.
    Error(String),
}

/// One step and the state after it.
#[derive(Clone, Debug)]
pub struct Step {
    /// `instantiate` or the export's name.
    pub name: String,
    /// What it did.
    pub outcome: Outcome,
    /// Fuel left after it (tierwasm units; `None` on wasmi).
    pub fuel: Option<u64>,
    /// Memories, globals and tables after it (empty after `Exhausted`).
    pub state: Vec<String>,
}

/// A module compiled on one engine, instantiated afresh by [`Session::instantiate`].
pub trait Session {
    /// A new store and instance (the previous ones are dropped).
    fn instantiate(&mut self) -> Step;
    /// Calls export `index` of the list (a function export) with arguments from `seed`.
    fn call(&mut self, index: usize, seed: u64) -> Step;
}

/// An engine the oracle can observe a module on.
pub enum Runner {
    /// One of tierwasm's configurations.
    Tierwasm { name: &'static str, engine: Engine },
    /// wasmi, the independent oracle (its configuration: an engine per module).
    Wasmi(wasmi::Config),
}

impl Runner {
    /// tierwasm on `tier`, with the optimising (or the plain) translation.
    pub fn tierwasm(name: &'static str, tier: Tier, plain: bool) -> Runner {
        let mut c = Config::new();
        c.tier(tier).plain_translation(plain);
        Runner::tierwasm_with(name, c)
    }

    /// tierwasm with configuration `c`, plus the oracle's fuel and stack settings.
    pub fn tierwasm_with(name: &'static str, mut c: Config) -> Runner {
        c.consume_fuel(true).max_wasm_stack(MAX_WASM_STACK);
        Runner::Tierwasm {
            name,
            engine: Engine::new(&c).expect("engine"),
        }
    }

    /// wasmi 2 with fuel, eager translation and a bounded recursion depth.
    pub fn wasmi() -> Runner {
        let mut c = wasmi::Config::default();
        c.consume_fuel(true)
            .compilation_mode(wasmi::CompilationMode::Eager)
            .set_max_recursion_depth(2000);
        Runner::Wasmi(c)
    }

    /// The runner's name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Runner::Tierwasm { name, .. } => name,
            Runner::Wasmi(_) => "wasmi",
        }
    }

    /// Compiles `wasm`; `Err` when the engine refuses it.
    pub fn session(
        &self,
        wasm: &[u8],
        exports: &Arc<ExportList>,
    ) -> Result<Box<dyn Session>, String> {
        match self {
            Runner::Tierwasm { engine, .. } => {
                let module = Module::new(engine, wasm).map_err(|e| format!("{e:#}"))?;
                Ok(Box::new(TierwasmSession {
                    engine: engine.clone(),
                    module,
                    exports: exports.clone(),
                    live: None,
                }))
            }
            Runner::Wasmi(config) => {
                // wasmi 2.0.0 panics translating some valid modules (known bug 8). A
                // fresh engine per module: one a panic interrupted is not used again.
                let engine = &wasmi::Engine::new(config);
                let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    wasmi::Module::new(engine, wasm)
                }));
                let module = compiled
                    .map_err(|_| "wasmi panicked translating it".to_string())?
                    .map_err(|e| e.to_string())?;
                Ok(Box::new(WasmiSession {
                    engine: engine.clone(),
                    module,
                    exports: exports.clone(),
                    live: None,
                }))
            }
        }
    }
}

/// The names of the exports in order, each with its kind (`func` exports with their
/// parameter types), read once with wasmparser so every engine calls them in the same
/// order.
pub struct ExportList(Vec<(String, Option<Vec<ValType>>)>);

/// The module's exports, read with wasmparser.
pub fn export_funcs(wasm: &[u8]) -> Result<ExportList, String> {
    use wasmparser::{Parser, Payload, TypeRef};
    let mut types: Vec<Vec<ValType>> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::TypeSection(r) => {
                for t in r.into_iter_err_on_gc_types() {
                    let t = t.map_err(|e| e.to_string())?;
                    types.push(t.params().iter().map(|v| val_type(*v)).collect());
                }
            }
            Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    if let TypeRef::Func(t) = i.map_err(|e| e.to_string())?.ty {
                        funcs.push(t);
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for f in r {
                    funcs.push(f.map_err(|e| e.to_string())?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(|e| e.to_string())?;
                    let params = match e.kind {
                        wasmparser::ExternalKind::Func => funcs
                            .get(e.index as usize)
                            .and_then(|t| types.get(*t as usize))
                            .cloned()
                            .or(Some(Vec::new())),
                        _ => None,
                    };
                    out.push((e.name.to_string(), params));
                }
            }
            _ => {}
        }
    }
    Ok(ExportList(out))
}

fn val_type(v: wasmparser::ValType) -> ValType {
    match v {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) if r.is_func_ref() => ValType::FuncRef,
        wasmparser::ValType::Ref(_) => ValType::ExternRef,
    }
}

/// Argument `j` of export `i`: a few interesting values, picked by the seed.
fn arg_bits(seed: u64, i: usize, j: usize) -> u64 {
    let pick = [0u64, 1, u64::MAX, 0x8000_0000, 7, 1 << 40, 0x7fff_ffff, 100];
    pick[(seed.wrapping_add((i * 31 + j) as u64) % pick.len() as u64) as usize]
}

/// The state's hash: a word-at-a-time fold (memories are hashed after every step).
fn hash(data: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap());
        h = (h ^ w).wrapping_mul(0x100_0000_01b3).rotate_left(29);
    }
    for b in chunks.remainder() {
        h = (h ^ *b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// The trap kinds both engines share; tierwasm's `UndefinedElement` (a `call_indirect`
/// index past the table) is wasmi's `TableOutOfBounds`.
fn tierwasm_trap(t: &tierwasm::Trap) -> Outcome {
    use tierwasm::Trap as T;
    let kind = match t {
        T::StackOverflow | T::OutOfFuel => return Outcome::Exhausted,
        T::UnreachableCodeReached => "unreachable",
        T::MemoryOutOfBounds => "memory out of bounds",
        T::TableOutOfBounds | T::UndefinedElement => "table out of bounds",
        T::IndirectCallToNull => "indirect call to null",
        T::BadSignature => "bad signature",
        T::IntegerOverflow => "integer overflow",
        T::IntegerDivisionByZero => "integer division by zero",
        T::BadConversionToInteger => "bad conversion to integer",
        other => return Outcome::Trap(format!("other: {other}")),
    };
    Outcome::Trap(kind.into())
}

fn wasmi_trap(t: wasmi::TrapCode) -> Outcome {
    use wasmi::TrapCode as T;
    let kind = match t {
        T::StackOverflow | T::OutOfFuel => return Outcome::Exhausted,
        T::UnreachableCodeReached => "unreachable",
        T::MemoryOutOfBounds => "memory out of bounds",
        T::TableOutOfBounds => "table out of bounds",
        T::IndirectCallToNull => "indirect call to null",
        T::BadSignature => "bad signature",
        T::IntegerOverflow => "integer overflow",
        T::IntegerDivisionByZero => "integer division by zero",
        T::BadConversionToInteger => "bad conversion to integer",
        other => return Outcome::Trap(format!("other: {other}")),
    };
    Outcome::Trap(kind.into())
}

fn tierwasm_error(e: &anyhow::Error) -> Outcome {
    match e.downcast_ref::<tierwasm::Trap>() {
        Some(t) => tierwasm_trap(t),
        None => Outcome::Error(format!("{e:#}")),
    }
}

fn wasmi_error(e: &wasmi::Error) -> Outcome {
    use wasmi::errors::{ErrorKind, InstantiationError};
    match (e.as_trap_code(), e.kind()) {
        (Some(t), _) => wasmi_trap(t),
        // wasmi reports an element segment past its table as an instantiation error;
        // in wasm (and tierwasm) it is a trap.
        (None, ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. })) => {
            Outcome::Trap("table out of bounds".into())
        }
        (None, _) => Outcome::Error(e.to_string()),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(b) => format!("f32:{b:#x}"),
        Val::F64(b) => format!("f64:{b:#x}"),
        Val::V128(x) => format!("v128:{x:#x}"),
        Val::FuncRef(f) => format!("funcref:{}", if f.is_some() { "func" } else { "null" }),
        Val::ExternRef(e) => format!("externref:{}", if e.is_some() { "ref" } else { "null" }),
    }
}

fn show_wasmi(v: &wasmi::Val) -> String {
    match v {
        wasmi::Val::I32(x) => format!("i32:{x}"),
        wasmi::Val::I64(x) => format!("i64:{x}"),
        wasmi::Val::F32(b) => format!("f32:{:#x}", b.to_bits()),
        wasmi::Val::F64(b) => format!("f64:{:#x}", b.to_bits()),
        wasmi::Val::V128(_) => "v128".into(),
        wasmi::Val::FuncRef(f) => {
            format!("funcref:{}", if f.is_null() { "null" } else { "func" })
        }
        wasmi::Val::ExternRef(e) => {
            format!("externref:{}", if e.is_null() { "null" } else { "ref" })
        }
    }
}

/// `memory` for the `host` imports: tierwasm's caller instance's exported memory.
fn tierwasm_memory<T>(caller: &mut tierwasm::Caller<'_, T>) -> Option<tierwasm::Memory> {
    caller.get_export("memory").and_then(Extern::into_memory)
}

/// The host imports templates may use: `host.grow(pages) -> old size or -1` grows the
/// caller's exported `memory`; `host.size() -> pages`.
fn tierwasm_linker(engine: &Engine) -> Linker<()> {
    let mut l = Linker::new(engine);
    l.func_wrap(
        "host",
        "grow",
        |mut caller: tierwasm::Caller<'_, ()>, pages: i32| -> i32 {
            let Some(m) = tierwasm_memory(&mut caller) else {
                return -1;
            };
            m.grow(&mut caller, pages as u32 as u64)
                .map_or(-1, |old| old as i32)
        },
    )
    .expect("host.grow");
    l.func_wrap(
        "host",
        "size",
        |mut caller: tierwasm::Caller<'_, ()>| -> i32 {
            tierwasm_memory(&mut caller).map_or(-1, |m| m.size(&caller) as i32)
        },
    )
    .expect("host.size");
    l
}

fn wasmi_linker(engine: &wasmi::Engine) -> wasmi::Linker<()> {
    let mut l = wasmi::Linker::new(engine);
    l.func_wrap(
        "host",
        "grow",
        |mut caller: wasmi::Caller<'_, ()>, pages: i32| -> i32 {
            let Some(m) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
                return -1;
            };
            m.grow(&mut caller, pages as u32 as u64)
                .map_or(-1, |old| old as i32)
        },
    )
    .expect("host.grow");
    l.func_wrap("host", "size", |caller: wasmi::Caller<'_, ()>| -> i32 {
        caller
            .get_export("memory")
            .and_then(|e| e.into_memory())
            .map_or(-1, |m| m.size(&caller) as i32)
    })
    .expect("host.size");
    l
}

fn tierwasm_state(
    store: &Store<()>,
    instance: tierwasm::Instance,
    exports: &ExportList,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, _) in exports.0.iter().filter(|(_, p)| p.is_none()) {
        match instance.get_export(store, name) {
            Some(Extern::Memory(m)) => {
                let data = m.data(store);
                out.push(format!(
                    "memory {name}: {} bytes, hash {:x}",
                    data.len(),
                    hash(data)
                ));
            }
            Some(Extern::Global(g)) => out.push(format!("global {name}: {}", show(&g.get(store)))),
            Some(Extern::Table(t)) => {
                let size = t.size(store);
                let nulls: String = (0..size)
                    .map(|i| match t.get(store, i) {
                        Some(Val::FuncRef(None) | Val::ExternRef(None)) => '0',
                        Some(_) => '1',
                        None => '?',
                    })
                    .collect();
                out.push(format!("table {name}: {size} elements {nulls}"));
            }
            Some(Extern::Func(_)) | None => out.push(format!("{name}: missing")),
        }
    }
    out
}

fn wasmi_state(
    store: &wasmi::Store<()>,
    instance: &wasmi::Instance,
    exports: &ExportList,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, _) in exports.0.iter().filter(|(_, p)| p.is_none()) {
        match instance.get_export(store, name) {
            Some(wasmi::Extern::Memory(m)) => {
                let data = m.data(store);
                out.push(format!(
                    "memory {name}: {} bytes, hash {:x}",
                    data.len(),
                    hash(data)
                ));
            }
            Some(wasmi::Extern::Global(g)) => {
                out.push(format!("global {name}: {}", show_wasmi(&g.get(store))))
            }
            Some(wasmi::Extern::Table(t)) => {
                let size = t.size(store);
                let nulls: String = (0..size)
                    .map(|i| match t.get(store, i) {
                        Some(wasmi::Ref::Func(f)) if f.is_null() => '0',
                        Some(wasmi::Ref::Extern(e)) if e.is_null() => '0',
                        Some(_) => '1',
                        None => '?',
                    })
                    .collect();
                out.push(format!("table {name}: {size} elements {nulls}"));
            }
            Some(wasmi::Extern::Func(_)) | None => out.push(format!("{name}: missing")),
        }
    }
    out
}

struct TierwasmSession {
    engine: Engine,
    module: Module,
    exports: Arc<ExportList>,
    live: Option<(Store<()>, tierwasm::Instance)>,
}

impl Session for TierwasmSession {
    fn instantiate(&mut self) -> Step {
        let mut store = Store::new(&self.engine, ());
        store.set_fuel(FUEL).expect("fuel");
        self.live = None;
        let outcome = match tierwasm_linker(&self.engine).instantiate(&mut store, &self.module) {
            Ok(instance) => {
                let state = tierwasm_state(&store, instance, &self.exports);
                let fuel = store.get_fuel().ok();
                self.live = Some((store, instance));
                return Step {
                    name: "instantiate".into(),
                    outcome: Outcome::Values(Vec::new()),
                    fuel,
                    state,
                };
            }
            Err(e) => tierwasm_error(&e),
        };
        Step {
            name: "instantiate".into(),
            outcome,
            fuel: store.get_fuel().ok(),
            state: Vec::new(),
        }
    }

    fn call(&mut self, index: usize, seed: u64) -> Step {
        let (name, params) = &self.exports.0[index];
        let step = |outcome, fuel, state| Step {
            name: name.clone(),
            outcome,
            fuel,
            state,
        };
        let Some((store, instance)) = &mut self.live else {
            return step(Outcome::Error("not instantiated".into()), None, Vec::new());
        };
        let Some(f) = instance.get_func(&*store, name) else {
            return step(Outcome::Error("no such export".into()), None, Vec::new());
        };
        let ty = f.ty(&*store);
        let args: Vec<Val> = params
            .iter()
            .flatten()
            .enumerate()
            .map(|(j, t)| {
                let v = arg_bits(seed, index, j);
                match t {
                    ValType::I32 => Val::I32(v as i32),
                    ValType::I64 => Val::I64(v as i64),
                    ValType::F32 => Val::F32((v as f32).to_bits()),
                    ValType::F64 => Val::F64((v as f64).to_bits()),
                    ValType::V128 => Val::V128(v as u128),
                    ValType::FuncRef => Val::FuncRef(None),
                    ValType::ExternRef => Val::ExternRef(None),
                }
            })
            .collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        store.set_fuel(FUEL).expect("fuel");
        let outcome = match f.call(&mut *store, &args, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(show).collect()),
            Err(e) => tierwasm_error(&e),
        };
        let state = if outcome == Outcome::Exhausted {
            Vec::new()
        } else {
            tierwasm_state(store, *instance, &self.exports)
        };
        step(outcome, store.get_fuel().ok(), state)
    }
}

struct WasmiSession {
    engine: wasmi::Engine,
    module: wasmi::Module,
    exports: Arc<ExportList>,
    live: Option<(wasmi::Store<()>, wasmi::Instance)>,
}

impl Session for WasmiSession {
    fn instantiate(&mut self) -> Step {
        let mut store = wasmi::Store::new(&self.engine, ());
        store.set_fuel(FUEL * WASMI_FUEL_FACTOR).expect("fuel");
        self.live = None;
        let outcome =
            match wasmi_linker(&self.engine).instantiate_and_start(&mut store, &self.module) {
                Ok(instance) => {
                    let state = wasmi_state(&store, &instance, &self.exports);
                    self.live = Some((store, instance));
                    return Step {
                        name: "instantiate".into(),
                        outcome: Outcome::Values(Vec::new()),
                        fuel: None,
                        state,
                    };
                }
                Err(e) => wasmi_error(&e),
            };
        Step {
            name: "instantiate".into(),
            outcome,
            fuel: None,
            state: Vec::new(),
        }
    }

    fn call(&mut self, index: usize, seed: u64) -> Step {
        let (name, params) = &self.exports.0[index];
        let step = |outcome, state| Step {
            name: name.clone(),
            outcome,
            fuel: None,
            state,
        };
        let Some((store, instance)) = &mut self.live else {
            return step(Outcome::Error("not instantiated".into()), Vec::new());
        };
        let Some(f) = instance.get_func(&*store, name) else {
            return step(Outcome::Error("no such export".into()), Vec::new());
        };
        let ty = f.ty(&*store);
        let args: Vec<wasmi::Val> = params
            .iter()
            .flatten()
            .enumerate()
            .map(|(j, t)| {
                let v = arg_bits(seed, index, j);
                match t {
                    ValType::I32 => wasmi::Val::I32(v as i32),
                    ValType::I64 => wasmi::Val::I64(v as i64),
                    ValType::F32 => wasmi::Val::F32((v as f32).into()),
                    ValType::F64 => wasmi::Val::F64((v as f64).into()),
                    ValType::V128 => wasmi::Val::default_for_ty(wasmi::ValType::V128),
                    ValType::FuncRef => wasmi::Val::default_for_ty(wasmi::ValType::FuncRef),
                    ValType::ExternRef => wasmi::Val::default_for_ty(wasmi::ValType::ExternRef),
                }
            })
            .collect();
        let mut results: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        store.set_fuel(FUEL * WASMI_FUEL_FACTOR).expect("fuel");
        let outcome = match f.call(&mut *store, &args, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(show_wasmi).collect()),
            Err(e) => wasmi_error(&e),
        };
        let state = if outcome == Outcome::Exhausted {
            Vec::new()
        } else {
            wasmi_state(store, instance, &self.exports)
        };
        step(outcome, state)
    }
}

/// Compares one step of two engines. With `exact` (tierwasm's tiers against each other)
/// the fuel left must match too. A step where either ran out of fuel or stack is not
/// compared (against wasmi fuel is only a bound; stack depths differ between tiers).
pub fn compare(x: &Step, y: &Step, exact: bool) -> Result<(), String> {
    let either_exhausted = x.outcome == Outcome::Exhausted || y.outcome == Outcome::Exhausted;
    if either_exhausted && !exact {
        return Ok(());
    }
    let same_outcome = match (&x.outcome, &y.outcome) {
        (Outcome::Error(_), Outcome::Error(_)) => true,
        (p, q) => p == q,
    };
    if x.name != y.name || !same_outcome {
        return Err(format!(
            "{}: {:?} vs {}: {:?}",
            x.name, x.outcome, y.name, y.outcome
        ));
    }
    if either_exhausted {
        return Ok(());
    }
    if exact && x.fuel != y.fuel {
        return Err(format!(
            "{}: fuel left {:?} vs {:?}",
            x.name, x.fuel, y.fuel
        ));
    }
    if x.state != y.state {
        let diff = x.state.iter().zip(&y.state).find(|(p, q)| p != q);
        return Err(format!("{}: state after it: {diff:?}", x.name));
    }
    Ok(())
}

/// The engines of the differential: the interpreter (reference), its plain translation,
/// the JIT (with the `jit` feature) and wasmi.
pub struct Differential {
    /// `runners[0]` is the reference all others are compared with.
    pub runners: Vec<Runner>,
    /// Calls compared (on every engine), and calls that ran out of fuel or stack.
    pub calls: std::cell::Cell<(u64, u64)>,
}

impl Differential {
    /// Every engine this build has.
    pub fn new() -> Differential {
        let mut runners = vec![
            Runner::tierwasm("interp", Tier::Interp, false),
            Runner::tierwasm("plain", Tier::Interp, true),
        ];
        if cfg!(feature = "jit") {
            runners.push(Runner::tierwasm("jit", Tier::Jit, false));
        }
        runners.push(Runner::wasmi());
        Differential {
            runners,
            calls: Default::default(),
        }
    }

    /// The interpreter against `other` alone.
    pub fn pair(other: Runner) -> Differential {
        Differential {
            runners: vec![Runner::tierwasm("interp", Tier::Interp, false), other],
            calls: Default::default(),
        }
    }

    /// Runs `wasm` on every engine in lockstep: instantiate, then call every exported
    /// function in order, comparing each step with the interpreter's. When a step runs
    /// out of fuel or stack on any engine, every engine starts again from a new instance
    /// (that step's effects differ), so the exports after an endless loop still run.
    /// For each engine after the first, `Err` says how it first differed. `log`
    /// receives every step of every engine (for debugging).
    pub fn check_logged(
        &self,
        wasm: &[u8],
        seed: u64,
        mut log: impl FnMut(&str, &Step),
    ) -> Vec<(&'static str, Result<(), String>)> {
        let exports = match export_funcs(wasm) {
            Ok(e) => Arc::new(e),
            // Not even parseable: every engine must refuse it.
            Err(_) => ExportList(Vec::new()).into(),
        };
        let mut results: Vec<Result<(), String>> = vec![Ok(()); self.runners.len()];
        // The engines that compiled it run on; one that refused it (when the reference
        // did not) has failed.
        let mut live: Vec<(usize, Box<dyn Session>)> = Vec::new();
        for (i, r) in self.runners.iter().enumerate() {
            match r.session(wasm, &exports) {
                Ok(s) => live.push((i, s)),
                Err(e) if i == 0 => {
                    // The reference refused it: so must every other engine.
                    for (j, r) in self.runners.iter().enumerate().skip(1) {
                        if r.session(wasm, &exports).is_ok() {
                            results[j] = Err(format!("only the interpreter refused it: {e}"));
                        }
                    }
                    return self.named(results);
                }
                Err(e) => results[i] = Err(format!("refused it: {e}")),
            }
        }
        let mut step_all = |live: &mut Vec<(usize, Box<dyn Session>)>,
                            results: &mut Vec<Result<(), String>>,
                            f: &dyn Fn(&mut dyn Session) -> Step|
         -> (bool, bool) {
            let steps: Vec<(usize, Step)> =
                live.iter_mut().map(|(i, s)| (*i, f(s.as_mut()))).collect();
            for (i, s) in &steps {
                log(self.runners[*i].name(), s);
            }
            for (i, s) in steps.iter().skip(1) {
                if results[*i].is_ok() {
                    let exact = !matches!(self.runners[*i], Runner::Wasmi(_));
                    results[*i] = compare(&steps[0].1, s, exact);
                }
            }
            let exhausted = steps.iter().any(|(_, s)| s.outcome == Outcome::Exhausted);
            let failed = steps
                .iter()
                .any(|(_, s)| s.name == "instantiate" && !matches!(s.outcome, Outcome::Values(_)));
            (exhausted, failed)
        };
        let (_, failed) = step_all(&mut live, &mut results, &|s| s.instantiate());
        if failed {
            return self.named(results);
        }
        for (index, (_, params)) in exports.0.iter().enumerate() {
            if params.is_none() || results[1..].iter().all(|r| r.is_err()) {
                continue;
            }
            let (exhausted, _) = step_all(&mut live, &mut results, &|s| s.call(index, seed));
            let (n, e) = self.calls.get();
            self.calls.set((n + 1, e + exhausted as u64));
            if exhausted {
                let (_, failed) = step_all(&mut live, &mut results, &|s| s.instantiate());
                if failed {
                    break;
                }
            }
        }
        self.named(results)
    }

    fn named(&self, results: Vec<Result<(), String>>) -> Vec<(&'static str, Result<(), String>)> {
        self.runners
            .iter()
            .zip(results)
            .skip(1)
            .map(|(r, res)| (r.name(), res))
            .collect()
    }

    /// [`Differential::check_logged`] without the log.
    pub fn check(&self, wasm: &[u8], seed: u64) -> Vec<(&'static str, Result<(), String>)> {
        self.check_logged(wasm, seed, |_, _| {})
    }

    /// One verdict for all engines: a failure of a case aimed at known bug `aim` counts
    /// as that bug, and any other failure whose shape is the signature of a known bug
    /// counts as that one (see [`known_signature`]).
    pub fn verdict(&self, wasm: &[u8], seed: u64, aim: Option<u32>) -> super::Verdict {
        let fails: Vec<String> = self
            .check(wasm, seed)
            .into_iter()
            .filter_map(|(n, r)| r.err().map(|e| format!("interp vs {n}: {e}")))
            .collect();
        if fails.is_empty() {
            return super::Verdict::Pass;
        }
        let msg = fails.join("; ");
        let bug = known_signature(&msg, wasm);
        super::Verdict::Fail(msg).aimed_at(aim).aimed_at(bug)
    }
}

/// The known bug a differential failure of a wasm-smith module (which no template aims
/// at) shows: the JIT's refusal of many results (bug 6) by its message; a difference of
/// the JIT alone (the interpreter and wasmi agree) in a module with `memory.grow` (bug
/// 4); a difference of the interpreter alone (the JIT and wasmi agree) in a module with a
/// `br_if` to a function's own label with 2 or more results (bug 1); a difference of
/// wasmi alone in a module that writes a local inside an `if` with parameters (bug 7,
/// wasmi's); wasmi panicking while translating a module (bug 8, wasmi's). `msg` is the
/// joined failures, `interp vs <engine>: …` each.
pub fn known_signature(msg: &str, wasm: &[u8]) -> Option<u32> {
    let jit = msg.contains("interp vs jit: ");
    let wasmi = msg.contains("interp vs wasmi: ");
    if jit && !wasmi && msg.contains("Too many return values") {
        return Some(6);
    }
    let shapes = shapes(wasm);
    if jit && !wasmi && shapes.grow {
        return Some(4);
    }
    if jit && wasmi && shapes.br_if_to_function {
        return Some(1);
    }
    if !jit && wasmi && shapes.local_set_in_param_if {
        return Some(7);
    }
    if !jit && wasmi && msg.contains("wasmi panicked translating it") {
        return Some(8);
    }
    None
}

/// What [`known_signature`] looks for in a module.
#[derive(Default)]
struct Shapes {
    /// A `memory.grow`.
    grow: bool,
    /// A `br_if` to the function's own label in a function with 2 or more results.
    br_if_to_function: bool,
    /// A `local.set` or `local.tee` inside an `if` whose block type has parameters.
    local_set_in_param_if: bool,
}

fn shapes(wasm: &[u8]) -> Shapes {
    use wasmparser::{Operator, Parser, Payload};
    let mut out = Shapes::default();
    let mut results: Vec<usize> = Vec::new();
    let mut params_of: Vec<usize> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut body = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::TypeSection(r)) => {
                for t in r.into_iter_err_on_gc_types().flatten() {
                    results.push(t.results().len());
                    params_of.push(t.params().len());
                }
            }
            Ok(Payload::FunctionSection(r)) => funcs.extend(r.into_iter().flatten()),
            Ok(Payload::CodeSectionEntry(f)) => {
                let multi = funcs
                    .get(body)
                    .and_then(|t| results.get(*t as usize))
                    .is_some_and(|n| *n >= 2);
                body += 1;
                let Ok(ops) = f.get_operators_reader() else {
                    continue;
                };
                let mut depth = 0u32;
                // For each open block: whether it is an `if` with parameters.
                let mut param_ifs: Vec<bool> = Vec::new();
                for op in ops.into_iter().flatten() {
                    match op {
                        Operator::Block { .. } | Operator::Loop { .. } => {
                            depth += 1;
                            param_ifs.push(false);
                        }
                        Operator::If { blockty } => {
                            depth += 1;
                            let params = match blockty {
                                wasmparser::BlockType::FuncType(t) => t,
                                _ => u32::MAX,
                            };
                            param_ifs.push(params_of.get(params as usize).is_some_and(|n| *n > 0));
                        }
                        Operator::End => {
                            depth = depth.saturating_sub(1);
                            param_ifs.pop();
                        }
                        Operator::LocalSet { .. } | Operator::LocalTee { .. }
                            if param_ifs.iter().any(|p| *p) =>
                        {
                            out.local_set_in_param_if = true
                        }
                        Operator::MemoryGrow { .. } => out.grow = true,
                        Operator::BrIf { relative_depth } if multi && relative_depth == depth => {
                            out.br_if_to_function = true
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The differential target: fuzzer bytes make a wasm-smith module (or, when the first
/// byte says so, a weak-spot template), observed on every engine.
pub fn differential_target(diff: &Differential, data: &[u8]) -> super::Verdict {
    let seed = data
        .iter()
        .take(8)
        .fold(0u64, |h, b| h.rotate_left(8) ^ *b as u64);
    if data.first().is_some_and(|b| b % 4 == 0) {
        let mut u = arbitrary::Unstructured::new(&data[1..]);
        let Ok(case) = super::weak::template(&mut u) else {
            return super::Verdict::Skip;
        };
        return diff.verdict(&case.wasm, seed, case.bug);
    }
    let Some(wasm) = smith_module(data) else {
        return super::Verdict::Skip;
    };
    diff.verdict(&wasm, seed, None)
}
