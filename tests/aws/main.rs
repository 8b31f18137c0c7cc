//! The AWS provider against the moto emulator (scripts/moto_ext.py on a free 127.0.0.1 port):
//! each resource type's lifecycle (create, empty re-plan, in-place update, out-of-band change
//! found, destroy, import) and the reference stacks end to end, checked through the emulator's
//! API with the real SDK.
//!
//! One test binary for all of them: each links the AWS SDK crates, so separate binaries would
//! multiply link time and disk use by their number.

mod moto;

mod egress;
mod eks;
mod hybrid_eks;
mod hybrid_network;
mod iam;
mod moto_ext;
mod network;
mod resolver;
mod roles_anywhere;
mod route_tables;
mod security_group;
mod tgw_links;
mod transit_gateway;
mod vpc;
mod vpn;
