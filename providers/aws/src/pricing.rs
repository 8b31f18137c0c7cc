//! Monthly cost estimates for the AWS types that bill by the hour: EKS control planes, managed
//! node groups, transit gateway attachments, VPN connections and Resolver endpoint IPs.
//!
//! Prices come from tables shipped with tether, one per region (`data/prices-<region>.json`:
//! published on-demand prices, each table with its date and each price with its source), chosen
//! by the stack's region: the provider block's `region`, else `AWS_REGION` /
//! `AWS_DEFAULT_REGION`. A region without a table prices nothing: each line says so rather than
//! borrowing another region's price. The provider block's `instance_prices` map (instance type
//! -> USD per hour) overrides or extends the instance prices. Pricing is pure: no API call.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tether_sdk::cost::{Count, UNKNOWN_UNTIL_APPLY};
use tether_sdk::{CostEstimate, CostItem, HourlyPrice, PriceSource, Value};

/// The shipped tables, by region.
const TABLES: [(&str, &str); 5] = [
    ("ap-northeast-2", include_str!("../data/prices-ap-northeast-2.json")),
    ("eu-central-1", include_str!("../data/prices-eu-central-1.json")),
    ("eu-west-1", include_str!("../data/prices-eu-west-1.json")),
    ("us-east-1", include_str!("../data/prices-us-east-1.json")),
    ("us-west-2", include_str!("../data/prices-us-west-2.json")),
];

#[cfg(test)]
const TABLE_JSON: &str = TABLES[3].1;

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

    /// The table shipped for `region`, if there is one.
    pub fn shipped(region: &str) -> Option<&'static PriceTable> {
        static PARSED: OnceLock<BTreeMap<&'static str, PriceTable>> = OnceLock::new();
        let all = PARSED.get_or_init(|| {
            // The files are part of the source tree and a unit test parses each, so none is
            // dropped in a released build.
            TABLES.iter().filter_map(|(r, text)| Some((*r, PriceTable::parse(text).ok()?))).collect()
        });
        all.get(region)
    }

    fn service(&self, name: &str) -> Option<&Priced> {
        self.services.get(name)
    }

    /// An instance type's hourly price in the shipped table.
    fn instance(&self, ty: &str) -> Option<Priced> {
        self.instances.get(ty).map(|hourly| Priced { hourly: *hourly, source: self.instance_source.clone() })
    }
}

/// An instance type's hourly price from the provider block's `instance_prices`, which wins
/// over any shipped table.
fn instance_override(ty: &str, provider_config: &Value) -> Option<Priced> {
    let v = provider_config.get("instance_prices").and_then(|m| m.get(ty))?;
    HourlyPrice::from_value(v).map(|hourly| Priced {
        hourly,
        source: PriceSource::new("instance_prices in the aws provider block", None, None),
    })
}

/// The region a stack is priced in: the provider block's `region`, else the standard AWS
/// environment variables. `None` when neither says.
fn stack_region(provider_config: &Value) -> Option<String> {
    provider_config
        .get("region")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
}

/// Why nothing is priced: the stack's region has no shipped table, or no region is set.
fn no_table(region: Option<&str>) -> String {
    let shipped: Vec<&str> = TABLES.iter().map(|(r, _)| *r).collect();
    match region {
        Some(r) => format!(
            "no prices shipped for {r} (tether has {}); set instance_prices in the aws provider block for instances",
            shipped.join(", ")
        ),
        None => "no region to price in: set region in the aws provider block (or AWS_REGION)".to_string(),
    }
}

/// The monthly cost of one resource of `type_name` with value `v`; `None` for types AWS does
/// not bill by the hour (VPCs, subnets, route tables, security groups...).
pub fn monthly_cost(type_name: &str, v: &Value, provider_config: &Value) -> Option<CostEstimate> {
    let region = stack_region(provider_config);
    let table = region.as_deref().and_then(PriceTable::shipped);
    let missing = no_table(region.as_deref());
    let fixed = |service: &str, what: &str, unit: &str| {
        let item = match table.and_then(|t| t.service(service)) {
            Some(p) => CostItem::hourly(what, unit, Some(1), p.hourly, p.source.clone()),
            None if table.is_some() => CostItem::unpriced(what, unit, Some(1), "no price in the shipped table"),
            None => CostItem::unpriced(what, unit, Some(1), missing.clone()),
        };
        CostEstimate::new(vec![item])
    };
    match type_name {
        "aws_eks_cluster" => Some(fixed("eks_cluster", "EKS control plane", "cluster")),
        "aws_ec2_transit_gateway_vpc_attachment" => {
            Some(fixed("transit_gateway_attachment", "transit gateway attachment", "attachment"))
        }
        "aws_vpn_connection" => Some(fixed("vpn_connection", "Site-to-Site VPN connection", "connection")),
        "aws_route53_resolver_endpoint" => Some(resolver_endpoint(table, &missing, v)),
        "aws_eks_node_group" => Some(node_group(table, &missing, v, provider_config)),
        _ => None,
    }
}

fn resolver_endpoint(table: Option<&PriceTable>, missing: &str, v: &Value) -> CostEstimate {
    const WHAT: &str = "Resolver endpoint IP addresses";
    let ips = match v.get("ip_address").map(Value::peel) {
        Some(Value::List(items)) => i64::try_from(items.len()).ok(),
        _ => None,
    };
    let item = match table.map(|t| t.service("resolver_endpoint_ip")) {
        Some(Some(p)) => CostItem::hourly(WHAT, "IP address", ips, p.hourly, p.source.clone()),
        Some(None) => CostItem::unpriced(WHAT, "IP address", ips, "no price in the shipped table"),
        None => CostItem::unpriced(WHAT, "IP address", ips, missing),
    };
    CostEstimate::new(vec![item])
}

/// desired_size (min_size when no desired size is set) instances of the first instance type:
/// with on-demand capacity, EKS launches the first type listed while it is available.
fn node_group(table: Option<&PriceTable>, missing: &str, v: &Value, provider_config: &Value) -> CostEstimate {
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
    let item = match (instance_override(&ty, provider_config), table) {
        (Some(p), _) => CostItem::hourly(what, "instance", nodes, p.hourly, p.source),
        (None, Some(t)) => match t.instance(&ty) {
            Some(p) => CostItem::hourly(what, "instance", nodes, p.hourly, p.source),
            None => CostItem::unpriced(
                what,
                "instance",
                nodes,
                format!(
                    "no price for {ty} in the shipped {} table; set instance_prices = {{ \"{ty}\" = <USD per hour> }} \
                     in the aws provider block",
                    t.region
                ),
            ),
        },
        (None, None) => CostItem::unpriced(what, "instance", nodes, missing),
    };
    CostEstimate::new(vec![item])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us_east_1() -> Value {
        Value::map([("region", Value::from("us-east-1"))])
    }

    fn monthly(type_name: &str, v: Value) -> Option<String> {
        monthly_cost(type_name, &v, &us_east_1()).and_then(|e| e.monthly()).map(|u| u.display())
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
            monthly_cost("aws_eks_node_group", &node_group_value(Some("m5.xlarge"), Value::Unknown), &us_east_1())
                .unwrap();
        assert_eq!(unknown.monthly(), None);
        assert_eq!(unknown.items[0].note.as_deref(), Some(UNKNOWN_UNTIL_APPLY));
    }

    #[test]
    fn instance_prices_in_the_provider_block_override_the_table() {
        let config = Value::map([
            ("region", Value::from("us-east-1")),
            (
                "instance_prices",
                Value::map([
                    ("m5.xlarge", Value::Number(serde_json::Number::from_f64(0.236).unwrap())),
                    ("x2idn.16xlarge", Value::Number(serde_json::Number::from_f64(6.669).unwrap())),
                ]),
            ),
        ]);
        let est =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("m5.xlarge"), Value::int(3)), &config).unwrap();
        // $0.236 x 730 = $172.28, x 3.
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$516.84"));
        assert_eq!(est.items[0].source.as_ref().unwrap().name, "instance_prices in the aws provider block");
        let est = monthly_cost("aws_eks_node_group", &node_group_value(Some("x2idn.16xlarge"), Value::int(1)), &config)
            .unwrap();
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$4,868.37"));
        let missing =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("x2idn.16xlarge"), Value::int(1)), &us_east_1())
                .unwrap();
        assert_eq!(missing.monthly(), None, "an instance type without a price is not guessed");
        assert!(missing.items[0].note.as_deref().unwrap().contains("instance_prices"));
    }

    #[test]
    fn every_shipped_table_parses_is_dated_and_cites_its_sources() {
        for (region, text) in TABLES {
            let t = PriceTable::parse(text).unwrap_or_else(|e| panic!("{region}: {e}"));
            assert_eq!(t.region, region);
            assert_eq!(t.as_of.len(), 10, "{region}: a YYYY-MM-DD date");
            for s in ["eks_cluster", "transit_gateway_attachment", "vpn_connection", "resolver_endpoint_ip"] {
                let p = t.service(s).unwrap_or_else(|| panic!("{region}: no {s}"));
                assert!(p.source.url.as_deref().unwrap().starts_with("https://aws.amazon.com/"), "{region} {s}");
                assert!(p.source.name.ends_with(&format!("({region})")), "{}", p.source.name);
            }
            assert!(t.instance("m5.xlarge").is_some(), "{region}: the reference node group's type");
        }
        let regions: Vec<&str> = TABLES.iter().map(|(r, _)| *r).collect();
        for r in ["ap-northeast-2", "us-east-1", "us-west-2", "eu-central-1", "eu-west-1"] {
            assert!(regions.contains(&r), "{r}");
        }
    }

    #[test]
    fn the_stack_is_priced_in_its_own_region() {
        let seoul = Value::map([("region", Value::from("ap-northeast-2"))]);
        let est =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("m5.xlarge"), Value::int(3)), &seoul).unwrap();
        // $0.236 x 730 = $172.28, x 3.
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$516.84"));
        assert!(est.items[0].source.as_ref().unwrap().name.contains("(ap-northeast-2)"));
        // Seoul bills a transit gateway attachment at $0.07 an hour, not us-east-1's $0.05.
        let att = monthly_cost("aws_ec2_transit_gateway_vpc_attachment", &Value::map::<&str>([]), &seoul).unwrap();
        assert_eq!(att.monthly().map(|u| u.display()).as_deref(), Some("$51.10"));
        // An instance type the region's table lacks is missing, never another region's price.
        let g5 =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("g5.xlarge"), Value::int(2)), &seoul).unwrap();
        assert_eq!(g5.monthly(), None);
        assert!(g5.items[0].note.as_deref().unwrap().contains("ap-northeast-2"), "{:?}", g5.items[0].note);
    }

    #[test]
    fn a_region_without_prices_says_so() {
        let config = Value::map([("region", Value::from("sa-east-1"))]);
        let est = monthly_cost("aws_eks_cluster", &Value::map::<&str>([]), &config).unwrap();
        assert_eq!(est.monthly(), None);
        let note = est.items[0].note.as_deref().unwrap();
        assert!(note.contains("no prices shipped for sa-east-1") && note.contains("us-east-1"), "{note}");
        assert!(est.items[0].source.is_none());
        // The provider block's instance prices still apply there.
        let config = Value::map([
            ("region", Value::from("sa-east-1")),
            ("instance_prices", Value::map([("m5.xlarge", Value::from("0.306"))])),
        ]);
        let est =
            monthly_cost("aws_eks_node_group", &node_group_value(Some("m5.xlarge"), Value::int(1)), &config).unwrap();
        assert_eq!(est.monthly().map(|u| u.display()).as_deref(), Some("$223.38"));
    }
}
