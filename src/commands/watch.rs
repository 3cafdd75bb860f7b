//! `confaudit watch`: the recorded audit in a loop, for hosts without a scheduler.
//!
//! A failed run is logged and the loop goes on; runs never overlap (one at a time here, and
//! the history lock refuses a concurrent run from elsewhere); each start gets a random delay
//! up to the jitter; a stop request (SIGTERM, Ctrl-C) lets a run in progress finish and
//! commit, then ends the loop.

use super::audit::{self, Progress};
use super::{Failure, run_time};
use crate::exit::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Settings {
    /// The audit to repeat (recording is required).
    pub audit: audit::Settings,
    pub every: Duration,
    pub jitter: Duration,
    /// Stop after this many runs (for trying a set-up out); `None` runs until stopped.
    pub runs: Option<usize>,
}

/// When the next run starts: one interval after this one started, plus a share of the
/// jitter; at once if the run took longer than the interval (runs never overlap).
pub fn next_start(started: Instant, every: Duration, jitter: Duration, share: f64) -> Instant {
    started + every + jitter.mul_f64(share.clamp(0.0, 1.0))
}

/// A fresh random share in [0, 1) from the standard library's randomly seeded hasher.
fn random_share() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

pub fn run(
    settings: &Settings,
    stop: &AtomicBool,
    out: &mut dyn std::io::Write,
    log: &mut dyn FnMut(&str),
    progress: Progress<'_>,
) -> Result<ExitStatus, Failure> {
    if settings.audit.record.is_none() {
        return Err(Failure::usage("watch records every run", None));
    }
    let mut completed = 0usize;
    loop {
        let started = Instant::now();
        let mut audit = settings.audit.clone();
        audit.run_time = run_time();
        match audit::run(&audit, out, log, progress) {
            Ok(status) => log(&format!(
                "confaudit watch: run {} finished with exit code {}",
                completed + 1,
                status.code()
            )),
            Err(failure) => {
                let mut message = format!(
                    "confaudit watch: run {} failed (exit code {}): {}",
                    completed + 1,
                    failure.status.code(),
                    failure.error
                );
                if let Some(hint) = &failure.hint {
                    message.push_str(&format!("; hint: {hint}"));
                }
                log(&message);
            }
        }
        completed += 1;
        if settings.runs.is_some_and(|limit| completed >= limit) || stop.load(Ordering::SeqCst) {
            break;
        }
        let next = next_start(started, settings.every, settings.jitter, random_share());
        let wait = next.saturating_duration_since(Instant::now());
        let at = chrono::Utc::now()
            + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::zero());
        log(&format!(
            "confaudit watch: next run at {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
        while Instant::now() < next && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(200).min(next - Instant::now()));
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    log(&format!(
        "confaudit watch: stopped after {completed} run(s)"
    ));
    Ok(ExitStatus::Compliant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_start_adds_interval_and_jitter_share() {
        let t0 = Instant::now();
        let hour = Duration::from_secs(3600);
        let ten = Duration::from_secs(600);
        assert_eq!(next_start(t0, hour, ten, 0.0), t0 + hour);
        assert_eq!(
            next_start(t0, hour, ten, 0.5),
            t0 + hour + Duration::from_secs(300)
        );
        assert_eq!(next_start(t0, hour, ten, 7.0), t0 + hour + ten);
        assert_eq!(next_start(t0, hour, Duration::ZERO, 0.9), t0 + hour);
    }

    #[test]
    fn random_shares_stay_in_range() {
        for _ in 0..1000 {
            let share = random_share();
            assert!((0.0..1.0).contains(&share));
        }
    }
}
