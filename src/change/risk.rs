//! Classifying a planned change as automatic, minor or major, with the rule that decided.
//!
//! - major: a critical setting changes; more than `max_role_share` of a role's hosts change
//!   at once; or a touched item has no known current value to roll back to;
//! - automatic: otherwise, when every changing setting is low or info severity and none is
//!   in the availability or recoverability categories;
//! - minor: everything else.

use super::plan::{Outcome, Plan};
use crate::baseline::{Category, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskLevel {
    /// Small changes that pose no significant risk: may proceed without a board review.
    Automatic,
    Minor,
    Major,
}

impl RiskLevel {
    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::Automatic => "automatic",
            RiskLevel::Minor => "minor",
            RiskLevel::Major => "major",
        }
    }
}

/// Thresholds of the rules.
#[derive(Debug, Clone, Copy)]
pub struct RiskPolicy {
    /// Largest share (0–1) of one role's hosts that may change at once without being major.
    pub max_role_share: f64,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy {
            max_role_share: 0.5,
        }
    }
}

/// The assessment: level, every rule that fired, and what the change touches.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub level: RiskLevel,
    /// The rules that decided the level, in words.
    pub reasons: Vec<String>,
    /// Categories of the settings that would change (SLA impact, capacity, security, DR).
    pub categories: BTreeSet<Category>,
    pub hosts_changing: usize,
    pub hosts_already_matching: usize,
    pub items_changing: usize,
    pub items_unknown: usize,
    /// Per role: (hosts changing, hosts in the fleet with that role).
    pub roles: BTreeMap<String, (usize, usize)>,
}

pub fn assess(plan: &Plan, policy: RiskPolicy) -> Risk {
    let changing: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.outcome == Outcome::Change)
        .collect();
    let unknown: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.outcome == Outcome::Unknown)
        .collect();
    let hosts_changing: BTreeSet<&str> = changing.iter().map(|i| i.host.as_str()).collect();
    let hosts_touched: BTreeSet<&str> = plan.items.iter().map(|i| i.host.as_str()).collect();
    let categories: BTreeSet<Category> = changing
        .iter()
        .chain(&unknown)
        .map(|i| i.category)
        .collect();

    let mut roles: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for item in &changing {
        for role in &item.roles {
            roles
                .entry(role.to_lowercase())
                .or_default()
                .insert(item.host.as_str());
        }
    }
    let roles: BTreeMap<String, (usize, usize)> = roles
        .into_iter()
        .map(|(role, hosts)| {
            let size = plan.role_sizes.get(&role).copied().unwrap_or(hosts.len());
            (role, (hosts.len(), size))
        })
        .collect();

    let mut major = Vec::new();
    let critical: BTreeSet<&str> = changing
        .iter()
        .filter(|i| i.severity == Severity::Critical)
        .map(|i| i.setting.as_str())
        .collect();
    for setting in &critical {
        let hosts = changing.iter().filter(|i| i.setting == *setting).count();
        major.push(format!(
            "critical setting `{setting}` changes on {hosts} host(s)"
        ));
    }
    for (role, (count, size)) in &roles {
        let share = *count as f64 / (*size).max(1) as f64;
        if share > policy.max_role_share {
            major.push(format!(
                "{count} of {size} {role} hosts ({:.0}%) change at once (limit {:.0}%)",
                share * 100.0,
                policy.max_role_share * 100.0
            ));
        }
    }
    if !unknown.is_empty() {
        let hosts: BTreeSet<&str> = unknown.iter().map(|i| i.host.as_str()).collect();
        major.push(format!(
            "{} item(s) on {} host(s) have no known current value to roll back to",
            unknown.len(),
            hosts.len()
        ));
    }

    let (level, reasons) = if !major.is_empty() {
        (RiskLevel::Major, major)
    } else if changing.is_empty() {
        (
            RiskLevel::Automatic,
            vec!["no host would change".to_string()],
        )
    } else {
        let blocking: Vec<String> = changing
            .iter()
            .filter(|i| {
                i.severity > Severity::Low
                    || matches!(
                        i.category,
                        Category::Availability | Category::Recoverability
                    )
            })
            .map(|i| {
                format!(
                    "`{}` ({}, {})",
                    i.setting,
                    i.severity.label(),
                    i.category.label()
                )
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if blocking.is_empty() {
            (
                RiskLevel::Automatic,
                vec!["every changing setting is low or info severity and outside availability and recoverability".into()],
            )
        } else {
            (
                RiskLevel::Minor,
                vec![format!(
                    "not automatic: {} above low severity or in availability/recoverability",
                    blocking.join(", ")
                )],
            )
        }
    };
    Risk {
        level,
        reasons,
        categories,
        hosts_changing: hosts_changing.len(),
        hosts_already_matching: hosts_touched
            .iter()
            .filter(|h| {
                plan.items
                    .iter()
                    .filter(|i| i.host == **h)
                    .all(|i| i.outcome == Outcome::AlreadyMatches)
            })
            .count(),
        items_changing: changing.len(),
        items_unknown: unknown.len(),
        roles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::plan::test_item as item;
    use crate::change::plan::{Plan, PlannedItem};

    fn plan(items: Vec<PlannedItem>, role_size: usize) -> Plan {
        Plan {
            schema: "test",
            change_id: "CHG-1".into(),
            title: "t".into(),
            description: String::new(),
            items,
            role_sizes: [("hub-transport".to_string(), role_size)]
                .into_iter()
                .collect(),
        }
    }

    use Category::*;
    use Outcome::*;
    use Severity::*;

    #[test]
    fn rules_decide_level_and_say_why() {
        let policy = RiskPolicy {
            max_role_share: 0.5,
        };
        let cases: Vec<(&str, Vec<PlannedItem>, usize, RiskLevel, &str)> = vec![
            (
                "low security change on one of four hosts is automatic",
                vec![item("a", "hub-transport", "x", Low, Security, Change)],
                4,
                RiskLevel::Automatic,
                "every changing setting is low",
            ),
            (
                "info performance is automatic",
                vec![item("a", "hub-transport", "x", Info, Performance, Change)],
                4,
                RiskLevel::Automatic,
                "low or info",
            ),
            (
                "low availability is minor",
                vec![item("a", "hub-transport", "x", Low, Availability, Change)],
                4,
                RiskLevel::Minor,
                "availability",
            ),
            (
                "medium is minor",
                vec![item("a", "hub-transport", "x", Medium, Security, Change)],
                4,
                RiskLevel::Minor,
                "`x` (medium, security)",
            ),
            (
                "critical is major",
                vec![item("a", "hub-transport", "x", Critical, Security, Change)],
                4,
                RiskLevel::Major,
                "critical setting `x` changes on 1 host",
            ),
            (
                "three of four hosts at once is major",
                vec![
                    item("a", "hub-transport", "x", Low, Security, Change),
                    item("b", "hub-transport", "x", Low, Security, Change),
                    item("c", "hub-transport", "x", Low, Security, Change),
                ],
                4,
                RiskLevel::Major,
                "3 of 4 hub-transport hosts (75%) change at once (limit 50%)",
            ),
            (
                "two of four is not over the share",
                vec![
                    item("a", "hub-transport", "x", Low, Security, Change),
                    item("b", "hub-transport", "x", Low, Security, Change),
                ],
                4,
                RiskLevel::Automatic,
                "low",
            ),
            (
                "unknown current value is major",
                vec![item("a", "hub-transport", "x", Low, Security, Unknown)],
                4,
                RiskLevel::Major,
                "no known current value",
            ),
            (
                "nothing changes is automatic",
                vec![item(
                    "a",
                    "hub-transport",
                    "x",
                    Critical,
                    Security,
                    AlreadyMatches,
                )],
                4,
                RiskLevel::Automatic,
                "no host would change",
            ),
        ];
        for (name, items, size, level, reason) in cases {
            let risk = assess(&plan(items, size), policy);
            assert_eq!(risk.level, level, "{name}: {:?}", risk.reasons);
            assert!(
                risk.reasons.iter().any(|r| r.contains(reason)),
                "{name}: {:?}",
                risk.reasons
            );
        }
    }

    #[test]
    fn counts_hosts_changing_and_matching() {
        let risk = assess(
            &plan(
                vec![
                    item("a", "hub-transport", "x", Low, Security, Change),
                    item("b", "hub-transport", "x", Low, Security, AlreadyMatches),
                    item("c", "hub-transport", "x", Low, Capacity, AlreadyMatches),
                ],
                10,
            ),
            RiskPolicy::default(),
        );
        assert_eq!(
            (
                risk.hosts_changing,
                risk.hosts_already_matching,
                risk.items_changing
            ),
            (1, 2, 1)
        );
        assert_eq!(
            risk.categories.iter().copied().collect::<Vec<_>>(),
            vec![Security]
        );
        assert_eq!(risk.roles.get("hub-transport"), Some(&(1, 10)));
    }
}
