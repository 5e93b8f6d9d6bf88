//! A buffered `multipart/form-data` body (RFC 7578). Hand-written rather than reqwest's
//! `multipart` feature because reqwest's form is a one-shot stream: it cannot be cloned, so a
//! request carrying it could never be retried, and it would pull in `mime_guess`.

use bytes::Bytes;
use http::HeaderValue;

/// A `multipart/form-data` body: methods of operations that take one accept
/// it, built part by part. It is buffered, so a retried call sends the same
/// bytes.
///
/// ```
/// let mut form = gusset::Multipart::new();
/// form.text("title", "Quarterly report")
///     .file("attachment", "report.pdf", "application/pdf", b"%PDF-1.7 ...")
///     .field("tags", &["finance", "q3"]);
/// ```
#[derive(Debug, Clone)]
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
    error: Option<String>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

/// Escapes a name for a `Content-Disposition` quoted string the way browsers do (HTML form
/// submission): `"` as `%22`, CR as `%0D`, LF as `%0A`.
fn quoted(name: &str) -> String {
    name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

impl Multipart {
    /// An empty form with a random boundary.
    pub fn new() -> Self {
        Self { boundary: format!("gusset-{}", uuid::Uuid::new_v4().simple()), body: Vec::new(), error: None }
    }

    fn head(&mut self, name: &str, filename: Option<&str>, content_type: Option<&str>) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        self.body.extend_from_slice(quoted(name).as_bytes());
        self.body.push(b'"');
        if let Some(filename) = filename {
            self.body.extend_from_slice(b"; filename=\"");
            self.body.extend_from_slice(quoted(filename).as_bytes());
            self.body.push(b'"');
        }
        if let Some(ct) = content_type {
            if HeaderValue::try_from(ct).is_err() {
                self.error.get_or_insert(format!("multipart part `{name}` has an invalid content type"));
            }
            self.body.extend_from_slice(b"\r\nContent-Type: ");
            self.body.extend_from_slice(quoted(ct).as_bytes());
        }
        self.body.extend_from_slice(b"\r\n\r\n");
    }

    /// A text field.
    pub fn text(&mut self, name: &str, value: impl AsRef<str>) -> &mut Self {
        self.head(name, None, None);
        self.body.extend_from_slice(value.as_ref().as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// A file part.
    pub fn file(&mut self, name: &str, filename: &str, content_type: &str, data: impl AsRef<[u8]>) -> &mut Self {
        self.head(name, Some(filename), Some(content_type));
        self.body.extend_from_slice(data.as_ref());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// A part holding `value` as JSON (`Content-Type: application/json`), the OpenAPI default for
    /// object properties.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        match serde_json::to_vec(value) {
            Ok(json) => {
                self.head(name, None, Some("application/json"));
                self.body.extend_from_slice(&json);
                self.body.extend_from_slice(b"\r\n");
            }
            Err(e) => {
                self.error.get_or_insert(format!("multipart part `{name}` cannot be serialized: {e}"));
            }
        }
        self
    }

    /// A property by the OpenAPI defaults: scalars as text, arrays as one part per item, objects
    /// as JSON; `None` adds nothing.
    pub fn field<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        use serde_json::Value;
        fn add(form: &mut Multipart, name: &str, value: Value) {
            match value {
                Value::Null => {}
                Value::String(s) => {
                    form.text(name, s);
                }
                Value::Array(items) => items.into_iter().for_each(|item| add(form, name, item)),
                Value::Object(_) => {
                    form.json(name, &value);
                }
                other => {
                    form.text(name, other.to_string());
                }
            }
        }
        match serde_json::to_value(value) {
            Ok(v) => add(self, name, v),
            Err(e) => {
                self.error.get_or_insert(format!("multipart part `{name}` cannot be serialized: {e}"));
            }
        }
        self
    }

    /// The content type and the finished body.
    pub(crate) fn finish(mut self) -> Result<(HeaderValue, Bytes), String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"--\r\n");
        let ct = HeaderValue::try_from(format!("multipart/form-data; boundary={}", self.boundary))
            .map_err(|_| String::from("invalid multipart boundary"))?;
        Ok((ct, Bytes::from(self.body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_rfc7578_body() {
        let mut form = Multipart::new();
        form.text("name", "Rex").file("photo", "a\"b.png", "image/png", [1u8, 2]).field("tags", &["x", "y"]);
        form.field("meta", &serde_json::json!({"k": true})).field("none", &None::<u8>);
        let boundary = form.boundary.clone();
        let (ct, body) = form.finish().unwrap();
        assert_eq!(ct.to_str().unwrap(), format!("multipart/form-data; boundary={boundary}"));
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nRex\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a%22b.png\"\r\nContent-Type: image/png\r\n\r\n\x01\x02\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nx\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\ny\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"k\":true}}\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(String::from_utf8(body.to_vec()).unwrap(), expected);
    }

    #[test]
    fn bad_content_type_is_an_error() {
        let mut form = Multipart::new();
        form.file("f", "x", "bad\u{7f}", b"");
        assert_eq!(form.finish().unwrap_err(), "multipart part `f` has an invalid content type");
    }
}
