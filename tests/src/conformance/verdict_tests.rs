//! Tests of `verdict.rs`, in a file of their own to keep that one short.

use super::*;

fn answer(outcome: &str, status: Option<u16>, violations: Option<&str>) -> Answer {
    Answer {
        id: "op".into(),
        outcome: outcome.into(),
        message: Some("invalid type: null, expected a string at line 1".into()),
        status,
        violations: violations.map(str::to_owned),
        content_type: Some("application/json".into()),
        location: None,
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
fn a_path_parameter_of_another_template_is_prisms_wrong_route() {
    let header = r#"[{"location":["request","path","journalnumber"],"severity":"Error","code":"type","message":"Request path parameter journalnumber must be integer"}]"#;
    let by_id = Context { path: Some("/Journals/{JournalID}"), ..Context::default() };
    assert!(matches!(
        judge(&answer("success", Some(422), Some(header)), &by_id).request,
        Request::PrismFalsePositive(_)
    ));
    let by_number = Context { path: Some("/Journals/{JournalNumber}"), ..Context::default() };
    assert!(matches!(judge(&answer("success", Some(422), Some(header)), &by_number).request, Request::Rejected { .. }));
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
    let header =
        r#"[{"location":["request","query","limit"],"severity":"Error","code":"type","message":"must be integer"}]"#;
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
    // The template without its fragment is another operation's path: Prism finds no method.
    let mut no_method = answer("unexpected-status", Some(405), None);
    no_method.content_type = Some("application/problem+json".into());
    let tags = Context { path: Some("/prod/tags/{resource-arn}#tagKeys"), ..Context::default() };
    assert!(matches!(judge(&no_method, &tags).request, Request::PrismFalsePositive(_)));
    assert_eq!(judge(&no_method, &plain).failure().unwrap().0, "request: Prism answered 405");
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
            "labels": {"type": ["array", "null"], "items": {"type": "string"}},
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
        judge(&answer("unexpected-status", Some(422), Some(&violation(property, message))), &cx(content_type)).request
    };
    assert!(matches!(judged("meta", "must be object", "multipart/form-data"), Request::PrismFalsePositive(_)));
    assert!(matches!(
        judged("tags", "must be array", "application/x-www-form-urlencoded"),
        Request::PrismFalsePositive(_)
    ));
    // OpenAPI 3.1's nullable array, which Prism says as "must be array,null".
    assert!(matches!(
        judged("labels", "must be array,null", "application/x-www-form-urlencoded"),
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
    let body = r#"[{"location":["body"],"severity":"Error","code":"type","message":"Request body must be object"}]"#;
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

#[test]
fn a_redirect_out_of_the_mock_is_the_mocks_limit_unless_the_request_was_rejected() {
    let mut redirected = answer("redirect-elsewhere", Some(302), None);
    redirected.message = Some("302 to https://codeload.github.com/o/r/legacy.tar.gz/main".into());
    let verdict = judge(&redirected, &Context::default());
    assert!(matches!(&verdict.request, Request::PrismFalsePositive(why) if why.contains("codeload")), "{verdict:?}");
    assert!(verdict.failure().is_none());

    let header =
        r#"[{"location":["request","query","page"],"severity":"Error","code":"type","message":"must be integer"}]"#;
    let rejected = answer("redirect-elsewhere", Some(302), Some(header));
    assert!(matches!(judge(&rejected, &Context::default()).request, Request::Rejected { .. }));
}

#[test]
fn a_one_of_of_overlapping_branches_is_the_documents_only_when_prism_lists_nothing_else() {
    let doc = Document::parse(
        r##"
components:
  schemas:
    Subscription:
      oneOf:
        - {type: object, properties: {channel: {type: string}, deviceId: {type: string}}}
        - {type: object, properties: {channel: {type: string}, clientId: {type: string}}}
"##,
    )
    .unwrap();
    let schema = serde_json::json!({"$ref": "#/components/schemas/Subscription"});
    let cx = Context { doc: Some(&doc), body_schema: Some(&schema), ..Context::default() };
    let sent = serde_json::json!({"channel": "c", "clientId": "me"});
    let one_of = r#"{"location":["request","body"],"severity":"Error","code":"oneOf","message":"Request body must match exactly one schema in oneOf"}"#;
    let alone = format!("[{one_of}]");
    let judged = judge(&Answer { sent: Some(sent.clone()), ..answer("success", Some(422), Some(&alone)) }, &cx);
    assert!(matches!(judged.request, Request::PrismFalsePositive(_)), "{judged:?}");
    let branch =
        r#"{"location":["request","body","channel"],"severity":"Error","code":"type","message":"must be string"}"#;
    let with_branch = format!("[{branch},{one_of}]");
    let judged = judge(&Answer { sent: Some(sent), ..answer("success", Some(422), Some(&with_branch)) }, &cx);
    assert!(matches!(judged.request, Request::Rejected { .. }), "{judged:?}");
}

#[test]
fn an_enum_of_numbers_without_a_type_in_a_query_cannot_be_met() {
    let doc = Document::parse(
        r##"
paths:
  /hostnames:
    get:
      parameters:
        - {in: query, name: ssl, schema: {enum: [0, 1]}}
        - {in: query, name: order, schema: {enum: [ssl, ssl_status]}}
        - {in: query, name: level, schema: {type: integer, enum: [0, 1]}}
"##,
    )
    .unwrap();
    let cx = Context { doc: Some(&doc), path: Some("/hostnames"), method: Some("GET"), ..Context::default() };
    let violation = |name: &str| {
        format!(
            r#"[{{"location":["request","query","{name}"],"severity":"Error","code":"enum","message":"Request query parameter {name} must be equal to one of the allowed values"}}]"#
        )
    };
    let judged = |name: &str| judge(&answer("success", Some(422), Some(&violation(name))), &cx).request;
    assert!(matches!(judged("ssl"), Request::PrismFalsePositive(_)));
    assert!(matches!(judged("order"), Request::Rejected { .. }), "string values can be met");
    assert!(matches!(judged("level"), Request::Rejected { .. }), "a typed parameter is read by its type");
}

#[test]
fn a_redirect_the_client_cannot_follow_is_returned_as_its_status() {
    let found = judge(&answer("unexpected-status", Some(302), None), &Context::default());
    assert!(
        matches!(&found.request, Request::PrismFalsePositive(why) if why.contains("without `Location`")),
        "{found:?}"
    );
    // Any other status the error type does not describe is the client's to explain.
    let teapot = judge(&answer("unexpected-status", Some(418), None), &Context::default());
    assert!(teapot.failure().is_some(), "{teapot:?}");
}

#[test]
fn an_enum_of_values_of_another_type_is_the_documents() {
    let doc = Document::parse(
        r##"
paths:
  /episodes:
    get:
      parameters:
        - {in: query, name: mixin, schema: {type: array, items: {type: string}, enum: [live, promotions]}}
        - {in: query, name: sort, schema: {type: string, enum: [title, date]}}
components:
  schemas:
    Shards: {type: object, properties: {shards: {type: integer, enum: ["1", "2", "4"]}, level: {type: integer, enum: [1, 2]}}}
"##,
    )
    .unwrap();
    let body = serde_json::json!({"$ref": "#/components/schemas/Shards"});
    let cx = Context {
        doc: Some(&doc),
        body_schema: Some(&body),
        path: Some("/episodes"),
        method: Some("GET"),
        ..Context::default()
    };
    let judged = |location: &str, sent: serde_json::Value| {
        let header = format!(
            r#"[{{"location":{location},"severity":"Error","code":"enum","message":"must be equal to one of the allowed values"}}]"#
        );
        judge(&Answer { sent: Some(sent), ..answer("success", Some(422), Some(&header)) }, &cx).request
    };
    let shards = serde_json::json!({"shards": 4, "level": 3});
    assert!(matches!(judged(r#"["request","query","mixin"]"#, shards.clone()), Request::PrismFalsePositive(_)));
    assert!(matches!(judged(r#"["request","query","sort"]"#, shards.clone()), Request::Rejected { .. }));
    assert!(matches!(judged(r#"["request","body","shards"]"#, shards.clone()), Request::PrismFalsePositive(_)));
    assert!(matches!(judged(r#"["request","body","level"]"#, shards), Request::Rejected { .. }));
}
