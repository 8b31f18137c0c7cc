//! The function library: a name -> definition table with arity, a usage line for help text, and
//! how the function treats unknown and sensitive arguments.
//!
//! Most functions are `Strict`: they see plain, wholly known values; any unknown argument makes
//! the result unknown and any sensitive argument makes the result sensitive. `PassThrough`
//! functions (concat, merge, lookup, ...) only move values around, so they receive the elements
//! with their marks and unknowns intact and only the top-level marks are lifted for them.
//! `try` and `can` need their arguments unevaluated and live in the evaluator.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;
use sha2::{Digest, Sha256};
use tether_sdk::value::Value;

use super::encode;
use super::ops::{self, describe, prim_to_string, Num};
use super::types::{self, TypeConstraint};

/// What functions may touch besides their arguments.
pub(crate) struct FnCtx<'a> {
    pub base_dir: &'a Path,
}

/// A function failure. `arg` is the index of the argument to blame, when one is.
#[derive(Debug)]
pub(crate) struct FnError {
    pub arg: Option<usize>,
    pub message: String,
    pub help: Option<String>,
}

fn err(arg: usize, message: impl Into<String>) -> FnError {
    FnError { arg: Some(arg), message: message.into(), help: None }
}

fn err_call(message: impl Into<String>) -> FnError {
    FnError { arg: None, message: message.into(), help: None }
}

impl FnError {
    fn help(mut self, help: impl Into<String>) -> FnError {
        self.help = Some(help.into());
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Strict,
    PassThrough,
}

type FnImpl = fn(&FnCtx, Vec<Value>) -> Result<Value, FnError>;

pub(crate) struct FnDef {
    pub name: &'static str,
    /// Parameter list for help text, e.g. `prefix, newbits, netnum`.
    pub params: &'static str,
    pub min: usize,
    /// `None` for variadic functions.
    pub max: Option<usize>,
    pub mode: Mode,
    f: FnImpl,
}

impl FnDef {
    pub(crate) fn usage(&self) -> String {
        format!("usage: {}({})", self.name, self.params)
    }
}

macro_rules! def {
    ($name:literal, $params:literal, $min:expr, $max:expr, $mode:ident, $f:expr) => {
        FnDef { name: $name, params: $params, min: $min, max: $max, mode: Mode::$mode, f: $f }
    };
}

const MANY: Option<usize> = None;

static FUNCTIONS: &[FnDef] = &[
    // Network functions.
    def!("cidrsubnet", "prefix, newbits, netnum", 3, Some(3), Strict, cidrsubnet),
    def!("cidrsubnets", "prefix, newbits...", 1, MANY, Strict, cidrsubnets),
    def!("cidrhost", "prefix, hostnum", 2, Some(2), Strict, cidrhost),
    def!("cidrnetmask", "prefix", 1, Some(1), Strict, cidrnetmask),
    def!("cidrcontains", "prefix, address", 2, Some(2), Strict, cidrcontains),
    // Strings.
    def!("format", "spec, values...", 1, MANY, Strict, format),
    def!("formatlist", "spec, values...", 1, MANY, Strict, formatlist),
    def!("join", "separator, list...", 2, MANY, Strict, join),
    def!("split", "separator, string", 2, Some(2), Strict, split),
    def!("upper", "string", 1, Some(1), Strict, |_, a| map_str(a, str::to_uppercase)),
    def!("lower", "string", 1, Some(1), Strict, |_, a| map_str(a, str::to_lowercase)),
    def!("title", "string", 1, Some(1), Strict, |_, a| map_str(a, title)),
    def!("trimspace", "string", 1, Some(1), Strict, |_, a| map_str(a, |s| s.trim().to_string())),
    def!("strrev", "string", 1, Some(1), Strict, |_, a| map_str(a, |s| s.chars().rev().collect())),
    def!("replace", "string, substring, replacement", 3, Some(3), Strict, replace),
    def!("trim", "string, characters", 2, Some(2), Strict, trim),
    def!("trimprefix", "string, prefix", 2, Some(2), Strict, trimprefix),
    def!("trimsuffix", "string, suffix", 2, Some(2), Strict, trimsuffix),
    def!("substr", "string, offset, length", 3, Some(3), Strict, substr),
    def!("startswith", "string, prefix", 2, Some(2), Strict, startswith),
    def!("endswith", "string, suffix", 2, Some(2), Strict, endswith),
    // Collections.
    def!("concat", "list...", 1, MANY, PassThrough, concat),
    def!("merge", "map...", 0, MANY, PassThrough, merge),
    def!("lookup", "map, key, default?", 2, Some(3), PassThrough, lookup_fn),
    def!("length", "value", 1, Some(1), PassThrough, length),
    def!("keys", "map", 1, Some(1), PassThrough, keys),
    def!("values", "map", 1, Some(1), PassThrough, values),
    def!("contains", "list, value", 2, Some(2), Strict, contains),
    def!("element", "list, index", 2, Some(2), PassThrough, element),
    def!("index", "list, value", 2, Some(2), Strict, index),
    def!("flatten", "list", 1, Some(1), PassThrough, flatten),
    def!("distinct", "list", 1, Some(1), Strict, distinct),
    def!("compact", "list", 1, Some(1), Strict, compact),
    def!("coalesce", "values...", 1, MANY, PassThrough, coalesce),
    def!("coalescelist", "lists...", 1, MANY, PassThrough, coalescelist),
    def!("zipmap", "keys, values", 2, Some(2), PassThrough, zipmap),
    def!("slice", "list, start, end", 3, Some(3), PassThrough, slice),
    def!("sort", "list", 1, Some(1), Strict, sort),
    def!("reverse", "list", 1, Some(1), PassThrough, reverse),
    def!("one", "list", 1, Some(1), PassThrough, one),
    def!("range", "start?, limit, step?", 1, Some(3), Strict, range),
    def!("alltrue", "list", 1, Some(1), Strict, alltrue),
    def!("anytrue", "list", 1, Some(1), Strict, anytrue),
    // Numbers.
    def!("min", "numbers...", 1, MANY, Strict, |_, a| minmax(a, true)),
    def!("max", "numbers...", 1, MANY, Strict, |_, a| minmax(a, false)),
    def!("sum", "list", 1, Some(1), Strict, sum),
    def!("abs", "number", 1, Some(1), Strict, abs),
    def!("ceil", "number", 1, Some(1), Strict, |_, a| round(a, f64::ceil)),
    def!("floor", "number", 1, Some(1), Strict, |_, a| round(a, f64::floor)),
    def!("pow", "base, exponent", 2, Some(2), Strict, pow),
    // Type conversion.
    def!("tostring", "value", 1, Some(1), Strict, |_, a| to_type(a, &TypeConstraint::String)),
    def!("tonumber", "value", 1, Some(1), Strict, |_, a| to_type(a, &TypeConstraint::Number)),
    def!("tobool", "value", 1, Some(1), Strict, |_, a| to_type(a, &TypeConstraint::Bool)),
    def!("tolist", "value", 1, Some(1), PassThrough, |_, a| {
        to_type(a, &TypeConstraint::List(Box::new(TypeConstraint::Any)))
    }),
    def!("toset", "value", 1, Some(1), PassThrough, |_, a| {
        to_type(a, &TypeConstraint::Set(Box::new(TypeConstraint::Any)))
    }),
    def!("tomap", "value", 1, Some(1), PassThrough, |_, a| {
        to_type(a, &TypeConstraint::Map(Box::new(TypeConstraint::Any)))
    }),
    // Encoding and files.
    def!("jsonencode", "value", 1, Some(1), Strict, |_, a| Ok(Value::String(encode::json(&a[0])))),
    def!("jsondecode", "string", 1, Some(1), Strict, jsondecode),
    def!("yamlencode", "value", 1, Some(1), Strict, |_, a| Ok(Value::String(encode::yaml(&a[0])))),
    def!("base64encode", "string", 1, Some(1), Strict, |_, a| {
        Ok(Value::String(encode::base64_encode(str_arg(&a, 0)?.as_bytes())))
    }),
    def!("base64decode", "string", 1, Some(1), Strict, base64decode),
    def!("sha256", "string", 1, Some(1), Strict, sha256),
    def!("file", "path", 1, Some(1), Strict, file),
];

/// Functions the evaluator implements itself because they take unevaluated arguments.
pub(crate) const SPECIAL: [&str; 2] = ["try", "can"];

pub(crate) fn lookup(name: &str) -> Option<&'static FnDef> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Every function name, for suggestions.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name).chain(SPECIAL)
}

/// Calls a function, applying its mode's unknown and sensitive rules, and makes sure no error
/// text reveals a sensitive argument.
pub(crate) fn call(def: &FnDef, cx: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let secrets = secret_texts(&args);
    let result = match def.mode {
        Mode::Strict => {
            let sensitive = args.iter().any(Value::contains_sensitive);
            if !args.iter().all(Value::is_wholly_known) {
                return Ok(Value::Unknown.mark(sensitive));
            }
            let plain = args.iter().map(Value::unmark_deep).collect();
            (def.f)(cx, plain).map(|v| v.mark(sensitive))
        }
        Mode::PassThrough => {
            let mut sensitive = false;
            let mut unknown = false;
            let plain: Vec<Value> = args
                .into_iter()
                .map(|a| {
                    let (v, marked) = a.unmark();
                    sensitive |= marked;
                    unknown |= v.is_unknown();
                    v
                })
                .collect();
            if unknown {
                return Ok(Value::Unknown.mark(sensitive));
            }
            (def.f)(cx, plain).map(|v| v.mark(sensitive))
        }
    };
    result.map_err(|e| redact(e, &secrets))
}

/// Texts of every sensitive leaf in the arguments, so an error that quotes one can be hidden.
fn secret_texts(args: &[Value]) -> Vec<String> {
    fn walk(v: &Value, inside: bool, out: &mut Vec<String>) {
        match v {
            Value::Sensitive(inner) => walk(inner, true, out),
            Value::List(items) => items.iter().for_each(|i| walk(i, inside, out)),
            Value::Map(m) => {
                for (k, item) in m {
                    if inside && !k.is_empty() {
                        out.push(k.clone());
                    }
                    walk(item, inside, out);
                }
            }
            v if inside => {
                if let Some(s) = prim_to_string(v).filter(|s| !s.is_empty()) {
                    out.push(s);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for a in args {
        walk(a, false, &mut out);
    }
    out
}

fn redact(mut e: FnError, secrets: &[String]) -> FnError {
    let leaks = |text: &str| {
        secrets.iter().any(|s| {
            text.contains(s.as_str()) || text.contains(serde_json::to_string(s).unwrap_or_default().trim_matches('"'))
        })
    };
    if leaks(&e.message) || e.help.as_deref().is_some_and(leaks) {
        e.message = format!("invalid argument: the details are hidden because they involve a {}", ops::SENSITIVE);
        e.help = Some("check the arguments; a sensitive value cannot be shown in error messages".to_string());
    }
    e
}

// ----- argument helpers --------------------------------------------------------------------

fn not_null(args: &[Value], i: usize) -> Result<&Value, FnError> {
    match args.get(i) {
        Some(Value::Null) | None => Err(err(i, format!("argument {} must not be null", i + 1))),
        Some(v) => Ok(v),
    }
}

fn str_arg(args: &[Value], i: usize) -> Result<String, FnError> {
    let v = not_null(args, i)?;
    prim_to_string(v).ok_or_else(|| err(i, format!("argument {} must be a string, got {}", i + 1, ops::a_type(v))))
}

fn num_arg(args: &[Value], i: usize) -> Result<Num, FnError> {
    let v = not_null(args, i)?;
    let converted = match v.peel() {
        Value::Number(n) => Some(Num::of(n)),
        Value::String(s) => ops::parse_number(s).and_then(|n| match n {
            Value::Number(n) => Some(Num::of(&n)),
            _ => None,
        }),
        _ => None,
    };
    converted.ok_or_else(|| err(i, format!("argument {} must be a number, got {}", i + 1, describe(v))))
}

fn int_arg(args: &[Value], i: usize) -> Result<i64, FnError> {
    let n = num_arg(args, i)?;
    n.as_int().ok_or_else(|| err(i, format!("argument {} must be a whole number, got {}", i + 1, n.f64())))
}

fn bool_arg(args: &[Value], i: usize) -> Result<bool, FnError> {
    let v = not_null(args, i)?;
    match v.peel() {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        _ => Err(err(i, format!("argument {} must be a bool, got {}", i + 1, describe(v)))),
    }
}

fn list_arg(args: &[Value], i: usize) -> Result<&[Value], FnError> {
    let v = not_null(args, i)?;
    v.as_list().ok_or_else(|| err(i, format!("argument {} must be a list, got {}", i + 1, ops::a_type(v))))
}

fn map_arg(args: &[Value], i: usize) -> Result<&BTreeMap<String, Value>, FnError> {
    let v = not_null(args, i)?;
    v.as_map().ok_or_else(|| err(i, format!("argument {} must be a map or object, got {}", i + 1, ops::a_type(v))))
}

fn map_str(args: Vec<Value>, f: impl Fn(&str) -> String) -> Result<Value, FnError> {
    Ok(Value::String(f(&str_arg(&args, 0)?)))
}

fn strings(list: &[Value], arg: usize) -> Result<Vec<String>, FnError> {
    list.iter()
        .enumerate()
        .map(|(j, v)| match v.peel() {
            Value::Null => Err(err(arg, format!("element {j} of argument {} is null", arg + 1))),
            other => prim_to_string(other).ok_or_else(|| {
                err(arg, format!("element {j} of argument {} must be a string, got {}", arg + 1, ops::a_type(other)))
            }),
        })
        .collect()
}

// ----- network -----------------------------------------------------------------------------

/// A parsed prefix as integers: network address, prefix length and address width in bits.
struct Prefix {
    addr: u128,
    len: u32,
    bits: u32,
}

impl Prefix {
    fn ip(&self, addr: u128) -> IpAddr {
        if self.bits == 32 {
            IpAddr::V4((addr as u32).into())
        } else {
            IpAddr::V6(addr.into())
        }
    }

    fn host_bits(&self) -> u32 {
        self.bits - self.len
    }
}

fn ip_to_u128(ip: IpAddr) -> (u128, u32) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

fn prefix_arg(args: &[Value], i: usize) -> Result<Prefix, FnError> {
    let s = str_arg(args, i)?;
    let net: IpNet = s.parse().map_err(|_| {
        err(i, format!("invalid CIDR prefix {s:?}"))
            .help("write an address and a prefix length, such as \"10.0.0.0/16\" or \"fd00::/48\"")
    })?;
    let (addr, bits) = ip_to_u128(net.network());
    Ok(Prefix { addr, len: u32::from(net.prefix_len()), bits })
}

/// 2^n as u128, for n < 128.
fn pow2(n: u32) -> u128 {
    1u128 << n
}

fn cidrsubnet(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let p = prefix_arg(&args, 0)?;
    let newbits = int_arg(&args, 1)?;
    let netnum = int_arg(&args, 2)?;
    if newbits < 0 {
        return Err(err(1, format!("newbits must not be negative, got {newbits}")));
    }
    let new_len = i64::from(p.len) + newbits;
    if new_len > i64::from(p.bits) {
        return Err(err(1, format!("insufficient address space to extend prefix of {} by {newbits}", p.len)).help(
            format!("the prefix /{} leaves {} bits; use newbits of at most {}", p.len, p.host_bits(), p.host_bits()),
        ));
    }
    let newbits = newbits as u32;
    if netnum < 0 || (newbits < 64 && (netnum as u128) >= pow2(newbits)) {
        return Err(err(2, format!("prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"))
            .help(format!("with {newbits} new bits, netnum must be between 0 and {}", pow2(newbits.min(127)) - 1)));
    }
    let new_len = new_len as u32;
    let shift = p.bits - new_len;
    let offset = if shift >= 128 { 0 } else { (netnum as u128) << shift };
    Ok(Value::String(format!("{}/{new_len}", p.ip(p.addr | offset))))
}

fn cidrsubnets(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let p = prefix_arg(&args, 0)?;
    let family = if p.bits == 32 { "IPv4" } else { "IPv6" };
    // The last address of the base prefix, inclusive, so /0 ranges do not overflow.
    let last = p.addr | (if p.host_bits() >= 128 { u128::MAX } else { pow2(p.host_bits()) - 1 });
    let mut cursor = Some(p.addr);
    let mut out = Vec::new();
    for i in 1..args.len() {
        let newbits = int_arg(&args, i)?;
        if newbits < 1 {
            return Err(err(i, "must extend prefix by at least one bit"));
        }
        let new_len = i64::from(p.len) + newbits;
        if new_len > i64::from(p.bits) {
            return Err(err(
                i,
                format!("would extend prefix to {new_len} bits, which is too long for an {family} address"),
            ));
        }
        let new_len = new_len as u32;
        let size_m1 = pow2(p.bits - new_len) - 1;
        let start = cursor.and_then(|c| (c.checked_add(size_m1)).map(|x| x & !size_m1));
        match start {
            Some(start) if start.checked_add(size_m1).is_some_and(|end| end <= last) => {
                out.push(Value::String(format!("{}/{new_len}", p.ip(start))));
                cursor = (start + size_m1).checked_add(1);
            }
            _ => {
                let after = out.last().and_then(Value::as_str).unwrap_or("the start of the prefix").to_string();
                return Err(err(
                    i,
                    format!(
                        "not enough remaining address space for a subnet with a prefix of {new_len} bits after {after}"
                    ),
                ));
            }
        }
    }
    Ok(Value::List(out))
}

fn cidrhost(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let p = prefix_arg(&args, 0)?;
    let hostnum = int_arg(&args, 1)?;
    let hb = p.host_bits();
    let fits = |h: i64| hb >= 64 || h.unsigned_abs() < (1u64 << hb) || (h < 0 && h.unsigned_abs() == 1u64 << hb);
    if !fits(hostnum) {
        return Err(err(1, format!("prefix of {} does not accommodate a host numbered {hostnum}", p.len)).help(
            format!(
                "a /{} network has {} addresses; use a hostnum below that (negative numbers count from the end)",
                p.len,
                if hb >= 64 { "more than 2^64".to_string() } else { (1u128 << hb).to_string() }
            ),
        ));
    }
    let offset = if hostnum >= 0 {
        hostnum as u128
    } else {
        // Count back from the end of the range: -1 is the last address.
        let size = if hb >= 128 { 0 } else { pow2(hb) };
        size.wrapping_sub(u128::from(hostnum.unsigned_abs()))
    };
    Ok(Value::String(p.ip(p.addr.wrapping_add(offset)).to_string()))
}

fn cidrnetmask(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let p = prefix_arg(&args, 0)?;
    if p.bits != 32 {
        return Err(err(0, format!("IPv6 addresses cannot have a netmask: {}", str_arg(&args, 0)?))
            .help("cidrnetmask only supports IPv4 prefixes"));
    }
    let mask: u32 = if p.len == 0 { 0 } else { u32::MAX << (32 - p.len) };
    Ok(Value::String(std::net::Ipv4Addr::from(mask).to_string()))
}

fn cidrcontains(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let p = prefix_arg(&args, 0)?;
    let s = str_arg(&args, 1)?;
    let (addr, bits, len) = if let Ok(net) = s.parse::<IpNet>() {
        let (a, b) = ip_to_u128(net.network());
        (a, b, u32::from(net.prefix_len()))
    } else if let Ok(ip) = s.parse::<IpAddr>() {
        let (a, b) = ip_to_u128(ip);
        (a, b, b)
    } else {
        return Err(err(1, format!("invalid IP address or CIDR prefix {s:?}")));
    };
    if bits != p.bits {
        return Err(err(1, "address family mismatch: cannot compare an IPv4 and an IPv6 address"));
    }
    let hb = p.host_bits();
    let mask = if hb >= 128 { 0 } else { !(pow2(hb) - 1) };
    Ok(Value::Bool(len >= p.len && (addr & mask) == p.addr))
}

// ----- strings -----------------------------------------------------------------------------

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_start = !c.is_alphanumeric();
    }
    out
}

fn replace(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let from = str_arg(&args, 1)?;
    let to = str_arg(&args, 2)?;
    if from.len() >= 2 && from.starts_with('/') && from.ends_with('/') {
        return Err(err(1, "regular expressions are not supported in replace(); only plain substrings are")
            .help("write the literal text to replace, without the surrounding slashes"));
    }
    if from.is_empty() {
        return Err(err(1, "the substring to replace must not be empty"));
    }
    Ok(Value::String(s.replace(&from, &to)))
}

fn trim(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let cut = str_arg(&args, 1)?;
    Ok(Value::String(s.trim_matches(|c| cut.contains(c)).to_string()))
}

fn trimprefix(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let p = str_arg(&args, 1)?;
    Ok(Value::String(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()))
}

fn trimsuffix(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let p = str_arg(&args, 1)?;
    Ok(Value::String(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()))
}

fn startswith(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    Ok(Value::Bool(str_arg(&args, 0)?.starts_with(&str_arg(&args, 1)?)))
}

fn endswith(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    Ok(Value::Bool(str_arg(&args, 0)?.ends_with(&str_arg(&args, 1)?)))
}

fn substr(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let chars: Vec<char> = str_arg(&args, 0)?.chars().collect();
    let n = chars.len() as i64;
    let mut offset = int_arg(&args, 1)?;
    let length = int_arg(&args, 2)?;
    if offset < 0 {
        offset += n;
    }
    if offset < 0 || offset > n {
        return Err(err(1, format!("offset {} is out of range for a string of {n} characters", int_arg(&args, 1)?)));
    }
    let end = if length < 0 { n } else { offset.saturating_add(length).min(n) };
    if length < -1 {
        return Err(err(2, "length must be -1 (meaning the rest of the string) or a non-negative number"));
    }
    Ok(Value::String(chars[offset as usize..end as usize].iter().collect()))
}

fn split(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let sep = str_arg(&args, 0)?;
    let s = str_arg(&args, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

fn join(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let sep = str_arg(&args, 0)?;
    let mut parts = Vec::new();
    for i in 1..args.len() {
        parts.extend(strings(list_arg(&args, i)?, i)?);
    }
    Ok(Value::String(parts.join(&sep)))
}

/// One parsed `%` verb of a format spec.
struct Verb {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
    verb: char,
}

const MAX_WIDTH: usize = 10_000;

fn format(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let spec = str_arg(&args, 0)?;
    format_with(&spec, &args[1..]).map(Value::String)
}

/// Formats `spec` with `values`. Errors blame function arguments: 0 is the spec and value `i`
/// is argument `i + 1`.
fn format_with(spec: &str, values: &[Value]) -> Result<String, FnError> {
    let spec_err = |msg: String| err(0, msg);
    let mut out = String::new();
    let mut chars = spec.char_indices().peekable();
    let mut next_arg = 0usize;
    let mut max_used = 0usize;
    while let Some((pos, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if let Some((_, '%')) = chars.peek() {
            chars.next();
            out.push('%');
            continue;
        }
        let mut v = Verb {
            minus: false,
            plus: false,
            zero: false,
            space: false,
            sharp: false,
            width: None,
            precision: None,
            verb: ' ',
        };
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => v.minus = true,
                '+' => v.plus = true,
                '0' => v.zero = true,
                ' ' => v.space = true,
                '#' => v.sharp = true,
                _ => break,
            }
            chars.next();
        }
        if let Some((_, '[')) = chars.peek() {
            chars.next();
            let mut n = String::new();
            while let Some(&(_, d)) = chars.peek() {
                chars.next();
                if d == ']' {
                    break;
                }
                n.push(d);
            }
            match n.parse::<usize>() {
                Ok(k) if k >= 1 => next_arg = k - 1,
                _ => return Err(spec_err(format!("invalid explicit argument index [{n}] at offset {pos}"))),
            }
        }
        let read_num = |chars: &mut std::iter::Peekable<std::str::CharIndices>| -> Option<usize> {
            let mut n: Option<usize> = None;
            while let Some(&(_, d)) = chars.peek() {
                match d.to_digit(10) {
                    Some(x) => {
                        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(x as usize));
                        chars.next();
                    }
                    None => break,
                }
            }
            n
        };
        v.width = read_num(&mut chars);
        if let Some((_, '.')) = chars.peek() {
            chars.next();
            v.precision = Some(read_num(&mut chars).unwrap_or(0));
        }
        if v.width.unwrap_or(0) > MAX_WIDTH || v.precision.unwrap_or(0) > MAX_WIDTH {
            return Err(spec_err(format!("width or precision too large at offset {pos}")));
        }
        v.verb = match chars.next() {
            Some((_, c)) => c,
            None => return Err(spec_err(format!("incomplete format verb at offset {pos}"))),
        };
        let Some(value) = values.get(next_arg) else {
            return Err(err_call(format!(
                "not enough arguments for \"%{}\" at offset {pos}: need argument {} but have {}",
                v.verb,
                next_arg + 1,
                values.len()
            )));
        };
        out.push_str(&format_one(&v, value).map_err(|m| err(next_arg + 1, m))?);
        next_arg += 1;
        max_used = max_used.max(next_arg);
    }
    if max_used < values.len() {
        return Err(err(values.len(), format!("too many arguments; only {max_used} used by the format string")));
    }
    Ok(out)
}

fn pad(v: &Verb, body: String, numeric: bool) -> String {
    let width = v.width.unwrap_or(0);
    let len = body.chars().count();
    if len >= width {
        return body;
    }
    let fill = width - len;
    if v.minus {
        format!("{body}{}", " ".repeat(fill))
    } else if v.zero && numeric {
        let (sign, digits) = match body.strip_prefix(['-', '+', ' ']) {
            Some(rest) => (&body[..1], rest),
            None => ("", body.as_str()),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn sign(v: &Verb, negative: bool, digits: String) -> String {
    if negative {
        format!("-{digits}")
    } else if v.plus {
        format!("+{digits}")
    } else if v.space {
        format!(" {digits}")
    } else {
        digits
    }
}

fn format_one(v: &Verb, value: &Value) -> Result<String, String> {
    let verb = v.verb;
    let number = || -> Result<Num, String> {
        match value.peel() {
            Value::Number(n) => Ok(Num::of(n)),
            Value::String(s) => match ops::parse_number(s) {
                Some(Value::Number(n)) => Ok(Num::of(&n)),
                _ => Err(format!("%{verb} requires a number, got {}", describe(value))),
            },
            Value::Null => Err(format!("%{verb} cannot format a null value")),
            other => Err(format!("%{verb} requires a number, got {}", ops::a_type(other))),
        }
    };
    let integer = || -> Result<i64, String> {
        let n = number()?;
        n.as_int().ok_or_else(|| format!("%{verb} requires a whole number, got {}", n.f64()))
    };
    match verb {
        'v' | 's' | 'q' => {
            let text = match value.peel() {
                Value::Null if verb == 'v' => "null".to_string(),
                Value::Null => return Err(format!("%{verb} cannot format a null value")),
                Value::List(_) | Value::Map(_) if verb == 'v' => encode::json(value),
                other => match prim_to_string(other) {
                    Some(s) if v.sharp && verb == 'v' => encode::json(&Value::String(s)),
                    Some(s) => s,
                    None => return Err(format!("%{verb} cannot format {}", ops::a_type(other))),
                },
            };
            let text = match v.precision {
                Some(p) if verb == 's' => text.chars().take(p).collect(),
                _ => text,
            };
            let text = if verb == 'q' { encode::json(&Value::String(text)) } else { text };
            Ok(pad(v, text, false))
        }
        't' => match value.peel() {
            Value::Bool(b) => Ok(pad(v, b.to_string(), false)),
            Value::String(s) if s == "true" || s == "false" => Ok(pad(v, s.clone(), false)),
            other => Err(format!("%t requires a bool, got {}", ops::a_type(other))),
        },
        'd' => {
            let i = integer()?;
            Ok(pad(v, sign(v, i < 0, i.unsigned_abs().to_string()), true))
        }
        'b' | 'o' | 'x' | 'X' => {
            if verb != 'b' && verb != 'o' {
                if let Value::String(s) = value.peel() {
                    if ops::parse_number(s).is_none() {
                        let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
                        return Ok(pad(v, if verb == 'X' { hex.to_uppercase() } else { hex }, false));
                    }
                }
            }
            let i = integer()?;
            let m = i.unsigned_abs();
            let digits = match verb {
                'b' => format!("{m:b}"),
                'o' => format!("{m:o}"),
                'x' => format!("{m:x}"),
                _ => format!("{m:X}"),
            };
            Ok(pad(v, sign(v, i < 0, digits), true))
        }
        'f' | 'F' => {
            let f = number()?.f64();
            let digits = format!("{:.*}", v.precision.unwrap_or(6), f.abs());
            Ok(pad(v, sign(v, f.is_sign_negative() && f != 0.0, digits), true))
        }
        other => Err(format!("unsupported format verb %{other}; use one of %v %s %q %d %f %t %b %o %x %X")),
    }
}

fn formatlist(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let spec = str_arg(&args, 0)?;
    let mut len: Option<(usize, usize)> = None;
    for (i, a) in args.iter().enumerate().skip(1) {
        if let Value::List(items) = a {
            match len {
                Some((n, j)) if n != items.len() => {
                    return Err(err(
                        i,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {n}",
                            i + 1,
                            items.len(),
                            j + 1
                        ),
                    ))
                }
                Some(_) => {}
                None => len = Some((items.len(), i)),
            }
        }
    }
    let n = len.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let row: Vec<Value> = args[1..]
            .iter()
            .map(|a| match a {
                Value::List(items) => items[k].clone(),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(format_with(&spec, &row)?));
    }
    Ok(Value::List(out))
}

// ----- collections -------------------------------------------------------------------------

fn concat(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let mut out = Vec::new();
    for i in 0..args.len() {
        out.extend_from_slice(list_arg(&args, i)?);
    }
    Ok(Value::List(out))
}

fn merge(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let mut out = BTreeMap::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            other => {
                return Err(err(i, format!("argument {} must be a map or object, got {}", i + 1, ops::a_type(other))))
            }
        }
    }
    Ok(Value::Map(out))
}

fn lookup_fn(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let m = map_arg(&args, 0)?;
    let key = str_arg(&args, 1)?;
    match m.get(&key) {
        Some(v) => Ok(v.clone()),
        None => match args.get(2) {
            Some(default) => Ok(default.clone()),
            None => {
                let e = err(1, format!("the given key {key:?} does not exist in the map"));
                Err(match crate::diag::did_you_mean(&key, m.keys().map(String::as_str)) {
                    Some(s) => e.help(format!("did you mean {s:?}? Or pass a default as the third argument")),
                    None => e.help("pass a default as the third argument: lookup(map, key, default)"),
                })
            }
        },
    }
}

fn length(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let v = not_null(&args, 0)?;
    let n = match v {
        Value::String(s) => s.chars().count(),
        Value::List(items) => items.len(),
        Value::Map(m) => m.len(),
        other => return Err(err(0, format!("cannot take the length of {}", ops::a_type(other)))),
    };
    Ok(Value::int(n as i64))
}

fn keys(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    Ok(Value::List(map_arg(&args, 0)?.keys().map(|k| Value::String(k.clone())).collect()))
}

fn values(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    Ok(Value::List(map_arg(&args, 0)?.values().cloned().collect()))
}

fn contains(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    Ok(Value::Bool(list.iter().any(|v| ops::equal(v, &args[1]))))
}

fn element(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    let i = int_arg(&args, 1)?;
    if list.is_empty() {
        return Err(err(0, "cannot use element() with an empty list"));
    }
    if i < 0 {
        return Err(err(1, format!("cannot use element() with a negative index ({i})")));
    }
    Ok(list[(i as u64 % list.len() as u64) as usize].clone())
}

fn index(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    match list.iter().position(|v| ops::equal(v, &args[1])) {
        Some(i) => Ok(Value::int(i as i64)),
        None => Err(err(1, format!("item {} not found in the list", describe(&args[1])))),
    }
}

fn flatten(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    /// Returns false when an unknown element makes the shape of the result unknowable.
    fn go(items: &[Value], marked: bool, out: &mut Vec<Value>) -> bool {
        for item in items {
            let m = marked || matches!(item, Value::Sensitive(_));
            match item.peel() {
                Value::Unknown => return false,
                Value::List(inner) => {
                    if !go(inner, m, out) {
                        return false;
                    }
                }
                other => out.push(other.clone().mark(m)),
            }
        }
        true
    }
    let list = list_arg(&args, 0)?;
    let mut out = Vec::new();
    Ok(if go(list, false, &mut out) { Value::List(out) } else { Value::Unknown })
}

fn distinct(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let mut out: Vec<Value> = Vec::new();
    for v in list_arg(&args, 0)? {
        if !out.iter().any(|o| ops::equal(o, v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

fn compact(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    Ok(Value::List(list.iter().filter(|v| !matches!(v, Value::Null) && v.as_str() != Some("")).cloned().collect()))
}

fn coalesce(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    for a in &args {
        match a.peel() {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            _ => return Ok(a.clone()),
        }
    }
    Err(err_call("no non-null, non-empty argument").help("add a final fallback value"))
}

fn coalescelist(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    for i in 0..args.len() {
        if !list_arg(&args, i)?.is_empty() {
            return Ok(args[i].clone());
        }
    }
    Err(err_call("no non-empty list argument").help("add a final fallback list"))
}

fn zipmap(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let ks = list_arg(&args, 0)?;
    let vs = list_arg(&args, 1)?;
    if ks.len() != vs.len() {
        return Err(err(
            1,
            format!(
                "the keys list has {} elements but the values list has {}; they must be the same length",
                ks.len(),
                vs.len()
            ),
        ));
    }
    if ks.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    let sensitive_keys = ks.iter().any(Value::contains_sensitive);
    let names = strings(ks, 0)?;
    let out: BTreeMap<String, Value> = names.into_iter().zip(vs.iter().cloned()).collect();
    Ok(Value::Map(out).mark(sensitive_keys))
}

fn slice(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    let start = int_arg(&args, 1)?;
    let end = int_arg(&args, 2)?;
    if start < 0 {
        return Err(err(1, format!("start index {start} must not be negative")));
    }
    if end > list.len() as i64 {
        return Err(err(2, format!("end index {end} is beyond the end of the list ({} elements)", list.len())));
    }
    if start > end {
        return Err(err(1, format!("start index {start} must not be greater than end index {end}")));
    }
    Ok(Value::List(list[start as usize..end as usize].to_vec()))
}

fn sort(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let mut items = strings(list_arg(&args, 0)?, 0)?;
    items.sort();
    Ok(Value::List(items.into_iter().map(Value::String).collect()))
}

fn reverse(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let mut items = list_arg(&args, 0)?.to_vec();
    items.reverse();
    Ok(Value::List(items))
}

fn one(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    match list {
        [] => Ok(Value::Null),
        [v] => Ok(v.clone()),
        _ => Err(err(0, format!("must be a list of zero or one elements, got {}", list.len()))),
    }
}

/// The most elements `range` may produce (as in Terraform).
const MAX_RANGE: usize = 1024;

fn range(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let nums: Vec<Num> = (0..args.len()).map(|i| num_arg(&args, i)).collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [l] => (Num::Int(0), *l, Num::Int(if l.f64() < 0.0 { -1 } else { 1 })),
        [s, l] => (*s, *l, Num::Int(if l.f64() < s.f64() { -1 } else { 1 })),
        [s, l, st] => (*s, *l, *st),
        _ => return Err(err_call("range takes one to three arguments")),
    };
    let (s, l, st) = (start.f64(), limit.f64(), step.f64());
    if st == 0.0 {
        return Err(err(args.len() - 1, "step must not be zero"));
    }
    if (l > s && st < 0.0) || (l < s && st > 0.0) {
        return Err(err(
            args.len() - 1,
            format!("step {} moves away from the limit {} and would never reach it", st, l),
        ));
    }
    let mut out = Vec::new();
    let mut k = 0.0f64;
    loop {
        let x = s + k * st;
        if (st > 0.0 && x >= l) || (st < 0.0 && x <= l) {
            break;
        }
        if out.len() >= MAX_RANGE {
            return Err(err_call(format!("more than {MAX_RANGE} values were generated"))
                .help("decrease the distance between start and limit, or use a larger step"));
        }
        out.push(match (start, step) {
            (Num::Int(a), Num::Int(b)) => Value::int(a.saturating_add(b.saturating_mul(k as i64))),
            _ => ops::float(x).map_err(err_call)?,
        });
        k += 1.0;
    }
    Ok(Value::List(out))
}

fn bools(args: &[Value]) -> Result<Vec<bool>, FnError> {
    let list = list_arg(args, 0)?;
    (0..list.len())
        .map(|i| {
            bool_arg(list, i).map_err(|_| err(0, format!("element {i} must be a bool, got {}", describe(&list[i]))))
        })
        .collect()
}

fn alltrue(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    Ok(Value::Bool(bools(&args)?.into_iter().all(|b| b)))
}

fn anytrue(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    Ok(Value::Bool(bools(&args)?.into_iter().any(|b| b)))
}

// ----- numbers -----------------------------------------------------------------------------

fn minmax(args: Vec<Value>, min: bool) -> Result<Value, FnError> {
    let mut best = num_arg(&args, 0)?;
    for i in 1..args.len() {
        let n = num_arg(&args, i)?;
        let o = ops::cmp_num(n, best);
        if (min && o.is_lt()) || (!min && o.is_gt()) {
            best = n;
        }
    }
    best.value().map_err(err_call)
}

fn sum(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let list = list_arg(&args, 0)?;
    if list.is_empty() {
        return Err(err(0, "cannot sum an empty list"));
    }
    let mut total = Num::Int(0);
    for i in 0..list.len() {
        let n = num_arg(list, i)
            .map_err(|_| err(0, format!("element {i} must be a number, got {}", describe(&list[i]))))?;
        total = match ops::arith(ops::Arith::Add, total, n).map_err(err_call)? {
            Value::Number(n) => Num::of(&n),
            _ => total,
        };
    }
    total.value().map_err(err_call)
}

fn abs(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    match num_arg(&args, 0)? {
        Num::Int(i) => match i.checked_abs() {
            Some(a) => Ok(Value::int(a)),
            None => ops::float((i as f64).abs()).map_err(err_call),
        },
        Num::Float(f) => ops::float(f.abs()).map_err(err_call),
    }
}

fn round(args: Vec<Value>, f: fn(f64) -> f64) -> Result<Value, FnError> {
    match num_arg(&args, 0)? {
        Num::Int(i) => Ok(Value::int(i)),
        Num::Float(x) => ops::float(f(x)).map_err(err_call),
    }
}

fn pow(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let base = num_arg(&args, 0)?;
    let exp = num_arg(&args, 1)?;
    if let (Num::Int(b), Num::Int(e)) = (base, exp) {
        if let Some(r) = u32::try_from(e).ok().and_then(|e| b.checked_pow(e)) {
            return Ok(Value::int(r));
        }
    }
    ops::float(base.f64().powf(exp.f64())).map_err(err_call)
}

// ----- conversion, encoding, files ---------------------------------------------------------

fn to_type(args: Vec<Value>, t: &TypeConstraint) -> Result<Value, FnError> {
    let v = args.into_iter().next().unwrap_or(Value::Null);
    types::convert(v, t).map_err(|e| err(0, format!("cannot convert to {t}: {e}")))
}

fn jsondecode(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let json: serde_json::Value = serde_json::from_str(&s).map_err(|e| err(0, format!("invalid JSON: {e}")))?;
    Ok(normalize_numbers(Value::from_json(&json)))
}

/// JSON `1.0` decodes as a float; HCL has one number type, so integral values become integers.
fn normalize_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            ops::float(n.as_f64().unwrap_or(0.0)).unwrap_or(Value::Number(n))
        }
        Value::List(items) => Value::List(items.into_iter().map(normalize_numbers).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, normalize_numbers(v))).collect()),
        other => other,
    }
}

fn base64decode(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let bytes = encode::base64_decode(&s).map_err(|e| err(0, e))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| err(0, "the decoded data is not valid UTF-8").help("base64decode only produces text"))
}

fn sha256(_: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let s = str_arg(&args, 0)?;
    let digest = Sha256::digest(s.as_bytes());
    Ok(Value::String(digest.iter().map(|b| format!("{b:02x}")).collect()))
}

/// The largest file `file()` reads: stack inputs are configuration text, not data sets.
const FILE_LIMIT: u64 = 16 * 1024 * 1024;

fn file(cx: &FnCtx, args: Vec<Value>) -> Result<Value, FnError> {
    let rel = str_arg(&args, 0)?;
    let path = cx.base_dir.join(&rel);
    // Devices, pipes and directories would block or never end (`/dev/zero`); refuse them.
    if let Ok(meta) = std::fs::metadata(&path) {
        if !meta.is_file() {
            return Err(err(0, format!("{} is not a regular file", path.display()))
                .help("file() reads text files such as scripts and certificates"));
        }
        if meta.len() > FILE_LIMIT {
            return Err(err(0, format!("{} is {} bytes; file() reads at most 16 MiB", path.display(), meta.len())));
        }
    }
    match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|_| err(0, format!("the file {} is not valid UTF-8 text", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(err(0, format!("no file exists at {}", path.display()))
                .help(format!("paths are relative to the stack directory ({})", cx.base_dir.display())))
        }
        Err(e) => Err(err(0, format!("cannot read {}: {e}", path.display()))),
    }
}
