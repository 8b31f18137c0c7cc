//! Provider settings and the SDK clients built from them.
//!
//! Credentials and region come from the standard AWS chain (environment, profile, SSO, IMDS);
//! `region`, `endpoint_url` (or `AWS_ENDPOINT_URL`) and `max_retries` in the provider block
//! override it. Throttling and 5xx responses are retried by the SDK's standard retry mode with
//! exponential backoff and jitter.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use tether_sdk::Value;

/// The evaluated `provider "aws" { ... }` block.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub default_tags: BTreeMap<String, String>,
    pub max_retries: Option<u32>,
}

impl Settings {
    pub fn from_value(v: &Value) -> Settings {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let default_tags = v
            .get("default_tags")
            .and_then(|d| d.get("tags"))
            .and_then(Value::as_map)
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
            .unwrap_or_default();
        Settings {
            region: s("region"),
            endpoint_url: s("endpoint_url"),
            default_tags,
            max_retries: v.get("max_retries").and_then(Value::as_i64).map(|n| n.clamp(1, 100) as u32),
        }
    }
}

/// Counts (and, with `TETHER_LOG=aws`, prints) every HTTP attempt the SDK makes, so a refresh's
/// API budget can be seen and tested.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    count: Arc<AtomicUsize>,
    print: bool,
}

impl CallLog {
    pub fn new() -> CallLog {
        let print = std::env::var("TETHER_LOG").is_ok_and(|v| v.split(',').any(|p| p == "aws" || p == "debug"));
        CallLog { count: Arc::new(AtomicUsize::new(0)), print }
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "tether-call-log"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.count.fetch_add(1, Ordering::SeqCst);
        if self.print {
            let op = cfg
                .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
                .map(|m| format!("{}.{}", m.service(), m.name()))
                .unwrap_or_else(|| "unknown".into());
            eprintln!("[aws] {op}");
        }
        Ok(())
    }
}

/// The clients a run uses.
#[derive(Clone, Debug)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub eks: aws_sdk_eks::Client,
    pub iam: aws_sdk_iam::Client,
    pub rolesanywhere: aws_sdk_rolesanywhere::Client,
    pub resolver: aws_sdk_route53resolver::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub calls: CallLog,
}

/// Builds the clients, sending every request through `http_client` when one is given (tests
/// replay recorded responses this way); otherwise through the SDK's default HTTPS client.
pub async fn build(settings: &Settings, http_client: Option<SharedHttpClient>) -> Clients {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(http) = http_client {
        loader = loader.http_client(http);
    }
    if let Some(r) = &settings.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    let retry = aws_config::retry::RetryConfig::standard().with_max_attempts(settings.max_retries.unwrap_or(8));
    let sdk = loader.retry_config(retry).load().await;
    let calls = CallLog::new();
    let ec2_conf = aws_sdk_ec2::config::Builder::from(&sdk).interceptor(calls.clone()).build();
    let eks_conf = aws_sdk_eks::config::Builder::from(&sdk).interceptor(calls.clone()).build();
    let resolver_conf = aws_sdk_route53resolver::config::Builder::from(&sdk).interceptor(calls.clone()).build();
    let ssm_conf = aws_sdk_ssm::config::Builder::from(&sdk).interceptor(calls.clone()).build();
    let iam_conf = aws_sdk_iam::config::Builder::from(&sdk).interceptor(calls.clone()).build();
    let ra_conf = aws_sdk_rolesanywhere::config::Builder::from(&sdk).interceptor(calls.clone()).build();
    Clients {
        ec2: aws_sdk_ec2::Client::from_conf(ec2_conf),
        eks: aws_sdk_eks::Client::from_conf(eks_conf),
        iam: aws_sdk_iam::Client::from_conf(iam_conf),
        rolesanywhere: aws_sdk_rolesanywhere::Client::from_conf(ra_conf),
        resolver: aws_sdk_route53resolver::Client::from_conf(resolver_conf),
        ssm: aws_sdk_ssm::Client::from_conf(ssm_conf),
        calls,
    }
}
