//! Loading a stack for an operation: files, schema checks, graph, and input variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tether_sdk::Value;

use crate::config::{self, Config};
use crate::diag::{has_errors, Diag, Diags, Span};
use crate::eval::{parse_cli_value, types};
use crate::graph::{self, Graph};
use crate::registry::Registry;
use crate::scope::Scope;

/// Where variable values come from, in increasing precedence: defaults, `TETHER_VAR_<name>`
/// environment variables, `tether.tfvars` and `*.auto.tfvars` in the stack directory, then
/// `-var-file` and `-var` flags in the order given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub env: Vec<(String, String)>,
    /// `-var` and `-var-file` flags in command-line order.
    pub flags: Vec<InputFlag>,
    /// A required variable with no value is unknown rather than an error: `validate` checks a
    /// stack before anyone has chosen its inputs, and unknown values are skipped, never guessed.
    pub missing_unknown: bool,
}

#[derive(Clone, Debug)]
pub enum InputFlag {
    Var(String),
    VarFile(PathBuf),
}

impl Inputs {
    /// Collects `TETHER_VAR_*` from the process environment.
    pub fn from_env() -> Inputs {
        let env =
            std::env::vars().filter_map(|(k, v)| k.strip_prefix("TETHER_VAR_").map(|n| (n.to_string(), v))).collect();
        Inputs { env, flags: Vec::new(), missing_unknown: false }
    }
}

/// A loaded, checked stack, ready to plan.
#[derive(Debug)]
pub struct Stack {
    pub dir: PathBuf,
    pub config: Config,
    pub graph: Graph,
    /// A hash of every stack file, recorded in saved plans to detect a changed stack.
    pub hash: String,
}

/// A stack's files as loaded for an operation: checked and ready to plan, or, when checking
/// found errors, the files as parsed. Either way they were read once, and their sources (for
/// diagnostics) and settings (the backend) are there: commands that only need state work even
/// when the rest of the stack does not load.
#[derive(Debug)]
pub enum Loaded {
    /// No errors: ready to plan.
    Checked(Stack),
    /// Loading or checking found errors; what could be parsed.
    Unchecked(Config),
}

impl Loaded {
    /// The files as parsed, checked or not.
    pub fn config(&self) -> &Config {
        match self {
            Loaded::Checked(stack) => &stack.config,
            Loaded::Unchecked(config) => config,
        }
    }

    /// The checked stack; `None` when there were errors.
    pub fn into_stack(self) -> Option<Stack> {
        match self {
            Loaded::Checked(stack) => Some(stack),
            Loaded::Unchecked(_) => None,
        }
    }
}

/// Loads and checks a stack. Errors and warnings come back together; the stack is checked only
/// when there are no errors.
pub fn load(dir: &Path, registry: &Registry) -> (Loaded, Diags) {
    let (config, mut diags) = config::load_dir(dir);
    if has_errors(&diags) {
        return (Loaded::Unchecked(config), diags);
    }
    let known = registry.known_types();
    diags.extend(config::validate_schema(&config, &|name| registry.schema_ref(name), &known));
    if has_errors(&diags) {
        return (Loaded::Unchecked(config), diags);
    }
    let var_diags = check_variables(&config, dir);
    let graph = graph::build(&config);
    diags.extend(var_diags);
    let graph = match graph {
        Ok(g) if !has_errors(&diags) => g,
        Ok(_) => return (Loaded::Unchecked(config), diags),
        Err(errs) => {
            diags.extend(errs);
            return (Loaded::Unchecked(config), diags);
        }
    };
    let hash = hash_sources(&config);
    (Loaded::Checked(Stack { dir: dir.to_path_buf(), config, graph, hash }), diags)
}

/// What can be checked of variable declarations without their inputs: the type constraint, and
/// that the default has that type (and is not null when the variable is not nullable). The same
/// checks run again on the resolved values; here they let `validate` report them.
fn check_variables(config: &Config, dir: &Path) -> Diags {
    let mut diags = Vec::new();
    let empty = Scope::new(dir);
    for var in &config.variables {
        let ty = match declared_type(var) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        // A default with references is reported by the graph; one with function calls is left to
        // `plan` (validation does no I/O, and `file()` would read).
        let Some(d) = var
            .default
            .as_ref()
            .filter(|d| crate::eval::references(&d.expr, d.span.file).is_empty() && !calls_functions(&d.expr))
        else {
            continue;
        };
        let value = match empty.eval(&d.expr, d.span.file) {
            Ok(v) => v,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        if value.is_null() {
            if !var.nullable {
                diags.push(
                    Diag::error(format!("variable {:?} must not be null, but its default is null", var.name))
                        .code("input::null-variable")
                        .label(d.span.clone(), "null")
                        .label(var.span.clone(), "declared with nullable = false")
                        .help("give a non-null default, or remove nullable = false"),
                );
            }
            continue;
        }
        if let Some(t) = &ty {
            if let Err(msg) = types::convert(value, t) {
                diags.push(
                    Diag::error(format!("invalid default for variable {:?}: {msg}", var.name))
                        .code("input::type-mismatch")
                        .label(d.span.clone(), format!("expected {t}"))
                        .help(format!("give a default of type {t}, or change the type")),
                );
            }
        }
    }
    diags
}

/// True when the expression calls any function.
fn calls_functions(expr: &hcl_edit::expr::Expression) -> bool {
    struct Calls(bool);
    impl hcl_edit::visit::Visit for Calls {
        fn visit_func_call(&mut self, _: &hcl_edit::expr::FuncCall) {
            self.0 = true;
        }
    }
    let mut v = Calls(false);
    hcl_edit::visit::Visit::visit_expr(&mut v, expr);
    v.0
}

fn hash_sources(config: &Config) -> String {
    let mut h = Sha256::new();
    for (_, f) in config.sources.files() {
        h.update(f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Resolves every declared variable from its inputs, converts it to its declared type and runs
/// its validation blocks.
pub fn resolve_variables(stack: &mut Stack, inputs: &Inputs) -> (BTreeMap<String, Value>, Diags) {
    let mut diags = Vec::new();
    // name -> (raw value, where it came from)
    let mut raw: BTreeMap<String, (RawValue, String)> = BTreeMap::new();
    for (name, v) in &inputs.env {
        raw.insert(name.clone(), (RawValue::Text(v.clone()), format!("environment variable TETHER_VAR_{name}")));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let auto = stack.dir.join("tether.tfvars");
    if auto.is_file() {
        files.push(auto);
    }
    if let Ok(rd) = std::fs::read_dir(&stack.dir) {
        let mut autos: Vec<PathBuf> =
            rd.flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(".auto.tfvars")).collect();
        autos.sort();
        files.extend(autos);
    }
    let mut ordered: Vec<InputFlag> = files.into_iter().map(InputFlag::VarFile).collect();
    ordered.extend(inputs.flags.iter().cloned());
    for flag in ordered {
        match flag {
            InputFlag::Var(text) => match text.split_once('=') {
                Some((name, value)) => {
                    let name = name.trim().to_string();
                    if !stack.config.variables.iter().any(|v| v.name == name) {
                        let names = stack.config.variables.iter().map(|v| v.name.as_str());
                        let mut d = Diag::error(format!("-var sets {name:?}, but the stack declares no such variable"))
                            .code("input::undeclared-variable");
                        d = match crate::diag::did_you_mean(&name, names) {
                            Some(s) => d.help(format!("did you mean {s}?")),
                            None => d.help(format!("declare it: variable \"{name}\" {{ type = string }}")),
                        };
                        diags.push(d);
                        continue;
                    }
                    raw.insert(name.clone(), (RawValue::Text(value.to_string()), format!("-var {name}=...")));
                }
                None => diags.push(
                    Diag::error(format!("-var {text:?} is not of the form NAME=VALUE"))
                        .code("input::invalid-var")
                        .help("write -var name=value, e.g. -var region=ap-northeast-2"),
                ),
            },
            InputFlag::VarFile(path) => load_var_file(stack, &path, &mut raw, &mut diags),
        }
    }
    if has_errors(&diags) {
        return (BTreeMap::new(), diags);
    }

    let mut values = BTreeMap::new();
    let empty = Scope::new(&stack.dir);
    for var in &stack.config.variables {
        let ty = match declared_type(var) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let (value, origin_span) = match raw.remove(&var.name) {
            Some((RawValue::Text(text), origin)) => match parse_cli_value(&text, ty.as_ref()) {
                Ok(v) => (v, None),
                Err(msg) => {
                    diags.push(
                        Diag::error(format!("invalid value for variable {:?} from {origin}: {msg}", var.name))
                            .code("input::invalid-value")
                            .label(var.span.clone(), "declared here")
                            .help(match &ty {
                                Some(t) => format!("give a value of type {t}"),
                                None => "check the value".to_string(),
                            }),
                    );
                    continue;
                }
            },
            Some((RawValue::Value(v, span), _)) => (v, Some(span)),
            None => match &var.default {
                Some(d) => match empty.eval(&d.expr, d.span.file) {
                    Ok(v) => (v, Some(d.span.clone())),
                    Err(e) => {
                        diags.push(e);
                        continue;
                    }
                },
                None if inputs.missing_unknown => {
                    values.insert(var.name.clone(), Value::Unknown);
                    continue;
                }
                None => {
                    diags.push(
                        Diag::error(format!("no value for required variable {:?}", var.name))
                            .code("input::missing-variable")
                            .label(var.span.clone(), "declared here without a default")
                            .help(format!(
                                "set it with -var {0}=VALUE, in a -var-file, or with the environment variable TETHER_VAR_{0}; or give it a default",
                                var.name
                            )),
                    );
                    continue;
                }
            },
        };
        let value = match &ty {
            // A sensitive value is converted marked, so the message does not quote it.
            Some(t) if !value.is_null() => match types::convert(value.mark(var.sensitive), t) {
                Ok(v) => v,
                Err(msg) => {
                    let d = Diag::error(format!("invalid value for variable {:?}: {msg}", var.name))
                        .code("input::type-mismatch");
                    let d = match origin_span {
                        // The snippet of a variables file would show the secret: point at the
                        // declaration, and name where the value came from.
                        Some(span) if var.sensitive => {
                            d.label(var.span.clone(), format!("sensitive, expected {t}")).help(format!(
                                "give a value of type {t} (the value is set at {})",
                                stack.config.sources.location(&span)
                            ))
                        }
                        Some(span) => d.label(span, format!("expected {t}")).help(format!("give a value of type {t}")),
                        None => {
                            d.label(var.span.clone(), format!("expected {t}")).help(format!("give a value of type {t}"))
                        }
                    };
                    diags.push(d);
                    continue;
                }
            },
            _ => value,
        };
        if value.is_null() && !var.nullable {
            let d = Diag::error(format!("variable {:?} must not be null", var.name)).code("input::null-variable");
            let d = match origin_span {
                Some(at) => d.label(at, "null").label(var.span.clone(), "declared with nullable = false"),
                None => d.label(var.span.clone(), "declared with nullable = false"),
            };
            diags.push(d.help("give it a value, or remove nullable = false"));
            continue;
        }
        let value = value.mark(var.sensitive);
        // Validation conditions see only this variable.
        let mut scope = Scope::new(&stack.dir);
        scope.set_var(&var.name, value.clone());
        for v in &var.validations {
            match scope.eval(&v.condition.expr, v.condition.span.file) {
                Ok(c) if c.as_bool() == Some(true) || c.is_unknown() => {}
                Ok(c) if c.as_bool() == Some(false) => {
                    let message = scope
                        .eval(&v.error_message.expr, v.error_message.span.file)
                        .ok()
                        .and_then(|m| if m.contains_sensitive() { None } else { m.as_str().map(str::to_string) })
                        .unwrap_or_else(|| "the value is not valid".to_string());
                    diags.push(
                        Diag::error(format!("invalid value for variable {:?}: {message}", var.name))
                            .code("input::validation")
                            .label(v.condition.span.clone(), "this condition is false")
                            .help("change the value so the condition holds"),
                    );
                }
                Ok(c) => diags.push(
                    Diag::error(format!("validation condition must be true or false, got {}", c.type_name()))
                        .code("input::validation")
                        .label(v.condition.span.clone(), "not a bool"),
                ),
                Err(d) => diags.push(d),
            }
        }
        values.insert(var.name.clone(), value);
    }
    (values, diags)
}

enum RawValue {
    /// From the command line or environment: parsed according to the variable's type.
    Text(String),
    /// From a var file: already an expression value, with its span.
    Value(Value, Span),
}

fn load_var_file(stack: &mut Stack, path: &Path, raw: &mut BTreeMap<String, (RawValue, String)>, diags: &mut Diags) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diag::error(format!("cannot read variables file {}: {e}", path.display()))
                    .code("input::var-file")
                    .help("check the path given to -var-file"),
            );
            return;
        }
    };
    let file = stack.config.sources.add(path, text.as_str());
    let body = match hcl_edit::parser::parse_body(&text) {
        Ok(b) => b,
        Err(e) => {
            // The stack loader's diagnostics: they find the string or bracket left open.
            for d in config::load::syntax_diags(file, &text, &e) {
                let summary = d.summary.replacen("syntax error", "syntax error in variables file", 1);
                diags.push(Diag { summary, ..d });
            }
            return;
        }
    };
    let scope = Scope::new(&stack.dir);
    for structure in body.iter() {
        let span_of = |r: Option<std::ops::Range<usize>>| Span::new(file, r.unwrap_or(0..0));
        match structure {
            hcl_edit::structure::Structure::Attribute(attr) => {
                let name = attr.key.as_str().to_string();
                use hcl_edit::Span as _;
                let span = span_of(attr.value.span());
                if !stack.config.variables.iter().any(|v| v.name == name) {
                    diags.push(
                        Diag::warning(format!(
                            "{} sets {name:?}, but the stack declares no such variable",
                            path.display()
                        ))
                        .code("input::undeclared-variable")
                        .label(span_of(attr.key.span()), "not declared")
                        .help("remove it, or declare the variable"),
                    );
                    continue;
                }
                match scope.eval(&attr.value, file) {
                    Ok(v) => {
                        raw.insert(name, (RawValue::Value(v, span), path.display().to_string()));
                    }
                    Err(d) => diags.push(d),
                }
            }
            hcl_edit::structure::Structure::Block(b) => {
                use hcl_edit::Span as _;
                diags.push(
                    Diag::error("blocks are not allowed in a variables file")
                        .code("input::var-file")
                        .label(span_of(b.ident.span()), "unexpected block")
                        .help("a variables file holds lines of the form name = value"),
                );
            }
        }
    }
}

/// Byte offset of a 1-based line and column.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col: usize = l.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
            return (offset + col).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

/// The variable's declared type constraint, if it has one.
fn declared_type(var: &crate::config::VariableBlock) -> Result<Option<types::TypeConstraint>, Diag> {
    var.type_expr.as_ref().map(|t| types::parse_type(&t.expr, t.span.file)).transpose()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn check(src: &str) -> Vec<(usize, String)> {
        let (config, diags) = config::load_sources(vec![(PathBuf::from("main.hcl"), src.to_string())]);
        assert!(diags.is_empty(), "{diags:#?}");
        check_variables(&config, Path::new("."))
            .iter()
            .map(|d| {
                let line = d.primary_span().map_or(0, |s| config.sources.line_col(s.file, s.range.start).line);
                (line, d.code.clone().unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn variable_declarations_are_checked_without_inputs() {
        let ok = "variable \"a\" {\n  type    = list(string)\n  default = [\"x\", 1]\n}\n\
                  variable \"b\" {\n  type = number\n}\nvariable \"c\" {\n  default = null\n}\n";
        assert_eq!(check(ok), vec![]);
        assert_eq!(check("variable \"a\" {\n  type = lst(string)\n}\n"), vec![(2, "eval::invalid-type".into())]);
        assert_eq!(
            check("variable \"a\" {\n  type    = number\n  default = \"three\"\n}\n"),
            vec![(3, "input::type-mismatch".into())]
        );
        assert_eq!(
            check("variable \"a\" {\n  default  = null\n  nullable = false\n}\n"),
            vec![(2, "input::null-variable".into())]
        );
        // A default with a reference is the graph's to report; function calls wait for a plan.
        assert_eq!(check("variable \"a\" {\n  type    = number\n  default = var.b\n}\n"), vec![]);
        assert_eq!(check("variable \"a\" {\n  type    = number\n  default = file(\"x\")\n}\n"), vec![]);
    }
}
