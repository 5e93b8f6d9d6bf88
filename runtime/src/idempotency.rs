//! Idempotency, the whole decision: when a call carries a key ([`Idempotency`], from the
//! document), the client's settings ([`IdempotencyConfig`]), which key is sent (a key set on the
//! call, then one generated code passed as a header parameter, then a fresh random key when the
//! operation wants one and keys are on), and when a request that may have reached the server may
//! be sent again (its method is idempotent, or it carries a key). The key is made once per call,
//! before the first attempt, and every attempt sends the same one.

use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::ids::Ids;

/// When the runtime attaches an idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// On POST and PATCH.
    Default,
    /// Always: the document declares `x-idempotent: true` or an idempotency-key header parameter.
    Always,
}

impl Idempotency {
    /// Whether an operation of `method` wants a key: POST and PATCH always, others when the
    /// document says so.
    fn wants_key(self, method: &Method) -> bool {
        self == Idempotency::Always || method == Method::POST || method == Method::PATCH
    }
}

/// Idempotency-key settings: the header name and whether keys are sent automatically.
///
/// Converts from `bool` (on/off with the standard `Idempotency-Key` header) and from `&str`
/// (on, under that header name).
///
/// ```
/// use gusset::IdempotencyConfig;
///
/// // Automatic keys under the header this API expects.
/// let config = IdempotencyConfig::default().header("X-Idempotency-Token");
/// assert_eq!(config, IdempotencyConfig::from("X-Idempotency-Token"));
/// // No automatic keys; a key set with `Call::idempotency_key` is still sent.
/// assert_eq!(IdempotencyConfig::from(false), IdempotencyConfig::default().enabled(false));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyConfig {
    header: String,
    enabled: bool,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self { header: String::from("Idempotency-Key"), enabled: true }
    }
}

impl IdempotencyConfig {
    /// The header that carries the key.
    pub fn header(mut self, name: impl Into<String>) -> Self {
        self.header = name.into();
        self
    }

    /// Whether keys are generated automatically (a key set on a call is always sent).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }
}

impl From<bool> for IdempotencyConfig {
    fn from(enabled: bool) -> Self {
        Self::default().enabled(enabled)
    }
}

impl From<&str> for IdempotencyConfig {
    fn from(header: &str) -> Self {
        Self::default().header(header)
    }
}

impl IdempotencyConfig {
    /// Checks the header name (the only thing that can be wrong).
    pub(crate) fn validate(self) -> Result<KeyPolicy, String> {
        let header = HeaderName::try_from(self.header.as_str()).map_err(|_| self.header.clone())?;
        Ok(KeyPolicy { header, automatic: self.enabled })
    }
}

/// A client's idempotency settings, validated.
#[derive(Debug)]
pub(crate) struct KeyPolicy {
    /// Carries caller-supplied keys even when automatic keys are off.
    header: HeaderName,
    automatic: bool,
}

impl KeyPolicy {
    /// Decides the call's key and puts it in `headers`: a key set on the call wins, then one the
    /// generated code passed as a header parameter (already in `headers`), then a fresh one when
    /// the operation wants one and automatic keys are on.
    pub(crate) fn apply(
        &self,
        method: &Method,
        when: Idempotency,
        call_key: Option<String>,
        headers: &mut HeaderMap,
        ids: &Ids,
    ) -> Result<Option<String>, String> {
        let key = match call_key {
            Some(key) => key,
            None => match headers.get(&self.header) {
                // Already where it belongs.
                Some(value) => return Ok(Some(String::from_utf8_lossy(value.as_bytes()).into_owned())),
                None if self.automatic && when.wants_key(method) => ids.idempotency_key(),
                None => return Ok(None),
            },
        };
        let value = HeaderValue::try_from(key.as_str())
            .map_err(|_| String::from("the idempotency key has a control character"))?;
        headers.insert(self.header.clone(), value);
        Ok(Some(key))
    }
}

/// Whether a request that may have reached the server can be sent again without the risk of
/// applying it twice: its method is idempotent (GET, PUT, DELETE...), or it carries a key the
/// server deduplicates by.
pub(crate) fn may_resend(method: &Method, key: Option<&str>) -> bool {
    method.is_idempotent() || key.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(config: IdempotencyConfig) -> KeyPolicy {
        config.validate().unwrap()
    }

    fn key(
        policy: &KeyPolicy,
        method: Method,
        when: Idempotency,
        call: Option<&str>,
        param: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        let mut headers = HeaderMap::new();
        if let Some(param) = param {
            headers.insert(policy.header.clone(), HeaderValue::try_from(param).unwrap());
        }
        let key = policy.apply(&method, when, call.map(str::to_owned), &mut headers, &Ids::new(Some(7))).unwrap();
        let sent = headers.get(&policy.header).map(|v| v.to_str().unwrap().to_owned());
        (key, sent)
    }

    #[test]
    fn call_key_then_header_parameter_then_fresh_key() {
        let on = policy(IdempotencyConfig::default());
        let (call, sent) = key(&on, Method::POST, Idempotency::Default, Some("k-1"), Some("param"));
        assert_eq!((call.as_deref(), sent.as_deref()), (Some("k-1"), Some("k-1")));
        let (param, sent) = key(&on, Method::POST, Idempotency::Default, None, Some("param"));
        assert_eq!((param.as_deref(), sent.as_deref()), (Some("param"), Some("param")));
        let (fresh, sent) = key(&on, Method::POST, Idempotency::Default, None, None);
        assert_eq!(fresh, sent);
        assert_eq!(uuid::Uuid::parse_str(&fresh.unwrap()).unwrap().get_version_num(), 4);
    }

    #[test]
    fn which_operations_get_a_fresh_key() {
        let on = policy(IdempotencyConfig::default());
        let fresh = |method, when| key(&on, method, when, None, None).0.is_some();
        assert!(fresh(Method::POST, Idempotency::Default));
        assert!(fresh(Method::PATCH, Idempotency::Default));
        assert!(!fresh(Method::GET, Idempotency::Default));
        assert!(!fresh(Method::DELETE, Idempotency::Default));
        assert!(fresh(Method::DELETE, Idempotency::Always));
        assert!(fresh(Method::GET, Idempotency::Always));
    }

    #[test]
    fn turned_off_still_sends_the_callers_key() {
        let off = policy(false.into());
        assert_eq!(key(&off, Method::POST, Idempotency::Always, None, None), (None, None));
        let (call, sent) = key(&off, Method::POST, Idempotency::Default, Some("k-2"), None);
        assert_eq!((call.as_deref(), sent.as_deref()), (Some("k-2"), Some("k-2")));
        let (param, _) = key(&off, Method::POST, Idempotency::Default, None, Some("p"));
        assert_eq!(param.as_deref(), Some("p"));
    }

    #[test]
    fn header_name_and_bad_keys() {
        let custom = policy("X-Dedupe".into());
        let mut headers = HeaderMap::new();
        let ids = Ids::new(Some(1));
        custom.apply(&Method::POST, Idempotency::Default, None, &mut headers, &ids).unwrap();
        assert!(headers.contains_key("x-dedupe") && !headers.contains_key("idempotency-key"));
        let err = custom.apply(&Method::POST, Idempotency::Default, Some("a\nb".into()), &mut headers, &ids);
        assert_eq!(err.unwrap_err(), "the idempotency key has a control character");
        assert_eq!(IdempotencyConfig::from("bad header").validate().unwrap_err(), "bad header");
    }

    #[test]
    fn resending_needs_an_idempotent_method_or_a_key() {
        assert!(may_resend(&Method::GET, None));
        assert!(may_resend(&Method::PUT, None));
        assert!(may_resend(&Method::DELETE, None));
        assert!(!may_resend(&Method::POST, None));
        assert!(!may_resend(&Method::PATCH, None));
        assert!(may_resend(&Method::POST, Some("k")));
    }
}
