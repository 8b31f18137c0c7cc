//! Applying a plan.
//!
//! Three phases, each a walk over a dependency graph with bounded parallelism:
//! 1. deletes (plain deletes and the delete half of delete-then-create replacements), dependents
//!    before their dependencies;
//! 2. the stack's blocks in dependency order: creates, updates, deferred data source reads, locals
//!    and outputs, each resource re-evaluated against what its dependencies really produced;
//! 3. the old objects of create-before-destroy replacements, dependents first.
//!
//! A failure stops only what depends on it; independent branches finish. State is written after
//! every resource operation, and every create is journalled (with its idempotency token) before
//! the provider is called, so a crash at any point leaves state that a re-run can finish from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tether_sdk::{idempotency_token, ApplyRequest, Change, Progress, Value};
use tether_state::{Backend, JournalEntry, Operation, OutputState, ResourceState, StateError, StateFile};
use tokio::sync::Semaphore;

use crate::addrs::{ConfigResourceAddr, InstanceAddr, Target};
use crate::config::{Mode, ResourceBlock};
use crate::diag::{Diag, Diags};
use crate::graph::Node;
use crate::plan::{self, Action, Plan, ResourceChange};
use crate::registry::Registry;
use crate::scope::{block_value, Scope};
use crate::stack::Stack;

/// The object an apply event is about: the current object at an address, or the deposed one
/// a create_before_destroy replacement left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub address: InstanceAddr,
    pub deposed: bool,
}

impl Subject {
    fn current(address: &InstanceAddr) -> Subject {
        Subject { address: address.clone(), deposed: false }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.address, if self.deposed { " (deposed)" } else { "" })
    }
}

/// Something worth telling the person watching an apply. `action` is what is done to the
/// object: `Create`, `Update`, `Delete` or `Read`.
#[derive(Clone, Debug)]
pub enum ApplyEvent {
    Started {
        subject: Subject,
        action: Action,
    },
    /// A message from the provider about a long operation (what it waits for).
    Progress {
        subject: Subject,
        message: String,
    },
    /// The operation is still running after `elapsed`.
    StillRunning {
        subject: Subject,
        action: Action,
        elapsed: Duration,
    },
    Finished {
        subject: Subject,
        action: Action,
        elapsed: Duration,
        id: Option<String>,
    },
    Failed {
        subject: Subject,
        action: Action,
        summary: String,
    },
    Skipped {
        subject: Subject,
        reason: String,
    },
}

/// How a diagnostic names an operation that failed: "creating aws_vpc.main: ...".
fn gerund(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Update => "modifying",
        Action::Delete => "destroying",
        Action::Read => "reading",
        _ => "applying",
    }
}

pub type EventSink = Arc<dyn Fn(ApplyEvent) + Send + Sync>;

#[derive(Clone)]
pub struct ApplyOptions {
    /// The most provider operations in flight at once.
    pub parallelism: usize,
    /// How often to report that a long operation is still running.
    pub heartbeat: Duration,
    /// Set (by Ctrl-C) to stop scheduling new work; running operations finish.
    pub stop: Arc<AtomicBool>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { parallelism: 10, heartbeat: Duration::from_secs(10), stop: Arc::new(AtomicBool::new(false)) }
    }
}

#[derive(Debug, Default)]
pub struct ApplyOutcome {
    /// One diagnostic per failed operation, plus skipped dependents.
    pub failures: Diags,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    pub outputs: BTreeMap<String, OutputState>,
}

/// Errors that mean the plan cannot be applied at all (nothing was called).
pub fn check_fresh(plan: &Plan, stack: &Stack, state: Option<&StateFile>) -> Result<(), Diag> {
    let stale = |why: String| {
        Diag::error(format!("plan is stale: {why}"))
            .code("apply::stale-plan")
            .help("make a new plan with `tether plan --out FILE` and review it again")
    };
    if plan.format_version != plan::PLAN_FORMAT_VERSION {
        return Err(stale(format!("it was written in plan format {}", plan.format_version)));
    }
    if plan.stack_hash != stack.hash {
        return Err(stale("the stack files changed since it was made".into()));
    }
    match (plan.lineage.as_deref(), state) {
        (None, Some(s)) if !s.resources.is_empty() || s.serial > 0 => {
            Err(stale("it was made before the first apply, and the stack has been applied since".into()))
        }
        (Some(l), Some(s)) if l != s.lineage => {
            Err(stale(format!("it was made for state lineage {l}, but the state now has lineage {}", s.lineage)))
        }
        (Some(_), Some(s)) if s.serial != plan.serial => {
            Err(stale(format!("the state changed since it was made (serial {} then, {} now)", plan.serial, s.serial)))
        }
        (Some(_), None) => Err(stale("it was made against a state that no longer exists".into())),
        _ => Ok(()),
    }
}

/// The blast-radius guard: a plan that replaces or deletes high-impact objects is applied only
/// when `allowed` (from `--allow-replace`) names each of them. Plans made for `destroy` are
/// exempt: deleting everything is what they were asked for. Names that match no high-impact
/// change are warned about (likely a typo that would not have protected anything).
pub fn check_allowed_replacements(plan: &Plan, allowed: &[Target]) -> Diags {
    let mut diags = Diags::new();
    let named = |c: &ResourceChange| allowed.iter().any(|x| x.matches(&c.address));
    let high: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.high_impact.is_some()).collect();
    if !plan.destroy {
        for c in high.iter().filter(|c| !named(c)) {
            let what = if c.action == Action::Delete { "destroy" } else { "replace" };
            diags.push(
                Diag::error(format!("the plan would {what} {}, a high-impact object", c.address))
                    .code("apply::high-impact")
                    .address(&c.address)
                    .detail(format!("{}: {}", c.type_name, c.high_impact.as_deref().unwrap_or_default()))
                    .help(format!(
                        "review the plan; if this is intended, apply again with --allow-replace '{}'",
                        c.address
                    )),
            );
        }
    }
    for a in allowed {
        if !high.iter().any(|c| a.matches(&c.address)) {
            diags.push(
                Diag::warning(format!("--allow-replace {a} matches no high-impact change in this plan"))
                    .code("apply::allow-replace-unused")
                    .help("check the address against the plan; nothing was allowed by it"),
            );
        }
    }
    diags
}

/// Persists state after every operation: one writer, serial bumped on each write.
struct StateStore {
    backend: Arc<dyn Backend>,
    state: Mutex<StateFile>,
}

impl StateStore {
    fn update<R>(&self, f: impl FnOnce(&mut StateFile) -> R) -> Result<R, StateError> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&mut s);
        s.serial += 1;
        s.tether_version = env!("CARGO_PKG_VERSION").to_string();
        self.backend.write(&s)?;
        Ok(r)
    }

    fn snapshot(&self) -> StateFile {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn state_error(e: StateError) -> Diag {
    Diag::error(format!("could not write state: {e}"))
        .code("state::write")
        .help("state is written after every operation; fix the problem (disk full? permissions?) and re-run apply, which will adopt what was created")
}

/// Applies a plan. The caller holds the state lock.
pub async fn apply(
    stack: &Stack,
    registry: &Registry,
    plan: &Plan,
    backend: Arc<dyn Backend>,
    opts: &ApplyOptions,
    events: EventSink,
) -> Result<ApplyOutcome, Diags> {
    let current = backend.read().map_err(|e| vec![Diag::error(e.to_string()).code("state::read")])?;
    check_fresh(plan, stack, current.as_ref()).map_err(|d| vec![d])?;
    let state = current.unwrap_or_default();
    let lineage = state.lineage.clone();
    plan::configure_providers(stack, registry, &plan.variables, Some(&state), &lineage).await?;
    let store = Arc::new(StateStore { backend, state: Mutex::new(state) });
    let ctx = Ctx {
        stack,
        registry,
        plan,
        changes: plan.changes.iter().filter(|c| !c.deposed).map(|c| (&c.address, c)).collect(),
        store: store.clone(),
        lineage,
        sem: Arc::new(Semaphore::new(opts.parallelism.max(1))),
        events,
        opts: opts.clone(),
        failed: Mutex::new(HashSet::new()),
        failures: Mutex::new(Vec::new()),
        counts: Mutex::new((0, 0, 0)),
    };

    ctx.destroy_phase(|c| matches!(c.action, Action::Delete | Action::DeleteThenCreate) && !c.deposed).await;
    if !plan.destroy {
        ctx.create_phase().await;
    }
    ctx.destroy_phase(|c| c.action == Action::CreateThenDelete || (c.action == Action::Delete && c.deposed)).await;
    if plan.destroy {
        // Nothing of the stack remains: forget data sources and outputs too.
        let done = store.update(|s| {
            s.resources.retain(|r| r.mode != Mode::Data);
            s.outputs.clear();
        });
        if let Err(e) = done {
            ctx.fail(state_error(e));
        }
    }

    let failures = std::mem::take(&mut *ctx.failures.lock().unwrap_or_else(|e| e.into_inner()));
    let (added, changed, destroyed) = *ctx.counts.lock().unwrap_or_else(|e| e.into_inner());
    Ok(ApplyOutcome { failures, added, changed, destroyed, outputs: store.snapshot().outputs })
}

struct Ctx<'a> {
    stack: &'a Stack,
    registry: &'a Registry,
    plan: &'a Plan,
    /// The plan's changes by address (deposed objects share an address: this holds the current one).
    changes: HashMap<&'a InstanceAddr, &'a ResourceChange>,
    store: Arc<StateStore>,
    lineage: String,
    sem: Arc<Semaphore>,
    events: EventSink,
    opts: ApplyOptions,
    /// Addresses whose operation failed or was skipped.
    failed: Mutex<HashSet<InstanceAddr>>,
    failures: Mutex<Diags>,
    counts: Mutex<(usize, usize, usize)>,
}

impl<'a> Ctx<'a> {
    fn fail(&self, d: Diag) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).push(d);
    }

    fn mark_failed(&self, address: &InstanceAddr) {
        self.failed.lock().unwrap_or_else(|e| e.into_inner()).insert(address.clone());
    }

    fn has_failed(&self, address: &InstanceAddr) -> bool {
        self.failed.lock().unwrap_or_else(|e| e.into_inner()).contains(address)
    }

    fn count(&self, action: Action) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match action {
            Action::Create => c.0 += 1,
            Action::Update => c.1 += 1,
            Action::Delete => c.2 += 1,
            _ => {}
        }
    }

    /// Deletes the selected changes, each after every selected change that depends on it.
    async fn destroy_phase(&self, select: impl Fn(&ResourceChange) -> bool) {
        let chosen: Vec<&ResourceChange> = self.plan.changes.iter().filter(|c| select(c)).collect();
        if chosen.is_empty() {
            return;
        }
        // B depends on A (B lists A's block) => delete B before A.
        let mut by_block: HashMap<ConfigResourceAddr, Vec<usize>> = HashMap::new();
        for (i, c) in chosen.iter().enumerate() {
            by_block.entry(c.address.config_resource()).or_default().push(i);
        }
        let mut waits_for: HashMap<usize, Vec<usize>> = HashMap::new();
        for (ib, b) in chosen.iter().enumerate() {
            for dep in &b.dependencies {
                for &ia in by_block.get(dep).map(Vec::as_slice).unwrap_or(&[]) {
                    if ia != ib {
                        waits_for.entry(ia).or_default().push(ib);
                    }
                }
            }
        }
        let nodes: Vec<usize> = (0..chosen.len()).collect();
        run_dag(
            &nodes,
            &waits_for,
            &self.opts.stop,
            |i| {
                let c = chosen[i];
                async move {
                    if c.action == Action::CreateThenDelete && self.has_failed(&c.address) {
                        self.emit(ApplyEvent::Skipped {
                            subject: Subject { address: c.address.clone(), deposed: true },
                            reason: "its replacement was not created; the old object is kept".into(),
                        });
                        return false;
                    }
                    self.delete(c).await
                }
            },
            |i, blocker| {
                let c = chosen[i];
                let reason = format!("deleting it must wait for {}, which failed", chosen[blocker].address);
                self.skip(&c.address, reason);
            },
        )
        .await;
    }

    fn skip(&self, address: &InstanceAddr, reason: String) {
        self.mark_failed(address);
        self.emit(ApplyEvent::Skipped { subject: Subject::current(address), reason: reason.clone() });
        self.fail(Diag::error(format!("{address} was not applied: {reason}")).code("apply::skipped").address(address));
    }

    fn emit(&self, e: ApplyEvent) {
        (self.events)(e)
    }

    async fn delete(&self, c: &ResourceChange) -> bool {
        let Some(provider) = self.registry.for_type(&c.type_name).cloned() else { return false };
        let deposed = c.action == Action::CreateThenDelete || c.deposed;
        let prior = {
            let s = self.store.state.lock().unwrap_or_else(|e| e.into_inner());
            let r = if deposed { s.deposed_resource(&c.address) } else { s.resource(&c.address) };
            r.map(|r| Value::from_json(&r.attributes))
        };
        let Some(prior) = prior else {
            // Already gone from state (an earlier, interrupted run finished it).
            return true;
        };
        let subject = Subject { address: c.address.clone(), deposed };
        let resp = self
            .call(
                &subject,
                Action::Delete,
                provider.apply_resource(ApplyRequest {
                    type_name: c.type_name.clone(),
                    address: c.address.to_string(),
                    lineage: self.lineage.clone(),
                    change: Change::Delete { prior },
                    progress: self.progress(&subject),
                }),
            )
            .await;
        let ok = !tether_sdk::has_errors(&resp.diagnostics);
        if ok {
            let written =
                self.store
                    .update(|s| if deposed { s.remove_deposed(&c.address) } else { s.remove_resource(&c.address) });
            if let Err(e) = written {
                self.fail(state_error(e));
                self.mark_failed(&c.address);
                return false;
            }
            self.count(Action::Delete);
        } else {
            self.report_failure(&subject, Action::Delete, c, resp.diagnostics);
            self.mark_failed(&c.address);
        }
        ok
    }

    fn progress(&self, subject: &Subject) -> Progress {
        let events = self.events.clone();
        let subject = subject.clone();
        Progress::new(move |m| events(ApplyEvent::Progress { subject: subject.clone(), message: m.to_string() }))
    }

    /// Runs one provider operation under the parallelism limit, with start/finish events and a
    /// heartbeat while it runs.
    async fn call<F: Future<Output = tether_sdk::ApplyResponse>>(
        &self,
        subject: &Subject,
        action: Action,
        fut: F,
    ) -> tether_sdk::ApplyResponse {
        let _permit = self.sem.acquire().await;
        self.emit(ApplyEvent::Started { subject: subject.clone(), action });
        let start = Instant::now();
        let mut fut = std::pin::pin!(fut);
        let mut tick = tokio::time::interval(self.opts.heartbeat);
        tick.tick().await;
        let resp = loop {
            tokio::select! {
                r = &mut fut => break r,
                _ = tick.tick() => self.emit(ApplyEvent::StillRunning {
                    subject: subject.clone(),
                    action,
                    elapsed: start.elapsed(),
                }),
            }
        };
        if !tether_sdk::has_errors(&resp.diagnostics) {
            let id = resp.new_state.as_ref().and_then(|v| v.get("id")).and_then(Value::as_str).map(str::to_string);
            self.emit(ApplyEvent::Finished { subject: subject.clone(), action, elapsed: start.elapsed(), id });
        }
        resp
    }

    fn report_failure(
        &self,
        subject: &Subject,
        action: Action,
        c: &ResourceChange,
        diags: Vec<tether_sdk::Diagnostic>,
    ) {
        let res = self.stack.config.resource(c.resource());
        for d in diags.into_iter().filter(|d| d.is_error()) {
            self.emit(ApplyEvent::Failed { subject: subject.clone(), action, summary: d.summary.clone() });
            let span = res.map(|r| {
                d.attribute
                    .as_ref()
                    .and_then(|p| crate::config::attr_span(&r.body, p))
                    .unwrap_or_else(|| r.span.clone())
            });
            let d = if d.address.is_none() { d.address(c.address.to_string()) } else { d };
            let mut diag = Diag::from_provider(d, span);
            diag.summary = format!("{} {subject}: {}", gerund(action), diag.summary);
            self.fail(diag);
        }
    }

    /// Walks the stack's blocks in dependency order, applying creates and updates.
    async fn create_phase(&self) {
        let g = &self.stack.graph;
        let nodes: Vec<usize> = g.order.iter().map(|ix| ix.index()).collect();
        let mut waits_for: HashMap<usize, Vec<usize>> = HashMap::new();
        for ix in &g.order {
            waits_for.insert(ix.index(), g.dependencies(*ix).map(|d| d.index()).collect());
        }
        let mut scope = Scope::new(&self.stack.dir);
        for (k, v) in &self.plan.variables {
            scope.set_var(k, v.clone());
        }
        let scope = Mutex::new(scope);
        let scope = &scope;
        run_dag(
            &nodes,
            &waits_for,
            &self.opts.stop,
            |i| async move {
                let ix = petgraph::graph::NodeIndex::new(i);
                self.visit(g.node(ix), scope).await
            },
            |i, blocker| {
                let ix = petgraph::graph::NodeIndex::new(i);
                if let Node::Resource(addr) = g.node(ix) {
                    let blocked_by = g.node(petgraph::graph::NodeIndex::new(blocker)).to_string();
                    for c in self.plan.changes.iter().filter(|c| c.resource() == addr) {
                        if !matches!(c.action, Action::NoOp | Action::Delete) {
                            self.skip(&c.address, format!("it depends on {blocked_by}, which failed"));
                        }
                    }
                }
            },
        )
        .await;
    }

    async fn visit(&self, node: &Node, scope: &Mutex<Scope>) -> bool {
        let lock = || scope.lock().unwrap_or_else(|e| e.into_inner());
        match node {
            Node::Variable(_) | Node::Provider(_) => true,
            Node::Local(name) => {
                let Some(l) = self.stack.config.locals.iter().find(|l| &l.name == name) else { return true };
                let v = lock().eval(&l.attr.expr, l.attr.span.file);
                match v {
                    Ok(v) => {
                        lock().set_local(name, v);
                        true
                    }
                    Err(d) => {
                        self.fail(d);
                        false
                    }
                }
            }
            Node::Output(name) => {
                let Some(o) = self.stack.config.outputs.iter().find(|o| &o.name == name) else { return true };
                let v = lock().eval(&o.value.expr, o.value.span.file);
                match v {
                    Ok(v) if v.is_wholly_known() => {
                        let sensitive = o.sensitive || v.contains_sensitive();
                        let out = OutputState { value: v.to_json(), sensitive };
                        if let Err(e) = self.store.update(|s| s.outputs.insert(name.clone(), out)) {
                            self.fail(state_error(e));
                            return false;
                        }
                        true
                    }
                    // Depends on something that was excluded or failed: keep the old value.
                    Ok(_) => true,
                    Err(d) => {
                        self.fail(d);
                        false
                    }
                }
            }
            Node::Resource(addr) => {
                let Some(res) = self.stack.config.resource(addr) else { return true };
                let instances = {
                    let s = lock();
                    plan::expand(res, &s)
                };
                let instances = match instances {
                    Ok(i) => i,
                    Err(e) => {
                        self.fail(e.into_diag());
                        return false;
                    }
                };
                let mut futs = FuturesUnordered::new();
                for (key, each_value) in instances {
                    let address = InstanceAddr::new(addr.clone(), key.clone());
                    // An instance with nothing to do (unchanged, or left alone by --target or
                    // --exclude) keeps its planned value; its configuration may refer to
                    // resources that were not created in this run, so it is not evaluated.
                    let unchanged = self.plan.change(&address).is_some_and(|c| c.action == Action::NoOp);
                    let config = if unchanged {
                        Value::Null
                    } else {
                        let mut s = lock();
                        let mut diags = Vec::new();
                        let v =
                            plan::instance_config(res, &key, each_value.as_ref(), &mut s, self.registry, &mut diags);
                        if crate::diag::has_errors(&diags) {
                            for d in diags {
                                self.fail(d);
                            }
                            self.mark_failed(&address);
                            return false;
                        }
                        v
                    };
                    futs.push(async move {
                        let (ok, value) = self.apply_instance(res, &address, config).await;
                        (key, ok, value)
                    });
                }
                let mut all_ok = true;
                let mut values = Vec::new();
                while let Some((key, ok, value)) = futs.next().await {
                    all_ok &= ok;
                    values.push((key, value));
                }
                values.sort_by(|a, b| a.0.cmp(&b.0));
                lock().set_resource(addr, block_value(values, res.count.is_some(), res.for_each.is_some()));
                all_ok
            }
        }
    }

    /// Applies the planned change of one instance; returns success and the instance's value.
    async fn apply_instance(&self, res: &ResourceBlock, address: &InstanceAddr, config: Value) -> (bool, Value) {
        let Some(change) = self.changes.get(address).copied() else {
            self.fail(
                Diag::error(format!("{address} is not in the plan"))
                    .code("apply::inconsistent")
                    .help("the stack evaluates differently than when the plan was made; make a new plan"),
            );
            return (false, Value::Unknown);
        };
        let existing = change.before.clone().unwrap_or(Value::Null);
        match (res.mode, change.action) {
            // A create left out by --target/--exclude has no object yet: its value is unknown.
            (_, Action::NoOp) => {
                (true, change.after.clone().or_else(|| change.before.clone()).unwrap_or(Value::Unknown))
            }
            (Mode::Data, Action::Read) => self.read_data(res, change, config).await,
            (Mode::Managed, Action::Create | Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete) => {
                if self.has_failed(address) {
                    return (false, existing);
                }
                self.create_or_update(res, change, config).await
            }
            _ => (true, existing),
        }
    }

    async fn read_data(&self, res: &ResourceBlock, change: &ResourceChange, config: Value) -> (bool, Value) {
        let Some(provider) = self.registry.for_type(&res.type_name) else { return (false, Value::Unknown) };
        let _permit = self.sem.acquire().await;
        let subject = Subject::current(&change.address);
        self.emit(ApplyEvent::Started { subject: subject.clone(), action: Action::Read });
        let start = Instant::now();
        match plan::read_data(provider, res, &change.address, &config).await {
            Ok(v) => {
                let record = ResourceState {
                    address: change.address.clone(),
                    mode: Mode::Data,
                    type_name: res.type_name.clone(),
                    provider: change.provider.clone(),
                    id: v.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                    attributes: v.to_json(),
                    sensitive_paths: Vec::new(),
                    dependencies: change.dependencies.clone(),
                    create_before_destroy: false,
                    deposed: false,
                };
                if let Err(e) = self.store.update(|s| s.upsert_resource(record)) {
                    self.fail(state_error(e));
                    return (false, v);
                }
                self.emit(ApplyEvent::Finished { subject, action: Action::Read, elapsed: start.elapsed(), id: None });
                (true, v)
            }
            Err(ds) => {
                self.report_failure(&subject, Action::Read, change, ds);
                self.mark_failed(&change.address);
                (false, Value::Unknown)
            }
        }
    }

    async fn create_or_update(&self, res: &ResourceBlock, change: &ResourceChange, config: Value) -> (bool, Value) {
        let Some(provider) = self.registry.for_type(&res.type_name).cloned() else { return (false, Value::Unknown) };
        let address = &change.address;
        let is_update = change.action == Action::Update;
        let prior = if is_update { change.before.clone() } else { None };
        // Re-plan with the values dependencies really produced, then hold the provider to the
        // reviewed plan: every value known at plan time must come out the same.
        let config = plan::apply_ignore_changes(res, config, change.before.as_ref());
        let resp = provider.plan_resource(tether_sdk::PlanRequest {
            type_name: res.type_name.clone(),
            address: address.to_string(),
            prior: prior.clone(),
            config: config.clone(),
        });
        let schema = self.registry.schema(Mode::Managed, &res.type_name);
        let block = schema.map(|s| &s.block);
        let planned = plan::carry_sensitivity(&config, resp.planned, block);
        if let Some(saved) = &change.after {
            if !conforms(saved, &planned, block) {
                self.mark_failed(address);
                self.fail(
                    Diag::error(format!("{address} would be applied with values that differ from the reviewed plan"))
                        .code("apply::inconsistent")
                        .address(address)
                        .help("something changed between plan and apply; make a new plan and review it"),
                );
                return (false, change.before.clone().unwrap_or(Value::Unknown));
            }
        }
        let id_attr = schema.map(|s| s.id_attribute.as_str()).unwrap_or("id");
        let (api_change, journal) = if is_update {
            (
                Change::Update {
                    prior: prior.clone().unwrap_or_default().unmark_deep(),
                    planned: planned.unmark_deep(),
                },
                None,
            )
        } else {
            let predecessor = change.before.as_ref().and_then(|b| b.get(id_attr)).and_then(Value::as_str).unwrap_or("");
            let existing_token = {
                let s = self.store.state.lock().unwrap_or_else(|e| e.into_inner());
                s.journal
                    .iter()
                    .find(|j| &j.address == address && j.operation == Operation::Create)
                    .map(|j| j.idempotency_token.clone())
            };
            let token =
                existing_token.unwrap_or_else(|| idempotency_token(&self.lineage, &address.to_string(), predecessor));
            let entry = JournalEntry::new(address, &res.type_name, Operation::Create, &token);
            (Change::Create { planned: planned.unmark_deep(), idempotency_token: token }, Some(entry))
        };
        // Record intent (and depose the old object of a create-before-destroy) before calling.
        let cbd = change.action == Action::CreateThenDelete;
        if journal.is_some() || cbd {
            let entry = journal.clone();
            let written = self.store.update(|s| {
                if cbd {
                    if let Some(mut old) = s.remove_resource(address) {
                        old.deposed = true;
                        s.upsert_resource(old);
                    }
                }
                if let Some(e) = entry {
                    s.journal.retain(|j| j.address != e.address);
                    s.journal_begin(e);
                }
            });
            if let Err(e) = written {
                self.fail(state_error(e));
                self.mark_failed(address);
                return (false, Value::Unknown);
            }
        }
        let action = if is_update { Action::Update } else { Action::Create };
        let subject = Subject::current(address);
        let resp = self
            .call(
                &subject,
                action,
                provider.apply_resource(ApplyRequest {
                    type_name: res.type_name.clone(),
                    address: address.to_string(),
                    lineage: self.lineage.clone(),
                    change: api_change,
                    progress: self.progress(&subject),
                }),
            )
            .await;
        let ok = !tether_sdk::has_errors(&resp.diagnostics);
        // What the provider returned holds the secrets the plan held, and mirrors of them that
        // were not known before (tags_all): both are recorded as sensitive.
        let new_value = resp.new_state.clone().map(|v| {
            let v = v.with_sensitive_paths(&planned.sensitive_paths());
            plan::carry_sensitivity(&config, v, block)
        });
        let mut sensitive_paths: Vec<String> = planned
            .sensitive_paths()
            .iter()
            .chain(new_value.iter().flat_map(Value::sensitive_paths).collect::<Vec<_>>().iter())
            .map(ToString::to_string)
            .collect();
        sensitive_paths.sort();
        sensitive_paths.dedup();
        let journal_id = journal.map(|j| j.id);
        let record = new_value.as_ref().map(|v| ResourceState {
            address: address.clone(),
            mode: Mode::Managed,
            type_name: res.type_name.clone(),
            provider: change.provider.clone(),
            id: v.get(id_attr).and_then(Value::as_str).unwrap_or_default().to_string(),
            attributes: v.to_json(),
            sensitive_paths: sensitive_paths.clone(),
            dependencies: change.dependencies.clone(),
            create_before_destroy: cbd || res.lifecycle.create_before_destroy,
            deposed: false,
        });
        let written = self.store.update(|s| {
            if let Some(r) = record {
                s.upsert_resource(r);
            }
            if let Some(id) = &journal_id {
                s.journal_end(id);
            }
        });
        if let Err(e) = written {
            self.fail(state_error(e));
            self.mark_failed(address);
            return (false, new_value.unwrap_or(Value::Unknown));
        }
        if !ok {
            self.report_failure(&subject, action, change, resp.diagnostics);
            self.mark_failed(address);
            let fallback = if is_update { change.before.clone() } else { None };
            return (false, new_value.or(fallback).unwrap_or(Value::Unknown));
        }
        self.count(action);
        (true, new_value.unwrap_or(Value::Null))
    }
}

/// True when `actual` agrees with every value `saved` knew at plan time. `block` is the
/// resource's schema: sets in it (set attributes, set-nested blocks) are compared without
/// order, because a provider orders a set by value once every element is known, while the plan
/// keeps a set that still holds unknown elements in the order it was written.
pub fn conforms(saved: &Value, actual: &Value, block: Option<&tether_sdk::Block>) -> bool {
    conforms_as(saved, actual, block.map_or(Shape::Any, Shape::Block))
}

/// What the schema says a value is, as far as comparing it with its plan needs.
#[derive(Clone, Copy)]
enum Shape<'s> {
    Any,
    Block(&'s tether_sdk::Block),
    Nested(&'s tether_sdk::BlockType),
    Attr(&'s tether_sdk::AttrType),
}

impl<'s> Shape<'s> {
    /// The shape of the value under `key` of an object of this shape.
    fn field(self, key: &str) -> Shape<'s> {
        match self {
            Shape::Block(b) | Shape::Nested(tether_sdk::BlockType { block: b, .. }) => {
                if let Some(a) = b.attributes.get(key) {
                    Shape::Attr(&a.ty)
                } else if let Some(bt) = b.blocks.get(key) {
                    match bt.nesting {
                        tether_sdk::Nesting::Single => Shape::Block(&bt.block),
                        _ => Shape::Nested(bt),
                    }
                } else {
                    Shape::Any
                }
            }
            Shape::Attr(tether_sdk::AttrType::Map(t)) => Shape::Attr(t),
            _ => Shape::Any,
        }
    }

    /// For a list-valued shape: the elements' shape, and whether the list is a set.
    fn elements(self) -> (Shape<'s>, bool) {
        match self {
            Shape::Attr(tether_sdk::AttrType::Set(t)) => (Shape::Attr(t), true),
            Shape::Attr(tether_sdk::AttrType::List(t)) => (Shape::Attr(t), false),
            Shape::Nested(bt) => (Shape::Block(&bt.block), bt.nesting == tether_sdk::Nesting::Set),
            _ => (Shape::Any, false),
        }
    }
}

fn conforms_as(saved: &Value, actual: &Value, shape: Shape<'_>) -> bool {
    match (saved.peel(), actual.peel()) {
        (Value::Unknown, _) => true,
        (Value::Map(a), Value::Map(b)) => {
            a.iter().all(|(k, v)| conforms_as(v, b.get(k).unwrap_or(&Value::Null), shape.field(k)))
                && b.keys().all(|k| a.contains_key(k))
        }
        (Value::List(a), Value::List(b)) => {
            let (element, set) = shape.elements();
            if a.len() != b.len() {
                false
            } else if set {
                set_conforms(a, b, element)
            } else {
                a.iter().zip(b).all(|(x, y)| conforms_as(x, y, element))
            }
        }
        (a, b) => a.unmark_deep() == b.unmark_deep(),
    }
}

/// Matches every planned element of a set with a distinct actual one: the elements the plan
/// knew whole first, then those it knew in part, which take what is left.
fn set_conforms(saved: &[Value], actual: &[Value], element: Shape<'_>) -> bool {
    let mut used = vec![false; actual.len()];
    let known = saved.iter().filter(|v| v.is_wholly_known());
    let partial = saved.iter().filter(|v| !v.is_wholly_known());
    for s in known.chain(partial) {
        match (0..actual.len()).find(|&i| !used[i] && conforms_as(s, &actual[i], element)) {
            Some(i) => used[i] = true,
            None => return false,
        }
    }
    true
}

/// Runs `run` for every node once all the nodes it waits for succeeded. A node whose
/// dependency failed is not run: `on_blocked(node, failed_dependency)` is called instead, and the
/// node counts as failed for its own dependents. When `stop` is set, nothing new starts.
async fn run_dag<'f, F, Fut, B>(
    nodes: &[usize],
    waits_for: &HashMap<usize, Vec<usize>>,
    stop: &AtomicBool,
    run: F,
    on_blocked: B,
) where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool> + 'f,
    B: Fn(usize, usize),
{
    let mut remaining: HashMap<usize, usize> = HashMap::new();
    let mut dependents: HashMap<usize, Vec<usize>> = HashMap::new();
    for n in nodes {
        let deps = waits_for.get(n).map(Vec::as_slice).unwrap_or(&[]);
        remaining.insert(*n, deps.len());
        for d in deps {
            dependents.entry(*d).or_default().push(*n);
        }
    }
    let mut ready: Vec<usize> = nodes.iter().copied().filter(|n| remaining[n] == 0).collect();
    ready.reverse();
    let mut blocked: HashMap<usize, usize> = HashMap::new();
    let mut running = FuturesUnordered::new();
    loop {
        while let Some(n) = ready.pop() {
            if let Some(&by) = blocked.get(&n) {
                on_blocked(n, by);
                release(n, false, &dependents, &mut remaining, &mut ready, &mut blocked);
                continue;
            }
            if stop.load(Ordering::SeqCst) {
                continue;
            }
            let fut = run(n);
            running.push(async move { (n, fut.await) });
        }
        match running.next().await {
            Some((n, ok)) => release(n, ok, &dependents, &mut remaining, &mut ready, &mut blocked),
            None => break,
        }
    }
}

fn release(
    n: usize,
    ok: bool,
    dependents: &HashMap<usize, Vec<usize>>,
    remaining: &mut HashMap<usize, usize>,
    ready: &mut Vec<usize>,
    blocked: &mut HashMap<usize, usize>,
) {
    for d in dependents.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
        if !ok {
            // Report the first failure on the path, not the node that was itself blocked.
            let root = blocked.get(&n).copied().unwrap_or(n);
            blocked.entry(*d).or_insert(root);
        }
        if let Some(r) = remaining.get_mut(d) {
            *r -= 1;
            if *r == 0 {
                ready.push(*d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tether_sdk::{AttrType, Attribute, Block};

    use super::conforms;
    use tether_sdk::Value;

    fn strings(items: &[Option<&str>]) -> Value {
        Value::List(items.iter().map(|i| i.map_or(Value::Unknown, Value::from)).collect())
    }

    fn schema() -> Block {
        Block::new()
            .attr("members", Attribute::optional(AttrType::set_of(AttrType::String)))
            .attr("order", Attribute::optional(AttrType::list_of(AttrType::String)))
    }

    #[test]
    fn a_set_known_in_part_conforms_in_any_order_but_not_with_other_members() {
        let b = schema();
        let saved = Value::map([("members", strings(&[Some("sub-9"), None]))]);
        let sorted = Value::map([("members", strings(&[Some("sub-10"), Some("sub-9")]))]);
        assert!(conforms(&saved, &sorted, Some(&b)));
        let other = Value::map([("members", strings(&[Some("sub-10"), Some("sub-11")]))]);
        assert!(!conforms(&saved, &other, Some(&b)), "a member the plan knew must still be there");
        let more = Value::map([("members", strings(&[Some("sub-9"), Some("sub-10"), Some("sub-11")]))]);
        assert!(!conforms(&saved, &more, Some(&b)), "as many members as planned");
    }

    #[test]
    fn a_list_keeps_its_order() {
        let b = schema();
        let saved = Value::map([("order", strings(&[Some("a"), None]))]);
        assert!(conforms(&saved, &Value::map([("order", strings(&[Some("a"), Some("b")]))]), Some(&b)));
        assert!(!conforms(&saved, &Value::map([("order", strings(&[Some("b"), Some("a")]))]), Some(&b)));
    }
}
