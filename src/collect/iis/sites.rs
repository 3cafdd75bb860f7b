//! The site layout from `system.applicationHost/sites`: which configuration paths are
//! application roots (for `inheritInChildApplications="false"`), and which physical folder
//! serves a path (to tie exported `web.config` files to it).
//!
//! The tie rule: a `web.config` applies at a configuration path when the export holds it
//! in the folder `<sites>` maps that path to, written relative to the host folder either
//! with the drive letter as the first folder (`C/inetpub/wwwroot/web.config`) or without
//! the drive (`inetpub/wwwroot/web.config`). `%SystemDrive%` is `C:`, `%SystemRoot%` and
//! `%windir%` are `C:\Windows`; a physical path with any other variable, a UNC path or a
//! relative path cannot be tied, and no `web.config` is merged for it.

use super::query::{normalize_path, segments};
use super::xml::Element;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sites {
    sites: Vec<Site>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Site {
    name: String,
    applications: Vec<Application>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Application {
    /// Normalised, without the leading `/` (`""` is the site root).
    path: String,
    /// (normalised virtual path relative to the application, physical path as written)
    virtual_directories: Vec<(String, String)>,
}

fn eq_fold(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// Length of the longest candidate that is a segment-wise prefix of `segs`.
fn prefix_len(candidate: &str, segs: &[&str]) -> Option<usize> {
    let c = segments(candidate);
    (c.len() <= segs.len() && c.iter().zip(segs).all(|(a, b)| eq_fold(a, b))).then_some(c.len())
}

impl Sites {
    /// Reads every `<sites>` section element given (global ones, in document order); a site
    /// named again replaces the earlier one.
    pub fn from_sections<'e>(sections: impl IntoIterator<Item = &'e Element>) -> Self {
        let mut sites: Vec<Site> = Vec::new();
        for section in sections {
            for site in section.children_named("site") {
                let name = site.value("name").unwrap_or_default().to_string();
                let applications = site
                    .children_named("application")
                    .map(|app| Application {
                        path: normalize_path(app.value("path").unwrap_or("/")),
                        virtual_directories: app
                            .children_named("virtualDirectory")
                            .map(|vdir| {
                                (
                                    normalize_path(vdir.value("path").unwrap_or("/")),
                                    vdir.value("physicalPath").unwrap_or_default().to_string(),
                                )
                            })
                            .collect(),
                    })
                    .collect();
                sites.retain(|s| !eq_fold(&s.name, &name));
                sites.push(Site { name, applications });
            }
        }
        Self { sites }
    }

    fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| eq_fold(&s.name, name))
    }

    /// Whether the configuration path `segs` is the root of an application. A site's root
    /// always is.
    pub fn is_application_root(&self, segs: &[&str]) -> bool {
        match segs {
            [] => false,
            [_site] => true,
            // An application whose whole path is `rest` (a prefix as long as `rest`).
            [site, rest @ ..] => self.site(site).is_some_and(|s| {
                s.applications
                    .iter()
                    .any(|a| prefix_len(&a.path, rest) == Some(rest.len()))
            }),
        }
    }

    /// The physical folder (as written, `\`-separated) serving configuration path `segs`.
    pub fn physical_dir(&self, segs: &[&str]) -> Option<String> {
        let (site, rest) = segs.split_first()?;
        let site = self.site(site)?;
        let (app, used) = site
            .applications
            .iter()
            .filter_map(|a| prefix_len(&a.path, rest).map(|n| (a, n)))
            .max_by_key(|(_, n)| *n)?;
        let rest = &rest[used..];
        let ((_, physical), used) = app
            .virtual_directories
            .iter()
            .filter_map(|v| prefix_len(&v.0, rest).map(|n| (v, n)))
            .max_by_key(|(_, n)| *n)?;
        let mut dir = physical.trim_end_matches(['\\', '/']).to_string();
        for segment in &rest[used..] {
            dir.push('\\');
            dir.push_str(segment);
        }
        Some(dir)
    }
}

/// Replaces `%name%` case-insensitively.
fn replace_variable(text: &str, name: &str, value: &str) -> String {
    let pattern = format!("%{}%", name.to_lowercase());
    let lower = text.to_lowercase();
    let mut out = String::new();
    let mut last = 0;
    for (at, _) in lower.match_indices(&pattern) {
        out.push_str(&text[last..at]);
        out.push_str(value);
        last = at + pattern.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Where a physical folder can sit in a host export (relative, `/`-separated), per the
/// tie rule in the module documentation; empty when it cannot be tied.
pub fn export_folders(physical: &str) -> Vec<String> {
    let mut path = physical.trim().to_string();
    for (name, value) in [
        ("SystemDrive", "C:"),
        ("SystemRoot", "C:\\Windows"),
        ("windir", "C:\\Windows"),
    ] {
        path = replace_variable(&path, name, value);
    }
    if path.contains('%') || path.starts_with("\\\\") || path.starts_with("//") {
        return Vec::new();
    }
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    if bytes.len() < 2 || !bytes[0].is_ascii_alphabetic() || bytes[1] != b':' {
        return Vec::new();
    }
    let rest = normalize_path(&path[2..]);
    let drive = (bytes[0] as char).to_ascii_uppercase();
    if rest.is_empty() {
        return vec![drive.to_string(), String::new()];
    }
    vec![format!("{drive}/{rest}"), rest]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::iis::xml::parse_all;

    fn sample() -> Sites {
        let root = parse_all(
            r#"<sites>
                <site name="Default Web Site" id="1">
                  <application path="/">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" />
                    <virtualDirectory path="/images" physicalPath="D:\shared\img\" />
                  </application>
                  <application path="/owa">
                    <virtualDirectory path="/" physicalPath="C:\Exchange\owa" />
                  </application>
                  <application path="/owa/Calendar">
                    <virtualDirectory path="/" physicalPath="C:\Exchange\owa" />
                  </application>
                </site>
              </sites>"#,
        )
        .unwrap();
        Sites::from_sections([&root])
    }

    #[test]
    fn application_roots_come_from_the_sites_section() {
        let sites = sample();
        let cases: &[(&[&str], bool)] = &[
            (&[], false),
            (&["Default Web Site"], true),
            (&["default web site", "OWA"], true),
            (&["Default Web Site", "owa", "auth"], false),
            (&["Default Web Site", "owa", "Calendar"], true),
            (&["Other Site", "owa"], false),
        ];
        for (segs, expected) in cases {
            assert_eq!(sites.is_application_root(segs), *expected, "{segs:?}");
        }
    }

    #[test]
    fn physical_folders_follow_applications_and_virtual_directories() {
        let sites = sample();
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &["Default Web Site"],
                Some("%SystemDrive%\\inetpub\\wwwroot"),
            ),
            (
                &["Default Web Site", "aspnet_client", "x"],
                Some("%SystemDrive%\\inetpub\\wwwroot\\aspnet_client\\x"),
            ),
            (
                &["Default Web Site", "images", "a"],
                Some("D:\\shared\\img\\a"),
            ),
            (
                &["Default Web Site", "owa", "auth"],
                Some("C:\\Exchange\\owa\\auth"),
            ),
            (
                &["Default Web Site", "owa", "Calendar"],
                Some("C:\\Exchange\\owa"),
            ),
            (&["Nope"], None),
        ];
        for (segs, expected) in cases {
            assert_eq!(sites.physical_dir(segs).as_deref(), *expected, "{segs:?}");
        }
    }

    #[test]
    fn physical_folders_map_into_the_export_with_or_without_the_drive() {
        let cases: &[(&str, &[&str])] = &[
            (
                "%SystemDrive%\\inetpub\\wwwroot",
                &["C/inetpub/wwwroot", "inetpub/wwwroot"],
            ),
            (
                "%WINDIR%\\System32\\RpcProxy",
                &["C/Windows/System32/RpcProxy", "Windows/System32/RpcProxy"],
            ),
            ("d:\\Sites\\a\\", &["D/Sites/a", "Sites/a"]),
            ("%ExchangeInstallPath%\\owa", &[]),
            ("\\\\server\\share\\site", &[]),
            ("relative\\dir", &[]),
        ];
        for (physical, expected) in cases {
            assert_eq!(export_folders(physical), *expected, "{physical}");
        }
    }
}
