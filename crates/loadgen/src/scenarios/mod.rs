//! The scenarios, and what they share: rooms of connected clients driven at an open-loop rate.

mod bigroom;
mod direct;
mod history;
mod idle;
mod logins;
mod storm;

use crate::Env;
use crate::client::{self, Frame, Handle, Sink};
use crate::report::Outcome;
use crate::setup::{Setup, User};
use crate::stats::{Latency, Recorder, now_ns};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub async fn run(env: &Env, names: &[String]) -> anyhow::Result<Vec<Outcome>> {
    let setup = Setup::new(env)?;
    let mut outcomes = Vec::new();
    for name in names {
        log(&format!("scenario {name}"));
        let outcome = match name.as_str() {
            "direct" => direct::run(&setup).await.map(|o| vec![o]),
            "bigroom" => bigroom::run(&setup).await,
            "history" => history::run(&setup).await.map(|o| vec![o]),
            "logins" => logins::run(&setup).await.map(|o| vec![o]),
            "idle" => idle::run(&setup).await.map(|o| vec![o]),
            "storm" => storm::run(&setup).await.map(|o| vec![o]),
            other => anyhow::bail!("no scenario named {other}"),
        };
        outcomes.extend(outcome.unwrap_or_else(|e| {
            let mut o = Outcome::new(name);
            o.problems.push(format!("{e:#}"));
            vec![o]
        }));
    }
    Ok(outcomes)
}

/// Progress on stderr; the table goes to stdout.
pub fn log(line: &str) {
    eprintln!("[loadgen] {line}");
}

/// Which server the clients talk to: the chat stack, or the bare broadcast server that only
/// relays frames between the sockets of a room (the baseline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Chat,
    Bare,
}

/// Connected clients, each a member of some rooms, recording what they receive.
pub struct Rig {
    pub server: Server,
    pub users: Vec<User>,
    pub handles: Vec<Handle>,
    pub recorder: Arc<Recorder>,
    pub sink: Arc<RigSink>,
}

/// Counts a message at every recipient except its sender.
pub struct RigSink {
    pub users: Vec<Uuid>,
    pub recorder: Arc<Recorder>,
    pub error_codes: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Sink for RigSink {
    fn frame(&self, conn: usize, f: &Frame<'_>) {
        match &*f.kind {
            "message_created" => {
                if let Some(m) = &f.message
                    && m.sender_id != self.users[conn]
                {
                    self.recorder.received(&m.body, now_ns());
                }
            }
            // The bare server relays the send frame itself.
            "send" => {
                if let Some(body) = &f.body
                    && f.sender_id != Some(self.users[conn])
                {
                    self.recorder.received(body, now_ns());
                }
            }
            "ack" => self
                .recorder
                .acked(f.message.as_ref().map_or("", |m| &m.body), now_ns()),
            "error" => {
                self.recorder.errors.fetch_add(1, Ordering::Relaxed);
                let code = f.code.as_deref().unwrap_or("?").to_owned();
                *self
                    .error_codes
                    .lock()
                    .expect("error codes lock")
                    .entry(code)
                    .or_default() += 1;
            }
            _ => {}
        }
    }

    fn closed(&self, _conn: usize) {
        self.recorder.closed.fetch_add(1, Ordering::Relaxed);
    }
}

impl Rig {
    /// Connects one socket per user, to the chat through nginx or to the bare server.
    pub async fn connect(setup: &Setup, server: Server, users: Vec<User>) -> anyhow::Result<Self> {
        let env = &setup.env;
        let (url, tokens): (&str, Vec<Option<String>>) = match server {
            Server::Chat => (
                &env.ws,
                users.iter().map(|u| Some(u.token.clone())).collect(),
            ),
            Server::Bare => (
                env.bare_ws
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("BENCH_BARE_WS_URL is not set"))?,
                vec![None; users.len()],
            ),
        };
        let started = Instant::now();
        let sockets = client::connect_all(url, &env.sources, &tokens, 64).await?;
        log(&format!(
            "{} sockets open ({server:?}) in {:.1} s",
            sockets.len(),
            started.elapsed().as_secs_f64()
        ));
        let recorder = Arc::new(Recorder::default());
        let sink = Arc::new(RigSink {
            users: users.iter().map(|u| u.id).collect(),
            recorder: recorder.clone(),
            error_codes: Default::default(),
        });
        let handles = sockets
            .into_iter()
            .enumerate()
            .map(|(i, (ws, _))| client::spawn(i, ws, sink.clone()))
            .collect();
        Ok(Self {
            server,
            users,
            handles,
            recorder,
            sink,
        })
    }

    /// The bare server relays within rooms the sockets joined with a `join` frame.
    pub fn join_bare(&self, conn: usize, room: Uuid) {
        if self.server == Server::Bare {
            self.handles[conn]
                .send(serde_json::json!({ "type": "join", "room_id": room }).to_string());
        }
    }

    /// A message from `conn` into `room`.
    pub fn send(&self, conn: usize, room: Uuid, body: &str) {
        let cmid = Uuid::new_v4().simple().to_string();
        let frame = match self.server {
            Server::Chat => client::send_frame(room, &cmid, body),
            Server::Bare => serde_json::json!({
                "type": "send",
                "room_id": room,
                "client_msg_id": cmid,
                "body": body,
                "sender_id": self.users[conn].id,
            })
            .to_string(),
        };
        self.handles[conn].send(frame);
    }

    /// Runs one step: `rate` messages a second for `secs`, message i sent by `pick(i)`; then
    /// waits until `expected(sent)` deliveries arrived or `drain` passed.
    pub async fn step(
        &self,
        rate: f64,
        secs: f64,
        drain: Duration,
        pick: impl Fn(u64) -> (usize, Uuid),
        expected: impl Fn(u64) -> u64,
    ) -> Step {
        let phase = self.recorder.start_phase();
        let sent = drive(rate, secs, |i, due| {
            let (conn, room) = pick(i);
            self.send(conn, room, &Recorder::body(phase, due));
        })
        .await;
        let want = expected(sent);
        let deadline = Instant::now() + drain;
        while self.recorder.delivered.load(Ordering::SeqCst) < want && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let delivered = self.recorder.delivered.load(Ordering::SeqCst);
        let step = Step {
            rate,
            secs,
            sent,
            acked: self.recorder.acked.load(Ordering::SeqCst),
            errors: self.recorder.errors.load(Ordering::SeqCst),
            expected: want,
            delivered,
            deliveries_per_sec: delivered as f64 / secs,
            latency: self.recorder.latency(),
            ack_latency: self.recorder.ack_latency(),
        };
        log(&format!(
            "  {:?} {rate}/s: sent {} acked {} errors {} delivered {}/{} p50 {:.2} ms p99 {:.2} ms max {:.1} ms (acked: p50 {:.2} ms p99 {:.2} ms)",
            self.server,
            step.sent,
            step.acked,
            step.errors,
            step.delivered,
            step.expected,
            step.latency.p50_ms,
            step.latency.p99_ms,
            step.latency.max_ms,
            step.ack_latency.p50_ms,
            step.ack_latency.p99_ms
        ));
        step
    }

    pub fn error_codes(&self) -> serde_json::Value {
        serde_json::json!(*self.sink.error_codes.lock().expect("error codes lock"))
    }
}

/// What one step of a rig measured.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub rate: f64,
    pub secs: f64,
    pub sent: u64,
    pub acked: u64,
    pub errors: u64,
    pub expected: u64,
    pub delivered: u64,
    pub deliveries_per_sec: f64,
    pub latency: Latency,
    /// From due time to the sender's `ack` (empty where the server sends none).
    pub ack_latency: Latency,
}

impl Step {
    /// Everything was stored (chat: acknowledged) and delivered, with p99 under `p99_ms`.
    pub fn kept_up(&self, server: Server, p99_ms: f64) -> bool {
        let stored = server == Server::Bare || self.acked as f64 >= self.sent as f64 * 0.999;
        stored
            && self.errors == 0
            && self.delivered as f64 >= self.expected as f64 * 0.999
            && self.latency.p99_ms <= p99_ms
    }
}

/// Steps the rate up until a step does not keep up (see [`Step::kept_up`], with `p99_ms`):
/// first a short warm-up at the lowest rate (not counted), and a step that fails is run once
/// more before the ramp stops, so one hiccup of a shared machine does not end it. Returns every
/// step and the highest that kept up.
pub async fn ramp<F, Fut>(
    server: Server,
    rates: &[f64],
    secs: f64,
    p99_ms: f64,
    step: F,
) -> (Vec<Step>, Option<Step>)
where
    F: Fn(f64, f64) -> Fut,
    Fut: std::future::Future<Output = Step>,
{
    let _ = step(rates[0], secs.min(2.0)).await;
    settle(1).await;
    let mut steps = Vec::new();
    let mut best = None;
    for &rate in rates {
        let mut kept_up = false;
        for _attempt in 0..2 {
            let s = step(rate, secs).await;
            kept_up = s.kept_up(server, p99_ms);
            steps.push(s.clone());
            settle(1).await;
            if kept_up {
                best = Some(s);
                break;
            }
        }
        if !kept_up {
            break;
        }
    }
    (steps, best)
}

/// Open loop: calls `send(i, due_ns)` for message i at its due time, `rate` per second for
/// `secs`, whatever the server does. Returns how many were sent.
pub async fn drive(rate: f64, secs: f64, mut send: impl FnMut(u64, u64)) -> u64 {
    let total = (rate * secs).round() as u64;
    let start = Instant::now();
    let start_ns = now_ns();
    let mut i = 0;
    while i < total {
        let due = ((start.elapsed().as_secs_f64() * rate) as u64 + 1).min(total);
        while i < due {
            send(i, start_ns + (i as f64 * 1e9 / rate) as u64);
            i += 1;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    total
}

/// Lets presence notices and other connection chatter pass before measuring.
pub async fn settle(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}
