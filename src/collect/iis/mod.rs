//! IIS configuration: IIS 7+ `applicationHost.config` and `web.config` (`type = "iis"`),
//! and the IIS 6 metabase export `MetaBase.xml` (`type = "metabase"`).
//!
//! Both are XML read with quick-xml, never with DTD or entity expansion. A malformed file
//! is reported once with line and column and not read further; every setting that reads
//! it becomes `error`. Encrypted values are reported as present and encrypted, never
//! decrypted; `%windir%`-style values are kept as written.

pub mod apphost;
pub mod metabase;
pub mod query;
pub mod schema;
pub mod sites;
pub mod xml;

pub use apphost::IisCollector;
pub use metabase::MetabaseCollector;

use super::decode::decode;
use super::{Address, Diagnostic, HostFiles};
use std::path::{Path, PathBuf};

/// What an encrypted value is reported as: its presence is configuration, its content is
/// a secret confaudit never decrypts.
pub const ENCRYPTED: &str = "present, encrypted";

/// Files larger than this are refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads and decodes one export file, or says why not.
pub(crate) fn read_text(root: &Path, relative: &Path) -> Result<String, Diagnostic> {
    let path = root.join(relative);
    let size = std::fs::metadata(&path)
        .map_err(|e| Diagnostic::file(relative, format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(Diagnostic::file(
            relative,
            format!("{size} bytes is more than the {MAX_FILE_BYTES}-byte limit; not read"),
        ));
    }
    std::fs::read(&path)
        .map(|bytes| decode(&bytes).0.into_owned())
        .map_err(|e| Diagnostic::file(relative, format!("cannot read: {e}")))
}

/// The provider of an `[enc:Provider:...:enc]` attribute value.
pub fn encrypted_provider(raw: &str) -> Option<&str> {
    let inner = raw.trim().strip_prefix("[enc:")?.strip_suffix(":enc]")?;
    Some(inner.split(':').next().unwrap_or_default())
}

/// The file an address reads, chosen among the host's files.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    Found(PathBuf),
    Missing,
    Ambiguous(Vec<PathBuf>),
}

/// Picks the one file matching `pattern`; among several, the one at the standard place
/// (`preferred`, a path suffix) wins, otherwise the choice is the template's to make.
pub(crate) fn pick_file(host: &HostFiles<'_>, pattern: &str, preferred: &str) -> Pick {
    let matches = host.matching(pattern);
    match matches.len() {
        0 => Pick::Missing,
        1 => Pick::Found(matches.into_iter().next().unwrap_or_default()),
        _ => {
            let preferred = preferred.to_lowercase();
            let standard: Vec<&PathBuf> = matches
                .iter()
                .filter(|f| {
                    f.to_string_lossy()
                        .replace('\\', "/")
                        .to_lowercase()
                        .ends_with(&preferred)
                })
                .collect();
            match standard.as_slice() {
                [one] => Pick::Found((*one).clone()),
                _ => Pick::Ambiguous(matches),
            }
        }
    }
}

/// The diagnostic for an address whose `file` pattern matches several files.
pub(crate) fn ambiguous(address: &Address, files: &[PathBuf]) -> Diagnostic {
    let names: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .collect();
    Diagnostic::file(
        files.first().cloned().unwrap_or_default(),
        format!(
            "`file = \"{}\"` matches {} files ({}); name one in the setting's source",
            address.file,
            files.len(),
            names.join(", ")
        ),
    )
    .at(address.location.clone(), Some(address.name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_values_name_their_provider() {
        let cases = [
            (
                "[enc:IISWASOnlyAesProvider:AAAA+/=:enc]",
                Some("IISWASOnlyAesProvider"),
            ),
            (" [enc:AesProvider:x:enc] ", Some("AesProvider")),
            ("[enc:broken", None),
            ("%windir%\\system32", None),
        ];
        for (raw, provider) in cases {
            assert_eq!(encrypted_provider(raw), provider, "{raw}");
        }
    }

    #[test]
    fn picks_the_standard_file_among_several() {
        let files = vec![
            PathBuf::from("inetpub/history/CFGHISTORY_0000000001/applicationHost.config"),
            PathBuf::from("Windows/System32/inetsrv/config/applicationHost.config"),
        ];
        let host = HostFiles {
            root: Path::new("."),
            files: &files,
        };
        assert_eq!(
            pick_file(
                &host,
                "applicationHost.config",
                "inetsrv/config/applicationhost.config"
            ),
            Pick::Found(files[1].clone())
        );
        assert_eq!(
            pick_file(
                &host,
                "applicationHost.config",
                "nowhere/applicationHost.config"
            ),
            Pick::Ambiguous(files.clone())
        );
        assert_eq!(pick_file(&host, "web.config", "x"), Pick::Missing);
        assert_eq!(
            pick_file(&host, "inetpub/**/applicationHost.config", "x"),
            Pick::Found(files[0].clone())
        );
    }
}
