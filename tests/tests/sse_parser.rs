//! `gusset::sse::Parser` on generated streams: whatever the events, line ends, comments and the
//! points where the body is cut into chunks, the events that come out are the ones written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gusset::sse::{Event, Parser};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Written {
    event: Option<String>,
    id: Option<String>,
    data: Vec<String>,
    comment: bool,
}

fn written() -> impl Strategy<Value = Written> {
    (
        proptest::option::of("[a-z]{1,6}"),
        proptest::option::of("[a-z0-9]{1,4}"),
        proptest::collection::vec("[a-zA-Z0-9 :{}\"\u{e9}\u{1F600}]{0,12}", 0..4),
        any::<bool>(),
    )
        .prop_map(|(event, id, data, comment)| Written { event, id, data, comment })
}

fn serialize(events: &[Written], end: &str, bom: bool) -> Vec<u8> {
    let mut out = String::new();
    if bom {
        out.push('\u{FEFF}');
    }
    for e in events {
        if e.comment {
            out.push_str(&format!(": keep-alive{end}"));
        }
        if let Some(event) = &e.event {
            out.push_str(&format!("event: {event}{end}"));
        }
        if let Some(id) = &e.id {
            out.push_str(&format!("id:{id}{end}"));
        }
        for line in &e.data {
            out.push_str(&format!("data: {line}{end}"));
        }
        out.push_str(end);
    }
    out.into_bytes()
}

fn expected(events: &[Written]) -> Vec<Event> {
    let mut last_id = None;
    let mut out = Vec::new();
    for e in events {
        if e.id.is_some() {
            last_id.clone_from(&e.id);
        }
        if e.data.is_empty() {
            continue;
        }
        out.push(Event {
            event: e.event.clone().unwrap_or_else(|| "message".into()),
            data: e.data.join("\n"),
            id: last_id.clone(),
            retry: None,
        });
    }
    out
}

proptest! {
    #[test]
    fn events_survive_any_chunking(
        events in proptest::collection::vec(written(), 0..8),
        end in prop_oneof![Just("\n"), Just("\r"), Just("\r\n")],
        bom in any::<bool>(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
    ) {
        let stream = serialize(&events, end, bom);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parser = Parser::new();
        let mut got = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([stream.len()]) {
            got.extend(parser.feed(&stream[from..cut]));
            from = cut;
        }
        prop_assert_eq!(got, expected(&events));
    }
}
