//! Reading addresses from text: one small cursor over the grammar
//!
//! ```text
//! target    = module-step* [ resource key? ]        (at least one of the two)
//! module-step = "module" "." NAME key? "."?
//! resource  = [ "data" "." ] TYPE "." NAME
//! key       = "[" ( INTEGER | JSON-STRING ) "]"
//! ```

use std::fmt;

use crate::{InstanceAddr, InstanceKey, Mode, ModuleInstance, ModuleStep, ResourceAddr, Target};

/// Why a text is not an address, and what was expected instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrError {
    pub text: String,
    pub expected: String,
}

impl AddrError {
    pub(crate) fn new(text: &str, expected: &str) -> AddrError {
        AddrError { text: text.to_string(), expected: expected.to_string() }
    }
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid resource address {:?}: {}", self.text, self.expected)
    }
}

impl std::error::Error for AddrError {}

const EXPECTED_INSTANCE: &str = "expected TYPE.NAME, TYPE.NAME[0], TYPE.NAME[\"key\"] or data.TYPE.NAME, optionally after module.NAME or module.NAME[KEY]";
const EXPECTED_MODULE: &str = "expected module.NAME or module.NAME[KEY], repeated for nested modules";

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.s.len()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A name: letters, digits, `_` and `-`, not starting with a digit.
    fn ident(&mut self) -> Option<&'a str> {
        let rest = &self.s[self.pos..];
        let len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-').count();
        if len == 0 || rest.as_bytes()[0].is_ascii_digit() {
            return None;
        }
        self.pos += len;
        Some(&rest[..len])
    }

    /// An optional `[0]` or `["key"]`.
    fn key(&mut self) -> Option<InstanceKey> {
        if !self.eat(b'[') {
            return Some(InstanceKey::None);
        }
        let rest = &self.s[self.pos..];
        let key = if rest.starts_with('"') {
            let bytes = rest.as_bytes();
            let mut i = 1;
            loop {
                match bytes.get(i)? {
                    b'\\' => i += 2,
                    b'"' => break,
                    _ => i += 1,
                }
            }
            let lit = &rest[..=i];
            self.pos += i + 1;
            InstanceKey::Str(serde_json::from_str::<String>(lit).ok()?)
        } else {
            let len =
                rest.bytes().enumerate().take_while(|(i, b)| b.is_ascii_digit() || (*i == 0 && *b == b'-')).count();
            let n = rest[..len].parse::<i64>().ok()?;
            self.pos += len;
            InstanceKey::Int(n)
        };
        self.eat(b']').then_some(key)
    }
}

/// Parses module steps, then (if `resource_allowed`) a resource and its key. Returns `None` on
/// any deviation from the grammar.
fn parse(s: &str, resource_allowed: bool) -> Option<(ModuleInstance, Option<(ResourceAddr, InstanceKey)>)> {
    let mut c = Cursor { s, pos: 0 };
    let mut module = Vec::new();
    loop {
        let start = c.pos;
        let first = c.ident()?;
        if first == "module" && c.eat(b'.') {
            let name = c.ident()?;
            let key = c.key()?;
            module.push(ModuleStep { name: name.to_string(), key });
            if c.at_end() {
                return Some((ModuleInstance(module), None));
            }
            if !c.eat(b'.') {
                return None;
            }
            continue;
        }
        if !resource_allowed {
            return None;
        }
        c.pos = start;
        let mut mode = Mode::Managed;
        let mut type_name = c.ident()?;
        if type_name == "data" && c.eat(b'.') {
            mode = Mode::Data;
            type_name = c.ident()?;
        }
        if !c.eat(b'.') {
            return None;
        }
        let name = c.ident()?;
        let key = c.key()?;
        if !c.at_end() {
            return None;
        }
        let resource = ResourceAddr { mode, type_name: type_name.to_string(), name: name.to_string() };
        return Some((ModuleInstance(module), Some((resource, key))));
    }
}

pub(crate) fn instance(s: &str) -> Result<InstanceAddr, AddrError> {
    match parse(s, true) {
        Some((module, Some((resource, key)))) => Ok(InstanceAddr { module, resource, key }),
        _ => Err(AddrError::new(s, EXPECTED_INSTANCE)),
    }
}

pub(crate) fn module_instance(s: &str) -> Result<ModuleInstance, AddrError> {
    match parse(s, false) {
        Some((module, None)) if !module.is_root() => Ok(module),
        _ => Err(AddrError::new(s, EXPECTED_MODULE)),
    }
}

pub(crate) fn target(s: &str) -> Result<Target, AddrError> {
    match parse(s, true) {
        Some((module, Some((resource, key)))) => Ok(Target::Resource(InstanceAddr { module, resource, key })),
        Some((module, None)) if !module.is_root() => Ok(Target::Module(module)),
        _ => Err(AddrError::new(s, EXPECTED_INSTANCE)),
    }
}
