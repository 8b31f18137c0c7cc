//! aws_rolesanywhere_trust_anchor and aws_rolesanywhere_profile against the emulator's IAM Roles
//! Anywhere (scripts/moto_ext.py): create (ownership tags), empty re-plan, update in place,
//! out-of-band change found, import, destroy; each checked through the Roles Anywhere API.

use super::moto;

use moto::{stack, write, Moto, PROVIDER};

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAMlyFqk69v+9MA0GCSqGSIb3DQEBCwUAMBExDzANBgNVBAMMBm9u\n-----END CERTIFICATE-----\n";

fn ra_stack(name: &str, enabled: bool, duration: i64) -> String {
    format!(
        "{PROVIDER}
variable \"ca\" {{
  type = string
}}

resource \"aws_iam_role\" \"nodes\" {{
  name = \"hybrid-nodes\"
  assume_role_policy = jsonencode({{
    Version   = \"2012-10-17\"
    Statement = [{{ Effect = \"Allow\", Principal = {{ Service = \"rolesanywhere.amazonaws.com\" }}, Action = [\"sts:AssumeRole\", \"sts:TagSession\", \"sts:SetSourceIdentity\"] }}]
  }})
}}

resource \"aws_rolesanywhere_trust_anchor\" \"ca\" {{
  name    = \"{name}\"
  enabled = {enabled}
  source {{
    source_type = \"CERTIFICATE_BUNDLE\"
    source_data {{
      x509_certificate_data = var.ca
    }}
  }}
  tags = {{
    Name = \"{name}\"
  }}
}}

resource \"aws_rolesanywhere_profile\" \"nodes\" {{
  name             = \"hybrid-nodes\"
  role_arns        = [aws_iam_role.nodes.arn]
  duration_seconds = {duration}
  enabled          = true
}}

output \"anchor\" {{
  value = aws_rolesanywhere_trust_anchor.ca.id
}}

output \"profile\" {{
  value = aws_rolesanywhere_profile.nodes.id
}}
"
    )
}

#[test]
fn trust_anchor_and_profile_lifecycle() {
    let moto = Moto::start();
    let ra = moto.rolesanywhere();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &ra_stack("onprem-ca", true, 3600)), ("tether.tfvars", &format!("ca = {CA:?}\n"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let anchor = moto.tether(dir.path(), &["output", "--raw", "anchor"]).expect(0).stdout.trim().to_string();
    let profile = moto.tether(dir.path(), &["output", "--raw", "profile"]).expect(0).stdout.trim().to_string();
    let a = rt.block_on(ra.get_trust_anchor().trust_anchor_id(&anchor).send()).unwrap();
    let a = a.trust_anchor().unwrap();
    assert_eq!((a.name(), a.enabled()), (Some("onprem-ca"), Some(true)));
    let tags = rt.block_on(ra.list_tags_for_resource().resource_arn(a.trust_anchor_arn().unwrap()).send()).unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == "tether:address" && t.value() == "aws_rolesanywhere_trust_anchor.ca"));
    let p = rt.block_on(ra.get_profile().profile_id(&profile).send()).unwrap();
    assert!(p.profile().unwrap().role_arns()[0].ends_with(":role/hybrid-nodes"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: renamed and disabled, a longer session; same objects.
    write(dir.path(), "main.hcl", &ra_stack("onprem-ca-2", false, 7200));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let a = rt.block_on(ra.get_trust_anchor().trust_anchor_id(&anchor).send()).unwrap();
    assert_eq!(
        (a.trust_anchor().unwrap().name(), a.trust_anchor().unwrap().enabled()),
        (Some("onprem-ca-2"), Some(false))
    );
    let p = rt.block_on(ra.get_profile().profile_id(&profile).send()).unwrap();
    assert_eq!(p.profile().unwrap().duration_seconds(), Some(7200));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: the profile disabled by hand is drift; apply enables it again.
    rt.block_on(ra.disable_profile().profile_id(&profile).send()).unwrap();
    let drift = moto.tether(dir.path(), &["drift"]).expect(2);
    assert!(drift.stdout.contains("aws_rolesanywhere_profile.nodes was changed outside tether"), "{}", drift.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["drift"]).expect(0);

    for (addr, id) in [("aws_rolesanywhere_trust_anchor.ca", &anchor), ("aws_rolesanywhere_profile.nodes", &profile)] {
        moto.tether(dir.path(), &["state", "rm", addr]).expect(0);
        moto.tether(dir.path(), &["import", addr, id]).expect(0);
    }
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt.block_on(ra.list_trust_anchors().send()).unwrap();
    assert!(left.trust_anchors().is_empty());
    assert!(rt.block_on(ra.list_profiles().send()).unwrap().profiles().is_empty());
}
