//! Server-sent events: an incremental parser of `text/event-stream` bodies, following the
//! WHATWG HTML standard's "event stream interpretation" (§9.2.6).
//!
//! Feed it the body's chunks as they arrive, cut anywhere; it yields each [`Event`] when its
//! closing blank line arrives:
//!
//! ```
//! let mut parser = gusset::sse::Parser::new();
//! assert!(parser.feed(b"event: delta\ndata: {\"text\":\n").is_empty());
//! let events = parser.feed(b": a comment\ndata: \"hi\"}\n\n");
//! assert_eq!(events[0].event, "delta");
//! assert_eq!(events[0].data, "{\"text\":\n\"hi\"}");
//! ```
//!
//! The rules: a UTF-8 byte order mark at the very start is skipped; lines end in CR, LF or CRLF
//! (also when the CR and the LF arrive in different chunks); lines starting with `:` are
//! comments (keep-alives); a line `name: value` sets a field (one space after the colon is
//! dropped, a line without a colon is a field with an empty value); `data` lines are joined with
//! `\n`; `event` sets the type (`message` when none is given); `id` sets the last event id, which
//! later events keep until another `id` changes it (an id containing NUL is ignored); `retry`
//! with only ASCII digits sets the reconnection time; other fields are ignored. A blank line
//! dispatches the event, unless it has no data. Text that is not UTF-8 is decoded with
//! replacement characters. At the end of the body an unfinished event is dropped.

use std::time::Duration;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One server-sent event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The event type: the `event` field, `message` when the event has none.
    pub event: String,
    /// The `data` lines, joined with `\n`.
    pub data: String,
    /// The last event id the stream set (an `id` field of this event or of an earlier one);
    /// `None` when none was set or it was set to empty. Send it as `Last-Event-ID` to resume.
    pub id: Option<String>,
    /// The reconnection time the stream last asked for with a `retry` field, if it did.
    pub retry: Option<Duration>,
}

/// An incremental `text/event-stream` parser (see the [module docs](self)).
#[derive(Clone, Debug, Default)]
pub struct Parser {
    /// Bytes of the line not yet ended.
    line: Vec<u8>,
    /// The last byte fed was a CR: an LF right after it ends no second line.
    after_cr: bool,
    /// The byte order mark check is over (it applies at the start of the stream only).
    started: bool,
    /// How many bytes of a byte order mark were seen at the start.
    bom: usize,
    event: String,
    data: String,
    last_id: String,
    retry: Option<Duration>,
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the next chunk of the body and returns the events it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while !self.started {
            let Some((&first, tail)) = rest.split_first() else { return out };
            if BOM.get(self.bom) == Some(&first) {
                self.bom += 1;
                rest = tail;
                self.started = self.bom == BOM.len();
            } else {
                // Not a byte order mark: what looked like its start is text of the first line.
                self.started = true;
                let seen = BOM.get(..self.bom).unwrap_or_default();
                self.line.extend_from_slice(seen);
            }
        }
        self.lines(rest, &mut out);
        out
    }

    /// The last event id set so far (empty ids read as none).
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.last_id.as_str()).filter(|id| !id.is_empty())
    }

    /// The reconnection time the stream last asked for, if any.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The bytes held for the event being read (its unfinished line and its data so far): what a
    /// caller bounds to keep a server from growing one event without end.
    pub fn buffered(&self) -> usize {
        self.line.len() + self.data.len() + self.event.len()
    }

    fn lines(&mut self, mut rest: &[u8], out: &mut Vec<Event>) {
        while !rest.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if let Some(tail) = rest.strip_prefix(b"\n") {
                    rest = tail;
                    continue;
                }
            }
            match rest.iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(end) => {
                    let (text, tail) = rest.split_at(end);
                    self.line.extend_from_slice(text);
                    self.after_cr = tail.first() == Some(&b'\r');
                    rest = tail.get(1..).unwrap_or_default();
                    let line = std::mem::take(&mut self.line);
                    self.line_ended(&line, out);
                    // Keep the allocation for the next line.
                    self.line = line;
                    self.line.clear();
                }
                None => {
                    self.line.extend_from_slice(rest);
                    return;
                }
            }
        }
    }

    fn line_ended(&mut self, line: &[u8], out: &mut Vec<Event>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.first() == Some(&b':') {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let (name, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                (name, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => (*value).clone_into(&mut self.event),
            b"data" => {
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"id" if !value.contains('\0') => (*value).clone_into(&mut self.last_id),
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // More digits than a `u64` holds: not a time anyone means; ignored.
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Event>) {
        let mut event = std::mem::take(&mut self.event);
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the `\n` after the last data line
        if event.is_empty() {
            event.push_str("message");
        }
        out.push(Event { event, data, id: self.last_event_id().map(str::to_owned), retry: self.retry });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(stream: &[u8]) -> Vec<Event> {
        Parser::new().feed(stream)
    }

    fn message(data: &str) -> Event {
        Event { event: "message".into(), data: data.into(), ..Event::default() }
    }

    /// The events of `stream` fed whole, byte by byte, and split in two at every position: all
    /// the same.
    fn same_at_every_split(stream: &[u8]) -> Vec<Event> {
        let whole = parse(stream);
        let mut parser = Parser::new();
        let bytewise: Vec<Event> = stream.iter().flat_map(|b| parser.feed(std::slice::from_ref(b))).collect();
        assert_eq!(bytewise, whole, "byte by byte");
        for at in 0..=stream.len() {
            let (a, b) = stream.split_at(at);
            let mut parser = Parser::new();
            let mut events = parser.feed(a);
            events.extend(parser.feed(b));
            assert_eq!(events, whole, "split at {at}");
        }
        whole
    }

    #[test]
    fn data_lines_are_joined_and_dispatched_at_a_blank_line() {
        let events = parse(b"data: first\ndata: second\n\ndata:third\n\n");
        assert_eq!(events, vec![message("first\nsecond"), message("third")]);
    }

    #[test]
    fn line_ends_cr_lf_and_crlf_alike() {
        let want = vec![message("a\nb"), message("c")];
        assert_eq!(same_at_every_split(b"data: a\rdata: b\r\rdata: c\r\r"), want);
        assert_eq!(same_at_every_split(b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"), want);
        assert_eq!(same_at_every_split(b"data: a\ndata: b\r\n\rdata: c\n\r\n"), want);
    }

    #[test]
    fn a_cr_at_the_end_of_a_chunk_and_an_lf_at_the_start_of_the_next_are_one_line_end() {
        let mut parser = Parser::new();
        assert!(parser.feed(b"data: a\r").is_empty());
        // Were the LF a line end of its own, this would be the blank line dispatching `a`.
        assert!(parser.feed(b"\ndata: b\r").is_empty());
        assert_eq!(parser.feed(b"\n\r\n"), vec![message("a\nb")]);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_once_at_the_start() {
        assert_eq!(same_at_every_split(b"\xEF\xBB\xBFdata: x\n\n"), vec![message("x")]);
        // A second one is part of the field name, so the line is an unknown field.
        assert_eq!(parse(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n"), vec![message("y")]);
        // Bytes that only start like one are text.
        assert_eq!(same_at_every_split(b"\xEF\xBBdata: x\n\n").len(), 0);
        let mut parser = Parser::new();
        assert_eq!(parser.feed(b"\xEF"), vec![]);
        assert_eq!(parser.feed(b"\xBB\xBFdata: z\n\n"), vec![message("z")]);
    }

    #[test]
    fn comments_and_keep_alives_are_ignored() {
        let events = same_at_every_split(b": keep-alive\n\n:\ndata: x\n: inside\ndata: y\n\n: bye\n\n");
        assert_eq!(events, vec![message("x\ny")]);
    }

    #[test]
    fn event_types_default_to_message_and_do_not_carry_over() {
        let events = parse(b"event: delta\ndata: 1\n\ndata: 2\n\nevent: only\n\ndata: 3\n\n");
        let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(kinds, ["delta", "message", "message"], "an event without data resets its type");
    }

    #[test]
    fn one_space_after_the_colon_is_stripped_and_no_colon_is_an_empty_value() {
        let events = parse(b"data:  two spaces\n\ndata\n\ndata:\ndata\n\nevent\ndata:x:y\n\n");
        assert_eq!(events[0].data, " two spaces");
        assert_eq!(events[1].data, "", "`data` alone is one empty data line: dispatched");
        assert_eq!(events[2].data, "\n");
        assert_eq!(events[3], message("x:y"), "an empty `event` is the default type");
        assert_eq!(events.len(), 4);
    }

    #[test]
    fn an_event_without_data_is_not_dispatched() {
        assert!(parse(b"event: ping\n\nid: 4\n\nretry: 10\n\n\n\n").is_empty());
    }

    #[test]
    fn ids_persist_and_ids_with_nul_are_ignored() {
        let events = parse(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\nid: 3\n\ndata: e\n\n");
        let ids: Vec<Option<&str>> = events.iter().map(|e| e.id.as_deref()).collect();
        assert_eq!(ids, [Some("1"), Some("1"), Some("1"), None, Some("3")]);
        let mut parser = Parser::new();
        parser.feed(b"id: 9\n\n");
        assert_eq!(parser.last_event_id(), Some("9"), "an id without an event still sets the last id");
    }

    #[test]
    fn retry_takes_digits_only() {
        let mut parser = Parser::new();
        let events = parser.feed(b"retry: 1500\ndata: a\n\nretry: 2s\ndata: b\n\nretry: -1\nretry:\nretry: 1 0\n\n");
        assert_eq!(events[0].retry, Some(Duration::from_millis(1500)));
        assert_eq!(events[1].retry, Some(Duration::from_millis(1500)), "`2s` is ignored");
        assert_eq!(parser.retry(), Some(Duration::from_millis(1500)));
        parser.feed(b"retry: 99999999999999999999999\nretry: 0\n\n");
        assert_eq!(parser.retry(), Some(Duration::ZERO));
    }

    #[test]
    fn unknown_fields_are_ignored_and_field_names_are_case_sensitive() {
        assert_eq!(parse(b"Data: x\nfoo: bar\ndata: y\n\n"), vec![message("y")]);
    }

    #[test]
    fn an_unfinished_event_is_held_not_dispatched() {
        let mut parser = Parser::new();
        assert!(parser.feed(b"data: a\n\ndata: partial").len() == 1);
        assert_eq!(parser.buffered(), "data: partial".len());
        assert!(parser.feed(b"\n").is_empty());
        assert_eq!(parser.buffered(), "partial\n".len());
    }

    #[test]
    fn text_that_is_not_utf8_is_replaced_and_characters_split_across_chunks_survive() {
        assert_eq!(parse(b"data: \xFF\n\n"), vec![message("\u{FFFD}")]);
        assert_eq!(
            same_at_every_split("data: h\u{e9}llo \u{1F600}\n\n".as_bytes()),
            vec![message("h\u{e9}llo \u{1F600}")]
        );
    }

    #[test]
    fn a_realistic_stream_is_the_same_at_every_split() {
        let stream =
            b"\xEF\xBB\xBF: hello\r\nretry: 3000\r\nid: 7\r\nevent: delta\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n\
            :keep-alive\n\ndata: [DONE]\r\rid\ndata\n\n";
        let events = same_at_every_split(stream);
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].event, "delta");
        assert_eq!(events[0].data, "{\"a\":\n1}");
        assert_eq!(events[0].id.as_deref(), Some("7"));
        assert_eq!(events[0].retry, Some(Duration::from_secs(3)));
        assert_eq!(events[1].data, "[DONE]");
        assert_eq!(events[2].id, None);
    }
}
