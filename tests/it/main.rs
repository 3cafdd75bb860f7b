//! Integration tests: the real binary on fixtures and sandboxes.

mod change;
mod cli;
mod reports;
mod sandbox;
