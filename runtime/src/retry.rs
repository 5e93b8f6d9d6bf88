//! Retry policy: when a failed attempt is tried again, and after how long.
//!
//! The policy is data plus pure functions ([`backoff`], [`parse_retry_after`], [`RetryPolicy::decide`]),
//! in the manner of smithy-rs: the request loop asks for a decision and acts on it, so every rule can
//! be unit-tested without a network or a clock.
//!
//! We hand-write this rather than use `reqwest-retry` (it cannot see `Retry-After` and gives up on
//! bodies it cannot clone) or `backoff` (unmaintained, RUSTSEC-2025-0012); the rules need HTTP
//! semantics anyway: `Retry-After`, `retry-after-ms`, `x-should-retry` and idempotency.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

/// How the backoff delay is randomised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Jitter {
    /// A uniformly random delay between zero and the exponential ceiling ("full jitter"), which
    /// spreads out clients that failed together better than any other scheme.
    Full,
    /// Exactly the exponential ceiling; predictable, for tests and demos.
    None,
}

/// When and how often a call is retried.
///
/// Defaults: 3 attempts in all, 0.5 s base delay doubling per retry, capped at 8 s, full jitter;
/// a server's `Retry-After` (or `retry-after-ms`) is honoured up to 60 s, above which the call gives
/// up with [`Error::RetryAfterTooLong`](crate::Error::RetryAfterTooLong) rather than sleeping.
///
/// ```
/// use std::time::Duration;
/// let policy = gusset::RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(2));
/// assert_eq!(policy.attempts(), 5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    jitter: Jitter,
    max_retry_after: Duration,
    statuses: Vec<u16>,
}

/// The statuses retried by default: request timeout, too many requests and the transient 5xx.
const DEFAULT_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            jitter: Jitter::Full,
            max_retry_after: Duration::from_secs(60),
            statuses: DEFAULT_STATUSES.to_vec(),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total attempts, the first included; values below 1 mean 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay ceiling of the first retry; it doubles on each further retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff delay.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How the delay is randomised.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The longest server-requested wait (`Retry-After`, `retry-after-ms`) the call will sleep
    /// for; a longer one ends the call with [`Error::RetryAfterTooLong`](crate::Error::RetryAfterTooLong).
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Replaces the set of retried statuses (default: 408, 429, 500, 502, 503, 504).
    pub fn retry_statuses(mut self, statuses: &[u16]) -> Self {
        self.statuses = statuses.to_vec();
        self
    }

    /// Total attempts, the first included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The configured cap on server-requested waits.
    pub fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff before retry number `retry` (1 for the first retry), given a random `u64`.
    pub(crate) fn delay(&self, retry: u32, random: u64) -> Duration {
        let random = match self.jitter {
            Jitter::Full => random,
            Jitter::None => u64::MAX,
        };
        backoff(self.base_delay, self.max_delay, retry, random)
    }

    /// Decides what to do after attempt number `attempt` (1-based) ended with `outcome`.
    ///
    /// `resend_safe` is true when sending the request again cannot apply it twice: the method is
    /// idempotent (GET, PUT, DELETE...) or the request carries an idempotency key.
    pub(crate) fn decide(&self, attempt: u32, outcome: &Outcome<'_>, resend_safe: bool, now: SystemTime) -> Decision {
        if attempt >= self.max_attempts {
            return Decision::Stop;
        }
        match *outcome {
            Outcome::Status { status, headers } => {
                if status.is_success() {
                    return Decision::Stop;
                }
                // The server knows best: `x-should-retry` (a Stainless convention) overrides both
                // the status list and the idempotency rule, since a server saying "retry" has
                // told us the request did not take effect.
                let verdict = should_retry_header(headers);
                let wanted = match verdict {
                    Some(explicit) => explicit,
                    None => self.statuses.contains(&status.as_u16()) && resend_safe,
                };
                if !wanted {
                    return Decision::Stop;
                }
                match parse_retry_after(headers, now) {
                    Some(wait) if wait > self.max_retry_after => Decision::TooLong(wait),
                    Some(wait) => Decision::RetryAfter(wait),
                    None => Decision::Backoff,
                }
            }
            Outcome::Transport { reached_server } => {
                if reached_server && !resend_safe {
                    Decision::Stop
                } else {
                    Decision::Backoff
                }
            }
        }
    }
}

/// What an attempt ended with, as far as the retry decision cares.
#[derive(Debug)]
pub(crate) enum Outcome<'a> {
    /// A response arrived.
    Status { status: StatusCode, headers: &'a HeaderMap },
    /// No usable response: connect error, reset, timeout, truncated body.
    Transport { reached_server: bool },
}

/// The decision after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Return this outcome to the caller.
    Stop,
    /// Retry after the policy's backoff.
    Backoff,
    /// Retry after the server-requested wait.
    RetryAfter(Duration),
    /// The server asked for a wait above the cap: give up.
    TooLong(Duration),
}

/// Exponential backoff with jitter: a delay in `[0, min(cap, base * 2^(retry-1))]`, scaled by
/// `random / u64::MAX`. Pure and overflow-safe for every input (huge `retry`, `Duration::MAX`).
pub(crate) fn backoff(base: Duration, cap: Duration, retry: u32, random: u64) -> Duration {
    let exponent = retry.saturating_sub(1).min(127);
    // u128 nanoseconds: base (< 2^94) shifted left may overflow, so saturate explicitly.
    let base_ns = base.as_nanos();
    let grown = if exponent == 0 {
        base_ns
    } else if base_ns.leading_zeros() <= exponent {
        u128::MAX
    } else {
        base_ns << exponent
    };
    // Clamp to u64 nanoseconds (584 years) so the jitter product below fits in u128.
    let ceiling = grown.min(cap.as_nanos()).min(u128::from(u64::MAX));
    let scaled = if random == u64::MAX { ceiling } else { (ceiling * u128::from(random)) >> 64 };
    // `scaled <= u64::MAX` by construction.
    Duration::from_nanos(u64::try_from(scaled).unwrap_or(u64::MAX))
}

/// The wait a response asks for: `retry-after-ms` (milliseconds, possibly fractional; checked
/// first because it is more precise), then `Retry-After` as delta-seconds or an HTTP-date
/// (a date in the past means "now"). Unparseable or negative values are ignored.
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `x-should-retry: true|false`, if present and well-formed.
fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        v if v.eq_ignore_ascii_case("true") => Some(true),
        v if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn backoff_doubles_and_caps() {
        let base = 500 * MS;
        let cap = Duration::from_secs(8);
        let full = u64::MAX;
        assert_eq!(backoff(base, cap, 1, full), 500 * MS);
        assert_eq!(backoff(base, cap, 2, full), 1000 * MS);
        assert_eq!(backoff(base, cap, 3, full), 2000 * MS);
        assert_eq!(backoff(base, cap, 5, full), 8000 * MS);
        assert_eq!(backoff(base, cap, 6, full), cap);
        assert_eq!(backoff(base, cap, 0, full), 500 * MS, "retry 0 behaves as the first");
    }

    #[test]
    fn backoff_jitter_scales_within_ceiling() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        assert_eq!(backoff(base, cap, 1, 0), Duration::ZERO);
        let half = backoff(base, cap, 1, u64::MAX / 2);
        assert!(half >= 499 * MS && half <= 500 * MS, "{half:?}");
        for r in [1u64, 7, u64::MAX / 3, u64::MAX - 1] {
            assert!(backoff(base, cap, 3, r) <= 4 * base);
        }
    }

    #[test]
    fn backoff_never_overflows() {
        for retry in [1, 31, 32, 63, 64, 65, 127, 128, 1000, u32::MAX] {
            for base in [Duration::ZERO, MS, Duration::from_secs(u64::MAX), Duration::MAX] {
                for cap in [Duration::ZERO, Duration::from_secs(8), Duration::MAX] {
                    for r in [0, 1, u64::MAX / 2, u64::MAX] {
                        let d = backoff(base, cap, retry, r);
                        assert!(d <= cap, "{base:?} {cap:?} {retry} {r} -> {d:?}");
                    }
                }
            }
        }
        assert_eq!(backoff(Duration::MAX, Duration::MAX, u32::MAX, u64::MAX), Duration::from_nanos(u64::MAX));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let h = |p| parse_retry_after(&headers(p), now);
        assert_eq!(h(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(h(&[("retry-after", " 0 ")]), Some(Duration::ZERO));
        assert_eq!(h(&[("retry-after-ms", "250")]), Some(250 * MS));
        assert_eq!(h(&[("retry-after-ms", "1.5")]), Some(Duration::from_micros(1500)));
        assert_eq!(h(&[("retry-after-ms", "20"), ("retry-after", "9")]), Some(20 * MS));
        // A bad `retry-after-ms` falls back to `Retry-After`.
        assert_eq!(h(&[("retry-after-ms", "-5"), ("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(h(&[("retry-after", "-1")]), None);
        assert_eq!(h(&[("retry-after", "soon")]), None);
        assert_eq!(h(&[]), None);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        let mut map = HeaderMap::new();
        map.insert("retry-after", HeaderValue::from_str(&later).unwrap());
        assert_eq!(parse_retry_after(&map, now), Some(Duration::from_secs(120)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(120));
        map.insert("retry-after", HeaderValue::from_str(&past).unwrap());
        assert_eq!(parse_retry_after(&map, now), Some(Duration::ZERO));
        assert_eq!(h(&[("retry-after-ms", "1e400")]), None, "infinite is ignored");
    }

    #[test]
    fn decisions() {
        let policy = RetryPolicy::default();
        let now = SystemTime::UNIX_EPOCH;
        let status =
            |code: u16, pairs: &[(&'static str, &'static str)]| (StatusCode::from_u16(code).unwrap(), headers(pairs));
        let decide = |code, pairs: &[(&'static str, &'static str)], attempt, safe| {
            let (status, headers) = status(code, pairs);
            policy.decide(attempt, &Outcome::Status { status, headers: &headers }, safe, now)
        };
        for code in [408, 429, 500, 502, 503, 504] {
            assert_eq!(decide(code, &[], 1, true), Decision::Backoff, "{code}");
            assert_eq!(decide(code, &[], 1, false), Decision::Stop, "{code} unsafe");
        }
        for code in [200, 201, 400, 401, 404, 409, 501] {
            assert_eq!(decide(code, &[], 1, true), Decision::Stop, "{code}");
        }
        assert_eq!(decide(503, &[], 3, true), Decision::Stop, "attempts exhausted");
        assert_eq!(decide(503, &[("x-should-retry", "false")], 1, true), Decision::Stop);
        assert_eq!(decide(400, &[("x-should-retry", "true")], 1, false), Decision::Backoff);
        assert_eq!(decide(429, &[("retry-after", "2")], 1, true), Decision::RetryAfter(Duration::from_secs(2)));
        assert_eq!(decide(429, &[("retry-after", "61")], 1, true), Decision::TooLong(Duration::from_secs(61)));
        let t = |reached, safe| policy.decide(1, &Outcome::Transport { reached_server: reached }, safe, now);
        assert_eq!(t(false, false), Decision::Backoff, "never reached: always safe");
        assert_eq!(t(true, true), Decision::Backoff);
        assert_eq!(t(true, false), Decision::Stop);
        assert_eq!(
            RetryPolicy::disabled().decide(1, &Outcome::Transport { reached_server: false }, true, now),
            Decision::Stop
        );
    }

    #[test]
    fn policy_delay_respects_jitter_setting() {
        let p = RetryPolicy::default().jitter(Jitter::None);
        assert_eq!(p.delay(2, 0), Duration::from_secs(1));
        let p = RetryPolicy::default();
        assert_eq!(p.delay(2, 0), Duration::ZERO);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }
}
