//! A moto AWS emulator for one test, on a free 127.0.0.1 port, stopped when dropped; and a way
//! to run the real binary against it. Install moto with ./scripts/moto-setup (./scripts/test
//! does).

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const REGION: &str = "ap-northeast-2";

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        // moto plus the APIs it lacks (scripts/moto_ext.py); TETHER_MOTO_SERVER names another
        // server taking moto_server's options instead.
        let mut cmd = match std::env::var_os("TETHER_MOTO_SERVER") {
            Some(bin) => Command::new(PathBuf::from(bin)),
            None => {
                let python = root.join(".venv/bin/python");
                assert!(python.exists(), "moto is not installed at {}: run ./scripts/moto-setup", python.display());
                let mut cmd = Command::new(python);
                cmd.arg(root.join("scripts/moto_ext.py"));
                cmd
            }
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = cmd
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start on 127.0.0.1:{port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, endpoint: format!("http://127.0.0.1:{port}") }
    }

    /// An EC2 client on the emulator, for checking what tether did and for out-of-band changes.
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        let creds = aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = aws_sdk_ec2::config::Builder::new()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(creds)
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    /// An EKS client on the emulator.
    pub fn eks(&self) -> tether_aws::eks::sdk::Client {
        use tether_aws::eks::sdk as eks;
        let creds = eks::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = eks::config::Builder::new()
            .behavior_version(eks::config::BehaviorVersion::latest())
            .region(eks::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(creds)
            .build();
        eks::Client::from_conf(conf)
    }

    /// A Route 53 Resolver client on the emulator.
    pub fn resolver(&self) -> tether_aws::route53resolver::sdk::Client {
        use tether_aws::route53resolver::sdk as r53r;
        let creds = r53r::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = r53r::config::Builder::new()
            .behavior_version(r53r::config::BehaviorVersion::latest())
            .region(r53r::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(creds)
            .build();
        r53r::Client::from_conf(conf)
    }

    /// An IAM client on the emulator.
    pub fn iam(&self) -> tether_aws::iam::sdk::Client {
        use tether_aws::iam::sdk as iam;
        let creds = iam::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = iam::config::Builder::new()
            .behavior_version(iam::config::BehaviorVersion::latest())
            .region(iam::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(creds)
            .build();
        iam::Client::from_conf(conf)
    }

    /// An IAM Roles Anywhere client on the emulator.
    pub fn rolesanywhere(&self) -> tether_aws::rolesanywhere::sdk::Client {
        use tether_aws::rolesanywhere::sdk as ra;
        let creds = ra::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = ra::config::Builder::new()
            .behavior_version(ra::config::BehaviorVersion::latest())
            .region(ra::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(creds)
            .build();
        ra::Client::from_conf(conf)
    }

    /// Runs `tether --stack DIR ARGS` against the emulator, logging every API call to stderr.
    pub fn tether(&self, dir: &Path, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_tether"))
            .arg("--stack")
            .arg(dir)
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("TETHER_LOG", "aws")
            .env("NO_COLOR", "1")
            .env_remove("TETHER_MOCK_CLOUD")
            .output()
            .expect("run tether");
        Run::from(out)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    /// The AWS API calls made, as logged with TETHER_LOG=aws (`EC2.DescribeVpcs`, ...).
    pub fn api_calls(&self) -> Vec<String> {
        self.stderr.lines().filter_map(|l| l.strip_prefix("[aws] ")).map(str::to_string).collect()
    }
}

/// A stack directory with the given files.
pub fn stack(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

pub fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A tokio runtime for SDK calls in a synchronous test.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

pub const PROVIDER: &str = "provider \"aws\" {\n  region = \"ap-northeast-2\"\n}\n";
