//! The AWS provider against canned HTTP responses: recorded AWS answers replayed for the APIs
//! the emulator lacks or gets wrong (EKS access entries, SSM hybrid activations, transit gateway
//! route table associations), and a scripted 127.0.0.1 server that fails on cue to exercise
//! retries.
//!
//! One test binary for all of them, since each links the AWS SDK crates.

mod replay;

mod eks_access_entry;
mod retries;
mod ssm_activation;
mod tgw_association;
