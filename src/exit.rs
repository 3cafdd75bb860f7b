//! The exit-code contract, in one place. These numbers are stable: scripts and schedulers
//! depend on them. When several apply, the highest-priority one wins (listed first).

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: everything audited is compliant (at the `--fail-on` threshold).
    Compliant,
    /// 1: noncompliance at or above `--fail-on`.
    Noncompliant,
    /// 3: some sources could not be read; everything else was still audited.
    SourcesUnreadable,
    /// 4: a recorded run found new noncompliance at or above `--alert-on` since the
    /// previous run (new drift). Outranks 3: a standing unreadable export must not hide a
    /// server that just fell out of compliance.
    NewDrift,
    /// 5: `plan` assessed the change as major risk (a change-board gate).
    MajorRisk,
    /// 6: another run is recording to the same history database; nothing was audited.
    Busy,
    /// 2: usage error, or the baseline/inventory is invalid; nothing was audited.
    UsageOrBaseline,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Compliant => 0,
            ExitStatus::Noncompliant => 1,
            ExitStatus::UsageOrBaseline => 2,
            ExitStatus::SourcesUnreadable => 3,
            ExitStatus::NewDrift => 4,
            ExitStatus::MajorRisk => 5,
            ExitStatus::Busy => 6,
        }
    }

    /// Combines two outcomes, keeping the one that matters more
    /// (usage/baseline > busy > major risk > new drift > unreadable sources > noncompliance
    /// > compliant).
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        self.max(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_priorities_hold() {
        assert_eq!(ExitStatus::Compliant.code(), 0);
        assert_eq!(ExitStatus::Noncompliant.code(), 1);
        assert_eq!(ExitStatus::UsageOrBaseline.code(), 2);
        assert_eq!(ExitStatus::SourcesUnreadable.code(), 3);
        assert_eq!(ExitStatus::NewDrift.code(), 4);
        assert_eq!(ExitStatus::MajorRisk.code(), 5);
        assert_eq!(ExitStatus::Busy.code(), 6);
        assert_eq!(
            ExitStatus::Noncompliant.worst(ExitStatus::NewDrift),
            ExitStatus::NewDrift
        );
        assert_eq!(
            ExitStatus::NewDrift.worst(ExitStatus::SourcesUnreadable),
            ExitStatus::NewDrift
        );
        assert_eq!(
            ExitStatus::Noncompliant.worst(ExitStatus::SourcesUnreadable),
            ExitStatus::SourcesUnreadable
        );
        assert_eq!(
            ExitStatus::SourcesUnreadable.worst(ExitStatus::UsageOrBaseline),
            ExitStatus::UsageOrBaseline
        );
    }
}
