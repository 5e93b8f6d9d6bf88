//! A client written the way `gusset-codegen` emits one: statics describing the API and its
//! operations, serde derives pointed at `gusset::__private::serde`, and methods of a few lines that
//! fill a `Request` and hand it to `__private::call`. It depends on nothing but `gusset`.

use gusset::__private as rt;

pub static API: rt::ApiInfo = rt::ApiInfo {
    title: "Petstore",
    api_version: "2024-06-01",
    version_header: Some("X-Api-Version"),
    client_name: "petstore-client",
    client_version: "1.2.3",
    servers: &["https://petstore.example.com/v1"],
    security_schemes: &[
        rt::SecurityScheme { name: "bearer", kind: rt::SchemeKind::Bearer },
        rt::SecurityScheme {
            name: "key",
            kind: rt::SchemeKind::ApiKey { location: rt::ApiKeyLocation::Query, name: "api_key" },
        },
    ],
};

static CREATE_PET: rt::Operation = rt::Operation {
    id: "createPet",
    method: rt::http::Method::POST,
    path: "/pets",
    idempotency: rt::Idempotency::Default,
    security: &[&["bearer"]],
};

static GET_PET: rt::Operation = rt::Operation {
    id: "getPet",
    method: rt::http::Method::GET,
    path: "/pets/{petId}",
    idempotency: rt::Idempotency::Default,
    security: &[&["bearer"], &["key"]],
};

static GET_PET_ACCEPT: rt::http::HeaderValue =
    rt::http::HeaderValue::from_static("application/vnd.pet+json;version=2, application/problem+json");

static LIST_PETS: rt::Operation = rt::Operation {
    id: "listPets",
    method: rt::http::Method::GET,
    path: "/pets",
    idempotency: rt::Idempotency::Default,
    security: &[],
};

#[derive(Debug, Clone, PartialEq, rt::serde::Serialize, rt::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct NewPet {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, rt::serde::Serialize, rt::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct Pet {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub born: Option<gusset::Date>,
}

#[derive(Debug, Clone, PartialEq, rt::serde::Serialize, rt::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct ApiError {
    pub code: String,
}

/// The generated client.
#[derive(Debug, Clone)]
pub struct Client {
    inner: gusset::Client,
}

impl rt::GeneratedClient for Client {
    fn from_client(client: gusset::Client) -> Self {
        Self { inner: client }
    }
}

fn get_pet_error(r: &rt::RawResponse<'_>) -> Result<ApiError, rt::DecodeError> {
    match r.status {
        404 => rt::decode_json(r),
        _ => Err(rt::DecodeError::undocumented_status()),
    }
}

impl Client {
    pub const API_VERSION: &'static str = "2024-06-01";

    pub fn builder(base_url: impl Into<String>) -> gusset::ClientBuilder<Self> {
        rt::builder(&API, base_url)
    }

    pub fn runtime(&self) -> &gusset::Client {
        &self.inner
    }

    pub fn create_pet(&self, body: &NewPet) -> gusset::Call<'_, Pet, ApiError> {
        let mut request = rt::Request::new(&CREATE_PET);
        request.json(body);
        rt::call(&self.inner, request, rt::decode_json, rt::decode_json)
    }

    pub fn get_pet(&self, pet_id: &str, fields: Option<&[&str]>) -> gusset::Call<'_, Pet, ApiError> {
        let mut request = rt::Request::new(&GET_PET);
        request.accept(&GET_PET_ACCEPT);
        request.path_param("petId", pet_id, rt::Style::Simple, false);
        request.query("fields", &fields, rt::Style::Form, false);
        rt::call(&self.inner, request, rt::decode_json, get_pet_error)
    }

    pub fn list_pets(
        &self,
        limit: Option<u32>,
        x_trace: Option<&str>,
    ) -> gusset::Call<'_, Vec<Pet>, rt::serde_json::Value> {
        let mut request = rt::Request::new(&LIST_PETS);
        request.query("limit", &limit, rt::Style::Form, true);
        request.header("X-Trace", &x_trace, rt::Style::Simple, false);
        rt::call(&self.inner, request, rt::decode_json, rt::decode_value)
    }
}
