//! Document text to doc comments that cannot break out of their comment,
//! cannot carry invisible control characters, and cannot turn into doctests.

use crate::ir::Docs;

/// The longest doc we keep; past it, the text is cut with a note. Some
/// published documents embed whole manuals in one description.
const MAX_CHARS: usize = 4000;

/// Joins the present parts (summary, description, ...) as paragraphs.
pub(crate) fn docs(parts: &[Option<&str>]) -> Docs {
    let mut lines: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for part in parts.iter().flatten() {
        let trimmed = part.trim();
        // A summary repeated as the description says nothing new.
        if trimmed.is_empty() || seen.contains(&trimmed) {
            continue;
        }
        seen.push(trimmed);
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(clean(trimmed));
    }
    Docs { lines }
}

/// Splits into lines and makes each one safe:
/// - control characters (including CR, NUL and bidirectional overrides) are
///   dropped: they could hide text from a reviewer;
/// - code fences without a language, or with a language other than Rust,
///   become ```` ```text ````, and leading indentation is removed outside
///   fences, so rustdoc never compiles an example written in another language;
/// - each line is emitted as its own `#[doc = "..."]` string by `emit`, so no
///   text can close the comment.
fn clean(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut total = 0;
    for raw in text.lines() {
        let line: String = raw.chars().filter(|c| !is_hidden(*c)).collect();
        let line = line.trim_end();
        total += line.len();
        if total > MAX_CHARS {
            out.push("(description shortened)".to_string());
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence = &trimmed[..3];
            if in_fence {
                out.push(fence.to_string());
            } else {
                out.push(format!("{fence}text"));
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            out.push(trimmed.to_string());
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_become_text_and_indentation_goes() {
        let d = docs(&[Some("Lists pets."), Some("Example:\n\n    curl x\n```json\n{\"a\": 1}\n```\nend")]);
        assert_eq!(d.lines, ["Lists pets.", "", "Example:", "", "curl x", "```text", "{\"a\": 1}", "```", "end"]);
    }

    #[test]
    fn hidden_characters_are_dropped_and_unclosed_fences_closed() {
        let d = docs(&[Some("a\u{202e}b\r\n\0c\n```rust\nfn x() {}")]);
        assert_eq!(d.lines, ["ab", "c", "```text", "fn x() {}", "```"]);
    }

    #[test]
    fn repeated_summary_is_said_once() {
        assert_eq!(docs(&[Some("Get a pet"), Some("Get a pet")]).lines, ["Get a pet"]);
        assert!(docs(&[None, Some("  ")]).lines.is_empty());
    }
}
