//! Typed addresses: how tether names a module, a resource block and one instance of it.
//!
//! | type | written | names |
//! | --- | --- | --- |
//! | [`Mode`] | `managed` / `data` | whether a block is a resource or a data source |
//! | [`InstanceKey`] | ``, `[0]`, `["a"]` | one instance of a block with `count` or `for_each` |
//! | [`ResourceAddr`] | `aws_vpc.main`, `data.aws_vpc.main` | a block, relative to its module |
//! | [`ModulePath`] | `module.net.module.sub` | a module in the configuration (no keys) |
//! | [`ModuleInstance`] | `module.net["a"]` | one instance of a module call (empty: the root) |
//! | [`ConfigResourceAddr`] | `module.net.aws_vpc.main` | a block in the configuration |
//! | [`AbsResourceAddr`] | `module.net["a"].aws_vpc.main` | a block in one module instance |
//! | [`InstanceAddr`] | `module.net["a"].aws_vpc.main[0]` | one resource instance: what state and plans record |
//! | [`Target`] | any of the above, as given to `--target` | a pattern selecting instances |
//!
//! Every address is written and read as the same string Terraform uses, and serialized as that
//! string, so state, saved plans and JSON output hold plain text. Parsing never panics: bad text
//! gets an [`AddrError`] saying what was expected.
//!
//! **Invariant:** `parse(x.to_string()) == x` for every address.

mod parse;

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

pub use parse::AddrError;

/// Whether a block is a managed resource or a data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    Managed,
    Data,
}

impl Mode {
    /// `"managed"` or `"data"`, as state files and JSON plans write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Mode, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "managed" => Ok(Mode::Managed),
            "data" => Ok(Mode::Data),
            other => Err(de::Error::custom(format!("mode {other:?} is not \"managed\" or \"data\""))),
        }
    }
}

/// Which instance of a block: none (no count/for_each), a count index or a for_each key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum InstanceKey {
    #[default]
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

impl InstanceKey {
    /// True when `pattern` selects this key: a pattern without a key selects every key.
    pub fn matches(&self, pattern: &InstanceKey) -> bool {
        *pattern == InstanceKey::None || pattern == self
    }
}

/// A string key written as a JSON string literal, as HCL writes one.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A resource or data block, relative to its module: `aws_vpc.main`, `data.aws_vpc.main`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn new(mode: Mode, type_name: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr { mode, type_name: type_name.into(), name: name.into() }
    }

    pub fn managed(type_name: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr::new(Mode::Managed, type_name, name)
    }

    /// One instance of this block in the root module.
    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr { module: ModuleInstance::root(), resource: self.clone(), key }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = if self.mode == Mode::Data { "data." } else { "" };
        f.pad(&format!("{data}{}.{}", self.type_name, self.name))
    }
}

/// A module of the configuration, by the names of the calls that lead to it from the root:
/// `module.net.module.sub`. Empty for the root module.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ModulePath(pub Vec<String>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The module called `name` from this one.
    pub fn child(&self, name: impl Into<String>) -> ModulePath {
        let mut names = self.0.clone();
        names.push(name.into());
        ModulePath(names)
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}")?;
        }
        Ok(())
    }
}

/// One step of a module instance path: the call's name and, with count/for_each, its key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

/// One instance of a module: `module.net["a"].module.sub`. Empty for the root module.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ModuleInstance(pub Vec<ModuleStep>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The instance `key` of the module called `name` from this one.
    pub fn child(&self, name: impl Into<String>, key: InstanceKey) -> ModuleInstance {
        let mut steps = self.0.clone();
        steps.push(ModuleStep { name: name.into(), key });
        ModuleInstance(steps)
    }

    /// The configuration module this is an instance of.
    pub fn path(&self) -> ModulePath {
        ModulePath(self.0.iter().map(|s| s.name.clone()).collect())
    }

    /// True when `pattern` selects this module instance or one it contains (`module.a`
    /// selects `module.a["x"].module.b`): names are compared step by step, and a pattern step
    /// without a key selects every key.
    pub fn within(&self, pattern: &ModuleInstance) -> bool {
        pattern.0.len() <= self.0.len()
            && pattern.0.iter().zip(&self.0).all(|(p, s)| p.name == s.name && s.key.matches(&p.key))
    }

    /// Parses `module.NAME[KEY].module.NAME...`.
    pub fn parse(s: &str) -> Result<ModuleInstance, AddrError> {
        parse::module_instance(s)
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}{}", step.name, step.key)?;
        }
        Ok(())
    }
}

/// Writes `module.` prefixes, then `rest`, honouring width and alignment (`{:30}`).
fn with_module(
    f: &mut fmt::Formatter<'_>,
    module: &dyn fmt::Display,
    root: bool,
    rest: &dyn fmt::Display,
) -> fmt::Result {
    if root {
        f.pad(&rest.to_string())
    } else {
        f.pad(&format!("{module}.{rest}"))
    }
}

/// A resource block of the configuration, in its module: `module.net.aws_vpc.main`. What a
/// resource's recorded dependencies name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigResourceAddr {
    pub module: ModulePath,
    pub resource: ResourceAddr,
}

impl ConfigResourceAddr {
    pub fn root(resource: ResourceAddr) -> ConfigResourceAddr {
        ConfigResourceAddr { module: ModulePath::root(), resource }
    }

    pub fn parse(s: &str) -> Result<ConfigResourceAddr, AddrError> {
        let inst = parse::instance(s)?;
        if inst.key != InstanceKey::None || inst.module.0.iter().any(|m| m.key != InstanceKey::None) {
            return Err(AddrError::new(s, "a resource of the configuration has no instance keys"));
        }
        Ok(ConfigResourceAddr { module: inst.module.path(), resource: inst.resource })
    }
}

impl fmt::Display for ConfigResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_module(f, &self.module, self.module.is_root(), &self.resource)
    }
}

/// A resource block in one module instance: `module.net["a"].aws_vpc.main`. Its instances are
/// what `count`/`for_each` of the block make there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AbsResourceAddr {
    pub module: ModuleInstance,
    pub resource: ResourceAddr,
}

impl AbsResourceAddr {
    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr { module: self.module.clone(), resource: self.resource.clone(), key }
    }

    pub fn config(&self) -> ConfigResourceAddr {
        ConfigResourceAddr { module: self.module.path(), resource: self.resource.clone() }
    }
}

impl fmt::Display for AbsResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_module(f, &self.module, self.module.is_root(), &self.resource)
    }
}

/// One resource instance: `aws_vpc.main`, `aws_subnet.private["a"]`,
/// `module.net["a"].aws_subnet.private[0]`. The address state, plans, drift and cost record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceAddr {
    pub module: ModuleInstance,
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl InstanceAddr {
    /// An instance of a block in the root module.
    pub fn new(resource: ResourceAddr, key: InstanceKey) -> InstanceAddr {
        InstanceAddr { module: ModuleInstance::root(), resource, key }
    }

    /// Parses `[module.NAME[KEY].]...[data.]TYPE.NAME[KEY]`.
    pub fn parse(s: &str) -> Result<InstanceAddr, AddrError> {
        parse::instance(s)
    }

    /// The block in its module instance.
    pub fn abs_resource(&self) -> AbsResourceAddr {
        AbsResourceAddr { module: self.module.clone(), resource: self.resource.clone() }
    }

    /// The block in the configuration.
    pub fn config_resource(&self) -> ConfigResourceAddr {
        ConfigResourceAddr { module: self.module.path(), resource: self.resource.clone() }
    }

    pub fn mode(&self) -> Mode {
        self.resource.mode
    }

    /// True when `pattern` (a block or an instance address, in a module or not) selects this
    /// instance: a pattern without a key selects every instance, at the resource and at each
    /// module step.
    pub fn matches(&self, pattern: &InstanceAddr) -> bool {
        self.resource == pattern.resource
            && self.module.0.len() == pattern.module.0.len()
            && self.module.within(&pattern.module)
            && self.key.matches(&pattern.key)
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_module(f, &self.module, self.module.is_root(), &format_args!("{}{}", self.resource, self.key))
    }
}

/// What `--target`, `--exclude`, `--allow-replace` and `state list` take: a module (every
/// instance in it) or a resource (every instance of the block, or one).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Module(ModuleInstance),
    Resource(InstanceAddr),
}

impl Target {
    pub fn parse(s: &str) -> Result<Target, AddrError> {
        parse::target(s)
    }

    /// True when this target selects `inst`.
    pub fn matches(&self, inst: &InstanceAddr) -> bool {
        match self {
            Target::Module(m) => inst.module.within(m),
            Target::Resource(r) => inst.matches(r),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Module(m) => m.fmt(f),
            Target::Resource(r) => r.fmt(f),
        }
    }
}

/// Addresses are stored as the strings they are written as.
macro_rules! string_serde {
    ($($ty:ty),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::parse(&s).map_err(de::Error::custom)
            }
        }
    )*};
}

string_serde!(InstanceAddr, ConfigResourceAddr, Target);

impl ResourceAddr {
    /// Parses `[data.]TYPE.NAME` (no module, no key).
    pub fn parse(s: &str) -> Result<ResourceAddr, AddrError> {
        let inst = parse::instance(s)?;
        if !inst.module.is_root() || inst.key != InstanceKey::None {
            return Err(AddrError::new(s, "expected TYPE.NAME or data.TYPE.NAME"));
        }
        Ok(inst.resource)
    }
}

string_serde!(ResourceAddr);

#[cfg(test)]
mod tests;
