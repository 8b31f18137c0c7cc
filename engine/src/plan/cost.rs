//! The monthly cost of a plan: per resource before (the refreshed or recorded value) and after
//! (the planned value), in total, and the difference.
//!
//! Providers price their own types (`Provider::monthly_cost`); this module only asks them and
//! adds up, in exact cents. An amount that depends on a value known only after apply, or that
//! has no price, is never guessed: it is left out of the sums, which then name what is missing.
//! Rendering lives in `render` (and any later renderer): this is the data they share.

use std::collections::{BTreeMap, BTreeSet};

use tether_sdk::cost::HOURS_PER_MONTH;
use tether_sdk::{CostEstimate, CostRequest, PriceSource, Usd, Value};

use super::model::{Action, CostReport, CostTotal, ResourceChange, ResourceCost};
use crate::addrs::Mode;
use crate::registry::Registry;

/// Prices every managed resource of `changes` before and after. `provider_configs` holds each
/// provider block's evaluated settings by provider name (price overrides live there).
pub fn estimate(
    changes: &[ResourceChange],
    registry: &Registry,
    provider_configs: &BTreeMap<String, Value>,
) -> CostReport {
    let empty = Value::Map(BTreeMap::new());
    let mut report = CostReport {
        currency: "USD".to_string(),
        hours_per_month: HOURS_PER_MONTH,
        before: CostTotal::default(),
        after: CostTotal::default(),
        delta: CostTotal::default(),
        resources: Vec::new(),
        sources: Vec::new(),
    };
    let mut sources: BTreeSet<PriceSource> = BTreeSet::new();
    for c in changes.iter().filter(|c| c.mode == Mode::Managed) {
        let Some(provider) = registry.for_type(&c.type_name) else { continue };
        let provider_config = provider_configs.get(provider.name()).unwrap_or(&empty);
        let price =
            |v: &Value| provider.monthly_cost(&CostRequest { type_name: &c.type_name, value: v, provider_config });
        let before = if c.action == Action::Create { None } else { c.before.as_ref().and_then(&price) };
        let after = if c.action == Action::Delete { None } else { c.after.as_ref().and_then(&price) };
        if before.is_none() && after.is_none() {
            // Not a priced type (or nothing exists on either side).
            continue;
        }
        let side = |e: &Option<CostEstimate>| e.as_ref().map_or(Some(Usd::ZERO), CostEstimate::monthly);
        let (before_monthly, after_monthly) = (side(&before), side(&after));
        let delta_monthly = before_monthly.zip(after_monthly).map(|(b, a)| a - b);
        report.before.add(&c.address, before_monthly);
        report.after.add(&c.address, after_monthly);
        report.delta.add(&c.address, delta_monthly);
        if delta_monthly.is_none() {
            // The known parts still count towards the difference.
            let known = |e: &Option<CostEstimate>| e.as_ref().map_or(Usd::ZERO, CostEstimate::known_monthly);
            report.delta.monthly = report.delta.monthly + known(&after) - known(&before);
        }
        for e in [&before, &after].into_iter().flatten() {
            sources.extend(e.items.iter().filter_map(|i| i.source.clone()));
        }
        report.resources.push(ResourceCost {
            address: c.address.clone(),
            type_name: c.type_name.clone(),
            action: c.action,
            before,
            after,
            before_monthly,
            after_monthly,
            delta_monthly,
        });
    }
    report.sources = sources.into_iter().collect();
    report
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tether_sdk::{CostItem, HourlyPrice};

    use super::*;
    use crate::addrs::InstanceAddr;

    /// A provider pricing `mock_server` at $0.10 per hour per `size` unit.
    struct Priced(tether_sdk::mock::MockProvider);

    #[async_trait::async_trait]
    impl tether_sdk::Provider for Priced {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn schema(&self) -> &tether_sdk::ProviderSchema {
            self.0.schema()
        }
        fn monthly_cost(&self, req: &CostRequest<'_>) -> Option<CostEstimate> {
            let size = tether_sdk::cost::Count::of(req.value.get("size"));
            let qty = match size {
                tether_sdk::cost::Count::Known(n) => Some(n),
                _ => None,
            };
            let price = HourlyPrice::parse("0.10")?;
            Some(CostEstimate::new(vec![CostItem::hourly(
                "servers",
                "unit",
                qty,
                price,
                PriceSource::new("test", None, None),
            )]))
        }
        async fn configure(&self, req: tether_sdk::ConfigureRequest) -> Vec<tether_sdk::Diagnostic> {
            self.0.configure(req).await
        }
        async fn read_resources(&self, req: tether_sdk::ReadRequest) -> tether_sdk::ReadResponse {
            self.0.read_resources(req).await
        }
        async fn apply_resource(&self, req: tether_sdk::ApplyRequest) -> tether_sdk::ApplyResponse {
            self.0.apply_resource(req).await
        }
        async fn import_resource(&self, req: tether_sdk::ImportRequest) -> tether_sdk::ImportResponse {
            self.0.import_resource(req).await
        }
        async fn read_data_source(&self, req: tether_sdk::DataRequest) -> tether_sdk::DataResponse {
            self.0.read_data_source(req).await
        }
    }

    fn change(address: &str, action: Action, before: Option<Value>, after: Option<Value>) -> ResourceChange {
        ResourceChange {
            address: a(address),
            mode: Mode::Managed,
            type_name: "mock_server".into(),
            name: address.rsplit('.').next().unwrap_or_default().to_string(),
            provider: "mock".into(),
            action,
            before,
            after,
            requires_replace: Vec::new(),
            reason: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            prevent_destroy: false,
            high_impact: None,
            deposed: false,
        }
    }

    fn a(address: &str) -> InstanceAddr {
        InstanceAddr::parse(address).unwrap()
    }

    fn size(n: Option<i64>) -> Option<Value> {
        Some(Value::map([("size", n.map_or(Value::Unknown, Value::int))]))
    }

    #[test]
    fn totals_and_delta_across_creates_updates_and_deletes() {
        let registry = Registry::new(vec![Arc::new(Priced(tether_sdk::mock::MockProvider::in_memory()))]);
        let changes = vec![
            change("mock_server.new", Action::Create, None, size(Some(2))),
            change("mock_server.grow", Action::Update, size(Some(1)), size(Some(3))),
            change("mock_server.gone", Action::Delete, size(Some(1)), None),
            change("mock_server.same", Action::NoOp, size(Some(1)), size(Some(1))),
        ];
        let r = estimate(&changes, &registry, &BTreeMap::new());
        // $0.10 x 730 = $73.00 per unit.
        assert_eq!(r.before.monthly.display(), "$219.00");
        assert_eq!(r.after.monthly.display(), "$438.00");
        assert_eq!(r.delta.monthly.display_delta(), "+$219.00");
        assert!(r.after.is_complete());
        let grow = r.resources.iter().find(|x| x.address == a("mock_server.grow")).unwrap();
        assert_eq!(grow.delta_monthly.map(Usd::display_delta).as_deref(), Some("+$146.00"));
        let gone = r.resources.iter().find(|x| x.address == a("mock_server.gone")).unwrap();
        assert_eq!(gone.after_monthly, Some(Usd::ZERO));
        assert_eq!(r.changed().count(), 3, "the unchanged resource is priced but not a change");
    }

    #[test]
    fn an_amount_unknown_until_apply_is_named_not_guessed() {
        let registry = Registry::new(vec![Arc::new(Priced(tether_sdk::mock::MockProvider::in_memory()))]);
        let changes = vec![
            change("mock_server.known", Action::Create, None, size(Some(1))),
            change("mock_server.later", Action::Create, None, size(None)),
        ];
        let r = estimate(&changes, &registry, &BTreeMap::new());
        assert_eq!(r.after.monthly.display(), "$73.00", "the known part");
        assert_eq!(r.after.unknown, [a("mock_server.later")]);
        assert_eq!(r.delta.unknown, [a("mock_server.later")]);
        assert_eq!(r.delta.monthly.display(), "$73.00");
    }
}
