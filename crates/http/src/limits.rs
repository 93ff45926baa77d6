//! Rate limits: keyed GCRA limiters that answer 429 with Retry-After, and the client address
//! they key on.
//!
//! A limiter made with [`Limiter::shared`] counts in Redis ([`SharedLimits`]), so every replica
//! of a service spends one budget: with N replicas a client still gets the quota once. Each
//! check is one `EVALSHA` of a GCRA script that reads Redis's own clock, so replicas need no
//! agreement on time. When Redis does not answer (within 250 ms), the check falls back to the
//! process's own limiter (governor) for the next second: the limit then holds per replica, as
//! it did before, and `rate_limit_store_errors_total` counts the fallbacks. Limiters made
//! with [`Limiter::new`], and every limiter when `REDIS_URL` is unset, count in the process.

use crate::error::ApiError;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One GCRA step on `KEYS[1]` (its theoretical arrival time, in ms of Redis's clock): admits
/// and returns 0, or refuses and returns the milliseconds until it would admit.
/// `ARGV[1]` is the emission period in ms, `ARGV[2]` the burst.
const GCRA: &str = r#"
local period = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local next_tat = tat + period
local allow_at = next_tat - burst * period
if allow_at > now then return allow_at - now end
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
return 0
"#;

/// A failure budget spent: refuses `KEYS[1]` for `ARGV[1]` ms (0 only reads); returns the
/// milliseconds it stays refused (0: admitted).
const BLOCK: &str = r#"
local ttl = redis.call('PTTL', KEYS[1])
local want = tonumber(ARGV[1])
if want > 0 and ttl < want then
  redis.call('SET', KEYS[1], 1, 'PX', want)
  return want
end
if ttl < 0 then return 0 end
return ttl
"#;

/// The Redis the rate limits of every replica count in (`REDIS_URL`), or none.
#[derive(Clone, Default)]
pub struct SharedLimits {
    inner: Option<Arc<Store>>,
}

struct Store {
    conn: redis::aio::ConnectionManager,
    /// Keys start with this (`RATE_LIMIT_PREFIX`), so stacks can share one Redis.
    prefix: String,
    gcra: redis::Script,
    block: redis::Script,
    /// Until this instant (ms since the epoch) checks count locally: Redis just failed.
    local_until_ms: AtomicU64,
    /// When a fallback was last logged, so an outage logs once in a while, not per request.
    warned_ms: AtomicU64,
}

const STORE_TIMEOUT: Duration = Duration::from_millis(250);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl SharedLimits {
    /// Limits that count in this process only.
    pub fn local() -> Self {
        Self::default()
    }

    /// Limits counted in the Redis at `url`, under keys starting with `prefix`. Connects
    /// lazily (and again after a failure), so a Redis that is down does not stop the service
    /// from starting. Must be called inside a Tokio runtime.
    pub fn redis(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(STORE_TIMEOUT))
            .set_response_timeout(Some(STORE_TIMEOUT))
            .set_number_of_retries(1);
        let conn = redis::aio::ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("REDIS_URL: {e}"))?;
        metrics::describe_counter!(
            "rate_limit_store_errors_total",
            "Rate-limit checks that found Redis unavailable and counted in this process instead"
        );
        metrics::counter!("rate_limit_store_errors_total").absolute(0);
        Ok(Self {
            inner: Some(Arc::new(Store {
                conn,
                prefix: prefix.to_owned(),
                gcra: redis::Script::new(GCRA),
                block: redis::Script::new(BLOCK),
                local_until_ms: AtomicU64::new(0),
                warned_ms: AtomicU64::new(0),
            })),
        })
    }

    pub fn is_shared(&self) -> bool {
        self.inner.is_some()
    }
}

impl Store {
    fn key(&self, limit: &str, kind: &str, key: &str) -> String {
        format!("{}:rl:{limit}:{kind}:{key}", self.prefix)
    }

    /// Runs `script` on one key; `None` when Redis did not answer in time (and for the next
    /// second, without asking).
    async fn run(&self, script: &redis::Script, key: String, args: &[u64]) -> Option<u64> {
        if now_ms() < self.local_until_ms.load(Ordering::Relaxed) {
            return None;
        }
        let mut invocation = script.key(key);
        for arg in args {
            invocation.arg(*arg);
        }
        let mut conn = self.conn.clone();
        let outcome =
            tokio::time::timeout(STORE_TIMEOUT * 2, invocation.invoke_async::<u64>(&mut conn))
                .await;
        let error = match outcome {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timed out".to_owned(),
        };
        let now = now_ms();
        self.local_until_ms.store(now + 1_000, Ordering::Relaxed);
        metrics::counter!("rate_limit_store_errors_total").increment(1);
        let warned = self.warned_ms.load(Ordering::Relaxed);
        if now.saturating_sub(warned) >= 10_000
            && self
                .warned_ms
                .compare_exchange(warned, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(%error, "rate limits: Redis unavailable, counting per replica");
        }
        None
    }
}

/// At most `burst` events per key in any `window`; `burst == 0` turns the limit off.
pub struct Limiter {
    name: &'static str,
    local: Option<DefaultKeyedRateLimiter<String>>,
    period: Duration,
    burst: u32,
    shared: SharedLimits,
    clock: DefaultClock,
}

/// Keys kept before idle ones are swept, so a flood of distinct keys cannot grow memory.
const SWEEP_ABOVE: usize = 50_000;

fn wait_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

impl Limiter {
    /// A limit counted in this process.
    pub fn new(burst: u32, window: Duration) -> Self {
        Self::shared(&SharedLimits::local(), "local", burst, window)
    }

    /// A limit counted in `shared` (when it is Redis) under `name`, which must differ between
    /// the limits of one deployment.
    pub fn shared(shared: &SharedLimits, name: &'static str, burst: u32, window: Duration) -> Self {
        let period = (window / burst.max(1)).max(Duration::from_millis(1));
        let local = NonZeroU32::new(burst).map(|burst| {
            let quota = Quota::with_period(period)
                .expect("a non-zero period")
                .allow_burst(burst);
            RateLimiter::keyed(quota)
        });
        Self {
            name,
            local,
            period,
            burst,
            shared: shared.clone(),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one event for `key` where the limit counts (Redis when shared); over the limit,
    /// the seconds to wait (a 429 with Retry-After as an [`ApiError`]).
    pub async fn check(&self, key: &str) -> Result<(), RateLimited> {
        if self.local.is_none() {
            return Ok(());
        }
        if let Some(store) = &self.shared.inner {
            let args = [self.period.as_millis() as u64, u64::from(self.burst)];
            if let Some(wait_ms) = store
                .run(&store.gcra, store.key(self.name, "n", key), &args)
                .await
            {
                return match wait_ms {
                    0 => Ok(()),
                    ms => Err(RateLimited {
                        retry_after_secs: wait_secs(Duration::from_millis(ms)),
                    }),
                };
            }
        }
        self.check_here(key)
    }

    /// Counts one event for `key` in this process only, whatever the limiter was made with.
    pub fn check_here(&self, key: &str) -> Result<(), RateLimited> {
        let Some(limiter) = &self.local else {
            return Ok(());
        };
        if limiter.len() > SWEEP_ABOVE {
            limiter.retain_recent();
        }
        limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| RateLimited {
                retry_after_secs: wait_secs(not_until.wait_time_from(self.clock.now())),
            })
    }
}

/// Counts failures only (wrong passwords), at most `burst` per key in any `window`. Once a
/// failure finds the budget spent, the key is refused until the limiter would admit it again,
/// successes included: the right guess after the budget is spent does not get in. Someone who
/// gets it right spends nothing, so only failures can shut a key out.
pub struct FailureLimiter {
    failures: Limiter,
    blocked: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

impl FailureLimiter {
    /// Failures counted in this process.
    pub fn new(burst: u32, window: Duration) -> Self {
        Self::shared(&SharedLimits::local(), "local", burst, window)
    }

    /// Failures counted in `shared` (when it is Redis) under `name`, and the refusal kept there.
    pub fn shared(shared: &SharedLimits, name: &'static str, burst: u32, window: Duration) -> Self {
        Self {
            failures: Limiter::shared(shared, name, burst, window),
            blocked: Default::default(),
        }
    }

    /// Refuses a key whose budget is spent, with the seconds until it may try again.
    pub async fn admit(&self, key: &str) -> Result<(), RateLimited> {
        if self.failures.local.is_none() {
            return Ok(());
        }
        if let Some(store) = &self.failures.shared.inner {
            let key = store.key(self.failures.name, "b", key);
            if let Some(ms) = store.run(&store.block, key, &[0]).await {
                return match ms {
                    0 => Ok(()),
                    ms => Err(RateLimited {
                        retry_after_secs: wait_secs(Duration::from_millis(ms)),
                    }),
                };
            }
        }
        self.admit_here(key)
    }

    fn admit_here(&self, key: &str) -> Result<(), RateLimited> {
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        match blocked.get(key) {
            Some(until) if *until > now => Err(RateLimited {
                retry_after_secs: wait_secs(until.duration_since(now)),
            }),
            Some(_) => {
                blocked.remove(key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts one failure for `key`; when that finds the budget spent, the key is refused from
    /// now on until it refills (the wait is returned).
    pub async fn failed(&self, key: &str) -> Result<(), RateLimited> {
        let outcome = self.failures.check(key).await;
        if let Err(limited) = outcome {
            let wait = Duration::from_secs(limited.retry_after_secs);
            if let Some(store) = &self.failures.shared.inner {
                let ms = wait.as_millis() as u64;
                let _ = store
                    .run(&store.block, store.key(self.failures.name, "b", key), &[ms])
                    .await;
            }
            let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            if blocked.len() > SWEEP_ABOVE {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(key.to_owned(), now + wait);
        }
        outcome
    }
}

/// Over a rate limit: retry after this many seconds. Free of HTTP, so service layers can
/// return it in errors of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limited: retry in {retry_after_secs} s")]
pub struct RateLimited {
    pub retry_after_secs: u64,
}

impl From<RateLimited> for ApiError {
    fn from(e: RateLimited) -> Self {
        ApiError::RateLimited {
            retry_after_secs: e.retry_after_secs,
        }
    }
}

/// Which peers are proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`): exact
/// addresses, or `private` for loopback and private networks (containers).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    addrs: Vec<IpAddr>,
    private: bool,
}

impl TrustedProxies {
    pub fn parse(items: &[String]) -> Result<Self, String> {
        let mut out = Self::default();
        for item in items {
            if item.eq_ignore_ascii_case("private") {
                out.private = true;
            } else {
                out.addrs
                    .push(item.parse().map_err(|e| format!("{item:?}: {e}"))?);
            }
        }
        Ok(out)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.addrs.contains(&ip)
            || (self.private
                && match ip {
                    IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
                    IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local(),
                })
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the address that
    /// proxy appended last to `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`; earlier
    /// entries come from the client and prove nothing).
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok());
        Some(forwarded.unwrap_or(peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[tokio::test]
    async fn only_failures_spend_a_failure_budget_and_a_spent_one_refuses_everything() {
        let limiter = FailureLimiter::new(2, Duration::from_secs(60));
        for _ in 0..5 {
            assert!(limiter.admit("k").await.is_ok(), "admitting spends nothing");
        }
        assert!(limiter.failed("k").await.is_ok());
        assert!(limiter.failed("k").await.is_ok());
        assert!(
            limiter.admit("k").await.is_ok(),
            "two failures are within the budget"
        );
        let spent = limiter.failed("k").await.unwrap_err();
        assert!((1..=60).contains(&spent.retry_after_secs), "{spent:?}");
        assert!(
            limiter.admit("k").await.is_err(),
            "refused until it refills"
        );
        assert!(
            limiter.admit("other").await.is_ok(),
            "keys are limited separately"
        );
        let off = FailureLimiter::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            assert!(off.failed("k").await.is_ok());
        }
        assert!(off.admit("k").await.is_ok());
    }

    #[tokio::test]
    async fn a_limit_answers_429_with_the_wait_once_the_burst_is_spent() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        assert!(limiter.check("a").await.is_ok());
        assert!(limiter.check("a").await.is_ok());
        match limiter.check("a").await {
            Err(RateLimited { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs), "{retry_after_secs}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(
            limiter.check("b").await.is_ok(),
            "keys are limited separately"
        );
        let off = Limiter::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            assert!(off.check("a").await.is_ok());
        }
    }

    fn redis_url() -> String {
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
    }

    /// Two limiters on one Redis stand for two replicas of a service.
    #[tokio::test]
    async fn replicas_sharing_redis_spend_one_budget_and_see_one_refusal() {
        let prefix = format!("test-{}", uuid::Uuid::new_v4());
        let a = SharedLimits::redis(&redis_url(), &prefix).unwrap();
        let b = SharedLimits::redis(&redis_url(), &prefix).unwrap();
        let window = Duration::from_secs(60);
        let (one, two) = (
            Limiter::shared(&a, "sends", 3, window),
            Limiter::shared(&b, "sends", 3, window),
        );
        assert!(one.check("u").await.is_ok());
        assert!(two.check("u").await.is_ok());
        assert!(one.check("u").await.is_ok());
        let refused = two.check("u").await.unwrap_err();
        assert!((1..=20).contains(&refused.retry_after_secs), "{refused:?}");
        assert!(one.check("u").await.is_err(), "the budget is spent on both");
        assert!(two.check("v").await.is_ok(), "keys are limited separately");
        let other = Limiter::shared(&b, "searches", 3, window);
        assert!(other.check("u").await.is_ok(), "limits are counted apart");

        let (one, two) = (
            FailureLimiter::shared(&a, "logins", 2, window),
            FailureLimiter::shared(&b, "logins", 2, window),
        );
        assert!(one.failed("k").await.is_ok());
        assert!(two.failed("k").await.is_ok());
        assert!(one.admit("k").await.is_ok() && two.admit("k").await.is_ok());
        assert!(
            one.failed("k").await.is_err(),
            "the third failure, wherever"
        );
        let refused = two.admit("k").await.unwrap_err();
        assert!((1..=60).contains(&refused.retry_after_secs), "{refused:?}");
        assert!(two.admit("other").await.is_ok());
    }

    #[tokio::test]
    async fn without_redis_a_shared_limit_still_holds_in_the_process() {
        // A port nothing listens on: every check falls back to the local count.
        let down = SharedLimits::redis("redis://127.0.0.1:1/0", "down").unwrap();
        let limiter = Limiter::shared(&down, "sends", 2, Duration::from_secs(60));
        assert!(limiter.check("u").await.is_ok());
        assert!(limiter.check("u").await.is_ok());
        assert!(limiter.check("u").await.is_err());
        let failures = FailureLimiter::shared(&down, "logins", 1, Duration::from_secs(60));
        assert!(failures.failed("k").await.is_ok());
        assert!(failures.failed("k").await.is_err());
        assert!(failures.admit("k").await.is_err());
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse(&["127.0.0.1".to_owned()]).unwrap();
        let via_proxy = TestRequest::default()
            .peer_addr("127.0.0.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 10.1.2.3"))
            .to_http_request();
        assert_eq!(
            trusted.client_ip(&via_proxy),
            Some("10.1.2.3".parse().unwrap())
        );
        let direct = TestRequest::default()
            .peer_addr("192.0.2.7:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "10.1.2.3"))
            .to_http_request();
        assert_eq!(
            trusted.client_ip(&direct),
            Some("192.0.2.7".parse().unwrap())
        );
        let private = TrustedProxies::parse(&["private".to_owned()]).unwrap();
        let docker = TestRequest::default()
            .peer_addr("172.18.0.5:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.9"))
            .to_http_request();
        assert_eq!(
            private.client_ip(&docker),
            Some("203.0.113.9".parse().unwrap())
        );
    }
}
