//! The model the emitter reads. `lower` builds it; `emit` only reads it.
//!
//! Every name here is already a legal, collision-free Rust identifier (see
//! `naming`), every list is in a stable order, and nothing refers back to the
//! parsed document, so emission cannot fail and the document model never
//! leaks past `lower`.

mod pagination;
mod streaming;

pub(crate) use pagination::{CursorFrom, Next, Pagination};
pub(crate) use streaming::Streaming;

/// A whole client.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    /// `info.title`.
    pub(crate) title: String,
    /// `info.description` and friends, for the module docs.
    pub(crate) docs: Docs,
    /// The version sent on every request (`API_VERSION`).
    pub(crate) api_version: String,
    /// The header that carries it, when the document declares one.
    pub(crate) version_header: Option<String>,
    /// Server URLs with variables replaced by their defaults.
    pub(crate) servers: Vec<String>,
    pub(crate) security_schemes: Vec<SecurityScheme>,
    /// Types sorted by name.
    pub(crate) types: Vec<TypeDef>,
    /// Operations sorted by method name.
    pub(crate) operations: Vec<Operation>,
    /// Emit `Client::OPERATIONS` and `Client::call_dynamic` (`Settings::dynamic_calls`).
    pub(crate) dynamic_calls: bool,
    /// Emit the `mock` module (`Settings::mock`).
    pub(crate) mock: bool,
}

/// Doc text, one entry per line, already cleaned (no control characters, code
/// fences marked as text so rustdoc never runs them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Docs {
    pub(crate) lines: Vec<String>,
}

/// A named type.
#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) docs: Docs,
    /// The `#[deprecated]` note, when the document deprecates the schema.
    pub(crate) deprecated: Option<String>,
    pub(crate) kind: TypeKind,
    /// Which serde traits the type implements.
    pub(crate) serde: Directions,
    /// On a cycle of types too long for the compiler to derive `Send`, `Sync` and the other auto
    /// traits (it fails with E0275): they are implemented explicitly, checked against the field
    /// types (the runtime's `auto_traits!`).
    pub(crate) explicit_auto_traits: bool,
}

/// Whether a type is sent (`Serialize`), received (`Deserialize`), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Directions {
    pub(crate) serialize: bool,
    pub(crate) deserialize: bool,
}

impl Directions {
    pub(crate) const BOTH: Directions = Directions { serialize: true, deserialize: true };
}

#[cfg(test)]
impl TypeDef {
    /// A struct of required fields named as on the wire, for tests of the passes over types.
    pub(crate) fn test_struct(name: &str, fields: &[(&str, TypeRef)]) -> TypeDef {
        let fields = fields
            .iter()
            .map(|(n, ty)| Field {
                name: n.to_string(),
                wire: n.to_string(),
                ty: ty.clone(),
                skip_if_none: false,
                docs: Docs::default(),
                deprecated: None,
                null_when_missing: false,
            })
            .collect();
        TypeDef {
            name: name.into(),
            docs: Docs::default(),
            deprecated: None,
            kind: TypeKind::Struct(Struct { fields, additional: None, default: false }),
            serde: Directions::BOTH,
            explicit_auto_traits: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A string enum with a catch-all for values added after generation.
    Enum(StringEnum),
    /// `oneOf`/`anyOf`.
    Union(Union),
    /// Another name for a type (`pub type Tags = Vec<Tag>;`).
    Alias(TypeRef),
    /// A type of its own around another, for a schema that holds itself in
    /// an array or a map (`pub struct Forest(pub Vec<Forest>);`), which an
    /// alias cannot express; serde sees only the inner value.
    Newtype(TypeRef),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Struct {
    pub(crate) fields: Vec<Field>,
    /// `additionalProperties` next to properties: a flattened map.
    pub(crate) additional: Option<(String, TypeRef)>,
    /// Every field is optional, so `Default` is derived.
    pub(crate) default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Field {
    pub(crate) name: String,
    /// The property name on the wire.
    pub(crate) wire: String,
    /// The full type, already wrapped in `Option`/`Box` as needed.
    pub(crate) ty: TypeRef,
    /// Absent when `None` (optional fields) rather than `null`.
    pub(crate) skip_if_none: bool,
    pub(crate) docs: Docs,
    /// The `#[deprecated]` note, when the document deprecates the property.
    pub(crate) deprecated: Option<String>,
    /// Read as `null` when absent: a `required` name the document gives no property, typed as
    /// any value. Nothing says what it holds, and documents that list one usually misspell a
    /// property (`accessed` beside `access`), so the server never sends it.
    pub(crate) null_when_missing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StringEnum {
    pub(crate) variants: Vec<Variant>,
    /// Name of the catch-all variant holding unknown values.
    pub(crate) other: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Variant {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) docs: Docs,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Union {
    /// The tag property, when the document gives a discriminator.
    pub(crate) discriminator: Option<String>,
    pub(crate) variants: Vec<UnionVariant>,
    /// With a discriminator: the variant that keeps values with a tag this
    /// client does not know yet.
    pub(crate) other: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct UnionVariant {
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    /// Tag values that select this variant (with a discriminator).
    pub(crate) tags: Vec<String>,
}

/// A use of a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum TypeRef {
    Named(String),
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    String,
    DateTime,
    Date,
    Uuid,
    /// `format: byte`: base64 text.
    Base64,
    /// A raw body (`format: binary` outside JSON).
    Bytes,
    /// Any JSON value.
    Value,
    /// A free-form JSON object.
    Object,
    /// An empty body.
    Unit,
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
    Box(Box<TypeRef>),
}

impl TypeRef {
    /// Whether a generated method takes a value of this type by value (small `Copy` scalars);
    /// `String` is taken as `&str` and everything else by reference.
    pub(crate) fn passed_by_value(&self) -> bool {
        matches!(
            self,
            TypeRef::Bool
                | TypeRef::I32
                | TypeRef::I64
                | TypeRef::U32
                | TypeRef::U64
                | TypeRef::F32
                | TypeRef::F64
                | TypeRef::Uuid
        )
    }

    pub(crate) fn option(self) -> TypeRef {
        match self {
            TypeRef::Option(_) => self,
            other => TypeRef::Option(Box::new(other)),
        }
    }

    /// Whether values have `Eq` (no floats or JSON values inside).
    pub(crate) fn is_optional(&self) -> bool {
        matches!(self, TypeRef::Option(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// The document's `operationId` (or the synthesised one).
    pub(crate) id: String,
    pub(crate) method_name: String,
    pub(crate) method: Method,
    /// The path template as written in the document.
    pub(crate) path: String,
    pub(crate) docs: Docs,
    /// The `#[deprecated]` note, when the document deprecates the operation.
    pub(crate) deprecated: Option<String>,
    /// Positional parameters in order: path parameters in template order,
    /// then required query, header and cookie parameters.
    pub(crate) params: Vec<Param>,
    /// Optional parameters, gathered in a struct passed last.
    pub(crate) optional: Option<ParamsStruct>,
    pub(crate) body: Option<Body>,
    pub(crate) success: Response,
    pub(crate) error: Response,
    /// The document asks for an idempotency key on every call.
    pub(crate) idempotent: bool,
    /// Alternatives of security scheme names; empty means no auth.
    pub(crate) security: Vec<Vec<String>>,
    /// The `Accept` header value: media ranges checked by `lower`, so it is
    /// a valid header value that `HeaderValue::from_static` accepts.
    pub(crate) accept: String,
    /// How the operation pages, when it is a listing that does.
    pub(crate) pagination: Option<Pagination>,
    /// The response statuses the document declares, as written: `"201"`, `"4XX"`, `"default"`
    /// (what a mock checks its replies against).
    pub(crate) statuses: Vec<String>,
    /// How a success response is streamed, when it is.
    pub(crate) streaming: Option<Streaming>,
}

#[derive(Debug, Clone)]
pub(crate) struct ParamsStruct {
    pub(crate) name: String,
    pub(crate) params: Vec<Param>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Form,
    Simple,
    Label,
    Matrix,
    DeepObject,
    SpaceDelimited,
    PipeDelimited,
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) wire: String,
    pub(crate) location: Location,
    /// The value type, without the `Option` of an optional parameter.
    pub(crate) ty: TypeRef,
    pub(crate) style: Style,
    pub(crate) explode: bool,
    pub(crate) docs: Docs,
    /// The `#[deprecated]` note, when the document deprecates the parameter (on the field of a
    /// params struct; a positional parameter says it in the method's docs).
    pub(crate) deprecated: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Form,
    /// `multipart/form-data`: the caller builds the parts (`gusset::Multipart`).
    Multipart,
    Bytes,
    Text,
}

#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) content_type: String,
    pub(crate) kind: BodyKind,
    pub(crate) ty: TypeRef,
    /// The parts a multipart form declares, for the method's docs.
    pub(crate) parts: Vec<Part>,
    /// For a form body: the properties its `encoding` map names, by wire
    /// name, sorted; the others keep the Encoding Object's defaults.
    pub(crate) form: Vec<FormField>,
}

/// A part of a `multipart/form-data` body, as the method's docs list it.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) name: String,
    /// `encoding.<name>.contentType`, when the document gives one.
    pub(crate) content_type: Option<String>,
}

/// A property of a form body named by its `encoding` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormField {
    pub(crate) wire: String,
    pub(crate) encoding: FormEncoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormEncoding {
    /// `style`/`explode` (load fills in OpenAPI's defaults); only the
    /// styles a query allows: form, spaceDelimited, pipeDelimited, deepObject.
    Style { style: Style, explode: bool },
    /// `contentType: application/json` and no style: the value as JSON text.
    Json,
}

/// How a response body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decode {
    Json,
    /// JSON, or `None` for an empty body: for operations whose success responses include one
    /// without content (GitHub's collaborator invitation: `201` with the invitation, `204`
    /// when there is none to send). The type is the `Option`.
    JsonOrEmpty,
    /// JSON if it parses, else the text, else null: for undocumented errors.
    Value,
    Empty,
    Bytes,
    Text,
}

#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) ty: TypeRef,
    pub(crate) decode: Decode,
}

#[derive(Debug, Clone)]
pub(crate) struct SecurityScheme {
    pub(crate) name: String,
    pub(crate) kind: SchemeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    Bearer,
    Basic,
    ApiKey {
        location: Location,
        name: String,
    },
    OAuth2 {
        token_url: Option<String>,
    },
    /// An `oauth2` scheme with a `clientCredentials` flow: its `tokenUrl`, and the scopes the
    /// document's security requirements ask of the scheme.
    OAuth2ClientCredentials {
        token_url: String,
        scopes: Vec<String>,
    },
    OpenIdConnect,
    Unsupported,
}
