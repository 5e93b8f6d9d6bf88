//! Hooks for what users need beyond the built-in behaviour: custom signing headers, metrics,
//! logging. Deliberately small (two synchronous hooks), unlike smithy-rs's nineteen.

use http::{HeaderMap, StatusCode};

use crate::deprecation::Deprecation;
use crate::prepared::PreparedRequest;

/// Which attempt of a call is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptInfo {
    /// 1 for the first attempt.
    pub number: u32,
    /// The most attempts this call may make.
    pub max: u32,
}

/// Called around every attempt of every call of a client.
///
/// ```
/// use gusset::{AttemptInfo, Interceptor, PreparedRequest};
/// use http::{HeaderMap, HeaderValue, StatusCode};
///
/// #[derive(Debug)]
/// struct Tenant(&'static str);
/// impl Interceptor for Tenant {
///     fn before_attempt(&self, _request: &PreparedRequest, _attempt: AttemptInfo, headers: &mut HeaderMap) {
///         headers.insert("x-tenant", HeaderValue::from_static(self.0));
///     }
/// }
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Before each attempt is sent: `headers` are added to (and override) this attempt's headers.
    fn before_attempt(&self, request: &PreparedRequest, attempt: AttemptInfo, headers: &mut HeaderMap) {
        let _ = (request, attempt, headers);
    }

    /// After each response arrives, before its body is read and before any retry decision.
    fn after_response(&self, request: &PreparedRequest, attempt: AttemptInfo, status: StatusCode, headers: &HeaderMap) {
        let _ = (request, attempt, status, headers);
    }

    /// When a call's final response says its operation is deprecated or will be sunset (see
    /// [`Deprecation`]): on every such response, where the client's own `tracing` warning comes
    /// once per operation. Count it, or return `Err(reason)` to fail the call with
    /// [`Error::Deprecated`](crate::Error::Deprecated) (in tests or CI, say).
    ///
    /// ```
    /// use gusset::{Deprecation, Interceptor, PreparedRequest};
    ///
    /// #[derive(Debug)]
    /// struct NoDeprecatedCalls;
    /// impl Interceptor for NoDeprecatedCalls {
    ///     fn on_deprecation(&self, request: &PreparedRequest, deprecation: &Deprecation) -> Result<(), String> {
    ///         Err(format!("`{}` is {deprecation}", request.operation_id()))
    ///     }
    /// }
    /// ```
    fn on_deprecation(&self, request: &PreparedRequest, deprecation: &Deprecation) -> Result<(), String> {
        let _ = (request, deprecation);
        Ok(())
    }
}
