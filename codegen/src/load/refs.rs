//! `$ref` handling: references to other files are loaded and bundled into
//! the root document (so everything after `load` sees one self-contained
//! document), and every local reference is checked to resolve.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, join, push_token, split};

use super::parse::parse;
use super::source_map::SourceMap;
use super::walk::{Kind, TapSlash, walk};

/// How many path items may be copied in place from other files.
const MAX_INLINED: usize = 10_000;

/// Everything bundling needs besides the document.
pub(crate) struct Bundler<'a> {
    /// Id of the file in `sources` and its parsed value, by normalised path.
    /// `None` marks a file that failed to load (already reported).
    files: HashMap<PathBuf, (usize, Option<Value>)>,
    root: PathBuf,
    /// Bundled targets: (file path, pointer) → local `$ref`.
    bundled: HashMap<(PathBuf, String), String>,
    /// Component names in use, as `section/name`.
    taken: HashSet<String>,
    pending: VecDeque<Addition>,
    /// Path items copied in place so far: inlining is not memoised, so a
    /// cycle of path item `$ref`s would otherwise never end.
    inlined: usize,
    pub(crate) sources: &'a mut SourceMap,
    pub(crate) read: &'a mut Vec<PathBuf>,
    pub(crate) errors: &'a mut Vec<Diagnostic>,
}

/// A copied subtree waiting to be placed in the root document.
struct Addition {
    at: String,
    value: Value,
    file: PathBuf,
    kind: Kind,
}

/// How a `$ref` string points.
enum Target<'r> {
    Local(&'r str),
    Remote,
    File { path: &'r str, fragment: &'r str },
}

fn classify(reference: &str) -> Target<'_> {
    if let Some(fragment) = reference.strip_prefix('#') {
        return Target::Local(fragment);
    }
    let lower = reference.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || reference.starts_with("//") {
        return Target::Remote;
    }
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    Target::File { path, fragment }
}

impl<'a> Bundler<'a> {
    /// A bundler for the document read from `root` (file 0 in `sources`).
    pub(crate) fn new(
        root: &Path,
        sources: &'a mut SourceMap,
        read: &'a mut Vec<PathBuf>,
        errors: &'a mut Vec<Diagnostic>,
    ) -> Self {
        let root = normalize(root);
        let mut files = HashMap::new();
        files.insert(root.clone(), (0, None));
        Bundler {
            files,
            root,
            bundled: HashMap::new(),
            taken: HashSet::new(),
            pending: VecDeque::new(),
            inlined: 0,
            sources,
            read,
            errors,
        }
    }

    /// Rewrites every reference to another file into a local one, copying
    /// the targets into `components` (or in place, for path items).
    pub(crate) fn bundle(mut self, document: &mut Value) {
        if let Some(Value::Object(components)) = document.get("components") {
            for (section, entries) in components {
                if let Value::Object(entries) = entries {
                    self.taken.extend(entries.keys().map(|name| format!("{section}/{name}")));
                }
            }
        }
        let root = self.root.clone();
        self.rewrite(document, Kind::Document, String::new(), &root);
        // Each addition may reach more files; each target is copied once, so this ends.
        // First found, first placed: component names follow discovery order.
        while let Some(addition) = self.pending.pop_front() {
            let Addition { at, mut value, file, kind } = addition;
            self.rewrite(&mut value, kind, at.clone(), &file);
            place(document, &at, value);
        }
    }

    /// Rewrites the `$ref`s under `value` (of `kind`, at `pointer` in the
    /// bundled document), which was read from `file`.
    fn rewrite(&mut self, value: &mut Value, kind: Kind, pointer: String, file: &Path) {
        let is_root = file == self.root;
        let mut pointer = pointer;
        walk(value, kind, &mut pointer, &mut |kind, at, node| {
            let Some(Value::String(reference)) = node.get("$ref") else { return };
            let reference = reference.clone();
            let ref_pointer = join(at, "$ref");
            let new = match classify(&reference) {
                Target::Local(_) if is_root => return,
                Target::Local(fragment) => {
                    self.target(file.to_path_buf(), fragment, kind, at, &ref_pointer, &reference)
                }
                Target::Remote => {
                    self.errors.push(Diagnostic::error(
                        ref_pointer,
                        format!("remote `$ref` `{reference}` is not supported; download the file and refer to it by a relative path"),
                    ));
                    return;
                }
                Target::File { path, fragment } => {
                    let decoded = percent_decode(path);
                    let base = file.parent().unwrap_or(Path::new(""));
                    let target = normalize(&base.join(decoded));
                    if target == self.root {
                        Some(Replacement::Ref(format!("#{fragment}")))
                    } else {
                        self.target(target, fragment, kind, at, &ref_pointer, &reference)
                    }
                }
            };
            match new {
                Some(Replacement::Ref(local)) => {
                    if let Some(object) = node.as_object_mut() {
                        object.insert("$ref".to_owned(), Value::String(local));
                    }
                }
                Some(Replacement::Inline) => {
                    // The copy lands here after the walk: leave a placeholder
                    // the walk will not descend into.
                    *node = Value::Object(Map::new());
                }
                // Unresolvable here, but a local-looking `$ref` would be checked
                // again (and reported twice) once in the root: drop it.
                None if matches!(classify(&reference), Target::Local(_)) => *node = Value::Object(Map::new()),
                None => {}
            }
        });
    }

    /// The local reference for `fragment` of `file`, bundling it on first use.
    fn target(
        &mut self,
        file: PathBuf,
        fragment: &str,
        kind: Kind,
        at: &str,
        ref_pointer: &str,
        reference: &str,
    ) -> Option<Replacement> {
        let fragment = percent_decode(fragment);
        let inline = matches!(kind, Kind::PathItem) || kind.section().is_none();
        if !inline && let Some(local) = self.bundled.get(&(file.clone(), fragment.clone())) {
            return Some(Replacement::Ref(local.clone()));
        }
        let value = self.file_value(&file, ref_pointer, reference)?;
        let Some(target) = resolve(value, &fragment) else {
            self.errors.push(Diagnostic::error(
                ref_pointer,
                format!("`$ref` `{reference}` does not resolve: `{}` has no `#{fragment}`", file.display()),
            ));
            return None;
        };
        let target = target.clone();
        let file_id = self.files.get(&file).map_or(0, |(id, _)| *id);
        if inline {
            self.inlined += 1;
            if self.inlined > MAX_INLINED {
                self.errors.push(Diagnostic::error(
                    ref_pointer,
                    format!(
                        "`$ref` `{reference}`: more than {MAX_INLINED} path items copied; is there a cycle of `$ref`s?"
                    ),
                ));
                return None;
            }
            self.sources.mount(at, file_id, &fragment);
            self.pending.push_back(Addition { at: at.to_owned(), value: target, file, kind });
            return Some(Replacement::Inline);
        }
        let section = kind.section().unwrap_or("schemas");
        let name = self.fresh_name(section, &fragment, &file);
        let mut at = String::from("/components");
        push_token(at.tap_slash(), section);
        push_token(at.tap_slash(), &name);
        let mut local = String::from("#");
        local.push_str(&at);
        self.bundled.insert((file.clone(), fragment.clone()), local.clone());
        self.sources.mount(&at, file_id, &fragment);
        self.pending.push_back(Addition { at, value: target, file, kind });
        Some(Replacement::Ref(local))
    }

    /// The parsed value of `file`, loading it on first use.
    fn file_value(&mut self, file: &Path, ref_pointer: &str, reference: &str) -> Option<&Value> {
        if !self.files.contains_key(file) {
            let loaded = match super::read_file(file) {
                Ok(text) => match parse(file, &text) {
                    Ok((value, format)) => {
                        let id = self.sources.add_file(file.to_path_buf(), Arc::from(text), format);
                        Some((id, value))
                    }
                    Err(problems) => {
                        // Located in the other file; the pointer is the `$ref` that led there.
                        self.errors
                            .extend(problems.into_iter().map(|d| Diagnostic { pointer: ref_pointer.to_owned(), ..d }));
                        None
                    }
                },
                Err(e) => {
                    self.errors.push(Diagnostic::error(
                        ref_pointer,
                        format!("cannot read `{}` for `$ref` `{reference}`: {e}", file.display()),
                    ));
                    None
                }
            };
            self.read.push(file.to_path_buf());
            let entry = match loaded {
                Some((id, value)) => (id, Some(value)),
                None => (usize::MAX, None),
            };
            self.files.insert(file.to_path_buf(), entry);
        }
        self.files.get(file).and_then(|(_, v)| v.as_ref())
    }

    /// A component name for a copy of `fragment` from `file` that is legal
    /// (`[A-Za-z0-9._-]+`) and not yet used in `section`.
    fn fresh_name(&mut self, section: &str, fragment: &str, file: &Path) -> String {
        let last = split(fragment).pop().filter(|t| !t.is_empty());
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        let base: String = last
            .or(stem)
            .unwrap_or_else(|| "Bundled".to_owned())
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
            .collect();
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&format!("{section}/{name}")) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(format!("{section}/{name}"));
        name
    }
}

enum Replacement {
    Ref(String),
    Inline,
}

/// Puts `value` at `pointer`, creating objects on the way.
fn place(document: &mut Value, pointer: &str, value: Value) {
    let mut node = document;
    for token in split(pointer) {
        if !node.is_object() && !node.is_array() {
            *node = Value::Object(Map::new());
        }
        node = match node {
            Value::Object(map) => map.entry(token).or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => match token.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => item,
                None => return,
            },
            _ => return,
        };
    }
    *node = value;
}

/// The node `fragment` (an unescaped-for-URIs JSON pointer) names in `value`.
pub(crate) fn resolve<'v>(value: &'v Value, fragment: &str) -> Option<&'v Value> {
    if fragment.is_empty() {
        return Some(value);
    }
    if !fragment.starts_with('/') {
        return None;
    }
    value.pointer(fragment)
}

/// Decodes `%XX` escapes (URI fragments may carry them); invalid escapes stay.
pub(crate) fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        if b == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Cleans `.` and `..` out of a path without touching the file system, so a
/// relative path stays relative (messages and `Generated::inputs` show paths
/// as the user wrote them).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// A `$ref` found in the document.
pub(crate) struct Found {
    /// What the referring object is.
    pub(crate) kind: Kind,
    /// The referring object's pointer.
    pub(crate) at: String,
    pub(crate) reference: String,
}

/// Every local `$ref` of `found` (collected from `document`) that does not
/// resolve, as errors; local references to path items are replaced by a
/// copy (the 3.0 model has no `components/pathItems`).
pub(crate) fn check_local(document: &mut Value, found: &[Found], errors: &mut Vec<Diagnostic>) {
    for Found { kind, at, reference } in found {
        let kind = *kind;
        let Some(fragment) = reference.strip_prefix('#') else { continue };
        let fragment = percent_decode(fragment);
        let ref_pointer = join(at, "$ref");
        if !fragment.starts_with('/') {
            let message = if fragment.is_empty() {
                format!("`$ref` `{reference}` refers to the whole document")
            } else {
                format!("`$ref` `{reference}` is not a JSON pointer (anchors are not supported)")
            };
            errors.push(Diagnostic::error(ref_pointer, message));
            continue;
        }
        match resolve(document, &fragment) {
            None => errors.push(Diagnostic::error(
                ref_pointer,
                format!("`$ref` `{reference}` does not resolve: there is no `{fragment}` in the document"),
            )),
            Some(target) if kind == Kind::PathItem && !target.get("$ref").is_some_and(Value::is_string) => {
                let copy = target.clone();
                place(document, at, copy);
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_relative_paths_relative() {
        assert_eq!(normalize(Path::new("specs/./a/../b.yaml")), PathBuf::from("specs/b.yaml"));
        assert_eq!(normalize(Path::new("../x/../y.json")), PathBuf::from("../y.json"));
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/paths/~1a%7Bid%7D"), "/paths/~1a{id}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }
}
