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
    // OpenAPI 3.1 writes a nullable one `type: [array, "null"]`, which Prism says as "must be
    // array,null".
    let kinds: Vec<&str> = match property.get("type") {
        Some(serde_json::Value::String(t)) => vec![t.as_str()],
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(serde_json::Value::as_str).collect(),
        _ => Vec::new(),
    };
    let said = |kind: &str| {
        let message = v.message.trim_end_matches(",null");
        message.ends_with(&format!("must be {kind}"))
    };
    let object = kinds.contains(&"object") || (kinds.is_empty() && property.get("properties").is_some());
    (object && said("object")) || (kinds.contains(&"array") && said("array"))
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
    header
        || big_integer
        || unmeetable_enum(v, &place, cx, sent)
        || discriminated
        || xml_body
        || prism_misreads_form_property(v, &place, cx)
        || prism_took_another_template(&place, cx)
}

/// Whether an `enum` violation is on a schema no value can meet:
/// - its values are all of another type than its own: BBC's `mixin` is `type: array` with
///   `enum: [live, promotions]` (an array is never a string), WhatsApp's `shards`
///   `type: integer` with `enum: ["1", "2", ...]`;
/// - a parameter's schema says no `type` and lists values that are not strings (Cloudflare's
///   `ssl: {enum: [0, 1]}`, `retry: {enum: [true]}`): a parameter's text is read as a string,
///   since no type says to read it otherwise, and no string equals `0` or `true`.
///
/// The typed client sends a value of the type (the value's text, for a parameter); the
/// document cannot be met, by it or by anyone.
fn unmeetable_enum(v: &Violation, place: &[&str], cx: &Context<'_>, sent: Option<&serde_json::Value>) -> bool {
    if v.code.as_str() != Some("enum") {
        return false;
    }
    let Some(doc) = cx.doc else { return false };
    let (schema, text) = match place {
        [location @ ("query" | "path" | "header" | "cookie"), name] => {
            let (Some(method), Some(path)) = (cx.method, cx.path) else { return false };
            (doc.parameter(method, path, location, name).and_then(|p| p.get("schema")), true)
        }
        ["body", rest @ ..] => match (cx.body_schema, sent) {
            (Some(body), Some(sent)) => (discriminator::schema_at(doc, body, sent, rest), false),
            _ => (None, false),
        },
        _ => (None, false),
    };
    let Some(schema) = schema.map(|s| doc.resolve(s)) else { return false };
    let Some(values) = schema.get("enum").and_then(serde_json::Value::as_array).filter(|v| !v.is_empty()) else {
        return false;
    };
    match schema.get("type").and_then(serde_json::Value::as_str) {
        Some(typ) => !values.iter().any(|value| super::validate::has_type(value, typ)),
        None => text && values.iter().all(|value| !value.is_string()),
    }
}

/// Whether a path parameter violation names a parameter the operation's template does not
/// have: Prism matched the request to another template of the same shape (`/Journals/{JournalID}`
/// and `/Journals/{JournalNumber}`, which OpenAPI says are one path and a document may not
/// hold both), so it judged the request by the other operation's parameters.
fn prism_took_another_template(place: &[&str], cx: &Context<'_>) -> bool {
    let (["path", name], Some(template)) = (place, cx.path) else { return false };
    let own = template.split('{').skip(1).filter_map(|rest| rest.split_once('}')).map(|(n, _)| n);
    !own.into_iter().any(|n| n.eq_ignore_ascii_case(name))
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
            return prisms(answer, format!("Prism's response breaks the document: {verbatim}"));
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
        // Prism answered with a redirect out of the mock (the document's example `Location`, or
        // one it made up), which the client follows, as it should: what is there is not the
        // mock's to answer, so the response says nothing of the client. A mock's limit, counted
        // with Prism's.
        "redirect-elsewhere" if request == Request::Accepted => {
            let to = answer.message.clone().unwrap_or_default();
            return prisms(
                answer,
                format!(
                    "Prism answered a redirect out of the mock ({to}), which the client followed: where it leads is not Prism's to answer"
                ),
            );
        }
        // A redirect the client did not follow: one without `Location` (the document gives its
        // redirect none, so Prism sends none, and no client can follow it), or one to a host the
        // client does not take its API key to. It comes back as the status it is, with its
        // headers; the response says nothing more of the client.
        "unexpected-status"
            if request == Request::Accepted && answer.status.is_some_and(|s| (300..400).contains(&s)) =>
        {
            let status = answer.status.unwrap_or_default();
            let why = match &answer.location {
                Some(to) => format!("to {to}, a host the client does not take its API key to"),
                None => "without `Location` (the document's redirect gives none)".to_owned(),
            };
            return prisms(
                answer,
                format!("Prism answered a {status} {why}: the client returns it as the status it is"),
            );
        }
        kind => Err((format!("response: {kind}{}", message_class(answer.message.as_deref())), detail(answer))),
    };
    Verdict { operation: answer.id.clone(), request, response }
}

/// A call whose answer says nothing of the client, for `reason`: counted with Prism's.
fn prisms(answer: &Answer, reason: String) -> Verdict {
    Verdict { operation: answer.id.clone(), request: Request::PrismFalsePositive(reason), response: Ok(()) }
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
    // `oneOf` and the `oneOf` itself. Patterns and formats, which the harness checks only in
    // part, stay Prism's to judge.
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
    // A `oneOf` whose branches overlap, when Prism lists nothing else at or below its place.
    let overlap = |v: &Violation| {
        let (Some(doc), Some(schema), Some(sent)) = (cx.doc, cx.body_schema, sent) else { return false };
        let alone = !errors.iter().any(|e| !std::ptr::eq(*e, v) && e.location.starts_with(&v.location));
        alone && discriminator::branches_overlap(doc, schema, sent, &v.location, &v.message)
    };
    let read_only_call = fits && errors.iter().any(|v| read_only(v));
    let unchecked = |v: &Violation| matches!(v.code.as_str(), Some("pattern" | "format"));
    let false_positive = |v: &Violation| {
        is_false_positive(v, cx, sent) || read_only(v) || overlap(v) || (read_only_call && !unchecked(v))
    };
    if !errors.is_empty() {
        let verbatim = answer.violations.clone().unwrap_or_default();
        if errors.iter().all(|v| false_positive(v)) {
            return Request::PrismFalsePositive(verbatim);
        }
        let Some(first) = errors.iter().copied().find(|v| !false_positive(v)) else {
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
    // Where the template without its fragment is another operation's path, Prism finds that
    // path and not the method (405).
    if problem && matches!(status, 404 | 405) && cx.path.is_some_and(|p| p.contains(['#', '?'])) {
        return Request::PrismFalsePositive(format!(
            "the path template carries a fragment or a query, which Prism routes by ({status}): {}",
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
#[path = "verdict_tests.rs"]
mod tests;
