//! Document text to doc comments that rustdoc documents without a warning,
//! that cannot break out of their comment, cannot carry invisible control
//! characters, and cannot turn into doctests.
//!
//! Descriptions are Markdown (CommonMark, per the OpenAPI specification)
//! written for other renderers, so what rustdoc reads differently from them
//! is rewritten here, line by line (see [`inline`] for the rules).

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

/// An open code fence: its character (`` ` `` or `~`) and length.
#[derive(Clone, Copy)]
struct Fence {
    mark: char,
    len: usize,
}

impl Fence {
    /// The fence `line` (already trimmed) opens, if it opens one. A line of
    /// backticks whose info string has a backtick is inline code, not a fence.
    fn opens(line: &str) -> Option<Fence> {
        let mark = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let len = line.chars().take_while(|&c| c == mark).count();
        let info = &line[len..];
        (len >= 3 && !(mark == '`' && info.contains('`'))).then_some(Fence { mark, len })
    }

    /// Whether `line` (already trimmed) closes this fence.
    fn closes(self, line: &str) -> bool {
        let run = line.chars().take_while(|&c| c == self.mark).count();
        run >= self.len && line[run..].trim().is_empty()
    }

    fn marker(self) -> String {
        std::iter::repeat_n(self.mark, self.len).collect()
    }
}

/// Splits into lines and makes each one safe:
/// - control characters (including CR, NUL and bidirectional overrides) are
///   dropped: they could hide text from a reviewer; a tab is a space;
/// - code fences of any language become ```` ```text ````, so rustdoc never
///   compiles or runs an example (not even one marked Rust: the document's
///   examples were not written against the generated API); fences left open
///   are closed;
/// - leading indentation is removed outside fences, also after a quote or a
///   list marker, so no line becomes an indented (Rust) code block;
/// - the rest of each line goes through [`inline`];
/// - each line is emitted as its own `#[doc = "..."]` string by `emit`, so no
///   text can close the comment.
fn clean(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<Fence> = None;
    let mut total = 0;
    for raw in text.lines() {
        let line: String = raw.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| !is_hidden(*c)).collect();
        let line = line.trim_end();
        total += line.len();
        if total > MAX_CHARS {
            if let Some(open) = fence.take() {
                out.push(open.marker());
            }
            out.push("(description shortened)".to_string());
            break;
        }
        let trimmed = line.trim_start();
        match fence {
            Some(open) if open.closes(trimmed) => {
                out.push(open.marker());
                fence = None;
            }
            Some(_) => out.push(line.to_string()),
            None => match Fence::opens(trimmed) {
                Some(open) => {
                    out.push(format!("{}text", open.marker()));
                    fence = Some(open);
                }
                None => out.push(block_prefix(trimmed)),
            },
        }
    }
    if let Some(open) = fence {
        out.push(open.marker());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Quote markers (`>`) and list markers (`-`, `*`, `+`, `1.`, `1)`) at the
/// start of a line keep one space after them: more would start an indented
/// code block inside the quote or item, which rustdoc would test as Rust.
/// The rest of the line goes through [`inline`].
fn block_prefix(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        let marker_len = if rest.starts_with('>') {
            1
        } else {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let after = &rest[digits..];
            match after.chars().next() {
                Some('-' | '*' | '+') if digits == 0 => 1,
                Some('.' | ')') if (1..=9).contains(&digits) => digits + 1,
                _ => 0,
            }
        };
        let after = &rest[marker_len..];
        // A list marker needs a space after it (`-x` is text); a quote does not.
        let is_marker = marker_len > 0 && (rest.starts_with('>') || after.is_empty() || after.starts_with(' '));
        if !is_marker {
            break;
        }
        // `*`, `+` and `-` are escaped by `inline` elsewhere only when they
        // mean something there; here they are markers and kept as written.
        out.push_str(&rest[..marker_len]);
        rest = after.trim_start();
        if !rest.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(&inline(rest, false));
    out
}

/// Rewrites one line of Markdown outside code blocks so rustdoc reads it as
/// the document's author meant, without warnings:
/// - inline code spans are kept as they are (nothing is interpreted inside
///   them); a backtick that opens no span is escaped;
/// - bare `http://` and `https://` URLs become autolinks (`<https://...>`),
///   autolinks already written are kept;
/// - `<br>` is kept; any other `<` is written `&lt;`, so HTML in a
///   description shows as text: it cannot leave a tag unclosed, and it
///   cannot put markup or script into the generated documentation;
/// - a link `[text](https://...)` to an absolute URL is kept; any other `[`
///   and `]` are escaped, so rustdoc does not try intra-doc links (`[Pet]`,
///   `[1]`, `[text](relative)`) that resolve to nothing in the client;
/// - a backslash that escapes punctuation is kept; any other is escaped, so
///   it cannot escape the `<` of an autolink made here.
///
/// `in_link` is for the text of a kept link: no link or autolink inside it.
fn inline(line: &str, in_link: bool) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let taken = match c {
            '\\' => match rest[1..].chars().next() {
                Some(next) if next.is_ascii_punctuation() => {
                    out.push('\\');
                    out.push(next);
                    1 + next.len_utf8()
                }
                _ => {
                    out.push_str("\\\\");
                    1
                }
            },
            '`' => {
                let run = rest.chars().take_while(|&c| c == '`').count();
                match code_span_len(rest, run) {
                    Some(len) => {
                        out.push_str(&rest[..len]);
                        len
                    }
                    None => {
                        out.push_str(&"\\`".repeat(run));
                        run
                    }
                }
            }
            '<' => match autolink_len(rest).or_else(|| line_break_len(rest)) {
                Some(len) if !in_link || line_break_len(rest).is_some() => {
                    out.push_str(&rest[..len]);
                    len
                }
                _ => {
                    out.push_str("&lt;");
                    1
                }
            },
            '[' if !in_link => match link(rest) {
                Some((text, dest, len)) => {
                    out.push('[');
                    out.push_str(&inline(text, true));
                    out.push_str("](");
                    out.push_str(dest);
                    out.push(')');
                    len
                }
                None => {
                    out.push_str("\\[");
                    1
                }
            },
            '[' | ']' => {
                out.push('\\');
                out.push(c);
                1
            }
            'h' if !in_link && (rest.starts_with("http://") || rest.starts_with("https://")) => {
                let len = url_len(rest);
                if rest[..len].ends_with("://") {
                    out.push_str(&rest[..len]);
                } else {
                    out.push('<');
                    out.push_str(&rest[..len]);
                    out.push('>');
                }
                len
            }
            _ => {
                out.push(c);
                c.len_utf8()
            }
        };
        rest = &rest[taken..];
    }
    out
}

/// The length of the code span at the start of `text`, which begins with a
/// run of `run` backticks: up to the next run of exactly as many.
fn code_span_len(text: &str, run: usize) -> Option<usize> {
    let mut i = run;
    while let Some(offset) = text[i..].find('`') {
        let start = i + offset;
        let len = text[start..].chars().take_while(|&c| c == '`').count();
        if len == run {
            return Some(start + len);
        }
        i = start + len;
    }
    None
}

/// The length of an autolink (`<https://...>`, `<mailto:...>`) at the start
/// of `text`: no space, `<` or `>` inside, as CommonMark requires.
fn autolink_len(text: &str) -> Option<usize> {
    let inner = &text[1..];
    if !["http://", "https://", "mailto:"].iter().any(|scheme| inner.starts_with(scheme)) {
        return None;
    }
    let end = inner.find(|c: char| c == '>' || c == '<' || c.is_whitespace())?;
    inner[end..].starts_with('>').then_some(end + 2)
}

/// The length of a `<br>`, `<br/>` or `<br />` at the start of `text`.
fn line_break_len(text: &str) -> Option<usize> {
    let lower = text.get(..6).unwrap_or(text).to_ascii_lowercase();
    ["<br>", "<br/>", "<br />"].iter().find(|tag| lower.starts_with(*tag)).map(|tag| tag.len())
}

/// A link `[text](dest)` at the start of `text` whose destination is an
/// absolute URL and whose text has no brackets: its text, its destination
/// and its length.
fn link(text: &str) -> Option<(&str, &str, usize)> {
    let close = text.find(']')?;
    let label = &text[1..close];
    if label.trim().is_empty() || label.contains('[') {
        return None;
    }
    let after = text[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let dest = &after[..end];
    let absolute = ["http://", "https://", "mailto:"].iter().any(|scheme| dest.starts_with(scheme));
    let plain = !dest.contains(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '>' | '`' | '"' | '\\'));
    (absolute && plain).then_some((label, dest, close + 2 + end + 1))
}

/// The length of the URL at the start of `text`: up to a space or a
/// character that cannot be in an autolink or would end a Markdown
/// construct, less trailing punctuation of the sentence (and a closing
/// parenthesis that does not close one of the URL's own).
fn url_len(text: &str) -> usize {
    let mut end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | '|' | '[' | ']'))
        .unwrap_or(text.len());
    loop {
        let url = &text[..end];
        let Some(last) = url.chars().last() else { break };
        let unbalanced = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(last, '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '*' | '_' | '~' | '\\') || unbalanced {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    end
}

pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests;
