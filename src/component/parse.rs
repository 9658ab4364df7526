//! Parsing and validation of component binaries into [`ComponentDef`]: the static
//! description that every instantiation replays.
//!
//! A `ComponentDef` is a list of initializers in binary order (`Init`), each of which
//! appends one item to one index space when it runs: imports, core modules (compiled
//! here, through the core `Module` API), core instances, aliases, nested components,
//! component instances, `canon lift`/`canon lower`/resource built-ins, exports. Types
//! come from wasmparser's validator, queried right after each section is validated, and
//! are converted once into [`super::types`] form, with resources left abstract
//! ([`ResourceKey`]) for each instance to bind.

pub(crate) use super::def::{
    CanonOptions, ComponentDef, CoreItemRef, CoreKind, EntityTy, Init, ItemRef, Kind, LiftDef,
    LowerDef, ResourceDef, StringEncoding, TrampolineDef, describe,
};
use super::types::{ResourceKey, TypeConverter};
use crate::vm::component::VMComponentOffsets;
use crate::{Engine, Module};
use anyhow::{Context, Result, anyhow, bail};
use std::sync::Arc;
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};
use wasmparser::types::TypesRef;
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentOuterAliasKind, ComponentType,
    Encoding, Parser, Payload, Validator, WasmFeatures,
};

/// The features components are validated with: the core features of
/// `module::wasm_features` plus the component model (async parts validate, and are
/// refused with an `unsupported` error when used).
pub(crate) fn component_features() -> WasmFeatures {
    crate::module::wasm_features()
        | WasmFeatures::COMPONENT_MODEL
        | WasmFeatures::CM_ASYNC
        | WasmFeatures::CM_ASYNC_STACKFUL
        | WasmFeatures::CM_ERROR_CONTEXT
        | WasmFeatures::CM_FIXED_LENGTH_LISTS
        | WasmFeatures::CM_THREADING
        | WasmFeatures::CM_MORE_ASYNC_BUILTINS
        | WasmFeatures::CM_IMPLEMENTS
        | WasmFeatures::CM_MAP
        | WasmFeatures::CM_FORWARD
}

/// Counts of the component-level and core index spaces, mirroring the validator's.
#[derive(Default)]
struct Spaces {
    funcs: u32,
    instances: u32,
    types: u32,
    components: u32,
    modules: u32,
    values: u32,
    core_funcs: u32,
    core_memories: u32,
    core_tables: u32,
    core_globals: u32,
    core_instances: u32,
}

impl Spaces {
    fn push(&mut self, kind: Kind) -> u32 {
        let n = match kind {
            Kind::Func => &mut self.funcs,
            Kind::Instance => &mut self.instances,
            Kind::Type => &mut self.types,
            Kind::Component => &mut self.components,
            Kind::Module => &mut self.modules,
            Kind::Value => &mut self.values,
        };
        *n += 1;
        *n - 1
    }

    fn push_core(&mut self, kind: CoreKind) -> u32 {
        let n = match kind {
            CoreKind::Func => &mut self.core_funcs,
            CoreKind::Table => &mut self.core_tables,
            CoreKind::Memory => &mut self.core_memories,
            CoreKind::Global => &mut self.core_globals,
        };
        *n += 1;
        *n - 1
    }
}

/// A component being parsed.
struct Builder {
    def: ComponentDef,
    spaces: Spaces,
    /// Per core module index: the module when it is statically known (outer aliases can
    /// only name those).
    static_modules: Vec<Option<u32>>,
    /// Per component index: the definition when statically known.
    static_components: Vec<Option<u32>>,
    /// Set when an outer alias of a run-time item reaches through this component.
    uses_outer: bool,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            def: ComponentDef {
                inits: Vec::new(),
                imports: Vec::new(),
                exports: Vec::new(),
                modules: Vec::new(),
                components: Vec::new(),
                lifts: Vec::new(),
                lowerings: Vec::new(),
                trampolines: Vec::new(),
                memories: Vec::new(),
                reallocs: Vec::new(),
                post_returns: Vec::new(),
                resources: Vec::new(),
                unsupported: Vec::new(),
                uses_outer: false,
                offsets: VMComponentOffsets::default(),
            },
            spaces: Spaces::default(),
            static_modules: Vec::new(),
            static_components: Vec::new(),
            uses_outer: false,
        }
    }

    fn finish(mut self) -> ComponentDef {
        self.def.uses_outer = self.uses_outer;
        let d = &mut self.def;
        d.offsets = VMComponentOffsets::new(
            d.lowerings.len() as u32,
            d.trampolines.len() as u32,
            d.memories.len() as u32,
            d.reallocs.len() as u32,
            d.post_returns.len() as u32,
            d.resources.len() as u32,
        );
        self.def
    }

    fn options(&mut self, opts: &[CanonicalOption]) -> Result<CanonOptions> {
        let mut o = CanonOptions::default();
        for opt in opts {
            match *opt {
                CanonicalOption::UTF8 => o.encoding = StringEncoding::Utf8,
                CanonicalOption::UTF16 => o.encoding = StringEncoding::Utf16,
                CanonicalOption::CompactUTF16 => o.encoding = StringEncoding::CompactUtf16,
                CanonicalOption::Memory(m) => {
                    self.def.memories.push(m);
                    o.memory = Some(self.def.memories.len() as u32 - 1);
                }
                CanonicalOption::Realloc(f) => {
                    self.def.reallocs.push(f);
                    o.realloc = Some(self.def.reallocs.len() as u32 - 1);
                }
                CanonicalOption::PostReturn(f) => {
                    self.def.post_returns.push(f);
                    o.post_return = Some(self.def.post_returns.len() as u32 - 1);
                }
                CanonicalOption::Async | CanonicalOption::Callback(_) => {
                    o.unsupported = Some("the async canonical ABI")
                }
                CanonicalOption::Gc => o.unsupported = Some("the GC canonical ABI"),
                CanonicalOption::CoreType(_) => {}
            }
        }
        Ok(o)
    }
}

/// Converts the validator's type of an import or export.
fn entity_ty(types: TypesRef<'_>, ty: &ComponentEntityType) -> Result<EntityTy> {
    let conv = TypeConverter { types };
    Ok(match ty {
        ComponentEntityType::Module(_) => EntityTy::Module,
        ComponentEntityType::Func(id) => EntityTy::Func(Arc::new(conv.func(*id)?)),
        ComponentEntityType::Value(_) => bail!("unsupported: component values"),
        ComponentEntityType::Type {
            referenced,
            created,
        } => {
            let mut keys = Vec::new();
            for t in [created, referenced] {
                if let ComponentAnyTypeId::Resource(r) = t {
                    let k = ResourceKey(r.resource());
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
            EntityTy::Type(keys)
        }
        ComponentEntityType::Instance(id) => {
            let exports = types[*id]
                .exports
                .iter()
                .map(|(name, item)| Ok((name.clone(), entity_ty(types, &item.ty)?)))
                .collect::<Result<Vec<_>>>()?;
            EntityTy::Instance(Arc::new(exports))
        }
        ComponentEntityType::Component(_) => EntityTy::Component,
    })
}

/// The resource keys of type index `index`, if it is a resource.
fn type_keys(types: TypesRef<'_>, index: u32) -> Vec<ResourceKey> {
    match types.component_any_type_at(index) {
        ComponentAnyTypeId::Resource(r) => vec![ResourceKey(r.resource())],
        _ => Vec::new(),
    }
}

fn resource_key(types: TypesRef<'_>, index: u32) -> Result<ResourceKey> {
    match types.component_any_type_at(index) {
        ComponentAnyTypeId::Resource(r) => Ok(ResourceKey(r.resource())),
        _ => bail!("type {index} is not a resource"),
    }
}

/// What the parser is inside of.
enum Frame {
    Component(Box<Builder>),
    /// A core module nested in a component: its payloads only go to the validator.
    Module,
}

/// Parses and validates a component binary.
pub(crate) fn parse(engine: &Engine, bytes: &[u8]) -> Result<ComponentDef> {
    let features = component_features();
    let mut validator = Validator::new_with_features(features);
    let mut parser = Parser::new(0);
    parser.set_features(features);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let explain = |e| crate::module::explain_invalid(bytes, features, e);
    for payload in parser.parse_all(bytes) {
        let payload = payload.map_err(explain)?;
        validator.payload(&payload).map_err(explain)?;
        if let Payload::Version { encoding, .. } = &payload {
            match encoding {
                Encoding::Component => stack.push(Frame::Component(Box::new(Builder::new()))),
                Encoding::Module => {
                    if stack.is_empty() {
                        bail!("expected a component, found a core module (use `Module::new`)");
                    }
                    stack.push(Frame::Module);
                }
            }
            continue;
        }
        if let Payload::End(_) = &payload {
            match stack.pop() {
                Some(Frame::Module) => {}
                Some(Frame::Component(b)) => {
                    let def = b.finish();
                    match stack.last_mut() {
                        Some(Frame::Component(parent)) => {
                            parent.def.components.push(Arc::new(def));
                            let i = parent.def.components.len() as u32 - 1;
                            parent.static_components.push(Some(i));
                            parent.spaces.push(Kind::Component);
                            parent.def.inits.push(Init::Component(i));
                        }
                        Some(Frame::Module) => unreachable!("validated: no component in a module"),
                        None => root = Some(def),
                    }
                }
                None => bail!("unbalanced component end"),
            }
            continue;
        }
        let depth = stack.len();
        let Some(Frame::Component(b)) = stack.last_mut() else {
            continue; // a nested core module's own sections
        };
        let types = validator
            .types(0)
            .ok_or_else(|| anyhow!("validator has no component state"))?;
        section(engine, b, &payload, types, bytes)
            .with_context(|| format!("in component at nesting depth {}", depth - 1))?;
        if let Payload::ComponentAliasSection(reader) = &payload {
            for alias in reader.clone() {
                match alias? {
                    ComponentAlias::Outer { kind, count, index } => {
                        outer_alias(&mut stack, types, kind, count, index)?
                    }
                    alias => {
                        let Some(Frame::Component(b)) = stack.last_mut() else {
                            unreachable!("checked above")
                        };
                        instance_alias(b, alias, types)?;
                    }
                }
            }
        }
    }
    root.ok_or_else(|| anyhow!("component binary ended early"))
}

/// An alias of an instance's export.
fn instance_alias(b: &mut Builder, alias: ComponentAlias<'_>, types: TypesRef<'_>) -> Result<()> {
    match alias {
        ComponentAlias::InstanceExport {
            kind,
            instance_index,
            name,
        } => {
            let kind = Kind::from_external(kind);
            let index = b.spaces.push(kind);
            let keys = if kind == Kind::Type {
                type_keys(types, index)
            } else {
                Vec::new()
            };
            if kind == Kind::Module {
                b.static_modules.push(None);
            }
            if kind == Kind::Component {
                b.static_components.push(None);
            }
            b.def.inits.push(Init::Alias {
                instance: instance_index,
                name: name.to_string(),
                kind,
                keys,
            });
        }
        ComponentAlias::CoreInstanceExport {
            kind,
            instance_index,
            name,
        } => {
            let kind = CoreKind::from_external(kind)?;
            b.spaces.push_core(kind);
            b.def.inits.push(Init::CoreAlias {
                instance: instance_index,
                name: name.to_string(),
                kind,
            });
        }
        ComponentAlias::Outer { .. } => unreachable!("handled by `outer_alias`"),
    }
    Ok(())
}

/// An outer alias of the innermost component: modules and components are static
/// definitions of an enclosing component, copied here; types need nothing at run time.
fn outer_alias(
    stack: &mut [Frame],
    types: TypesRef<'_>,
    kind: ComponentOuterAliasKind,
    count: u32,
    index: u32,
) -> Result<()> {
    let depth = stack.len();
    let target = depth
        .checked_sub(1 + count as usize)
        .ok_or_else(|| anyhow!("outer alias count {count} too large"))?;
    let (outer, inner) = stack.split_at_mut(depth - 1);
    let Frame::Component(inner) = &mut inner[0] else {
        unreachable!("aliases are only read inside components")
    };
    if kind == ComponentOuterAliasKind::Type {
        let new = inner.spaces.push(Kind::Type);
        if count == 0 {
            inner.def.inits.push(Init::TypeAlias(index));
        } else if type_keys(types, new).is_empty() {
            inner.def.inits.push(Init::Type);
        } else {
            bail!("unsupported: outer alias of a resource type of an enclosing component");
        }
        return Ok(());
    }
    if kind == ComponentOuterAliasKind::CoreType {
        return Ok(());
    }
    let source: &Builder = if count == 0 {
        inner
    } else {
        match &outer[target] {
            Frame::Component(b) => b,
            Frame::Module => bail!("outer alias into a module"),
        }
    };
    let is_module = kind == ComponentOuterAliasKind::CoreModule;
    let static_index = if is_module {
        source.static_modules.get(index as usize).copied().flatten()
    } else {
        source
            .static_components
            .get(index as usize)
            .copied()
            .flatten()
    };
    match static_index {
        // A definition: copy it here.
        Some(i) if is_module => {
            let module = source.def.modules[i as usize].clone();
            inner.def.modules.push(module);
            let i = inner.def.modules.len() as u32 - 1;
            inner.spaces.push(Kind::Module);
            inner.static_modules.push(Some(i));
            inner.def.inits.push(Init::CoreModule(i));
        }
        Some(i) => {
            let def = source.def.components[i as usize].clone();
            inner.def.components.push(def);
            let i = inner.def.components.len() as u32 - 1;
            inner.spaces.push(Kind::Component);
            inner.static_components.push(Some(i));
            inner.def.inits.push(Init::Component(i));
        }
        // A run-time item of an enclosing instantiation: captured when this component
        // (and every component between) becomes a value.
        None => {
            if count == 0 {
                // The same index space: only possible for imports, which take no
                // capture; alias the item again.
                bail!("unsupported: outer alias with count 0 of an imported module or component");
            }
            inner.uses_outer = true;
            if is_module {
                inner.spaces.push(Kind::Module);
                inner.static_modules.push(None);
                inner.def.inits.push(Init::OuterModule { count, index });
            } else {
                inner.spaces.push(Kind::Component);
                inner.static_components.push(None);
                inner.def.inits.push(Init::OuterComponent { count, index });
            }
            for f in &mut outer[target + 1..] {
                if let Frame::Component(b) = f {
                    b.uses_outer = true;
                }
            }
        }
    }
    Ok(())
}

/// One `instance` initializer per component instance of the section.
fn component_instance_section(
    b: &mut Builder,
    reader: &wasmparser::ComponentInstanceSectionReader<'_>,
    types: TypesRef<'_>,
) -> Result<()> {
    for inst in reader.clone() {
        let index = b.spaces.push(Kind::Instance);
        let init = match inst? {
            wasmparser::ComponentInstance::Instantiate {
                component_index,
                args,
            } => {
                let ty = entity_ty(
                    types,
                    &ComponentEntityType::Instance(types.component_instance_at(index)),
                )?;
                let mut bindings = Vec::new();
                ty.resource_paths(&mut Vec::new(), &mut bindings);
                Init::Instantiate {
                    component: component_index,
                    args: args
                        .iter()
                        .map(|a| {
                            (
                                a.name.to_string(),
                                ItemRef {
                                    kind: Kind::from_external(a.kind),
                                    index: a.index,
                                },
                            )
                        })
                        .collect(),
                    bindings,
                }
            }
            wasmparser::ComponentInstance::FromExports(exports) => Init::InstanceFromExports(
                exports
                    .iter()
                    .map(|e| {
                        (
                            e.name.name.to_string(),
                            ItemRef {
                                kind: Kind::from_external(e.kind),
                                index: e.index,
                            },
                        )
                    })
                    .collect(),
            ),
        };
        b.def.inits.push(init);
    }
    Ok(())
}

/// The imports of the section, in order.
fn import_section(
    b: &mut Builder,
    reader: &wasmparser::ComponentImportSectionReader<'_>,
    types: TypesRef<'_>,
) -> Result<()> {
    for import in reader.clone() {
        let import = import?;
        let name = import.name.name.to_string();
        let item = types
            .component_item_for_import(&name)
            .ok_or_else(|| anyhow!("no type for import `{name}`"))?;
        let ty = entity_ty(types, &item.ty).with_context(|| format!("import `{name}`"))?;
        let kind = ty.kind();
        b.spaces.push(kind);
        if kind == Kind::Module {
            b.static_modules.push(None);
        }
        if kind == Kind::Component {
            b.static_components.push(None);
        }
        b.def.imports.push((name, ty));
        b.def
            .inits
            .push(Init::Import(b.def.imports.len() as u32 - 1));
    }
    Ok(())
}

/// The exports of the section, in order.
fn export_section(
    b: &mut Builder,
    reader: &wasmparser::ComponentExportSectionReader<'_>,
    types: TypesRef<'_>,
) -> Result<()> {
    for export in reader.clone() {
        let export = export?;
        let name = export.name.name.to_string();
        let kind = Kind::from_external(export.kind);
        let item = ItemRef {
            kind,
            index: export.index,
        };
        let new_index = b.spaces.push(kind);
        let keys = if kind == Kind::Type {
            let mut k = type_keys(types, export.index);
            for n in type_keys(types, new_index) {
                if !k.contains(&n) {
                    k.push(n);
                }
            }
            k
        } else {
            Vec::new()
        };
        if kind == Kind::Module {
            b.static_modules.push(None);
        }
        if kind == Kind::Component {
            let s = b
                .static_components
                .get(export.index as usize)
                .copied()
                .flatten();
            b.static_components.push(s);
        }
        let ty = match types.component_item_for_export(&name) {
            Some(item) => entity_ty(types, &item.ty).with_context(|| format!("export `{name}`"))?,
            None => bail!("no type for export `{name}`"),
        };
        b.def.exports.push((name.clone(), item, ty));
        b.def.inits.push(Init::Export { name, item, keys });
    }
    Ok(())
}

fn section(
    engine: &Engine,
    b: &mut Builder,
    payload: &Payload<'_>,
    types: TypesRef<'_>,
    bytes: &[u8],
) -> Result<()> {
    match payload {
        Payload::ModuleSection {
            unchecked_range, ..
        } => {
            // wasmparser reports a nested module before checking that it fits.
            let module_bytes = bytes
                .get(unchecked_range.start as usize..unchecked_range.end as usize)
                .ok_or_else(|| anyhow!("core module section extends past the end of the input"))?;
            let module = Module::from_binary(engine, module_bytes)
                .context("in a core module of the component")?;
            b.def.modules.push(module);
            let i = b.def.modules.len() as u32 - 1;
            b.spaces.push(Kind::Module);
            b.static_modules.push(Some(i));
            b.def.inits.push(Init::CoreModule(i));
        }
        Payload::ComponentSection { .. } => {} // handled when its `End` arrives
        Payload::InstanceSection(reader) => {
            for inst in reader.clone() {
                let init = match inst? {
                    wasmparser::Instance::Instantiate { module_index, args } => {
                        Init::CoreInstantiate {
                            module: module_index,
                            args: args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
                        }
                    }
                    wasmparser::Instance::FromExports(exports) => Init::CoreInstanceFromExports(
                        exports
                            .iter()
                            .map(|e| {
                                Ok((
                                    e.name.to_string(),
                                    CoreItemRef {
                                        kind: CoreKind::from_external(e.kind)?,
                                        index: e.index,
                                    },
                                ))
                            })
                            .collect::<Result<_>>()?,
                    ),
                };
                b.spaces.core_instances += 1;
                b.def.inits.push(init);
            }
        }
        Payload::CoreTypeSection(_) => {}
        Payload::ComponentInstanceSection(reader) => {
            component_instance_section(b, reader, types)?;
        }
        Payload::ComponentAliasSection(_) => {} // see `parse`: outer aliases need the stack
        Payload::ComponentTypeSection(reader) => {
            for ty in reader.clone() {
                let index = b.spaces.push(Kind::Type);
                match ty? {
                    ComponentType::Resource { dtor, .. } => {
                        let key = resource_key(types, index)?;
                        b.def.resources.push(ResourceDef { key, dtor });
                        b.def
                            .inits
                            .push(Init::DefineResource(b.def.resources.len() as u32 - 1));
                    }
                    _ => b.def.inits.push(Init::Type),
                }
            }
        }
        Payload::ComponentCanonicalSection(reader) => {
            for func in reader.clone() {
                canonical(b, func?, types)?;
            }
        }
        Payload::ComponentStartSection { .. } => {
            bail!("unsupported: component start functions")
        }
        Payload::ComponentImportSection(reader) => {
            import_section(b, reader, types)?;
        }
        Payload::ComponentExportSection(reader) => {
            export_section(b, reader, types)?;
        }
        Payload::CustomSection(_) => {}
        other => {
            if let Some((id, _)) = other.as_section() {
                bail!("unexpected section {id} in a component");
            }
        }
    }
    Ok(())
}

fn canonical(b: &mut Builder, func: CanonicalFunction, types: TypesRef<'_>) -> Result<()> {
    let conv = TypeConverter { types };
    match func {
        CanonicalFunction::Lift {
            core_func_index,
            options,
            ..
        } => {
            let index = b.spaces.push(Kind::Func);
            let ty = conv.func(types.component_function_at(index))?;
            let options = b.options(&options)?;
            b.def.lifts.push(LiftDef {
                ty: Arc::new(ty),
                core_func: core_func_index,
                options,
            });
            b.def.inits.push(Init::Lift(b.def.lifts.len() as u32 - 1));
        }
        CanonicalFunction::Lower {
            func_index,
            options,
        } => {
            let ty = conv.func(types.component_function_at(func_index))?;
            let options = b.options(&options)?;
            if let Some(what) = options.unsupported {
                let index = b.spaces.core_funcs;
                let core = core_func_type(types, index)?;
                b.def
                    .unsupported
                    .push((format!("`canon lower` with {what}"), core));
                trampoline(
                    b,
                    TrampolineDef::Unsupported(b.def.unsupported.len() as u32 - 1),
                );
                return Ok(());
            }
            b.def.lowerings.push(LowerDef {
                ty: Arc::new(ty),
                func: func_index,
                options,
            });
            trampoline(b, TrampolineDef::Lower(b.def.lowerings.len() as u32 - 1));
        }
        CanonicalFunction::ResourceNew { resource } => trampoline(
            b,
            TrampolineDef::ResourceNew(resource_key(types, resource)?),
        ),
        CanonicalFunction::ResourceDrop { resource } => trampoline(
            b,
            TrampolineDef::ResourceDrop(resource_key(types, resource)?),
        ),
        CanonicalFunction::ResourceRep { resource } => trampoline(
            b,
            TrampolineDef::ResourceRep(resource_key(types, resource)?),
        ),
        other => {
            let name = format!("{other:?}");
            let name = name
                .split([' ', '{', '('])
                .next()
                .unwrap_or("built-in")
                .to_string();
            let index = b.spaces.core_funcs;
            let ty = core_func_type(types, index)?;
            b.def.unsupported.push((name, ty));
            trampoline(
                b,
                TrampolineDef::Unsupported(b.def.unsupported.len() as u32 - 1),
            );
        }
    }
    Ok(())
}

/// The core type of core function `index` (from the validator).
fn core_func_type(types: TypesRef<'_>, index: u32) -> Result<crate::FuncType> {
    let id = types.core_function_at(index);
    let f = types[id].unwrap_func();
    let conv =
        |t: &wasmparser::ValType| crate::ValType::from_wasmparser(*t).map_err(|e| anyhow!(e));
    Ok(crate::FuncType::new(
        f.params().iter().map(conv).collect::<Result<Vec<_>>>()?,
        f.results().iter().map(conv).collect::<Result<Vec<_>>>()?,
    ))
}

fn trampoline(b: &mut Builder, t: TrampolineDef) {
    b.def.trampolines.push(t);
    b.spaces.push_core(CoreKind::Func);
    b.def
        .inits
        .push(Init::Trampoline(b.def.trampolines.len() as u32 - 1));
}
