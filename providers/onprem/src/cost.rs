//! What a hybrid node pool costs: EKS bills hybrid nodes per vCPU-hour while they are attached
//! to the cluster. The rate is an input of the pool (`vcpu_hour_rate`), defaulting to the
//! published reference rate below.

use tether_sdk::cost::Count;
use tether_sdk::{CostEstimate, CostItem, HourlyPrice, PriceSource, Value};

/// The reference rate per vCPU-hour, when a pool sets no `vcpu_hour_rate`.
pub const DEFAULT_VCPU_HOUR_RATE: &str = "0.1099";
pub const RATE_SOURCE: &str = "Amazon EKS pricing, Hybrid Nodes";
pub const RATE_URL: &str = "https://aws.amazon.com/eks/pricing/";
pub const RATE_AS_OF: &str = "2026-11-22";

/// The monthly cost of one `onprem_node_pool` value: node_count x vcpus_per_node vCPUs at the
/// pool's rate.
pub fn node_pool(v: &Value) -> CostEstimate {
    const WHAT: &str = "hybrid node vCPUs";
    let (price, source) = match v.get("vcpu_hour_rate").map(Value::peel) {
        None | Some(Value::Null) => (
            HourlyPrice::parse(DEFAULT_VCPU_HOUR_RATE).unwrap_or_default(),
            PriceSource::new(RATE_SOURCE, Some(RATE_URL), Some(RATE_AS_OF)),
        ),
        Some(Value::Unknown) => {
            return CostEstimate::new(vec![CostItem::unpriced(
                WHAT,
                "vCPU",
                None,
                tether_sdk::cost::UNKNOWN_UNTIL_APPLY,
            )])
        }
        Some(rate) => match HourlyPrice::from_value(rate) {
            Some(p) => (p, PriceSource::new("vcpu_hour_rate set in the stack", None, None)),
            None => {
                return CostEstimate::new(vec![CostItem::unpriced(
                    WHAT,
                    "vCPU",
                    None,
                    "vcpu_hour_rate is not a price in dollars per vCPU-hour",
                )])
            }
        },
    };
    let vcpus = match (Count::of(v.get("node_count")), Count::of(v.get("vcpus_per_node"))) {
        (Count::Known(n), Count::Known(c)) => n.checked_mul(c),
        (Count::Missing, _) | (_, Count::Missing) => {
            return CostEstimate::new(vec![CostItem::unpriced(
                WHAT,
                "vCPU",
                None,
                "set vcpus_per_node to price this pool",
            )])
        }
        _ => None,
    };
    CostEstimate::new(vec![CostItem::hourly(WHAT, "vCPU", vcpus, price, source)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(count: Value, vcpus: Value, rate: Option<Value>) -> Value {
        let mut m = vec![("node_count", count), ("vcpus_per_node", vcpus)];
        if let Some(r) = rate {
            m.push(("vcpu_hour_rate", r));
        }
        Value::map(m)
    }

    #[test]
    fn ten_224_vcpu_servers_at_the_reference_rate_cost_179_715_20() {
        let est = node_pool(&pool(Value::int(10), Value::int(224), None));
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$179,715.20"));
        let item = &est.items[0];
        assert_eq!(item.quantity, Some(2240));
        assert_eq!(item.monthly_unit_price.map(|u| u.display()).as_deref(), Some("$80.23"));
        let source = item.source.as_ref().unwrap();
        assert_eq!(source.name, RATE_SOURCE);
        assert_eq!(source.as_of.as_deref(), Some(RATE_AS_OF));
        let one = node_pool(&pool(Value::int(1), Value::int(224), None));
        assert_eq!(one.monthly().map(|u| u.display()).as_deref(), Some("$17,971.52"));
    }

    #[test]
    fn a_rate_set_in_the_stack_replaces_the_reference_rate() {
        let rate = Value::Number(serde_json::Number::from_f64(0.2).unwrap());
        let est = node_pool(&pool(Value::int(10), Value::int(224), Some(rate)));
        // $0.20 x 730 = $146.00 per vCPU-month, x 2,240 vCPUs.
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$327,040.00"));
        assert_eq!(est.items[0].source.as_ref().unwrap().name, "vcpu_hour_rate set in the stack");
    }

    #[test]
    fn an_unknown_node_count_is_not_guessed() {
        let est = node_pool(&pool(Value::Unknown, Value::int(224), None));
        assert_eq!(est.monthly(), None);
        assert_eq!(est.items[0].note.as_deref(), Some("unknown until apply"));
        let est = node_pool(&pool(Value::int(3), Value::Null, None));
        assert_eq!(est.monthly(), None);
        assert!(est.items[0].note.as_deref().unwrap().contains("vcpus_per_node"));
    }
}
