//! One value as people and machines see it. Sensitive values never reach the output: they print
//! as `(sensitive value)` for people and as `null` (with a `*_sensitive` mask where the format
//! has one) for machines; values known only after apply print as `(known after apply)`.

use serde_json::json;
use tether_sdk::Value;

pub(crate) const SENSITIVE: &str = "(sensitive value)";
pub(crate) const UNKNOWN: &str = "(known after apply)";

/// One value on one line, with sensitive and unknown parts replaced.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::Sensitive(_) => SENSITIVE.to_string(),
        Value::Unknown => UNKNOWN.to_string(),
        other => other.render().replace("(sensitive)", SENSITIVE),
    }
}

/// A value that may be absent (`null`), hidden entirely when `sensitive` (an output's value).
pub(crate) fn shown(v: Option<&Value>, sensitive: bool) -> String {
    match v {
        _ if sensitive => SENSITIVE.to_string(),
        Some(v) => scalar(v),
        None => "null".to_string(),
    }
}

/// Plain JSON with unknown and sensitive parts replaced by null.
pub fn redacted(v: Option<&Value>) -> serde_json::Value {
    fn go(v: &Value) -> serde_json::Value {
        match v {
            Value::Sensitive(_) | Value::Unknown => serde_json::Value::Null,
            Value::List(items) => serde_json::Value::Array(items.iter().map(go).collect()),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), go(v))).collect()),
            other => other.to_json(),
        }
    }
    v.map(go).unwrap_or(serde_json::Value::Null)
}

/// A structure mirroring `v` with `true` where `pred` holds (Terraform's `after_unknown` shape).
pub(crate) fn mask(v: Option<&Value>, pred: &dyn Fn(&Value) -> bool) -> serde_json::Value {
    fn go(v: &Value, pred: &dyn Fn(&Value) -> bool) -> serde_json::Value {
        if pred(v) {
            return json!(true);
        }
        match v {
            Value::List(items) => serde_json::Value::Array(items.iter().map(|i| go(i, pred)).collect()),
            Value::Map(m) => serde_json::Value::Object(
                m.iter().map(|(k, v)| (k.clone(), go(v, pred))).filter(|(_, v)| v != &json!(false)).collect(),
            ),
            _ => json!(false),
        }
    }
    v.map(|v| go(v, pred)).unwrap_or(json!(false))
}

/// A JSON document as printed: pretty, with a final newline.
pub fn json_text(v: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
    text.push('\n');
    text
}
