//! `securityDefinitions` as OpenAPI 3.0 security schemes.

use serde_json::{Map, Value};

use crate::diagnostic::join;

use super::Cx;
use super::operation::show;

/// The 3.0 flow for each 2.0 OAuth2 `flow`, and the URLs it carries.
const FLOWS: [(&str, &str, &[&str]); 4] = [
    ("implicit", "implicit", &["authorizationUrl"]),
    ("password", "password", &["tokenUrl"]),
    ("application", "clientCredentials", &["tokenUrl"]),
    ("accessCode", "authorizationCode", &["authorizationUrl", "tokenUrl"]),
];

/// Converts every security definition; one that cannot be read is left out
/// with a warning (operations that require it then say so in `lower`).
pub(super) fn convert(cx: &mut Cx<'_>, definitions: Value) -> Map<String, Value> {
    let mut schemes = Map::new();
    let Value::Object(definitions) = definitions else {
        cx.warn("/securityDefinitions".to_owned(), "`securityDefinitions` should be an object; ignored");
        return schemes;
    };
    for (name, definition) in definitions {
        let origin = join("/securityDefinitions", &name);
        let Value::Object(definition) = definition else {
            cx.warn(origin, "a security definition should be an object; skipped");
            continue;
        };
        if let Some(scheme) = convert_one(cx, definition, &origin) {
            cx.origins.record(join("/components/securitySchemes", &name), origin);
            schemes.insert(name, Value::Object(scheme));
        }
    }
    schemes
}

fn convert_one(cx: &mut Cx<'_>, mut definition: Map<String, Value>, origin: &str) -> Option<Map<String, Value>> {
    let kind = definition.shift_remove("type").unwrap_or(Value::Null);
    let mut scheme = Map::new();
    let keep = |scheme: &mut Map<String, Value>, definition: &Map<String, Value>| {
        for (key, value) in definition {
            if key == "description" || key.starts_with("x-") {
                scheme.insert(key.clone(), value.clone());
            }
        }
    };
    match kind.as_str() {
        Some("basic") => {
            scheme.insert("type".to_owned(), Value::String("http".to_owned()));
            scheme.insert("scheme".to_owned(), Value::String("basic".to_owned()));
        }
        Some("apiKey") => {
            scheme.insert("type".to_owned(), Value::String("apiKey".to_owned()));
            for key in ["name", "in"] {
                if let Some(value) = definition.get(key) {
                    scheme.insert(key.to_owned(), value.clone());
                }
            }
        }
        Some("oauth2") => {
            let flow = definition.get("flow").map(show).unwrap_or_default();
            let Some((_, three, urls)) = FLOWS.iter().find(|(two, ..)| *two == flow) else {
                cx.warn(
                    join(origin, "flow"),
                    format!("unknown OAuth2 `flow: {flow}` (expected implicit, password, application or accessCode); the scheme was skipped"),
                );
                return None;
            };
            let mut body = Map::new();
            for url in *urls {
                match definition.get(*url) {
                    Some(value) => {
                        body.insert((*url).to_owned(), value.clone());
                    }
                    None => cx.warn(origin.to_owned(), format!("an OAuth2 `{flow}` flow needs `{url}`")),
                }
            }
            let scopes = match definition.get("scopes") {
                Some(Value::Object(scopes)) => Value::Object(scopes.clone()),
                _ => Value::Object(Map::new()),
            };
            body.insert("scopes".to_owned(), scopes);
            let mut flows = Map::new();
            flows.insert((*three).to_owned(), Value::Object(body));
            scheme.insert("type".to_owned(), Value::String("oauth2".to_owned()));
            scheme.insert("flows".to_owned(), Value::Object(flows));
        }
        _ => {
            cx.warn(
                join(origin, "type"),
                format!(
                    "unknown security `type: {}` (expected basic, apiKey or oauth2); the scheme was skipped",
                    show(&kind)
                ),
            );
            return None;
        }
    }
    keep(&mut scheme, &definition);
    Some(scheme)
}
