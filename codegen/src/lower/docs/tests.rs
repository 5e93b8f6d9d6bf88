use super::*;

fn lines(text: &str) -> Vec<String> {
    docs(&[Some(text)]).lines
}

fn line(text: &str) -> String {
    let mut all = lines(text);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

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

#[test]
fn a_fence_closes_only_with_its_own_mark_and_length() {
    // Inside a ```` fence, ``` and ~~~ are content; the closing marker is the opening one.
    assert_eq!(
        lines("````yaml\n```\n~~~\n  indented: kept\n````\nafter"),
        ["````text", "```", "~~~", "  indented: kept", "````", "after"]
    );
    assert_eq!(lines("~~~\nx\n```\n~~~"), ["~~~text", "x", "```", "~~~"]);
    // A fence left open by a shortened description is closed before the note.
    let long = format!("```\n{}", "word ".repeat(1000));
    let cut = lines(&long);
    assert_eq!(cut[cut.len() - 2..], ["```", "(description shortened)"]);
}

#[test]
fn backticks_on_one_line_are_inline_code_not_a_fence() {
    assert_eq!(line("```let x = <T>[0];``` is code"), "```let x = <T>[0];``` is code");
}

#[test]
fn no_line_becomes_an_indented_code_block() {
    assert_eq!(
        lines("para\n\n        code\n>     quoted code\n-      listed code\n12)     n"),
        ["para", "", "code", "> quoted code", "- listed code", "12) n"]
    );
    assert_eq!(line("\tTabbed\tout"), "Tabbed out");
    // Not markers: kept as text.
    assert_eq!(line("**bold** and -x"), "**bold** and -x");
}

#[test]
fn bare_urls_become_autolinks() {
    assert_eq!(line("See https://example.com/docs."), "See <https://example.com/docs>.");
    assert_eq!(
        line("(docs at http://a.example/x_(y), or https://b.example/?q=1&r=2#frag)"),
        "(docs at <http://a.example/x_(y)>, or <https://b.example/?q=1&r=2#frag>)"
    );
    assert_eq!(line("**https://bold.example**"), "**<https://bold.example>**");
    assert_eq!(line("'https://quoted.example/{id}'"), "'<https://quoted.example/{id}>'");
    assert_eq!(line("a|https://x.example|b"), "a|<https://x.example>|b");
    // Already links, or code: unchanged.
    assert_eq!(
        line("<https://example.com> and `https://code.example`"),
        "<https://example.com> and `https://code.example`"
    );
    assert_eq!(line("[the docs](https://example.com/a_b)"), "[the docs](https://example.com/a_b)");
    assert_eq!(line("[https://example.com](https://example.com)"), "[https://example.com](https://example.com)");
    // A scheme alone is no URL.
    assert_eq!(line("http:// and https://"), "http:// and https://");
}

#[test]
fn html_is_shown_as_text() {
    assert_eq!(line("<b>bold</b> Vec<T> <!-- note -->"), "&lt;b>bold&lt;/b> Vec&lt;T> &lt;!-- note -->");
    assert_eq!(line("<script>alert(1)</script>"), "&lt;script>alert(1)&lt;/script>");
    assert_eq!(line("one<br>two<BR/>three<br />four"), "one<br>two<BR/>three<br />four");
    assert_eq!(line("<a href=\"https://example.com\">x</a>"), "&lt;a href=\"<https://example.com>\">x&lt;/a>");
    // An unclosed autolink is not one.
    assert_eq!(line("<https://example.com and more"), "&lt;<https://example.com> and more");
    assert_eq!(line("`<T>` in code"), "`<T>` in code");
}

#[test]
fn brackets_that_are_not_links_are_escaped() {
    assert_eq!(line("a [Pet] or [1] or [x][y]"), "a \\[Pet\\] or \\[1\\] or \\[x\\]\\[y\\]");
    assert_eq!(line("[relative](/docs/pets) [path](Pet)"), "\\[relative\\](/docs/pets) \\[path\\](Pet)");
    assert_eq!(line("[x]: https://ref.example"), "\\[x\\]: <https://ref.example>");
    assert_eq!(line("[^1] and [ ](https://e.example)"), "\\[^1\\] and \\[ \\](<https://e.example>)");
    // The text of a kept link is cleaned too, without links inside it.
    assert_eq!(line("[<b>`a`</b> ](mailto:a@b.example)"), "[&lt;b>`a`&lt;/b> ](mailto:a@b.example)");
    assert_eq!(line("[spaced](https://e.example \"title\")"), "\\[spaced\\](<https://e.example> \"title\")");
}

#[test]
fn backticks_and_backslashes_cannot_open_what_they_should_not() {
    assert_eq!(line("`ok` then a lone ` here"), "`ok` then a lone \\` here");
    assert_eq!(line("``double` x"), "\\`\\`double\\` x");
    // As in CommonMark, a span closes at the next run of as many backticks.
    assert_eq!(line("` a ``b`` c `"), "` a ``b`` c `");
    assert_eq!(line("C:\\path\\https://x.example"), "C:\\\\path\\\\<https://x.example>");
    assert_eq!(line("kept \\[ and \\* and \\<"), "kept \\[ and \\* and \\<");
    assert_eq!(line("ends with \\"), "ends with \\\\");
}
