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
        let root = gusset_codegen::__bench::parse_document(path, &text).map_err(|e| e.to_string())?;
        Ok(Document { root })
    }

    /// Parses JSON, else YAML, as the generator does.
    #[cfg(test)]
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let root = gusset_codegen::__bench::parse_document(Path::new("document"), text).map_err(|e| e.to_string())?;
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
        content
            .get(content_type)
            .or_else(|| content.iter().find(|(k, _)| essence(k) == essence(content_type)).map(|(_, v)| v))
    }

    /// The media type object of the response for `status` (its own code, else its `4XX`-style
    /// range, else `default`) and `content_type`, resolved.
    pub(crate) fn response(&self, method: &str, path: &str, status: u16, content_type: &str) -> Option<&Value> {
        let (_, op) = self.operation(method, path)?;
        let responses = op.get("responses")?;
        let range = format!("{}XX", status / 100);
        let response = [status.to_string(), range.clone(), range.to_ascii_lowercase(), "default".to_owned()]
            .iter()
            .find_map(|key| responses.get(key))?;
        let content = self.resolve(response).get("content")?.as_object()?;
        let wanted = essence(content_type);
        content.iter().find(|(k, _)| essence(k) == wanted).map(|(_, v)| v)
    }

    /// The examples a media type object gives (`example`, each of `examples`), resolved.
    pub(crate) fn media_examples<'a>(&'a self, media: &'a Value) -> Vec<&'a Value> {
        let single = media.get("example").into_iter();
        let named = media.get("examples").and_then(Value::as_object).into_iter().flat_map(|m| m.values());
        single.chain(named.filter_map(|e| self.resolve(e).get("value"))).collect()
    }
}

/// A media type without its parameters, lower case (`application/json; charset=utf-8` is
/// `application/json`).
fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or(media_type).trim().to_ascii_lowercase()
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

    #[test]
    fn reads_integers_beyond_64_bits_as_the_generator_does() {
        // A public AI API's document bounds a seed by ±9223372036854776000, past `i64`.
        let doc =
            Document::parse("openapi: 3.0.0\nx-bound: {maximum: 9223372036854776000, minimum: -9223372036854776000}\n")
                .unwrap();
        assert_eq!(doc.root["x-bound"]["maximum"].as_f64(), Some(9.223372036854776e18));
        assert_eq!(doc.root["x-bound"]["minimum"].as_f64(), Some(-9.223372036854776e18));
    }
}
