//! Expression evaluation for the stack language.
//!
//! This is tether's own evaluator over `hcl-edit` syntax trees rather than `hcl::eval`, for three
//! reasons:
//!
//! - **Spans.** Every diagnostic carries the byte range of the sub-expression at fault (the bad
//!   attribute name, the index, the function argument), so the CLI can point at file:line:column.
//! - **Unknown values.** A plan runs before the cloud has assigned IDs. `Value::Unknown` flows
//!   through every operation: an operator, template, conditional or function that depends on an
//!   unknown yields unknown instead of failing, so a plan with unknowns always completes.
//!   Functions that only move values around (`concat`, `merge`, `lookup`, `length`...) keep
//!   unknown elements in place instead of making the whole result unknown.
//! - **Sensitive values.** `Value::Sensitive` marks survive traversal, operators, templates and
//!   functions: anything derived from a secret is itself secret, and error messages print
//!   `(sensitive value)` in place of any value that is marked.
//!
//! Layout: this file holds the public API and the core evaluator (literals, templates,
//! operators, traversals and splats, for-expressions, `try`/`can`); `functions` is the function
//! table; `types` holds type constraints and conversion; `ops` the number/equality helpers and
//! `encode` the JSON/YAML/base64 encoders. `references` finds what an expression depends on
//! without evaluating it, for the dependency graph.

mod encode;
mod functions;
mod ops;
pub mod types;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator, UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Strip, Template};
use hcl_edit::Decorated;
use tether_sdk::value::Value;

use crate::diag::{did_you_mean, Diag, FileId, Span};
use ops::{describe_marked, Arith, Num};
pub use types::TypeConstraint;

/// What an expression can see while it is evaluated.
pub struct EvalCtx<'a> {
    pub file: FileId,
    /// Root names visible to expressions: "var", "local", "each", "count", "path", "data", and one
    /// entry per resource type ("mock_network" -> Map{name -> instance value, or List for count,
    /// Map for for_each}).
    pub vars: &'a BTreeMap<String, Value>,
    /// Directory for `file()` and `path.module`-relative reads.
    pub base_dir: &'a Path,
}

/// Evaluates an expression. Unknown and sensitive values propagate; errors carry spans.
pub fn eval(expr: &Expression, ctx: &EvalCtx) -> Result<Value, Diag> {
    Evaluator { ctx, allow_functions: true }.expr(expr, &Env::root())
}

/// A reference to a name defined outside the expression, such as `var.region` or
/// `mock_network.main.id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub root: String,
    /// Leading `.attr` names (and string index keys) after the root, stopping at the first splat,
    /// numeric or computed index.
    pub parts: Vec<String>,
    /// The whole traversal.
    pub span: Span,
}

/// Every reference to an outside name in the expression, excluding names bound by
/// for-expressions inside it (`[for s in var.subnets : s.id]` yields `var.subnets` but not `s`),
/// and excluding function names.
pub fn references(expr: &Expression, file: FileId) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut bound = Vec::new();
    refs_expr(expr, file, &mut bound, &mut out);
    out
}

/// References made by a template (the body of a heredoc or string), with the same rules as
/// `references`.
pub fn template_references(template: &Template, file: FileId) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut bound = Vec::new();
    refs_template(template, file, &mut bound, &mut out);
    out
}

/// Parses a raw command-line or environment value for a variable of type `t`: for `string` (or
/// no type) the raw text as-is; otherwise the text is parsed as an HCL expression (no references
/// or function calls allowed) and converted to the type.
pub fn parse_cli_value(raw: &str, t: Option<&TypeConstraint>) -> Result<Value, String> {
    let t = match t {
        None | Some(TypeConstraint::String) => return Ok(Value::String(raw.to_string())),
        Some(t) => t,
    };
    // The raw text may be a secret (TETHER_VAR_psk), so no message quotes it.
    let expr = hcl_edit::parser::parse_expr(raw).map_err(|e| {
        let msg = e.to_string();
        let why = msg.lines().rev().find(|l| l.contains("= ")).unwrap_or("").trim().trim_start_matches('=').trim();
        if why.is_empty() {
            format!("the value is not valid HCL for type {t}")
        } else {
            format!("the value is not valid HCL for type {t} ({why})")
        }
    })?;
    if !references(&expr, FileId(0)).is_empty() {
        return Err(format!(
            "references are not allowed in a value of type {t} given this way; write a literal value (quote strings)"
        ));
    }
    let vars = BTreeMap::new();
    let ctx = EvalCtx { file: FileId(0), vars: &vars, base_dir: Path::new(".") };
    let v = Evaluator { ctx: &ctx, allow_functions: false }.expr(&expr, &Env::root()).map_err(|d| d.summary)?;
    // Converting a marked value keeps the content out of the message.
    match types::convert(v.mark(true), t) {
        Ok(v) => Ok(v.unmark().0),
        Err(e) => Err(e.replace(&format!(" {}", ops::SENSITIVE), "")),
    }
}

// ----- environment -------------------------------------------------------------------------

/// Names bound by enclosing for-expressions, innermost first.
struct Env<'p> {
    bindings: Vec<(&'p str, Value)>,
    parent: Option<&'p Env<'p>>,
}

impl<'p> Env<'p> {
    fn root() -> Env<'static> {
        Env { bindings: Vec::new(), parent: None }
    }

    fn child(&'p self, bindings: Vec<(&'p str, Value)>) -> Env<'p> {
        Env { bindings, parent: Some(self) }
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        match self.bindings.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => Some(v),
            None => self.parent.and_then(|p| p.lookup(name)),
        }
    }

    fn names(&self, out: &mut Vec<String>) {
        out.extend(self.bindings.iter().map(|(n, _)| n.to_string()));
        if let Some(p) = self.parent {
            p.names(out);
        }
    }
}

/// Roots with a fixed meaning; every other root name is a resource type.
const BUILTIN_ROOTS: [&str; 6] = ["var", "local", "each", "count", "path", "data"];

static EMPTY: Value = Value::Map(BTreeMap::new());

/// Error codes that describe the expression itself rather than the values it met; `try` and
/// `can` do not swallow these.
const STATIC_CODES: [&str; 4] =
    ["eval::unknown-function", "eval::wrong-arity", "eval::unknown-variable", "eval::functions-not-allowed"];

fn is_static(d: &Diag) -> bool {
    d.code.as_deref().is_some_and(|c| STATIC_CODES.contains(&c))
}

// ----- evaluator ---------------------------------------------------------------------------

struct Evaluator<'c> {
    ctx: &'c EvalCtx<'c>,
    allow_functions: bool,
}

/// Accumulated output of a template.
#[derive(Default)]
struct TplOut {
    text: String,
    unknown: bool,
    sensitive: bool,
}

/// How the path traversed so far is described in messages, and what kind of root it started at.
struct TravCx<'t> {
    root: &'t str,
    /// True when the root is a resource type.
    resource: bool,
    path: String,
    /// The value being traversed is sensitive: do not list its keys in suggestions.
    hide_keys: bool,
}

impl Evaluator<'_> {
    fn span(&self, node: &impl hcl_edit::Span) -> Option<Span> {
        node.span().map(|r| Span::new(self.ctx.file, r))
    }

    fn err(&self, code: &str, summary: impl Into<String>, node: &impl hcl_edit::Span, label: &str) -> Diag {
        Diag::error(summary).code(code).label_opt(self.span(node), label)
    }

    fn expr(&self, e: &Expression, env: &Env) -> Result<Value, Diag> {
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(number_literal(n.value())),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => {
                items.iter().map(|item| self.expr(item, env)).collect::<Result<Vec<_>, _>>().map(Value::List)
            }
            Expression::Object(obj) => {
                let mut out = BTreeMap::new();
                let mut unknown = false;
                let mut sensitive = false;
                for (key, value) in obj.iter() {
                    let name = match key {
                        ObjectKey::Ident(id) => id.value().as_str().to_string(),
                        ObjectKey::Expression(Expression::Variable(v)) => v.value().as_str().to_string(),
                        ObjectKey::Expression(k) => {
                            let (kv, marked) = self.expr(k, env)?.unmark();
                            sensitive |= marked;
                            match kv {
                                Value::Unknown => {
                                    unknown = true;
                                    continue;
                                }
                                Value::Null => {
                                    return Err(self.err("eval::null-value", "object key is null", k, "this key"))
                                }
                                other => match ops::prim_to_string(&other) {
                                    Some(s) => s,
                                    None => {
                                        return Err(self
                                            .err(
                                                "eval::type-mismatch",
                                                format!("object key must be a string, got {}", ops::a_type(&other)),
                                                k,
                                                "this key",
                                            )
                                            .help("use a string, number or bool expression as the key"))
                                    }
                                },
                            }
                        }
                    };
                    let v = self.expr(value.expr(), env)?;
                    if out.contains_key(&name) {
                        let shown = if sensitive { ops::SENSITIVE.to_string() } else { format!("{name:?}") };
                        return Err(self
                            .err(
                                "eval::duplicate-key",
                                format!("duplicate object key {shown}"),
                                key,
                                "second definition",
                            )
                            .help("each key of an object may appear only once"));
                    }
                    out.insert(name, v);
                }
                Ok(if unknown { Value::Unknown } else { Value::Map(out) }.mark(sensitive))
            }
            Expression::StringTemplate(t) => {
                // `"${expr}"` yields the value itself, not its string form (as HCL does).
                if let (1, Some(Element::Interpolation(i))) = (t.len(), t.iter().next()) {
                    return self.expr(&i.expr, env);
                }
                self.template_value(t, TplMode { heredoc: false, dedent: None }, env)
            }
            Expression::HeredocTemplate(h) => {
                self.template_value(&h.template, TplMode { heredoc: true, dedent: h.indent() }, env)
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), env),
            Expression::Variable(v) => {
                let name = v.value().as_str();
                let (root, resource) = self.root(name, v, None, env)?;
                let mut tc = TravCx { root: name, resource, path: name.to_string(), hide_keys: false };
                self.apply_ops(Cow::Borrowed(root), false, &[], 0, &mut tc, env)
            }
            Expression::Conditional(c) => {
                let (cond, marked) = self.expr(&c.cond_expr, env)?.unmark();
                match self.to_bool(cond, marked, &c.cond_expr, "condition")? {
                    None => Ok(Value::Unknown.mark(marked)),
                    Some(true) => Ok(self.expr(&c.true_expr, env)?.mark(marked)),
                    Some(false) => Ok(self.expr(&c.false_expr, env)?.mark(marked)),
                }
            }
            Expression::FuncCall(call) => self.call(call, env),
            Expression::Traversal(t) => self.traversal(t, env),
            Expression::UnaryOp(u) => {
                let (v, marked) = self.expr(&u.expr, env)?.unmark();
                match u.operator.value() {
                    UnaryOperator::Neg => match self.to_num(v, marked, &u.expr, "operand of -")? {
                        None => Ok(Value::Unknown.mark(marked)),
                        Some(n) => ops::arith(Arith::Sub, Num::Int(0), n)
                            .map(|v| v.mark(marked))
                            .map_err(|m| self.err("eval::invalid-operation", m, u, "here")),
                    },
                    UnaryOperator::Not => match self.to_bool(v, marked, &u.expr, "operand of !")? {
                        None => Ok(Value::Unknown.mark(marked)),
                        Some(b) => Ok(Value::Bool(!b).mark(marked)),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(b, env),
            Expression::ForExpr(f) => self.for_expr(f, env),
        }
    }

    // ----- conversions for operators -----

    /// Converts an operand to bool; `None` means unknown.
    fn to_bool(&self, v: Value, marked: bool, node: &Expression, what: &str) -> Result<Option<bool>, Diag> {
        match v {
            Value::Unknown => Ok(None),
            Value::Bool(b) => Ok(Some(b)),
            Value::String(s) if s == "true" => Ok(Some(true)),
            Value::String(s) if s == "false" => Ok(Some(false)),
            Value::Null => Err(self
                .err("eval::null-value", format!("the {what} is null"), node, "this is null")
                .help("use a bool value here; compare with null (x != null) to test for a missing value")),
            other => Err(self
                .err(
                    "eval::type-mismatch",
                    format!(
                        "the {what} must be a bool, got {} {}",
                        ops::a_type(&other),
                        describe_marked(&other, marked)
                    ),
                    node,
                    "expected true or false",
                )
                .help("use a comparison or a bool value here")),
        }
    }

    /// Converts an operand to a number; `None` means unknown.
    fn to_num(&self, v: Value, marked: bool, node: &Expression, what: &str) -> Result<Option<Num>, Diag> {
        match v {
            Value::Unknown => Ok(None),
            Value::Number(n) => Ok(Some(Num::of(&n))),
            Value::String(ref s) => match ops::parse_number(s) {
                Some(Value::Number(n)) => Ok(Some(Num::of(&n))),
                _ => Err(self
                    .err(
                        "eval::type-mismatch",
                        format!("the {what} must be a number, got the string {}", describe_marked(&v, marked)),
                        node,
                        "not a number",
                    )
                    .help("use a number here, or convert with tonumber()")),
            },
            Value::Null => Err(self.err("eval::null-value", format!("the {what} is null"), node, "this is null")),
            other => Err(self
                .err(
                    "eval::type-mismatch",
                    format!("the {what} must be a number, got {}", ops::a_type(&other)),
                    node,
                    "not a number",
                )
                .help("arithmetic and comparison operators work on numbers")),
        }
    }

    fn binary(&self, b: &hcl_edit::expr::BinaryOp, env: &Env) -> Result<Value, Diag> {
        let op = *b.operator.value();
        let (lhs, lm) = self.expr(&b.lhs_expr, env)?.unmark();
        match op {
            BinaryOperator::And | BinaryOperator::Or => {
                let is_and = op == BinaryOperator::And;
                let what = if is_and { "left operand of &&" } else { "left operand of ||" };
                let l = self.to_bool(lhs, lm, &b.lhs_expr, what)?;
                // Short-circuit on a known deciding value, so `x != null && x.enabled` works.
                if l == Some(!is_and) {
                    return Ok(Value::Bool(!is_and).mark(lm));
                }
                let (rhs, rm) = self.expr(&b.rhs_expr, env)?.unmark();
                let what = if is_and { "right operand of &&" } else { "right operand of ||" };
                let r = self.to_bool(rhs, rm, &b.rhs_expr, what)?;
                let marked = lm || rm;
                Ok(match (l, r) {
                    (_, Some(rv)) if rv != is_and => Value::Bool(rv),
                    (Some(_), Some(rv)) => Value::Bool(rv),
                    _ => Value::Unknown,
                }
                .mark(marked))
            }
            BinaryOperator::Eq | BinaryOperator::NotEq => {
                let rhs = self.expr(&b.rhs_expr, env)?;
                let marked = lm || lhs.contains_sensitive() || rhs.contains_sensitive();
                if !lhs.is_wholly_known() || !rhs.is_wholly_known() {
                    return Ok(Value::Unknown.mark(marked));
                }
                let eq = ops::equal(&lhs, &rhs);
                Ok(Value::Bool(if op == BinaryOperator::Eq { eq } else { !eq }).mark(marked))
            }
            _ => {
                let (rhs, rm) = self.expr(&b.rhs_expr, env)?.unmark();
                let sym = op.as_str();
                let l = self.to_num(lhs, lm, &b.lhs_expr, &format!("left operand of {sym}"))?;
                let r = self.to_num(rhs, rm, &b.rhs_expr, &format!("right operand of {sym}"))?;
                let marked = lm || rm;
                let (Some(l), Some(r)) = (l, r) else {
                    return Ok(Value::Unknown.mark(marked));
                };
                let arith = match op {
                    BinaryOperator::Plus => Arith::Add,
                    BinaryOperator::Minus => Arith::Sub,
                    BinaryOperator::Mul => Arith::Mul,
                    BinaryOperator::Div => Arith::Div,
                    BinaryOperator::Mod => Arith::Rem,
                    cmp => {
                        let o = ops::cmp_num(l, r);
                        let v = match cmp {
                            BinaryOperator::Less => o.is_lt(),
                            BinaryOperator::LessEq => o.is_le(),
                            BinaryOperator::Greater => o.is_gt(),
                            _ => o.is_ge(),
                        };
                        return Ok(Value::Bool(v).mark(marked));
                    }
                };
                ops::arith(arith, l, r).map(|v| v.mark(marked)).map_err(|m| {
                    let code = if m.contains("by zero") { "eval::division-by-zero" } else { "eval::invalid-operation" };
                    let d = self.err(code, m, b, "here");
                    if code == "eval::division-by-zero" {
                        d.help("guard the divisor, e.g. x == 0 ? 0 : y / x")
                    } else {
                        d
                    }
                })
            }
        }
    }

    // ----- templates -----

    fn template_value(&self, t: &Template, mode: TplMode, env: &Env) -> Result<Value, Diag> {
        let mut out = TplOut::default();
        let top = TplMode { dedent: None, ..mode };
        self.template(t, env, Strip::None, Strip::None, top, mode.dedent, &mut out)?;
        Ok(if out.unknown { Value::Unknown } else { Value::String(out.text) }.mark(out.sensitive))
    }

    /// Evaluates template elements into `out`. `mode.dedent` applies to this template's literals;
    /// `inner_dedent` is what nested directive bodies need.
    #[allow(clippy::too_many_arguments)]
    fn template(
        &self,
        t: &Template,
        env: &Env,
        outer_prev: Strip,
        outer_next: Strip,
        mode: TplMode,
        inner_dedent: Option<usize>,
        out: &mut TplOut,
    ) -> Result<(), Diag> {
        let inner = TplMode { dedent: inner_dedent, ..mode };
        let elems: Vec<&Element> = t.iter().collect();
        for (i, el) in elems.iter().enumerate() {
            let prev = if i == 0 { outer_prev } else { element_strip(elems[i - 1]) };
            let next = if i + 1 == elems.len() { outer_next } else { element_strip(elems[i + 1]) };
            match el {
                Element::Literal(lit) => {
                    let text = match mode.dedent {
                        Some(n) => dedent_lines(lit.value(), n),
                        None => Cow::Borrowed(lit.value().as_str()),
                    };
                    out.text.push_str(strip_literal(&text, prev, next, mode.heredoc));
                }
                Element::Interpolation(interp) => {
                    let (v, marked) = self.expr(&interp.expr, env)?.unmark();
                    out.sensitive |= marked || v.contains_sensitive();
                    match v {
                        Value::Unknown => out.unknown = true,
                        Value::Null => {
                            return Err(self
                                .err(
                                    "eval::null-value",
                                    "cannot include a null value in a string template",
                                    &interp.expr,
                                    "this is null",
                                )
                                .help("give the value a default with coalesce() or a conditional"))
                        }
                        Value::List(_) | Value::Map(_) => {
                            return Err(self
                                .err(
                                    "eval::type-mismatch",
                                    format!("cannot include {} in a string template", ops::a_type(&v)),
                                    &interp.expr,
                                    "not a string",
                                )
                                .help("use join(\",\", list) for a list, or jsonencode() for structured values"))
                        }
                        other => out.text.push_str(&ops::prim_to_string(&other).unwrap_or_default()),
                    }
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let (c, marked) = self.expr(&ifd.if_expr.cond_expr, env)?.unmark();
                        out.sensitive |= marked;
                        let else_strip = ifd.else_expr.as_ref().map(|e| e.strip);
                        match self.to_bool(c, marked, &ifd.if_expr.cond_expr, "%{if} condition")? {
                            None => out.unknown = true,
                            Some(true) => {
                                let end = else_strip.unwrap_or(ifd.endif_expr.strip);
                                self.template(
                                    &ifd.if_expr.template,
                                    env,
                                    ifd.if_expr.strip,
                                    end,
                                    inner,
                                    inner_dedent,
                                    out,
                                )?;
                            }
                            Some(false) => {
                                if let Some(e) = &ifd.else_expr {
                                    self.template(
                                        &e.template,
                                        env,
                                        e.strip,
                                        ifd.endif_expr.strip,
                                        inner,
                                        inner_dedent,
                                        out,
                                    )?;
                                }
                            }
                        }
                    }
                    Directive::For(ford) => {
                        let fe = &ford.for_expr;
                        let items = match self.collection(&fe.collection_expr, env)? {
                            Collection::Unknown(marked) => {
                                out.unknown = true;
                                out.sensitive |= marked;
                                continue;
                            }
                            Collection::Items(items, marked) => {
                                out.sensitive |= marked;
                                items
                            }
                        };
                        for (k, v) in items {
                            let mut b = Vec::with_capacity(2);
                            if let Some(kv) = &fe.key_var {
                                b.push((kv.value().as_str(), k));
                            }
                            b.push((fe.value_var.value().as_str(), v));
                            let child = env.child(b);
                            self.template(
                                &fe.template,
                                &child,
                                fe.strip,
                                ford.endfor_expr.strip,
                                inner,
                                inner_dedent,
                                out,
                            )?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    // ----- for-expressions -----

    /// Evaluates the collection of a `for` and returns (key, value) pairs: index/element for
    /// lists, key/value for maps in key order.
    fn collection(&self, e: &Expression, env: &Env) -> Result<Collection, Diag> {
        let (coll, marked) = self.expr(e, env)?.unmark();
        match coll {
            Value::Unknown => Ok(Collection::Unknown(marked)),
            Value::List(items) => Ok(Collection::Items(
                items.into_iter().enumerate().map(|(i, v)| (Value::int(i as i64), v.mark(marked))).collect(),
                marked,
            )),
            Value::Map(m) => Ok(Collection::Items(
                m.into_iter().map(|(k, v)| (Value::String(k).mark(marked), v.mark(marked))).collect(),
                marked,
            )),
            Value::Null => Err(self
                .err("eval::null-value", "cannot iterate over a null value", e, "this is null")
                .help("use an empty list or map instead, e.g. coalesce(x, [])")),
            other => Err(self
                .err(
                    "eval::type-mismatch",
                    format!("cannot iterate over {}", ops::a_type(&other)),
                    e,
                    "not a list or map",
                )
                .help("for expressions iterate over lists, sets and maps")),
        }
    }

    fn for_expr(&self, f: &ForExpr, env: &Env) -> Result<Value, Diag> {
        let (items, mut marked) = match self.collection(&f.intro.collection_expr, env)? {
            Collection::Unknown(m) => return Ok(Value::Unknown.mark(m)),
            Collection::Items(items, m) => (items, m),
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.value().as_str());
        let value_var = f.intro.value_var.value().as_str();
        let mut unknown = false;
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in items {
            let mut b = Vec::with_capacity(2);
            if let Some(kv) = key_var {
                b.push((kv, k));
            }
            b.push((value_var, v));
            let child = env.child(b);
            if let Some(cond) = &f.cond {
                let (c, cm) = self.expr(&cond.expr, &child)?.unmark();
                marked |= cm;
                match self.to_bool(c, cm, &cond.expr, "for-expression condition")? {
                    None => {
                        unknown = true;
                        continue;
                    }
                    Some(false) => continue,
                    Some(true) => {}
                }
            }
            match &f.key_expr {
                None => list.push(self.expr(&f.value_expr, &child)?),
                Some(key_expr) => {
                    let (key, km) = self.expr(key_expr, &child)?.unmark();
                    marked |= km;
                    let key = match key {
                        Value::Unknown => {
                            unknown = true;
                            continue;
                        }
                        Value::Null => {
                            return Err(self
                                .err("eval::null-value", "for-expression key is null", key_expr, "this key")
                                .help("filter out null keys with an if clause"))
                        }
                        other => ops::prim_to_string(&other).ok_or_else(|| {
                            self.err(
                                "eval::type-mismatch",
                                format!("for-expression key must be a string, got {}", ops::a_type(&other)),
                                key_expr,
                                "this key",
                            )
                        })?,
                    };
                    let value = self.expr(&f.value_expr, &child)?;
                    if f.grouping {
                        groups.entry(key).or_default().push(value);
                    } else {
                        match map.entry(key) {
                            std::collections::btree_map::Entry::Vacant(slot) => {
                                slot.insert(value);
                            }
                            std::collections::btree_map::Entry::Occupied(slot) => {
                                let shown = if km { ops::SENSITIVE.to_string() } else { format!("{:?}", slot.key()) };
                                return Err(self
                                    .err(
                                        "eval::duplicate-key",
                                        format!("duplicate key {shown} in for expression"),
                                        key_expr,
                                        "this key repeats",
                                    )
                                    .help(
                                        "each key must be unique; add `...` after the value expression to group \
                                         values with the same key into lists",
                                    ));
                            }
                        }
                    }
                }
            }
        }
        if unknown {
            return Ok(Value::Unknown.mark(marked));
        }
        let v = if f.key_expr.is_none() {
            Value::List(list)
        } else if f.grouping {
            Value::Map(groups.into_iter().map(|(k, vs)| (k, Value::List(vs))).collect())
        } else {
            Value::Map(map)
        };
        Ok(v.mark(marked))
    }

    // ----- references and traversal -----

    /// Resolves a root name. `next` is the first traversal step, used to word errors
    /// (`no resource mock_network.mian`). Returns the value and whether the root is a resource type.
    fn root<'s>(
        &'s self,
        name: &str,
        node: &impl hcl_edit::Span,
        next: Option<&str>,
        env: &'s Env,
    ) -> Result<(&'s Value, bool), Diag> {
        if let Some(v) = env.lookup(name) {
            return Ok((v, false));
        }
        if let Some(v) = self.ctx.vars.get(name) {
            return Ok((v, !BUILTIN_ROOTS.contains(&name)));
        }
        match name {
            // No variables/locals/data sources at all: the attribute lookup reports the name.
            "var" | "local" | "data" => return Ok((&EMPTY, false)),
            "count" => {
                return Err(self
                    .err(
                        "eval::unknown-variable",
                        "count.index is only available in a resource that sets count",
                        node,
                        "count used here",
                    )
                    .help("add count = N to this resource, or remove the reference"))
            }
            "each" => {
                return Err(self
                    .err(
                        "eval::unknown-variable",
                        "each.key and each.value are only available in a resource that sets for_each",
                        node,
                        "each used here",
                    )
                    .help("add for_each to this resource, or remove the reference"))
            }
            "self" => {
                return Err(self
                    .err("eval::unknown-variable", "self is not supported here", node, "self used here")
                    .help("reference the resource by its address, e.g. mock_network.main.id"))
            }
            _ => {}
        }
        let mut roots: Vec<String> = Vec::new();
        env.names(&mut roots);
        roots.extend(self.ctx.vars.keys().cloned());
        roots.extend(["var", "local"].map(String::from));
        if let Some(attr) = next {
            // `type.name`: most likely a resource reference.
            let mut candidates: Vec<String> = Vec::new();
            for (t, v) in self.ctx.vars {
                if !BUILTIN_ROOTS.contains(&t.as_str()) {
                    if let Some(m) = v.as_map() {
                        candidates.extend(m.keys().map(|n| format!("{t}.{n}")));
                    }
                }
            }
            let full = format!("{name}.{attr}");
            let d = self.err("eval::unknown-variable", format!("no resource {full} is declared"), node, "unknown name");
            let close = did_you_mean(&full, candidates.iter().map(String::as_str))
                .map(str::to_string)
                .or_else(|| did_you_mean(name, roots.iter().map(String::as_str)).map(|r| format!("{r}.{attr}")));
            return Err(match close {
                Some(s) => d.help(format!("did you mean {s}?")),
                None => {
                    d.help(format!("declare it with a resource \"{name}\" \"{attr}\" block, or check the spelling"))
                }
            });
        }
        let d = self.err("eval::unknown-variable", format!("unknown name \"{name}\""), node, "not defined");
        Err(match did_you_mean(name, roots.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean {s}?")),
            None => d.help("references start with var., local., data., or a resource type"),
        })
    }

    fn traversal(&self, t: &Traversal, env: &Env) -> Result<Value, Diag> {
        if let Expression::Variable(v) = &t.expr {
            let name = v.value().as_str();
            let next = match t.operators.first().map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str()),
                _ => None,
            };
            let (root, resource) = self.root(name, t, next, env)?;
            let mut tc = TravCx { root: name, resource, path: name.to_string(), hide_keys: false };
            return self.apply_ops(Cow::Borrowed(root), false, &t.operators, 0, &mut tc, env);
        }
        let base = self.expr(&t.expr, env)?;
        let mut tc = TravCx { root: "", resource: false, path: "the value".to_string(), hide_keys: false };
        self.apply_ops(Cow::Owned(base), false, &t.operators, 0, &mut tc, env)
    }

    /// Applies traversal operators. `depth` is the index of `ops[0]` in the whole traversal
    /// (0 = right after the root), used to word errors about variables and resources.
    fn apply_ops<'v>(
        &self,
        mut cur: Cow<'v, Value>,
        mut marked: bool,
        ops: &[Decorated<TraversalOperator>],
        depth: usize,
        tc: &mut TravCx,
        env: &Env,
    ) -> Result<Value, Diag> {
        let mut i = 0;
        while i < ops.len() {
            // Lift sensitive marks off the current value; the result is re-marked at the end.
            if let Value::Sensitive(_) = cur.as_ref() {
                marked = true;
                cur = match cur {
                    Cow::Borrowed(v) => Cow::Borrowed(v.peel()),
                    Cow::Owned(v) => Cow::Owned(v.unmark().0),
                };
            }
            if let Value::Unknown = cur.as_ref() {
                return Ok(Value::Unknown.mark(marked));
            }
            let op = &ops[i];
            tc.hide_keys = marked;
            match op.value() {
                TraversalOperator::GetAttr(attr) => {
                    let name = attr.value().as_str();
                    cur = self.get_attr(cur, name, op, depth + i, ops.get(i + 1), tc)?;
                    tc.path.push('.');
                    tc.path.push_str(name);
                }
                TraversalOperator::Index(ie) => {
                    let (key, km) = self.expr(ie, env)?.unmark();
                    marked |= km;
                    if key.is_unknown() {
                        return Ok(Value::Unknown.mark(marked));
                    }
                    cur = self.index(cur, &key, km, ie, tc)?;
                    tc.path.push_str(&format!("[{}]", describe_marked(&key, km)));
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = Value::Number((*n.value()).into());
                    cur = self.index(cur, &key, false, op, tc)?;
                    tc.path.push_str(&format!(".{}", n.value()));
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let full = matches!(op.value(), TraversalOperator::FullSplat(_));
                    // `.*` applies only the attribute steps that follow; `[*]` applies everything.
                    let end = if full {
                        ops.len()
                    } else {
                        i + 1
                            + ops[i + 1..]
                                .iter()
                                .take_while(|o| {
                                    matches!(
                                        o.value(),
                                        TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                                    )
                                })
                                .count()
                    };
                    let sub = &ops[i + 1..end];
                    let elems: Vec<&Value> = match cur.as_ref() {
                        Value::Null => Vec::new(),
                        Value::List(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    let base_path = format!("{}{}", tc.path, if full { "[*]" } else { ".*" });
                    let mut results = Vec::with_capacity(elems.len());
                    for elem in elems {
                        tc.path.clone_from(&base_path);
                        results.push(self.apply_ops(Cow::Borrowed(elem), false, sub, depth + i + 1, tc, env)?);
                    }
                    tc.path = base_path;
                    cur = Cow::Owned(Value::List(results));
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(cur.into_owned().mark(marked))
    }

    fn get_attr<'v>(
        &self,
        cur: Cow<'v, Value>,
        name: &str,
        op: &impl hcl_edit::Span,
        depth: usize,
        next: Option<&Decorated<TraversalOperator>>,
        tc: &TravCx,
    ) -> Result<Cow<'v, Value>, Diag> {
        let found = match &cur {
            Cow::Borrowed(Value::Map(m)) => m.get(name).map(Cow::Borrowed),
            Cow::Owned(Value::Map(m)) => m.get(name).cloned().map(Cow::Owned),
            _ => None,
        };
        if let Some(v) = found {
            return Ok(v);
        }
        let path = &tc.path;
        match cur.as_ref() {
            Value::Map(m) => {
                let hidden: [&str; 0] = [];
                let keys: Box<dyn Iterator<Item = &str> + '_> =
                    if tc.hide_keys { Box::new(hidden.into_iter()) } else { Box::new(m.keys().map(String::as_str)) };
                let next_attr = match next.map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str()),
                    _ => None,
                };
                let (summary, suggestion) = match (tc.root, depth) {
                    ("var", 0) => {
                        (format!("no variable named \"{name}\""), did_you_mean(name, keys).map(|s| format!("var.{s}")))
                    }
                    ("local", 0) => (
                        format!("no local value named \"{name}\""),
                        did_you_mean(name, keys).map(|s| format!("local.{s}")),
                    ),
                    ("data", 0) => {
                        let full = format!("data.{name}.{}", next_attr.unwrap_or("NAME"));
                        (
                            format!("no data source {full} is declared"),
                            did_you_mean(name, keys).map(|s| format!("data.{s}")),
                        )
                    }
                    ("data", 1) => (
                        format!("no data source {path}.{name} is declared"),
                        did_you_mean(name, keys).map(|s| format!("{path}.{s}")),
                    ),
                    (root, 0) if tc.resource => (
                        format!("no resource {root}.{name} is declared"),
                        did_you_mean(name, keys).map(|s| format!("{root}.{s}")),
                    ),
                    _ => (
                        format!("{path} has no attribute \"{name}\""),
                        did_you_mean(name, keys).map(|s| format!("{path}.{s}")),
                    ),
                };
                let declared =
                    matches!((tc.root, depth), ("var" | "local", 0) | ("data", 0 | 1)) || (tc.resource && depth == 0);
                let code = if declared { "eval::unknown-variable" } else { "eval::unsupported-attribute" };
                let d = self.err(code, summary, op, "unknown name");
                Err(match suggestion {
                    Some(s) => d.help(format!("did you mean {s}?")),
                    None => d.help(match (tc.root, depth) {
                        ("var", 0) => format!("declare it with a variable \"{name}\" block, or check the spelling"),
                        ("local", 0) => format!("define {name} in a locals block, or check the spelling"),
                        _ if tc.hide_keys => format!("{path} is sensitive, so its attribute names are not shown"),
                        _ if m.is_empty() => format!("{path} is empty"),
                        _ => {
                            let mut names: Vec<&str> = m.keys().map(String::as_str).take(10).collect();
                            if m.len() > 10 {
                                names.push("...");
                            }
                            format!("available: {}", names.join(", "))
                        }
                    }),
                })
            }
            Value::Null => Err(self
                .err(
                    "eval::null-value",
                    format!("cannot read attribute \"{name}\" of {path}: it is null"),
                    op,
                    "this is null",
                )
                .help(format!("check for null first, e.g. {path} != null ? {path}.{name} : null"))),
            Value::List(items) => {
                let d = self.err(
                    "eval::unsupported-attribute",
                    format!("cannot read attribute \"{name}\" of {path}: it is a list of {} elements", items.len()),
                    op,
                    "attribute of a list",
                );
                Err(if tc.resource && depth == 1 {
                    d.help(format!(
                        "{path} sets count; pick one instance with {path}[0].{name} (or [count.index]), or all with {path}[*].{name}"
                    ))
                } else {
                    d.help(format!("pick an element with {path}[0].{name}, or use a splat: {path}[*].{name}"))
                })
            }
            other => Err(self
                .err(
                    "eval::unsupported-attribute",
                    format!("cannot read attribute \"{name}\" of {path}: it is {}", ops::a_type(other)),
                    op,
                    "no attributes here",
                )
                .help("only objects and maps have attributes")),
        }
    }

    fn index<'v>(
        &self,
        cur: Cow<'v, Value>,
        key: &Value,
        key_marked: bool,
        node: &impl hcl_edit::Span,
        tc: &TravCx,
    ) -> Result<Cow<'v, Value>, Diag> {
        let path = &tc.path;
        let shown = describe_marked(key, key_marked);
        match cur.as_ref() {
            Value::List(items) => {
                let n = match key {
                    Value::Number(n) => Some(Num::of(n)),
                    Value::String(s) => match ops::parse_number(s) {
                        Some(Value::Number(n)) => Some(Num::of(&n)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(n) = n else {
                    return Err(self
                        .err(
                            "eval::invalid-index",
                            format!("a list index must be a number, got {}", ops::a_type(key)),
                            node,
                            "not a number",
                        )
                        .help(format!("{path} is a list; index it with a number such as [0]")));
                };
                let Some(i) = n.as_int() else {
                    return Err(self.err(
                        "eval::invalid-index",
                        format!("a list index must be a whole number, got {shown}"),
                        node,
                        "not a whole number",
                    ));
                };
                if i < 0 || i as u64 >= items.len() as u64 {
                    let help = if items.is_empty() {
                        format!("{path} is empty")
                    } else {
                        format!("valid indexes are 0 to {}", items.len() - 1)
                    };
                    return Err(self
                        .err(
                            "eval::index-out-of-range",
                            format!("index {shown} is out of range for {path}, a list of {} elements", items.len()),
                            node,
                            "out of range",
                        )
                        .help(help));
                }
                Ok(match cur {
                    Cow::Borrowed(Value::List(items)) => Cow::Borrowed(&items[i as usize]),
                    Cow::Owned(Value::List(mut items)) => Cow::Owned(items.swap_remove(i as usize)),
                    _ => unreachable!("matched a list above"),
                })
            }
            Value::Map(m) => {
                let Some(k) = ops::prim_to_string(key) else {
                    return Err(self
                        .err(
                            "eval::invalid-index",
                            format!("a map key must be a string, got {}", ops::a_type(key)),
                            node,
                            "not a string",
                        )
                        .help(format!("index {path} with a string such as [\"name\"]")));
                };
                if !m.contains_key(&k) {
                    let d = self.err(
                        "eval::invalid-index",
                        format!("{path} has no key {}", if key_marked { shown } else { format!("{k:?}") }),
                        node,
                        "no such key",
                    );
                    return Err(
                        match did_you_mean(&k, m.keys().map(String::as_str)).filter(|_| !key_marked && !tc.hide_keys) {
                            Some(s) => d.help(format!("did you mean {path}[{s:?}]?")),
                            None => d.help("use lookup(map, key, default) or try() when the key may be missing"),
                        },
                    );
                }
                Ok(match cur {
                    Cow::Borrowed(Value::Map(m)) => Cow::Borrowed(&m[&k]),
                    Cow::Owned(Value::Map(mut m)) => Cow::Owned(m.remove(&k).unwrap_or_default()),
                    _ => unreachable!("matched a map above"),
                })
            }
            Value::Null => Err(self
                .err("eval::null-value", format!("cannot index {path}: it is null"), node, "this is null")
                .help(format!("check for null first, e.g. {path} != null ? {path}[{shown}] : null"))),
            other => Err(self
                .err(
                    "eval::type-mismatch",
                    format!("cannot index {path}: it is {}", ops::a_type(other)),
                    node,
                    "not a list or map",
                )
                .help("only lists and maps can be indexed")),
        }
    }

    // ----- function calls -----

    fn call(&self, c: &FuncCall, env: &Env) -> Result<Value, Diag> {
        let name = c.name.name.value().as_str();
        if c.name.is_namespaced() {
            let full: Vec<&str> = c.name.namespace.iter().map(|n| n.value().as_str()).chain([name]).collect();
            return Err(self
                .err("eval::unknown-function", format!("unknown function \"{}\"", full.join("::")), c, "not available")
                .help("provider-defined functions are not supported"));
        }
        if !self.allow_functions {
            return Err(self
                .err(
                    "eval::functions-not-allowed",
                    format!("function calls are not allowed here ({name})"),
                    c,
                    "function call",
                )
                .help("give a literal value"));
        }
        match name {
            "try" => return self.call_try(c, env),
            "can" => return self.call_can(c, env),
            _ => {}
        }
        let Some(def) = functions::lookup(name) else {
            let d = self.err("eval::unknown-function", format!("unknown function \"{name}\""), c, "no such function");
            return Err(match did_you_mean(name, functions::names()) {
                Some(s) => d.help(format!("did you mean {s}?")),
                None => d.help("see the list of supported functions in the documentation"),
            });
        };
        let arg_exprs: Vec<&Expression> = c.args.iter().collect();
        let mut args = Vec::with_capacity(arg_exprs.len());
        let mut spans = Vec::with_capacity(arg_exprs.len());
        for a in &arg_exprs {
            args.push(self.expr(a, env)?);
            spans.push(self.span(*a));
        }
        if c.args.expand_final() {
            let (Some(last), Some(last_expr)) = (args.pop(), arg_exprs.last()) else {
                return Err(self.err("eval::wrong-arity", "nothing to expand with ...", c, "here"));
            };
            let span = spans.pop().flatten();
            let (last, marked) = last.unmark();
            match last {
                Value::Unknown => return Ok(Value::Unknown.mark(marked)),
                Value::List(items) => {
                    for item in items {
                        args.push(item.mark(marked));
                        spans.push(span.clone());
                    }
                }
                other => {
                    return Err(self
                        .err(
                            "eval::type-mismatch",
                            format!("the argument expanded with ... must be a list, got {}", ops::a_type(&other)),
                            *last_expr,
                            "not a list",
                        )
                        .help("remove the ... or pass a list"))
                }
            }
        }
        let n = args.len();
        if n < def.min || def.max.is_some_and(|m| n > m) {
            let expected = match def.max {
                Some(m) if m == def.min => format!("{m} argument{}", if m == 1 { "" } else { "s" }),
                Some(m) => format!("{} to {m} arguments", def.min),
                None => format!("at least {} argument{}", def.min, if def.min == 1 { "" } else { "s" }),
            };
            return Err(self
                .err("eval::wrong-arity", format!("{name}() takes {expected}, got {n}"), c, "wrong number of arguments")
                .help(def.usage()));
        }
        let cx = functions::FnCtx { base_dir: self.ctx.base_dir };
        functions::call(def, &cx, args).map_err(|e| {
            let span = match e.arg {
                Some(i) if !spans.is_empty() => spans[i.min(spans.len() - 1)].clone(),
                _ => None,
            };
            let label = match e.arg {
                Some(i) => format!("argument {}", i.min(n.saturating_sub(1)) + 1),
                None => "in this call".to_string(),
            };
            Diag::error(format!("{name}: {}", e.message))
                .code("eval::function-error")
                .label_opt(span.or_else(|| self.span(c)), label)
                .help(e.help.unwrap_or_else(|| def.usage()))
        })
    }

    fn call_try(&self, c: &FuncCall, env: &Env) -> Result<Value, Diag> {
        if c.args.is_empty() {
            return Err(self
                .err("eval::wrong-arity", "try() takes at least 1 argument, got 0", c, "wrong number of arguments")
                .help("usage: try(expression, fallback...)"));
        }
        let mut last: Option<Diag> = None;
        for a in c.args.iter() {
            match self.expr(a, env) {
                // A value with unknown parts might still fail later, so the result is unknown.
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown.mark(v.contains_sensitive())),
                Ok(v) => return Ok(v),
                Err(d) if is_static(&d) => return Err(d),
                Err(d) => last = Some(d),
            }
        }
        let mut d = self
            .err("eval::function-error", "try: none of the expressions succeeded", c, "every argument failed")
            .help("add a final fallback value that cannot fail, such as try(expr, null)");
        if let Some(last) = last {
            d = d.detail(format!("the last one failed with: {}", last.summary));
        }
        Err(d)
    }

    fn call_can(&self, c: &FuncCall, env: &Env) -> Result<Value, Diag> {
        let args: Vec<&Expression> = c.args.iter().collect();
        let [a] = args.as_slice() else {
            return Err(self
                .err(
                    "eval::wrong-arity",
                    format!("can() takes 1 argument, got {}", args.len()),
                    c,
                    "wrong number of arguments",
                )
                .help("usage: can(expression)"));
        };
        match self.expr(a, env) {
            Ok(v) if !v.is_wholly_known() => Ok(Value::Unknown),
            Ok(_) => Ok(Value::Bool(true)),
            Err(d) if is_static(&d) => Err(d),
            Err(_) => Ok(Value::Bool(false)),
        }
    }
}

enum Collection {
    /// The collection is unknown (and maybe sensitive).
    Unknown(bool),
    /// Key/value pairs, and whether the collection was sensitive.
    Items(Vec<(Value, Value)>, bool),
}

fn number_literal(n: &hcl_edit::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::int(i)
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        ops::float(n.as_f64().unwrap_or(0.0)).unwrap_or(Value::Null)
    }
}

/// The strip markers a template element shows to its neighbours.
fn element_strip(e: &Element) -> Strip {
    match e {
        Element::Literal(_) => Strip::None,
        Element::Interpolation(i) => i.strip,
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => Strip::from((i.if_expr.strip.strip_start(), i.endif_expr.strip.strip_end())),
            Directive::For(f) => Strip::from((f.for_expr.strip.strip_start(), f.endfor_expr.strip.strip_end())),
        },
    }
}

/// How a template was written, which decides how `~` strip markers and `<<-` indentation apply.
#[derive(Clone, Copy)]
struct TplMode {
    /// Heredocs are scanned line by line, so a strip marker only reaches into the adjacent line.
    heredoc: bool,
    /// Indentation to remove from lines inside directives of a `<<-` heredoc (hcl-edit has
    /// already removed it from the top-level lines).
    dedent: Option<usize>,
}

/// Removes up to `n` leading spaces from every line that starts inside `lit`.
fn dedent_lines(lit: &str, n: usize) -> Cow<'_, str> {
    if !lit.contains('\n') {
        return Cow::Borrowed(lit);
    }
    let mut out = String::with_capacity(lit.len());
    for (i, line) in lit.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            let spaces = line.len() - line.trim_start_matches(' ').len();
            out.push_str(&line[spaces.min(n)..]);
        } else {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}

/// Applies `~` strip markers to a literal, as HCL does: all adjacent whitespace in quoted
/// templates; in heredocs only within the adjacent line (each line is its own token there).
fn strip_literal(mut lit: &str, prev: Strip, next: Strip, heredoc: bool) -> &str {
    if prev.strip_end() {
        let end = if heredoc { lit.find('\n').map_or(lit.len(), |i| i + 1) } else { lit.len() };
        let kept = lit[..end].trim_start().len();
        lit = &lit[end - kept..];
    }
    if next.strip_start() {
        let start = if heredoc {
            let body = lit.strip_suffix('\n').unwrap_or(lit);
            body.rfind('\n').map_or(0, |i| i + 1)
        } else {
            0
        };
        let kept = lit[start..].trim_end().len();
        lit = &lit[..start + kept];
    }
    lit
}

// ----- references --------------------------------------------------------------------------

fn refs_expr(e: &Expression, file: FileId, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    let span_of = |node: &dyn hcl_edit::Span| Span::new(file, node.span().unwrap_or(0..0));
    match e {
        Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {}
        Expression::Array(items) => items.iter().for_each(|i| refs_expr(i, file, bound, out)),
        Expression::Object(obj) => {
            for (k, v) in obj.iter() {
                if let ObjectKey::Expression(k) = k {
                    if !matches!(k, Expression::Variable(_)) {
                        refs_expr(k, file, bound, out);
                    }
                }
                refs_expr(v.expr(), file, bound, out);
            }
        }
        Expression::StringTemplate(t) => refs_template(t, file, bound, out),
        Expression::HeredocTemplate(h) => refs_template(&h.template, file, bound, out),
        Expression::Parenthesis(p) => refs_expr(p.inner(), file, bound, out),
        Expression::Variable(v) => {
            let name = v.value().as_str();
            if !bound.iter().any(|b| b == name) {
                out.push(Reference { root: name.to_string(), parts: Vec::new(), span: span_of(v) });
            }
        }
        Expression::Conditional(c) => {
            refs_expr(&c.cond_expr, file, bound, out);
            refs_expr(&c.true_expr, file, bound, out);
            refs_expr(&c.false_expr, file, bound, out);
        }
        Expression::FuncCall(c) => c.args.iter().for_each(|a| refs_expr(a, file, bound, out)),
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                let name = v.value().as_str();
                if !bound.iter().any(|b| b == name) {
                    let mut parts = Vec::new();
                    for op in &t.operators {
                        match op.value() {
                            TraversalOperator::GetAttr(a) => parts.push(a.value().as_str().to_string()),
                            TraversalOperator::Index(Expression::String(s)) => parts.push(s.value().clone()),
                            _ => break,
                        }
                    }
                    out.push(Reference { root: name.to_string(), parts, span: span_of(t.as_ref()) });
                }
            } else {
                refs_expr(&t.expr, file, bound, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(ie) = op.value() {
                    refs_expr(ie, file, bound, out);
                }
            }
        }
        Expression::UnaryOp(u) => refs_expr(&u.expr, file, bound, out),
        Expression::BinaryOp(b) => {
            refs_expr(&b.lhs_expr, file, bound, out);
            refs_expr(&b.rhs_expr, file, bound, out);
        }
        Expression::ForExpr(f) => {
            refs_expr(&f.intro.collection_expr, file, bound, out);
            let before = bound.len();
            if let Some(k) = &f.intro.key_var {
                bound.push(k.value().as_str().to_string());
            }
            bound.push(f.intro.value_var.value().as_str().to_string());
            if let Some(k) = &f.key_expr {
                refs_expr(k, file, bound, out);
            }
            refs_expr(&f.value_expr, file, bound, out);
            if let Some(c) = &f.cond {
                refs_expr(&c.expr, file, bound, out);
            }
            bound.truncate(before);
        }
    }
}

fn refs_template(t: &Template, file: FileId, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for el in t.iter() {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => refs_expr(&i.expr, file, bound, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    refs_expr(&i.if_expr.cond_expr, file, bound, out);
                    refs_template(&i.if_expr.template, file, bound, out);
                    if let Some(e) = &i.else_expr {
                        refs_template(&e.template, file, bound, out);
                    }
                }
                Directive::For(f) => {
                    let fe = &f.for_expr;
                    refs_expr(&fe.collection_expr, file, bound, out);
                    let before = bound.len();
                    if let Some(k) = &fe.key_var {
                        bound.push(k.value().as_str().to_string());
                    }
                    bound.push(fe.value_var.value().as_str().to_string());
                    refs_template(&fe.template, file, bound, out);
                    bound.truncate(before);
                }
            },
        }
    }
}
