//! JSON: the whole [`Report`], versioned by its `schema` field (`confaudit.report/1`).

use super::{RenderError, Report};

pub fn render(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut out = serde_json::to_vec_pretty(report)?;
    out.push(b'\n');
    Ok(out)
}
