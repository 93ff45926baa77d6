//! Rate limits: keyed GCRA limiters (governor) that answer 429 with Retry-After, and the client
//! address they key on.
//!
//! The limiters live in each process: with N replicas a client gets at most N times the quota
//! (the docs say so). That is enough against password guessing and sign-up floods, which is
//! what they are for.

use crate::error::ApiError;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// At most `burst` events per key in any `window`; `burst == 0` turns the limit off.
pub struct Limiter {
    inner: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

/// Keys kept before idle ones are swept, so a flood of distinct keys cannot grow memory.
const SWEEP_ABOVE: usize = 50_000;

impl Limiter {
    pub fn new(burst: u32, window: Duration) -> Self {
        let inner = NonZeroU32::new(burst).map(|burst| {
            let period = (window / burst.get()).max(Duration::from_millis(1));
            let quota = Quota::with_period(period)
                .expect("a non-zero period")
                .allow_burst(burst);
            RateLimiter::keyed(quota)
        });
        Self {
            inner,
            clock: DefaultClock::default(),
        }
    }

    /// Counts one event for `key`; over the limit, the seconds to wait (a 429 with Retry-After
    /// as an [`ApiError`]).
    pub fn check(&self, key: &str) -> Result<(), RateLimited> {
        let Some(limiter) = &self.inner else {
            return Ok(());
        };
        if limiter.len() > SWEEP_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
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
    pub fn new(burst: u32, window: Duration) -> Self {
        Self {
            failures: Limiter::new(burst, window),
            blocked: Default::default(),
        }
    }

    /// Refuses a key whose budget is spent, with the seconds until it may try again.
    pub fn admit(&self, key: &str) -> Result<(), RateLimited> {
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        match blocked.get(key) {
            Some(until) if *until > now => Err(RateLimited {
                retry_after_secs: until.duration_since(now).as_secs_f64().ceil().max(1.0) as u64,
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
    pub fn failed(&self, key: &str) -> Result<(), RateLimited> {
        self.failures.check(key).inspect_err(|limited| {
            let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            if blocked.len() > SWEEP_ABOVE {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(
                key.to_owned(),
                now + Duration::from_secs(limited.retry_after_secs),
            );
        })
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

    #[test]
    fn only_failures_spend_a_failure_budget_and_a_spent_one_refuses_everything() {
        let limiter = FailureLimiter::new(2, Duration::from_secs(60));
        for _ in 0..5 {
            assert!(limiter.admit("k").is_ok(), "admitting spends nothing");
        }
        assert!(limiter.failed("k").is_ok());
        assert!(limiter.failed("k").is_ok());
        assert!(
            limiter.admit("k").is_ok(),
            "two failures are within the budget"
        );
        let spent = limiter.failed("k").unwrap_err();
        assert!((1..=60).contains(&spent.retry_after_secs), "{spent:?}");
        assert!(limiter.admit("k").is_err(), "refused until it refills");
        assert!(
            limiter.admit("other").is_ok(),
            "keys are limited separately"
        );
        let off = FailureLimiter::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            assert!(off.failed("k").is_ok());
        }
        assert!(off.admit("k").is_ok());
    }

    #[test]
    fn a_limit_answers_429_with_the_wait_once_the_burst_is_spent() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        match limiter.check("a") {
            Err(RateLimited { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs), "{retry_after_secs}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(limiter.check("b").is_ok(), "keys are limited separately");
        let off = Limiter::new(0, Duration::from_secs(60));
        assert!((0..100).all(|_| off.check("a").is_ok()));
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
