//! Throttling and 5xx responses are retried with backoff; other errors are reported once, with
//! the AWS error code, message and resource address. A scripted HTTP server on 127.0.0.1 plays
//! the EC2 endpoint, since the emulator cannot be told to fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tether_aws::AwsProvider;
use tether_sdk::{ConfigureRequest, Provider, ReadItem, ReadRequest, Value};

const EMPTY_VPCS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><vpcSet/></DescribeVpcsResponse>"#;

fn error_xml(code: &str, message: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>r-2</RequestID></Response>"#
    )
}

/// Serves the scripted (status, body) responses in order, one per request; counts requests.
fn serve(script: Vec<(u16, String)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        let mut script = script.into_iter();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            // One connection may carry several requests (keep-alive).
            loop {
                let mut len = 0usize;
                let mut line = String::new();
                let mut got_request = false;
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    got_request = true;
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                if !got_request {
                    break;
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                counter.fetch_add(1, Ordering::SeqCst);
                let (status, text) = script.next().unwrap_or((500, error_xml("InternalError", "script ran out")));
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{text}",
                    text.len()
                );
                if writer.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (url, seen)
}

async fn provider(endpoint: &str) -> AwsProvider {
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/dev/null");
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    let p = AwsProvider::new();
    let config = Value::map([
        ("region", Value::from("ap-northeast-2")),
        ("endpoint_url", Value::from(endpoint)),
        ("max_retries", Value::int(4)),
    ]);
    let diags = p.configure(ConfigureRequest { config, lineage: "lin".into() }).await;
    assert!(diags.is_empty(), "{diags:?}");
    p
}

fn read_one_vpc() -> ReadRequest {
    ReadRequest {
        type_name: "aws_vpc".into(),
        items: vec![ReadItem { address: "aws_vpc.main".into(), id: "vpc-1".into(), prior: Value::Null }],
    }
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried() {
    let (url, seen) = serve(vec![
        (503, error_xml("RequestLimitExceeded", "Request limit exceeded.")),
        (500, error_xml("InternalError", "An internal error has occurred.")),
        (200, EMPTY_VPCS.to_string()),
    ]);
    let p = provider(&url).await;
    let resp = p.read_resources(read_one_vpc()).await;
    assert!(resp.diagnostics.is_empty(), "retried until it succeeded: {:?}", resp.diagnostics);
    assert_eq!(resp.results.len(), 1);
    assert!(resp.results[0].state.is_none(), "the VPC is gone");
    assert_eq!(seen.load(Ordering::SeqCst), 3, "two failures, then the success");
}

#[tokio::test]
async fn other_errors_are_reported_once_with_code_message_and_address() {
    let (url, seen) =
        serve(vec![(400, error_xml("UnauthorizedOperation", "You are not authorized to perform this operation."))]);
    let p = provider(&url).await;
    let resp = p.read_resources(read_one_vpc()).await;
    assert_eq!(resp.diagnostics.len(), 1);
    let d = &resp.diagnostics[0];
    assert_eq!(d.code.as_deref(), Some("aws::UnauthorizedOperation"));
    assert!(d.summary.contains("You are not authorized"), "{}", d.summary);
    assert!(d.summary.contains("DescribeVpcs"), "names the call: {}", d.summary);
    assert!(d.help.as_deref().unwrap_or_default().contains("credentials"), "{:?}", d.help);
    assert_eq!(d.address.as_deref(), Some("aws_vpc"), "reads are batched per type, so the type is named");
    assert!(d.detail.as_deref().unwrap_or_default().contains("aws_vpc.main"), "and the resources: {:?}", d.detail);
    assert_eq!(seen.load(Ordering::SeqCst), 1, "not retried");
}
