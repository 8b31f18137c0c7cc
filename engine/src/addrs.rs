//! Typed addresses of resource instances: `mock_server.web`, `mock_server.web[0]`,
//! `mock_server.web["a"]`, `data.mock_zones.all`.

use std::fmt;

use crate::config::{ConfigAddr, Mode};

/// Which instance of a resource block: none (no count/for_each), a count index or a for_each key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::to_string(s).unwrap_or_default()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceAddr {
    pub config: ConfigAddr,
    pub key: InstanceKey,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.config, self.key)
    }
}

impl InstanceAddr {
    pub fn new(config: ConfigAddr, key: InstanceKey) -> InstanceAddr {
        InstanceAddr { config, key }
    }

    /// Parses `[data.]TYPE.NAME[KEY]`. Returns a message saying what is wrong otherwise.
    pub fn parse(s: &str) -> Result<InstanceAddr, String> {
        let bad = || {
            format!("invalid resource address {s:?}: expected TYPE.NAME, TYPE.NAME[0], TYPE.NAME[\"key\"] or data.TYPE.NAME")
        };
        let (head, key) = match s.find('[') {
            Some(i) => {
                let inner = s[i..].strip_prefix('[').and_then(|r| r.strip_suffix(']')).ok_or_else(bad)?;
                let key = if let Ok(n) = inner.parse::<i64>() {
                    InstanceKey::Int(n)
                } else if inner.starts_with('"') {
                    InstanceKey::Str(serde_json::from_str::<String>(inner).map_err(|_| bad())?)
                } else {
                    return Err(bad());
                };
                (&s[..i], key)
            }
            None => (s, InstanceKey::None),
        };
        let parts: Vec<&str> = head.split('.').collect();
        let (mode, ty, name) = match parts.as_slice() {
            ["data", ty, name] => (Mode::Data, *ty, *name),
            [ty, name] => (Mode::Managed, *ty, *name),
            _ => return Err(bad()),
        };
        let ident = |x: &str| {
            !x.is_empty()
                && !x.starts_with(|c: char| c.is_ascii_digit())
                && x.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !ident(ty) || !ident(name) {
            return Err(bad());
        }
        Ok(InstanceAddr { config: ConfigAddr { mode, type_name: ty.to_string(), name: name.to_string() }, key })
    }

    /// True when `pattern` (a config address or an instance address) selects this instance.
    pub fn matches(&self, pattern: &InstanceAddr) -> bool {
        self.config == pattern.config && (pattern.key == InstanceKey::None || pattern.key == self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for s in ["mock_server.web", "mock_server.web[0]", "mock_server.web[\"a b\"]", "data.mock_zones.all"] {
            assert_eq!(InstanceAddr::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn bad_addresses_say_what_is_expected() {
        for s in ["web", "a.b.c.d", "mock_server.web[", "mock_server.web[x]", "1x.web"] {
            let err = InstanceAddr::parse(s).unwrap_err();
            assert!(err.contains("expected TYPE.NAME"), "{err}");
        }
    }

    #[test]
    fn config_address_matches_every_instance() {
        let all = InstanceAddr::parse("mock_server.web").unwrap();
        assert!(InstanceAddr::parse("mock_server.web[3]").unwrap().matches(&all));
        assert!(!InstanceAddr::parse("mock_server.db[3]").unwrap().matches(&all));
    }
}
