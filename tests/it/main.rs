//! Integration tests: the real binary on fixtures and sandboxes.

mod cli;
mod reports;
mod sandbox;
