//! The plan as a value: what will happen to each resource instance and output, and the cost
//! that was reviewed with it. This is what `plan --out` saves and `apply PLANFILE` reads; it is
//! computed by the passes of `plan()` and rendered by the presentation crate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tether_sdk::cost::PriceSource;
use tether_sdk::{AttrPath, CostEstimate, Usd, Value};

use crate::addrs::{ConfigResourceAddr, InstanceAddr, Mode, ResourceAddr, Target};

pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What will happen to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Replace: delete the old object, then create the new one.
    DeleteThenCreate,
    /// Replace with `create_before_destroy`: create the new object, then delete the old one.
    CreateThenDelete,
    Delete,
    /// Read a data source during apply (its configuration depends on values not yet known).
    Read,
}

impl Action {
    /// The glyph shown in plans.
    pub fn glyph(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Read => "<=",
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// True when the action removes an existing object.
    pub fn destroys(self) -> bool {
        matches!(self, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// The planned change of one resource instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: InstanceAddr,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub provider: String,
    pub action: Action,
    /// The refreshed current value (`None` for a create).
    pub before: Option<Value>,
    /// The planned value (`None` for a delete); unknown parts are known only after apply.
    pub after: Option<Value>,
    /// The attributes that force a replacement.
    pub requires_replace: Vec<AttrPath>,
    /// Why, when the reason is not an attribute change ("not in configuration", "deleted outside tether").
    pub reason: Option<String>,
    /// The resource blocks this instance depends on.
    pub dependencies: Vec<ConfigResourceAddr>,
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    /// Set when the change replaces or deletes an object of a high-impact type (the schema's
    /// reason): shown first in every report, and `apply` needs `--allow-replace` for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_impact: Option<String>,
    /// The change is to the deposed (old) object left by an interrupted create_before_destroy
    /// replacement, not to the current object at the same address.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposed: bool,
}

impl ResourceChange {
    /// True for a delete or either kind of replacement.
    pub fn removes_object(&self) -> bool {
        matches!(self.action, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The block this is an instance of.
    pub fn resource(&self) -> &ResourceAddr {
        &self.address.resource
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// A complete plan, ready to render or save.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub tether_version: String,
    /// The lineage and serial of the state the plan was made against (`None` before the first apply).
    pub lineage: Option<String>,
    pub serial: u64,
    pub stack_hash: String,
    pub destroy: bool,
    /// The resolved input variables, so applying a saved plan evaluates exactly the same stack.
    pub variables: BTreeMap<String, Value>,
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    pub targets: Vec<Target>,
    pub excludes: Vec<Target>,
    /// Warnings already rendered, so `show PLANFILE` can repeat them.
    pub warnings: Vec<String>,
    /// Creates interrupted by a crash that this plan will finish (adopting what was created).
    pub interrupted: Vec<InstanceAddr>,
    /// The monthly cost before and after, per resource and in total (`None` in plans saved by
    /// a tether that did not estimate cost).
    #[serde(default)]
    pub cost: Option<CostReport>,
}

impl Plan {
    /// True when applying would change any resource or output.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp) || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }

    pub fn change(&self, address: &InstanceAddr) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| &c.address == address)
    }

    /// Counts of (add, change, destroy) in Terraform's sense: a replace adds one and destroys one.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut n = (0, 0, 0);
        for c in &self.changes {
            match c.action {
                Action::Create => n.0 += 1,
                Action::Update => n.1 += 1,
                Action::Delete => n.2 += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    n.0 += 1;
                    n.2 += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        n
    }
}

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub destroy: bool,
    pub targets: Vec<Target>,
    pub excludes: Vec<Target>,
    /// Skip refreshing state (plan against what state records).
    pub skip_refresh: bool,
}

/// A sum of monthly amounts: the known part, and the resources whose amount is not known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostTotal {
    pub monthly: Usd,
    /// Addresses whose amount is missing (known only after apply, or no price).
    pub unknown: Vec<InstanceAddr>,
}

impl CostTotal {
    pub fn is_complete(&self) -> bool {
        self.unknown.is_empty()
    }

    pub(crate) fn add(&mut self, address: &InstanceAddr, amount: Option<Usd>) {
        match amount {
            Some(a) => self.monthly = self.monthly + a,
            None => {
                if !self.unknown.contains(address) {
                    self.unknown.push(address.clone());
                }
            }
        }
    }
}

/// One priced resource instance of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCost {
    pub address: InstanceAddr,
    #[serde(rename = "type")]
    pub type_name: String,
    pub action: Action,
    /// The cost of the object as it is now; `None` when there is none (a create).
    pub before: Option<CostEstimate>,
    /// The cost of the object as planned; `None` when there will be none (a delete).
    pub after: Option<CostEstimate>,
    /// Monthly totals: zero for a side without an object, `None` when not known.
    pub before_monthly: Option<Usd>,
    pub after_monthly: Option<Usd>,
    pub delta_monthly: Option<Usd>,
}

/// The cost of a whole plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostReport {
    pub currency: String,
    pub hours_per_month: i64,
    /// What the resources in state cost now.
    pub before: CostTotal,
    /// What they will cost once the plan is applied.
    pub after: CostTotal,
    /// after - before; its `unknown` lists every resource missing on either side.
    pub delta: CostTotal,
    /// Every priced resource instance, in plan order (unchanged ones too).
    pub resources: Vec<ResourceCost>,
    /// Every price source used, once each.
    pub sources: Vec<PriceSource>,
}

impl CostReport {
    /// True when no resource of the plan has a price (a stack of free or unpriced types).
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The priced resources the plan changes.
    pub fn changed(&self) -> impl Iterator<Item = &ResourceCost> {
        self.resources.iter().filter(|r| r.action != Action::NoOp)
    }
}
