//! Text encodings used by functions: JSON (deterministic key order, Go-compatible escaping so
//! output matches Terraform's `jsonencode`), a small block-style YAML emitter and base64.
//!
//! All encoders take plain values: the caller removes sensitive marks and refuses unknowns.

use tether_sdk::value::{format_number, Value};

/// Encodes a value as compact JSON with keys in sorted order.
pub(crate) fn json(v: &Value) -> String {
    let mut out = String::new();
    json_into(v, &mut out);
    out
}

fn json_into(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) => json_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                json_into(item, out);
            }
            out.push('}');
        }
        Value::Sensitive(inner) => json_into(inner, out),
    }
}

/// A JSON string literal, escaping as Go's encoder does (including `<`, `>` and `&`).
pub(crate) fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Encodes a value as block-style YAML: maps as `key: value`, lists as `- item`, strings quoted
/// only when YAML would otherwise read them as something else. The output ends with a newline.
pub(crate) fn yaml(v: &Value) -> String {
    let mut out = String::new();
    match v.peel() {
        Value::List(items) if !items.is_empty() => yaml_list(items, 0, &mut out),
        Value::Map(m) if !m.is_empty() => yaml_map(m, 0, &mut out),
        other => {
            yaml_scalar(other, 0, &mut out);
            out.push('\n');
        }
    }
    out
}

fn indent(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn is_block(v: &Value) -> bool {
    match v.peel() {
        Value::List(items) => !items.is_empty(),
        Value::Map(m) => !m.is_empty(),
        _ => false,
    }
}

fn yaml_map(m: &std::collections::BTreeMap<String, Value>, level: usize, out: &mut String) {
    for (i, (k, item)) in m.iter().enumerate() {
        if i > 0 {
            indent(level, out);
        }
        yaml_plain_or_quoted(k, out);
        out.push(':');
        yaml_value_after_key(item, level, out);
    }
}

fn yaml_value_after_key(item: &Value, level: usize, out: &mut String) {
    match item.peel() {
        Value::Map(m) if !m.is_empty() => {
            out.push('\n');
            indent(level + 2, out);
            yaml_map(m, level + 2, out);
        }
        Value::List(items) if !items.is_empty() => {
            // Lists under a key are written at the key's level, as kubectl and most tools do.
            out.push('\n');
            indent(level, out);
            yaml_list(items, level, out);
        }
        other => {
            out.push(' ');
            yaml_scalar(other, level + 2, out);
            out.push('\n');
        }
    }
}

fn yaml_list(items: &[Value], level: usize, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            indent(level, out);
        }
        out.push_str("- ");
        match item.peel() {
            Value::Map(m) if !m.is_empty() => yaml_map(m, level + 2, out),
            Value::List(inner) if !inner.is_empty() => yaml_list(inner, level + 2, out),
            other => {
                debug_assert!(!is_block(other));
                yaml_scalar(other, level + 2, out);
                out.push('\n');
            }
        }
    }
}

fn yaml_scalar(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) if literal_block_ok(s) => {
            let trailing = s.len() - s.trim_end_matches('\n').len();
            out.push_str(match trailing {
                0 => "|-",
                1 => "|",
                _ => "|+",
            });
            let body = s.strip_suffix('\n').unwrap_or(s);
            for line in body.split('\n') {
                out.push('\n');
                if !line.is_empty() {
                    indent(level, out);
                    out.push_str(line);
                }
            }
        }
        Value::String(s) => yaml_plain_or_quoted(s, out),
        Value::List(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
        Value::Sensitive(inner) => yaml_scalar(inner, level, out),
    }
}

/// Multi-line strings are written as literal blocks when that round-trips exactly.
fn literal_block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && s.trim_end_matches('\n').lines().all(|l| l == l.trim_end())
}

fn yaml_plain_or_quoted(s: &str, out: &mut String) {
    if needs_quotes(s) {
        json_like_quote(s, out);
    } else {
        out.push_str(s);
    }
}

fn needs_quotes(s: &str) -> bool {
    const RESERVED: [&str; 22] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "True", "False", "TRUE", "FALSE", "Yes",
        "No", "YES", "NO", "On", "Off", "Null", "NULL",
    ];
    if s.is_empty() || RESERVED.contains(&s) || s.trim() != s {
        return true;
    }
    if s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with("0o") || s == ".inf" || s == ".nan" {
        return true;
    }
    if s == "-" || s.starts_with("- ") || s.starts_with("---") || s.starts_with("...") {
        return true;
    }
    if s.starts_with(['?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`']) {
        // Indicator characters start flow collections, anchors, tags and the like.
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.chars().any(|c| c.is_control())
}

fn json_like_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding required, line breaks ignored). The error names the offset.
pub(crate) fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let chars: Vec<(usize, u8)> = s.bytes().enumerate().filter(|(_, b)| *b != b'\n' && *b != b'\r').collect();
    if !chars.len().is_multiple_of(4) {
        return Err(format!("invalid base64: length {} is not a multiple of 4 (is padding missing?)", chars.len()));
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let groups = chars.len() / 4;
    for (g, quad) in chars.chunks(4).enumerate() {
        let mut n = 0u32;
        let mut pad = 0;
        for (j, &(offset, b)) in quad.iter().enumerate() {
            let v = match b {
                b'A'..=b'Z' => b - b'A',
                b'a'..=b'z' => b - b'a' + 26,
                b'0'..=b'9' => b - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if g == groups - 1 && j >= 2 => {
                    pad += 1;
                    0
                }
                _ => return Err(format!("invalid base64 data at offset {offset}")),
            };
            if pad > 0 && b != b'=' {
                return Err(format!("invalid base64 data at offset {offset}"));
            }
            n = (n << 6) | u32::from(v);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}
