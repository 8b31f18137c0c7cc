//! aws_ec2_transit_gateway_route_table_propagation against the moto emulator: a VPC attachment
//! propagating into a route table of the stack's; empty re-plan, out-of-band change found,
//! import, destroy; each checked through the emulator's API.
//!
//! The association type is not exercised here: the emulator associates every attachment with
//! the gateway's default table in a way its DisassociateTransitGatewayRouteTable cannot undo (it
//! fails with an internal error), so an association of the emulator's attachments can be
//! neither moved nor deleted.

use super::moto;

use moto::{stack, Moto, PROVIDER};

const TGW_STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "ap-northeast-2a"
}

resource "aws_ec2_transit_gateway" "hub" {
  description                     = "Hybrid connectivity"
  default_route_table_association = "disable"
  default_route_table_propagation = "disable"
}

resource "aws_ec2_transit_gateway_vpc_attachment" "vpc" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.main.id
  subnet_ids                                              = [aws_subnet.a.id]
}

resource "aws_ec2_transit_gateway_route_table" "spoke" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
}

resource "aws_ec2_transit_gateway_route_table_propagation" "vpc" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.vpc.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.spoke.id
}

output "table" {
  value = aws_ec2_transit_gateway_route_table.spoke.id
}

output "attachment" {
  value = aws_ec2_transit_gateway_vpc_attachment.vpc.id
}
"#;

#[test]
fn attachments_propagate_to_a_route_table() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &format!("{PROVIDER}{TGW_STACK}"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let table = moto.tether(dir.path(), &["output", "--raw", "table"]).expect(0).stdout.trim().to_string();
    let attachment = moto.tether(dir.path(), &["output", "--raw", "attachment"]).expect(0).stdout.trim().to_string();
    let propagating = |rt: &tokio::runtime::Runtime| -> Vec<String> {
        let out = rt
            .block_on(ec2.get_transit_gateway_route_table_propagations().transit_gateway_route_table_id(&table).send())
            .unwrap();
        out.transit_gateway_route_table_propagations()
            .iter()
            .filter(|p| p.state().map(|s| s.as_str()) != Some("disabled"))
            .filter_map(|p| p.transit_gateway_attachment_id().map(str::to_string))
            .collect()
    };
    assert_eq!(propagating(&rt), std::slice::from_ref(&attachment));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let calls = plan.api_calls();
    // One for the propagation type's table, one for the attachment's default-table flags.
    assert_eq!(calls.iter().filter(|c| c.ends_with("GetTransitGatewayRouteTablePropagations")).count(), 2, "{calls:?}");

    // Out of band: propagation disabled by hand is drift; apply enables it again.
    rt.block_on(
        ec2.disable_transit_gateway_route_table_propagation()
            .transit_gateway_route_table_id(&table)
            .transit_gateway_attachment_id(&attachment)
            .send(),
    )
    .unwrap();
    let drift = moto.tether(dir.path(), &["drift"]).expect(2);
    assert!(
        drift.stdout.contains("aws_ec2_transit_gateway_route_table_propagation.vpc was deleted outside tether"),
        "{}",
        drift.stdout
    );
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(propagating(&rt), std::slice::from_ref(&attachment));

    // Import by Terraform's <table>_<attachment> ID.
    let id = format!("{table}_{attachment}");
    let addr = "aws_ec2_transit_gateway_route_table_propagation.vpc";
    moto.tether(dir.path(), &["state", "rm", addr]).expect(0);
    moto.tether(dir.path(), &["import", addr, &id]).expect(0);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let gws = rt.block_on(ec2.describe_transit_gateways().send()).unwrap();
    assert!(gws.transit_gateways().iter().all(|g| g.state().map(|s| s.as_str()) == Some("deleted")));
}
