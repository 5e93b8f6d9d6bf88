//! Security schemes and servers: the parts of a document the client builder
//! needs.

use openapiv3::{APIKeyLocation, ReferenceOr, SecurityScheme as Scheme};

use super::Cx;
use super::refs::resolve;
use crate::diagnostic::join;
use crate::fidelity::Cause;
use crate::ir::{Location, SchemeKind, SecurityScheme};

pub(super) fn lower_schemes<'a>(cx: &mut Cx<'a>) -> Vec<SecurityScheme> {
    let doc = cx.doc;
    let Some(components) = &doc.components else { return Vec::new() };
    let mut out = Vec::new();
    let mut names: Vec<&String> = components.security_schemes.keys().collect();
    names.sort();
    for name in names {
        let pointer = join("/components/securitySchemes", name);
        let Some(scheme) = components.security_schemes.get(name) else { continue };
        let scheme = match resolve(cx, scheme, &pointer) {
            Ok(resolved) => resolved.item,
            Err(why) => {
                let reference = match scheme {
                    ReferenceOr::Reference { reference } => reference.as_str(),
                    ReferenceOr::Item(_) => "",
                };
                let message = format!("{} to a security scheme; `{name}` is ignored", why.describe(reference));
                cx.drop_with(&pointer, Cause::UnresolvedRef, message);
                out.push(SecurityScheme { name: name.clone(), kind: SchemeKind::Unsupported });
                continue;
            }
        };
        let kind = match scheme {
            Scheme::HTTP { scheme, .. } => {
                match scheme.to_ascii_lowercase().as_str() {
                    "bearer" => SchemeKind::Bearer,
                    "basic" => SchemeKind::Basic,
                    other => {
                        cx.drop_with(join(&pointer, "scheme"), Cause::UnsupportedAuth, format!("http auth scheme `{other}` is not supported; set the header yourself with `default_header`"));
                        SchemeKind::Unsupported
                    }
                }
            }
            Scheme::APIKey { location, name: key_name, .. } => SchemeKind::ApiKey {
                location: match location {
                    APIKeyLocation::Header => Location::Header,
                    APIKeyLocation::Query => Location::Query,
                    APIKeyLocation::Cookie => Location::Cookie,
                },
                name: key_name.clone(),
            },
            // The flow a client can use on its own (`oauth2_client_credentials`).
            Scheme::OAuth2 { flows, .. } if flows.client_credentials.is_some() => SchemeKind::OAuth2ClientCredentials {
                token_url: flows.client_credentials.as_ref().map(|f| f.token_url.clone()).unwrap_or_default(),
                scopes: required_scopes(doc, name),
            },
            Scheme::OAuth2 { flows, .. } => SchemeKind::OAuth2 {
                token_url: flows
                    .client_credentials
                    .as_ref()
                    .map(|f| f.token_url.clone())
                    .or_else(|| flows.authorization_code.as_ref().map(|f| f.token_url.clone())),
            },
            Scheme::OpenIDConnect { .. } => SchemeKind::OpenIdConnect,
        };
        out.push(SecurityScheme { name: name.clone(), kind });
    }
    out
}

/// The scopes the document's security requirements (top-level and per operation) ask of the
/// scheme `name`, sorted and without duplicates: what a client-credentials token must carry for
/// every operation to work. A flow's `scopes` map lists what exists, not what is needed.
fn required_scopes(doc: &openapiv3::OpenAPI, name: &str) -> Vec<String> {
    let operations = doc.paths.paths.values().filter_map(ReferenceOr::as_item).flat_map(|item| item.iter());
    let requirements = doc.security.iter().chain(operations.filter_map(|(_, op)| op.security.as_ref()));
    let mut scopes: Vec<String> = requirements.flatten().filter_map(|req| req.get(name)).flatten().cloned().collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// Server URLs with each `{variable}` replaced by its default.
pub(super) fn lower_servers(cx: &mut Cx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, server) in cx.doc.servers.iter().enumerate() {
        let mut url = server.url.clone();
        if let Some(vars) = &server.variables {
            for (name, var) in vars {
                url = url.replace(&format!("{{{name}}}"), &var.default);
            }
        }
        if url.contains('{') {
            cx.drop_with(
                format!("/servers/{i}/url"),
                Cause::ServerVariable,
                format!("server url `{url}` has a variable without a default; it is left out"),
            );
            continue;
        }
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_credentials_token_asks_for_every_scope_the_requirements_name() {
        let doc: openapiv3::OpenAPI = serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "security": [{ "cc": ["c"] }, { "other": ["x"] }],
            "paths": {
                "/a": {
                    "get": { "security": [{ "cc": ["b", "a"] }], "responses": {} },
                    "post": { "security": [{ "cc": ["a"], "other": ["y"] }], "responses": {} },
                    "put": { "responses": {} }
                }
            }
        }))
        .unwrap();
        assert_eq!(required_scopes(&doc, "cc"), ["a", "b", "c"]);
        assert_eq!(required_scopes(&doc, "other"), ["x", "y"]);
        assert!(required_scopes(&doc, "none").is_empty());
    }
}
