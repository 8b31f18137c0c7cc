//! Type constraints (`variable { type = ... }`) and HCL's conversion rules.
//!
//! Conversion follows cty: numbers and bools convert to strings and back, sets are lists kept
//! sorted and without duplicates, objects keep only the attributes the type names (optional ones
//! default to null), and unknown values and sensitive marks survive every conversion.

use std::collections::BTreeMap;
use std::fmt;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span as _;
use tether_sdk::value::Value;

use super::ops::{self, describe_marked, prim_to_string};
use crate::diag::{did_you_mean, Diag, FileId, Span};

/// A type constraint as written in a `variable` block.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeConstraint {
    String,
    Number,
    Bool,
    Any,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Tuple(Vec<TypeConstraint>),
    /// Attribute name -> (type, optional).
    Object(BTreeMap<String, (TypeConstraint, bool)>),
}

impl fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::List(t) => write!(f, "list({t})"),
            TypeConstraint::Set(t) => write!(f, "set({t})"),
            TypeConstraint::Map(t) => write!(f, "map({t})"),
            TypeConstraint::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            TypeConstraint::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (name, (t, optional))) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if *optional {
                        write!(f, "{name} = optional({t})")?;
                    } else {
                        write!(f, "{name} = {t}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

const KEYWORDS: [&str; 4] = ["string", "number", "bool", "any"];
const CONSTRUCTORS: [&str; 5] = ["list", "set", "map", "tuple", "object"];
const TYPE_HELP: &str = "a type is one of string, number, bool, any, list(T), set(T), map(T), \
                         tuple([T, ...]) or object({name = T, other = optional(T)})";

fn invalid(file: FileId, expr: &Expression, summary: impl Into<String>) -> Diag {
    Diag::error(summary)
        .code("eval::invalid-type")
        .label_opt(expr.span().map(|r| Span::new(file, r)), "this type constraint")
}

/// Parses a type constraint expression: `string`, `list(string)`, `object({a = string})` ...
pub fn parse_type(expr: &Expression, file: FileId) -> Result<TypeConstraint, Diag> {
    parse_inner(expr, file, false).map(|(t, _)| t)
}

/// Returns the type and whether it was wrapped in `optional(...)` (only allowed for attributes).
fn parse_inner(expr: &Expression, file: FileId, in_object: bool) -> Result<(TypeConstraint, bool), Diag> {
    match expr {
        Expression::Parenthesis(p) => parse_inner(p.inner(), file, in_object),
        Expression::Variable(v) => match v.value().as_str() {
            "string" => Ok((TypeConstraint::String, false)),
            "number" => Ok((TypeConstraint::Number, false)),
            "bool" => Ok((TypeConstraint::Bool, false)),
            "any" => Ok((TypeConstraint::Any, false)),
            name => {
                let d = invalid(file, expr, format!("unknown type \"{name}\""));
                Err(match did_you_mean(name, KEYWORDS.iter().copied().chain(CONSTRUCTORS)) {
                    Some(s) if KEYWORDS.contains(&s) => d.help(format!("did you mean {s}?")),
                    Some(s) => d.help(format!("did you mean {s}(...)? {TYPE_HELP}")),
                    None => d.help(TYPE_HELP),
                })
            }
        },
        Expression::String(s) => {
            let d = invalid(file, expr, format!("type constraints are keywords, not strings: \"{}\"", s.value()));
            Err(d.help(format!("remove the quotes: type = {}", s.value())))
        }
        Expression::FuncCall(call) => {
            let name = call.name.name.value().as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let one = |what: &str| -> Result<&Expression, Diag> {
                match args.as_slice() {
                    [a] => Ok(*a),
                    _ => {
                        Err(invalid(file, expr, format!("{name}(...) takes exactly one argument, got {}", args.len()))
                            .help(format!("write {name}({what})")))
                    }
                }
            };
            match name {
                "list" | "set" | "map" => {
                    let inner = Box::new(parse_inner(one("T")?, file, false)?.0);
                    Ok((
                        match name {
                            "list" => TypeConstraint::List(inner),
                            "set" => TypeConstraint::Set(inner),
                            _ => TypeConstraint::Map(inner),
                        },
                        false,
                    ))
                }
                "tuple" => match one("[T, ...]")? {
                    Expression::Array(items) => {
                        let ts = items.iter().map(|e| parse_inner(e, file, false).map(|(t, _)| t));
                        Ok((TypeConstraint::Tuple(ts.collect::<Result<_, _>>()?), false))
                    }
                    other => Err(invalid(file, other, "tuple(...) takes a list of element types")
                        .help("write tuple([string, number])")),
                },
                "object" => match one("{name = T}")? {
                    Expression::Object(obj) => {
                        let mut attrs = BTreeMap::new();
                        for (key, value) in obj.iter() {
                            let name = match key {
                                ObjectKey::Ident(id) => id.value().as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                ObjectKey::Expression(Expression::Variable(v)) => v.value().as_str().to_string(),
                                ObjectKey::Expression(e) => {
                                    return Err(invalid(file, e, "object attribute names must be plain names")
                                        .help("write object({name = string})"))
                                }
                            };
                            attrs.insert(name, parse_inner(value.expr(), file, true)?);
                        }
                        Ok((TypeConstraint::Object(attrs), false))
                    }
                    other => Err(invalid(file, other, "object(...) takes an object of attribute types")
                        .help("write object({name = string, size = optional(number)})")),
                },
                "optional" if in_object => match args.as_slice() {
                    [a] => Ok((parse_inner(a, file, false)?.0, true)),
                    [_, d] => Err(invalid(file, d, "default values in optional() are not supported").help(
                        "write optional(T) and supply the default with coalesce() or try() where the value is used",
                    )),
                    _ => Err(invalid(file, expr, "optional(...) takes one argument").help("write optional(string)")),
                },
                "optional" => Err(invalid(file, expr, "optional(...) is only allowed for object attributes")
                    .help("write object({name = optional(string)})")),
                other => {
                    let d = invalid(file, expr, format!("unknown type constructor \"{other}\""));
                    Err(match did_you_mean(other, CONSTRUCTORS) {
                        Some(s) => d.help(format!("did you mean {s}(...)?")),
                        None => d.help(TYPE_HELP),
                    })
                }
            }
        }
        _ => Err(invalid(file, expr, "invalid type constraint").help(TYPE_HELP)),
    }
}

/// Converts a value to a type, following HCL's conversion rules. Unknown values and sensitive
/// marks are preserved; errors never show sensitive content.
pub fn convert(v: Value, t: &TypeConstraint) -> Result<Value, String> {
    convert_at(v, t, false).map_err(|e| e.render())
}

/// A conversion failure with the path to the offending element.
struct ConvError {
    path: Vec<String>,
    message: String,
}

impl ConvError {
    fn new(message: impl Into<String>) -> ConvError {
        ConvError { path: Vec::new(), message: message.into() }
    }

    fn at(mut self, step: String) -> ConvError {
        self.path.insert(0, step);
        self
    }

    fn render(self) -> String {
        if self.path.is_empty() {
            self.message
        } else {
            format!("{}: {}", self.path.join(""), self.message)
        }
    }
}

fn required(t: &TypeConstraint, v: &Value, marked: bool) -> ConvError {
    let got = ops::a_type(v);
    match v.peel() {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            ConvError::new(format!("{t} required, got {got} {}", describe_marked(v, marked)))
        }
        _ => ConvError::new(format!("{t} required, got {got}")),
    }
}

fn convert_at(v: Value, t: &TypeConstraint, marked: bool) -> Result<Value, ConvError> {
    if let Value::Sensitive(_) = v {
        let (inner, _) = v.unmark();
        return convert_at(inner, t, true).map(|c| c.mark(true));
    }
    if matches!(v, Value::Unknown | Value::Null) || *t == TypeConstraint::Any {
        return Ok(v);
    }
    match t {
        TypeConstraint::Any => Ok(v),
        TypeConstraint::String => match prim_to_string(&v) {
            Some(s) => Ok(Value::String(s)),
            None => Err(required(t, &v, marked)),
        },
        TypeConstraint::Number => match &v {
            Value::Number(_) => Ok(v),
            Value::String(s) => ops::parse_number(s).ok_or_else(|| {
                ConvError::new(format!("a number is required, got the string {}", describe_marked(&v, marked)))
            }),
            _ => Err(required(t, &v, marked)),
        },
        TypeConstraint::Bool => match &v {
            Value::Bool(_) => Ok(v),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            Value::String(_) => Err(ConvError::new(format!(
                "a bool is required (true or false), got the string {}",
                describe_marked(&v, marked)
            ))),
            _ => Err(required(t, &v, marked)),
        },
        TypeConstraint::List(et) => match v {
            Value::List(items) => Ok(Value::List(convert_elements(items, et, marked)?)),
            other => Err(required(t, &other, marked)),
        },
        TypeConstraint::Set(et) => match v {
            Value::List(items) => Ok(Value::List(make_set(convert_elements(items, et, marked)?))),
            other => Err(required(t, &other, marked)),
        },
        TypeConstraint::Map(et) => match v {
            Value::Map(m) => {
                let mut out = BTreeMap::new();
                for (k, item) in m {
                    let c = convert_at(item, et, marked).map_err(|e| e.at(format!("[{}]", quote_key(&k, marked))))?;
                    out.insert(k, c);
                }
                if **et == TypeConstraint::Any {
                    let (keys, vals): (Vec<String>, Vec<Value>) = out.into_iter().unzip();
                    out = keys.into_iter().zip(unify(vals)).collect();
                }
                Ok(Value::Map(out))
            }
            other => Err(required(t, &other, marked)),
        },
        TypeConstraint::Tuple(ts) => match v {
            Value::List(items) if items.len() == ts.len() => items
                .into_iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (item, et))| convert_at(item, et, marked).map_err(|e| e.at(format!("[{i}]"))))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            Value::List(items) => {
                Err(ConvError::new(format!("{t} required: expected {} elements, got {}", ts.len(), items.len())))
            }
            other => Err(required(t, &other, marked)),
        },
        TypeConstraint::Object(attrs) => match v {
            Value::Map(mut m) => {
                let mut out = BTreeMap::new();
                for (name, (at, optional)) in attrs {
                    match m.remove(name) {
                        Some(item) => {
                            let c = convert_at(item, at, marked).map_err(|e| e.at(format!(".{name}")))?;
                            out.insert(name.clone(), c);
                        }
                        None if *optional => {
                            out.insert(name.clone(), Value::Null);
                        }
                        None => {
                            let mut msg = format!("attribute \"{name}\" is required");
                            if let Some(s) = did_you_mean(name, m.keys().map(String::as_str)) {
                                msg.push_str(&format!(" (found \"{s}\": a typo?)"));
                            }
                            return Err(ConvError::new(msg));
                        }
                    }
                }
                Ok(Value::Map(out))
            }
            other => Err(required(t, &other, marked)),
        },
    }
}

fn quote_key(k: &str, marked: bool) -> String {
    if marked {
        ops::SENSITIVE.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

fn convert_elements(items: Vec<Value>, et: &TypeConstraint, marked: bool) -> Result<Vec<Value>, ConvError> {
    let out = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| convert_at(item, et, marked).map_err(|e| e.at(format!("[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if *et == TypeConstraint::Any { unify(out) } else { out })
}

/// Elements of a `list(any)`/`map(any)` must share one type: when known primitives of different
/// types are mixed, they all become strings (as `tolist([1, "a"])` does in Terraform).
pub(crate) fn unify(items: Vec<Value>) -> Vec<Value> {
    let mut kinds = items.iter().filter_map(|v| match v.peel() {
        Value::String(_) => Some(0),
        Value::Number(_) => Some(1),
        Value::Bool(_) => Some(2),
        _ => None,
    });
    let first = kinds.next();
    let mixed = first.is_some() && kinds.any(|k| Some(k) != first);
    let all_prims = items.iter().all(|v| {
        matches!(v.peel(), Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null | Value::Unknown)
    });
    if !mixed || !all_prims {
        return items;
    }
    items
        .into_iter()
        .map(|v| {
            let (inner, marked) = v.unmark();
            match prim_to_string(&inner) {
                Some(s) => Value::String(s).mark(marked),
                None => inner.mark(marked),
            }
        })
        .collect()
}

/// Sorts and de-duplicates, keeping unknown elements (which cannot be compared) at the end.
pub(crate) fn make_set(items: Vec<Value>) -> Vec<Value> {
    let (mut known, unknown): (Vec<Value>, Vec<Value>) = items.into_iter().partition(Value::is_wholly_known);
    known.sort_by(ops::total_cmp);
    let mut out: Vec<Value> = Vec::with_capacity(known.len() + unknown.len());
    for v in known {
        match out.last_mut() {
            Some(last) if ops::equal(last, &v) => {
                // Keep the sensitive mark if either copy had one.
                if v.contains_sensitive() && !last.contains_sensitive() {
                    *last = v;
                }
            }
            _ => out.push(v),
        }
    }
    out.extend(unknown);
    out
}
