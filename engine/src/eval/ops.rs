//! Value helpers shared by the evaluator, the function library and type conversion: number
//! arithmetic that keeps integers integral, HCL equality and ordering, primitive-to-string
//! conversion and redacted descriptions for error messages.

use std::cmp::Ordering;

use serde_json::Number;
use tether_sdk::value::{format_number, Value};

/// What an error message shows in place of a sensitive value.
pub(crate) const SENSITIVE: &str = "(sensitive value)";

/// A number split into the two representations the evaluator computes with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn of(n: &Number) -> Num {
        match n.as_i64() {
            Some(i) => Num::Int(i),
            None => Num::Float(n.as_f64().unwrap_or(0.0)),
        }
    }

    pub(crate) fn f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// The value as an exact integer, when it is one.
    pub(crate) fn as_int(self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(i),
            Num::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            Num::Float(_) => None,
        }
    }

    pub(crate) fn value(self) -> Result<Value, String> {
        match self {
            Num::Int(i) => Ok(Value::int(i)),
            Num::Float(f) => float(f),
        }
    }
}

/// Makes a number value from a float, as an integer when it is integral and fits.
pub(crate) fn float(f: f64) -> Result<Value, String> {
    if !f.is_finite() {
        return Err("the result is not a finite number".to_string());
    }
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return Ok(Value::int(f as i64));
    }
    Number::from_f64(f).map(Value::Number).ok_or_else(|| "the result is not a finite number".to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Applies an arithmetic operator. Integer operations stay integral unless they overflow, in
/// which case they fall back to floating point; division yields an integer when exact.
pub(crate) fn arith(op: Arith, a: Num, b: Num) -> Result<Value, String> {
    if matches!(op, Arith::Div | Arith::Rem) && b.f64() == 0.0 {
        return Err(if op == Arith::Div { "division by zero".to_string() } else { "modulo by zero".to_string() });
    }
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let exact = match op {
            Arith::Add => x.checked_add(y),
            Arith::Sub => x.checked_sub(y),
            Arith::Mul => x.checked_mul(y),
            Arith::Div => match x.checked_rem(y) {
                Some(0) => x.checked_div(y),
                _ => None,
            },
            Arith::Rem => x.checked_rem(y),
        };
        if let Some(r) = exact {
            return Ok(Value::int(r));
        }
    }
    let (x, y) = (a.f64(), b.f64());
    float(match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => x / y,
        Arith::Rem => x % y,
    })
}

/// Compares two numbers exactly when both are integers.
pub(crate) fn cmp_num(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        _ => a.f64().partial_cmp(&b.f64()).unwrap_or(Ordering::Equal),
    }
}

/// HCL equality: deep, ignoring sensitive marks, with numbers compared by value (1 == 1.0).
/// Callers handle unknown values before asking.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a.peel(), b.peel()) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => cmp_num(Num::of(x), Num::of(y)) == Ordering::Equal,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k1, v1), (k2, v2))| k1 == k2 && equal(v1, v2))
        }
        _ => false,
    }
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::List(_) => 4,
        Value::Map(_) => 5,
        Value::Unknown => 6,
        Value::Sensitive(inner) => rank(inner),
    }
}

/// A total order over values, used to give sets a canonical order.
pub(crate) fn total_cmp(a: &Value, b: &Value) -> Ordering {
    let (a, b) = (a.peel(), b.peel());
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => cmp_num(Num::of(x), Num::of(y)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = total_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Map(x), Value::Map(y)) => {
            for ((k1, v1), (k2, v2)) in x.iter().zip(y) {
                let o = k1.cmp(k2).then_with(|| total_cmp(v1, v2));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The string form of a primitive (HCL's automatic conversion to string).
pub(crate) fn prim_to_string(v: &Value) -> Option<String> {
    match v.peel() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parses a number from a string the way HCL converts strings to numbers.
pub(crate) fn parse_number(s: &str) -> Option<Value> {
    let t = s.trim();
    if t.is_empty() || t.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::int(i));
    }
    t.parse::<f64>().ok().and_then(|f| float(f).ok())
}

/// A short, safe description of a value for error messages: sensitive values are never shown.
pub(crate) fn describe(v: &Value) -> String {
    describe_marked(v, false)
}

/// Like `describe`, but also hides the value when the caller knows it came from a sensitive one.
pub(crate) fn describe_marked(v: &Value, marked: bool) -> String {
    if marked || v.contains_sensitive() {
        return SENSITIVE.to_string();
    }
    let s = v.render();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// "a string", "a list", ... for type errors.
pub(crate) fn a_type(v: &Value) -> &'static str {
    match v.peel() {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "an object",
        Value::Unknown => "an unknown value",
        Value::Sensitive(_) => "a sensitive value",
    }
}
