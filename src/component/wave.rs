//! WAVE, the WebAssembly Value Encoding: component values as text (`"hi"`, `[1, 2]`,
//! `{x: 1, y: 2}`, `some(red)`, `ok("done")`, `{read, write}`), read and written with
//! the `wasm-wave` crate.
//!
//! [`Val`] implements [`WasmValue`] and [`Type`] implements [`WasmType`] directly (both
//! types are ours, so no wrapper is needed and nothing is cloned to write a value), so
//! `wasm_wave::from_str::<Val>(&ty, text)` and `wasm_wave::to_string(&val)` work as they
//! do for wasmtime's types. On top of that:
//!
//! * [`parse_value`]: one value of a given type, with a readable error;
//! * [`invocation_name`] and [`parse_invocation`]: a call written `name(arg, ...)`, as
//!   `tierwasm run --invoke` takes it; argument errors name the parameter;
//! * [`parse_args`]: arguments given one WAVE value each (the CLI's `--invoke NAME ARGS…`);
//! * [`format()`]: a value as WAVE text.
//!
//! ```
//! use tierwasm::component::{Type, Val, wave};
//!
//! let params = vec![("name".to_string(), Type::String), ("n".to_string(), Type::U32)];
//! let (name, args) = wave::parse_invocation(r#"greet("wörld\n", 3)"#, &params)?;
//! assert_eq!(name, "greet");
//! assert_eq!(args, [Val::String("wörld\n".into()), Val::U32(3)]);
//! assert_eq!(wave::format(&args[0]), r#""wörld\n""#);
//! # Ok::<(), anyhow::Error>(())
//! ```

use super::types::Type;
use super::values::Val;
use anyhow::{Result, anyhow, bail};
use std::borrow::Cow;
use std::ops::Range;
use wasm_wave::lex::{Lexer, Token};
use wasm_wave::parser::{ParserError, ParserErrorKind};
use wasm_wave::wasm::{WasmType, WasmTypeKind, WasmValue, WasmValueError};

impl WasmType for Type {
    fn kind(&self) -> WasmTypeKind {
        match self {
            Type::Bool => WasmTypeKind::Bool,
            Type::S8 => WasmTypeKind::S8,
            Type::U8 => WasmTypeKind::U8,
            Type::S16 => WasmTypeKind::S16,
            Type::U16 => WasmTypeKind::U16,
            Type::S32 => WasmTypeKind::S32,
            Type::U32 => WasmTypeKind::U32,
            Type::S64 => WasmTypeKind::S64,
            Type::U64 => WasmTypeKind::U64,
            Type::Float32 => WasmTypeKind::F32,
            Type::Float64 => WasmTypeKind::F64,
            Type::Char => WasmTypeKind::Char,
            Type::String => WasmTypeKind::String,
            // wasm-wave 0.263 reads `FixedLengthList` as unsupported; fixed lists are
            // written like lists, so they parse as lists and `make_list` checks the
            // length.
            Type::List(_) | Type::FixedList(_) => WasmTypeKind::List,
            Type::Record(_) => WasmTypeKind::Record,
            Type::Tuple(_) => WasmTypeKind::Tuple,
            Type::Variant(_) => WasmTypeKind::Variant,
            Type::Enum(_) => WasmTypeKind::Enum,
            Type::Option(_) => WasmTypeKind::Option,
            Type::Result(_) => WasmTypeKind::Result,
            Type::Flags(_) => WasmTypeKind::Flags,
            Type::Map(_) => WasmTypeKind::Map,
            // Resource handles have no text form.
            Type::Own(_) | Type::Borrow(_) | Type::Unsupported(_) => WasmTypeKind::Unsupported,
        }
    }

    fn list_element_type(&self) -> Option<Type> {
        match self {
            Type::List(t) => Some(t.elem.clone()),
            Type::FixedList(t) => Some(t.elem.clone()),
            _ => None,
        }
    }

    fn record_fields(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Type)> + '_> {
        match self {
            Type::Record(t) => Box::new(
                t.fields
                    .iter()
                    .map(|f| (Cow::Borrowed(f.name.as_str()), f.ty.clone())),
            ),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn tuple_element_types(&self) -> Box<dyn Iterator<Item = Type> + '_> {
        match self {
            Type::Tuple(t) => Box::new(t.elems.iter().map(|e| e.ty.clone())),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn variant_cases(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Option<Type>)> + '_> {
        match self {
            Type::Variant(t) => Box::new(
                t.cases
                    .iter()
                    .map(|c| (Cow::Borrowed(c.name.as_str()), c.ty.clone())),
            ),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn enum_cases(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Type::Enum(t) => Box::new(t.names.iter().map(|n| Cow::Borrowed(n.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn option_some_type(&self) -> Option<Type> {
        match self {
            Type::Option(t) => Some(t.ty.clone()),
            _ => None,
        }
    }

    fn result_types(&self) -> Option<(Option<Type>, Option<Type>)> {
        match self {
            Type::Result(t) => Some((t.ok.clone(), t.err.clone())),
            _ => None,
        }
    }

    fn flags_names(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Type::Flags(t) => Box::new(t.names.iter().map(|n| Cow::Borrowed(n.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn map_key_value_types(&self) -> Option<(Type, Type)> {
        match self {
            Type::Map(t) => Some((t.key.clone(), t.value.clone())),
            _ => None,
        }
    }
}

/// The error `make_*` gives when asked for a value of another kind of type (the parser
/// only asks for the kind the type reports, so this is a bug guard, not a panic).
fn wrong_kind(ty: &Type, kind: WasmTypeKind) -> WasmValueError {
    WasmValueError::WrongTypeKind {
        kind,
        ty: ty.to_string(),
    }
}

/// Panics like wasm-wave's own `Value` does when an `unwrap_*` is asked for another kind:
/// its writer only asks for the kind [`WasmValue::kind`] reports, so this cannot happen
/// from any input.
fn not_a(what: &str, v: &Val) -> ! {
    panic!("WAVE: unwrap_{what} on a {} value", v.kind())
}

impl WasmValue for Val {
    type Type = Type;

    fn kind(&self) -> WasmTypeKind {
        match self {
            Val::Bool(_) => WasmTypeKind::Bool,
            Val::S8(_) => WasmTypeKind::S8,
            Val::U8(_) => WasmTypeKind::U8,
            Val::S16(_) => WasmTypeKind::S16,
            Val::U16(_) => WasmTypeKind::U16,
            Val::S32(_) => WasmTypeKind::S32,
            Val::U32(_) => WasmTypeKind::U32,
            Val::S64(_) => WasmTypeKind::S64,
            Val::U64(_) => WasmTypeKind::U64,
            Val::Float32(_) => WasmTypeKind::F32,
            Val::Float64(_) => WasmTypeKind::F64,
            Val::Char(_) => WasmTypeKind::Char,
            Val::String(_) => WasmTypeKind::String,
            Val::List(_) => WasmTypeKind::List,
            Val::Record(_) => WasmTypeKind::Record,
            Val::Tuple(_) => WasmTypeKind::Tuple,
            Val::Variant(..) => WasmTypeKind::Variant,
            Val::Enum(_) => WasmTypeKind::Enum,
            Val::Option(_) => WasmTypeKind::Option,
            Val::Result(_) => WasmTypeKind::Result,
            Val::Flags(_) => WasmTypeKind::Flags,
            Val::Map(_) => WasmTypeKind::Map,
            Val::Resource(_) => WasmTypeKind::Unsupported,
        }
    }

    fn make_bool(val: bool) -> Val {
        Val::Bool(val)
    }
    fn make_s8(val: i8) -> Val {
        Val::S8(val)
    }
    fn make_s16(val: i16) -> Val {
        Val::S16(val)
    }
    fn make_s32(val: i32) -> Val {
        Val::S32(val)
    }
    fn make_s64(val: i64) -> Val {
        Val::S64(val)
    }
    fn make_u8(val: u8) -> Val {
        Val::U8(val)
    }
    fn make_u16(val: u16) -> Val {
        Val::U16(val)
    }
    fn make_u32(val: u32) -> Val {
        Val::U32(val)
    }
    fn make_u64(val: u64) -> Val {
        Val::U64(val)
    }
    fn make_f32(val: f32) -> Val {
        Val::Float32(val)
    }
    fn make_f64(val: f64) -> Val {
        Val::Float64(val)
    }
    fn make_char(val: char) -> Val {
        Val::Char(val)
    }
    fn make_string(val: Cow<'_, str>) -> Val {
        Val::String(val.into_owned())
    }

    fn make_list(ty: &Type, vals: impl IntoIterator<Item = Val>) -> Result<Val, WasmValueError> {
        let items: Vec<Val> = vals.into_iter().collect();
        match ty {
            Type::List(_) => {}
            Type::FixedList(t) if items.len() == t.len as usize => {}
            Type::FixedList(t) => {
                return Err(WasmValueError::Other(format!(
                    "expected a list of {} elements, found {}",
                    t.len,
                    items.len()
                )));
            }
            _ => return Err(wrong_kind(ty, WasmTypeKind::List)),
        }
        Ok(Val::List(items))
    }

    fn make_record<'a>(
        ty: &Type,
        fields: impl IntoIterator<Item = (&'a str, Val)>,
    ) -> Result<Val, WasmValueError> {
        let Type::Record(t) = ty else {
            return Err(wrong_kind(ty, WasmTypeKind::Record));
        };
        // Fields may come in any order; a record value keeps the type's order.
        let mut given: Vec<(&str, Option<Val>)> =
            fields.into_iter().map(|(n, v)| (n, Some(v))).collect();
        let mut out = Vec::with_capacity(t.fields.len());
        for f in t.fields.iter() {
            let v = given
                .iter_mut()
                .find(|(n, _)| *n == f.name)
                .and_then(|(_, v)| v.take())
                .ok_or_else(|| WasmValueError::MissingField(f.name.clone()))?;
            out.push((f.name.clone(), v));
        }
        if let Some((extra, _)) = given.iter().find(|(_, v)| v.is_some()) {
            return Err(WasmValueError::UnknownField(extra.to_string()));
        }
        Ok(Val::Record(out))
    }

    fn make_tuple(ty: &Type, vals: impl IntoIterator<Item = Val>) -> Result<Val, WasmValueError> {
        let Type::Tuple(t) = ty else {
            return Err(wrong_kind(ty, WasmTypeKind::Tuple));
        };
        let items: Vec<Val> = vals.into_iter().collect();
        if items.len() != t.elems.len() {
            return Err(WasmValueError::WrongNumberOfTupleValues {
                want: t.elems.len(),
                got: items.len(),
            });
        }
        Ok(Val::Tuple(items))
    }

    fn make_variant(ty: &Type, case: &str, val: Option<Val>) -> Result<Val, WasmValueError> {
        let Type::Variant(t) = ty else {
            return Err(wrong_kind(ty, WasmTypeKind::Variant));
        };
        let Some(c) = t.cases.iter().find(|c| c.name == case) else {
            return Err(WasmValueError::UnknownCase(case.to_string()));
        };
        match (&c.ty, &val) {
            (Some(_), None) => return Err(WasmValueError::MissingPayload(case.to_string())),
            (None, Some(_)) => return Err(WasmValueError::UnexpectedPayload(case.to_string())),
            _ => {}
        }
        Ok(Val::Variant(case.to_string(), val.map(Box::new)))
    }

    fn make_enum(ty: &Type, case: &str) -> Result<Val, WasmValueError> {
        let Type::Enum(t) = ty else {
            return Err(wrong_kind(ty, WasmTypeKind::Enum));
        };
        if !t.names.iter().any(|n| n == case) {
            return Err(WasmValueError::UnknownCase(case.to_string()));
        }
        Ok(Val::Enum(case.to_string()))
    }

    fn make_option(ty: &Type, val: Option<Val>) -> Result<Val, WasmValueError> {
        if !matches!(ty, Type::Option(_)) {
            return Err(wrong_kind(ty, WasmTypeKind::Option));
        }
        Ok(Val::Option(val.map(Box::new)))
    }

    fn make_result(
        ty: &Type,
        val: Result<Option<Val>, Option<Val>>,
    ) -> Result<Val, WasmValueError> {
        let Type::Result(t) = ty else {
            return Err(wrong_kind(ty, WasmTypeKind::Result));
        };
        let (payload, payload_ty, case) = match &val {
            Ok(v) => (v, &t.ok, "ok"),
            Err(v) => (v, &t.err, "err"),
        };
        match (payload_ty, payload) {
            (Some(_), None) => return Err(WasmValueError::MissingPayload(case.to_string())),
            (None, Some(_)) => return Err(WasmValueError::UnexpectedPayload(case.to_string())),
            _ => {}
        }
        Ok(Val::Result(match val {
            Ok(v) => Ok(v.map(Box::new)),
            Err(v) => Err(v.map(Box::new)),
        }))
    }

    fn make_flags<'a>(
        ty: &Type,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Val, WasmValueError> {
        let Type::Flags(t) = ty else {
            return Err(wrong_kind(ty, WasmTypeKind::Flags));
        };
        let mut set: Vec<usize> = Vec::new();
        for name in names {
            let i = t
                .names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| WasmValueError::UnknownField(name.to_string()))?;
            if !set.contains(&i) {
                set.push(i);
            }
        }
        // Set flags in the type's (bit) order, as lifting produces them.
        set.sort_unstable();
        Ok(Val::Flags(
            set.into_iter().map(|i| t.names[i].clone()).collect(),
        ))
    }

    fn make_map(
        ty: &Type,
        entries: impl IntoIterator<Item = (Val, Val)>,
    ) -> Result<Val, WasmValueError> {
        if !matches!(ty, Type::Map(_)) {
            return Err(wrong_kind(ty, WasmTypeKind::Map));
        }
        Ok(Val::Map(entries.into_iter().collect()))
    }

    fn unwrap_bool(&self) -> bool {
        match self {
            Val::Bool(v) => *v,
            v => not_a("bool", v),
        }
    }
    fn unwrap_s8(&self) -> i8 {
        match self {
            Val::S8(v) => *v,
            v => not_a("s8", v),
        }
    }
    fn unwrap_s16(&self) -> i16 {
        match self {
            Val::S16(v) => *v,
            v => not_a("s16", v),
        }
    }
    fn unwrap_s32(&self) -> i32 {
        match self {
            Val::S32(v) => *v,
            v => not_a("s32", v),
        }
    }
    fn unwrap_s64(&self) -> i64 {
        match self {
            Val::S64(v) => *v,
            v => not_a("s64", v),
        }
    }
    fn unwrap_u8(&self) -> u8 {
        match self {
            Val::U8(v) => *v,
            v => not_a("u8", v),
        }
    }
    fn unwrap_u16(&self) -> u16 {
        match self {
            Val::U16(v) => *v,
            v => not_a("u16", v),
        }
    }
    fn unwrap_u32(&self) -> u32 {
        match self {
            Val::U32(v) => *v,
            v => not_a("u32", v),
        }
    }
    fn unwrap_u64(&self) -> u64 {
        match self {
            Val::U64(v) => *v,
            v => not_a("u64", v),
        }
    }
    fn unwrap_f32(&self) -> f32 {
        match self {
            Val::Float32(v) => *v,
            v => not_a("f32", v),
        }
    }
    fn unwrap_f64(&self) -> f64 {
        match self {
            Val::Float64(v) => *v,
            v => not_a("f64", v),
        }
    }
    fn unwrap_char(&self) -> char {
        match self {
            Val::Char(v) => *v,
            v => not_a("char", v),
        }
    }
    fn unwrap_string(&self) -> Cow<'_, str> {
        match self {
            Val::String(v) => Cow::Borrowed(v),
            v => not_a("string", v),
        }
    }
    fn unwrap_list(&self) -> Box<dyn Iterator<Item = Cow<'_, Val>> + '_> {
        match self {
            Val::List(items) => Box::new(items.iter().map(Cow::Borrowed)),
            v => not_a("list", v),
        }
    }
    fn unwrap_record(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Cow<'_, Val>)> + '_> {
        match self {
            Val::Record(fields) => Box::new(
                fields
                    .iter()
                    .map(|(n, v)| (Cow::Borrowed(n.as_str()), Cow::Borrowed(v))),
            ),
            v => not_a("record", v),
        }
    }
    fn unwrap_tuple(&self) -> Box<dyn Iterator<Item = Cow<'_, Val>> + '_> {
        match self {
            Val::Tuple(items) => Box::new(items.iter().map(Cow::Borrowed)),
            v => not_a("tuple", v),
        }
    }
    fn unwrap_variant(&self) -> (Cow<'_, str>, Option<Cow<'_, Val>>) {
        match self {
            Val::Variant(name, payload) => (
                Cow::Borrowed(name.as_str()),
                payload.as_deref().map(Cow::Borrowed),
            ),
            v => not_a("variant", v),
        }
    }
    fn unwrap_enum(&self) -> Cow<'_, str> {
        match self {
            Val::Enum(name) => Cow::Borrowed(name.as_str()),
            v => not_a("enum", v),
        }
    }
    fn unwrap_option(&self) -> Option<Cow<'_, Val>> {
        match self {
            Val::Option(v) => v.as_deref().map(Cow::Borrowed),
            v => not_a("option", v),
        }
    }
    fn unwrap_result(&self) -> Result<Option<Cow<'_, Val>>, Option<Cow<'_, Val>>> {
        match self {
            Val::Result(Ok(v)) => Ok(v.as_deref().map(Cow::Borrowed)),
            Val::Result(Err(v)) => Err(v.as_deref().map(Cow::Borrowed)),
            v => not_a("result", v),
        }
    }
    fn unwrap_flags(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Val::Flags(names) => Box::new(names.iter().map(|n| Cow::Borrowed(n.as_str()))),
            v => not_a("flags", v),
        }
    }
    fn unwrap_map(&self) -> Box<dyn Iterator<Item = (Cow<'_, Val>, Cow<'_, Val>)> + '_> {
        match self {
            Val::Map(entries) => Box::new(
                entries
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v))),
            ),
            v => not_a("map", v),
        }
    }
}

/// `value` as WAVE text. Resource handles, which WAVE cannot write, are shown the way
/// [`Val`]'s `Display` shows them.
pub fn format(value: &Val) -> String {
    wasm_wave::to_string(value).unwrap_or_else(|_| super::values::Plain(value).to_string())
}

/// Parses one WAVE value of type `ty` (the whole of `text`).
pub fn parse_value(ty: &Type, text: &str) -> Result<Val> {
    check_writable(ty)?;
    wasm_wave::from_str::<Val>(ty, text).map_err(|e| anyhow!(describe(&e, text, ty)))
}

/// The function name of an invocation `name(arg, ...)`: what comes before the first
/// `(`, or all of `text` if it has no arguments in parentheses. For a function of an
/// exported instance, the name is `instance#function`.
pub fn invocation_name(text: &str) -> Result<&str> {
    let name = match text.find('(') {
        Some(i) => text[..i].trim(),
        None => text.trim(),
    };
    if name.is_empty() {
        bail!("`{text}` names no function (expected `name(arg, ...)`)");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || "\"'{}),".contains(*c))
    {
        bail!("`{name}` is not a function name (it contains `{c}`); expected `name(arg, ...)`");
    }
    Ok(name)
}

/// Parses an invocation `name(arg, ...)` of a function with parameters `params`: its
/// name and its arguments, one WAVE value per parameter. Trailing `option` parameters
/// may be left out (they are `none`). `name` alone is a call without arguments.
///
/// Errors name the parameter at fault, its type, and the text that does not fit.
pub fn parse_invocation(text: &str, params: &[(String, Type)]) -> Result<(String, Vec<Val>)> {
    let name = invocation_name(text)?;
    let args = match text.find('(') {
        None => Vec::new(),
        Some(open) => {
            let rest = text[open + 1..].trim_end();
            let Some(inner) = rest.strip_suffix(')') else {
                bail!("`{text}`: the arguments must end with `)`");
            };
            split_args(inner).map_err(|(i, msg)| match params.get(i) {
                Some((p, ty)) => anyhow!("{}: {msg}", param_label(name, p, ty)),
                None => anyhow!("argument {} of `{name}`: {msg}", i + 1),
            })?
        }
    };
    let vals = typed_args(name, params, &args)?;
    Ok((name.to_string(), vals))
}

/// Parses arguments given one WAVE value each (`--invoke NAME ARG...`) for a function
/// named `name` with parameters `params`; trailing `option` parameters may be left out.
pub fn parse_args(name: &str, params: &[(String, Type)], args: &[String]) -> Result<Vec<Val>> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    typed_args(name, params, &args)
}

/// Converts argument texts to values of the parameter types.
fn typed_args(name: &str, params: &[(String, Type)], args: &[&str]) -> Result<Vec<Val>> {
    if args.len() > params.len() {
        bail!(
            "`{name}` takes {} argument{} ({}), {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            signature(params),
            args.len()
        );
    }
    let mut vals = Vec::with_capacity(params.len());
    for (i, (p, ty)) in params.iter().enumerate() {
        let v = match args.get(i) {
            Some(text) => {
                parse_value(ty, text).map_err(|e| anyhow!("{}: {e}", param_label(name, p, ty)))?
            }
            None if matches!(ty, Type::Option(_)) => Val::Option(None),
            None => bail!(
                "missing argument `{p}` ({ty}): `{name}` takes {} argument{} ({})",
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                signature(params)
            ),
        };
        vals.push(v);
    }
    Ok(vals)
}

/// "argument `name` (string) of `greet`", for messages.
fn param_label(func: &str, param: &str, ty: &Type) -> String {
    format!("argument `{param}` ({ty}) of `{func}`")
}

/// `name: string, n: u32`
fn signature(params: &[(String, Type)]) -> String {
    params
        .iter()
        .map(|(p, t)| format!("{p}: {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses types WAVE cannot write (resources, futures, streams) before parsing, so the
/// message says why rather than "unsupported type".
fn check_writable(ty: &Type) -> Result<()> {
    if ty.has_resources() {
        bail!("unsupported: values of type {ty} (resource handles) cannot be written as text");
    }
    if let Type::Unsupported(what) = ty {
        bail!("unsupported: values of type {what} cannot be written as text");
    }
    Ok(())
}

/// Splits the text between an invocation's parentheses at its top-level commas, so that
/// each argument is parsed (and its errors reported) on its own. A trailing comma is
/// allowed. On a lexical error, returns the index of the argument it is in.
fn split_args(inner: &str) -> Result<Vec<&str>, (usize, String)> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut lex = Lexer::new(inner);
    while let Some(tok) = lex.next() {
        let span = lex.span();
        let tok = tok.map_err(|bad| {
            let span = bad.unwrap_or(span.clone());
            (
                args.len(),
                format!("invalid token at `{}`", snippet(inner, &span)),
            )
        })?;
        match tok {
            Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => depth += 1,
            Token::ParenClose | Token::BracketClose | Token::BraceClose => {
                if depth == 0 {
                    return Err((args.len(), format!("unbalanced `{}`", &inner[span])));
                }
                depth -= 1;
            }
            Token::Comma if depth == 0 => {
                let arg = inner[start..span.start].trim();
                if arg.is_empty() {
                    return Err((args.len(), "empty argument (two commas in a row?)".into()));
                }
                args.push(arg);
                start = span.end;
            }
            _ => {}
        }
    }
    // Empty after the last comma: `f(a, b,)`, a trailing comma as WAVE allows in tuples.
    let last = inner[start..].trim();
    if !last.is_empty() {
        args.push(last);
    }
    Ok(args)
}

/// A readable message for a WAVE parse error of `text` as a `ty`. Callers name the
/// type already, so it is repeated only when the error is about a part of the value.
fn describe(e: &ParserError, text: &str, ty: &Type) -> String {
    let at = snippet(text, &e.span());
    let whole = at == text.trim();
    let cause = std::error::Error::source(e).map(|s| s.to_string());
    match e.kind() {
        ParserErrorKind::InvalidType if whole => format!("expected {ty}, found `{at}`"),
        ParserErrorKind::InvalidType => format!("`{at}` has the wrong type for its place in {ty}"),
        ParserErrorKind::InvalidValue if whole => format!("`{at}` is not a valid {ty}"),
        ParserErrorKind::InvalidValue => {
            format!("`{at}` is out of range or invalid for its place in {ty}")
        }
        ParserErrorKind::WasmValueError => {
            let cause = cause.unwrap_or_else(|| "does not fit the type".into());
            match whole {
                true => format!("{cause} in `{at}`"),
                false => format!("{cause} in `{at}` (in a value of type {ty})"),
            }
        }
        ParserErrorKind::UnexpectedEnd => format!("`{}` ends too early", text.trim()),
        kind => {
            let detail = e.detail().map(|d| format!(" ({d})")).unwrap_or_default();
            match at.is_empty() {
                true => format!("{kind}{detail} in `{text}`"),
                false => format!("{kind}{detail} at `{at}`"),
            }
        }
    }
}

/// The text at `span`, clamped to `text` and to character boundaries.
fn snippet<'a>(text: &'a str, span: &Range<usize>) -> &'a str {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    fn round_trip(ty: &Type, text: &str) {
        let v = parse_value(ty, text).unwrap_or_else(|e| panic!("{text}: {e:#}"));
        v.typecheck(ty).unwrap();
        assert_eq!(format(&v), text, "round trip of {text}");
    }

    #[test]
    fn scalars_and_strings_round_trip() {
        round_trip(&Type::Bool, "true");
        round_trip(&Type::S8, "-128");
        round_trip(&Type::U64, "18446744073709551615");
        round_trip(&Type::S64, "-9223372036854775808");
        round_trip(&Type::Float64, "1.5");
        round_trip(&Type::Float32, "-inf");
        round_trip(&Type::Float64, "nan");
        round_trip(&Type::Char, "'☃'");
        round_trip(&Type::Char, r"'\n'");
        round_trip(&Type::String, r#""tab\tquote\" back\\slash é 👋""#);
        // Escapes are read, and written back in the canonical way.
        let v = parse_value(&Type::String, r#""\u{48}i\u{1F44B}""#).unwrap();
        assert_eq!(v, Val::String(s("Hi👋")));
        assert_eq!(format(&v), "\"Hi👋\"");
        assert_eq!(
            format(&Val::String(s("a\u{7}b"))),
            "\"a\\u{7}b\"",
            "control characters are escaped"
        );
    }

    #[test]
    fn compound_values_round_trip() {
        let point = Type::record([(s("x"), Type::S32), (s("y"), Type::S32)]);
        round_trip(&point, "{x: 1, y: -2}");
        // Fields in another order are put in the type's order.
        assert_eq!(
            parse_value(&point, "{y: 2, x: 1}").unwrap(),
            Val::Record(vec![(s("x"), Val::S32(1)), (s("y"), Val::S32(2))])
        );
        round_trip(&Type::list(point.clone()), "[{x: 1, y: 2}, {x: 3, y: 4}]");
        round_trip(&Type::list(Type::U8), "[]");
        round_trip(&Type::tuple([Type::U8, Type::String]), "(1, \"a\")");
        let shape = Type::variant([(s("circle"), Some(Type::Float64)), (s("none"), None)]);
        round_trip(&shape, "circle(2.5)");
        round_trip(&shape, "%none");
        let color = Type::enum_([s("red"), s("green")]);
        round_trip(&color, "green");
        let opt = Type::option(Type::String);
        round_trip(&opt, "some(\"x\")");
        round_trip(&opt, "none");
        // An option of a non-option may be written without `some`.
        assert_eq!(
            parse_value(&opt, "\"x\"").unwrap(),
            Val::Option(Some(Box::new(Val::String(s("x")))))
        );
        let res = Type::result(Some(Type::U32), Some(Type::String));
        round_trip(&res, "ok(7)");
        round_trip(&res, "err(\"bad\")");
        round_trip(&Type::result(None, None), "ok");
        let perms = Type::flags([s("read"), s("write"), s("exec")]);
        round_trip(&perms, "{read, exec}");
        round_trip(&perms, "{}");
        // Flags given out of order come back in bit order.
        assert_eq!(
            parse_value(&perms, "{exec, read}").unwrap(),
            Val::Flags(vec![s("read"), s("exec")])
        );
        round_trip(&Type::map(Type::String, Type::U32), "{\"a\": 1, \"b\": 2}");
        let fixed = Type::fixed_list(Type::U8, 2);
        round_trip(&fixed, "[1, 2]");
        assert!(parse_value(&fixed, "[1, 2, 3]").is_err());
    }

    #[test]
    fn invocations_parse_per_parameter() {
        let params = vec![
            (s("name"), Type::String),
            (s("n"), Type::U32),
            (s("opt"), Type::option(Type::U8)),
        ];
        let (name, args) = parse_invocation(r#"greet("a, (b)", 2)"#, &params).unwrap();
        assert_eq!(name, "greet");
        assert_eq!(
            args,
            [Val::String(s("a, (b)")), Val::U32(2), Val::Option(None)]
        );
        let (_, args) = parse_invocation("greet(\"x\", 1, some(3),)", &params).unwrap();
        assert_eq!(args[2], Val::Option(Some(Box::new(Val::U8(3)))));
        let (name, args) = parse_invocation("iface#f()", &[]).unwrap();
        assert_eq!((name.as_str(), args.len()), ("iface#f", 0));
        let (name, _) = parse_invocation("run", &[]).unwrap();
        assert_eq!(name, "run");
        // Resource functions keep their brackets: `[static]counter.make()`.
        let (name, _) = parse_invocation("[static]counter.make()", &[]).unwrap();
        assert_eq!(name, "[static]counter.make");
        let nested = vec![(s("xs"), Type::list(Type::tuple([Type::U8, Type::U8])))];
        let (_, args) = parse_invocation("f([(1, 2), (3, 4)])", &nested).unwrap();
        assert_eq!(format(&args[0]), "[(1, 2), (3, 4)]");
    }

    #[test]
    fn errors_name_the_parameter() {
        let params = vec![(s("name"), Type::String), (s("n"), Type::U32)];
        let err = |text: &str| format!("{:#}", parse_invocation(text, &params).unwrap_err());
        let e = err("greet(42, 1)");
        assert!(e.contains("argument `name` (string) of `greet`"), "{e}");
        assert!(e.contains("expected string, found `42`"), "{e}");
        let e = err("greet(\"x\", -1)");
        assert!(e.contains("argument `n` (u32)"), "{e}");
        let e = err("greet(\"x\", 1, 2)");
        assert!(
            e.contains("takes 2 arguments (name: string, n: u32), 3 given"),
            "{e}"
        );
        let e = err("greet(\"x\")");
        assert!(e.contains("missing argument `n` (u32)"), "{e}");
        let e = err("greet(\"unterminated, 1)");
        assert!(e.contains("argument `name`"), "{e}");
        let e = err("greet(\"x\", 1");
        assert!(e.contains("must end with `)`"), "{e}");
        let e = err("greet(\"x\",, 1)");
        assert!(
            e.contains("argument `n`") && e.contains("empty argument"),
            "{e}"
        );
        let e = err("(1)");
        assert!(e.contains("names no function"), "{e}");
        let color = vec![(s("c"), Type::enum_([s("red")]))];
        let e = format!("{:#}", parse_invocation("paint(blue)", &color).unwrap_err());
        assert!(
            e.contains("argument `c`") && e.contains("unknown case"),
            "{e}"
        );
        let e = format!("{:#}", parse_value(&Type::U8, "300").unwrap_err());
        assert!(e.contains("300"), "{e}");
    }

    #[test]
    fn positional_args_are_one_value_each() {
        let params = vec![(s("a"), Type::list(Type::U8)), (s("b"), Type::Char)];
        let v = parse_args("f", &params, &[s("[1, 2]"), s("'x'")]).unwrap();
        assert_eq!(v, [Val::List(vec![Val::U8(1), Val::U8(2)]), Val::Char('x')]);
        let e = parse_args("f", &params, &[s("[1, 2]"), s("x")]).unwrap_err();
        assert!(
            format!("{e:#}").contains("argument `b` (char) of `f`"),
            "{e:#}"
        );
    }
}
