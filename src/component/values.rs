//! `Val`: a component value of any type, for dynamically typed calls
//! (`Func::call`, `LinkerInstance::func_new`) and the wast runner.

use super::resources::ResourceAny;
use super::types::Type;
use anyhow::{Result, bail};
use std::fmt;

/// A component value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `bool`
    Bool(bool),
    /// `s8`
    S8(i8),
    /// `u8`
    U8(u8),
    /// `s16`
    S16(i16),
    /// `u16`
    U16(u16),
    /// `s32`
    S32(i32),
    /// `u32`
    U32(u32),
    /// `s64`
    S64(i64),
    /// `u64`
    U64(u64),
    /// `f32`
    Float32(f32),
    /// `f64`
    Float64(f64),
    /// `char`
    Char(char),
    /// `string`
    String(String),
    /// `list<T>` (also fixed-length lists)
    List(Vec<Val>),
    /// `record`: fields by name, in the type's order.
    Record(Vec<(String, Val)>),
    /// `tuple`
    Tuple(Vec<Val>),
    /// `variant`: case name and payload.
    Variant(String, Option<Box<Val>>),
    /// `enum`: case name.
    Enum(String),
    /// `option<T>`
    Option(Option<Box<Val>>),
    /// `result<T, E>`
    Result(Result<Option<Box<Val>>, Option<Box<Val>>>),
    /// `flags`: the names of the flags that are set.
    Flags(Vec<String>),
    /// `map<K, V>`: entries in order (duplicate keys are kept, as the ABI does).
    Map(Vec<(Val, Val)>),
    /// `own<R>` or `borrow<R>`
    Resource(ResourceAny),
}

impl Val {
    /// A short name of the value's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Bool(_) => "bool",
            Val::S8(_) => "s8",
            Val::U8(_) => "u8",
            Val::S16(_) => "s16",
            Val::U16(_) => "u16",
            Val::S32(_) => "s32",
            Val::U32(_) => "u32",
            Val::S64(_) => "s64",
            Val::U64(_) => "u64",
            Val::Float32(_) => "f32",
            Val::Float64(_) => "f64",
            Val::Char(_) => "char",
            Val::String(_) => "string",
            Val::List(_) => "list",
            Val::Record(_) => "record",
            Val::Tuple(_) => "tuple",
            Val::Variant(..) => "variant",
            Val::Enum(_) => "enum",
            Val::Option(_) => "option",
            Val::Result(_) => "result",
            Val::Flags(_) => "flags",
            Val::Map(_) => "map",
            Val::Resource(_) => "resource",
        }
    }

    /// Checks that the value has type `ty` (resources only by kind: their runtime
    /// types are checked when they are lowered).
    pub fn typecheck(&self, ty: &Type) -> Result<()> {
        let ok = match (self, ty) {
            (Val::Bool(_), Type::Bool)
            | (Val::S8(_), Type::S8)
            | (Val::U8(_), Type::U8)
            | (Val::S16(_), Type::S16)
            | (Val::U16(_), Type::U16)
            | (Val::S32(_), Type::S32)
            | (Val::U32(_), Type::U32)
            | (Val::S64(_), Type::S64)
            | (Val::U64(_), Type::U64)
            | (Val::Float32(_), Type::Float32)
            | (Val::Float64(_), Type::Float64)
            | (Val::Char(_), Type::Char)
            | (Val::String(_), Type::String)
            | (Val::Resource(_), Type::Own(_) | Type::Borrow(_)) => true,
            (Val::List(items), Type::List(t)) => {
                for v in items {
                    v.typecheck(&t.elem)?;
                }
                true
            }
            (Val::List(items), Type::FixedList(t)) => {
                if items.len() != t.len as usize {
                    bail!(
                        "expected a list of {} elements, found {}",
                        t.len,
                        items.len()
                    );
                }
                for v in items {
                    v.typecheck(&t.elem)?;
                }
                true
            }
            (Val::Map(entries), Type::Map(t)) => {
                for (k, v) in entries {
                    k.typecheck(&t.key)?;
                    v.typecheck(&t.value)?;
                }
                true
            }
            (Val::Record(fields), Type::Record(t)) => {
                if fields.len() != t.fields.len() {
                    bail!(
                        "expected a record of {} fields, found {}",
                        t.fields.len(),
                        fields.len()
                    );
                }
                for ((name, v), f) in fields.iter().zip(t.fields.iter()) {
                    if *name != f.name {
                        bail!("expected record field `{}`, found `{name}`", f.name);
                    }
                    v.typecheck(&f.ty)?;
                }
                true
            }
            (Val::Tuple(items), Type::Tuple(t)) => {
                if items.len() != t.elems.len() {
                    bail!(
                        "expected a tuple of {} elements, found {}",
                        t.elems.len(),
                        items.len()
                    );
                }
                for (v, e) in items.iter().zip(t.elems.iter()) {
                    v.typecheck(&e.ty)?;
                }
                true
            }
            (Val::Variant(name, payload), Type::Variant(t)) => {
                let Some(case) = t.cases.iter().find(|c| c.name == *name) else {
                    bail!("unknown variant case `{name}`");
                };
                match (payload, &case.ty) {
                    (None, None) => {}
                    (Some(v), Some(ty)) => v.typecheck(ty)?,
                    (Some(_), None) => bail!("variant case `{name}` has no payload"),
                    (None, Some(_)) => bail!("variant case `{name}` needs a payload"),
                }
                true
            }
            (Val::Enum(name), Type::Enum(t)) => {
                if !t.names.contains(name) {
                    bail!("unknown enum case `{name}`");
                }
                true
            }
            (Val::Option(v), Type::Option(t)) => {
                if let Some(v) = v {
                    v.typecheck(&t.ty)?;
                }
                true
            }
            (Val::Result(r), Type::Result(t)) => {
                let (v, ty, which) = match r {
                    Ok(v) => (v, &t.ok, "ok"),
                    Err(v) => (v, &t.err, "error"),
                };
                match (v, ty) {
                    (None, None) => {}
                    (Some(v), Some(ty)) => v.typecheck(ty)?,
                    (Some(_), None) => bail!("result `{which}` has no payload"),
                    (None, Some(_)) => bail!("result `{which}` needs a payload"),
                }
                true
            }
            (Val::Flags(names), Type::Flags(t)) => {
                for n in names {
                    if !t.names.contains(n) {
                        bail!("unknown flag `{n}`");
                    }
                }
                true
            }
            _ => false,
        };
        if !ok {
            bail!(
                "type mismatch: expected {ty}, found a {} value",
                self.kind()
            );
        }
        Ok(())
    }
}

impl fmt::Display for Val {
    /// Prints the value in the WAVE syntax (`"text"`, `[1, 2]`, `{a: 1}`, `some(x)`, …).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::wave::format(self))
    }
}

/// A WAVE-like rendering that never fails (resource handles included), for values WAVE
/// cannot write.
pub(crate) struct Plain<'a>(pub(crate) &'a Val);

impl fmt::Display for Plain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
            if x.is_nan() {
                write!(f, "nan")
            } else if x.is_infinite() {
                write!(f, "{}", if x > 0.0 { "inf" } else { "-inf" })
            } else {
                write!(f, "{x:?}")
            }
        }
        fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Val], close: &str) -> fmt::Result {
            write!(f, "{open}")?;
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{}", Plain(v))?;
            }
            write!(f, "{close}")
        }
        match self.0 {
            Val::Bool(b) => write!(f, "{b}"),
            Val::S8(v) => write!(f, "{v}"),
            Val::U8(v) => write!(f, "{v}"),
            Val::S16(v) => write!(f, "{v}"),
            Val::U16(v) => write!(f, "{v}"),
            Val::S32(v) => write!(f, "{v}"),
            Val::U32(v) => write!(f, "{v}"),
            Val::S64(v) => write!(f, "{v}"),
            Val::U64(v) => write!(f, "{v}"),
            Val::Float32(v) => float(f, f64::from(*v)),
            Val::Float64(v) => float(f, *v),
            Val::Char(c) => write!(f, "'{}'", c.escape_default()),
            Val::String(s) => {
                write!(f, "\"")?;
                for c in s.chars() {
                    match c {
                        '"' => write!(f, "\\\"")?,
                        '\\' => write!(f, "\\\\")?,
                        '\n' => write!(f, "\\n")?,
                        '\r' => write!(f, "\\r")?,
                        '\t' => write!(f, "\\t")?,
                        c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
                write!(f, "\"")
            }
            Val::List(items) => list(f, "[", items, "]"),
            Val::Tuple(items) => list(f, "(", items, ")"),
            Val::Record(fields) => {
                write!(f, "{{")?;
                for (i, (name, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{name}: {}", Plain(v))?;
                }
                write!(f, "}}")
            }
            Val::Variant(name, None) | Val::Enum(name) => write!(f, "{name}"),
            Val::Variant(name, Some(v)) => write!(f, "{name}({})", Plain(v)),
            Val::Option(None) => write!(f, "none"),
            Val::Option(Some(v)) => write!(f, "some({})", Plain(v)),
            Val::Result(Ok(None)) => write!(f, "ok"),
            Val::Result(Ok(Some(v))) => write!(f, "ok({})", Plain(v)),
            Val::Result(Err(None)) => write!(f, "err"),
            Val::Result(Err(Some(v))) => write!(f, "err({})", Plain(v)),
            Val::Flags(names) => write!(f, "{{{}}}", names.join(", ")),
            Val::Map(entries) => {
                write!(f, "[")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "({}, {})", Plain(k), Plain(v))?;
                }
                write!(f, "]")
            }
            Val::Resource(r) => write!(f, "{r:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_wave_and_never_fails() {
        let v = Val::Record(vec![
            ("name".into(), Val::String("é\"".into())),
            ("n".into(), Val::Float64(1.0)),
            ("o".into(), Val::Option(None)),
        ]);
        assert_eq!(v.to_string(), r#"{name: "é\"", n: 1}"#);
        let r = ResourceAny {
            store: crate::Store::new(&crate::Engine::default(), ()).opaque_id(),
            index: 3,
            ty: super::super::ResourceType::host::<u8>(),
            own: true,
        };
        let text = Val::List(vec![Val::Resource(r)]).to_string();
        assert!(text.starts_with("[own<"), "{text}");
    }
}
