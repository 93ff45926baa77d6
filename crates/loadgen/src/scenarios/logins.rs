//! Logins at the configured bcrypt cost while the direct-chat load runs at the goal rate: how
//! many logins a second auth completes, and whether the chat keeps its p99. Baselines: the
//! same chat load without logins, and bcrypt verifications a second on this machine.

use super::direct::{Direct, prepare};
use super::{Server, log, settle};
use crate::report::{Goal, Outcome, Row};
use crate::setup::{PASSWORD, Setup, User};
use crate::stats::{Latency, histogram};
use serde_json::json;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// Logins in flight at once (browsers of people arriving together).
const CONCURRENCY: usize = 8;

async fn login_loop(
    setup: &Setup,
    users: &[User],
    stop: &AtomicBool,
    ok: &AtomicU64,
    failed: &AtomicU64,
    hist: &Mutex<hdrhistogram::Histogram<u64>>,
    worker: usize,
) {
    let url = format!("{}/api/auth/token", setup.env.http);
    let mut i = worker;
    while !stop.load(Ordering::SeqCst) {
        let user = &users[i % users.len()];
        i += CONCURRENCY;
        let started = Instant::now();
        let res = setup
            .http
            .post(&url)
            .form(&[
                ("grant_type", "password"),
                ("username", user.username.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await;
        let good = matches!(&res, Ok(r) if r.status().is_success());
        if good {
            ok.fetch_add(1, Ordering::SeqCst);
            let _ = hist
                .lock()
                .expect("histogram lock")
                .record(started.elapsed().as_micros().max(1) as u64);
        } else {
            failed.fetch_add(1, Ordering::SeqCst);
            if let Ok(r) = res {
                log(&format!("  login failed: {}", r.status()));
            }
        }
    }
}

/// bcrypt verifications a second with one thread per core, in this process.
fn bcrypt_rate(hash: &str, secs: f64) -> f64 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let started = Instant::now();
    let done: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0;
                    while started.elapsed().as_secs_f64() < secs {
                        let _ = bcrypt::verify(PASSWORD, hash);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    done as f64 / started.elapsed().as_secs_f64()
}

pub async fn run(setup: &Setup) -> anyhow::Result<Outcome> {
    let smoke = setup.env.smoke;
    // The chat load runs at BENCH_LOGINS_RATE messages a second (default 2,000, the direct
    // goal's rate; on a machine where the stack does not sustain that, a rate it sustains, or
    // the logins are measured against a growing backlog).
    let (pairs, rate, secs, accounts) = if smoke {
        (20, 100.0, 2.0, 10)
    } else {
        let rate = std::env::var("BENCH_LOGINS_RATE")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(2000.0);
        (1000, rate, 10.0, 400)
    };
    let cost = setup.env.bcrypt_cost;
    let hash = bcrypt::hash(PASSWORD, cost)?;
    let users = setup.users("login", accounts, &hash).await?;
    let (chat_users, rooms) = prepare(setup, pairs).await?;
    let direct = Direct::connect(setup, Server::Chat, chat_users, rooms).await?;

    log("direct load alone");
    let alone = direct.step(rate, secs).await;
    settle(1).await;
    log(&format!("direct load with logins (bcrypt cost {cost})"));
    let stop = AtomicBool::new(false);
    let (ok, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    let hist = Mutex::new(histogram());
    let started = Instant::now();
    let (with, ()) = tokio::join!(
        async {
            let step = direct.step(rate, secs).await;
            stop.store(true, Ordering::SeqCst);
            step
        },
        async {
            let loops =
                (0..CONCURRENCY).map(|w| login_loop(setup, &users, &stop, &ok, &failed, &hist, w));
            futures_util::future::join_all(loops).await;
        }
    );
    let elapsed = started.elapsed().as_secs_f64();
    let logins = ok.load(Ordering::SeqCst);
    let login_rate = logins as f64 / elapsed;
    let login_latency = Latency::of(&hist.lock().expect("histogram lock"));
    drop(direct);
    let machine_rate = bcrypt_rate(&hash, if smoke { 1.0 } else { 5.0 });
    log(&format!(
        "  {logins} logins in {elapsed:.1} s; bcrypt alone: {machine_rate:.1}/s"
    ));

    let mut out = Outcome::new("logins");
    out.rows.push(
        Row::new(
            &format!("logins/s at bcrypt cost {cost}, under the direct load"),
            "/s",
            login_rate,
        )
        .baseline("bcrypt verifications/s, all cores, no load", machine_rate),
    );
    out.rows.push(
        Row::new(
            &format!("direct p99 at {rate} msg/s during logins"),
            "ms",
            with.latency.p99_ms,
        )
        .goal(Goal::AtMost(25.0))
        .baseline("without logins", alone.latency.p99_ms),
    );
    let bad = failed.load(Ordering::SeqCst);
    if bad > 0 || logins == 0 {
        out.problems
            .push(format!("{bad} logins failed, {logins} succeeded"));
    }
    out.details = json!({
        "bcrypt_cost": cost,
        "concurrency": CONCURRENCY,
        "login_latency": login_latency,
        "direct_alone": alone,
        "direct_with_logins": with,
    });
    Ok(out)
}
