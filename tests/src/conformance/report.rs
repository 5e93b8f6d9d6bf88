//! The conformance table, summary line, failures grouped by cause, and the exit decision.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::prism::Mode;
use super::verdict::{Request, Verdict};
use crate::corpus::fidelity::Counts;

/// How far one document got.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Status {
    /// Every operation was called.
    Ran,
    /// The generator refused it (its first error).
    NotGenerated(String),
    /// The client or its harness did not build (the first error).
    NotBuilt(String),
    /// Prism could not load it: listed, not counted.
    PrismCannotLoad(String),
    /// The harness could not list or call.
    HarnessFailed(String),
}

/// One document's line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) document: String,
    pub(crate) status: Status,
    pub(crate) operations: usize,
    pub(crate) verdicts: Vec<Verdict>,
    pub(crate) fidelity: Option<Counts>,
    pub(crate) build_time: Duration,
    pub(crate) run_time: Duration,
}

/// Counts over some calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Calls counted (Prism's false positives aside).
    pub(crate) calls: usize,
    pub(crate) accepted: usize,
    pub(crate) decoded: usize,
    pub(crate) passed: usize,
    /// Calls whose only violations are Prism's known false positives.
    pub(crate) prism_false_positives: usize,
    /// Calls answered with a value of a type the document's schema leaves open.
    pub(crate) open_types: usize,
    /// Calls answered with a response that breaks the document's schema for it.
    pub(crate) responses_breaking_documents: usize,
}

impl Tally {
    fn of<'a>(verdicts: impl IntoIterator<Item = &'a Verdict>) -> Tally {
        let mut t = Tally::default();
        for v in verdicts {
            if matches!(v.request, Request::PrismFalsePositive(_)) {
                t.prism_false_positives += 1;
                continue;
            }
            if matches!(v.request, Request::OpenType(_)) {
                t.open_types += 1;
                continue;
            }
            if matches!(v.request, Request::ResponseBreaksDocument(_)) {
                t.responses_breaking_documents += 1;
                continue;
            }
            t.calls += 1;
            t.accepted += usize::from(v.request == Request::Accepted);
            t.decoded += usize::from(v.request == Request::Accepted && v.response.is_ok());
            t.passed += usize::from(v.passed());
        }
        t
    }

    fn add(&mut self, other: Tally) {
        self.calls += other.calls;
        self.accepted += other.accepted;
        self.decoded += other.decoded;
        self.passed += other.passed;
        self.prism_false_positives += other.prism_false_positives;
        self.responses_breaking_documents += other.responses_breaking_documents;
        self.open_types += other.open_types;
    }

    /// Passed calls in percent of counted ones (100 when none).
    pub(crate) fn rate(&self) -> f64 {
        percent(self.passed, self.calls)
    }
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 { 100.0 } else { n as f64 * 100.0 / of as f64 }
}

impl Row {
    pub(crate) fn new(document: String) -> Self {
        Row {
            document,
            status: Status::Ran,
            operations: 0,
            verdicts: Vec::new(),
            fidelity: None,
            build_time: Duration::ZERO,
            run_time: Duration::ZERO,
        }
    }

    pub(crate) fn tally(&self) -> Tally {
        Tally::of(&self.verdicts)
    }

    fn note(&self) -> String {
        match &self.status {
            Status::Ran => String::new(),
            Status::NotGenerated(e) => format!("NOT GENERATED: {e}"),
            Status::NotBuilt(e) => format!("NOT BUILT: {e}"),
            Status::PrismCannotLoad(e) => format!("Prism cannot load it: {e}"),
            Status::HarnessFailed(e) => format!("HARNESS FAILED: {e}"),
        }
    }

    pub(crate) fn progress(&self) -> String {
        let t = self.tally();
        match &self.status {
            Status::Ran => format!(
                "{} operations, {} of {} calls pass ({:.1} %), {} Prism false positives; built in {:.1} s, called in {:.1} s",
                self.operations,
                t.passed,
                t.calls,
                t.rate(),
                t.prism_false_positives,
                self.build_time.as_secs_f64(),
                self.run_time.as_secs_f64()
            ),
            _ => self.note(),
        }
    }
}

fn clip(text: &str, n: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    }
}

/// The terminal table.
pub(crate) fn text_table(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.document.len()).max().unwrap_or(8).max(8);
    let mut out = format!(
        "{:<width$} {:>5} {:>6} {:>8} {:>7} {:>6} {:>7} {:>5}  {}\n",
        "document", "ops", "calls", "accepted", "decoded", "passed", "rate", "fp", "fidelity / note"
    );
    for row in rows {
        let t = row.tally();
        let tail = match row.status {
            Status::Ran => row.fidelity.as_ref().map(Counts::cell).unwrap_or_default(),
            _ => clip(&row.note(), 100),
        };
        let _ = writeln!(
            out,
            "{:<width$} {:>5} {:>6} {:>8} {:>7} {:>6} {:>6.1}% {:>5}  {tail}",
            row.document,
            row.operations,
            t.calls,
            t.accepted,
            t.decoded,
            t.passed,
            t.rate(),
            t.prism_false_positives
        );
    }
    out
}

fn total(rows: &[Row]) -> Tally {
    let mut all = Tally::default();
    for row in rows.iter().filter(|r| r.status == Status::Ran) {
        all.add(row.tally());
    }
    all
}

/// The summary line.
pub(crate) fn summary(rows: &[Row], mode: Mode, elapsed: Duration) -> String {
    let t = total(rows);
    let ran = rows.iter().filter(|r| r.status == Status::Ran).count();
    let unloadable = rows.iter().filter(|r| matches!(r.status, Status::PrismCannotLoad(_))).count();
    let broken = rows.len() - ran - unloadable;
    let fidelity = Counts::sum(rows.iter().filter_map(|r| r.fidelity.as_ref()));
    format!(
        "conformance ({}): {} documents, {ran} run, {unloadable} Prism cannot load, {broken} not run; {} calls: \
         {} requests accepted ({:.1} %), {} responses decoded ({:.1} %), {} pass ({:.1} %); \
         {} Prism false positives, {} responses that break their schemas and {} of a type their schemas leave open apart; {}; {:.0} s",
        mode.name(),
        rows.len(),
        t.calls,
        t.accepted,
        percent(t.accepted, t.calls),
        t.decoded,
        percent(t.decoded, t.accepted),
        t.passed,
        t.rate(),
        t.prism_false_positives,
        t.responses_breaking_documents,
        t.open_types,
        fidelity.line(),
        elapsed.as_secs_f64()
    )
}

/// Failures by cause, most frequent first: (cause, count, example document, operation, detail).
fn causes(rows: &[Row]) -> Vec<(String, usize, String, String, String)> {
    let mut by: BTreeMap<String, (usize, String, String, String)> = BTreeMap::new();
    for row in rows {
        for v in &row.verdicts {
            if let Some((cause, detail)) = v.failure() {
                let entry = by.entry(cause).or_insert_with(|| (0, row.document.clone(), v.operation.clone(), detail));
                entry.0 += 1;
            }
        }
    }
    let mut list: Vec<_> = by.into_iter().map(|(c, (n, d, o, x))| (c, n, d, o, x)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// `Err` with the reasons when the run should exit 1.
pub(crate) fn verdict(rows: &[Row], min_rate: f64) -> Result<(), String> {
    let mut reasons = Vec::new();
    let rate = total(rows).rate();
    if rate < min_rate {
        reasons.push(format!("{rate:.1} % of calls pass, under --min-rate {min_rate}"));
    }
    if min_rate > 0.0 {
        let broken: Vec<&str> = rows
            .iter()
            .filter(|r| matches!(r.status, Status::NotGenerated(_) | Status::NotBuilt(_) | Status::HarnessFailed(_)))
            .map(|r| r.document.as_str())
            .collect();
        if !broken.is_empty() {
            reasons.push(format!("not run: {}", broken.join(", ")));
        }
    }
    if reasons.is_empty() { Ok(()) } else { Err(reasons.join("; ")) }
}

/// The reason a call is counted apart, when it is of one kind of [`Request`].
type Reason = fn(&Request) -> Option<&String>;

/// The Markdown report.
pub(crate) fn markdown(rows: &[Row], summary: &str, command: &str) -> String {
    let mut out = format!("# Conformance report\n\n`{command}`\n\n{summary}\n\n");
    out.push_str(
        "| document | ops | calls | accepted | decoded | passed | rate | Prism false positives | fidelity / note |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for row in rows {
        let t = row.tally();
        let tail = match row.status {
            Status::Ran => row.fidelity.as_ref().map(Counts::cell).unwrap_or_default(),
            _ => clip(&row.note(), 200).replace('|', "\\|"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.1} % | {} | {tail} |",
            row.document,
            row.operations,
            t.calls,
            t.accepted,
            t.decoded,
            t.passed,
            t.rate(),
            t.prism_false_positives
        );
    }
    out.push_str("\n## Failures by cause\n\n");
    for (cause, n, document, operation, detail) in causes(rows) {
        let _ = writeln!(out, "- **{cause}**: {n} calls; e.g. `{document}` `{operation}`: `{}`", clip(&detail, 300));
    }
    let failing: Vec<(&str, &str, String, String)> = rows
        .iter()
        .flat_map(|r| {
            r.verdicts.iter().filter_map(|v| {
                v.failure().map(|(cause, detail)| (r.document.as_str(), v.operation.as_str(), cause, detail))
            })
        })
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\n## Every failing call ({})\n", failing.len());
        for (document, operation, cause, detail) in failing.iter().take(1000) {
            let _ = writeln!(out, "- `{document}` `{operation}`: {cause}: `{}`", clip(detail, 240).replace('`', "'"));
        }
    }
    let apart: [(&str, usize, Reason); 3] = [
        ("Prism's false positives", 20, |r| match r {
            Request::PrismFalsePositive(text) => Some(text),
            _ => None,
        }),
        ("Responses of a type the schema leaves open", 40, |r| match r {
            Request::OpenType(text) => Some(text),
            _ => None,
        }),
        ("Responses that break their schemas", 40, |r| match r {
            Request::ResponseBreaksDocument(text) => Some(text),
            _ => None,
        }),
    ];
    for (title, most, pick) in apart {
        let calls: Vec<(&str, &str, &String)> = rows
            .iter()
            .flat_map(|r| {
                r.verdicts
                    .iter()
                    .filter_map(move |v| pick(&v.request).map(|t| (r.document.as_str(), v.operation.as_str(), t)))
            })
            .collect();
        if !calls.is_empty() {
            let _ = writeln!(out, "\n## {title} ({})\n", calls.len());
            for (document, operation, text) in calls.iter().take(most) {
                let _ = writeln!(out, "- `{document}` `{operation}`: `{}`", clip(text, 300));
            }
        }
    }
    let fidelity = Counts::sum(rows.iter().filter_map(|r| r.fidelity.as_ref()));
    out.push('\n');
    out.push_str(&fidelity.markdown());
    out
}

/// Failures by cause for the terminal, at most `n` causes.
pub(crate) fn causes_text(rows: &[Row], n: usize) -> String {
    let mut out = String::new();
    for (cause, count, document, operation, detail) in causes(rows).into_iter().take(n) {
        let _ = writeln!(out, "  {count:>5}  {cause}  e.g. {document} {operation}: {}", clip(&detail, 160));
    }
    out
}
