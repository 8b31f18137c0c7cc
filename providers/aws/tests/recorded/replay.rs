//! Replays recorded AWS responses (the JSON files beside this one) to the provider, for APIs the
//! emulator lacks, and shows the tests the requests the provider made instead.
//!
//! Responses are served in order, one per request; the provider is pointed at a loopback
//! endpoint as well, so nothing could leave the machine even if the replay client were missing.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::http::{Request, Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use tether_aws::AwsProvider;
use tether_sdk::{
    ApplyRequest, ApplyResponse, Change, ConfigureRequest, PlanRequest, PlanResponse, Progress, Provider, ReadItem,
    ReadRequest, Value,
};

/// The lineage of the stack the recordings were made for (their ownership tags carry it).
pub const LINEAGE: &str = "5d0c8a1e-7b44-4c2a-9f0e-2f6b1c3d4e5f";

/// A recorded response file under `tests/recorded/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/recorded/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A response with `status` and the body of fixture `name`; `error_type` is the
/// `x-amzn-errortype` header REST-JSON services (EKS) name their errors with.
pub fn reply(status: u16, name: &str, error_type: Option<&str>) -> ReplayEvent {
    let mut resp = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(fixture(name)));
    // EKS speaks REST-JSON, SSM awsJson 1.1, EC2 its query protocol with XML answers.
    let content_type = if name.starts_with("eks/") {
        "application/json"
    } else if name.starts_with("ec2/") {
        "text/xml;charset=UTF-8"
    } else {
        "application/x-amz-json-1.1"
    };
    resp.headers_mut().insert("content-type", content_type);
    resp.headers_mut().insert("x-amzn-requestid", "0f6a2b1c-8d7e-4f3a-9b2c-1d0e9f8a7b6c");
    if let Some(t) = error_type {
        resp.headers_mut().insert("x-amzn-errortype", t.to_string());
    }
    // The replay client compares nothing unless asked to: the expected request is a placeholder.
    ReplayEvent::new(Request::new(SdkBody::empty()), resp)
}

pub fn ok(name: &str) -> ReplayEvent {
    reply(200, name, None)
}

/// One request the provider made.
#[derive(Debug)]
pub struct Sent {
    pub method: String,
    /// The path, percent-decoded (`/clusters/c/access-entries/arn:aws:iam::1:role/r`).
    pub path: String,
    /// `X-Amz-Target` (awsJson services: `AmazonSSM.CreateActivation`).
    pub target: Option<String>,
    pub body: serde_json::Value,
}

/// A provider configured against recorded responses.
pub struct Recorded {
    replay: StaticReplayClient,
    pub provider: AwsProvider,
    pub progress: Arc<Mutex<Vec<String>>>,
}

impl Recorded {
    pub async fn new(responses: Vec<ReplayEvent>) -> Recorded {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/dev/null");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        let replay = StaticReplayClient::new(responses);
        let provider = AwsProvider::with_http_client(replay.clone());
        let config = Value::map([
            ("region", Value::from("ap-northeast-2")),
            ("endpoint_url", Value::from("http://127.0.0.1:9")),
        ]);
        let diags = provider.configure(ConfigureRequest { config, lineage: LINEAGE.into() }).await;
        assert!(diags.is_empty(), "{diags:?}");
        Recorded { replay, provider, progress: Arc::default() }
    }

    /// Every request made so far, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.replay
            .actual_requests()
            .map(|r| {
                let uri = r.uri().to_string();
                let path = uri.split("://").nth(1).map(|rest| &rest[rest.find('/').unwrap_or(rest.len())..]);
                Sent {
                    method: r.method().to_string(),
                    path: percent_decode(path.unwrap_or(&uri).split('?').next().unwrap_or_default()),
                    target: r.headers().get("x-amz-target").map(str::to_string),
                    body: r
                        .body()
                        .bytes()
                        .filter(|b| !b.is_empty())
                        .map(|b| serde_json::from_slice(b).unwrap_or_else(|_| form_body(b)))
                        .unwrap_or(serde_json::Value::Null),
                }
            })
            .collect()
    }

    pub async fn apply(&self, type_name: &str, address: &str, change: Change) -> ApplyResponse {
        let log = self.progress.clone();
        self.provider
            .apply_resource(ApplyRequest {
                type_name: type_name.into(),
                address: address.into(),
                lineage: LINEAGE.into(),
                change,
                progress: Progress::new(move |m| log.lock().unwrap().push(m.to_string())),
            })
            .await
    }

    /// Reads `(address, id, prior)` items in one batched request; the state of each, in order.
    pub async fn read(&self, type_name: &str, items: &[(&str, &str, Value)]) -> Vec<Option<Value>> {
        let resp = self
            .provider
            .read_resources(ReadRequest {
                type_name: type_name.into(),
                items: items
                    .iter()
                    .map(|(a, id, prior)| ReadItem { address: a.to_string(), id: id.to_string(), prior: prior.clone() })
                    .collect(),
            })
            .await;
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        resp.results.into_iter().map(|r| r.state).collect()
    }

    pub fn plan(&self, type_name: &str, address: &str, prior: Option<Value>, config: Value) -> PlanResponse {
        self.provider.plan_resource(PlanRequest { type_name: type_name.into(), address: address.into(), prior, config })
    }
}

/// True when planning `config` against `prior` changes nothing (what `tether plan` shows as no
/// changes for the resource).
pub fn plan_is_empty(plan: &PlanResponse, prior: &Value) -> bool {
    plan.requires_replace.is_empty() && plan.planned.unmark_deep() == prior.unmark_deep()
}

/// A string attribute of a value.
pub fn s<'v>(v: &'v Value, k: &str) -> &'v str {
    v.get(k).and_then(|x| x.peel().as_str()).unwrap_or_else(|| panic!("no string {k} in {}", v.render()))
}

/// A list-of-strings attribute of a value.
pub fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k).and_then(Value::as_list).unwrap_or(&[]).iter().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// A form-encoded request body (EC2's query protocol: `Action=...&Name=value`) as a JSON object
/// of its decoded fields.
fn form_body(bytes: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(bytes);
    let fields = text
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), serde_json::Value::String(percent_decode(&v.replace('+', " ")))))
        .collect();
    serde_json::Value::Object(fields)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
