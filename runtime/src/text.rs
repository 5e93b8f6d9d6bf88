//! Server text made safe to show: bounded snippets of response bodies and strings with control
//! and bidirectional-override characters escaped. Shared by decoding and by the failures of the
//! attempt loop, so neither depends on the other.

/// At most 200 characters of the body, lossy UTF-8, control characters escaped, for error
/// messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Decode a bounded prefix only: a 30 MiB body should not be copied to show 200 characters.
    let prefix = body.get(..800).unwrap_or(body);
    let text = String::from_utf8_lossy(prefix);
    let mut out = String::new();
    let mut len = 0;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        let width = if needs_escape(c) { c.escape_default().count() } else { 1 };
        if len + width > 200 {
            break;
        }
        push_printable(&mut out, c);
        len += width;
        chars.next();
    }
    if chars.peek().is_some() || prefix.len() < body.len() {
        out.push('…');
    }
    out
}

/// `text` with control and bidirectional-override characters escaped (`\n`, `\u{1b}`,
/// `\u{202e}`): what a server sends must not forge log lines, drive a terminal or reorder the
/// text around it when an error is printed.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_printable(&mut out, c);
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_printable(out: &mut String, c: char) {
    if needs_escape(c) {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_bounded() {
        assert_eq!(snippet(b"short"), "short");
        let long = "é".repeat(1000);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), 201);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"\xff\xfeok"), "\u{fffd}\u{fffd}ok");
        assert_eq!(snippet(b"a\r\nFAKE\x1b[2J\t\xe2\x80\xaex"), "a\\r\\nFAKE\\u{1b}[2J\\t\\u{202e}x");
        let controls = snippet(&[0x1b; 100]);
        assert!(controls.chars().count() <= 201 && controls.ends_with('…'), "{controls}");
        assert_eq!(printable("unknown variant `a\nb`"), "unknown variant `a\\nb`");
    }
}
