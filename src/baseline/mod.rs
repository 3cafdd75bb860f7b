//! Baseline templates: loading a template tree, validating it with `file:line:col`
//! diagnostics, and resolving a host's baseline (common → role → hardware overlay).

pub mod resolve;
pub mod schema;
pub mod validate;

pub use resolve::{Origin, ResolvedBaseline, ResolvedSetting, WhenAbsent};
pub use schema::{AbsentRule, Category, Operator, Severity};

use schema::TemplateFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A problem in a template, pointing into the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// A parsed template with the text it came from (to turn spans into lines).
#[derive(Debug)]
pub struct Template {
    pub path: PathBuf,
    pub text: String,
    pub def: TemplateFile,
}

impl Template {
    pub fn name(&self) -> &str {
        self.def.name.get_ref()
    }

    pub fn version(&self) -> &str {
        self.def.version.get_ref()
    }

    /// 1-based line and column of a byte offset into the file.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        position_in(&self.text, offset)
    }

    pub fn problem(&self, offset: usize, message: impl Into<String>) -> Problem {
        let (line, column) = self.position(offset);
        Problem {
            file: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }
}

pub(crate) fn position_in(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Every template of a tree, by name.
#[derive(Debug, Default)]
pub struct Catalog {
    pub templates: BTreeMap<String, Template>,
}

/// Errors that stop a run before any host is audited.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline path {0} does not exist")]
    NotFound(PathBuf),
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} problem(s) in baseline templates", .0.len())]
    Invalid(Vec<Problem>),
}

impl Catalog {
    /// Loads and validates every `*.toml` under the given files or folders.
    /// Any problem makes the whole catalog invalid: an audit never runs on a broken baseline.
    pub fn load(paths: &[PathBuf]) -> Result<Catalog, BaselineError> {
        let (catalog, problems) = Catalog::load_lenient(paths)?;
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(BaselineError::Invalid(problems))
        }
    }

    /// Loads what can be loaded and returns every problem found (for `validate`).
    pub fn load_lenient(paths: &[PathBuf]) -> Result<(Catalog, Vec<Problem>), BaselineError> {
        let mut files = Vec::new();
        for path in paths {
            if !path.exists() {
                return Err(BaselineError::NotFound(path.clone()));
            }
            if path.is_file() {
                files.push(path.clone());
                continue;
            }
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                let entry = entry.map_err(|e| BaselineError::Read {
                    path: e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| path.clone()),
                    source: e.into(),
                })?;
                if entry.file_type().is_file()
                    && entry.path().extension().is_some_and(|e| e == "toml")
                {
                    files.push(entry.path().to_path_buf());
                }
            }
        }
        let mut catalog = Catalog::default();
        let mut problems = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| BaselineError::Read {
                path: path.clone(),
                source,
            })?;
            match toml::from_str::<TemplateFile>(&text) {
                Ok(def) => {
                    let template = Template { path, text, def };
                    let name = template.name().to_string();
                    if let Some(first) = catalog.templates.get(&name) {
                        problems.push(template.problem(
                            template.def.name.span().start,
                            format!(
                                "duplicate template name `{name}` (also defined in {})",
                                first.path.display()
                            ),
                        ));
                    } else {
                        catalog.templates.insert(name, template);
                    }
                }
                Err(err) => {
                    let (line, column) = err
                        .span()
                        .map_or((1, 1), |span| position_in(&text, span.start));
                    problems.push(Problem {
                        file: path,
                        line,
                        column,
                        message: err.message().trim().to_string(),
                    });
                }
            }
        }
        problems.extend(validate::check(&catalog));
        problems.sort();
        Ok((catalog, problems))
    }

    /// The template that defines a role.
    pub fn for_role(&self, role: &str) -> Option<&Template> {
        self.templates.values().find(|t| {
            t.def
                .role
                .as_ref()
                .is_some_and(|r| r.get_ref().eq_ignore_ascii_case(role))
        })
    }

    /// The overlay for a hardware type.
    pub fn for_hardware(&self, hardware: &str) -> Option<&Template> {
        self.templates.values().find(|t| {
            t.def
                .hardware
                .as_ref()
                .is_some_and(|h| h.get_ref().eq_ignore_ascii_case(hardware))
        })
    }
}
