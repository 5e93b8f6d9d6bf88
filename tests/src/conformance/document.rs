//! The parts of a document value synthesis reads: each operation's parameter and body schemas,
//! found by method and path template (as `Client::OPERATIONS` names them), with local `$ref`s
//! followed.

use std::path::Path;

use serde_json::Value;

/// A whole document as JSON.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) root: Value,
}

/// Longest chain of `$ref`s followed before giving up (a cycle of references).
const MAX_HOPS: usize = 32;

impl Document {
    /// Reads a JSON or YAML document.
    pub(crate) fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))
    }

    /// Parses JSON, else YAML.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let root = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(_) => serde_yaml_ng::from_str::<Value>(text).map_err(|e| format!("neither JSON nor YAML: {e}"))?,
        };
        Ok(Document { root })
    }

    /// The value at a JSON pointer (`#/components/schemas/Pet`); `None` for other files.
    pub(crate) fn pointer(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(&decode_percent(pointer))
    }

    /// `value`, with `$ref`s followed (to a local target; an unresolvable one is left as is).
    pub(crate) fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_HOPS {
            let Some(target) = value.get("$ref").and_then(Value::as_str).and_then(|r| self.pointer(r)) else {
                return value;
            };
            value = target;
        }
        value
    }

    /// The operation object at `path` and `method` (lower case), and its path item.
    fn operation(&self, method: &str, path: &str) -> Option<(&Value, &Value)> {
        let item = self.resolve(self.root.get("paths")?.get(path)?);
        let op = self.resolve(item.get(method.to_ascii_lowercase())?);
        Some((item, op))
    }

    /// The parameter `name` in `location` of an operation, the operation's own overriding the
    /// path item's, resolved. Names are case-sensitive (`maxResults` and `MaxResults` are two
    /// query parameters of some documents), but header names are not.
    pub(crate) fn parameter(&self, method: &str, path: &str, location: &str, name: &str) -> Option<&Value> {
        let (item, op) = self.operation(method, path)?;
        let lists = [op.get("parameters"), item.get("parameters")];
        let same = |n: &str| if location == "header" { n.eq_ignore_ascii_case(name) } else { n == name };
        lists.into_iter().flatten().filter_map(Value::as_array).flatten().map(|p| self.resolve(p)).find(|p| {
            p.get("in").and_then(Value::as_str) == Some(location)
                && p.get("name").and_then(Value::as_str).is_some_and(same)
        })
    }

    /// The media type object of the request body for `content_type`, resolved.
    pub(crate) fn body(&self, method: &str, path: &str, content_type: &str) -> Option<&Value> {
        let (_, op) = self.operation(method, path)?;
        let body = self.resolve(op.get("requestBody")?);
        let content = body.get("content")?.as_object()?;
        let essence = |t: &str| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase();
        content
            .get(content_type)
            .or_else(|| content.iter().find(|(k, _)| essence(k) == essence(content_type)).map(|(_, v)| v))
    }
}

/// `%25`-style escapes in a `$ref` fragment (JSON pointers in URIs may be percent-encoded).
fn decode_percent(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    put:
      parameters:
        - $ref: '#/components/parameters/Id'
      requestBody:
        $ref: '#/components/requestBodies/Pet'
      responses: {"204": {description: ok}}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
  requestBodies:
    Pet:
      content:
        application/json; charset=utf-8:
          schema: {$ref: '#/components/schemas/Pet'}
  schemas:
    Pet: {type: object}
"##;

    #[test]
    fn finds_parameters_and_bodies_through_references() {
        let doc = Document::parse(DOC).unwrap();
        let id = doc.parameter("PUT", "/pets/{id}", "path", "id").unwrap();
        // The operation's own parameter wins over the path item's.
        assert_eq!(id["schema"]["type"], "string");
        let body = doc.body("PUT", "/pets/{id}", "application/json").unwrap();
        assert_eq!(doc.resolve(&body["schema"])["type"], "object");
        assert!(doc.parameter("PUT", "/pets/{id}", "query", "id").is_none());
        assert!(doc.body("GET", "/pets/{id}", "application/json").is_none());
    }
}
