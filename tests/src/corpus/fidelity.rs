//! Typing fidelity per document: how many places each client types less
//! precisely than its document says (fallbacks), how many the document
//! leaves free-form, and how many constructs were left out, by cause, from
//! `gusset_codegen::Generated::fidelity`. A per-document column, a line
//! after the summary and a section of `corpus-report.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Findings of one document (or of all), by `category` and `cause` names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counts {
    /// Category → cause → findings, with the names `gusset_codegen` gives
    /// them (`Category::as_str`, `Cause::as_str`).
    by_cause: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Counts {
    pub(crate) fn of(fidelity: &gusset_codegen::Fidelity) -> Self {
        let mut counts = Counts::default();
        for ((category, cause), n) in fidelity.totals() {
            counts.add(category.as_str(), cause.as_str(), n);
        }
        counts
    }

    fn add(&mut self, category: &str, cause: &str, n: usize) {
        *self.by_cause.entry(category.to_owned()).or_default().entry(cause.to_owned()).or_default() += n;
    }

    /// The sum over several documents.
    pub(crate) fn sum<'a>(all: impl IntoIterator<Item = &'a Counts>) -> Counts {
        let mut total = Counts::default();
        for counts in all {
            for (category, causes) in &counts.by_cause {
                for (cause, n) in causes {
                    total.add(category, cause, *n);
                }
            }
        }
        total
    }

    /// Findings of one category (`fallback`, `free-form`, `dropped`).
    pub(crate) fn total(&self, category: &str) -> usize {
        self.causes(category).map(|(_, n)| n).sum()
    }

    fn causes<'a>(&'a self, category: &str) -> impl Iterator<Item = (&'a str, usize)> {
        self.by_cause.get(category).into_iter().flatten().map(|(cause, n)| (cause.as_str(), *n))
    }

    /// The table cell: `fallbacks/free-form/dropped`.
    pub(crate) fn cell(&self) -> String {
        format!("{}/{}/{}", self.total("fallback"), self.total("free-form"), self.total("dropped"))
    }

    /// `fidelity: 3 fallbacks (all-of-conflict 2, not 1), 40 free-form (...), 0 dropped`
    pub(crate) fn line(&self) -> String {
        let mut out = String::from("fidelity:");
        for (i, (category, plural)) in CATEGORIES.iter().enumerate() {
            let causes: Vec<String> = self.causes(category).map(|(cause, n)| format!("{cause} {n}")).collect();
            let separator = if i == 0 { " " } else { ", " };
            let _ = write!(out, "{separator}{} {plural}", self.total(category));
            if !causes.is_empty() {
                let _ = write!(out, " ({})", causes.join(", "));
            }
        }
        out
    }

    /// The Markdown section: totals by category and cause over all documents.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::from(
            "## Typing fidelity\n\nColumn `fidelity` of the table: fallbacks (typed less precisely than the document \
             says) / free-form values (the document allows any value) / constructs left out.\n\n\
             | category | cause | findings |\n|---|---|---:|\n",
        );
        for (category, _) in CATEGORIES {
            for (cause, n) in self.causes(category) {
                let _ = writeln!(out, "| {category} | {cause} | {n} |");
            }
            let _ = writeln!(out, "| **{category}** | all | **{}** |", self.total(category));
        }
        out.push('\n');
        out
    }
}

/// Category names and how the line says them.
const CATEGORIES: [(&str, &str); 3] = [("fallback", "fallbacks"), ("free-form", "free-form"), ("dropped", "dropped")];

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(entries: &[(&str, &str, usize)]) -> Counts {
        let mut out = Counts::default();
        for (category, cause, n) in entries {
            out.add(category, cause, *n);
        }
        out
    }

    #[test]
    fn sums_cells_lines_and_sections() {
        let a = counts(&[("fallback", "not", 1), ("free-form", "any-value", 4)]);
        let b = counts(&[("fallback", "not", 2), ("fallback", "all-of-conflict", 1), ("dropped", "webhooks", 1)]);
        let total = Counts::sum([&a, &b]);
        assert_eq!(a.cell(), "1/4/0");
        assert_eq!(total.cell(), "4/4/1");
        assert_eq!(
            total.line(),
            "fidelity: 4 fallbacks (all-of-conflict 1, not 3), 4 free-form (any-value 4), 1 dropped (webhooks 1)"
        );
        let md = total.markdown();
        assert!(md.contains("| fallback | not | 3 |\n"), "{md}");
        assert!(md.contains("| **dropped** | all | **1** |\n"), "{md}");
    }

    #[test]
    fn counts_what_the_generator_reports() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/constructs.yaml");
        let generated = gusset_codegen::generate(path, &gusset_codegen::Settings::new()).unwrap();
        let counts = Counts::of(generated.fidelity());
        assert_eq!(counts.total("fallback"), generated.fidelity().fallbacks().count());
        assert_eq!(counts.total("free-form"), generated.fidelity().free_form().count());
        // JSON round trip: the child process hands these to the parent.
        let json = serde_json::to_string(&counts).unwrap();
        assert_eq!(serde_json::from_str::<Counts>(&json).unwrap(), counts);
    }
}
