//! Data the shop can seed itself with: the demo shop and the scale data set.

pub mod demo;
pub mod scale_seed;
