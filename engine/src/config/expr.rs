//! Reading expressions before evaluation: the literals, references and attribute paths that the
//! loader and the schema checks must understand without evaluating anything.

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use tether_sdk::{AttrPath, PathStep};

/// `aws_vpc.main` or `data.aws_vpc.main` -> the address as a string.
pub(super) fn resource_reference(expr: &Expression) -> Result<String, String> {
    if literal_str(expr).is_some() {
        return Err("write depends_on = [mock_network.main] without quotes".into());
    }
    let Some(names) = traversal_names(expr) else {
        return Err("write a resource address such as mock_network.main or data.mock_zones.all".into());
    };
    let first = names[0].as_str();
    match (first, names.len()) {
        ("var" | "local" | "each" | "count" | "self" | "path", _) => {
            Err(format!("{first}.* values cannot be dependencies; name the resource they come from"))
        }
        ("data", 3) => Ok(names.join(".")),
        ("data", _) => Err("a data source is written data.TYPE.NAME, for example data.mock_zones.all".into()),
        (_, 2) => Ok(names.join(".")),
        (_, n) if n > 2 => Err(format!("name the whole resource: {}.{}", names[0], names[1])),
        _ => Err("a resource is written TYPE.NAME, for example mock_network.main".into()),
    }
}

/// The names of a plain `a.b.c` traversal (no index, no splat), or of a lone variable `a`.
pub(super) fn traversal_names(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Variable(v) => Some(vec![v.as_str().to_string()]),
        Expression::Traversal(t) => {
            let mut names = vec![t.expr.as_variable()?.as_str().to_string()];
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(ident) => names.push(ident.as_str().to_string()),
                    _ => return None,
                }
            }
            Some(names)
        }
        _ => None,
    }
}

/// `tags`, `scaling_config.desired_size`, `rule[0].port`, `tags["Name"]` -> an `AttrPath`.
pub(super) fn attr_path(expr: &Expression) -> Result<AttrPath, String> {
    let no_quotes = "write attribute names without quotes: ignore_changes = [tags]";
    match expr {
        Expression::Variable(v) => Ok(AttrPath::attr(v.as_str())),
        Expression::Traversal(t) => {
            let root = t.expr.as_variable().ok_or("start the path with an attribute name")?;
            let mut steps = vec![PathStep::Attr(root.as_str().to_string())];
            for op in &t.operators {
                steps.push(match op.value() {
                    TraversalOperator::GetAttr(ident) => PathStep::Attr(ident.as_str().to_string()),
                    TraversalOperator::LegacyIndex(n) => PathStep::Index(*n.value() as usize),
                    TraversalOperator::Index(index) => {
                        match (index.as_number().and_then(|n| n.as_u64()), literal_str(index)) {
                            (Some(n), _) => PathStep::Index(n as usize),
                            (None, Some(key)) => PathStep::Key(key),
                            _ => return Err("indexes in ignore_changes must be literal numbers or strings".into()),
                        }
                    }
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                        return Err("splats are not allowed in ignore_changes; name the attribute".into())
                    }
                });
            }
            Ok(AttrPath(steps))
        }
        e if literal_str(e).is_some() => Err(no_quotes.into()),
        _ => Err("write an attribute name such as tags or scaling_config.desired_size".into()),
    }
}

/// A string written without interpolation (quoted or heredoc).
pub(crate) fn literal_str(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            let template = expr.as_template()?;
            let mut out = String::new();
            for element in template.iter() {
                out.push_str(element.as_literal()?.value());
            }
            Some(out)
        }
        _ => None,
    }
}

/// What kind of literal an expression is, for messages; `None` for non-literal expressions.
pub(crate) fn literal_kind(expr: &Expression) -> Option<&'static str> {
    match expr {
        Expression::Null(_) => Some("null"),
        Expression::Bool(_) => Some("a bool"),
        Expression::Number(_) => Some("a number"),
        Expression::Array(_) => Some("a list"),
        Expression::Object(_) => Some("an object"),
        e if literal_str(e).is_some() => Some("a string"),
        _ => None,
    }
}

/// The name of an object key written as a bare name or a literal string; `None` for a key that
/// has to be evaluated.
pub(crate) fn object_key_name(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        ObjectKey::Expression(e) => literal_str(e),
    }
}
