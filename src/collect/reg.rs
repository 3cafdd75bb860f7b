//! Windows registry `.reg` exports (placeholder until the parser lands).

use super::{Address, Collected, Collector, HostFiles, Listing, only_fields, required};
use std::path::Path;

pub struct RegistryCollector;

impl Collector for RegistryCollector {
    fn name(&self) -> &'static str {
        "registry"
    }

    fn parse_address(&self, source: &toml::Table) -> Result<Address, String> {
        only_fields(source, &["key", "value", "file"])?;
        Ok(Address {
            collector: self.name().into(),
            file: String::new(),
            location: required(source, "key")?.to_string(),
            name: required(source, "value")?.to_string(),
        })
    }

    fn claims(&self, relative_path: &Path) -> bool {
        relative_path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("reg"))
    }

    fn collect(&self, _host: &HostFiles<'_>, _wanted: &[&Address]) -> Collected {
        Collected::default()
    }

    fn list(&self, _root: &Path, _relative_path: &Path) -> Listing {
        Listing::default()
    }
}
