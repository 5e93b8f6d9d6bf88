//! JSON pointers into the bundled document mapped back to files and
//! 1-based line:column.
//!
//! Diagnostics are rare, so nothing is computed until the first lookup; then
//! each file's text is scanned once into a tree of (parent, key) → position,
//! and every later lookup is a walk of a few hash lookups.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::diagnostic::{Diagnostic, Location, split};

use super::parse::Format;

/// Maps pointers in the bundled document to positions in the files read.
#[derive(Debug, Default)]
pub(crate) struct SourceMap {
    files: Vec<SourceFile>,
    /// Subtrees of the bundled document copied from a file: the longest
    /// matching prefix wins. The root file is mounted at the empty prefix.
    mounts: Vec<Mount>,
    /// Where the nodes of a converted document (Swagger 2.0) were written.
    origins: Origins,
}

/// Pointers into a converted document mapped to the pointers of what the
/// user wrote: a node's pointer maps through its nearest recorded ancestor
/// (`/components/schemas/Pet/properties/a` → `/definitions/Pet/properties/a`),
/// and a node with no recorded ancestor is where it was.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    moved: HashMap<String, String>,
}

impl Origins {
    /// Says that the node at `converted` was written at `original`.
    pub(crate) fn record(&mut self, converted: String, original: String) {
        self.moved.insert(converted, original);
    }

    /// The pointer `pointer` had in the document as written.
    pub(crate) fn original(&self, pointer: &str) -> String {
        let mut prefix = pointer;
        loop {
            if let Some(original) = self.moved.get(prefix) {
                return format!("{original}{}", &pointer[prefix.len()..]);
            }
            match prefix.rfind('/') {
                Some(cut) => prefix = &prefix[..cut],
                None => return pointer.to_owned(),
            }
        }
    }
}

#[derive(Debug)]
struct SourceFile {
    path: PathBuf,
    text: Arc<str>,
    format: Format,
    index: OnceLock<Index>,
}

#[derive(Debug)]
struct Mount {
    prefix: Vec<String>,
    file: usize,
    base: Vec<String>,
}

impl SourceMap {
    /// Registers a file's text; returns its id for [`SourceMap::mount`].
    pub(crate) fn add_file(&mut self, path: PathBuf, text: Arc<str>, format: Format) -> usize {
        self.files.push(SourceFile { path, text, format, index: OnceLock::new() });
        self.files.len() - 1
    }

    /// Says that the bundled document's subtree at `prefix` came from `file`
    /// at `base` (both pointers).
    pub(crate) fn mount(&mut self, prefix: &str, file: usize, base: &str) {
        self.mounts.push(Mount { prefix: split(prefix), file, base: split(base) });
    }

    /// Records where the nodes of a converted document were written; from
    /// then on pointers are mapped through it before they are located.
    pub(crate) fn set_origins(&mut self, origins: Origins) {
        self.origins = origins;
    }

    /// The pointer of what the user wrote for the node at `pointer` of the
    /// bundled document (the same pointer, unless the document was converted).
    pub(crate) fn original(&self, pointer: &str) -> String {
        self.origins.original(pointer)
    }

    /// Gives a diagnostic without a location the pointer of what the user
    /// wrote (for a converted document) and that node's file and position.
    pub(crate) fn place(&self, diagnostic: &mut Diagnostic) {
        if diagnostic.location.is_none() {
            diagnostic.pointer = self.origins.original(&diagnostic.pointer);
            diagnostic.location = self.locate_written(&diagnostic.pointer);
        }
    }

    /// The file and position of the node `pointer` names in the bundled
    /// document, or of its nearest ancestor that exists in the source.
    #[cfg(test)]
    pub(crate) fn locate(&self, pointer: &str) -> Option<Location> {
        self.locate_written(&self.origins.original(pointer))
    }

    /// [`SourceMap::locate`] for a pointer already mapped to what the user wrote.
    fn locate_written(&self, pointer: &str) -> Option<Location> {
        let tokens = split(pointer);
        let mount = self
            .mounts
            .iter()
            .filter(|m| tokens.len() >= m.prefix.len() && tokens[..m.prefix.len()] == m.prefix[..])
            .max_by_key(|m| m.prefix.len())?;
        let mut in_file = mount.base.clone();
        in_file.extend_from_slice(&tokens[mount.prefix.len()..]);
        self.locate_in(mount.file, &in_file)
    }

    /// The position of `tokens` (or its nearest ancestor) in file `file`.
    pub(crate) fn locate_in(&self, file: usize, tokens: &[String]) -> Option<Location> {
        let source = self.files.get(file)?;
        let index = source.index.get_or_init(|| match source.format {
            Format::Json => index_json(&source.text),
            Format::Yaml => index_yaml(&source.text),
        });
        // A file with no nodes (empty, or only comments) still has a start.
        let (line, column) = index.find(tokens).unwrap_or((1, 1));
        Some(Location { file: source.path.clone(), line: line as usize, column: column as usize })
    }
}

/// The nodes of one file in document order (node 0 is the root). Each
/// node's descendants directly follow it, up to its `end`, so a lookup hops
/// from child to child without any map.
///
/// Why no `HashMap<(parent, key), node>`: build scripts run this crate
/// unoptimised, where allocating and hashing a key per node made indexing a
/// 4 MB document three times slower; lookups are rare and this makes them
/// O(siblings) per pointer token instead. Keys are stored as 64-bit hashes;
/// two sibling keys with the same hash would only misplace a location.
#[derive(Debug, Default)]
struct Index {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    key: u64,
    /// One past the last descendant.
    end: u32,
    /// 1-based line and column: for an object member, of its key.
    line: u32,
    column: u32,
}

impl Index {
    fn add(&mut self, key: &str, position: (u32, u32), container: bool) -> u32 {
        let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        // A container's `end` is set when it closes.
        let end = if container { u32::MAX } else { id.saturating_add(1) };
        self.nodes.push(Node { key: key_hash(key), end, line: position.0, column: position.1 });
        id
    }

    fn close(&mut self, id: u32) {
        let len = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        if let Some(node) = self.nodes.get_mut(id as usize) {
            node.end = len;
        }
    }

    fn find(&self, tokens: &[String]) -> Option<(u32, u32)> {
        let root = self.nodes.first()?;
        let mut found = (root.line, root.column);
        let mut node = 0usize;
        for token in tokens {
            let key = key_hash(token);
            let end = self.nodes.get(node).map_or(0, |n| n.end as usize).min(self.nodes.len());
            let mut child = node + 1;
            let mut hit = None;
            while child < end {
                let Some(candidate) = self.nodes.get(child) else { break };
                if candidate.key == key {
                    hit = Some(child);
                    break;
                }
                child = (candidate.end as usize).max(child + 1);
            }
            match hit.and_then(|c| self.nodes.get(c).map(|n| (c, n))) {
                Some((c, n)) => {
                    node = c;
                    found = (n.line, n.column);
                }
                None => break,
            }
        }
        Some(found)
    }
}

/// The key given to values of YAML complex keys, which no pointer can name.
const COMPLEX_KEY: &str = "\u{0}complex key";

/// FNV-1a: a few instructions per byte, fast even unoptimised.
fn key_hash(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in key.as_bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// What an open container is waiting for next.
enum Frame {
    Object {
        node: u32,
        key: Option<(Box<str>, (u32, u32))>,
    },
    Array {
        node: u32,
        next: u32,
    },
    /// A YAML complex key (a mapping or sequence used as a key): skipped.
    Skip {
        depth: u32,
        owner_key_position: (u32, u32),
    },
}

/// Shared by the JSON and YAML indexers: where the next node goes.
#[derive(Default)]
struct Builder {
    index: Index,
    stack: Vec<Frame>,
}

impl Builder {
    /// A node begins at `position`; `container` says whether it opens a
    /// mapping (arrays go through [`Builder::begin_array`]). In key position
    /// it records the key instead (`scalar_text` is the key's text).
    fn node(&mut self, position: (u32, u32), container: bool, scalar_text: Option<&str>) {
        let member = match self.stack.last_mut() {
            None => {
                let id = self.index.add("", position, container);
                if container {
                    self.stack.push(Frame::Object { node: id, key: None });
                }
                return;
            }
            Some(Frame::Skip { depth, .. }) => {
                if container {
                    *depth += 1;
                }
                return;
            }
            Some(Frame::Array { next, .. }) => {
                let key = next.to_string();
                *next += 1;
                Some((key.into_boxed_str(), position))
            }
            Some(Frame::Object { key, .. }) => match key.take() {
                Some((key, key_position)) => Some((key, key_position)),
                None => {
                    // This node is a key.
                    match scalar_text {
                        Some(text) if !container => *key = Some((text.into(), position)),
                        // An alias used as a key: its value is unreachable by pointer.
                        _ if !container => *key = Some((COMPLEX_KEY.into(), position)),
                        _ => self.stack.push(Frame::Skip { depth: 1, owner_key_position: position }),
                    }
                    return;
                }
            },
        };
        if let Some((key, position)) = member {
            let id = self.index.add(&key, position, container);
            if container {
                self.stack.push(Frame::Object { node: id, key: None });
            }
        }
    }

    fn begin_array(&mut self, position: (u32, u32)) {
        let before = self.stack.len();
        self.node(position, true, None);
        // `node` pushed an object frame for the new container: make it an array.
        if self.stack.len() > before
            && let Some(Frame::Object { node, .. }) = self.stack.last()
        {
            let node = *node;
            if let Some(top) = self.stack.last_mut() {
                *top = Frame::Array { node, next: 0 };
            }
        }
    }

    fn end(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Skip { depth, owner_key_position }) => {
                *depth = depth.saturating_sub(1);
                if *depth == 0 {
                    let position = *owner_key_position;
                    self.stack.pop();
                    // The complex key is done: its value gets an unmatchable key.
                    if let Some(Frame::Object { key, .. }) = self.stack.last_mut() {
                        *key = Some((COMPLEX_KEY.into(), position));
                    }
                }
            }
            Some(Frame::Object { node, .. } | Frame::Array { node, .. }) => {
                let node = *node;
                self.stack.pop();
                self.index.close(node);
            }
            None => {}
        }
    }

    /// Closes what truncated text left open.
    fn finish(mut self) -> Index {
        while let Some(frame) = self.stack.pop() {
            if let Frame::Object { node, .. } | Frame::Array { node, .. } = frame {
                self.index.close(node);
            }
        }
        self.index
    }
}

/// Indexes JSON text that `serde_json` already accepted. Hand-written
/// because `serde_json` keeps no positions; on anything unexpected it stops
/// and keeps what it has (lookups then fall back to ancestors).
fn index_json(text: &str) -> Index {
    let bytes = text.as_bytes();
    let mut b = Builder::default();
    // Skip a byte order mark, as the parser did.
    let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let (mut i, mut line, mut col) = (start, 1u32, 1u32);
    // A string just read, waiting to learn whether it is a key (`:` follows).
    let mut pending: Option<(String, (u32, u32))> = None;
    while let Some(&c) = bytes.get(i) {
        let here = (line, col);
        match c {
            b'\n' => {
                line += 1;
                col = 0;
            }
            b' ' | b'\t' | b'\r' | b',' => {}
            b':' => {
                if let Some((key, position)) = pending.take() {
                    b.node(position, false, Some(&key));
                }
            }
            b'{' | b'[' => {
                flush_scalar(&mut b, &mut pending);
                if c == b'{' {
                    b.node(here, true, None);
                } else {
                    b.begin_array(here);
                }
            }
            b'}' | b']' => {
                flush_scalar(&mut b, &mut pending);
                b.end();
            }
            b'"' => {
                flush_scalar(&mut b, &mut pending);
                let Some((s, end, chars)) = read_string(bytes, i) else { break };
                pending = Some((s, here));
                i = end;
                col += chars;
                continue;
            }
            _ => {
                // A number, `true`, `false` or `null`: a value node.
                flush_scalar(&mut b, &mut pending);
                b.node(here, false, None);
                while let Some(&c) = bytes.get(i + 1) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    i += 1;
                    col += 1;
                }
            }
        }
        i += 1;
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        if bytes.get(i).is_none_or(|&n| n & 0xC0 != 0x80) {
            col += 1;
        }
    }
    flush_scalar(&mut b, &mut pending);
    b.finish()
}

/// A string that turned out not to be a key is a value node.
fn flush_scalar(b: &mut Builder, pending: &mut Option<(String, (u32, u32))>) {
    if let Some((_, position)) = pending.take() {
        b.node(position, false, None);
    }
}

/// Reads the JSON string starting at `start` (a `"`): its unescaped text, the
/// index just past the closing quote and its length in characters.
fn read_string(bytes: &[u8], start: usize) -> Option<(String, usize, u32)> {
    let mut end = start + 1;
    let mut escaped = false;
    loop {
        let c = *bytes.get(end)?;
        if escaped {
            escaped = false;
        } else if c == b'\\' {
            escaped = true;
        } else if c == b'"' {
            break;
        }
        end += 1;
    }
    let raw = std::str::from_utf8(bytes.get(start..=end)?).ok()?;
    let chars = u32::try_from(raw.chars().count()).unwrap_or(u32::MAX);
    // Only keys with escapes need the full decoder.
    let text = if raw.contains('\\') { serde_json::from_str(raw).ok()? } else { raw[1..raw.len() - 1].to_owned() };
    Some((text, end + 1, chars))
}

/// Indexes YAML text from `granit-parser` events (the parser under
/// serde-saphyr; `serde_yaml_ng` exposes no positions), whose spans carry
/// line and column.
fn index_yaml(text: &str) -> Index {
    use granit_parser::{Event, Parser};
    let mut b = Builder::default();
    let mut started = false;
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(span.start.col()).unwrap_or(u32::MAX).saturating_add(1);
        let here = (line, column);
        match event {
            Event::DocumentStart(..) if started => break,
            Event::DocumentStart(..) => started = true,
            Event::DocumentEnd => break,
            Event::Scalar(value, ..) => b.node(here, false, Some(&value)),
            Event::Alias(..) => b.node(here, false, None),
            Event::MappingStart(..) => b.node(here, true, None),
            Event::SequenceStart(..) => b.begin_array(here),
            Event::MappingEnd | Event::SequenceEnd => b.end(),
            _ => {}
        }
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str, format: Format) -> SourceMap {
        let mut m = SourceMap::default();
        let file = m.add_file(PathBuf::from("doc"), text.into(), format);
        m.mount("", file, "");
        m
    }

    fn at(m: &SourceMap, pointer: &str) -> (usize, usize) {
        m.locate(pointer).map(|l| (l.line, l.column)).unwrap_or_default()
    }

    const JSON: &str = "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {\n    \"/pets/{id}\": {\"get\": {\"tags\": [\"a\", \"b\"]}},\n    \"é\\\"x\": [1, {\"k\": null}]\n  }\n}";

    #[test]
    fn json_pointers_map_to_keys_and_items() {
        let m = map(JSON, Format::Json);
        assert_eq!(at(&m, ""), (1, 1));
        assert_eq!(at(&m, "/openapi"), (2, 3));
        assert_eq!(at(&m, "/paths/~1pets~1{id}"), (4, 5));
        assert_eq!(at(&m, "/paths/~1pets~1{id}/get"), (4, 20));
        assert_eq!(at(&m, "/paths/~1pets~1{id}/get/tags/1"), (4, 42));
        // Escapes and multi-byte characters: columns count characters.
        assert_eq!(at(&m, "/paths/é\"x/1/k"), (5, 18));
        // Missing nodes fall back to the nearest ancestor.
        assert_eq!(at(&m, "/paths/~1pets~1{id}/post/responses"), (4, 5));
        assert_eq!(at(&m, "/nope"), (1, 1));
    }

    #[test]
    fn yaml_pointers_map_to_keys_and_items() {
        let text = "openapi: 3.0.0\npaths:\n  /pets:\n    get:\n      tags: [a, b]\n      responses:\n        200:\n          description: ok\n  list:\n    - x\n    - {k: v}\n";
        let m = map(text, Format::Yaml);
        assert_eq!(at(&m, "/openapi"), (1, 1));
        assert_eq!(at(&m, "/paths/~1pets/get"), (4, 5));
        assert_eq!(at(&m, "/paths/~1pets/get/tags/1"), (5, 17));
        assert_eq!(at(&m, "/paths/~1pets/get/responses/200/description"), (8, 11));
        assert_eq!(at(&m, "/paths/list/1/k"), (11, 8));
        assert_eq!(at(&m, "/paths/list/7"), (9, 3));
    }

    #[test]
    fn yaml_complex_keys_and_aliases_do_not_confuse_the_index() {
        let text = "a: &x {b: 1}\n? [k1, k2]\n: skipped\nc: *x\nd: 2\n";
        let m = map(text, Format::Yaml);
        assert_eq!(at(&m, "/a/b"), (1, 8));
        assert_eq!(at(&m, "/c/b"), (4, 1));
        assert_eq!(at(&m, "/d"), (5, 1));
    }

    #[test]
    fn mounts_route_pointers_into_other_files() {
        let mut m = map(JSON, Format::Json);
        let other = m.add_file(PathBuf::from("other.yaml"), "defs:\n  Pet:\n    type: object\n".into(), Format::Yaml);
        m.mount("/components/schemas/Pet", other, "/defs/Pet");
        let loc = m.locate("/components/schemas/Pet/type").unwrap_or_else(|| panic!("no location"));
        assert_eq!((loc.file, loc.line, loc.column), (PathBuf::from("other.yaml"), 3, 5));
        assert_eq!(at(&m, "/components"), (1, 1));
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_json_positions() {
        let m = map("\u{feff}{\"a\": 1}", Format::Json);
        assert_eq!(at(&m, "/a"), (1, 2));
    }

    #[test]
    fn broken_text_indexes_what_it_can() {
        let m = map("{\"a\": {\"b\": \"unterminated", Format::Json);
        assert_eq!(at(&m, "/a/b"), (1, 2));
        let m = map("a:\n  b: [1,\n", Format::Yaml);
        assert_eq!(at(&m, "/a/c"), (1, 1));
    }

    #[test]
    fn an_empty_file_is_located_at_its_start() {
        // Found by fuzzing: "an OpenAPI document must be an object" had no location.
        for (text, format) in [("", Format::Yaml), ("# only a comment\n", Format::Yaml), ("", Format::Json)] {
            assert_eq!(at(&map(text, format), ""), (1, 1), "{text:?}");
            assert_eq!(at(&map(text, format), "/openapi"), (1, 1), "{text:?}");
        }
    }
}
