//! Money and monthly cost estimates, the shape in which providers report what a resource costs.
//!
//! Money is exact: prices are held in millionths of a dollar and amounts in whole cents, never
//! in floating point. A month is 730 hours (AWS's convention). An item's monthly price per unit
//! is its hourly price times 730, rounded to the cent (half away from zero), and only then
//! multiplied by the quantity, which is how the published figures are computed:
//! $0.1099 x 730 = $80.23 per vCPU-month, x 224 vCPUs = $17,971.52 per server.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::Value;

/// Hours in a billing month, as AWS's pricing pages and calculator count them.
pub const HOURS_PER_MONTH: i64 = 730;

/// An amount of US dollars in whole cents. Serialised as a decimal string (`"179715.20"`), so
/// no reader ever sees a rounded float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd {
    cents: i64,
}

impl Usd {
    pub const ZERO: Usd = Usd { cents: 0 };

    pub fn from_cents(cents: i64) -> Usd {
        Usd { cents }
    }

    pub fn cents(self) -> i64 {
        self.cents
    }

    /// `self x n`, or `None` on overflow (a quantity no stack has).
    pub fn times(self, n: i64) -> Option<Usd> {
        self.cents.checked_mul(n).map(Usd::from_cents)
    }

    /// The amount as a plain decimal: `179715.20`, `-36.50`.
    pub fn decimal(self) -> String {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// The amount as people read it: `$179,715.20`, `-$36.50`.
    pub fn display(self) -> String {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        format!("{sign}${}.{:02}", group_unsigned(abs / 100), abs % 100)
    }

    /// A change as people read it: `+$36.50`, `-$36.50`, `$0.00`.
    pub fn display_delta(self) -> String {
        if self.cents > 0 {
            format!("+{}", self.display())
        } else {
            self.display()
        }
    }

    pub fn parse(s: &str) -> Option<Usd> {
        parse_scaled(s, 2).map(Usd::from_cents)
    }
}

impl std::ops::Add for Usd {
    type Output = Usd;
    fn add(self, other: Usd) -> Usd {
        Usd::from_cents(self.cents.saturating_add(other.cents))
    }
}

impl std::ops::Sub for Usd {
    type Output = Usd;
    fn sub(self, other: Usd) -> Usd {
        Usd::from_cents(self.cents.saturating_sub(other.cents))
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, |a, b| a + b)
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.decimal())
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Usd, D::Error> {
        let s = String::deserialize(d)?;
        Usd::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not an amount of dollars")))
    }
}

/// A price per hour in millionths of a dollar: exact for every published AWS price.
/// Serialised as a decimal string (`"0.1099"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HourlyPrice {
    micros: i64,
}

/// Decimal places an hourly price keeps.
pub const PRICE_DECIMALS: u32 = 6;

impl HourlyPrice {
    pub fn from_micros(micros: i64) -> HourlyPrice {
        HourlyPrice { micros }
    }

    /// Parses a decimal (`"0.1099"`, `"1.006"`, `"2e-2"`) with at most six decimal places.
    pub fn parse(s: &str) -> Option<HourlyPrice> {
        parse_scaled(s, PRICE_DECIMALS).filter(|m| *m >= 0).map(HourlyPrice::from_micros)
    }

    /// From a stack or state value: a non-negative number with at most six decimal places.
    pub fn from_value(v: &Value) -> Option<HourlyPrice> {
        match v.peel() {
            Value::Number(n) => HourlyPrice::parse(&n.to_string()),
            Value::String(s) => HourlyPrice::parse(s),
            _ => None,
        }
    }

    /// The price of one unit for a month: hourly x 730, rounded to the cent.
    pub fn monthly(self) -> Usd {
        let micros = i128::from(self.micros) * i128::from(HOURS_PER_MONTH);
        // 10,000 millionths of a dollar make a cent; round half away from zero.
        let cents = (micros + 5_000 * micros.signum()) / 10_000;
        Usd::from_cents(i64::try_from(cents).unwrap_or(i64::MAX))
    }

    /// The price as a plain decimal with at least two places: `0.10`, `0.125`, `0.1099`.
    pub fn decimal(self) -> String {
        let whole = self.micros / 1_000_000;
        let frac = format!("{:06}", self.micros % 1_000_000);
        let trimmed = frac.trim_end_matches('0');
        let frac = if trimmed.len() < 2 { &frac[..2] } else { trimmed };
        format!("{whole}.{frac}")
    }

    pub fn display(self) -> String {
        format!("${}", self.decimal())
    }
}

impl Serialize for HourlyPrice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.decimal())
    }
}

impl<'de> Deserialize<'de> for HourlyPrice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<HourlyPrice, D::Error> {
        let s = String::deserialize(d)?;
        HourlyPrice::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not an hourly price")))
    }
}

/// Parses a decimal number into an integer count of `10^-places` units, exactly. `None` when
/// it is not a number or has more decimal places than that.
fn parse_scaled(s: &str, places: u32) -> Option<i64> {
    let s = s.trim();
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (neg, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    // The digits as an integer and the power of ten dividing it.
    let all: String = format!("{int}{frac}");
    let scale = i64::try_from(frac.len()).ok()? - i64::from(exp);
    let shift = i64::from(places) - scale;
    let mut n: i128 = all.trim_start_matches('0').parse().unwrap_or(0);
    if shift >= 0 {
        n = n.checked_mul(10i128.checked_pow(u32::try_from(shift).ok()?)?)?;
    } else {
        let div = 10i128.checked_pow(u32::try_from(-shift).ok()?)?;
        if n % div != 0 {
            return None;
        }
        n /= div;
    }
    let n = i64::try_from(n).ok()?;
    Some(if neg { -n } else { n })
}

/// `2240` -> `2,240`, `-1234567` -> `-1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_unsigned(n.unsigned_abs()))
}

fn group_unsigned(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

/// Where a price comes from, so a reviewer can check it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PriceSource {
    /// What the price is: `Amazon EKS pricing, Hybrid Nodes`, `stack input vcpu_hour_rate`.
    pub name: String,
    pub url: Option<String>,
    /// The date the price was read (`YYYY-MM-DD`), when known.
    pub as_of: Option<String>,
}

impl PriceSource {
    pub fn new(name: impl Into<String>, url: Option<&str>, as_of: Option<&str>) -> PriceSource {
        PriceSource { name: name.into(), url: url.map(str::to_string), as_of: as_of.map(str::to_string) }
    }

    /// `Amazon EKS pricing, Hybrid Nodes (2026-11-22, https://...)`.
    pub fn describe(&self) -> String {
        let extra: Vec<&str> = [self.as_of.as_deref(), self.url.as_deref()].into_iter().flatten().collect();
        if extra.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, extra.join(", "))
        }
    }
}

/// What a line item's amount is missing, when it cannot be computed.
pub const UNKNOWN_UNTIL_APPLY: &str = "unknown until apply";

/// One line of a resource's monthly cost: quantity x unit price per hour x 730.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostItem {
    /// What is paid for: `EKS control plane`, `hybrid node vCPUs`, `m5.xlarge instances`.
    pub description: String,
    /// The unit counted: `cluster`, `vCPU`, `instance`, `attachment`, `connection`, `IP address`.
    pub unit: String,
    /// How many units; `None` when not known until apply.
    pub quantity: Option<i64>,
    /// Price per unit per hour; `None` when no price is known.
    pub hourly_price: Option<HourlyPrice>,
    /// Price per unit per month (hourly x 730, rounded to the cent).
    pub monthly_unit_price: Option<Usd>,
    /// quantity x monthly unit price; `None` when either is missing (see `note`).
    pub monthly: Option<Usd>,
    pub source: Option<PriceSource>,
    /// Why `monthly` is missing: `unknown until apply`, or what price is lacking and how to add it.
    pub note: Option<String>,
}

impl CostItem {
    /// An item priced per unit-hour. A `None` quantity is known only after apply.
    pub fn hourly(
        description: impl Into<String>,
        unit: impl Into<String>,
        quantity: Option<i64>,
        price: HourlyPrice,
        source: PriceSource,
    ) -> CostItem {
        let unit_month = price.monthly();
        let monthly = quantity.and_then(|q| unit_month.times(q));
        CostItem {
            description: description.into(),
            unit: unit.into(),
            quantity,
            hourly_price: Some(price),
            monthly_unit_price: Some(unit_month),
            monthly,
            source: Some(source),
            note: if quantity.is_none() { Some(UNKNOWN_UNTIL_APPLY.to_string()) } else { None },
        }
    }

    /// An item without a price (or whose price is known only after apply); `note` says why.
    pub fn unpriced(
        description: impl Into<String>,
        unit: impl Into<String>,
        quantity: Option<i64>,
        note: impl Into<String>,
    ) -> CostItem {
        CostItem {
            description: description.into(),
            unit: unit.into(),
            quantity,
            hourly_price: None,
            monthly_unit_price: None,
            monthly: None,
            source: None,
            note: Some(note.into()),
        }
    }
}

/// A resource's monthly cost, line by line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostEstimate {
    pub items: Vec<CostItem>,
}

impl CostEstimate {
    pub fn new(items: Vec<CostItem>) -> CostEstimate {
        CostEstimate { items }
    }

    /// The sum of every item, or `None` when any item's amount is missing.
    pub fn monthly(&self) -> Option<Usd> {
        self.items.iter().map(|i| i.monthly).sum()
    }

    /// The sum of the items whose amount is known.
    pub fn known_monthly(&self) -> Usd {
        self.items.iter().filter_map(|i| i.monthly).sum()
    }
}

/// Asks a provider what one resource costs per month.
#[derive(Clone, Copy, Debug)]
pub struct CostRequest<'a> {
    pub type_name: &'a str,
    /// The resource's value (planned or recorded); unknown parts are known only after apply.
    pub value: &'a Value,
    /// The provider block's evaluated settings (price overrides live there); an empty map when
    /// the stack has no provider block.
    pub provider_config: &'a Value,
}

/// A count read from a value (node count, desired size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Known(i64),
    UnknownUntilApply,
    /// Absent, null, negative or not a whole number.
    Missing,
}

impl Count {
    pub fn of(v: Option<&Value>) -> Count {
        match v.map(Value::peel) {
            Some(Value::Unknown) => Count::UnknownUntilApply,
            Some(v) => v.as_i64().filter(|n| *n >= 0).map_or(Count::Missing, Count::Known),
            None => Count::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_hybrid_pool_costs_179_715_20_a_month() {
        let rate = HourlyPrice::parse("0.1099").unwrap();
        assert_eq!(rate.monthly().display(), "$80.23", "per vCPU-month, rounded to the cent");
        let server = rate.monthly().times(224).unwrap();
        assert_eq!(server.display(), "$17,971.52");
        let pool =
            CostItem::hourly("hybrid node vCPUs", "vCPU", Some(10 * 224), rate, PriceSource::new("x", None, None));
        assert_eq!(pool.monthly.unwrap().display(), "$179,715.20");
        assert_eq!(pool.monthly.unwrap().decimal(), "179715.20");
    }

    #[test]
    fn rates_written_as_numbers_in_a_stack_are_read_exactly() {
        let n = |f: f64| Value::Number(serde_json::Number::from_f64(f).unwrap());
        assert_eq!(HourlyPrice::from_value(&n(0.1099)), Some(HourlyPrice::from_micros(109_900)));
        assert_eq!(HourlyPrice::from_value(&n(0.2)), Some(HourlyPrice::from_micros(200_000)));
        assert_eq!(HourlyPrice::from_value(&Value::int(2)), Some(HourlyPrice::from_micros(2_000_000)));
        assert_eq!(HourlyPrice::parse("2e-2"), Some(HourlyPrice::from_micros(20_000)));
        assert_eq!(HourlyPrice::parse("0.0000001"), None, "more than six decimal places is refused, not rounded");
        assert_eq!(HourlyPrice::parse("-1"), None);
        assert_eq!(HourlyPrice::parse("abc"), None);
    }

    #[test]
    fn amounts_print_with_grouping_and_sign() {
        assert_eq!(Usd::from_cents(0).display(), "$0.00");
        assert_eq!(Usd::from_cents(7300).display(), "$73.00");
        assert_eq!(Usd::from_cents(-3650).display_delta(), "-$36.50");
        assert_eq!(Usd::from_cents(123_456_789).display_delta(), "+$1,234,567.89");
        assert_eq!(Usd::parse("179715.20"), Some(Usd::from_cents(17_971_520)));
        assert_eq!(group_thousands(2240), "2,240");
        assert_eq!(group_thousands(-1_234_567), "-1,234,567");
        assert_eq!(HourlyPrice::parse("0.1").unwrap().decimal(), "0.10");
        assert_eq!(HourlyPrice::parse("0.125").unwrap().decimal(), "0.125");
    }

    #[test]
    fn an_item_with_an_unknown_quantity_has_no_amount_and_says_why() {
        let price = HourlyPrice::parse("0.05").unwrap();
        let item = CostItem::hourly("VPN connection", "connection", None, price, PriceSource::new("x", None, None));
        assert_eq!(item.monthly, None);
        assert_eq!(item.note.as_deref(), Some(UNKNOWN_UNTIL_APPLY));
        let est = CostEstimate::new(vec![
            item,
            CostItem::hourly(
                "EKS control plane",
                "cluster",
                Some(1),
                HourlyPrice::parse("0.10").unwrap(),
                PriceSource::new("x", None, None),
            ),
        ]);
        assert_eq!(est.monthly(), None, "a total with an unknown part is not a number");
        assert_eq!(est.known_monthly().display(), "$73.00");
    }
}
