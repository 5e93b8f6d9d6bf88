//! The results table (plain text for the terminal, Markdown for the report
//! file), the summary line, failures grouped by cause, and the exit decision.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::doc::Documented;
use super::fidelity::Counts;
use super::generate::Generation;

/// Longest first-error text shown in the table.
const ERROR_WIDTH: usize = 100;

/// Whether and how a client compiled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Compiled {
    /// Not asked for (`--check` absent) or nothing to compile.
    NotChecked,
    /// Compiled without errors or warnings.
    Yes(Duration),
    /// Failed: the first error and how many error lines there were.
    No { first_error: String, errors: usize, elapsed: Duration },
    /// Not started: the time budget ran out.
    Budget,
}

/// One document's line in the table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The file name.
    pub(crate) document: String,
    /// Generation outcome (the code itself is dropped once written).
    pub(crate) generation: Generation,
    /// Warnings from the generator.
    pub(crate) warnings: usize,
    /// Typing fidelity, when a client was generated.
    pub(crate) fidelity: Option<Counts>,
    /// Time to generate.
    pub(crate) generate_time: Duration,
    /// Peak resident memory of the generation, when measured.
    pub(crate) peak_kib: Option<u64>,
    /// Size of the generated code in bytes (0 when none).
    pub(crate) code_bytes: usize,
    /// The check's outcome.
    pub(crate) compiled: Compiled,
    /// The documentation's outcome (`--doc`).
    pub(crate) documented: Documented,
}

impl Row {
    fn generated(&self) -> &'static str {
        match self.generation {
            Generation::Generated { .. } => "yes",
            Generation::Failed { .. } => "ERROR",
            Generation::Panicked(_) => "PANIC",
            Generation::TimedOut(_) => "TIMEOUT",
            Generation::Crashed(_) => "CRASH",
        }
    }

    fn counts(&self) -> (String, String) {
        match self.generation {
            Generation::Generated { operations, types, .. } => (operations.to_string(), types.to_string()),
            _ => ("-".to_owned(), "-".to_owned()),
        }
    }

    fn compiled(&self) -> &'static str {
        match self.compiled {
            Compiled::NotChecked => "-",
            Compiled::Yes(_) => "yes",
            Compiled::No { .. } => "no",
            Compiled::Budget => "skipped",
        }
    }

    fn check_time(&self) -> String {
        match &self.compiled {
            Compiled::Yes(t) | Compiled::No { elapsed: t, .. } => format!("{:.1}", t.as_secs_f64()),
            _ => "-".to_owned(),
        }
    }

    /// Why this document did not make it, in full; `None` when it did.
    pub(crate) fn failure(&self) -> Option<String> {
        match (&self.generation, &self.compiled) {
            (Generation::Failed { first_error, .. }, _) => Some(first_error.clone()),
            (Generation::Panicked(message), _) => Some(format!("panic: {message}")),
            (Generation::TimedOut(t), _) => Some(format!("generation timed out after {} s", t.as_secs_f64())),
            (Generation::Crashed(message), _) => Some(format!("crash: {message}")),
            (_, Compiled::No { first_error, errors, .. }) => Some(format!("{first_error} ({errors} errors)")),
            (_, Compiled::Budget) => Some("not compiled: time budget".to_owned()),
            _ => match &self.documented {
                Documented::Failed { first_error, errors, .. } => Some(format!("doc: {first_error} ({errors} errors)")),
                Documented::Yes { first_warning: Some(first), .. } => {
                    Some(format!("doc: {first} ({} warnings)", self.documented.warnings()))
                }
                Documented::Budget => Some("not documented: time budget".to_owned()),
                _ => None,
            },
        }
    }

    /// Counts for the panic/unlocated exit rule.
    fn is_tool_failure(&self) -> bool {
        match &self.generation {
            Generation::Failed { located, .. } => !located,
            Generation::Generated { .. } => false,
            Generation::Panicked(_) | Generation::TimedOut(_) | Generation::Crashed(_) => true,
        }
    }

    fn cells(&self) -> Vec<String> {
        let (operations, types) = self.counts();
        vec![
            self.document.clone(),
            operations,
            types,
            self.warnings.to_string(),
            self.fidelity.as_ref().map_or_else(|| "-".to_owned(), Counts::cell),
            self.generated().to_owned(),
            self.compiled().to_owned(),
            self.documented.cell(),
            format!("{:.1}", self.generate_time.as_secs_f64()),
            self.peak_kib.map_or_else(|| "-".to_owned(), |k| k.div_ceil(1024).to_string()),
            self.check_time(),
            self.documented.elapsed().map_or_else(|| "-".to_owned(), |t| format!("{:.1}", t.as_secs_f64())),
            format!("{}", self.code_bytes.div_ceil(1024)),
            cut(&self.failure().unwrap_or_default(), ERROR_WIDTH),
        ]
    }
}

const HEADER: [&str; 14] = [
    "document",
    "ops",
    "types",
    "warnings",
    "fidelity",
    "generated",
    "compiled",
    "doc",
    "gen s",
    "gen MiB",
    "check s",
    "doc s",
    "code KiB",
    "first error",
];

/// Columns holding numbers (right-aligned).
fn numeric(column: usize) -> bool {
    matches!(column, 1..=4 | 8..=12)
}

/// Totals over all rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) documents: usize,
    pub(crate) generated: usize,
    pub(crate) compiled: usize,
    pub(crate) panics: usize,
    /// Generations that died without an answer (memory limit, abort).
    pub(crate) crashes: usize,
    pub(crate) timeouts: usize,
    /// Failures without a located error (pointer or file position).
    pub(crate) unlocated: usize,
    pub(crate) checked: bool,
    /// Clients documented without a warning (`--doc`).
    pub(crate) documented: usize,
    /// Clients rustdoc could not document.
    pub(crate) doc_failures: usize,
    /// rustdoc's warnings about generated code, over all clients.
    pub(crate) doc_warnings: usize,
    /// Whether `--doc` was given.
    pub(crate) doc: bool,
}

impl Summary {
    /// Totals over `rows`; `checked` and `doc` say whether `--check` and
    /// `--doc` were given.
    pub(crate) fn of(rows: &[Row], checked: bool, doc: bool) -> Self {
        let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
        Summary {
            documents: rows.len(),
            generated: count(&|r| matches!(r.generation, Generation::Generated { .. })),
            compiled: count(&|r| matches!(r.compiled, Compiled::Yes(_))),
            panics: count(&|r| matches!(r.generation, Generation::Panicked(_))),
            crashes: count(&|r| matches!(r.generation, Generation::Crashed(_))),
            timeouts: count(&|r| matches!(r.generation, Generation::TimedOut(_))),
            unlocated: count(&|r| matches!(r.generation, Generation::Failed { located: false, .. })),
            checked,
            documented: count(&|r| matches!(r.documented, Documented::Yes { .. }) && r.documented.warnings() == 0),
            doc_failures: count(&|r| matches!(r.documented, Documented::Failed { .. })),
            doc_warnings: rows.iter().map(|r| r.documented.warnings()).sum(),
            doc,
        }
    }

    /// Compiled documents in percent of all documents.
    pub(crate) fn compile_rate(&self) -> f64 {
        percent(self.compiled, self.documents)
    }

    /// The exit decision: `Err` with the reasons when the run failed.
    pub(crate) fn verdict(&self, rows: &[Row], min_rate: f64) -> Result<(), String> {
        let mut reasons = Vec::new();
        let tools: Vec<&str> = rows.iter().filter(|r| r.is_tool_failure()).map(|r| r.document.as_str()).collect();
        if !tools.is_empty() {
            reasons
                .push(format!("panicked, crashed, timed out or failed without a located error: {}", tools.join(", ")));
        }
        if self.checked && self.compile_rate() < min_rate {
            reasons.push(format!("compile rate {:.1}% is under the minimum {min_rate}%", self.compile_rate()));
        }
        if self.doc && self.doc_failures + self.doc_warnings > 0 {
            reasons.push(format!(
                "documentation: {} clients failed, {} warnings about generated code",
                self.doc_failures, self.doc_warnings
            ));
        }
        if reasons.is_empty() { Ok(()) } else { Err(reasons.join("; ")) }
    }
}

impl std::fmt::Display for Summary {
    /// `corpus: 107 documents, 107 generated, 104 compiled (97.2%), 0 panics`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "corpus: {} documents, {} generated ({:.1}%), ",
            self.documents,
            self.generated,
            percent(self.generated, self.documents)
        )?;
        if self.checked {
            write!(f, "{} compiled ({:.1}%)", self.compiled, self.compile_rate())?;
        } else {
            f.write_str("not compiled (no --check)")?;
        }
        if self.doc {
            write!(
                f,
                ", {} documented without warnings, {} doc failures, {} doc warnings",
                self.documented, self.doc_failures, self.doc_warnings
            )?;
        }
        write!(
            f,
            ", {} panics, {} crashes, {} timeouts, {} unlocated errors",
            self.panics, self.crashes, self.timeouts, self.unlocated
        )
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// The table as aligned plain text.
pub(crate) fn text_table(rows: &[Row]) -> String {
    let lines: Vec<Vec<String>> =
        std::iter::once(HEADER.map(str::to_owned).to_vec()).chain(rows.iter().map(Row::cells)).collect();
    let mut widths = [0usize; HEADER.len()];
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (i, (cell, w)) in line.iter().zip(widths).enumerate() {
            // Numbers right-aligned, text left-aligned, last column unpadded.
            if i + 1 == HEADER.len() {
                text.push_str(cell);
            } else if numeric(i) {
                let _ = write!(text, "{cell:>w$}  ");
            } else {
                let _ = write!(text, "{cell:<w$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// The whole report as Markdown: summary, failures by cause, full table.
pub(crate) fn markdown(rows: &[Row], summary: &Summary, command: &str, notes: &[String]) -> String {
    let mut out = String::from("# Corpus report\n\n");
    let _ = writeln!(out, "`{summary}`\n\nProduced by `{command}`.\n");
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    let groups = failure_groups(rows);
    if !groups.is_empty() {
        out.push_str("## Failures by cause\n\n| cause | documents |\n|---|---|\n");
        for (cause, documents) in &groups {
            let _ = writeln!(out, "| {} | {} |", md_cell(cause), md_cell(&documents.join(", ")));
        }
        out.push('\n');
    }
    out.push_str(&Counts::sum(rows.iter().filter_map(|r| r.fidelity.as_ref())).markdown());
    out.push_str(&doc_warning_kinds(rows));
    out.push_str("## All documents\n\n|");
    for h in HEADER {
        let _ = write!(out, " {h} |");
    }
    out.push_str("\n|");
    for i in 0..HEADER.len() {
        out.push_str(if numeric(i) { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in rows {
        out.push('|');
        for cell in row.cells() {
            let _ = write!(out, " {} |", md_cell(&cell));
        }
        out.push('\n');
    }
    out
}

/// rustdoc's warnings over all clients by kind, most frequent first, with
/// the clients that have them; empty when there are none.
fn doc_warning_kinds(rows: &[Row]) -> String {
    let mut kinds: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    for row in rows {
        if let Documented::Yes { warnings, .. } = &row.documented {
            for (kind, n) in warnings {
                let entry = kinds.entry(kind.as_str()).or_default();
                entry.0 += n;
                entry.1.push(row.document.as_str());
            }
        }
    }
    if kinds.is_empty() {
        return String::new();
    }
    let mut sorted: Vec<_> = kinds.into_iter().collect();
    sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let mut out =
        String::from("## Documentation warnings by kind\n\n| warning | count | documents |\n|---|---:|---|\n");
    for (kind, (n, documents)) in sorted {
        let _ = writeln!(out, "| {} | {n} | {} |", md_cell(kind), md_cell(&documents.join(", ")));
    }
    out.push('\n');
    out
}

/// Failed documents grouped by a normalised cause: the first error with its
/// location and the names in backticks taken out, so "cannot find type
/// `A`" and "cannot find type `B`" fall in one group.
pub(crate) fn failure_groups(rows: &[Row]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        if let Some(failure) = row.failure() {
            groups.entry(cause(&failure)).or_default().push(row.document.clone());
        }
    }
    groups
}

/// `lib.rs:12:5: error[E0425]: cannot find value `x` (3 errors)` →
/// `error[E0425]: cannot find value `_``.
pub(crate) fn cause(failure: &str) -> String {
    let mut text = failure;
    if let Some(i) = text.find(": error") {
        text = &text[i + 2..];
    }
    // Generator errors end with ` at #/pointer (file:line:col)`.
    if let Some(i) = text.find(" at #") {
        text = &text[..i];
    }
    if let Some(i) = text.rfind(" (") {
        if text.ends_with(" errors)") {
            text = &text[..i];
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '`' {
            if inside {
                out.push('_');
            }
            inside = !inside;
            out.push('`');
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// `text` cut to at most `width` characters (on a character boundary), with
/// an ellipsis when cut.
pub(crate) fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(document: &str, generation: Generation, compiled: Compiled) -> Row {
        Row {
            document: document.to_owned(),
            fidelity: matches!(generation, Generation::Generated { .. }).then(Counts::default),
            generation,
            warnings: 2,
            generate_time: Duration::from_millis(1500),
            peak_kib: Some(5000),
            code_bytes: 2048,
            compiled,
            documented: Documented::NotAsked,
        }
    }

    fn generated() -> Generation {
        Generation::Generated { code: String::new(), operations: 3, types: 5 }
    }

    fn sample() -> Vec<Row> {
        let no = |e: &str| Compiled::No { first_error: e.to_owned(), errors: 4, elapsed: Duration::from_secs(2) };
        vec![
            row("a.yaml", generated(), Compiled::Yes(Duration::from_secs(3))),
            row("b.json", generated(), no("lib.rs:9:1: error[E0412]: cannot find type `Foo` in this scope")),
            row("c.json", generated(), no("lib.rs:7:3: error[E0412]: cannot find type `Bar` in this scope")),
            row(
                "d.yaml",
                Generation::Failed { first_error: "error: bad `x` at #/paths/~1a (d.yaml:3:4)".into(), located: true },
                Compiled::NotChecked,
            ),
            row("e.yaml", generated(), Compiled::Budget),
        ]
    }

    #[test]
    fn summary_counts_and_rate() {
        let rows = sample();
        let s = Summary::of(&rows, true, false);
        assert_eq!(
            s.to_string(),
            "corpus: 5 documents, 4 generated (80.0%), 1 compiled (20.0%), 0 panics, 0 crashes, 0 timeouts, 0 unlocated errors"
        );
        assert_eq!(s.verdict(&rows, 20.0), Ok(()));
        assert_eq!(s.verdict(&rows, 50.0), Err("compile rate 20.0% is under the minimum 50%".to_owned()));
        let unchecked = Summary::of(&rows, false, false);
        assert!(unchecked.to_string().contains("not compiled (no --check)"));
        assert_eq!(unchecked.verdict(&rows, 50.0), Ok(()));
    }

    #[test]
    fn panics_timeouts_and_unlocated_errors_fail_the_run() {
        let mut rows = sample();
        rows.push(row("p.yaml", Generation::Panicked("boom at x.rs:1:1".into()), Compiled::NotChecked));
        rows.push(row("t.yaml", Generation::TimedOut(Duration::from_secs(120)), Compiled::NotChecked));
        rows.push(row(
            "u.yaml",
            Generation::Failed { first_error: "error: oops at #".into(), located: false },
            Compiled::NotChecked,
        ));
        rows.push(row("x.yaml", Generation::Crashed("killed over the memory limit".into()), Compiled::NotChecked));
        let s = Summary::of(&rows, false, false);
        assert_eq!((s.panics, s.crashes, s.timeouts, s.unlocated), (1, 1, 1, 1));
        assert_eq!(
            s.verdict(&rows, 0.0),
            Err("panicked, crashed, timed out or failed without a located error: p.yaml, t.yaml, u.yaml, x.yaml"
                .to_owned())
        );
    }

    #[test]
    fn failures_group_by_cause() {
        let groups = failure_groups(&sample());
        let expected: BTreeMap<String, Vec<String>> = [
            ("error[E0412]: cannot find type `_` in this scope", vec!["b.json", "c.json"]),
            ("error: bad `_`", vec!["d.yaml"]),
            ("not compiled: time budget", vec!["e.yaml"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
        .collect();
        assert_eq!(groups, expected);
    }

    #[test]
    fn tables_have_every_row_and_escape_markdown() {
        let mut rows = sample();
        rows.push(row("f|g.yaml", generated(), Compiled::NotChecked));
        let text = text_table(&rows);
        assert_eq!(text.lines().count(), rows.len() + 1);
        assert!(text.lines().nth(2).unwrap().starts_with("b.json"), "{text}");
        assert!(text.contains("lib.rs:9:1: error[E0412]: cannot find type `Foo` in this scope (4 errors)"));
        let s = Summary::of(&rows, true, false);
        let md = markdown(&rows, &s, "cargo run", &["a note".to_owned()]);
        assert!(md.contains("| f\\|g.yaml |"), "{md}");
        assert!(md.contains("`corpus: 6 documents"));
        assert!(md.contains("- a note\n"));
        let table = md.split("## All documents").nth(1).unwrap();
        // Header, alignment row, one row per document.
        assert_eq!(table.lines().filter(|l| l.starts_with('|')).count(), rows.len() + 2);
    }

    #[test]
    fn cut_respects_characters() {
        assert_eq!(cut("héllo", 10), "héllo");
        assert_eq!(cut("héllo wörld", 5), "héll…");
    }

    #[test]
    fn doc_failures_and_warnings_are_counted_and_fail_the_run() {
        let mut rows = sample();
        let yes = |kinds: &[(&str, usize)]| Documented::Yes {
            warnings: kinds.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect(),
            first_warning: kinds.first().map(|(k, _)| format!("lib.rs:1:1: {k}")),
            elapsed: Duration::from_secs(4),
        };
        rows[0].documented = yes(&[]);
        rows[1].documented = yes(&[("warning: this URL is not a hyperlink", 3), ("warning: unclosed HTML tag `_`", 1)]);
        rows[2].documented =
            Documented::Failed { first_error: "error[E0275]: overflow".into(), errors: 1, elapsed: Duration::ZERO };
        let s = Summary::of(&rows, true, true);
        assert_eq!((s.documented, s.doc_failures, s.doc_warnings), (1, 1, 4));
        assert!(s.to_string().contains(", 1 documented without warnings, 1 doc failures, 4 doc warnings, "), "{s}");
        assert_eq!(
            s.verdict(&rows, 0.0),
            Err("documentation: 1 clients failed, 4 warnings about generated code".to_owned())
        );
        // Without --doc the same rows pass.
        assert_eq!(Summary::of(&rows, true, false).verdict(&rows, 0.0), Ok(()));
        let text = text_table(&rows);
        assert!(text.lines().next().unwrap().contains("compiled  doc"), "{text}");
        assert!(text.contains("4 warn"), "{text}");
        let md = markdown(&rows, &s, "cargo run", &[]);
        assert!(md.contains("## Documentation warnings by kind"), "{md}");
        assert!(md.contains("| warning: this URL is not a hyperlink | 3 | b.json |"), "{md}");
        // A clean client only: no section.
        assert!(!markdown(&rows[..1], &s, "cargo run", &[]).contains("Documentation warnings"));
    }
}
