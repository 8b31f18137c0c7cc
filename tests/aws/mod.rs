//! The AWS provider against the moto emulator (scripts/moto_ext.py on a free 127.0.0.1 port):
//! each resource type's lifecycle (create, empty re-plan, in-place update, out-of-band change
//! found, destroy, import) and the reference stacks end to end, checked through the emulator's
//! API with the real SDK.
//!
//! They are kept together because they share the emulator harness (`moto`) and need moto
//! installed (./scripts/moto-setup); `cargo test --test integration aws::` runs just them.

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
