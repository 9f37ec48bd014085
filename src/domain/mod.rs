//! Parsed value types and pure rules. No I/O here: everything is unit-tested.

pub mod audit_chain;
pub mod brief;
pub mod cadence;
pub mod chart;
pub mod dates;
pub mod governance;
pub mod health;
pub mod measure;
pub mod metrics;
pub mod notify;
pub mod period;
pub mod permission;
pub mod phase;
pub mod pipeline;
pub mod raci;
pub mod roi;
pub mod seat;
pub mod session_policy;
pub mod signoff;
pub mod snapshot;
pub mod spells;
pub mod values;
pub mod zone;
