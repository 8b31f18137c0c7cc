//! `aws_ssm_activation` against recorded SSM responses (the emulator has no activations): what
//! the provider sends, what it returns, that the activation code stays secret and survives
//! reads, and what a plan then shows.

use crate::replay::{ok, plan_is_empty, reply, s, Recorded, LINEAGE};
use tether_sdk::{idempotency_token, AttrPath, Change, Provider, Value};

const TYPE: &str = "aws_ssm_activation";
const GPU: &str = "aws_ssm_activation.gpu_nodes";
const CPU: &str = "aws_ssm_activation.cpu_nodes";
const ID: &str = "4f8c2d1a-9b3e-4c7f-a1d2-6e5b8f0c3a17";
const CODE: &str = "Xq7pT2vLmN9kR4sWbY3e";

fn config() -> Value {
    Value::map([
        ("name", Value::from("gpu-h100")),
        ("description", Value::from("H100 hybrid nodes, rack 3")),
        ("iam_role", Value::from("EKSHybridNodeRole")),
        ("registration_limit", Value::int(10)),
        // Written with an offset; AWS answers in UTC, and the plan must still be empty.
        ("expiration_date", Value::from("2026-05-01T09:00:00+09:00")),
        ("tags", Value::map([("team", Value::from("platform"))])),
    ])
}

/// What the engine hands the provider to create: the plan of `config()`.
fn planned(r: &Recorded) -> Value {
    r.plan(TYPE, GPU, None, config()).planned.unmark_deep()
}

fn create(r: &Recorded) -> Change {
    Change::Create { planned: planned(r), idempotency_token: idempotency_token(LINEAGE, GPU, "") }
}

/// The activation as state has it after the create (the code is in state, unmarked).
fn state() -> Value {
    Value::map([
        ("id", Value::from(ID)),
        ("name", Value::from("gpu-h100")),
        ("description", Value::from("H100 hybrid nodes, rack 3")),
        ("iam_role", Value::from("EKSHybridNodeRole")),
        ("registration_limit", Value::int(10)),
        ("expiration_date", Value::from("2026-05-01T00:00:00Z")),
        ("activation_code", Value::from(CODE)),
        ("expired", Value::Bool(false)),
        ("registration_count", Value::int(0)),
        ("tags", Value::map([("team", Value::from("platform"))])),
        ("tags_all", Value::map([("team", Value::from("platform"))])),
    ])
}

fn code_of(v: &Value) -> &Value {
    v.get("activation_code").expect("an activation_code attribute")
}

#[tokio::test]
async fn create_returns_the_code_as_a_secret_and_then_plans_nothing() {
    let r = Recorded::new(vec![
        ok("ssm/describe_activations_empty.json"),
        ok("ssm/create_activation.json"),
        ok("ssm/describe_activations.json"),
    ])
    .await;
    let resp = r.apply(TYPE, GPU, create(&r)).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);

    let sent = r.sent();
    let targets: Vec<&str> = sent.iter().filter_map(|q| q.target.as_deref()).collect();
    assert_eq!(
        targets,
        ["AmazonSSM.DescribeActivations", "AmazonSSM.CreateActivation", "AmazonSSM.DescribeActivations"],
        "a look for an interrupted run's activation, the create, the read-back"
    );
    assert_eq!(sent[0].body["Filters"][0]["FilterKey"], "IamRole");
    let c = &sent[1].body;
    assert_eq!(c["IamRole"], "EKSHybridNodeRole");
    assert_eq!(c["DefaultInstanceName"], "gpu-h100");
    assert_eq!(c["RegistrationLimit"], 10);
    assert_eq!(c["ExpirationDate"].as_f64(), Some(1777593600.0), "2026-05-01T00:00:00Z");
    let tags: Vec<(String, String)> = c["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["Key"].as_str().unwrap().to_string(), t["Value"].as_str().unwrap().to_string()))
        .collect();
    assert!(tags.contains(&("tether:lineage".into(), LINEAGE.into())), "{tags:?}");
    assert!(tags.contains(&("tether:address".into(), GPU.into())), "{tags:?}");
    assert!(tags.contains(&("team".into(), "platform".into())), "{tags:?}");
    assert_eq!(sent[2].body["Filters"][0]["FilterKey"], "ActivationIds");
    assert_eq!(sent[2].body["Filters"][0]["FilterValues"], serde_json::json!([ID]));

    let created = resp.new_state.expect("the activation");
    assert_eq!(s(&created, "id"), ID);
    assert!(matches!(code_of(&created), Value::Sensitive(_)), "the code is marked secret");
    assert_eq!(code_of(&created).peel().as_str(), Some(CODE), "and is the one CreateActivation returned");
    assert!(!created.render().contains(CODE), "never printed: {}", created.render());
    assert_eq!(s(&created, "expiration_date"), "2026-05-01T00:00:00Z");
    assert_eq!(created.get("registration_count"), Some(&Value::int(0)));
    assert_eq!(created.get("expired"), Some(&Value::Bool(false)));
    assert_eq!(created.unmark_deep(), state());

    // The next plan, against a fresh read, has nothing to do (and still knows the code).
    let r = Recorded::new(vec![ok("ssm/describe_activations.json")]).await;
    let read = r.read(TYPE, &[(GPU, ID, created.unmark_deep())]).await.remove(0).expect("still there");
    assert_eq!(code_of(&read).peel().as_str(), Some(CODE));
    let plan = r.plan(TYPE, GPU, Some(read.clone()), config());
    assert!(plan_is_empty(&plan, &read), "{}", plan.planned.render());
}

#[tokio::test]
async fn every_activation_is_read_in_one_call_and_keeps_its_code() {
    let r = Recorded::new(vec![ok("ssm/describe_activations_two.json")]).await;
    let cpu_id = "c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c";
    let mut cpu_prior = state();
    cpu_prior.set_path(&AttrPath::attr("activation_code"), Value::from("CpuCodeB8m2Kd0Qz5Vt"));
    let found = r.read(TYPE, &[(GPU, ID, state()), (CPU, cpu_id, cpu_prior)]).await;
    let sent = r.sent();
    assert_eq!(sent.len(), 1, "one DescribeActivations for the whole type");
    assert_eq!(sent[0].body["Filters"][0]["FilterValues"], serde_json::json!([ID, cpu_id]));
    let (gpu, cpu) = (found[0].as_ref().unwrap(), found[1].as_ref().unwrap());
    assert_eq!(code_of(gpu).peel().as_str(), Some(CODE));
    assert_eq!(code_of(cpu).peel().as_str(), Some("CpuCodeB8m2Kd0Qz5Vt"));
    assert!(matches!(code_of(cpu), Value::Sensitive(_)));
    assert_eq!(gpu.get("registration_count"), Some(&Value::int(8)), "nodes that registered show up");
}

#[tokio::test]
async fn tags_edited_by_hand_are_found_and_replace_the_activation() {
    let r = Recorded::new(vec![ok("ssm/describe_activations_retagged.json")]).await;
    let read = r.read(TYPE, &[(GPU, ID, state())]).await.remove(0).unwrap();
    assert_eq!(read.get("tags"), Some(&Value::map([("team", Value::from("ml-infra"))])), "the hand edit shows");
    assert_eq!(code_of(&read).peel().as_str(), Some(CODE));
    // SSM cannot re-tag an activation, so (as in Terraform) putting the tags back means a new one.
    let plan = r.plan(TYPE, GPU, Some(read), config());
    assert_eq!(plan.requires_replace, [AttrPath::attr("tags")]);
    assert!(plan.planned.get("activation_code").is_some_and(Value::is_unknown), "a new code after apply");
}

#[tokio::test]
async fn changing_tags_in_the_stack_plans_a_replacement_without_any_call() {
    let r = Recorded::new(vec![]).await;
    let mut config = config();
    config.set_path(&AttrPath::attr("tags"), Value::map([("team", Value::from("ml-infra"))]));
    let plan = r.plan(TYPE, GPU, Some(state()), config);
    assert_eq!(plan.requires_replace, [AttrPath::attr("tags")]);
    assert!(r.sent().is_empty());
}

#[tokio::test]
async fn an_activation_deleted_outside_tether_reads_as_gone_and_deletes_cleanly() {
    let r =
        Recorded::new(vec![ok("ssm/describe_activations_empty.json"), reply(400, "ssm/invalid_activation.json", None)])
            .await;
    assert_eq!(r.read(TYPE, &[(GPU, ID, state())]).await, [None]);
    let resp = r.apply(TYPE, GPU, Change::Delete { prior: state() }).await;
    assert!(resp.diagnostics.is_empty(), "deleting what is gone succeeds: {:?}", resp.diagnostics);
}

#[tokio::test]
async fn delete_removes_the_activation() {
    let r = Recorded::new(vec![ok("ssm/empty.json")]).await;
    let resp = r.apply(TYPE, GPU, Change::Delete { prior: state() }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let sent = r.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].target.as_deref(), Some("AmazonSSM.DeleteActivation"));
    assert_eq!(sent[0].body["ActivationId"], ID);
}

#[tokio::test]
async fn a_rerun_after_a_crash_replaces_the_activation_whose_code_was_lost() {
    // Run 1 crashed after CreateActivation: 7e1d... carries our tags, but its code is gone.
    let r = Recorded::new(vec![
        ok("ssm/describe_activations_by_role.json"),
        ok("ssm/empty.json"),
        ok("ssm/create_activation.json"),
        ok("ssm/describe_activations.json"),
    ])
    .await;
    let resp = r.apply(TYPE, GPU, create(&r)).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let sent = r.sent();
    let deletes: Vec<&serde_json::Value> = sent
        .iter()
        .filter(|q| q.target.as_deref() == Some("AmazonSSM.DeleteActivation"))
        .map(|q| &q.body["ActivationId"])
        .collect();
    assert_eq!(deletes, ["7e1d9c3b-2a4f-4e6d-8c0b-1a3f5e7d9b2c"], "only ours; the hand-made one is left alone");
    assert_eq!(sent[2].target.as_deref(), Some("AmazonSSM.CreateActivation"), "then a new one");
    let progress = r.progress.lock().unwrap().join("\n");
    assert!(progress.contains("cannot be read back"), "the user is told why: {progress}");
    let state = resp.new_state.unwrap();
    assert_eq!(s(&state, "id"), ID);
    assert_eq!(code_of(&state).peel().as_str(), Some(CODE), "a usable code");
}

#[tokio::test]
async fn a_bad_expiration_date_is_rejected_before_any_call() {
    let r = Recorded::new(vec![]).await;
    let mut config = config();
    config.set_path(&AttrPath::attr("expiration_date"), Value::from("next Friday"));
    let diags = r.provider.validate_resource(TYPE, &config);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].attribute, Some(AttrPath::attr("expiration_date")));
    assert!(diags[0].help.as_deref().unwrap_or_default().contains("2026-05-01T00:00:00Z"));
    assert!(r.sent().is_empty());
}
