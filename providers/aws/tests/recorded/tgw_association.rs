//! `aws_ec2_transit_gateway_route_table_association` against recorded EC2 responses (the
//! emulator cannot undo the association it makes with the default table): what the provider
//! sends to move an attachment onto a route table of the stack's, what it reads back, and the
//! removal.

use crate::replay::{ok, plan_is_empty, s, Recorded};
use tether_sdk::{Change, Value};

const TYPE: &str = "aws_ec2_transit_gateway_route_table_association";
const ADDR: &str = "aws_ec2_transit_gateway_route_table_association.vpc";
const TABLE: &str = "tgw-rtb-0fedcba9876543210";
const ATTACHMENT: &str = "tgw-attach-0123456789abcdef0";

fn config(replace: bool) -> Value {
    Value::map([
        ("transit_gateway_attachment_id", Value::from(ATTACHMENT)),
        ("transit_gateway_route_table_id", Value::from(TABLE)),
        ("replace_existing_association", Value::Bool(replace)),
    ])
}

#[tokio::test]
async fn moving_an_attachment_off_the_default_table_and_back() {
    let r = Recorded::new(vec![
        // Not associated with the stack's table yet.
        ok("ec2/tgw_associations_empty.xml"),
        // replace_existing_association: where the attachment is associated now (the default table).
        ok("ec2/tgw_attachments_default_associated.xml"),
        ok("ec2/disassociate_tgw_route_table.xml"),
        ok("ec2/tgw_associations_empty.xml"),
        ok("ec2/associate_tgw_route_table.xml"),
        ok("ec2/tgw_associations_vpc.xml"),
    ])
    .await;
    let planned = r.plan(TYPE, ADDR, None, config(true)).planned.unmark_deep();
    let resp = r.apply(TYPE, ADDR, Change::Create { planned, idempotency_token: "t".into() }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let sent = r.sent();
    let actions: Vec<&str> = sent.iter().filter_map(|q| q.body["Action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "GetTransitGatewayRouteTableAssociations",
            "DescribeTransitGatewayAttachments",
            "DisassociateTransitGatewayRouteTable",
            "GetTransitGatewayRouteTableAssociations",
            "AssociateTransitGatewayRouteTable",
            "GetTransitGatewayRouteTableAssociations",
        ],
        "look for an earlier run's association, move off the default table, associate, read back"
    );
    assert_eq!(sent[2].body["TransitGatewayRouteTableId"], "tgw-rtb-0defa0170defa0170", "the old table");
    assert_eq!(sent[4].body["TransitGatewayRouteTableId"], TABLE);
    assert_eq!(sent[4].body["TransitGatewayAttachmentId"], ATTACHMENT);
    let state = resp.new_state.expect("the association");
    assert_eq!(s(&state, "id"), format!("{TABLE}_{ATTACHMENT}"));
    assert_eq!((s(&state, "resource_type"), s(&state, "resource_id")), ("vpc", "vpc-0a1b2c3d4e5f60718"));

    // A refresh (one call for the table) finds it, and the plan is empty.
    let r = Recorded::new(vec![ok("ec2/tgw_associations_vpc.xml")]).await;
    let read = r.read(TYPE, &[(ADDR, &format!("{TABLE}_{ATTACHMENT}"), state.clone())]).await.remove(0).unwrap();
    assert!(plan_is_empty(&r.plan(TYPE, ADDR, Some(read.clone()), config(true)), &read));

    // Out of band: gone from the table's associations, it reads as gone.
    let r = Recorded::new(vec![ok("ec2/tgw_associations_empty.xml")]).await;
    assert!(r.read(TYPE, &[(ADDR, &format!("{TABLE}_{ATTACHMENT}"), state.clone())]).await[0].is_none());

    // Delete disassociates and waits until the table no longer lists it.
    let r = Recorded::new(vec![ok("ec2/disassociate_tgw_route_table.xml"), ok("ec2/tgw_associations_empty.xml")]).await;
    let resp = r.apply(TYPE, ADDR, Change::Delete { prior: state }).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let sent = r.sent();
    assert_eq!(sent[0].body["Action"], "DisassociateTransitGatewayRouteTable");
    assert_eq!(sent[0].body["TransitGatewayRouteTableId"], TABLE);
}
