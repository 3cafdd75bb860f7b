//! Change management: what a proposed change touches and how risky it is (`plan`), what
//! restores today's state (`rollback`), what brings hosts to baseline (`remediate`), how
//! two template versions differ (`diff`), approved-version pinning (`pin`) and turning a
//! known-good host into a template (`capture`).

pub mod bundle;
pub mod capture;
pub mod diff;
pub mod pin;
pub mod plan;
pub mod registry_state;
pub mod remediate;
pub mod render;
pub mod risk;
pub mod rollback;
pub mod steps;
