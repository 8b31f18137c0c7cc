//! Resource schemas: what a provider tells the engine about each type's attributes.

use std::collections::BTreeMap;

use serde::Serialize;

/// The type of an attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AttrType {
    String,
    Number,
    Bool,
    List(Box<AttrType>),
    /// Unordered, no duplicates; compared without regard to order.
    Set(Box<AttrType>),
    Map(Box<AttrType>),
    /// Any JSON-shaped value.
    Any,
}

impl AttrType {
    pub fn list_of(t: AttrType) -> AttrType {
        AttrType::List(Box::new(t))
    }
    pub fn set_of(t: AttrType) -> AttrType {
        AttrType::Set(Box::new(t))
    }
    pub fn map_of(t: AttrType) -> AttrType {
        AttrType::Map(Box::new(t))
    }

    pub fn describe(&self) -> String {
        match self {
            AttrType::String => "string".into(),
            AttrType::Number => "number".into(),
            AttrType::Bool => "bool".into(),
            AttrType::List(t) => format!("list({})", t.describe()),
            AttrType::Set(t) => format!("set({})", t.describe()),
            AttrType::Map(t) => format!("map({})", t.describe()),
            AttrType::Any => "any".into(),
        }
    }
}

/// One attribute of a resource type.
#[derive(Clone, Debug, Serialize)]
pub struct Attribute {
    pub ty: AttrType,
    /// The stack must set it.
    pub required: bool,
    /// The stack may set it.
    pub optional: bool,
    /// The provider supplies it (alone, or when the stack leaves it unset if also optional).
    pub computed: bool,
    /// Changing it forces the resource to be replaced rather than updated in place.
    pub force_new: bool,
    /// Never shown in plan output, logs or errors.
    pub sensitive: bool,
    /// Owned by a controller outside tether (an autoscaler, say) once the resource exists:
    /// its value is used at creation and changes to it are neither planned nor reported as drift.
    pub externally_owned: bool,
    pub description: String,
}

impl Attribute {
    fn new(ty: AttrType) -> Attribute {
        Attribute {
            ty,
            required: false,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
            externally_owned: false,
            description: String::new(),
        }
    }

    pub fn required(ty: AttrType) -> Attribute {
        Attribute { required: true, ..Attribute::new(ty) }
    }

    pub fn optional(ty: AttrType) -> Attribute {
        Attribute { optional: true, ..Attribute::new(ty) }
    }

    /// Set by the provider only (IDs, ARNs, assigned addresses).
    pub fn computed(ty: AttrType) -> Attribute {
        Attribute { computed: true, ..Attribute::new(ty) }
    }

    /// Optional; the provider fills in a default when the stack leaves it unset.
    pub fn optional_computed(ty: AttrType) -> Attribute {
        Attribute { optional: true, computed: true, ..Attribute::new(ty) }
    }

    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    pub fn externally_owned(mut self) -> Attribute {
        self.externally_owned = true;
        self
    }

    pub fn describe(mut self, text: impl Into<String>) -> Attribute {
        self.description = text.into();
        self
    }

    /// Only the provider sets it.
    pub fn is_computed_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Nesting {
    /// At most one; its value is an object.
    Single,
    /// Zero or more, ordered; its value is a list of objects.
    List,
    /// Zero or more, unordered; its value is a list of objects compared without order.
    Set,
}

/// A nested block type, such as `ip_address { ... }` inside a resolver endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct BlockType {
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: usize,
    pub max_items: Option<usize>,
    /// Any change inside forces replacement.
    pub force_new: bool,
}

impl BlockType {
    pub fn single(block: Block) -> BlockType {
        BlockType { nesting: Nesting::Single, block, min_items: 0, max_items: Some(1), force_new: false }
    }

    pub fn list(block: Block) -> BlockType {
        BlockType { nesting: Nesting::List, block, min_items: 0, max_items: None, force_new: false }
    }

    pub fn set(block: Block) -> BlockType {
        BlockType { nesting: Nesting::Set, block, min_items: 0, max_items: None, force_new: false }
    }

    pub fn min(mut self, n: usize) -> BlockType {
        self.min_items = n;
        self
    }

    pub fn max(mut self, n: usize) -> BlockType {
        self.max_items = Some(n);
        self
    }

    pub fn force_new(mut self) -> BlockType {
        self.force_new = true;
        self
    }
}

/// The attributes and nested blocks of a resource body (or of a nested block).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Block {
    pub attributes: BTreeMap<String, Attribute>,
    pub blocks: BTreeMap<String, BlockType>,
}

impl Block {
    pub fn new() -> Block {
        Block::default()
    }

    pub fn attr(mut self, name: &str, attribute: Attribute) -> Block {
        self.attributes.insert(name.to_string(), attribute);
        self
    }

    pub fn block(mut self, name: &str, block: BlockType) -> Block {
        self.blocks.insert(name.to_string(), block);
        self
    }

    /// Every name that may appear in this body, for "did you mean" suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.attributes.keys().chain(self.blocks.keys()).map(String::as_str)
    }
}

/// The schema of one resource or data source type.
#[derive(Clone, Debug, Serialize)]
pub struct ResourceSchema {
    pub block: Block,
    pub description: String,
    /// The attribute that holds the cloud identifier (almost always `id`).
    pub id_attribute: String,
    /// Set for types whose replacement or deletion takes down much more than the object itself
    /// (a cluster, a VPN, a transit gateway): why. Plans mark such changes high impact, and
    /// `apply` makes them only when `--allow-replace` names the instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_impact: Option<String>,
}

impl ResourceSchema {
    pub fn new(description: impl Into<String>, block: Block) -> ResourceSchema {
        ResourceSchema { block, description: description.into(), id_attribute: "id".into(), high_impact: None }
    }

    /// Marks the type high impact; `why` says what its loss takes down.
    pub fn high_impact(mut self, why: impl Into<String>) -> ResourceSchema {
        self.high_impact = Some(why.into());
        self
    }
}

/// Everything a provider declares: its own configuration block, resources and data sources.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ProviderSchema {
    pub provider: Block,
    pub resources: BTreeMap<String, ResourceSchema>,
    pub data_sources: BTreeMap<String, ResourceSchema>,
}
