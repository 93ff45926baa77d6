//! Direct chats: pairs of users, every message goes to the other one. The rate is stepped up
//! until the stack no longer keeps up; the same steps on the bare relay are the baseline.

use super::{Rig, Server, Step, log, ramp, settle};
use crate::report::{Goal, Outcome, Row};
use crate::setup::{Setup, User};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// The rate the latency goals are set at.
const GOAL_RATE: f64 = 2000.0;
/// A rate is sustained while everything is stored and delivered with p99 under a second.
const SUSTAINED_P99_MS: f64 = 1000.0;

pub struct Direct {
    pub rig: Rig,
    pub rooms: Vec<Uuid>,
}

impl Direct {
    pub async fn connect(
        setup: &Setup,
        server: Server,
        users: Vec<User>,
        rooms: Vec<Uuid>,
    ) -> anyhow::Result<Self> {
        let rig = Rig::connect(setup, server, users).await?;
        for (p, room) in rooms.iter().enumerate() {
            rig.join_bare(2 * p, *room);
            rig.join_bare(2 * p + 1, *room);
        }
        settle(2).await;
        Ok(Self { rig, rooms })
    }

    /// Message i goes through pair i mod n, each way in turn.
    pub async fn step(&self, rate: f64, secs: f64) -> Step {
        let pairs = self.rooms.len() as u64;
        self.rig
            .step(
                rate,
                secs,
                Duration::from_secs(5),
                |i| {
                    let pair = (i % pairs) as usize;
                    let way = ((i / pairs) % 2) as usize;
                    (2 * pair + way, self.rooms[pair])
                },
                |sent| sent,
            )
            .await
    }
}

/// Pairs, rates and seconds a step; `BENCH_DIRECT_PAIRS`, `BENCH_DIRECT_RATES` (comma list)
/// and `BENCH_STEP_SECS` override them (a profile holds one rate for a while).
pub fn sizes(smoke: bool) -> (usize, Vec<f64>, f64) {
    let (pairs, rates, secs) = default_sizes(smoke);
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let pairs = var("BENCH_DIRECT_PAIRS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(pairs);
    let rates = var("BENCH_DIRECT_RATES")
        .map(|v| {
            v.split(',')
                .filter_map(|r| r.trim().parse().ok())
                .collect::<Vec<f64>>()
        })
        .filter(|r| !r.is_empty())
        .unwrap_or(rates);
    let secs = var("BENCH_STEP_SECS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(secs);
    (pairs, rates, secs)
}

fn default_sizes(smoke: bool) -> (usize, Vec<f64>, f64) {
    if smoke {
        (20, vec![100.0, 200.0], 2.0)
    } else {
        (
            1000,
            vec![
                500.0, 1000.0, 2000.0, 3000.0, 4000.0, 6000.0, 8000.0, 10000.0, 12000.0, 16000.0,
            ],
            10.0,
        )
    }
}

/// Users and rooms for `pairs` direct chats.
pub async fn prepare(setup: &Setup, pairs: usize) -> anyhow::Result<(Vec<User>, Vec<Uuid>)> {
    let users = setup
        .users("direct", 2 * pairs, &Setup::cheap_hash()?)
        .await?;
    let rooms = setup
        .direct_chats(users.chunks(2).map(|p| (&p[0], &p[1])))
        .await?;
    Ok((users, rooms))
}

pub async fn run(setup: &Setup) -> anyhow::Result<Outcome> {
    let (pairs, rates, secs) = sizes(setup.env.smoke);
    let (users, rooms) = prepare(setup, pairs).await?;
    let mut out = Outcome::new("direct");

    let chat = Direct::connect(setup, Server::Chat, users.clone(), rooms.clone()).await?;
    let (chat_steps, chat_best) = ramp(Server::Chat, &rates, secs, SUSTAINED_P99_MS, |r, t| {
        chat.step(r, t)
    })
    .await;
    let errors = chat.rig.error_codes();
    drop(chat);
    let (bare_steps, bare_best) = if std::env::var("BENCH_SKIP_BASELINE").is_ok_and(|v| v == "1") {
        log("baseline skipped (BENCH_SKIP_BASELINE=1)");
        (Vec::new(), None)
    } else {
        settle(2).await;
        log("baseline: the same on the bare relay");
        let bare = Direct::connect(setup, Server::Bare, users, rooms).await?;
        let r = ramp(Server::Bare, &rates, secs, SUSTAINED_P99_MS, |r, t| {
            bare.step(r, t)
        })
        .await;
        drop(bare);
        r
    };

    // The last run of the goal rate (a step that failed once ran again).
    let at = |steps: &[Step], rate: f64| steps.iter().rev().find(|s| s.rate == rate).cloned();
    let goal_rate = if setup.env.smoke { rates[0] } else { GOAL_RATE };
    // At the goal rate; when the ramp stopped below it, at the highest rate it ran (the rate
    // is in the row's name, and the goal is judged all the same).
    let last = chat_steps
        .iter()
        .rev()
        .find(|s| s.rate <= goal_rate)
        .cloned();
    if let Some(c) = at(&chat_steps, goal_rate).or(last) {
        let rate = c.rate;
        let mut p50 = Row::new(
            &format!("p50 latency at {rate} msg/s"),
            "ms",
            c.latency.p50_ms,
        )
        .goal(Goal::AtMost(5.0));
        let mut p99 = Row::new(
            &format!("p99 latency at {rate} msg/s"),
            "ms",
            c.latency.p99_ms,
        )
        .goal(Goal::AtMost(25.0));
        if let Some(b) = at(&bare_steps, rate) {
            p50 = p50.baseline("bare relay", b.latency.p50_ms);
            p99 = p99.baseline("bare relay", b.latency.p99_ms);
        }
        out.rows.push(p50);
        out.rows.push(p99);
    }
    // A step that kept up must have delivered everything it stored; short of that is loss (an
    // overloaded step's backlog still arriving after the drain is not).
    for s in chat_steps.iter().filter(|s| s.latency.p99_ms < 1000.0) {
        if s.delivered < s.acked.min(s.expected) {
            out.problems.push(format!(
                "at {} msg/s: {} stored but {} delivered",
                s.rate, s.acked, s.delivered
            ));
        }
    }
    out.rows.push(
        Row::new(
            "highest sustained rate, persisted",
            "msg/s",
            chat_best.map_or(0.0, |s| s.rate),
        )
        .goal(Goal::AtLeast(10000.0))
        .baseline("bare relay", bare_best.map_or(0.0, |s| s.rate)),
    );
    out.details = json!({
        "pairs": pairs,
        "step_secs": secs,
        "kept_up_means": "every message acknowledged (stored) and delivered within 5 s, no errors, p99 <= 1 s",
        "chat": chat_steps,
        "bare": bare_steps,
        "chat_errors": errors,
    });
    Ok(out)
}
