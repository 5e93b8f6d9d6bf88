//! Diagnostics printed the way rustc prints them, with `annotate-snippets`
//! (the renderer rustc itself uses):
//!
//! ```text
//! error: unresolved `$ref` `#/components/schemas/Missing`
//!   --> openapi/orders.yaml:14:19
//!    |
//! 14 |             $ref: '#/components/schemas/Missing'
//!    |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//!    |
//!    = pointer: #/paths/~1orders/get/responses/200/content/application~1json/schema
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use gusset_codegen::{Diagnostic, Location, Severity};

/// How many diagnostics are shown in full; the rest are counted.
const SHOWN: usize = 10;

/// Lines longer than this (minified JSON) are not quoted: only the
/// `file:line:col` is shown, which stays exact and cheap.
const LONGEST_QUOTED_LINE: usize = 4096;

/// What [`render`] produced.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The diagnostics and the summary line, ready to print.
    pub(crate) text: String,
    /// How many of the diagnostics were errors.
    pub(crate) errors: usize,
}

/// How many diagnostics to show in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown {
    /// The first [`SHOWN`], then a count of the rest and how to see them.
    First,
    /// Every one (`cargo gusset check --all`).
    All,
}

/// Renders `diagnostics` of `document`: the first [`SHOWN`] in full and a
/// count of the rest, or all of them, then a summary line.
pub(crate) fn render(diagnostics: &[Diagnostic], document: &Path, shown: Shown, color: bool) -> Rendered {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut sources = Sources::default();
    let mut text = String::new();
    let limit = match shown {
        Shown::First => SHOWN,
        Shown::All => diagnostics.len(),
    };
    for diagnostic in diagnostics.iter().take(limit) {
        text.push_str(&render_one(&renderer, diagnostic, &mut sources));
        text.push_str("\n\n");
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let name = clean(&document.display().to_string());
    let rest = &diagnostics[diagnostics.len().min(limit)..];
    if !rest.is_empty() {
        let rest_errors = rest.iter().filter(|d| d.is_error()).count();
        let parts = [(rest_errors, "error"), (rest.len() - rest_errors, "warning")];
        let counted: Vec<String> =
            parts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} more {}", plural(*n, what))).collect();
        text.push_str(&format!(
            "... and {} (`cargo gusset check --all {name}` shows every one)\n\n",
            counted.join(" and ")
        ));
    }
    let summary = if errors > 0 {
        let mut title =
            format!("could not generate a client from `{name}` due to {errors} {}", plural(errors, "error"));
        if warnings > 0 {
            title.push_str(&format!("; {warnings} {} emitted", plural(warnings, "warning")));
        }
        renderer.render(&[Group::with_title(Level::ERROR.primary_title(title))])
    } else if warnings > 0 {
        let title = format!("`{name}` generated {warnings} {}", plural(warnings, "warning"));
        renderer.render(&[Group::with_title(Level::WARNING.primary_title(title))])
    } else {
        format!("    Checked `{name}`: no problems found")
    };
    text.push_str(&summary);
    text.push('\n');
    Rendered { text, errors }
}

/// `what` or `whats`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 { what.to_owned() } else { format!("{what}s") }
}

/// One diagnostic: title, location with the quoted line, pointer.
fn render_one(renderer: &Renderer, diagnostic: &Diagnostic, sources: &mut Sources) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = clean(&diagnostic.message);
    let pointer = format!("pointer: #{}", clean(&diagnostic.pointer));
    let mut group = Group::with_title(level.primary_title(message.as_str()));
    if let Some(location) = &diagnostic.location {
        let file = location.file.display().to_string();
        match sources.line(location) {
            Some((line, span)) => {
                group = group.element(
                    Snippet::source(line)
                        .line_start(location.line)
                        .path(file)
                        .annotation(AnnotationKind::Primary.span(span)),
                );
            }
            None => {
                group = group.element(Origin::path(file).line(location.line).char_column(location.column));
            }
        }
    }
    group = group.element(Level::NOTE.no_name().message(pointer));
    renderer.render(&[group])
}

/// Text from a document made safe to print: control characters (including
/// escape sequences and bidirectional overrides) are shown as symbols, and
/// newlines escaped so one diagnostic stays one title line.
fn clean(text: &str) -> String {
    annotate_snippets::normalize_untrusted_str(text).replace('\n', "\\n").replace('\r', "\\r")
}

/// Source files read once each, for quoting lines.
#[derive(Default)]
struct Sources {
    files: HashMap<PathBuf, Option<String>>,
}

impl Sources {
    /// The line `location` points at, and the byte range within it to mark:
    /// the token starting at the column (a key, a quoted string, a number),
    /// or one character. `None` when the file cannot be read or the line is
    /// missing or too long to quote.
    fn line(&mut self, location: &Location) -> Option<(&str, std::ops::Range<usize>)> {
        let source = self
            .files
            .entry(location.file.clone())
            .or_insert_with(|| std::fs::read_to_string(&location.file).ok())
            .as_deref()?;
        let line = source.lines().nth(location.line.checked_sub(1)?)?;
        if line.len() > LONGEST_QUOTED_LINE {
            return None;
        }
        let start = line.char_indices().nth(location.column.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
        Some((line, start..start + token_len(&line[start..])))
    }
}

/// The length in bytes of the token at the start of `rest`: a quoted string
/// up to its closing quote, else up to whitespace or YAML/JSON punctuation;
/// at least one character when there is one.
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else { return 0 };
    if first == '"' || first == '\'' {
        let mut escaped = false;
        for (i, c) in chars {
            match c {
                '\\' if first == '"' && !escaped => escaped = true,
                c if c == first && !escaped => return i + c.len_utf8(),
                _ => escaped = false,
            }
        }
        return rest.len();
    }
    let end = rest
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, ':' | ',' | '}' | ']' | '#'))
        .map_or(rest.len(), |(i, _)| i);
    end.max(first.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_marked_whole() {
        assert_eq!(token_len("openapi: 3.0.3"), "openapi".len());
        assert_eq!(token_len("\"a \\\" b\": 1"), "\"a \\\" b\"".len());
        assert_eq!(token_len("'it''s'"), "'it'".len());
        assert_eq!(token_len(": x"), 1);
        assert_eq!(token_len("é:"), 2);
        assert_eq!(token_len(""), 0);
        assert_eq!(token_len("\"unterminated"), "\"unterminated".len());
    }

    fn diag(severity: Severity, n: usize) -> Diagnostic {
        let d = Diagnostic::error(format!("/paths/{n}"), format!("problem {n}"));
        Diagnostic { severity, ..d }
    }

    #[test]
    fn counts_past_the_first_ten() {
        let mut ds: Vec<Diagnostic> = (0..12).map(|n| diag(Severity::Error, n)).collect();
        ds.extend((0..3).map(|n| diag(Severity::Warning, n)));
        let out = render(&ds, Path::new("api.yaml"), Shown::First, false);
        assert_eq!(out.errors, 12);
        assert_eq!(out.text.matches("error: problem").count(), 10, "{}", out.text);
        assert!(
            out.text.contains(
                "... and 2 more errors and 3 more warnings (`cargo gusset check --all api.yaml` shows every one)"
            ),
            "{}",
            out.text
        );
        let all = render(&ds, Path::new("api.yaml"), Shown::All, false);
        assert_eq!(all.text.matches("error: problem").count(), 12, "{}", all.text);
        assert_eq!(all.text.matches("warning: problem").count(), 3, "{}", all.text);
        assert!(!all.text.contains("... and"), "{}", all.text);
        assert!(all.text.ends_with("due to 12 errors; 3 warnings emitted\n"), "{}", all.text);
        assert!(
            out.text
                .ends_with("error: could not generate a client from `api.yaml` due to 12 errors; 3 warnings emitted\n"),
            "{}",
            out.text
        );
    }

    #[test]
    fn quotes_the_line_and_marks_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("api.yaml");
        std::fs::write(&file, "openapi: 3.0.3\ninfo:\n  titel: x\n").unwrap();
        let d = Diagnostic::warning("/info/titel", "unknown key `titel`").at(Location {
            file: file.clone(),
            line: 3,
            column: 3,
        });
        let out = render(&[d], &file, Shown::First, false);
        let expected = format!(
            "warning: unknown key `titel`\n --> {}:3:3\n  |\n3 |   titel: x\n  |   ^^^^^\n  |\n  = pointer: #/info/titel\n",
            file.display()
        );
        assert!(out.text.starts_with(&expected), "{}\n---\n{expected}", out.text);
        assert_eq!(out.errors, 0);
    }

    #[test]
    fn unreadable_sources_still_give_file_line_col() {
        let d = Diagnostic::error("", "bad").at(Location { file: PathBuf::from("gone.yaml"), line: 9, column: 4 });
        let out = render(&[d], Path::new("gone.yaml"), Shown::First, false);
        assert!(out.text.contains("--> gone.yaml:9:4"), "{}", out.text);
        assert!(out.text.contains("= pointer: #\n"), "{}", out.text);
    }

    #[test]
    fn document_text_cannot_drive_the_terminal() {
        let d = Diagnostic::error("/a\u{1b}[2J", "name `x\u{202e}y`\nsecond line");
        let out = render(&[d], Path::new("api.yaml"), Shown::First, false);
        assert!(!out.text.contains('\u{1b}') && !out.text.contains('\u{202e}'), "{:?}", out.text);
        assert!(out.text.contains("second line"));
        assert_eq!(out.text.lines().filter(|l| l.starts_with("error: name")).count(), 1);
    }

    #[test]
    fn clean_document() {
        let out = render(&[], Path::new("api.yaml"), Shown::First, false);
        assert_eq!(out.text, "    Checked `api.yaml`: no problems found\n");
    }
}
