//! `aws_eks_access_entry` against recorded EKS responses (the emulator has no access entries):
//! what the provider sends, what it makes of the answers, and what a plan then shows.

use crate::replay::{ok, plan_is_empty, reply, s, strings, Recorded, LINEAGE};
use tether_sdk::{idempotency_token, AttrPath, Change, ImportRequest, Provider, Value};

const TYPE: &str = "aws_eks_access_entry";
const NODES: &str = "aws_eks_access_entry.hybrid_nodes";
const CI: &str = "aws_eks_access_entry.ci";
const NODE_ROLE: &str = "arn:aws:iam::111122223333:role/EKSHybridNodeRole";
const CI_ROLE: &str = "arn:aws:iam::111122223333:role/ci-deployer";

fn not_found() -> aws_smithy_http_client::test_util::ReplayEvent {
    reply(404, "eks/access_entry_not_found.json", Some("ResourceNotFoundException"))
}

fn hybrid_config() -> Value {
    Value::map([
        ("cluster_name", Value::from("hybrid-eks")),
        ("principal_arn", Value::from(NODE_ROLE)),
        ("type", Value::from("HYBRID_LINUX")),
        ("tags", Value::map([("team", Value::from("platform"))])),
    ])
}

fn ci_config(groups: &[&str], user: &str) -> Value {
    Value::map([
        ("cluster_name", Value::from("hybrid-eks")),
        ("principal_arn", Value::from(CI_ROLE)),
        ("kubernetes_groups", Value::List(groups.iter().map(|g| Value::from(*g)).collect())),
        ("user_name", Value::from(user)),
    ])
}

/// The CI entry as state has it (read through the provider from the recording).
async fn ci_state() -> Value {
    let r = Recorded::new(vec![ok("eks/access_entry_ci.json")]).await;
    r.read(TYPE, &[(CI, &format!("hybrid-eks:{CI_ROLE}"), Value::Null)]).await.remove(0).expect("the entry exists")
}

#[tokio::test]
async fn create_sends_the_stack_token_and_type_and_then_plans_nothing() {
    let r = Recorded::new(vec![not_found(), ok("eks/access_entry_hybrid_nodes.json")]).await;
    let token = idempotency_token(LINEAGE, NODES, "");
    let resp =
        r.apply(TYPE, NODES, Change::Create { planned: hybrid_config(), idempotency_token: token.clone() }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);

    let sent = r.sent();
    assert_eq!(sent.len(), 2, "a look for an earlier run's entry, then the create: {sent:?}");
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("GET", &*format!("/clusters/hybrid-eks/access-entries/{NODE_ROLE}"))
    );
    let create = &sent[1];
    assert_eq!((create.method.as_str(), create.path.as_str()), ("POST", "/clusters/hybrid-eks/access-entries"));
    assert_eq!(create.body["clientRequestToken"], token.as_str(), "the journalled token, so a re-run repeats it");
    assert_eq!(create.body["type"], "HYBRID_LINUX");
    assert_eq!(create.body["principalArn"], NODE_ROLE);
    assert!(create.body.get("kubernetesGroups").is_none(), "EKS assigns a node entry's groups");
    assert_eq!(create.body["tags"]["tether:lineage"], LINEAGE);
    assert_eq!(create.body["tags"]["tether:address"], NODES);
    assert_eq!(create.body["tags"]["team"], "platform");

    let state = resp.new_state.expect("the created entry");
    assert_eq!(s(&state, "id"), format!("hybrid-eks:{NODE_ROLE}"));
    assert!(
        s(&state, "access_entry_arn").starts_with("arn:aws:eks:ap-northeast-2:111122223333:access-entry/hybrid-eks/")
    );
    assert_eq!(s(&state, "created_at"), "2025-06-02T01:15:30Z");
    assert_eq!(s(&state, "user_name"), "system:node:{{SessionName}}");
    assert_eq!(strings(&state, "kubernetes_groups"), ["system:nodes"]);
    assert_eq!(state.get("tags"), Some(&Value::map([("team", Value::from("platform"))])), "ownership tags stay hidden");

    // The next plan, against a fresh read, has nothing to do.
    let r = Recorded::new(vec![ok("eks/access_entry_hybrid_nodes.json")]).await;
    let read = r.read(TYPE, &[(NODES, s(&state, "id"), state.clone())]).await.remove(0).expect("still there");
    assert_eq!(read.unmark_deep(), state.unmark_deep());
    let plan = r.plan(TYPE, NODES, Some(read.clone()), hybrid_config());
    assert!(plan_is_empty(&plan, &read), "{}", plan.planned.render());
}

#[tokio::test]
async fn a_rerun_after_a_crash_adopts_the_entry_and_repeats_the_token() {
    // Run 1 crashed after CreateAccessEntry succeeded; run 2 finds the entry tagged as ours.
    let r = Recorded::new(vec![ok("eks/access_entry_hybrid_nodes.json")]).await;
    let token = idempotency_token(LINEAGE, NODES, "");
    let resp = r.apply(TYPE, NODES, Change::Create { planned: hybrid_config(), idempotency_token: token }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(r.sent().len(), 1, "no second CreateAccessEntry: {:?}", r.sent());
    assert!(r.progress.lock().unwrap().iter().any(|m| m.contains("adopting access entry")));
    assert_eq!(s(&resp.new_state.unwrap(), "type"), "HYBRID_LINUX");
}

#[tokio::test]
async fn an_entry_someone_else_made_is_not_taken_over() {
    // The CI entry carries another address's ownership tags.
    let r = Recorded::new(vec![ok("eks/access_entry_ci.json")]).await;
    let config = ci_config(&["viewers"], "ci");
    let token = idempotency_token(LINEAGE, "aws_eks_access_entry.other", "");
    let resp =
        r.apply(TYPE, "aws_eks_access_entry.other", Change::Create { planned: config, idempotency_token: token }).await;
    assert!(resp.new_state.is_none());
    let d = &resp.diagnostics[0];
    assert!(d.summary.contains("already has an access entry"), "{}", d.summary);
    assert!(d.help.as_deref().unwrap_or_default().contains("tether import"), "{:?}", d.help);
    assert_eq!(r.sent().len(), 1, "nothing created");
}

#[tokio::test]
async fn groups_and_user_name_change_in_place() {
    let prior = ci_state().await;
    let config = ci_config(&["viewers", "ops"], "ci-deployer");
    let r = Recorded::new(vec![ok("eks/access_entry_ci_updated.json"), ok("eks/access_entry_ci_updated.json")]).await;
    let plan = r.plan(TYPE, CI, Some(prior.clone()), config.clone());
    assert!(plan.requires_replace.is_empty(), "an update, not a replacement: {:?}", plan.requires_replace);
    assert!(!plan_is_empty(&plan, &prior));

    let resp = r.apply(TYPE, CI, Change::Update { prior: prior.clone(), planned: plan.planned.unmark_deep() }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let sent = r.sent();
    assert_eq!(sent.len(), 2, "UpdateAccessEntry and the read-back, no tag calls: {sent:?}");
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("POST", &*format!("/clusters/hybrid-eks/access-entries/{CI_ROLE}"))
    );
    assert_eq!(sent[0].body["kubernetesGroups"], serde_json::json!(["ops", "viewers"]));
    assert_eq!(sent[0].body["username"], "ci-deployer");
    assert!(sent.iter().all(|q| q.method != "DELETE"), "never deleted");

    let state = resp.new_state.unwrap();
    assert_eq!(strings(&state, "kubernetes_groups"), ["ops", "viewers"]);
    assert_eq!(s(&state, "user_name"), "ci-deployer");
    assert_eq!(s(&state, "modified_at"), "2025-06-09T08:42:11Z");
    assert_eq!(s(&state, "access_entry_arn"), s(&prior, "access_entry_arn"), "the same entry");
    assert!(plan_is_empty(&r.plan(TYPE, CI, Some(state.clone()), config), &state));
}

#[tokio::test]
async fn type_principal_and_cluster_changes_replace_the_entry() {
    let prior = ci_state().await;
    let r = Recorded::new(vec![]).await;
    let mut config = ci_config(&["viewers"], "ci");
    config.set_path(&AttrPath::attr("principal_arn"), Value::from("arn:aws:iam::111122223333:role/ci-deployer-v2"));
    let plan = r.plan(TYPE, CI, Some(prior), config);
    assert_eq!(plan.requires_replace, [AttrPath::attr("principal_arn")]);
}

#[tokio::test]
async fn a_group_added_by_hand_is_found_and_planned_away() {
    let prior = ci_state().await;
    let r = Recorded::new(vec![ok("eks/access_entry_ci_edited_by_hand.json")]).await;
    let read = r.read(TYPE, &[(CI, s(&prior, "id"), prior.clone())]).await.remove(0).unwrap();
    assert_eq!(strings(&read, "kubernetes_groups"), ["system:masters", "viewers"], "the hand edit shows");
    assert_ne!(read.unmark_deep(), prior.unmark_deep(), "drift");
    let plan = r.plan(TYPE, CI, Some(read), ci_config(&["viewers"], "ci"));
    assert!(plan.requires_replace.is_empty(), "fixed in place");
    assert_eq!(strings(&plan.planned, "kubernetes_groups"), ["viewers"]);
}

#[tokio::test]
async fn an_entry_deleted_outside_tether_reads_as_gone_and_deletes_cleanly() {
    let prior = ci_state().await;
    let r = Recorded::new(vec![not_found(), not_found()]).await;
    let found = r.read(TYPE, &[(CI, s(&prior, "id"), prior.clone())]).await;
    assert_eq!(found, [None], "gone, which the plan shows as a create");
    let resp = r.apply(TYPE, CI, Change::Delete { prior }).await;
    assert!(resp.diagnostics.is_empty(), "deleting what is gone succeeds: {:?}", resp.diagnostics);
}

#[tokio::test]
async fn delete_removes_the_entry() {
    let prior = ci_state().await;
    let r = Recorded::new(vec![ok("eks/empty.json")]).await;
    let resp = r.apply(TYPE, CI, Change::Delete { prior }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert!(resp.new_state.is_none());
    let sent = r.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("DELETE", &*format!("/clusters/hybrid-eks/access-entries/{CI_ROLE}"))
    );
}

#[tokio::test]
async fn import_by_cluster_and_principal() {
    let r = Recorded::new(vec![ok("eks/access_entry_ci.json")]).await;
    let resp = r
        .provider
        .import_resource(ImportRequest {
            type_name: TYPE.into(),
            address: CI.into(),
            id: format!("hybrid-eks:{CI_ROLE}"),
        })
        .await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let state = resp.state.unwrap();
    assert_eq!(s(&state, "principal_arn"), CI_ROLE);
    assert_eq!(strings(&state, "kubernetes_groups"), ["viewers"]);
    assert_eq!(r.sent()[0].path, format!("/clusters/hybrid-eks/access-entries/{CI_ROLE}"));

    let r = Recorded::new(vec![]).await;
    let resp = r
        .provider
        .import_resource(ImportRequest { type_name: TYPE.into(), address: CI.into(), id: "ci-deployer".into() })
        .await;
    assert!(resp.diagnostics[0].help.as_deref().unwrap_or_default().contains("cluster_name:principal_arn"));
    assert!(r.sent().is_empty(), "a malformed ID makes no call");
}

#[tokio::test]
async fn groups_on_a_node_entry_are_rejected_before_any_call() {
    let r = Recorded::new(vec![]).await;
    let mut config = hybrid_config();
    config.set_path(&AttrPath::attr("kubernetes_groups"), Value::List(vec![Value::from("ops")]));
    let diags = r.provider.validate_resource(TYPE, &config);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].attribute, Some(AttrPath::attr("kubernetes_groups")));
    assert!(diags[0].summary.contains("HYBRID_LINUX"), "{}", diags[0].summary);
    assert!(diags[0].help.as_deref().unwrap_or_default().contains("remove kubernetes_groups"));
    assert!(r.sent().is_empty());
}
