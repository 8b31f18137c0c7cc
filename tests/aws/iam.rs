//! aws_iam_role, aws_iam_policy, aws_iam_role_policy_attachment and aws_iam_instance_profile
//! against the moto emulator: create (ownership tags), empty re-plan, update in place (trust
//! policy, document, role of a profile), out-of-band change found, import, destroy; each
//! checked through the emulator's IAM API.

use super::moto;

use moto::{stack, write, Moto, PROVIDER};

fn iam_stack(service: &str, action: &str, profile_role: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_iam_role\" \"nodes\" {{
  name = \"hybrid-nodes\"
  assume_role_policy = jsonencode({{
    Version = \"2012-10-17\"
    Statement = [{{
      Effect    = \"Allow\"
      Principal = {{ Service = \"{service}\" }}
      Action    = \"sts:AssumeRole\"
    }}]
  }})
  tags = {{
    Name = \"hybrid-nodes\"
  }}
}}

resource \"aws_iam_role\" \"spare\" {{
  name = \"spare\"
  assume_role_policy = jsonencode({{
    Version   = \"2012-10-17\"
    Statement = [{{ Effect = \"Allow\", Principal = {{ Service = \"ec2.amazonaws.com\" }}, Action = \"sts:AssumeRole\" }}]
  }})
}}

resource \"aws_iam_policy\" \"describe\" {{
  name        = \"describe-cluster\"
  description = \"nodeadm reads the cluster\"
  policy = jsonencode({{
    Version   = \"2012-10-17\"
    Statement = [{{ Effect = \"Allow\", Action = [\"{action}\"], Resource = \"*\" }}]
  }})
}}

resource \"aws_iam_role_policy_attachment\" \"describe\" {{
  role       = aws_iam_role.nodes.name
  policy_arn = aws_iam_policy.describe.arn
}}

resource \"aws_iam_role_policy_attachment\" \"ecr\" {{
  role       = aws_iam_role.nodes.name
  policy_arn = \"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly\"
}}

resource \"aws_iam_instance_profile\" \"nodes\" {{
  name = \"hybrid-nodes\"
  role = aws_iam_role.{profile_role}.name
}}

output \"policy\" {{
  value = aws_iam_policy.describe.arn
}}
"
    )
}

fn attached(moto: &Moto, rt: &tokio::runtime::Runtime, role: &str) -> Vec<String> {
    let out = rt.block_on(moto.iam().list_attached_role_policies().role_name(role).send()).unwrap();
    let mut v: Vec<String> =
        out.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect();
    v.sort();
    v
}

fn trust_of(moto: &Moto, rt: &tokio::runtime::Runtime, role: &str) -> String {
    let r = rt.block_on(moto.iam().get_role().role_name(role).send()).unwrap();
    r.role().unwrap().assume_role_policy_document().unwrap_or_default().to_string()
}

#[test]
fn roles_policies_attachments_and_profiles_lifecycle() {
    let moto = Moto::start();
    let iam = moto.iam();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &iam_stack("ssm.amazonaws.com", "eks:DescribeCluster", "nodes"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let policy = moto.tether(dir.path(), &["output", "--raw", "policy"]).expect(0).stdout.trim().to_string();
    assert!(trust_of(&moto, &rt, "hybrid-nodes").contains("ssm.amazonaws.com"));
    let role = rt.block_on(iam.get_role().role_name("hybrid-nodes").send()).unwrap();
    let tags: Vec<(&str, &str)> = role.role().unwrap().tags().iter().map(|t| (t.key(), t.value())).collect();
    assert!(tags.contains(&("tether:address", "aws_iam_role.nodes")), "tagged at creation: {tags:?}");
    assert_eq!(
        attached(&moto, &rt, "hybrid-nodes"),
        [policy.clone(), "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly".to_string()]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    let profile = rt.block_on(iam.get_instance_profile().instance_profile_name("hybrid-nodes").send()).unwrap();
    assert_eq!(profile.instance_profile().unwrap().roles()[0].role_name(), "hybrid-nodes");
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let details = plan.api_calls().iter().filter(|c| c.ends_with("GetAccountAuthorizationDetails")).count();
    assert!(details <= 3, "roles, attachments and policies each read in one call: {:?}", plan.api_calls());

    // In place: the trust policy, the policy document (a new default version) and the
    // profile's role change without replacing anything.
    write(dir.path(), "main.hcl", &iam_stack("rolesanywhere.amazonaws.com", "eks:ListClusters", "spare"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert!(trust_of(&moto, &rt, "hybrid-nodes").contains("rolesanywhere.amazonaws.com"));
    let versions = rt.block_on(iam.list_policy_versions().policy_arn(&policy).send()).unwrap();
    assert_eq!(versions.versions().len(), 2, "a new default version");
    let profile = rt.block_on(iam.get_instance_profile().instance_profile_name("hybrid-nodes").send()).unwrap();
    assert_eq!(profile.instance_profile().unwrap().roles()[0].role_name(), "spare");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: a managed policy detached and the role's tag changed are drift.
    rt.block_on(
        iam.detach_role_policy()
            .role_name("hybrid-nodes")
            .policy_arn("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly")
            .send(),
    )
    .unwrap();
    let renamed = tether_aws::iam::sdk::types::Tag::builder().key("Name").value("by-hand").build().unwrap();
    rt.block_on(iam.tag_role().role_name("hybrid-nodes").tags(renamed).send()).unwrap();
    let drift = moto.tether(dir.path(), &["drift"]).expect(2);
    assert!(drift.stdout.contains("aws_iam_role_policy_attachment.ecr was deleted outside tether"), "{}", drift.stdout);
    assert!(drift.stdout.contains("aws_iam_role.nodes was changed outside tether"), "{}", drift.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["drift"]).expect(0);

    // Import: by name, by ARN, and by Terraform's role/policy form.
    for (addr, id) in [
        ("aws_iam_role.nodes", "hybrid-nodes".to_string()),
        ("aws_iam_policy.describe", policy.clone()),
        ("aws_iam_role_policy_attachment.describe", format!("hybrid-nodes/{policy}")),
        ("aws_iam_instance_profile.nodes", "hybrid-nodes".to_string()),
    ] {
        moto.tether(dir.path(), &["state", "rm", addr]).expect(0);
        moto.tether(dir.path(), &["import", addr, &id]).expect(0);
    }
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let roles = rt.block_on(iam.list_roles().send()).unwrap();
    assert!(roles.roles().is_empty(), "{:?}", roles.roles());
    let profiles = rt.block_on(iam.list_instance_profiles().send()).unwrap();
    assert!(profiles.instance_profiles().is_empty());
    assert!(rt.block_on(iam.get_policy().policy_arn(&policy).send()).is_err(), "the policy is deleted");
}

#[test]
fn a_role_name_taken_by_someone_else_is_not_adopted() {
    let moto = Moto::start();
    let rt = moto::rt();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    rt.block_on(moto.iam().create_role().role_name("hybrid-nodes").assume_role_policy_document(trust).send()).unwrap();
    let dir = stack(&[("main.hcl", &iam_stack("ssm.amazonaws.com", "eks:DescribeCluster", "nodes"))]);
    let run = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(1);
    // The message is wrapped for the terminal: compare its words.
    let words: String = run.stderr.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("already exists and was not created by this stack"), "{}", run.stderr);
    assert!(words.contains("tether import aws_iam_role.nodes hybrid-nodes"), "{}", run.stderr);
}
