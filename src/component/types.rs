//! Component value types as the canonical ABI sees them, with their memory layout
//! (size, alignment) and flattening, computed once when a type is built.
//!
//! Types come from wasmparser's validated type information ([`TypeConverter`]) at
//! component compile time. Resource types inside them are *abstract*
//! ([`ResourceKey`]): which runtime resource a key stands for is decided per component
//! instance (resources are generative), so the same static type serves every
//! instantiation.

use anyhow::Result;
use std::fmt;
use std::sync::Arc;
use wasmparser::component_types::{
    ComponentDefinedType, ComponentFuncTypeId, ComponentValType as WpValType, ResourceId,
};
use wasmparser::{PrimitiveValType, types::TypesRef};

/// Most flat parameters a function passes as core values; more go through memory.
pub const MAX_FLAT_PARAMS: usize = 16;
/// Most flat results a function returns as core values; more go through memory.
pub const MAX_FLAT_RESULTS: usize = 1;

/// A core value type in a flattened signature.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlatType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl FlatType {
    /// The type both `a` and `b` fit in (the spec's `join`).
    pub fn join(a: FlatType, b: FlatType) -> FlatType {
        use FlatType::*;
        match (a, b) {
            (a, b) if a == b => a,
            (I32, F32) | (F32, I32) => I32,
            _ => I64,
        }
    }

    /// The core value type.
    pub fn core(self) -> crate::ValType {
        match self {
            FlatType::I32 => crate::ValType::I32,
            FlatType::I64 => crate::ValType::I64,
            FlatType::F32 => crate::ValType::F32,
            FlatType::F64 => crate::ValType::F64,
        }
    }
}

/// An abstract resource type: one resource of the component's type information, which
/// each component instance maps to a runtime [`super::ResourceType`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceKey(pub(crate) ResourceId);

/// Size, alignment and flat shape of a type, per the canonical ABI (32-bit memories).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Bytes in linear memory.
    pub size: u32,
    /// Alignment in linear memory (1, 2, 4 or 8).
    pub align: u32,
    /// The flattened core types.
    pub flat: Box<[FlatType]>,
}

/// A component value type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `s8`
    S8,
    /// `u8`
    U8,
    /// `s16`
    S16,
    /// `u16`
    U16,
    /// `s32`
    S32,
    /// `u32`
    U32,
    /// `s64`
    S64,
    /// `u64`
    U64,
    /// `f32`
    Float32,
    /// `f64`
    Float64,
    /// `char`
    Char,
    /// `string`
    String,
    /// `list<T>`
    List(Arc<ListType>),
    /// `list<T, N>` (fixed length)
    FixedList(Arc<FixedListType>),
    /// `record { ... }`
    Record(Arc<RecordType>),
    /// `tuple<...>`
    Tuple(Arc<TupleType>),
    /// `variant { ... }`
    Variant(Arc<VariantType>),
    /// `enum { ... }`
    Enum(Arc<EnumType>),
    /// `option<T>`
    Option(Arc<OptionType>),
    /// `result<T, E>`
    Result(Arc<ResultType>),
    /// `flags { ... }`
    Flags(Arc<FlagsType>),
    /// `map<K, V>` (in the canonical ABI, a list of key-value tuples)
    Map(Arc<MapType>),
    /// `own<R>`
    Own(ResourceKey),
    /// `borrow<R>`
    Borrow(ResourceKey),
    /// A handle type of a later feature (`future`, `stream`, `error-context`): laid out
    /// as a handle, refused with an `unsupported` error when a value of it is used.
    Unsupported(&'static str),
}

/// `map<K, V>`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MapType {
    /// Key type.
    pub key: Type,
    /// Value type.
    pub value: Type,
    /// `tuple<K, V>`: one entry in memory.
    pub(crate) entry: Type,
}

/// `list<T>`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListType {
    /// Element type.
    pub elem: Type,
    pub(crate) elem_layout: LayoutKey,
}

/// `list<T, N>`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FixedListType {
    /// Element type.
    pub elem: Type,
    /// Number of elements.
    pub len: u32,
    pub(crate) layout: LayoutKey,
}

/// `record { name: T, ... }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordType {
    /// Fields in order, with their offsets in memory.
    pub fields: Box<[Field]>,
    pub(crate) layout: LayoutKey,
}

/// A record field or tuple element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// Field name (empty for tuple elements).
    pub name: String,
    /// Field type.
    pub ty: Type,
    /// Offset in the record's memory layout.
    pub offset: u32,
}

/// `tuple<T, ...>`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TupleType {
    /// Elements, with offsets (names empty).
    pub elems: Box<[Field]>,
    pub(crate) layout: LayoutKey,
}

/// `variant { case(T), ... }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VariantType {
    /// Cases in order.
    pub cases: Box<[Case]>,
    pub(crate) info: VariantInfo,
}

/// A variant case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Case {
    /// Case name.
    pub name: String,
    /// Payload type, if any.
    pub ty: Option<Type>,
}

/// `enum { a, b, ... }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumType {
    /// Case names in order.
    pub names: Box<[String]>,
    pub(crate) info: VariantInfo,
}

/// `option<T>`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OptionType {
    /// Payload type.
    pub ty: Type,
    pub(crate) info: VariantInfo,
}

/// `result<T, E>`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResultType {
    /// `ok` payload type.
    pub ok: Option<Type>,
    /// `error` payload type.
    pub err: Option<Type>,
    pub(crate) info: VariantInfo,
}

/// `flags { a, b, ... }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlagsType {
    /// Flag names in bit order.
    pub names: Box<[String]>,
    pub(crate) layout: LayoutKey,
}

/// The layout of a compound type, kept beside it (equality and hashing ignore it: it is
/// a function of the type).
#[derive(Clone, Debug)]
pub(crate) struct LayoutKey(pub(crate) Layout);

impl PartialEq for LayoutKey {
    fn eq(&self, _: &LayoutKey) -> bool {
        true
    }
}
impl Eq for LayoutKey {}
impl std::hash::Hash for LayoutKey {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// Layout of a sum type: the discriminant's size, where the payload starts, and how
/// each case's payload flattens into the joined flat shape.
#[derive(Clone, Debug)]
pub(crate) struct VariantInfo {
    pub(crate) layout: Layout,
    /// Bytes of the discriminant (1, 2 or 4).
    pub(crate) disc_size: u32,
    /// Offset of the payload in memory.
    pub(crate) payload_offset: u32,
}

impl PartialEq for VariantInfo {
    fn eq(&self, _: &VariantInfo) -> bool {
        true
    }
}
impl Eq for VariantInfo {}
impl std::hash::Hash for VariantInfo {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

fn align_to(n: u32, align: u32) -> u32 {
    n.div_ceil(align) * align
}

const fn prim(size: u32, flat: FlatType) -> (u32, FlatType) {
    (size, flat)
}

impl Type {
    /// Size and alignment in memory.
    pub fn size_align(&self) -> (u32, u32) {
        if let Some((size, _)) = self.primitive() {
            return (size, size);
        }
        let l = self.compound_layout();
        (l.size, l.align)
    }

    /// Bytes in memory.
    pub fn size(&self) -> u32 {
        self.size_align().0
    }

    /// Alignment in memory.
    pub fn align(&self) -> u32 {
        self.size_align().1
    }

    /// Appends the flattened core types.
    pub fn push_flat(&self, out: &mut Vec<FlatType>) {
        match self.primitive() {
            Some((_, flat)) => out.push(flat),
            None => out.extend_from_slice(&self.compound_layout().flat),
        }
    }

    /// Number of flat core values.
    pub fn flat_count(&self) -> usize {
        match self.primitive() {
            Some(_) => 1,
            None => self.compound_layout().flat.len(),
        }
    }

    /// Size and flat type of the one-value types.
    fn primitive(&self) -> Option<(u32, FlatType)> {
        use FlatType::*;
        Some(match self {
            Type::Bool | Type::S8 | Type::U8 => prim(1, I32),
            Type::S16 | Type::U16 => prim(2, I32),
            Type::S32
            | Type::U32
            | Type::Char
            | Type::Own(_)
            | Type::Borrow(_)
            | Type::Unsupported(_) => prim(4, I32),
            Type::S64 | Type::U64 => prim(8, I64),
            Type::Float32 => prim(4, F32),
            Type::Float64 => prim(8, F64),
            _ => return None,
        })
    }

    fn compound_layout(&self) -> &Layout {
        static STRING: std::sync::OnceLock<Layout> = std::sync::OnceLock::new();
        match self {
            Type::String => STRING.get_or_init(|| Layout {
                size: 8,
                align: 4,
                flat: Box::new([FlatType::I32, FlatType::I32]),
            }),
            Type::List(_) | Type::Map(_) => STRING.get_or_init(|| Layout {
                size: 8,
                align: 4,
                flat: Box::new([FlatType::I32, FlatType::I32]),
            }),
            Type::FixedList(t) => &t.layout.0,
            Type::Record(t) => &t.layout.0,
            Type::Tuple(t) => &t.layout.0,
            Type::Flags(t) => &t.layout.0,
            Type::Variant(t) => &t.info.layout,
            Type::Enum(t) => &t.info.layout,
            Type::Option(t) => &t.info.layout,
            Type::Result(t) => &t.info.layout,
            _ => unreachable!("primitive types have no compound layout"),
        }
    }

    /// True if values of this type are resources or contain any.
    pub fn has_resources(&self) -> bool {
        match self {
            Type::Own(_) | Type::Borrow(_) => true,
            Type::List(t) => t.elem.has_resources(),
            Type::Map(t) => t.key.has_resources() || t.value.has_resources(),
            Type::FixedList(t) => t.elem.has_resources(),
            Type::Record(t) => t.fields.iter().any(|f| f.ty.has_resources()),
            Type::Tuple(t) => t.elems.iter().any(|f| f.ty.has_resources()),
            Type::Variant(t) => t
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(Type::has_resources)),
            Type::Option(t) => t.ty.has_resources(),
            Type::Result(t) => {
                t.ok.as_ref().is_some_and(Type::has_resources)
                    || t.err.as_ref().is_some_and(Type::has_resources)
            }
            _ => false,
        }
    }

    // ---- constructors (they compute the layout) ----

    /// `list<elem>`
    pub fn list(elem: Type) -> Type {
        let (size, align) = elem.size_align();
        let elem_layout = LayoutKey(Layout {
            size,
            align,
            flat: Box::new([]),
        });
        Type::List(Arc::new(ListType { elem, elem_layout }))
    }

    /// `map<key, value>`
    pub fn map(key: Type, value: Type) -> Type {
        let entry = Type::tuple([key.clone(), value.clone()]);
        Type::Map(Arc::new(MapType { key, value, entry }))
    }

    /// `list<elem, len>`
    pub fn fixed_list(elem: Type, len: u32) -> Type {
        let (size, align) = elem.size_align();
        let mut flat = Vec::new();
        let mut one = Vec::new();
        elem.push_flat(&mut one);
        for _ in 0..len {
            flat.extend_from_slice(&one);
        }
        let layout = LayoutKey(Layout {
            size: size.saturating_mul(len),
            align,
            flat: flat.into(),
        });
        Type::FixedList(Arc::new(FixedListType { elem, len, layout }))
    }

    fn fields_layout(fields: impl IntoIterator<Item = (String, Type)>) -> (Box<[Field]>, Layout) {
        let mut offset = 0;
        let mut align = 1;
        let mut flat = Vec::new();
        let mut out = Vec::new();
        for (name, ty) in fields {
            let (s, a) = ty.size_align();
            offset = align_to(offset, a);
            align = align.max(a);
            ty.push_flat(&mut flat);
            out.push(Field { name, ty, offset });
            offset += s;
        }
        let size = align_to(offset, align);
        (
            out.into(),
            Layout {
                size,
                align,
                flat: flat.into(),
            },
        )
    }

    /// `record { fields }`
    pub fn record(fields: impl IntoIterator<Item = (String, Type)>) -> Type {
        let (fields, layout) = Type::fields_layout(fields);
        Type::Record(Arc::new(RecordType {
            fields,
            layout: LayoutKey(layout),
        }))
    }

    /// `tuple<elems>`
    pub fn tuple(elems: impl IntoIterator<Item = Type>) -> Type {
        let (elems, layout) = Type::fields_layout(elems.into_iter().map(|t| (String::new(), t)));
        Type::Tuple(Arc::new(TupleType {
            elems,
            layout: LayoutKey(layout),
        }))
    }

    /// `flags { names }`
    pub fn flags(names: impl IntoIterator<Item = String>) -> Type {
        let names: Box<[String]> = names.into_iter().collect();
        let n = names.len() as u32;
        let (size, align) = match n {
            0 => (0, 1),
            1..=8 => (1, 1),
            9..=16 => (2, 2),
            _ => (4 * n.div_ceil(32), 4),
        };
        let flat = vec![FlatType::I32; n.div_ceil(32) as usize];
        Type::Flags(Arc::new(FlagsType {
            names,
            layout: LayoutKey(Layout {
                size,
                align,
                flat: flat.into(),
            }),
        }))
    }

    fn variant_info<'a>(cases: impl IntoIterator<Item = Option<&'a Type>>) -> VariantInfo {
        let cases: Vec<Option<&Type>> = cases.into_iter().collect();
        let n = cases.len();
        let disc_size: u32 = match n {
            0..=256 => 1,
            257..=65536 => 2,
            _ => 4,
        };
        let mut max_size = 0;
        let mut max_align = disc_size;
        let mut payload_flat: Vec<FlatType> = Vec::new();
        for ty in cases.iter().flatten() {
            let (s, a) = ty.size_align();
            max_size = max_size.max(s);
            max_align = max_align.max(a);
            let mut flat = Vec::new();
            ty.push_flat(&mut flat);
            for (i, f) in flat.into_iter().enumerate() {
                if i < payload_flat.len() {
                    payload_flat[i] = FlatType::join(payload_flat[i], f);
                } else {
                    payload_flat.push(f);
                }
            }
        }
        let payload_offset = align_to(disc_size, max_align);
        let size = align_to(payload_offset + max_size, max_align);
        let mut flat = vec![FlatType::I32];
        flat.extend(payload_flat);
        VariantInfo {
            layout: Layout {
                size,
                align: max_align,
                flat: flat.into(),
            },
            disc_size,
            payload_offset,
        }
    }

    /// `variant { cases }`
    pub fn variant(cases: impl IntoIterator<Item = (String, Option<Type>)>) -> Type {
        let cases: Box<[Case]> = cases
            .into_iter()
            .map(|(name, ty)| Case { name, ty })
            .collect();
        let info = Type::variant_info(cases.iter().map(|c| c.ty.as_ref()));
        Type::Variant(Arc::new(VariantType { cases, info }))
    }

    /// `enum { names }`
    pub fn enum_(names: impl IntoIterator<Item = String>) -> Type {
        let names: Box<[String]> = names.into_iter().collect();
        let info = Type::variant_info(names.iter().map(|_| None));
        Type::Enum(Arc::new(EnumType { names, info }))
    }

    /// `option<ty>`
    pub fn option(ty: Type) -> Type {
        let info = Type::variant_info([None, Some(&ty)]);
        Type::Option(Arc::new(OptionType { ty, info }))
    }

    /// `result<ok, err>`
    pub fn result(ok: Option<Type>, err: Option<Type>) -> Type {
        let info = Type::variant_info([ok.as_ref(), err.as_ref()]);
        Type::Result(Arc::new(ResultType { ok, err, info }))
    }

    /// Discriminant size and payload offset of a sum type.
    pub(crate) fn variant_layout(&self) -> Option<&VariantInfo> {
        match self {
            Type::Variant(t) => Some(&t.info),
            Type::Enum(t) => Some(&t.info),
            Type::Option(t) => Some(&t.info),
            Type::Result(t) => Some(&t.info),
            _ => None,
        }
    }

    /// A short description for messages (`list<u8>`, `record`, …).
    pub fn desc(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => write!(f, "bool"),
            Type::S8 => write!(f, "s8"),
            Type::U8 => write!(f, "u8"),
            Type::S16 => write!(f, "s16"),
            Type::U16 => write!(f, "u16"),
            Type::S32 => write!(f, "s32"),
            Type::U32 => write!(f, "u32"),
            Type::S64 => write!(f, "s64"),
            Type::U64 => write!(f, "u64"),
            Type::Float32 => write!(f, "f32"),
            Type::Float64 => write!(f, "f64"),
            Type::Char => write!(f, "char"),
            Type::String => write!(f, "string"),
            Type::List(t) => write!(f, "list<{}>", t.elem),
            Type::FixedList(t) => write!(f, "list<{}, {}>", t.elem, t.len),
            Type::Record(t) => {
                write!(f, "record {{ ")?;
                for (i, field) in t.fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}: {}", field.name, field.ty)?;
                }
                write!(f, " }}")
            }
            Type::Tuple(t) => {
                write!(f, "tuple<")?;
                for (i, e) in t.elems.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", e.ty)?;
                }
                write!(f, ">")
            }
            Type::Variant(t) => {
                write!(f, "variant {{ ")?;
                for (i, c) in t.cases.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    match &c.ty {
                        Some(ty) => write!(f, "{}({ty})", c.name)?,
                        None => write!(f, "{}", c.name)?,
                    }
                }
                write!(f, " }}")
            }
            Type::Enum(t) => write!(f, "enum {{ {} }}", t.names.join(", ")),
            Type::Option(t) => write!(f, "option<{}>", t.ty),
            Type::Result(t) => match (&t.ok, &t.err) {
                (None, None) => write!(f, "result"),
                (Some(ok), None) => write!(f, "result<{ok}>"),
                (None, Some(err)) => write!(f, "result<_, {err}>"),
                (Some(ok), Some(err)) => write!(f, "result<{ok}, {err}>"),
            },
            Type::Flags(t) => write!(f, "flags {{ {} }}", t.names.join(", ")),
            Type::Map(t) => write!(f, "map<{}, {}>", t.key, t.value),
            Type::Own(_) => write!(f, "own<resource>"),
            Type::Borrow(_) => write!(f, "borrow<resource>"),
            Type::Unsupported(what) => write!(f, "{what}"),
        }
    }
}

/// A component function type: named parameters and at most one result.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// Parameters in order.
    pub params: Box<[(String, Type)]>,
    /// The result, if any.
    pub result: Option<Type>,
    /// The parameters as one tuple (their layout when passed through memory).
    pub(crate) params_tuple: Type,
    /// The result as a tuple of zero or one element (what typed calls lift).
    pub(crate) results_tuple: Type,
    /// Flat core types of all parameters.
    pub(crate) flat_params: Box<[FlatType]>,
    /// Flat core types of the result.
    pub(crate) flat_results: Box<[FlatType]>,
    /// An `async` function type (callable only through the async ABI, a later issue).
    pub(crate) is_async: bool,
    /// Parameters or result hold resource handles: calls need a call scope.
    pub(crate) needs_scope: bool,
}

impl FuncType {
    /// A function type.
    pub fn new(params: Vec<(String, Type)>, result: Option<Type>) -> FuncType {
        let params_tuple = Type::tuple(params.iter().map(|(_, t)| t.clone()));
        let results_tuple = Type::tuple(result.iter().cloned());
        let params_tuple_has_resources = params_tuple.has_resources();
        let result_has_resources = result.as_ref().is_some_and(Type::has_resources);
        let mut flat_params = Vec::new();
        params_tuple.push_flat(&mut flat_params);
        let mut flat_results = Vec::new();
        if let Some(r) = &result {
            r.push_flat(&mut flat_results);
        }
        FuncType {
            params: params.into(),
            result,
            params_tuple,
            results_tuple,
            flat_params: flat_params.into(),
            flat_results: flat_results.into(),
            is_async: false,
            needs_scope: params_tuple_has_resources || result_has_resources,
        }
    }

    /// True if the parameters are passed through memory (more than 16 flat values).
    pub fn params_in_memory(&self) -> bool {
        self.flat_params.len() > MAX_FLAT_PARAMS
    }

    /// True if the result is returned through memory (more than 1 flat value).
    pub fn results_in_memory(&self) -> bool {
        self.flat_results.len() > MAX_FLAT_RESULTS
    }

    /// The core signature of a `canon lift`ed function (what the core callee takes):
    /// params, results.
    pub fn lifted_core_signature(&self) -> (Vec<FlatType>, Vec<FlatType>) {
        let params = if self.params_in_memory() {
            vec![FlatType::I32]
        } else {
            self.flat_params.to_vec()
        };
        let results = if self.results_in_memory() {
            vec![FlatType::I32]
        } else {
            self.flat_results.to_vec()
        };
        (params, results)
    }

    /// The core signature of a `canon lower`ed function (what core code calls).
    pub fn lowered_core_signature(&self) -> (Vec<FlatType>, Vec<FlatType>) {
        let mut params = if self.params_in_memory() {
            vec![FlatType::I32]
        } else {
            self.flat_params.to_vec()
        };
        let results = if self.results_in_memory() {
            params.push(FlatType::I32);
            Vec::new()
        } else {
            self.flat_results.to_vec()
        };
        (params, results)
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "func(")?;
        for (i, (name, ty)) in self.params.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{name}: {ty}")?;
        }
        write!(f, ")")?;
        if let Some(r) = &self.result {
            write!(f, " -> {r}")?;
        }
        Ok(())
    }
}

/// Converts wasmparser's validated types into [`Type`]s.
pub(crate) struct TypeConverter<'a> {
    pub(crate) types: TypesRef<'a>,
}

impl TypeConverter<'_> {
    /// A function type.
    pub(crate) fn func(&self, id: ComponentFuncTypeId) -> Result<FuncType> {
        let ty = &self.types[id];
        let params = ty
            .params
            .iter()
            .map(|(name, t)| Ok((name.as_str().to_string(), self.val(*t)?)))
            .collect::<Result<Vec<_>>>()?;
        let result = ty.result.map(|t| self.val(t)).transpose()?;
        let mut f = FuncType::new(params, result);
        f.is_async = ty.async_;
        Ok(f)
    }

    /// A value type.
    pub(crate) fn val(&self, ty: WpValType) -> Result<Type> {
        match ty {
            WpValType::Primitive(p) => primitive(p),
            WpValType::Type(id) => self.defined(&self.types[id]),
        }
    }

    fn defined(&self, ty: &ComponentDefinedType) -> Result<Type> {
        Ok(match ty {
            ComponentDefinedType::Primitive(p) => primitive(*p)?,
            ComponentDefinedType::Record(r) => Type::record(
                r.fields
                    .iter()
                    .map(|(n, t)| Ok((n.as_str().to_string(), self.val(*t)?)))
                    .collect::<Result<Vec<_>>>()?,
            ),
            ComponentDefinedType::Variant(v) => Type::variant(
                v.cases
                    .iter()
                    .map(|(n, c)| {
                        Ok((
                            n.as_str().to_string(),
                            c.ty.map(|t| self.val(t)).transpose()?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            ComponentDefinedType::List { element, .. } => Type::list(self.val(*element)?),
            ComponentDefinedType::FixedLengthList {
                element, length, ..
            } => Type::fixed_list(self.val(*element)?, *length),
            ComponentDefinedType::Tuple(t) => Type::tuple(
                t.types
                    .iter()
                    .map(|t| self.val(*t))
                    .collect::<Result<Vec<_>>>()?,
            ),
            ComponentDefinedType::Flags(names) => {
                Type::flags(names.iter().map(|n| n.as_str().to_string()))
            }
            ComponentDefinedType::Enum(names) => {
                Type::enum_(names.iter().map(|n| n.as_str().to_string()))
            }
            ComponentDefinedType::Option { ty, .. } => Type::option(self.val(*ty)?),
            ComponentDefinedType::Result { ok, err, .. } => Type::result(
                ok.map(|t| self.val(t)).transpose()?,
                err.map(|t| self.val(t)).transpose()?,
            ),
            ComponentDefinedType::Own(r) => Type::Own(ResourceKey(r.resource())),
            ComponentDefinedType::Borrow(r) => Type::Borrow(ResourceKey(r.resource())),
            ComponentDefinedType::Map { key, value, .. } => {
                Type::map(self.val(*key)?, self.val(*value)?)
            }
            ComponentDefinedType::Future { .. } => Type::Unsupported("future"),
            ComponentDefinedType::Stream { .. } => Type::Unsupported("stream"),
        })
    }
}

fn primitive(p: PrimitiveValType) -> Result<Type> {
    Ok(match p {
        PrimitiveValType::Bool => Type::Bool,
        PrimitiveValType::S8 => Type::S8,
        PrimitiveValType::U8 => Type::U8,
        PrimitiveValType::S16 => Type::S16,
        PrimitiveValType::U16 => Type::U16,
        PrimitiveValType::S32 => Type::S32,
        PrimitiveValType::U32 => Type::U32,
        PrimitiveValType::S64 => Type::S64,
        PrimitiveValType::U64 => Type::U64,
        PrimitiveValType::F32 => Type::Float32,
        PrimitiveValType::F64 => Type::Float64,
        PrimitiveValType::Char => Type::Char,
        PrimitiveValType::String => Type::String,
        PrimitiveValType::ErrorContext => Type::Unsupported("error-context"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_follow_the_canonical_abi() {
        let r = Type::record([
            ("a".to_string(), Type::U8),
            ("b".to_string(), Type::U32),
            ("c".to_string(), Type::U16),
        ]);
        assert_eq!(r.size_align(), (12, 4));
        let Type::Record(rt) = &r else { unreachable!() };
        assert_eq!(
            rt.fields.iter().map(|f| f.offset).collect::<Vec<_>>(),
            [0, 4, 8]
        );
        let o = Type::option(Type::U64);
        assert_eq!(o.size_align(), (16, 8));
        let mut flat = Vec::new();
        o.push_flat(&mut flat);
        assert_eq!(flat, [FlatType::I32, FlatType::I64]);
        let v = Type::variant([
            ("a".to_string(), Some(Type::Float32)),
            ("b".to_string(), Some(Type::U32)),
            ("c".to_string(), Some(Type::Float64)),
        ]);
        let mut flat = Vec::new();
        v.push_flat(&mut flat);
        assert_eq!(flat, [FlatType::I32, FlatType::I64]);
        assert_eq!(
            Type::flags((0..33).map(|i| i.to_string())).size_align(),
            (8, 4)
        );
        assert_eq!(
            Type::flags((0..9).map(|i| i.to_string())).size_align(),
            (2, 2)
        );
        assert_eq!(
            Type::enum_((0..300).map(|i| i.to_string())).size_align(),
            (2, 2)
        );
        assert_eq!(Type::String.size_align(), (8, 4));
        let f = FuncType::new(
            (0..17).map(|i| (i.to_string(), Type::U32)).collect(),
            Some(Type::String),
        );
        assert!(f.params_in_memory() && f.results_in_memory());
        assert_eq!(
            f.lowered_core_signature(),
            (vec![FlatType::I32, FlatType::I32], vec![])
        );
    }
}
