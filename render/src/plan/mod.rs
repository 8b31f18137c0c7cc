//! The plan for people (`human`), machines (`json`) and pull requests (`markdown`). Each takes a
//! finished `Plan` and returns text or a JSON value; none computes anything.

pub mod human;
pub mod json;
pub mod markdown;
