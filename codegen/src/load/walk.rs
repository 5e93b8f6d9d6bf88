//! A walk over the raw document that knows what each object is (a path
//! item, an operation, a schema...), so rules can apply to schemas only and
//! `$ref`s are looked for only where OpenAPI allows them: never inside
//! `example`, `default` or `enum` values, where `$ref` is just data.

use serde_json::Value;

use crate::diagnostic::push_token;

/// What an object in an OpenAPI document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Document,
    Components,
    PathItem,
    Operation,
    Callback,
    Parameter,
    Header,
    RequestBody,
    Response,
    MediaType,
    Encoding,
    Schema,
    Example,
    Link,
    SecurityScheme,
}

impl Kind {
    /// The `components` section that holds objects of this kind.
    pub(crate) fn section(self) -> Option<&'static str> {
        Some(match self {
            Kind::Schema => "schemas",
            Kind::Response => "responses",
            Kind::Parameter => "parameters",
            Kind::RequestBody => "requestBodies",
            Kind::Header => "headers",
            Kind::Example => "examples",
            Kind::Link => "links",
            Kind::Callback => "callbacks",
            Kind::SecurityScheme => "securitySchemes",
            Kind::PathItem => "pathItems",
            Kind::Document | Kind::Components | Kind::Operation | Kind::MediaType | Kind::Encoding => return None,
        })
    }
}

/// How a field holds its children.
#[derive(Clone, Copy)]
enum Shape {
    /// One object (or, for `items`, an array of them in old JSON Schema).
    One,
    /// An array of objects.
    List,
    /// A map of names to objects.
    Map,
    /// A map of names to objects whose `x-` keys are extensions.
    MapNoExtensions,
}

fn fields(kind: Kind) -> &'static [(&'static str, Shape, Kind)] {
    use Kind::*;
    use Shape::*;
    match kind {
        Document => &[
            ("paths", MapNoExtensions, PathItem),
            ("webhooks", MapNoExtensions, PathItem),
            ("components", One, Components),
        ],
        Components => &[
            ("schemas", Map, Schema),
            ("responses", Map, Response),
            ("parameters", Map, Parameter),
            ("requestBodies", Map, RequestBody),
            ("headers", Map, Header),
            ("examples", Map, Example),
            ("links", Map, Link),
            ("callbacks", Map, Callback),
            ("securitySchemes", Map, SecurityScheme),
            ("pathItems", Map, PathItem),
        ],
        PathItem => &[
            ("parameters", List, Parameter),
            ("get", One, Operation),
            ("put", One, Operation),
            ("post", One, Operation),
            ("delete", One, Operation),
            ("options", One, Operation),
            ("head", One, Operation),
            ("patch", One, Operation),
            ("trace", One, Operation),
        ],
        Operation => &[
            ("parameters", List, Parameter),
            ("requestBody", One, RequestBody),
            ("responses", MapNoExtensions, Response),
            ("callbacks", Map, Callback),
        ],
        Parameter | Header => &[("schema", One, Schema), ("content", Map, MediaType), ("examples", Map, Example)],
        RequestBody => &[("content", Map, MediaType)],
        Response => &[("headers", Map, Header), ("content", Map, MediaType), ("links", Map, Link)],
        MediaType => &[("schema", One, Schema), ("examples", Map, Example), ("encoding", Map, Encoding)],
        Encoding => &[("headers", Map, Header)],
        Schema => &[
            ("properties", Map, Schema),
            ("patternProperties", Map, Schema),
            ("$defs", Map, Schema),
            ("definitions", Map, Schema),
            ("dependentSchemas", Map, Schema),
            ("items", One, Schema),
            ("additionalProperties", One, Schema),
            ("additionalItems", One, Schema),
            ("unevaluatedItems", One, Schema),
            ("unevaluatedProperties", One, Schema),
            ("contains", One, Schema),
            ("propertyNames", One, Schema),
            ("not", One, Schema),
            ("if", One, Schema),
            ("then", One, Schema),
            ("else", One, Schema),
            ("allOf", List, Schema),
            ("anyOf", List, Schema),
            ("oneOf", List, Schema),
            ("prefixItems", List, Schema),
        ],
        // A callback maps runtime expressions to path items: handled in `walk`.
        Callback | Example | Link | SecurityScheme => &[],
    }
}

/// Calls `visit` on every typed object under `value` (itself of `kind`),
/// parents before children, with its JSON pointer. `visit` may rewrite the
/// object it is given; the walk then descends into what it left.
pub(crate) fn walk(value: &mut Value, kind: Kind, pointer: &mut String, visit: &mut dyn FnMut(Kind, &str, &mut Value)) {
    if !value.is_object() {
        return;
    }
    visit(kind, pointer, value);
    let Some(object) = value.as_object_mut() else { return };
    let len = pointer.len();
    if kind == Kind::Callback {
        for (expression, item) in object.iter_mut().filter(|(k, _)| !k.starts_with("x-")) {
            push_token(pointer.tap_slash(), expression);
            walk(item, Kind::PathItem, pointer, visit);
            pointer.truncate(len);
        }
        return;
    }
    for &(field, shape, child) in fields(kind) {
        let Some(inner) = object.get_mut(field) else { continue };
        push_token(pointer.tap_slash(), field);
        let inner_len = pointer.len();
        match (shape, inner) {
            (Shape::One, item @ Value::Object(_)) => walk(item, child, pointer, visit),
            (Shape::One | Shape::List, Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    pointer.tap_slash().push_str(&i.to_string());
                    walk(item, child, pointer, visit);
                    pointer.truncate(inner_len);
                }
            }
            (Shape::Map | Shape::MapNoExtensions, Value::Object(entries)) => {
                let skip_extensions = matches!(shape, Shape::MapNoExtensions);
                for (name, item) in entries.iter_mut() {
                    if skip_extensions && name.starts_with("x-") {
                        continue;
                    }
                    push_token(pointer.tap_slash(), name);
                    walk(item, child, pointer, visit);
                    pointer.truncate(inner_len);
                }
            }
            _ => {}
        }
        pointer.truncate(len);
    }
}

/// Where a child object sits in its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// `parent[field]` itself.
    Field,
    /// `parent[field][index]`.
    Index(usize),
    /// `parent[field][name]`.
    Name(String),
}

/// One typed child of an object.
#[derive(Debug, Clone)]
pub(crate) struct Child {
    pub(crate) field: String,
    pub(crate) slot: Slot,
    pub(crate) kind: Kind,
}

impl Child {
    /// The child's pointer below `parent`.
    pub(crate) fn pointer(&self, parent: &str) -> String {
        let mut out = parent.to_owned();
        push_token(out.tap_slash(), &self.field);
        match &self.slot {
            Slot::Field => {}
            Slot::Index(i) => out.tap_slash().push_str(&i.to_string()),
            Slot::Name(name) => push_token(out.tap_slash(), name),
        }
        out
    }

    /// The child inside `parent`.
    pub(crate) fn get_mut<'v>(&self, parent: &'v mut Value) -> Option<&'v mut Value> {
        let inner = parent.get_mut(self.field.as_str())?;
        match &self.slot {
            Slot::Field => Some(inner),
            Slot::Index(i) => inner.get_mut(*i),
            Slot::Name(name) => inner.get_mut(name.as_str()),
        }
    }

    /// Takes the child out of `parent`, keeping the order of what remains.
    pub(crate) fn remove(&self, parent: &mut Value) {
        let Some(object) = parent.as_object_mut() else { return };
        match &self.slot {
            Slot::Field => {
                object.shift_remove(&self.field);
            }
            Slot::Index(i) => {
                if let Some(Value::Array(items)) = object.get_mut(&self.field)
                    && *i < items.len()
                {
                    items.remove(*i);
                }
            }
            Slot::Name(name) => {
                if let Some(Value::Object(entries)) = object.get_mut(&self.field) {
                    entries.shift_remove(name);
                }
            }
        }
    }
}

/// The typed objects directly below `value` (of `kind`), in document order.
pub(crate) fn children(kind: Kind, value: &Value) -> Vec<Child> {
    let Some(object) = value.as_object() else { return Vec::new() };
    let mut out = Vec::new();
    if kind == Kind::Callback {
        for (expression, _) in object.iter().filter(|(k, v)| !k.starts_with("x-") && v.is_object()) {
            out.push(Child { field: expression.clone(), slot: Slot::Field, kind: Kind::PathItem });
        }
        return out;
    }
    for &(field, shape, child) in fields(kind) {
        let Some(inner) = object.get(field) else { continue };
        let make = |slot| Child { field: field.to_owned(), slot, kind: child };
        match (shape, inner) {
            (Shape::One, Value::Object(_)) => out.push(make(Slot::Field)),
            (Shape::One | Shape::List, Value::Array(items)) => {
                // Non-objects are listed too: a repair can replace or drop them.
                out.extend((0..items.len()).map(|i| make(Slot::Index(i))));
            }
            (Shape::Map | Shape::MapNoExtensions, Value::Object(entries)) => {
                let skip_extensions = matches!(shape, Shape::MapNoExtensions);
                out.extend(
                    entries
                        .iter()
                        .filter(|(name, _)| !(skip_extensions && name.starts_with("x-")))
                        .map(|(name, _)| make(Slot::Name(name.clone()))),
                );
            }
            _ => {}
        }
    }
    out
}

/// `pointer.push('/')`, returning the string for chaining.
pub(crate) trait TapSlash {
    fn tap_slash(&mut self) -> &mut String;
}

impl TapSlash for String {
    fn tap_slash(&mut self) -> &mut String {
        self.push('/');
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_typed_objects_but_not_example_data() {
        let mut doc = json!({
            "paths": {
                "/a": {
                    "x-ext": {"$ref": "#/nope"},
                    "get": {
                        "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "ok", "content": {"application/json": {
                            "schema": {"properties": {"x-name": {"items": [{"type": "string"}]}}},
                            "example": {"$ref": "data"}
                        }}}},
                        "callbacks": {"cb": {"{$request.body#/url}": {"post": {"responses": {}}}}}
                    }
                }
            },
            "components": {"schemas": {"S": {"enum": [{"$ref": "data"}], "default": {"properties": {}}}}}
        });
        let mut seen = Vec::new();
        walk(&mut doc, Kind::Document, &mut String::new(), &mut |kind, pointer, _| {
            seen.push(format!("{kind:?} {pointer}"))
        });
        assert_eq!(
            seen,
            [
                "Document ",
                "PathItem /paths/~1a",
                "Operation /paths/~1a/get",
                "Parameter /paths/~1a/get/parameters/0",
                "Schema /paths/~1a/get/parameters/0/schema",
                "Response /paths/~1a/get/responses/200",
                "MediaType /paths/~1a/get/responses/200/content/application~1json",
                "Schema /paths/~1a/get/responses/200/content/application~1json/schema",
                "Schema /paths/~1a/get/responses/200/content/application~1json/schema/properties/x-name",
                "Schema /paths/~1a/get/responses/200/content/application~1json/schema/properties/x-name/items/0",
                "Callback /paths/~1a/get/callbacks/cb",
                "PathItem /paths/~1a/get/callbacks/cb/{$request.body#~1url}",
                "Operation /paths/~1a/get/callbacks/cb/{$request.body#~1url}/post",
                "Components /components",
                "Schema /components/schemas/S",
            ]
        );
    }

    #[test]
    fn the_visitor_may_rewrite_before_the_walk_descends() {
        let mut doc = json!({"components": {"schemas": {"S": {"properties": {"a": {"type": "string"}}}}}});
        let mut count = 0;
        walk(&mut doc, Kind::Document, &mut String::new(), &mut |kind, pointer, value| {
            count += 1;
            if kind == Kind::Schema && pointer == "/components/schemas/S" {
                *value = json!({});
            }
        });
        assert_eq!(count, 3);
    }
}
