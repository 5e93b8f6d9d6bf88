//! The version gate, checked before anything else looks at the document.

use serde_json::Value;

use crate::diagnostic::Diagnostic;

/// The OpenAPI versions gusset reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// Swagger 2.0, converted to 3.0 before anything else reads it.
    V20,
    V30,
    V31,
}

/// Which OpenAPI version `document` declares, or the error that stops the load.
/// A version written as a YAML number (`openapi: 3.0`) is accepted with a
/// warning and rewritten as a string.
pub(crate) fn check(document: &mut Value, warnings: &mut Vec<Diagnostic>) -> Result<Version, Diagnostic> {
    let Some(object) = document.as_object_mut() else {
        let found = match document {
            Value::Null => "nothing (an empty document)",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return Err(Diagnostic::error("", format!("an OpenAPI document must be an object, found {found}")));
    };
    if let Some(swagger) = object.get("swagger") {
        // YAML reads `swagger: 2.0` as a number.
        let version = swagger.as_str().map_or_else(|| swagger.to_string(), str::to_owned);
        return match version.trim() {
            "2.0" if swagger.is_number() => {
                warnings.push(Diagnostic::warning(
                    "/swagger",
                    "the `swagger` version should be a string; read `2.0` as `\"2.0\"`",
                ));
                Ok(Version::V20)
            }
            "2.0" => Ok(Version::V20),
            _ => Err(Diagnostic::error(
                "/swagger",
                format!(
                    "unsupported Swagger version `{version}`: gusset reads Swagger `2.0` and OpenAPI `3.0.x` and `3.1.x`"
                ),
            )),
        };
    }
    if let Some(old) = object.get("swaggerVersion") {
        let version = old.as_str().map_or_else(|| old.to_string(), str::to_owned);
        return Err(Diagnostic::error(
            "/swaggerVersion",
            format!(
                "unsupported Swagger version `{version}`: gusset reads Swagger `2.0` and OpenAPI `3.0.x` and `3.1.x`"
            ),
        ));
    }
    let version = match object.get("openapi") {
        None => {
            return Err(Diagnostic::error(
                "/openapi",
                "missing `openapi` field: the document must declare its version, `3.0.x` or `3.1.x`",
            ));
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => {
            // YAML reads `openapi: 3.0` as a number.
            let text = n.to_string();
            warnings.push(Diagnostic::warning(
                "/openapi",
                format!("the `openapi` version should be a string; read `{text}` as `\"{text}\"`"),
            ));
            object.insert("openapi".to_owned(), Value::String(text.clone()));
            text
        }
        Some(other) => {
            return Err(Diagnostic::error(
                "/openapi",
                format!("the `openapi` version must be a string like `3.0.3` or `3.1.0`, found `{other}`"),
            ));
        }
    };
    let trimmed = version.trim();
    if trimmed == "3.0" || trimmed.starts_with("3.0.") {
        Ok(Version::V30)
    } else if trimmed == "3.1" || trimmed.starts_with("3.1.") {
        Ok(Version::V31)
    } else {
        Err(Diagnostic::error(
            "/openapi",
            format!("unsupported OpenAPI version `{version}`: gusset reads `3.0.x` and `3.1.x` documents"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut doc: Value) -> (Result<Version, Diagnostic>, Vec<Diagnostic>) {
        let mut warnings = Vec::new();
        (check(&mut doc, &mut warnings), warnings)
    }

    #[test]
    fn accepts_3_0_and_3_1() {
        assert_eq!(run(json!({"openapi": "3.0.3"})).0, Ok(Version::V30));
        assert_eq!(run(json!({"openapi": "3.1.0"})).0, Ok(Version::V31));
        let (version, warnings) = run(json!({"openapi": 3.1}));
        assert_eq!(version, Ok(Version::V31));
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn swagger_2_0_is_read_and_older_swagger_is_refused() {
        assert_eq!(run(json!({"swagger": "2.0", "paths": {}})).0, Ok(Version::V20));
        let (version, warnings) = run(json!({"swagger": 2.0}));
        assert_eq!(version, Ok(Version::V20));
        assert_eq!(warnings.len(), 1);
        let Err(e) = run(json!({"swagger": "1.2"})).0 else { panic!("accepted swagger 1.2") };
        assert_eq!(e.pointer, "/swagger");
        assert_eq!(
            e.message,
            "unsupported Swagger version `1.2`: gusset reads Swagger `2.0` and OpenAPI `3.0.x` and `3.1.x`"
        );
        let Err(e) = run(json!({"swaggerVersion": "1.2", "apis": []})).0 else { panic!("accepted swagger 1.2") };
        assert_eq!(e.pointer, "/swaggerVersion");
    }

    #[test]
    fn missing_or_other_versions_are_errors_at_openapi() {
        for doc in
            [json!({"info": {}}), json!({"openapi": "2.0"}), json!({"openapi": "3.2.0"}), json!({"openapi": true})]
        {
            let Err(e) = run(doc.clone()).0 else { panic!("accepted {doc}") };
            assert_eq!(e.pointer, "/openapi", "{doc}");
        }
        let Err(e) = run(json!([1])).0 else { panic!("accepted an array") };
        assert_eq!(
            (e.pointer.as_str(), e.message.as_str()),
            ("", "an OpenAPI document must be an object, found an array")
        );
    }
}
