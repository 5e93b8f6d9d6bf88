//! What one call's answer means: did Prism accept the request (its violations, verbatim, with
//! its known false positives told apart), and did the response decode into the typed response
//! or error. And the cause a failure is grouped under.

use serde::Deserialize;

use super::discriminator;
use super::document::Document;
use super::harness::Answer;

/// Prism's verdict on a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Request {
    /// No error-level violation.
    Accepted,
    /// Only violations Prism is known to report wrongly (see [`is_false_positive`]).
    PrismFalsePositive(String),
    /// Violations, verbatim (the `sl-violations` header), or Prism's own error.
    Rejected { cause: String, detail: String },
    /// The client did not send it: the typed method refused the arguments or the request.
    NotSent { cause: String, detail: String },
    /// Accepted, but the call says nothing of the client: the response Prism made up breaks
    /// the response's schema (most often it is the document's own example, or is built from
    /// the examples of its properties, and omits a required property or has an array where
    /// the schema says object), so a client that decodes what the document says must refuse
    /// it. Counted apart, with the reason.
    ResponseBreaksDocument(String),
    /// Accepted, and the response fits its schema, but only because the schema says no `type`
    /// where its keywords speak of one (`properties` without `type: object`, which by JSON
    /// Schema admits a string too), and Prism sent another type there. The typed client types
    /// such a schema by its keywords, as generators do; counted apart, with the place.
    OpenType(String),
}

/// One call, judged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) operation: String,
    pub(crate) request: Request,
    /// `Ok` when the response decoded into the typed response or error; `Err` with the cause
    /// and message otherwise.
    pub(crate) response: Result<(), (String, String)>,
}

impl Verdict {
    /// Request accepted and response decoded.
    pub(crate) fn passed(&self) -> bool {
        self.request == Request::Accepted && self.response.is_ok()
    }

    /// The failure's cause and detail, when it failed for a reason of the client (or of value
    /// synthesis): the request's first, else the response's.
    pub(crate) fn failure(&self) -> Option<(String, String)> {
        match &self.request {
            Request::Rejected { cause, detail } | Request::NotSent { cause, detail } => {
                Some((cause.clone(), detail.clone()))
            }
            Request::PrismFalsePositive(_) | Request::ResponseBreaksDocument(_) | Request::OpenType(_) => None,
            Request::Accepted => self.response.clone().err(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Violation {
    #[serde(default)]
    location: Vec<String>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    code: serde_json::Value,
    #[serde(default)]
    message: String,
}

/// The violations of Prism's `sl-violations` header (or a problem document's `validation`). Past
/// some count Prism writes `Too many violations! [...]`, and the list may be cut short, so each
/// violation object is read on its own wherever one starts.
fn parse_violations(text: &str) -> Vec<Violation> {
    if let Ok(all) = serde_json::from_str(text) {
        return all;
    }
    text.match_indices('{')
        .filter_map(|(at, _)| serde_json::Deserializer::from_str(&text[at..]).into_iter::<Violation>().next()?.ok())
        .filter(|v| !v.location.is_empty() || !v.message.is_empty())
        .collect()
}

/// Headers OpenAPI 3 says a parameter definition of is ignored, which Prism insists on anyway.
const IGNORED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// What a violation is judged against besides itself: the document and the request body
/// schema of the operation, for [`discriminator::prism_misses_discriminator`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Context<'a> {
    pub(crate) doc: Option<&'a Document>,
    pub(crate) body_schema: Option<&'a serde_json::Value>,
    /// The request body's media type and its Media Type Object (`schema`, `encoding`).
    pub(crate) body: Option<(&'a str, &'a serde_json::Value)>,
    /// The operation's path template as the document writes it.
    pub(crate) path: Option<&'a str>,
    /// The operation's method, upper case.
    pub(crate) method: Option<&'a str>,
}

/// Whether Prism misread a form or multipart property the client sent by OpenAPI's defaults,
/// or missed one the schema requires without declaring it.
/// Prism deserializes such a property only when the body's Encoding Object gives it a `style`;
/// otherwise it validates the raw text of the (last) field against the property's schema, so
/// an object (a JSON part in multipart, `a=1&b=2` fields in a form) or an array (one part or
/// field per item) is a string to it: "must be object", "must be array". Only that violation,
/// on a property whose schema is an object or array and that has no `style`, is Prism's.
fn prism_misreads_form_property(v: &Violation, place: &[&str], cx: &Context<'_>) -> bool {
    let (Some(doc), Some((content_type, media))) = (cx.doc, cx.body) else { return false };
    let form = content_type.starts_with("multipart/form-data")
        || content_type.starts_with("application/x-www-form-urlencoded");
    if !form {
        return false;
    }
    // Prism reads a form or multipart body through its schema's `properties` only, so a name
    // listed in `required` with no property (which the typed client sends, as a field of any
    // value) is missing to it.
    if place == ["body"] && v.code.as_str() == Some("required") {
        let schema = media.get("schema").map(|s| doc.resolve(s));
        let missing = v.message.rsplit('\'').nth(1).unwrap_or_default();
        let declared = schema.and_then(|s| s.get("properties")).is_some_and(|p| p.get(missing).is_some());
        let required = schema
            .and_then(|s| s.get("required"))
            .and_then(serde_json::Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(missing)));
        return required && !declared;
    }
    let ["body", property] = place else { return false };
    if v.code.as_str() != Some("type") {
        return false;
    }
    let styled = media.pointer(&format!("/encoding/{}/style", property.replace('~', "~0").replace('/', "~1")));
    if styled.is_some() {
        return false;
    }
    let Some(schema) = media.get("schema").map(|s| doc.resolve(s)) else { return false };
    let Some(property) = schema.get("properties").and_then(|p| p.get(*property)).map(|p| doc.resolve(p)) else {
        return false;
    };
    let kind = property.get("type").and_then(serde_json::Value::as_str);
    let object = kind == Some("object") || (kind.is_none() && property.get("properties").is_some());
    (object && v.message.ends_with("must be object")) || (kind == Some("array") && v.message.ends_with("must be array"))
}

/// Whether a violation is one Prism reports wrongly: a declared `Accept`, `Content-Type` or
/// `Authorization` header parameter, an integer beyond ±2^53, or a `oneOf` with a
/// discriminator that the sent value satisfies by the discriminator's rule (Prism does not
/// support discriminators; see [`discriminator`]), or an object or array property of a form or
/// multipart body sent by OpenAPI's defaults ([`prism_misreads_form_property`]), or anything
/// about an XML body, which Prism does not parse. (A request Prism crashes on, such as a
/// `pipeDelimited` object, is reported apart as well.)
fn is_false_positive(v: &Violation, cx: &Context<'_>, sent: Option<&serde_json::Value>) -> bool {
    // The `sl-violations` header starts locations with `request`; a problem document does not.
    let place: Vec<&str> = v.location.iter().map(String::as_str).skip_while(|l| *l == "request").collect();
    let header = place.first().is_some_and(|l| *l == "header")
        && place.get(1).is_some_and(|h| IGNORED_HEADERS.contains(&h.to_ascii_lowercase().as_str()));
    let big_integer = v.message.contains("9007199254740991") || v.message.contains("9007199254740992");
    let discriminated = match (cx.doc, cx.body_schema, sent) {
        (Some(doc), Some(schema), Some(sent)) => {
            discriminator::prism_misses_discriminator(doc, schema, sent, &v.location, &v.message)
        }
        _ => false,
    };
    // Prism does not parse XML request bodies: it validates the text itself against the schema
    // ("Request body must be object"), so it cannot check one, whatever was sent.
    let xml_body = place.first() == Some(&"body") && cx.body.is_some_and(|(content_type, _)| is_xml(content_type));
    header || big_integer || discriminated || xml_body || prism_misreads_form_property(v, &place, cx)
}

/// `application/xml`, `text/xml` and `+xml` media types.
fn is_xml(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.ends_with("/xml") || essence.ends_with("+xml")
}

/// Judges one answer of the harness.
pub(crate) fn judge(answer: &Answer, cx: &Context<'_>) -> Verdict {
    let request = request(answer, cx);
    let response = match answer.outcome.as_str() {
        "success" | "documented-error" | "prism-crashed" => Ok(()),
        // The response Prism made up does not fit the document, and Prism says so itself (a
        // `response` violation: the document's own example breaks its schema, say `null` for
        // an object): that it does not decode says nothing of the client.
        "decode" if request == Request::Accepted && prism_broke_its_response(answer) => {
            let verbatim = answer.violations.clone().unwrap_or_default();
            return Verdict {
                operation: answer.id.clone(),
                request: Request::PrismFalsePositive(format!("Prism's response breaks the document: {verbatim}")),
                response: Ok(()),
            };
        }
        "decode" if request == Request::Accepted => match response_breaking_its_schema(answer, cx) {
            Some(judged) => {
                let request = match judged {
                    Judged::Breaks(why) => Request::ResponseBreaksDocument(why),
                    Judged::OpenType(why) => Request::OpenType(why),
                };
                return Verdict { operation: answer.id.clone(), request, response: Ok(()) };
            }
            None => Err((format!("response: decode{}", message_class(answer.message.as_deref())), detail(answer))),
        },
        kind => Err((format!("response: {kind}{}", message_class(answer.message.as_deref())), detail(answer))),
    };
    Verdict { operation: answer.id.clone(), request, response }
}

/// What the body of a response that did not decode says of it.
enum Judged {
    /// It breaks the response's schema.
    Breaks(String),
    /// It fits the schema only where the schema leaves a type open.
    OpenType(String),
}

/// Why the body of a response that did not decode says nothing of the client: the harness's
/// validator (which checks only what it is sure of: types, `required`, bounds, enums, formats)
/// finds it breaks the schema the document gives that response, or fits it only where the
/// schema says no `type`. `None` when the body fits the schema as generated code reads it (a
/// body that fits and still does not decode is the client's fault), or when it was not kept
/// (an older run's answers).
fn response_breaking_its_schema(answer: &Answer, cx: &Context<'_>) -> Option<Judged> {
    let (doc, path, method, status) = (cx.doc?, cx.path?, cx.method?, answer.status?);
    let body: serde_json::Value = serde_json::from_str(answer.body.as_deref()?).ok()?;
    let content_type = answer.content_type.as_deref().unwrap_or("application/json");
    let media = doc.response(method, path, status, content_type)?;
    let schema = media.get("schema")?;
    // Patterns aside: no typed client checks one, so a body that breaks only a pattern did not
    // fail to decode for it.
    match super::validate::check_shape(doc, schema, &body) {
        Err(why) => {
            let whose = if doc.media_examples(media).contains(&&body) {
                "the document's own example"
            } else {
                "the response Prism made up (from the examples of the schema's parts, or from the schema)"
            };
            Some(Judged::Breaks(format!("{whose} for {status} breaks the response's schema at {why}")))
        }
        Ok(()) => {
            let why = super::validate::check_inferred(doc, schema, &body).err()?;
            Some(Judged::OpenType(format!("the schema for {status} says no type at {why}, and Prism sent that")))
        }
    }
}

/// Whether Prism listed an error-level violation of the response it sent, other than a pattern
/// (no typed client checks one, so a response that breaks only a pattern did not fail to decode
/// for it).
fn prism_broke_its_response(answer: &Answer) -> bool {
    let violations: Vec<Violation> = answer.violations.as_deref().map(parse_violations).unwrap_or_default();
    violations.iter().any(|v| {
        v.severity.eq_ignore_ascii_case("error")
            && v.location.first().is_some_and(|l| l == "response")
            && v.code.as_str() != Some("pattern")
    })
}

fn request(answer: &Answer, cx: &Context<'_>) -> Request {
    let sent = answer.sent.as_ref();
    match answer.outcome.as_str() {
        "prism-crashed" => {
            return Request::PrismFalsePositive(format!(
                "Prism crashed on this request: {}",
                answer.message.clone().unwrap_or_default()
            ));
        }
        "argument" | "invalid-request" | "transport" | "other" if answer.status.is_none() => {
            return Request::NotSent {
                cause: format!("not sent: {}{}", answer.outcome, message_class(answer.message.as_deref())),
                detail: answer.message.clone().unwrap_or_default(),
            };
        }
        _ => {}
    }
    let mut violations: Vec<Violation> = answer.violations.as_deref().map(parse_violations).unwrap_or_default();
    // A 422 problem document without the header (and whose replay did not read it) still lists
    // the violations in its own `validation` member, which the message keeps the start of.
    if violations.is_empty() && answer.status == Some(422) {
        let message = answer.message.as_deref().unwrap_or_default();
        if let Some(at) = message.find("\"validation\"") {
            violations = parse_violations(&message[at..]);
        }
    }
    // Prism also validates the response it makes up (the document's own example, which may not
    // fit the document's schema) and lists that in the same header, under `response`: those
    // say nothing of the request.
    let errors: Vec<&Violation> = violations
        .iter()
        .filter(|v| v.severity.eq_ignore_ascii_case("error"))
        .filter(|v| v.location.first().is_none_or(|l| l != "response"))
        .collect();
    // Prism's `required` on a read-only property (see `read_only`), and, when the body fits
    // its schema by OpenAPI's rule, what else Prism lists for it: the other branches of a
    // `oneOf` and the `oneOf` itself. Patterns and formats, which the harness does not check,
    // stay Prism's to judge.
    let read_only = |v: &Violation| {
        let place: Vec<&str> = v.location.iter().map(String::as_str).skip_while(|l| *l == "request").collect();
        let missing = v.message.rsplit('\'').nth(1).unwrap_or_default();
        let (Some(doc), Some(schema)) = (cx.doc, cx.body_schema) else { return false };
        v.code.as_str() == Some("required") && super::read_only::required_read_only(doc, schema, &place, missing)
    };
    let fits = match (cx.doc, cx.body_schema, sent) {
        (Some(doc), Some(schema), Some(sent)) => super::validate::check(doc, schema, sent).is_ok(),
        _ => false,
    };
    let read_only_call = fits && errors.iter().any(|v| read_only(v));
    let unchecked = |v: &Violation| matches!(v.code.as_str(), Some("pattern" | "format"));
    let false_positive =
        |v: &Violation| is_false_positive(v, cx, sent) || read_only(v) || (read_only_call && !unchecked(v));
    if !errors.is_empty() {
        let verbatim = answer.violations.clone().unwrap_or_default();
        if errors.iter().all(|v| false_positive(v)) {
            return Request::PrismFalsePositive(verbatim);
        }
        let Some(first) = errors.into_iter().find(|v| !false_positive(v)) else {
            return Request::PrismFalsePositive(verbatim);
        };
        let code = match &first.code {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let place =
            first.location.iter().skip_while(|l| *l == "request").take(1).cloned().collect::<Vec<_>>().join(".");
        return Request::Rejected { cause: format!("request: {place} {code}"), detail: verbatim };
    }
    // Prism's own errors (no route, no method, security) are problem documents.
    let problem = answer.content_type.as_deref().is_some_and(|t| t.contains("problem+json"));
    let status = answer.status.unwrap_or_default();
    if problem && status >= 500 {
        // Prism accepted the request but could not make up a response (no example, a media
        // type it cannot mock): Prism's limit, not the client's.
        return Request::PrismFalsePositive(format!(
            "Prism could not make up a response ({status}): {}",
            answer.message.clone().unwrap_or_default()
        ));
    }
    // A path template with a fragment (AWS documents converted to OpenAPI write the action as
    // `/#X-Amz-Target=...`) names no URL a request can have: RFC 3986 §3.5 keeps the fragment
    // on the client, so the client sends `/` and Prism, routing by the whole template, finds no
    // path. One with a query (`/total?since={since}`, which OpenAPI's path keys may not hold)
    // is sent as that query, and Prism, routing by the whole template again, finds no path. The
    // document's limit, counted apart with Prism's.
    if problem && status == 404 && cx.path.is_some_and(|p| p.contains(['#', '?'])) {
        return Request::PrismFalsePositive(format!(
            "the path template carries a fragment or a query, which Prism routes by (404): {}",
            answer.message.clone().unwrap_or_default()
        ));
    }
    if problem && status >= 400 {
        return Request::Rejected {
            cause: format!("request: Prism answered {status}"),
            detail: format!("{status} {}", answer.message.clone().unwrap_or_default()),
        };
    }
    Request::Accepted
}

/// The start of an error message up to its first specific part (a name in backticks or
/// quotes, a number), so messages of one kind group together.
fn message_class(message: Option<&str>) -> String {
    let Some(message) = message else { return String::new() };
    let cut = message.find(['`', '"', '\'', ':', '(']).unwrap_or(message.len());
    let head: String = message[..cut].chars().filter(|c| !c.is_ascii_digit()).take(60).collect();
    let head = head.trim();
    if head.is_empty() { String::new() } else { format!(" ({head})") }
}

fn detail(answer: &Answer) -> String {
    let message: String = answer.message.clone().unwrap_or_default().chars().take(300).collect();
    match answer.status {
        Some(status) => format!("{status}: {message}"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(outcome: &str, status: Option<u16>, violations: Option<&str>) -> Answer {
        Answer {
            id: "op".into(),
            outcome: outcome.into(),
            message: Some("invalid type: null, expected a string at line 1".into()),
            status,
            violations: violations.map(str::to_owned),
            content_type: Some("application/json".into()),
            sent: None,
            body: None,
        }
    }

    #[test]
    fn a_response_prism_flags_for_a_pattern_only_still_had_to_decode() {
        let flagged = |code: &str| {
            let header = format!(
                r#"[{{"location":["response","body","id"],"severity":"Error","code":"{code}","message":"bad id"}}]"#
            );
            judge(&answer("decode", Some(200), Some(&header)), &Context::default())
        };
        assert!(matches!(flagged("type").request, Request::PrismFalsePositive(_)));
        let pattern = flagged("pattern");
        assert!(matches!(pattern.failure(), Some((cause, _)) if cause.starts_with("response: decode")), "{pattern:?}");
    }

    #[test]
    fn prism_requiring_a_read_only_property_is_its_own_fault() {
        let doc = Document::parse(
            r##"
components:
  schemas:
    Policy: {type: object, required: [id, access], properties: {id: {type: string, readOnly: true}, access: {type: string}}}
    Member:
      oneOf:
        - {type: object, required: [email, roles], properties: {email: {type: string}, roles: {type: array, items: {type: string}}}}
        - {type: object, required: [email, policies], properties: {email: {type: string}, policies: {type: array, items: {$ref: '#/components/schemas/Policy'}}}}
"##,
        )
        .unwrap();
        let schema = serde_json::json!({"$ref": "#/components/schemas/Member"});
        let cx = Context { doc: Some(&doc), body_schema: Some(&schema), ..Context::default() };
        let header = r#"[{"location":["request","body"],"severity":"Error","code":"required","message":"Request body must have required property 'roles'"},{"location":["request","body","policies","0"],"severity":"Error","code":"required","message":"Request body property policies.0 must have required property 'id'"},{"location":["request","body"],"severity":"Error","code":"oneOf","message":"Request body must match exactly one schema in oneOf"}]"#;
        let with = |sent: serde_json::Value| Answer { sent: Some(sent), ..answer("success", Some(201), Some(header)) };
        let fits = judge(&with(serde_json::json!({"email": "a@example.com", "policies": [{"access": "allow"}]})), &cx);
        assert!(matches!(fits.request, Request::PrismFalsePositive(_)), "{fits:?}");
        // A body that breaks the schema otherwise (no `access`) is rejected, read-only `id` or not.
        let broken = judge(&with(serde_json::json!({"email": "a@example.com", "policies": [{}]})), &cx);
        assert!(matches!(broken.request, Request::Rejected { .. }), "{broken:?}");
    }

    #[test]
    fn a_response_of_a_type_its_schema_leaves_open_is_counted_apart() {
        let doc = Document::parse(
            r#"
openapi: 3.0.0
paths:
  /token:
    post:
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  result: {properties: {id: {type: string}}}
"#,
        )
        .unwrap();
        let cx = Context { doc: Some(&doc), path: Some("/token"), method: Some("POST"), ..Context::default() };
        let with = |body: &str| Answer { body: Some(body.into()), ..answer("decode", Some(201), None) };
        let open = judge(&with(r#"{"result": "culpa anim"}"#), &cx);
        assert!(matches!(&open.request, Request::OpenType(why) if why.contains("/result")), "{open:?}");
        // An object there is what the client reads: its failing is the client's.
        let object = judge(&with(r#"{"result": {"id": "t1"}}"#), &cx);
        assert!(object.failure().is_some(), "{object:?}");
    }

    #[test]
    fn a_response_that_breaks_its_schema_is_counted_apart() {
        let doc = Document::parse(
            r#"
openapi: 3.0.0
paths:
  /dnd:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [ok, snooze], properties: {ok: {type: boolean}, snooze: {type: boolean}}}
              examples:
                short: {value: {ok: true}}
                whole: {value: {ok: true, snooze: false}}
"#,
        )
        .unwrap();
        let cx = Context { doc: Some(&doc), path: Some("/dnd"), method: Some("GET"), ..Context::default() };
        let with = |body: &str| Answer { body: Some(body.into()), ..answer("decode", Some(200), None) };
        let short = judge(&with(r#"{"ok": true}"#), &cx);
        assert!(
            matches!(&short.request, Request::ResponseBreaksDocument(why)
                if why.starts_with("the document's own example") && why.contains("`snooze` is missing")),
            "{short:?}"
        );
        assert!(short.failure().is_none());
        // One that is no documented example says so.
        let made_up = judge(&with(r#"{"ok": 1, "snooze": true}"#), &cx);
        assert!(
            matches!(&made_up.request, Request::ResponseBreaksDocument(why) if why.starts_with("the response Prism made up")),
            "{made_up:?}"
        );
        // A body that fits the schema and still does not decode is the client's fault.
        let fits = judge(&with(r#"{"ok": true, "snooze": false}"#), &cx);
        assert!(matches!(fits.failure(), Some((cause, _)) if cause.starts_with("response: decode")), "{fits:?}");
        // Without the body (an older run's answers), nothing can be said.
        assert!(judge(&answer("decode", Some(200), None), &cx).failure().is_some());
    }

    #[test]
    fn too_many_violations_are_read_one_by_one() {
        let text = r#"Too many violations! [{"location":["response","body","a"],"severity":"Error","code":"type","message":"must be array"},{"location":["response","body","b"],"severity":"Error","code":"ty"#;
        let read = parse_violations(text);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].location, ["response", "body", "a"]);
        // So a response Prism says breaks the document is told apart even then.
        let v = judge(&answer("decode", Some(200), Some(text)), &Context::default());
        assert!(matches!(v.request, Request::PrismFalsePositive(_)), "{v:?}");
    }

    #[test]
    fn a_clean_call_passes() {
        let v = judge(&answer("success", Some(200), None), &Context::default());
        assert!(v.passed(), "{v:?}");
        assert_eq!(v.failure(), None);
    }

    #[test]
    fn violations_reject_the_request_verbatim() {
        let header = r#"[{"location":["request","query","limit"],"severity":"Error","code":"type","message":"must be integer"}]"#;
        let v = judge(&answer("unexpected-status", Some(422), Some(header)), &Context::default());
        assert_eq!(v.request, Request::Rejected { cause: "request: query type".into(), detail: header.into() });
        assert_eq!(v.failure().unwrap().0, "request: query type");
        // Prism's violations of its own made-up response are not the request's.
        let response = r#"[{"location":["response","body","code"],"severity":"Error","code":"pattern","message":"must match pattern"}]"#;
        assert!(judge(&answer("success", Some(200), Some(response)), &Context::default()).passed());
        // A response Prism itself says breaks the document does not count against the client.
        let v = judge(&answer("decode", Some(200), Some(&response.replace("pattern", "type"))), &Context::default());
        assert!(matches!(v.request, Request::PrismFalsePositive(_)), "{v:?}");
        assert_eq!(v.failure(), None);
        // Warnings are not rejections.
        let warning = header.replace("Error", "Warning");
        assert!(judge(&answer("success", Some(200), Some(&warning)), &Context::default()).passed());
    }

    #[test]
    fn a_404_for_a_path_template_with_a_fragment_or_a_query_is_the_documents() {
        let mut not_found = answer("unexpected-status", Some(404), None);
        not_found.content_type = Some("application/problem+json".into());
        let fragment = Context { path: Some("/#X-Amz-Target=Acm.AddTags"), ..Context::default() };
        let v = judge(&not_found, &fragment);
        assert!(matches!(v.request, Request::PrismFalsePositive(_)), "{v:?}");
        let query = Context { path: Some("/total?since={since}"), ..Context::default() };
        assert!(matches!(judge(&not_found, &query).request, Request::PrismFalsePositive(_)));
        let plain = Context { path: Some("/tags"), ..Context::default() };
        assert_eq!(judge(&not_found, &plain).failure().unwrap().0, "request: Prism answered 404");
    }

    #[test]
    fn prisms_false_positives_are_apart() {
        let accept = r#"[{"location":["request","header","Accept"],"severity":"Error","code":"required","message":"must have required property 'accept'"}]"#;
        let v = judge(&answer("unexpected-status", Some(422), Some(accept)), &Context::default());
        assert!(matches!(v.request, Request::PrismFalsePositive(_)), "{v:?}");
        assert!(!v.passed());
        assert_eq!(v.failure(), None);
        let big = r#"[{"location":["request","body","n"],"severity":"Error","code":"maximum","message":"must be <= 9007199254740991"}]"#;
        assert!(matches!(
            judge(&answer("success", Some(422), Some(big)), &Context::default()).request,
            Request::PrismFalsePositive(_)
        ));
    }

    #[test]
    fn form_properties_prism_reads_as_text_are_its_own() {
        let doc = Document::parse(
            r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
                "components": {"schemas": {"Meta": {"type": "object", "properties": {"k": {"type": "string"}}}}}}"#,
        )
        .unwrap();
        let media = serde_json::json!({
            "schema": {"type": "object", "properties": {
                "meta": {"$ref": "#/components/schemas/Meta"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "styled": {"type": "object"},
                "name": {"type": "string"}
            }},
            "encoding": {"styled": {"style": "deepObject", "explode": true}}
        });
        let cx = |content_type| Context { doc: Some(&doc), body: Some((content_type, &media)), ..Context::default() };
        let violation = |property: &str, message: &str| {
            format!(
                r#"[{{"location":["request","body","{property}"],"severity":"Error","code":"type","message":"Request body property {property} {message}"}}]"#
            )
        };
        let judged = |property: &str, message: &str, content_type| {
            judge(&answer("unexpected-status", Some(422), Some(&violation(property, message))), &cx(content_type))
                .request
        };
        assert!(matches!(judged("meta", "must be object", "multipart/form-data"), Request::PrismFalsePositive(_)));
        assert!(matches!(
            judged("tags", "must be array", "application/x-www-form-urlencoded"),
            Request::PrismFalsePositive(_)
        ));
        // A property with a style Prism does deserialize, a scalar, and a JSON body stay rejections.
        assert!(matches!(judged("styled", "must be object", "multipart/form-data"), Request::Rejected { .. }));
        assert!(matches!(judged("name", "must be string", "multipart/form-data"), Request::Rejected { .. }));
        assert!(matches!(judged("meta", "must be object", "application/json"), Request::Rejected { .. }));
        // A required name without a property is sent, but Prism reads only declared properties.
        let required = r#"[{"location":["request","body"],"severity":"Error","code":"required","message":"Request body must have required property 'grant_type'"}]"#;
        let missing = |properties: serde_json::Value| {
            let media =
                serde_json::json!({"schema": {"type": "object", "required": ["grant_type"], "properties": properties}});
            let form = Context {
                doc: Some(&doc),
                body: Some(("application/x-www-form-urlencoded", &media)),
                ..Context::default()
            };
            judge(&answer("unexpected-status", Some(422), Some(required)), &form).request
        };
        let undeclared = missing(serde_json::json!({"token": {"type": "string"}}));
        assert!(matches!(undeclared, Request::PrismFalsePositive(_)), "{undeclared:?}");
        let declared = missing(serde_json::json!({"grant_type": {"type": "string"}}));
        assert!(
            matches!(declared, Request::Rejected { .. }),
            "a declared property the client left out is its own: {declared:?}"
        );
        // Prism does not parse XML bodies at all.
        let body =
            r#"[{"location":["body"],"severity":"Error","code":"type","message":"Request body must be object"}]"#;
        let xml = judge(&answer("unexpected-status", Some(422), Some(body)), &cx("text/xml; charset=utf-8"));
        assert!(matches!(xml.request, Request::PrismFalsePositive(_)), "{xml:?}");
        // Read from the problem document too, when the header is missing.
        let mut problem = answer("documented-error", Some(422), None);
        problem.message = Some(format!(r#"{{"type":"x","status":422,"validation":{body}}}"#));
        let xml = judge(&problem, &cx("text/xml"));
        assert!(matches!(xml.request, Request::PrismFalsePositive(_)), "{xml:?}");
        let json = judge(&answer("unexpected-status", Some(422), Some(body)), &cx("application/json"));
        assert!(matches!(json.request, Request::Rejected { .. }), "{json:?}");
    }

    #[test]
    fn decode_failures_and_unsent_calls_have_causes() {
        let v = judge(&answer("decode", Some(200), None), &Context::default());
        assert_eq!(v.request, Request::Accepted);
        assert_eq!(v.failure().unwrap().0, "response: decode (invalid type)");
        let v = judge(&answer("argument", None, None), &Context::default());
        assert!(matches!(&v.request, Request::NotSent { cause, .. } if cause == "not sent: argument (invalid type)"));
    }
}
