//! Time as the runtime sees it: a [`Clock`] for wall time (`Retry-After` dates, token expiry,
//! breaker cool-downs) and a [`Sleep`] for the waits between attempts. Both are injectable so tests
//! of retries are fast and deterministic; timeouts use tokio's timer (so `tokio::time::pause`
//! applies to them) and are not affected by an injected sleeper.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// A boxed, sendable future, as returned by [`Sleep`] and [`TokenProvider`](crate::TokenProvider).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Waits between attempts.
pub trait Sleep: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Wall-clock time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The default sleeper: `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The default clock: `SystemTime::now()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Test doubles: a clock that only moves when told to, and a sleeper that records each wait and
/// advances that clock instead of waiting.
///
/// ```
/// use std::time::Duration;
/// use gusset::clock::{ManualClock, Clock, Sleep, RecordingSleeper};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = ManualClock::default();
/// let sleeper = RecordingSleeper::new(clock.clone());
/// let before = clock.now();
/// sleeper.sleep(Duration::from_secs(30)).await; // returns at once
/// assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(30)]);
/// assert_eq!(clock.now().duration_since(before).unwrap(), Duration::from_secs(30));
/// # });
/// ```
#[derive(Clone, Default)]
pub struct ManualClock {
    now: Arc<Mutex<Option<SystemTime>>>,
}

impl ManualClock {
    /// A clock that starts at `start`.
    pub fn at(start: SystemTime) -> Self {
        Self { now: Arc::new(Mutex::new(Some(start))) }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        let current = now.unwrap_or_else(default_start);
        *now = Some(current.checked_add(by).unwrap_or(current));
    }
}

/// 2024-01-01T00:00:00Z: a fixed start keeps tests reproducible.
fn default_start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200)
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.now.lock().unwrap_or_else(PoisonError::into_inner).unwrap_or_else(default_start)
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock").field("now", &self.now()).finish()
    }
}

/// A sleeper that returns at once, records the requested durations and advances a [`ManualClock`].
#[derive(Clone, Debug)]
pub struct RecordingSleeper {
    clock: ManualClock,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    /// A sleeper that advances `clock`.
    pub fn new(clock: ManualClock) -> Self {
        Self { clock, sleeps: Arc::default() }
    }

    /// Every wait requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Sleep for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleeps.lock().unwrap_or_else(PoisonError::into_inner).push(duration);
        self.clock.advance(duration);
        Box::pin(std::future::ready(()))
    }
}
