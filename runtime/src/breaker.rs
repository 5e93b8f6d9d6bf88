//! An opt-in circuit breaker per host: closed while the host is healthy, open (calls fail fast with
//! [`Error::CircuitOpen`](crate::Error::CircuitOpen)) after the failure rate over a window of recent
//! attempts crosses a threshold, half-open after a cool-down, when a few probe attempts decide
//! whether it closes again or reopens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// The breaker's state for one host, as reported by [`CircuitBreaker::state`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CircuitState {
    /// Attempts flow; outcomes are recorded.
    Closed,
    /// Attempts fail fast until the cool-down ends.
    Open,
    /// A limited number of probe attempts are let through.
    HalfOpen,
}

/// Circuit breaker settings and state.
///
/// Defaults: the window is the last 20 attempts to a host; the circuit opens when at least 10 are
/// recorded and half or more failed; it stays open 30 s, then lets 1 probe through at a time.
/// A failure is a connection error, a timeout or a 500, 502, 503 or 504 response; a 429 is not,
/// since rate limiting says nothing about the host's health.
///
/// A `CircuitBreaker` is a handle: clones share state, so clients built with clones of one breaker
/// share each host's circuit.
///
/// ```
/// use std::time::Duration;
/// let breaker = gusset::CircuitBreaker::default()
///     .failure_rate(0.5)
///     .window(10)
///     .min_attempts(4)
///     .cool_down(Duration::from_secs(5));
/// assert_eq!(breaker.state("api.example.com"), gusset::CircuitState::Closed);
/// ```
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    settings: Settings,
    hosts: Arc<Mutex<HashMap<String, HostCircuit>>>,
}

#[derive(Clone, Copy, Debug)]
struct Settings {
    failure_rate: f64,
    window: usize,
    min_attempts: usize,
    cool_down: Duration,
    probes: u32,
}

#[derive(Debug)]
enum HostCircuit {
    Closed { outcomes: Vec<bool>, next: usize },
    Open { until: SystemTime },
    HalfOpen { in_flight: u32, succeeded: u32 },
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self {
            settings: Settings {
                failure_rate: 0.5,
                window: 20,
                min_attempts: 10,
                cool_down: Duration::from_secs(30),
                probes: 1,
            },
            hosts: Arc::default(),
        }
    }
}

/// Permission to send one attempt; report its outcome with [`Permit::record`]. Dropping it
/// unrecorded (a cancelled call) frees a half-open probe slot without counting an outcome.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    host: &'a str,
    probe: bool,
    done: bool,
}

impl CircuitBreaker {
    /// The failure ratio (0.0–1.0) at or above which the circuit opens.
    pub fn failure_rate(mut self, rate: f64) -> Self {
        self.settings.failure_rate = if rate.is_nan() { 1.0 } else { rate.clamp(0.0, 1.0) };
        self
    }

    /// How many recent attempts the failure rate is computed over (at least 1).
    pub fn window(mut self, attempts: usize) -> Self {
        self.settings.window = attempts.max(1);
        self
    }

    /// How many attempts must be in the window before the circuit can open (at least 1).
    pub fn min_attempts(mut self, attempts: usize) -> Self {
        self.settings.min_attempts = attempts.max(1);
        self
    }

    /// How long the circuit stays open before probing.
    pub fn cool_down(mut self, cool_down: Duration) -> Self {
        self.settings.cool_down = cool_down;
        self
    }

    /// How many probe attempts run at once while half-open, and how many must succeed to close.
    pub fn probes(mut self, probes: u32) -> Self {
        self.settings.probes = probes.max(1);
        self
    }

    /// The state of `host`'s circuit (a host never seen is closed).
    pub fn state(&self, host: &str) -> CircuitState {
        match self.lock().get(host) {
            None | Some(HostCircuit::Closed { .. }) => CircuitState::Closed,
            Some(HostCircuit::Open { .. }) => CircuitState::Open,
            Some(HostCircuit::HalfOpen { .. }) => CircuitState::HalfOpen,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HostCircuit>> {
        // A poisoned lock only means another thread panicked mid-update; the map is still usable.
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks to send an attempt to `host` at `now`; `None` means the circuit is open: fail fast.
    pub(crate) fn acquire<'a>(&'a self, host: &'a str, now: SystemTime) -> Option<Permit<'a>> {
        let mut hosts = self.lock();
        let circuit = match hosts.get_mut(host) {
            Some(circuit) => circuit,
            None => hosts.entry(host.to_owned()).or_insert(HostCircuit::Closed { outcomes: Vec::new(), next: 0 }),
        };
        if let HostCircuit::Open { until } = circuit {
            if now < *until {
                return None;
            }
            *circuit = HostCircuit::HalfOpen { in_flight: 0, succeeded: 0 };
        }
        let probe = match circuit {
            HostCircuit::HalfOpen { in_flight, .. } => {
                if *in_flight >= self.settings.probes {
                    return None;
                }
                *in_flight += 1;
                true
            }
            _ => false,
        };
        Some(Permit { breaker: self, host, probe, done: false })
    }

    fn settle(&self, host: &str, probe: bool, failed: Option<bool>, now: SystemTime) {
        let settings = self.settings;
        let mut hosts = self.lock();
        let Some(circuit) = hosts.get_mut(host) else { return };
        match circuit {
            HostCircuit::Closed { outcomes, next } => {
                let Some(failed) = failed else { return };
                if outcomes.len() < settings.window {
                    outcomes.push(failed);
                } else {
                    // A ring buffer: overwrite the oldest outcome.
                    if let Some(slot) = outcomes.get_mut(*next) {
                        *slot = failed;
                    }
                    *next = (*next + 1) % settings.window;
                }
                let failures = outcomes.iter().filter(|f| **f).count();
                let recorded = outcomes.len();
                #[allow(clippy::cast_precision_loss)] // window sizes are far below 2^52
                let rate = failures as f64 / recorded as f64;
                if recorded >= settings.min_attempts && failures > 0 && rate >= settings.failure_rate {
                    *circuit = HostCircuit::Open { until: open_until(now, settings.cool_down) };
                }
            }
            HostCircuit::HalfOpen { in_flight, succeeded } => {
                if !probe {
                    return;
                }
                *in_flight = in_flight.saturating_sub(1);
                match failed {
                    None => {}
                    Some(true) => {
                        *circuit = HostCircuit::Open { until: open_until(now, settings.cool_down) };
                    }
                    Some(false) => {
                        *succeeded += 1;
                        if *succeeded >= settings.probes {
                            *circuit = HostCircuit::Closed { outcomes: Vec::new(), next: 0 };
                        }
                    }
                }
            }
            // Outcomes of attempts admitted before the circuit opened do not change an open circuit.
            HostCircuit::Open { .. } => {}
        }
    }
}

fn open_until(now: SystemTime, cool_down: Duration) -> SystemTime {
    now.checked_add(cool_down).unwrap_or(now)
}

impl Permit<'_> {
    /// Records the attempt's outcome: `failed` per the breaker's definition.
    pub(crate) fn record(mut self, failed: bool, now: SystemTime) {
        self.done = true;
        self.breaker.settle(self.host, self.probe, Some(failed), now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.settle(self.host, self.probe, None, SystemTime::UNIX_EPOCH);
        }
    }
}

/// Whether a response status counts as a host failure.
pub(crate) fn is_failure_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::default().window(4).min_attempts(4).failure_rate(0.5).cool_down(Duration::from_secs(10))
    }

    fn attempt(b: &CircuitBreaker, failed: bool, now: SystemTime) -> bool {
        match b.acquire("h", now) {
            Some(permit) => {
                permit.record(failed, now);
                true
            }
            None => false,
        }
    }

    #[test]
    fn full_cycle() {
        let b = breaker();
        assert!(attempt(&b, true, at(0)));
        assert!(attempt(&b, false, at(0)));
        assert!(attempt(&b, false, at(0)));
        assert_eq!(b.state("h"), CircuitState::Closed, "too few attempts to judge");
        assert!(attempt(&b, true, at(1)));
        assert_eq!(b.state("h"), CircuitState::Open, "2 of 4 failed");
        assert!(!attempt(&b, false, at(5)), "open: fails fast");
        assert!(!attempt(&b, false, at(10) - Duration::from_nanos(1)));
        // Cool-down over: one probe at a time.
        let probe = b.acquire("h", at(11)).unwrap();
        assert_eq!(b.state("h"), CircuitState::HalfOpen);
        assert!(b.acquire("h", at(11)).is_none(), "only one probe in flight");
        probe.record(false, at(11));
        assert_eq!(b.state("h"), CircuitState::Closed);
        // The window restarted: three failures are not enough yet.
        for _ in 0..3 {
            assert!(attempt(&b, true, at(12)));
        }
        assert_eq!(b.state("h"), CircuitState::Closed);
        assert!(attempt(&b, true, at(12)));
        assert_eq!(b.state("h"), CircuitState::Open);
    }

    #[test]
    fn failed_probe_reopens_and_cancelled_probe_frees_slot() {
        let b = breaker().min_attempts(1).window(1);
        assert!(attempt(&b, true, at(0)));
        assert_eq!(b.state("h"), CircuitState::Open);
        drop(b.acquire("h", at(20)).unwrap());
        assert_eq!(b.state("h"), CircuitState::HalfOpen);
        let probe = b.acquire("h", at(20)).expect("the cancelled probe freed its slot");
        probe.record(true, at(20));
        assert_eq!(b.state("h"), CircuitState::Open);
        assert!(!attempt(&b, false, at(29)));
        assert!(attempt(&b, false, at(30)));
        assert_eq!(b.state("h"), CircuitState::Closed);
    }

    #[test]
    fn window_slides_and_hosts_are_separate() {
        let b = breaker().failure_rate(0.75);
        for failed in [true, true, false, false, false, false, true, true] {
            assert!(attempt(&b, failed, at(0)));
            assert_eq!(b.state("h"), CircuitState::Closed);
        }
        assert!(attempt(&b, true, at(0)));
        assert_eq!(b.state("h"), CircuitState::Open, "3 of the last 4 failed");
        assert_eq!(b.state("other"), CircuitState::Closed);
        assert!(b.acquire("other", at(0)).is_some());
        let shared = b.clone();
        assert_eq!(shared.state("h"), CircuitState::Open);
    }

    #[test]
    fn failure_statuses() {
        assert!(is_failure_status(503));
        assert!(!is_failure_status(429));
        assert!(!is_failure_status(404));
    }
}
