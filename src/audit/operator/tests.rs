use super::*;

#[test]
fn placeholder_removed_by_tests_branch() {
    assert_eq!(compare_versions("8.1", "8.1.0"), Some(Ordering::Equal));
}
