//! Monthly cost estimates for the AWS types that bill by the hour: EKS control planes, managed
//! node groups, transit gateway attachments, VPN connections and Resolver endpoint IPs.
//!
//! Prices come from a table shipped with tether (`data/prices-us-east-1.json`: published
//! us-east-1 on-demand prices, with its date and sources). The provider block's
//! `instance_prices` map (instance type -> USD per hour) overrides or extends the instance
//! prices, e.g. for another region. Pricing is pure: no API call, no configuration needed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tether_sdk::cost::{Count, UNKNOWN_UNTIL_APPLY};
use tether_sdk::{CostEstimate, CostItem, HourlyPrice, PriceSource, Value};

const TABLE_JSON: &str = include_str!("../data/prices-us-east-1.json");

/// The instance type a managed node group gets when it names none (EKS's default).
const DEFAULT_INSTANCE_TYPE: &str = "t3.medium";

/// One hourly price with its source.
#[derive(Clone, Debug)]
pub struct Priced {
    pub hourly: HourlyPrice,
    pub source: PriceSource,
}

/// The shipped price table.
#[derive(Debug)]
pub struct PriceTable {
    pub region: String,
    pub as_of: String,
    services: BTreeMap<String, Priced>,
    instance_source: PriceSource,
    instances: BTreeMap<String, HourlyPrice>,
}

impl PriceTable {
    fn parse(text: &str) -> Result<PriceTable, String> {
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let s = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let region = s(&json, "region").ok_or("no region")?;
        let as_of = s(&json, "as_of").ok_or("no as_of date")?;
        let price = |v: &serde_json::Value, what: &str| {
            v.as_str().and_then(HourlyPrice::parse).ok_or_else(|| format!("{what}: not a price"))
        };
        let mut services = BTreeMap::new();
        for (name, entry) in json.get("services").and_then(|v| v.as_object()).ok_or("no services")? {
            let hourly = price(entry.get("hourly").unwrap_or(&serde_json::Value::Null), name)?;
            let source = PriceSource {
                name: format!("{} ({region})", s(entry, "source").ok_or_else(|| format!("{name}: no source"))?),
                url: s(entry, "url"),
                as_of: Some(as_of.clone()),
            };
            services.insert(name.clone(), Priced { hourly, source });
        }
        let inst = json.get("instances").ok_or("no instances")?;
        let instance_source = PriceSource {
            name: format!("{} ({region})", s(inst, "source").ok_or("instances: no source")?),
            url: s(inst, "url"),
            as_of: Some(as_of.clone()),
        };
        let mut instances = BTreeMap::new();
        for (ty, p) in inst.get("hourly").and_then(|v| v.as_object()).ok_or("instances: no hourly prices")? {
            instances.insert(ty.clone(), price(p, ty)?);
        }
        Ok(PriceTable { region, as_of, services, instance_source, instances })
    }

    /// The table shipped with tether.
    pub fn shipped() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The file is part of the source tree and a unit test parses it, so this cannot fail
            // in a released build; an empty table would only make every price "missing".
            PriceTable::parse(TABLE_JSON).unwrap_or_else(|_| PriceTable {
                region: String::new(),
                as_of: String::new(),
                services: BTreeMap::new(),
                instance_source: PriceSource::new("", None, None),
                instances: BTreeMap::new(),
            })
        })
    }

    fn service(&self, name: &str) -> Option<&Priced> {
        self.services.get(name)
    }

    /// An instance type's hourly price: the provider block's `instance_prices` first, then the
    /// shipped table.
    fn instance(&self, ty: &str, provider_config: &Value) -> Option<Priced> {
        if let Some(v) = provider_config.get("instance_prices").and_then(|m| m.get(ty)) {
            return HourlyPrice::from_value(v).map(|hourly| Priced {
                hourly,
                source: PriceSource::new("instance_prices in the aws provider block", None, None),
            });
        }
        self.instances.get(ty).map(|hourly| Priced { hourly: *hourly, source: self.instance_source.clone() })
    }
}

/// The monthly cost of one resource of `type_name` with value `v`; `None` for types AWS does
/// not bill by the hour (VPCs, subnets, route tables, security groups...).
pub fn monthly_cost(type_name: &str, v: &Value, provider_config: &Value) -> Option<CostEstimate> {
    let table = PriceTable::shipped();
    let fixed = |service: &str, what: &str, unit: &str| {
        let item = match table.service(service) {
            Some(p) => CostItem::hourly(what, unit, Some(1), p.hourly, p.source.clone()),
            None => CostItem::unpriced(what, unit, Some(1), "no price in the shipped table"),
        };
        CostEstimate::new(vec![item])
    };
    match type_name {
        "aws_eks_cluster" => Some(fixed("eks_cluster", "EKS control plane", "cluster")),
        "aws_ec2_transit_gateway_vpc_attachment" => {
            Some(fixed("transit_gateway_attachment", "transit gateway attachment", "attachment"))
        }
        "aws_vpn_connection" => Some(fixed("vpn_connection", "Site-to-Site VPN connection", "connection")),
        "aws_route53_resolver_endpoint" => Some(resolver_endpoint(table, v)),
        "aws_eks_node_group" => Some(node_group(table, v, provider_config)),
        _ => None,
    }
}

fn resolver_endpoint(table: &PriceTable, v: &Value) -> CostEstimate {
    const WHAT: &str = "Resolver endpoint IP addresses";
    let ips = match v.get("ip_address").map(Value::peel) {
        Some(Value::List(items)) => i64::try_from(items.len()).ok(),
        _ => None,
    };
    let item = match table.service("resolver_endpoint_ip") {
        Some(p) => CostItem::hourly(WHAT, "IP address", ips, p.hourly, p.source.clone()),
        None => CostItem::unpriced(WHAT, "IP address", ips, "no price in the shipped table"),
    };
    CostEstimate::new(vec![item])
}

/// desired_size (min_size when no desired size is set) instances of the first instance type:
/// with on-demand capacity, EKS launches the first type listed while it is available.
fn node_group(table: &PriceTable, v: &Value, provider_config: &Value) -> CostEstimate {
    let scaling = v.get("scaling_config");
    let size = match Count::of(scaling.and_then(|s| s.get("desired_size"))) {
        Count::Missing => Count::of(scaling.and_then(|s| s.get("min_size"))),
        known_or_unknown => known_or_unknown,
    };
    let nodes = match size {
        Count::Known(n) => Some(n),
        _ => None,
    };
    let ty = match v.get("instance_types").map(Value::peel) {
        None | Some(Value::Null) => Some(DEFAULT_INSTANCE_TYPE.to_string()),
        Some(Value::List(items)) if items.is_empty() => Some(DEFAULT_INSTANCE_TYPE.to_string()),
        Some(Value::List(items)) => items[0].as_str().map(str::to_string),
        _ => None,
    };
    let Some(ty) = ty else {
        return CostEstimate::new(vec![CostItem::unpriced(
            "node group instances",
            "instance",
            nodes,
            UNKNOWN_UNTIL_APPLY,
        )]);
    };
    let what = format!("{ty} instances");
    if v.get("capacity_type").and_then(Value::as_str) == Some("SPOT") {
        return CostEstimate::new(vec![CostItem::unpriced(
            what,
            "instance",
            nodes,
            "spot capacity has no fixed price; not estimated",
        )]);
    }
    let item = match table.instance(&ty, provider_config) {
        Some(p) => CostItem::hourly(what, "instance", nodes, p.hourly, p.source),
        None => CostItem::unpriced(
            what,
            "instance",
            nodes,
            format!(
                "no price for {ty} in the shipped {} table; set instance_prices = {{ \"{ty}\" = <USD per hour> }} \
                 in the aws provider block",
                table.region
            ),
        ),
    };
    CostEstimate::new(vec![item])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly(type_name: &str, v: Value) -> Option<String> {
        monthly_cost(type_name, &v, &Value::map::<&str>([])).and_then(|e| e.monthly()).map(|u| u.display())
    }

    fn node_group_value(ty: Option<&str>, desired: Value) -> Value {
        let mut m = vec![(
            "scaling_config",
            Value::map([("desired_size", desired), ("min_size", Value::int(1)), ("max_size", Value::int(10))]),
        )];
        if let Some(t) = ty {
            m.push(("instance_types", Value::List(vec![t.into()])));
        }
        Value::map(m)
    }

    #[test]
    fn the_shipped_table_parses_and_is_dated() {
        let t = PriceTable::parse(TABLE_JSON).unwrap();
        assert_eq!(t.region, "us-east-1");
        assert_eq!(t.as_of.len(), 10, "a YYYY-MM-DD date: {}", t.as_of);
        for s in ["eks_cluster", "transit_gateway_attachment", "vpn_connection", "resolver_endpoint_ip"] {
            let p = t.service(s).unwrap();
            assert!(p.source.url.as_deref().unwrap().starts_with("https://aws.amazon.com/"), "{s}");
        }
    }

    #[test]
    fn fixed_hourly_types() {
        assert_eq!(monthly("aws_eks_cluster", Value::map([("name", Value::from("c"))])).as_deref(), Some("$73.00"));
        assert_eq!(
            monthly("aws_ec2_transit_gateway_vpc_attachment", Value::map::<&str>([])).as_deref(),
            Some("$36.50")
        );
        assert_eq!(monthly("aws_vpn_connection", Value::map::<&str>([])).as_deref(), Some("$36.50"));
        assert_eq!(monthly("aws_vpc", Value::map::<&str>([])), None, "VPCs cost nothing by the hour");
    }

    #[test]
    fn resolver_endpoints_are_billed_per_ip() {
        let ip = || Value::map([("subnet_id", Value::from("subnet-1"))]);
        let two = Value::map([("ip_address", Value::List(vec![ip(), ip()]))]);
        // $0.125 x 730 = $91.25 per IP address.
        assert_eq!(monthly("aws_route53_resolver_endpoint", two).as_deref(), Some("$182.50"));
        let unknown = Value::map([("ip_address", Value::Unknown)]);
        assert_eq!(monthly("aws_route53_resolver_endpoint", unknown), None);
    }

    #[test]
    fn node_groups_are_desired_size_times_the_instance_price() {
        // The reference cpu-nodes: 3 x m5.xlarge ($0.192 x 730 = $140.16).
        assert_eq!(
            monthly("aws_eks_node_group", node_group_value(Some("m5.xlarge"), Value::int(3))).as_deref(),
            Some("$420.48")
        );
        // gpu-nodes: 2 x g5.xlarge ($1.006 x 730 = $734.38).
        assert_eq!(
            monthly("aws_eks_node_group", node_group_value(Some("g5.xlarge"), Value::int(2))).as_deref(),
            Some("$1,468.76")
        );
        // No desired size: min_size; no instance type: EKS's default t3.medium.
        assert_eq!(monthly("aws_eks_node_group", node_group_value(None, Value::Null)).as_deref(), Some("$30.37"));
        let unknown =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("m5.xlarge"), Value::Unknown), &Value::Null)
                .unwrap();
        assert_eq!(unknown.monthly(), None);
        assert_eq!(unknown.items[0].note.as_deref(), Some(UNKNOWN_UNTIL_APPLY));
    }

    #[test]
    fn instance_prices_in_the_provider_block_override_the_table() {
        let config = Value::map([(
            "instance_prices",
            Value::map([
                ("m5.xlarge", Value::Number(serde_json::Number::from_f64(0.236).unwrap())),
                ("x2idn.16xlarge", Value::Number(serde_json::Number::from_f64(6.669).unwrap())),
            ]),
        )]);
        let est =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("m5.xlarge"), Value::int(3)), &config).unwrap();
        // $0.236 x 730 = $172.28, x 3.
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$516.84"));
        assert_eq!(est.items[0].source.as_ref().unwrap().name, "instance_prices in the aws provider block");
        let est = monthly_cost("aws_eks_node_group", &node_group_value(Some("x2idn.16xlarge"), Value::int(1)), &config)
            .unwrap();
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$4,868.37"));
        let missing =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("x2idn.16xlarge"), Value::int(1)), &Value::Null)
                .unwrap();
        assert_eq!(missing.monthly(), None, "an instance type without a price is not guessed");
        assert!(missing.items[0].note.as_deref().unwrap().contains("instance_prices"));
    }
}
