//! What `tether fmt --diff` prints: the change the formatter makes to a file.

/// A unified diff between a file and its formatted text, with `--- path` / `+++ path` headers;
/// empty when they are equal, so a caller can print it as it is.
#[must_use]
pub fn unified_diff(path: &str, original: &str, formatted: &str) -> String {
    if original == formatted {
        return String::new();
    }
    similar::TextDiff::from_lines(original, formatted).unified_diff().context_radius(3).header(path, path).to_string()
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn unified_diff_shows_removed_and_added_lines() {
        let original = "block {\n    a=1\n  bb = 2\n}\n";
        let formatted = "block {\n  a  = 1\n  bb = 2\n}\n";
        let diff = unified_diff("main.hcl", original, formatted);
        assert!(diff.starts_with("--- main.hcl\n+++ main.hcl\n"), "{diff}");
        assert!(diff.contains("\n-    a=1\n"), "{diff}");
        assert!(diff.contains("\n+  a  = 1\n"), "{diff}");
        assert!(diff.contains("\n-  bb = 2\n") || diff.contains(" bb = 2"), "{diff}");
        assert!(diff.contains("@@"), "{diff}");
        assert_eq!(unified_diff("main.hcl", formatted, formatted), "");
    }
}
