//! `Module`: a validated, compiled-on-demand wasm module, bound to an engine.

use crate::engine::Engine;
use crate::module::{EntityType, ExportIndex, FuncIndex, FuncType, ModuleInfo};
use crate::tiering::ModuleTiers;
use crate::vm::{VMOffsets, VMSharedTypeIndex};
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    pub(crate) info: Arc<ModuleInfo>,
    pub(crate) offsets: VMOffsets,
    pub(crate) sig_ids: Box<[VMSharedTypeIndex]>,
    pub(crate) tiers: Arc<ModuleTiers>,
}

/// A validated module. Cheap to clone; instantiate it with `Instance::new` or a `Linker`.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.inner.info.name)
            .finish()
    }
}

/// An import of a module, as `Module::imports` lists it.
#[derive(Clone, Debug)]
pub struct ImportType<'a> {
    /// Module name.
    pub module: &'a str,
    /// Field name.
    pub name: &'a str,
    /// What is imported.
    pub ty: ExternType,
}

/// An export of a module, as `Module::exports` lists it.
#[derive(Clone, Debug)]
pub struct ExportType<'a> {
    /// Export name.
    pub name: &'a str,
    /// What is exported.
    pub ty: ExternType,
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A table.
    Table(crate::module::TableType),
    /// A memory.
    Memory(crate::module::MemoryType),
    /// A global.
    Global(crate::module::GlobalType),
}

impl Module {
    /// Validates and prepares a module from binary wasm or text (`.wat`).
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let wasm = wat::parse_bytes(bytes.as_ref())?;
        Module::from_binary(engine, &wasm)
    }

    /// Validates and prepares a binary module.
    pub fn from_binary(engine: &Engine, wasm: &[u8]) -> Result<Module> {
        let info = Arc::new(ModuleInfo::parse(wasm)?);
        let sig_ids: Box<[VMSharedTypeIndex]> =
            info.types.iter().map(|t| engine.signature_id(t)).collect();
        let offsets = VMOffsets::new(&info);
        let tiers = Arc::new(ModuleTiers::new(
            engine,
            info.clone(),
            &offsets,
            sig_ids.clone(),
        )?);
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                info,
                offsets,
                sig_ids,
                tiers,
            }),
        })
    }

    /// Reads and prepares a module from a file (binary or text).
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Module::new(engine, bytes).with_context(|| format!("in {}", path.display()))
    }

    /// Checks that `bytes` is a valid module, without preparing it.
    pub fn validate(_engine: &Engine, bytes: &[u8]) -> Result<()> {
        ModuleInfo::parse(bytes).map(|_| ())
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The name from the name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.info.name.as_deref()
    }

    /// The parsed module description.
    pub(crate) fn info(&self) -> &ModuleInfo {
        &self.inner.info
    }

    fn extern_type(&self, ty: &EntityType) -> ExternType {
        match ty {
            EntityType::Func(t) => ExternType::Func(self.inner.info.types[*t as usize].clone()),
            EntityType::Table(t) => ExternType::Table(*t),
            EntityType::Memory(m) => ExternType::Memory(*m),
            EntityType::Global(g) => ExternType::Global(*g),
        }
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        self.inner.info.imports.iter().map(|i| ImportType {
            module: &i.module,
            name: &i.name,
            ty: self.extern_type(&i.ty),
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let info = &self.inner.info;
        info.exports.iter().map(move |(name, index)| ExportType {
            name,
            ty: match *index {
                ExportIndex::Func(f) => ExternType::Func(info.func_type(f).clone()),
                ExportIndex::Table(t) => ExternType::Table(info.tables[t as usize]),
                ExportIndex::Memory(m) => ExternType::Memory(info.memories[m as usize]),
                ExportIndex::Global(g) => ExternType::Global(info.globals[g as usize]),
            },
        })
    }

    /// Translates every function for the interpreter now (normally done on first call).
    pub fn translate_all(&self) -> Result<()> {
        self.inner.tiers.interp.translate_all()
    }

    /// Bytes of interpreter bytecode produced so far.
    pub fn bytecode_size(&self) -> usize {
        self.inner.tiers.interp.bytecode_size()
    }

    /// Disassembles the interpreter bytecode of function `func` (translating it if needed).
    pub fn disassemble(&self, func: u32) -> Result<String> {
        let info = &self.inner.info;
        match info.defined_func_index(FuncIndex::from_u32(func)) {
            Some(d) if d.as_u32() < info.num_defined_funcs() => self.inner.tiers.disassemble(d),
            _ => anyhow::bail!("function {func} is not defined by this module"),
        }
    }

    /// The function indices (imports first) of the functions the module defines.
    pub fn defined_functions(&self) -> std::ops::Range<u32> {
        let info = &self.inner.info;
        info.num_imported_funcs..info.functions.len() as u32
    }

    /// The type of function `func` (imports first), if it exists.
    pub fn function_type(&self, func: u32) -> Option<&FuncType> {
        let info = &self.inner.info;
        ((func as usize) < info.functions.len()).then(|| info.func_type(func))
    }

    /// Function `func`'s name for messages: its name-section name and index, or `#index`.
    pub fn function_name(&self, func: u32) -> String {
        self.inner.info.func_display_name(func)
    }

    /// Bytes of function bodies in the module's code section.
    pub fn code_size(&self) -> usize {
        self.inner.info.bodies.iter().map(|b| b.len()).sum()
    }
}
