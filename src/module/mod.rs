//! Parsing and validation of core wasm modules into [`ModuleInfo`].
//!
//! This module knows nothing of tiers: it turns bytes into a validated description
//! (types, imports, exports, segments, function bodies as byte ranges) that the `vm`
//! layer instantiates and the tiers translate.

mod const_expr;
pub mod fuel;
mod index;
mod types;
pub(crate) mod visit;

pub use const_expr::{ConstExpr, ConstOp};
pub use index::{DefinedFuncIndex, FuncIndex};
pub use types::{
    EntityType, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType,
};

use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// An import of a module.
#[derive(Clone, Debug)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// What is imported.
    pub ty: EntityType,
}

/// What an export refers to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportIndex {
    /// A function index.
    Func(u32),
    /// A table index.
    Table(u32),
    /// A memory index.
    Memory(u32),
    /// A global index.
    Global(u32),
}

/// How an element segment is used.
#[derive(Clone, Debug)]
pub enum ElemMode {
    /// Used by `table.init`.
    Passive,
    /// Copied into a table at instantiation.
    Active {
        /// Table index.
        table: u32,
        /// Offset in the table.
        offset: ConstExpr,
    },
    /// Only declares functions for `ref.func`.
    Declared,
}

/// The items of an element segment.
#[derive(Clone, Debug)]
pub enum ElemItems {
    /// Function indices (`funcref`).
    Funcs(Vec<u32>),
    /// Constant expressions.
    Exprs(Vec<ConstExpr>),
}

impl ElemItems {
    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            ElemItems::Funcs(f) => f.len(),
            ElemItems::Exprs(e) => e.len(),
        }
    }
}

/// An element segment.
#[derive(Clone, Debug)]
pub struct ElementSegment {
    /// Mode.
    pub mode: ElemMode,
    /// Items.
    pub items: ElemItems,
}

/// How a data segment is used.
#[derive(Clone, Debug)]
pub enum DataMode {
    /// Used by `memory.init`.
    Passive,
    /// Copied into a memory at instantiation.
    Active {
        /// Memory index.
        memory: u32,
        /// Offset in the memory.
        offset: ConstExpr,
    },
}

/// A data segment: its bytes are `ModuleInfo::bytes[range]`.
#[derive(Clone, Debug)]
pub struct DataSegment {
    /// Mode.
    pub mode: DataMode,
    /// Byte range in the module's bytes.
    pub range: Range<usize>,
}

/// A validated module, independent of tiers and stores.
#[derive(Debug, Default)]
pub struct ModuleInfo {
    /// Name from the name section, if any.
    pub name: Option<String>,
    /// The type section (function types).
    pub types: Vec<FuncType>,
    /// Type index of every function (imports first).
    pub functions: Vec<u32>,
    /// Every table type (imports first).
    pub tables: Vec<TableType>,
    /// Initialisers of defined tables (`None`: null).
    pub table_inits: Vec<Option<ConstExpr>>,
    /// Every memory type (imports first).
    pub memories: Vec<MemoryType>,
    /// Every global type (imports first).
    pub globals: Vec<GlobalType>,
    /// Initialisers of defined globals.
    pub global_inits: Vec<ConstExpr>,
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Imports in order.
    pub imports: Vec<Import>,
    /// Exports in order.
    pub exports: Vec<(String, ExportIndex)>,
    /// Export lookup by name.
    pub export_map: HashMap<String, ExportIndex>,
    /// Start function.
    pub start: Option<u32>,
    /// Element segments.
    pub elements: Vec<ElementSegment>,
    /// Data segments.
    pub data: Vec<DataSegment>,
    /// Byte range of each defined function's body (locals + code) in `bytes`.
    pub bodies: Vec<Range<usize>>,
    /// Function names from the name section.
    pub func_names: HashMap<u32, String>,
    /// The module's bytes (function bodies and data segments point into it).
    pub bytes: Arc<[u8]>,
}

/// The wasm features tierwasm validates against: WebAssembly 2.0 without SIMD (not
/// executable yet), plus the 3.0 proposals it runs (extended constant expressions).
pub fn wasm_features() -> WasmFeatures {
    (WasmFeatures::WASM2 - WasmFeatures::SIMD) | WasmFeatures::EXTENDED_CONST
}

/// Standard proposals tierwasm does not run, with the name its error gives and the
/// features each needs on top of the supported ones.
const UNSUPPORTED: &[(&str, WasmFeatures)] = &[
    ("SIMD (v128)", WasmFeatures::SIMD),
    (
        "relaxed SIMD",
        WasmFeatures::SIMD.union(WasmFeatures::RELAXED_SIMD),
    ),
    ("threads (shared memories, atomics)", WasmFeatures::THREADS),
    ("tail calls", WasmFeatures::TAIL_CALL),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("exception handling", WasmFeatures::EXCEPTIONS),
    ("legacy exception handling", WasmFeatures::LEGACY_EXCEPTIONS),
    ("memory64", WasmFeatures::MEMORY64),
    (
        "typed function references",
        WasmFeatures::FUNCTION_REFERENCES,
    ),
    (
        "GC",
        WasmFeatures::GC
            .union(WasmFeatures::GC_TYPES)
            .union(WasmFeatures::FUNCTION_REFERENCES),
    ),
    ("custom page sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
    ("wide arithmetic", WasmFeatures::WIDE_ARITHMETIC),
    (
        "stack switching",
        WasmFeatures::STACK_SWITCHING
            .union(WasmFeatures::EXCEPTIONS)
            .union(WasmFeatures::FUNCTION_REFERENCES),
    ),
    (
        "shared-everything threads",
        WasmFeatures::SHARED_EVERYTHING_THREADS.union(WasmFeatures::THREADS),
    ),
    ("compact imports", WasmFeatures::COMPACT_IMPORTS),
];

/// The error for `bytes` (a module or component), which failed to validate with
/// `supported` features with `err`: `unsupported: <proposal>` when it validates once
/// standard proposals tierwasm does not run are enabled, else `err` itself. Only runs
/// on the error path, so validating again costs nothing in the common case.
pub(crate) fn explain_invalid(
    bytes: &[u8],
    supported: WasmFeatures,
    err: wasmparser::BinaryReaderError,
) -> anyhow::Error {
    let valid = |f: WasmFeatures| Validator::new_with_features(f).validate_all(bytes).is_ok();
    if let Some((name, _)) = UNSUPPORTED.iter().find(|(_, f)| valid(supported | *f)) {
        return anyhow!("unsupported: {name} is not implemented ({err})");
    }
    let all = UNSUPPORTED.iter().fold(supported, |a, (_, f)| a | *f);
    if !valid(all) {
        return anyhow::Error::new(err);
    }
    // Several at once: name each proposal the module cannot do without.
    let mut needed: Vec<&str> = UNSUPPORTED
        .iter()
        .filter(|(_, f)| !valid((all - *f) | supported))
        .map(|(name, _)| *name)
        .collect();
    if needed.is_empty() {
        needed.push("a combination of proposals");
    }
    anyhow!(
        "unsupported: {} are not implemented ({err})",
        needed.join(", ")
    )
}

impl ModuleInfo {
    /// Number of defined (non-imported) functions.
    pub fn num_defined_funcs(&self) -> u32 {
        self.functions.len() as u32 - self.num_imported_funcs
    }

    /// The type of function `func`.
    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.functions[func as usize] as usize]
    }

    /// Per function (imports first): whether code outside the module's own direct calls
    /// can reach it, the functions wasm calls "declared": exported, the start function,
    /// in an element segment, or named by `ref.func` in a global's or table's
    /// initialiser. Validation allows `ref.func` in code only for these, so a function
    /// not among them is only ever called directly by the module's own code.
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "the JIT tier decides its array entries by it")
    )]
    pub fn escaping_funcs(&self) -> Vec<bool> {
        let no_exprs: &[ConstExpr] = &[];
        let segment_exprs = self.elements.iter().flat_map(|s| match &s.items {
            ElemItems::Exprs(es) => es.as_slice(),
            ElemItems::Funcs(_) => no_exprs,
        });
        let in_exprs = self
            .global_inits
            .iter()
            .chain(self.table_inits.iter().flatten())
            .chain(segment_exprs)
            .flat_map(|e| e.ops.iter())
            .filter_map(|op| match *op {
                ConstOp::RefFunc(f) => Some(f),
                _ => None,
            });
        let no_funcs: &[u32] = &[];
        let in_segments = self.elements.iter().flat_map(|s| match &s.items {
            ElemItems::Funcs(fs) => fs.as_slice(),
            ElemItems::Exprs(_) => no_funcs,
        });
        let exported = self.exports.iter().filter_map(|(_, e)| match *e {
            ExportIndex::Func(f) => Some(f),
            _ => None,
        });
        let mut escaping = vec![false; self.functions.len()];
        for f in in_exprs
            .chain(in_segments.copied())
            .chain(exported)
            .chain(self.start)
        {
            if let Some(e) = escaping.get_mut(f as usize) {
                *e = true;
            }
        }
        escaping
    }

    /// The name of function `func` for messages: its name-section name or `#index`.
    pub fn func_display_name(&self, func: u32) -> String {
        match self.func_names.get(&func) {
            Some(n) => format!("{n} (#{func})"),
            None => format!("#{func}"),
        }
    }

    /// Parses and validates a binary module (eagerly, function bodies included).
    pub fn parse(bytes: &[u8]) -> Result<ModuleInfo> {
        let bytes: Arc<[u8]> = Arc::from(bytes);
        let mut info = ModuleInfo {
            bytes: bytes.clone(),
            ..Default::default()
        };
        let mut validator = Validator::new_with_features(wasm_features());
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        let mut defined_index = 0u32;
        let mut parser = Parser::new(0);
        parser.set_features(wasm_features());
        let explain = |e| explain_invalid(&bytes, wasm_features(), e);
        for payload in parser.parse_all(&bytes) {
            let payload = payload.map_err(explain)?;
            let valid = validator.payload(&payload).map_err(explain)?;
            if let wasmparser::ValidPayload::Func(to_validate, body) = valid {
                let func_index = info.num_imported_funcs + defined_index;
                let mut fv = to_validate.into_validator(std::mem::take(&mut allocs));
                fv.validate(&body)
                    .map_err(explain)
                    .with_context(|| format!("invalid function #{func_index}"))?;
                allocs = fv.into_allocations();
                defined_index += 1;
            }
            info.read_payload(payload)?;
        }
        Ok(info)
    }

    fn read_payload(&mut self, payload: Payload<'_>) -> Result<()> {
        match payload {
            Payload::TypeSection(reader) => self.read_types(reader)?,
            Payload::ImportSection(reader) => self.read_imports(reader)?,
            Payload::FunctionSection(reader) => {
                for t in reader {
                    self.functions.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    self.tables.push(table_type(table.ty)?);
                    self.table_inits.push(match table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr(&e)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    self.memories.push(memory_type(m?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    self.globals.push(global_type(g.ty)?);
                    self.global_inits.push(const_expr(&g.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => self.read_exports(reader)?,
            Payload::StartSection { func, .. } => self.start = Some(func),
            Payload::ElementSection(reader) => self.read_elements(reader)?,
            Payload::DataSection(reader) => self.read_data(reader)?,
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                self.bodies.push(range.start as usize..range.end as usize);
            }
            Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                    // A malformed name section is not an error (the spec says so).
                    let _ = self.read_names(names);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn read_types(&mut self, reader: wasmparser::TypeSectionReader<'_>) -> Result<()> {
        for ty in reader.into_iter_err_on_gc_types() {
            let ty = ty?;
            let params = ty.params().iter().map(|t| ValType::from_wasmparser(*t));
            let results = ty.results().iter().map(|t| ValType::from_wasmparser(*t));
            let params = params
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow!(e))?;
            let results = results
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow!(e))?;
            if params.contains(&ValType::V128) || results.contains(&ValType::V128) {
                bail!("unsupported: SIMD (v128) is not implemented yet");
            }
            self.types.push(FuncType::new(params, results));
        }
        Ok(())
    }

    fn read_imports(&mut self, reader: wasmparser::ImportSectionReader<'_>) -> Result<()> {
        for import in reader.into_imports() {
            let import = import?;
            let ty = match import.ty {
                wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) => {
                    self.functions.push(t);
                    self.num_imported_funcs += 1;
                    EntityType::Func(t)
                }
                wasmparser::TypeRef::Table(t) => {
                    let t = table_type(t)?;
                    self.tables.push(t);
                    self.num_imported_tables += 1;
                    EntityType::Table(t)
                }
                wasmparser::TypeRef::Memory(m) => {
                    let m = memory_type(m)?;
                    self.memories.push(m);
                    self.num_imported_memories += 1;
                    EntityType::Memory(m)
                }
                wasmparser::TypeRef::Global(g) => {
                    let g = global_type(g)?;
                    self.globals.push(g);
                    self.num_imported_globals += 1;
                    EntityType::Global(g)
                }
                wasmparser::TypeRef::Tag(_) => {
                    bail!("unsupported: exception-handling tags")
                }
            };
            self.imports.push(Import {
                module: import.module.to_string(),
                name: import.name.to_string(),
                ty,
            });
        }
        Ok(())
    }

    fn read_exports(&mut self, reader: wasmparser::ExportSectionReader<'_>) -> Result<()> {
        for e in reader {
            let e = e?;
            let index = match e.kind {
                wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                    ExportIndex::Func(e.index)
                }
                wasmparser::ExternalKind::Table => ExportIndex::Table(e.index),
                wasmparser::ExternalKind::Memory => ExportIndex::Memory(e.index),
                wasmparser::ExternalKind::Global => ExportIndex::Global(e.index),
                wasmparser::ExternalKind::Tag => {
                    bail!("unsupported: exception-handling tags")
                }
            };
            self.export_map.insert(e.name.to_string(), index);
            self.exports.push((e.name.to_string(), index));
        }
        Ok(())
    }

    fn read_elements(&mut self, reader: wasmparser::ElementSectionReader<'_>) -> Result<()> {
        for elem in reader {
            let elem = elem?;
            let mode = match elem.kind {
                wasmparser::ElementKind::Passive => ElemMode::Passive,
                wasmparser::ElementKind::Declared => ElemMode::Declared,
                wasmparser::ElementKind::Active {
                    table_index,
                    offset_expr,
                } => ElemMode::Active {
                    table: table_index.unwrap_or(0),
                    offset: const_expr(&offset_expr)?,
                },
            };
            let items = match elem.items {
                wasmparser::ElementItems::Functions(funcs) => {
                    ElemItems::Funcs(funcs.into_iter().collect::<Result<Vec<_>, _>>()?)
                }
                wasmparser::ElementItems::Expressions(ty, exprs) => {
                    // Refuses reference types the engine does not run (`unsupported: …`).
                    RefType::from_wasmparser(ty).map_err(|e| anyhow!(e))?;
                    let mut items = Vec::new();
                    for e in exprs {
                        items.push(const_expr(&e?)?);
                    }
                    ElemItems::Exprs(items)
                }
            };
            self.elements.push(ElementSegment { mode, items });
        }
        Ok(())
    }

    fn read_data(&mut self, reader: wasmparser::DataSectionReader<'_>) -> Result<()> {
        for data in reader {
            let data = data?;
            let mode = match data.kind {
                wasmparser::DataKind::Passive => DataMode::Passive,
                wasmparser::DataKind::Active {
                    memory_index,
                    offset_expr,
                } => DataMode::Active {
                    memory: memory_index,
                    offset: const_expr(&offset_expr)?,
                },
            };
            let start = data.data.as_ptr() as usize - self.bytes.as_ptr() as usize;
            self.data.push(DataSegment {
                mode,
                range: start..start + data.data.len(),
            });
        }
        Ok(())
    }

    fn read_names(&mut self, names: wasmparser::NameSectionReader<'_>) -> Result<()> {
        for name in names {
            match name? {
                wasmparser::Name::Module { name, .. } => self.name = Some(name.to_string()),
                wasmparser::Name::Function(map) => {
                    for naming in map {
                        let naming = naming?;
                        self.func_names
                            .insert(naming.index, naming.name.to_string());
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn const_expr(e: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
    ConstExpr::from_wasmparser(e).map_err(|e| anyhow!(e))
}

fn table_type(t: wasmparser::TableType) -> Result<TableType> {
    if t.table64 {
        bail!("unsupported: 64-bit tables (memory64 proposal)");
    }
    Ok(TableType {
        element: RefType::from_wasmparser(t.element_type).map_err(|e| anyhow!(e))?,
        minimum: t.initial,
        maximum: t.maximum,
    })
}

fn memory_type(m: wasmparser::MemoryType) -> Result<MemoryType> {
    if m.memory64 {
        bail!("unsupported: 64-bit memories (memory64 proposal)");
    }
    if m.shared {
        bail!("unsupported: shared memories (threads proposal)");
    }
    if m.page_size_log2.is_some() {
        bail!("unsupported: custom page sizes");
    }
    Ok(MemoryType {
        minimum: m.initial,
        maximum: m.maximum,
        memory64: false,
        shared: false,
    })
}

fn global_type(g: wasmparser::GlobalType) -> Result<GlobalType> {
    Ok(GlobalType {
        content: ValType::from_wasmparser(g.content_type).map_err(|e| anyhow!(e))?,
        mutability: if g.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_imports_exports_and_bodies() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "f" (func $f (param i32)))
                (memory (export "mem") 1)
                (global $g (mut i32) (i32.const 7))
                (func (export "run") (result i32) global.get $g)
                (data (i32.const 8) "hi"))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse(&wasm).unwrap();
        assert_eq!(info.num_imported_funcs, 1);
        assert_eq!(info.num_defined_funcs(), 1);
        assert_eq!(info.export_map["run"], ExportIndex::Func(1));
        assert_eq!(info.export_map["mem"], ExportIndex::Memory(0));
        assert_eq!(&info.bytes[info.data[0].range.clone()], b"hi");
        assert_eq!(info.bodies.len(), 1);
    }

    #[test]
    fn invalid_function_names_index_and_offset() {
        let wasm = wat::parse_str(r#"(module (func (result i32) i64.const 1))"#).unwrap();
        let err = format!("{:#}", ModuleInfo::parse(&wasm).unwrap_err());
        assert!(err.contains("invalid function #0"), "{err}");
        assert!(err.contains("offset"), "{err}");
    }

    #[test]
    fn simd_is_reported_unsupported() {
        let wasm = wat::parse_str(r#"(module (func (param v128)))"#).unwrap();
        let err = format!("{:#}", ModuleInfo::parse(&wasm).unwrap_err());
        assert!(err.contains("unsupported: SIMD"), "{err}");
    }

    #[test]
    fn extended_constant_expressions_validate() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "a" (global $a i32))
                (global i32 (i32.mul (i32.add (global.get $a) (i32.const 1)) (i32.const 6)))
                (global i64 (i64.sub (i64.const 1) (i64.const 2))))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse(&wasm).unwrap();
        assert_eq!(info.global_inits[0].ops.len(), 5);
    }

    #[test]
    fn standard_proposals_not_implemented_are_reported_unsupported() {
        for (wat, feature) in [
            ("(func return_call 0)", "tail calls"),
            ("(memory 1) (memory 1)", "multi-memory"),
            ("(memory i64 1)", "memory64"),
            ("(memory 1 1 shared)", "threads"),
            ("(tag)", "exception handling"),
            ("(func try_table end)", "exception handling"),
            ("(type (struct))", "GC"),
            ("(func (param (ref func)))", "typed function references"),
            (
                "(func (param v128) (result v128) local.get 0 local.get 0 i8x16.relaxed_swizzle)",
                "relaxed SIMD",
            ),
            ("(memory 1 (pagesize 1))", "custom page sizes"),
            (
                "(func (param i64 i64 i64 i64) (result i64 i64) local.get 0 local.get 1 local.get 2 local.get 3 i64.add128)",
                "wide arithmetic",
            ),
            (
                "(memory 1) (memory 1) (func return_call 0)",
                "tail calls, multi-memory are",
            ),
        ] {
            let wasm = wat::parse_str(format!("(module {wat})")).unwrap();
            let err = format!("{:#}", ModuleInfo::parse(&wasm).unwrap_err());
            assert!(
                err.contains(&format!("unsupported: {feature}")),
                "{wat}: {err}"
            );
        }
    }
}
