//! The wire: what calls that work against a server of the old document do against one of the new.
//!
//! Operations are matched by method and path template with parameter names blanked
//! (`/pets/{id}` and `/pets/{pet_id}` are one route: the URL is the same); path parameters by
//! their position in the template, the others by location and name (headers case-insensitively).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schema::{At, Direction, Schemas, resolve};
use super::{Change, Surface, Verdict, change};
use crate::diagnostic::{Diagnostic, Error, join};
use crate::load::Loaded;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(super) fn compare(old: &Loaded, new: &Loaded) -> Result<Vec<Change>, Error> {
    let to_value = |loaded: &Loaded| {
        serde_json::to_value(&loaded.document)
            .map_err(|e| Error::new(vec![Diagnostic::error("", format!("cannot compare the document: {e}"))]))
    };
    let (old, new) = (to_value(old)?, to_value(new)?);
    let mut cx = Cx { old: &old, new: &new, changes: Vec::new(), schemas: Schemas::new(&old, &new) };
    cx.operations();
    let mut changes = cx.changes;
    changes.append(&mut cx.schemas.changes);
    Ok(changes)
}

struct Cx<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
    schemas: Schemas<'a>,
}

/// `/pets/{id}` → `/pets/{}`.
fn route_key(path: &str) -> String {
    let mut key = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                key.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => key.push(c),
            _ => {}
        }
    }
    key
}

/// An operation's place in its document.
struct Op<'a> {
    path: &'a str,
    method: &'a str,
    value: &'a Value,
    item: &'a Value,
    pointer: String,
}

fn operations(document: &Value) -> BTreeMap<(String, &'static str), Op<'_>> {
    let mut out = BTreeMap::new();
    for (path, item) in document.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for method in METHODS {
            if let Some(value) = item.get(method) {
                let pointer = join(&join("/paths", path), method);
                out.insert((route_key(path), method), Op { path, method, value, item, pointer });
            }
        }
    }
    out
}

fn route(op: &Op<'_>) -> String {
    format!("`{} {}`", op.method.to_ascii_uppercase(), op.path)
}

impl Cx<'_> {
    fn push(&mut self, kind: &'static str, verdict: Verdict, message: String, old: Option<&str>, new: Option<&str>) {
        self.changes.push(change(kind, Surface::Wire, verdict, message).at(old, new));
    }

    fn operations(&mut self) {
        let (old_ops, new_ops) = (operations(self.old), operations(self.new));
        for (key, old) in &old_ops {
            match new_ops.get(key) {
                Some(new) => self.operation(old, new),
                None => self.push(
                    "operation-removed",
                    Verdict::Major,
                    format!("operation {} removed: calls to it fail", route(old)),
                    Some(&old.pointer),
                    None,
                ),
            }
        }
        for (key, new) in &new_ops {
            if !old_ops.contains_key(key) {
                self.push(
                    "operation-added",
                    Verdict::Minor,
                    format!("operation {} added", route(new)),
                    None,
                    Some(&new.pointer),
                );
            }
        }
    }

    fn operation(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let (o, n) = (Some(old.pointer.as_str()), Some(new.pointer.as_str()));
        let deprecated = |op: &Op<'_>| op.value.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
        if !deprecated(old) && deprecated(new) {
            self.push("operation-deprecated", Verdict::Patch, format!("operation {} deprecated", route(new)), o, n);
        }
        self.parameters(old, new);
        self.body(old, new);
        self.responses(old, new);
        self.security(old, new);
    }

    fn parameters(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let (op, np) = (parameters(self.old, old), parameters(self.new, new));
        let name_of = |p: &Param<'_>| p.value.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
        for (key, o) in &op {
            let required = |p: &Param<'_>| p.value.get("required").and_then(Value::as_bool).unwrap_or(false);
            let name = name_of(o);
            match np.get(key) {
                Some(n) => {
                    if !required(o) && required(n) {
                        let message =
                            format!("parameter `{name}` of {} became required: calls without it fail", route(new));
                        self.push("parameter-required", Verdict::Major, message, Some(&o.pointer), Some(&n.pointer));
                    } else if required(o) && !required(n) {
                        let message = format!("parameter `{name}` of {} is no longer required", route(new));
                        self.push("parameter-optional", Verdict::Minor, message, Some(&o.pointer), Some(&n.pointer));
                    }
                    if let (Some(os), Some(ns)) = (o.value.get("schema"), n.value.get("schema")) {
                        let (osp, nsp) = (join(&o.pointer, "schema"), join(&n.pointer, "schema"));
                        let (oa, na) = (At { value: os, pointer: &osp }, At { value: ns, pointer: &nsp });
                        self.schemas.compare(oa, na, Direction::Request);
                    }
                }
                None => {
                    let moved = np
                        .iter()
                        .find(|(k, p)| k.0 != key.0 && key.0 != "path" && name_of(p).eq_ignore_ascii_case(&name));
                    match moved {
                        Some((k, n)) => {
                            let message = format!(
                                "parameter `{name}` of {} moved from the {} to the {}: the server looks for it elsewhere",
                                route(new),
                                key.0,
                                k.0
                            );
                            self.push("parameter-moved", Verdict::Major, message, Some(&o.pointer), Some(&n.pointer));
                        }
                        None => {
                            let message = format!(
                                "{} parameter `{name}` of {} removed: the server no longer documents it and may ignore or refuse it",
                                key.0,
                                route(new)
                            );
                            self.push(
                                "parameter-removed",
                                Verdict::Minor,
                                message,
                                Some(&o.pointer),
                                Some(&new.pointer),
                            );
                        }
                    }
                }
            }
        }
        for (key, n) in &np {
            if op.contains_key(key) {
                continue;
            }
            let name = name_of(n);
            if op.iter().any(|(k, p)| k.0 != key.0 && key.0 != "path" && name_of(p).eq_ignore_ascii_case(&name)) {
                continue;
            }
            let required = n.value.get("required").and_then(Value::as_bool).unwrap_or(false);
            let (kind, verdict, why) = if required {
                ("parameter-added-required", Verdict::Major, ": calls without it fail")
            } else {
                ("parameter-added", Verdict::Minor, "")
            };
            let message = format!(
                "new {}{} parameter `{name}` of {}{why}",
                if required { "required " } else { "" },
                key.0,
                route(new)
            );
            self.push(kind, verdict, message, Some(&old.pointer), Some(&n.pointer));
        }
    }

    fn body(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let (ob, nb) = (request_body(self.old, old), request_body(self.new, new));
        let required = |b: &Value| b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let r = route(new);
        match (ob, nb) {
            (None, None) => {}
            (None, Some((n, np))) => {
                let (verdict, message) = if required(n) {
                    (Verdict::Major, format!("{r} now requires a request body: calls without one fail"))
                } else {
                    (Verdict::Minor, format!("{r} accepts a request body"))
                };
                self.push("body-added", verdict, message, Some(&old.pointer), Some(&np));
            }
            (Some((_, op)), None) => {
                let message = format!("{r} no longer documents a request body: the server may ignore or refuse it");
                self.push("body-removed", Verdict::Minor, message, Some(&op), Some(&new.pointer));
            }
            (Some((o, op)), Some((n, np))) => {
                if !required(o) && required(n) {
                    let message = format!("the request body of {r} became required: calls without one fail");
                    self.push("body-required", Verdict::Major, message, Some(&op), Some(&np));
                }
                self.content(o, &op, n, &np, Direction::Request, &format!("the request body of {r}"), true);
            }
        }
    }

    /// Media types of a body or response: a removed one breaks when `removal_breaks`.
    #[allow(clippy::too_many_arguments)]
    fn content(
        &mut self,
        o: &Value,
        op: &str,
        n: &Value,
        np: &str,
        direction: Direction,
        what: &str,
        removal_breaks: bool,
    ) {
        let media = |v: &'_ Value| -> BTreeMap<String, (String, Value)> {
            v.get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let essence = k.split(';').next().unwrap_or(k).trim().to_ascii_lowercase();
                    (essence, (k.clone(), v.clone()))
                })
                .collect()
        };
        let (om, nm) = (media(o), media(n));
        let (oc, nc) = (join(op, "content"), join(np, "content"));
        for (essence, (key, ov)) in &om {
            let old_at = join(&oc, key);
            match nm.get(essence) {
                Some((new_key, nv)) => {
                    let new_at = join(&nc, new_key);
                    if let (Some(os), Some(ns)) = (ov.get("schema"), nv.get("schema")) {
                        let (osp, nsp) = (join(&old_at, "schema"), join(&new_at, "schema"));
                        let (oa, na) = (At { value: os, pointer: &osp }, At { value: ns, pointer: &nsp });
                        self.schemas.compare(oa, na, direction);
                    }
                }
                None => {
                    let (verdict, why) = if removal_breaks {
                        (Verdict::Major, "clients that use it fail")
                    } else {
                        (Verdict::Minor, "such responses reach clients as undocumented")
                    };
                    let message = format!("media type `{key}` of {what} removed: {why}");
                    self.push("media-type-removed", verdict, message, Some(&old_at), Some(np));
                }
            }
        }
        for (essence, (key, _)) in &nm {
            if !om.contains_key(essence) {
                let message = format!("media type `{key}` of {what} added");
                self.push("media-type-added", Verdict::Minor, message, Some(op), Some(&join(&nc, key)));
            }
        }
    }

    fn responses(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let responses = |doc: &'_ Value, op: &Op<'_>| -> BTreeMap<String, (Value, String)> {
            let base = join(&op.pointer, "responses");
            op.value
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(status, v)| {
                    let (value, pointer) = resolve(doc, v, &join(&base, status))?;
                    Some((status.to_ascii_uppercase(), (value.clone(), pointer)))
                })
                .collect()
        };
        let (or, nr) = (responses(self.old, old), responses(self.new, new));
        let r = route(new);
        for (status, (ov, op)) in &or {
            let success = status.starts_with('2');
            match nr.get(status) {
                Some((nv, np)) => {
                    let what = format!("the {status} response of {r}");
                    self.content(ov, op, nv, np, Direction::Response, &what, success);
                }
                None => {
                    let (verdict, why) = if success {
                        (Verdict::Major, "clients that expect it get a status they were not told of")
                    } else {
                        (Verdict::Minor, "such responses now reach clients as undocumented errors")
                    };
                    let message = format!("response {status} of {r} removed: {why}");
                    let at = join(&new.pointer, "responses");
                    self.push("response-removed", verdict, message, Some(op), Some(&at));
                }
            }
        }
        for (status, (_, np)) in &nr {
            if !or.contains_key(status) {
                let at = join(&old.pointer, "responses");
                self.push(
                    "response-added",
                    Verdict::Minor,
                    format!("response {status} of {r} added"),
                    Some(&at),
                    Some(np),
                );
            }
        }
    }

    fn security(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let (os, np) = (security(self.old, old), security(self.new, new));
        if os == np {
            return;
        }
        let (o, n) = (Some(old.pointer.as_str()), Some(new.pointer.as_str()));
        let open = |s: &BTreeSet<Vec<String>>| s.is_empty() || s.contains(&Vec::new());
        let r = route(new);
        if open(&np) {
            let message = format!("{r} no longer requires authentication");
            self.push("security-removed", Verdict::Minor, message, o, n);
        } else if !open(&os) && os.is_subset(&np) {
            let message = format!("{r} accepts more ways to authenticate: {}", show(&np));
            self.push("security-alternative-added", Verdict::Minor, message, o, n);
        } else {
            let message = format!(
                "{r} asks for {} where it asked for {}: calls authenticated as before may be refused",
                show(&np),
                if open(&os) { "no authentication".to_owned() } else { show(&os) }
            );
            self.push("security-added", Verdict::Major, message, o, n);
        }
    }
}

fn request_body<'d>(doc: &'d Value, op: &Op<'d>) -> Option<(&'d Value, String)> {
    let value = op.value.get("requestBody")?;
    resolve(doc, value, &join(&op.pointer, "requestBody"))
}

/// A resolved parameter.
struct Param<'a> {
    value: &'a Value,
    pointer: String,
}

/// An operation's parameters, path-level ones overridden by its own: keyed by location and name,
/// path parameters by location and position in the template.
fn parameters<'d>(doc: &'d Value, op: &Op<'d>) -> BTreeMap<(String, String), Param<'d>> {
    let mut out = BTreeMap::new();
    let item_pointer = op.pointer.rsplit_once('/').map(|(p, _)| p.to_owned()).unwrap_or_default();
    let sources = [(op.item, item_pointer), (op.value, op.pointer.clone())];
    let names: Vec<&str> = op.path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
    for (holder, pointer) in &sources {
        let base = join(pointer, "parameters");
        for (i, p) in holder.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some((value, at)) = resolve(doc, p, &join(&base, &i.to_string())) else {
                continue;
            };
            let location = value.get("in").and_then(Value::as_str).unwrap_or_default().to_owned();
            let name = value.get("name").and_then(Value::as_str).unwrap_or_default();
            let name = match location.as_str() {
                "path" => names.iter().position(|n| *n == name).map_or_else(|| name.to_owned(), |i| i.to_string()),
                "header" => name.to_ascii_lowercase(),
                _ => name.to_owned(),
            };
            out.insert((location, name), Param { value, pointer: at });
        }
    }
    out
}

/// The alternatives of an operation's security: its own requirement, else the document's.
fn security(doc: &Value, op: &Op<'_>) -> BTreeSet<Vec<String>> {
    let requirements = op.value.get("security").or_else(|| doc.get("security"));
    requirements
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|alternative| alternative.keys().cloned().collect())
        .collect()
}

fn show(alternatives: &BTreeSet<Vec<String>>) -> String {
    alternatives
        .iter()
        .map(|a| if a.is_empty() { "none".to_owned() } else { a.join(" + ") })
        .collect::<Vec<_>>()
        .join(" or ")
}
