//! The fault harness's clients (`scripts/chaos`): steady traffic through nginx while faults are
//! injected one at a time, then three sets compared: what the clients were told was
//! acknowledged, what PostgreSQL holds, and what every client shows once it has resynced.
//!
//! Clients behave as the web app does: one socket each, reconnecting with jittered exponential
//! backoff, syncing from the cursor of their previous `hello` after each reconnect, and sending
//! again (same `client_msg_id`) whatever was not acknowledged within a few seconds, until a
//! deadline after which the send is reported failed. Traffic: direct messages between pairs and
//! one public room every client of the first `room_members` belongs to.
//!
//! Faults are run by `CHAOS_INJECT <name>` (a command that breaks something, waits, repairs it
//! and returns once the stack is whole again); the load goes on meanwhile.

mod tally;

use crate::Env;
use crate::client::{self, Frame, Hello, Target, Ws};
use crate::setup::{Setup, User};
use crate::stats::now_ns;
use anyhow::{Context, bail};
use diesel::sql_types::{Array, Uuid as SqlUuid};
use futures_util::StreamExt;
use rand::Rng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tally::{FaultRow, Sent, StoredRow, compare, print_report};
use tokio::sync::mpsc;
use uuid::Uuid;

/// How big and how long.
#[derive(Clone, Copy, Debug, Serialize)]
struct Sizes {
    pairs: usize,
    room_members: usize,
    /// Sends a second, all clients together.
    rate: u32,
    /// Load before the first fault, and after each recovery, in seconds.
    steady_secs: u64,
    /// A send not acknowledged within this many seconds is sent again.
    resend_secs: u64,
    /// After the last fault, how long unacknowledged sends keep being retried.
    drain_secs: u64,
    /// Goal: every client back and resynced within this many seconds of a recovery.
    converge_goal_secs: f64,
    /// Sockets that only stay connected (users in no room), for the soak.
    idle: usize,
}

impl Sizes {
    fn new(smoke: bool) -> Self {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            pairs: var("CHAOS_PAIRS", if smoke { 40 } else { 1000 }) as usize,
            room_members: var("CHAOS_ROOM_MEMBERS", if smoke { 20 } else { 200 }) as usize,
            rate: var("CHAOS_RATE", if smoke { 40 } else { 300 }) as u32,
            steady_secs: var("CHAOS_STEADY_SECS", if smoke { 4 } else { 15 }),
            resend_secs: 4,
            drain_secs: var("CHAOS_DRAIN_SECS", if smoke { 45 } else { 90 }),
            converge_goal_secs: 10.0,
            idle: var("CHAOS_IDLE", 0) as usize,
        }
    }
}

struct Ctx {
    env: Env,
    sizes: Sizes,
    http: reqwest::Client,
    users: Vec<User>,
    /// Each client's outgoing frames; the channel outlives its sockets.
    txs: Vec<mpsc::UnboundedSender<String>>,
    sends: Mutex<HashMap<String, Sent>>,
    /// Per client: (room, seq) -> message id, from live frames, acks and syncs.
    seen: Vec<Mutex<HashMap<(Uuid, i64), Uuid>>>,
    conflicts: AtomicU64,
    duplicate_live: AtomicU64,
    /// Per client: the cursor of its current socket's `hello`.
    cursor: Vec<Mutex<Option<String>>>,
    connected: Vec<AtomicBool>,
    /// (when, client) of every drop and of every socket back and resynced.
    drops: Mutex<Vec<(u64, usize)>>,
    /// (when, client) of every `resync` frame (the socket stays; its client syncs), and of
    /// the end of each such sync.
    resyncs: Mutex<Vec<(u64, usize)>>,
    resynced: Mutex<Vec<(u64, usize)>>,
    /// Per client: syncs asked for by `resync` frames still running.
    catching_up: Vec<AtomicU64>,
    backs: Mutex<Vec<(u64, usize)>>,
    stopping: AtomicBool,
    next_id: AtomicUsize,
    /// Syncs answered `reset`.
    resets: AtomicU64,
}

impl Ctx {
    fn see(&self, conn: usize, room: Uuid, seq: i64, id: Uuid, live: bool) {
        let mut seen = self.seen[conn].lock().expect("lock");
        match seen.insert((room, seq), id) {
            Some(old) if old != id => {
                self.conflicts.fetch_add(1, Ordering::SeqCst);
            }
            Some(_) if live => {
                self.duplicate_live.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    fn frame(&self, conn: usize, f: &Frame<'_>) {
        match &*f.kind {
            "message_created" => {
                if let Some(m) = &f.message
                    && let Some(id) = m.id
                {
                    self.see(conn, m.room_id, m.seq, id, true);
                }
            }
            // The gateway's checkpoint: every event before it has reached this socket. Kept
            // as the cursor, as the web app does, except while a sync runs (its end will be).
            "cursor" => {
                if let Some(cursor) = &f.cursor
                    && self.catching_up[conn].load(Ordering::SeqCst) == 0
                {
                    *self.cursor[conn].lock().expect("lock") = Some(cursor.to_string());
                }
            }
            "ack" => {
                if let (Some(cmid), Some(m)) = (&f.client_msg_id, &f.message)
                    && let Some(id) = m.id
                {
                    // The sender's own view gets the message from `message_created` or a sync,
                    // like every member's: the ack only settles the send.
                    if let Some(sent) = self.sends.lock().expect("lock").get_mut(&**cmid) {
                        sent.acked.get_or_insert((id, m.seq));
                    }
                }
            }
            "error" => {
                // Refused for now (unavailable, busy, rate limited): send again at the next round.
                if let Some(cmid) = &f.client_msg_id
                    && let Some(sent) = self.sends.lock().expect("lock").get_mut(&**cmid)
                {
                    sent.last_ns = 0;
                }
            }
            _ => {}
        }
    }

    /// Every event since `cursor`, page by page, into the client's view; the last cursor, or
    /// `None` when the server answered `reset` (the cursor is older than the sync log keeps:
    /// a client then reloads its rooms' latest pages and scrolls back for the rest).
    async fn sync(&self, conn: usize, mut cursor: String) -> anyhow::Result<Option<String>> {
        loop {
            let page =
                client::sync_page(&self.http, &self.env.http, &self.users[conn].token, &cursor)
                    .await?;
            if page["reset"].as_bool() == Some(true) {
                self.resets.fetch_add(1, Ordering::SeqCst);
                return Ok(None);
            }
            for e in page["events"].as_array().into_iter().flatten() {
                let m = &e["payload"]["message"];
                if e["payload"]["type"] == "message_created"
                    && let (Some(room), Some(seq), Some(id)) = (
                        m["room_id"].as_str().and_then(|r| r.parse().ok()),
                        m["seq"].as_i64(),
                        m["id"].as_str().and_then(|r| r.parse().ok()),
                    )
                {
                    self.see(conn, room, seq, id, false);
                }
            }
            cursor = page["next_cursor"]
                .as_str()
                .context("no next_cursor")?
                .to_owned();
            if page["has_more"].as_bool() != Some(true) {
                return Ok(Some(cursor));
            }
        }
    }

    /// [`Ctx::sync`], tried up to five times: `None` if it never got through, else where
    /// it ended (`Some(None)` after a `reset`).
    async fn sync_with_retries(&self, conn: usize, cursor: String) -> Option<Option<String>> {
        for _ in 0..5 {
            match self.sync(conn, cursor.clone()).await {
                Ok(end) => return Some(end),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
        None
    }

    /// Syncs from `from` ([`Ctx::sync_with_retries`]), tells the gateway where that ended
    /// (`synced`), as the web app does, and goes on from there if the client's cursor is still
    /// `held` (a later `hello` did not put its own there meanwhile).
    async fn synced_from(&self, conn: usize, from: String, held: Option<String>) {
        if let Some(Some(end)) = self.sync_with_retries(conn, from).await {
            let _ = self.txs[conn].send(client::synced_frame(&end));
            let mut cursor = self.cursor[conn].lock().expect("lock");
            if *cursor == held {
                *cursor = Some(end);
            }
        }
    }

    /// Whether the client's socket is up and it has synced whatever it was told to.
    fn caught_up(&self, conn: usize) -> bool {
        self.connected[conn].load(Ordering::SeqCst)
            && self.catching_up[conn].load(Ordering::SeqCst) == 0
    }

    fn send(&self, conn: usize, room: Uuid) {
        let n = self.next_id.fetch_add(1, Ordering::SeqCst);
        let cmid = format!("chaos-{n}");
        let now = now_ns();
        self.sends.lock().expect("lock").insert(
            cmid.clone(),
            Sent {
                conn,
                room,
                first_ns: now,
                last_ns: now,
                tries: 1,
                acked: None,
                failed: false,
            },
        );
        let _ = self.txs[conn].send(client::send_frame(room, &cmid, &format!("chaos {cmid}")));
    }

    /// Sends again what was not acknowledged in time; gives up on what is older than
    /// `give_up_before` (ns).
    fn resend_round(&self, give_up_before: u64) -> usize {
        let now = now_ns();
        let due = now.saturating_sub(self.sizes.resend_secs * 1_000_000_000);
        let mut sends = self.sends.lock().expect("lock");
        let mut resent = 0;
        for (cmid, sent) in sends.iter_mut() {
            if sent.acked.is_some() || sent.failed {
                continue;
            }
            if sent.first_ns < give_up_before {
                sent.failed = true;
                continue;
            }
            if sent.last_ns <= due {
                sent.last_ns = now;
                sent.tries += 1;
                resent += 1;
                let _ = self.txs[sent.conn].send(client::send_frame(
                    sent.room,
                    cmid,
                    &format!("chaos {cmid}"),
                ));
            }
        }
        resent
    }
}

/// A `resync` frame: the client syncs from its cursor over the open socket, as the web app
/// does, and goes on from where the sync ended. The caller counted it in `catching_up` when
/// the frame came, so no `cursor` frame after it moves the cursor before this sync read it.
async fn resync(ctx: Arc<Ctx>, conn: usize) {
    ctx.resyncs.lock().expect("lock").push((now_ns(), conn));
    let base = ctx.cursor[conn].lock().expect("lock").clone();
    if let Some(base) = base {
        ctx.synced_from(conn, base.clone(), Some(base)).await;
    }
    ctx.resynced.lock().expect("lock").push((now_ns(), conn));
    ctx.catching_up[conn].fetch_sub(1, Ordering::SeqCst);
}

/// One client: reads and writes until its socket drops, then reconnects with jittered
/// exponential backoff, syncs from its previous `hello` and goes on.
async fn client_task(
    ctx: Arc<Ctx>,
    conn: usize,
    mut ws: Ws,
    mut rx: mpsc::UnboundedReceiver<String>,
) {
    loop {
        // A frame lost with the socket is sent again by the resend rounds.
        let on_frame = |f: &client::Frame<'_>| {
            if f.kind == "resync" {
                ctx.catching_up[conn].fetch_add(1, Ordering::SeqCst);
                tokio::spawn(resync(ctx.clone(), conn));
            }
            ctx.frame(conn, f);
        };
        if let client::Pumped::Finished = client::pump(ws, &mut rx, on_frame).await {
            return;
        }
        ctx.connected[conn].store(false, Ordering::SeqCst);
        if ctx.stopping.load(Ordering::SeqCst) {
            return;
        }
        ctx.drops.lock().expect("lock").push((now_ns(), conn));
        let target = Target {
            url: &ctx.env.ws,
            source: ctx.env.sources[conn % ctx.env.sources.len()],
        };
        let (new_ws, hello) = client::reconnect(&target, &ctx.users[conn].token).await;
        ws = new_ws;
        let previous = std::mem::replace(
            &mut *ctx.cursor[conn].lock().expect("lock"),
            hello.cursor.clone(),
        );
        if let Some(cursor) = previous {
            // From the previous socket's cursor, which is before this one's hello's.
            ctx.synced_from(conn, cursor, hello.cursor.clone()).await;
        }
        ctx.connected[conn].store(true, Ordering::SeqCst);
        ctx.backs.lock().expect("lock").push((now_ns(), conn));
    }
}

async fn inject(command: &str, fault: &str) -> anyhow::Result<()> {
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(format!("{command} {fault}"))
        .output()
        .await
        .context("running the fault command")?;
    if !out.status.success() {
        bail!(
            "{command} {fault} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Runs the harness; true when every goal that must hold held.
pub async fn run(env: &Env, out: Option<&str>) -> anyhow::Result<bool> {
    let sizes = Sizes::new(env.smoke);
    let faults: Vec<String> = std::env::var("CHAOS_FAULTS")
        .unwrap_or_default()
        .split(',')
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    let inject_cmd = std::env::var("CHAOS_INJECT").context("CHAOS_INJECT is not set")?;
    let setup = Setup::new(env)?;
    let log = |line: &str| eprintln!("[chaos] {line}");

    // Users, their direct chats and the room.
    let n = sizes.pairs * 2;
    let users = setup
        .users("chaos", n, &Setup::cheap_hash()?)
        .await
        .context("creating users")?;
    let pairs: Vec<(usize, usize)> = (0..sizes.pairs).map(|i| (2 * i, 2 * i + 1)).collect();
    let direct = setup
        .direct_chats(pairs.iter().map(|&(a, b)| (&users[a], &users[b])))
        .await
        .context("opening direct chats")?;
    let members = sizes.room_members.min(n);
    let room = setup
        .public_room(
            &format!("chaos {}", setup.tag),
            &users[0],
            &users[..members],
        )
        .await
        .context("making the room")?;
    let mut room_members: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        room_members.insert(direct[i], vec![a, b]);
    }
    room_members.insert(room, (0..members).collect());
    log(&format!(
        "{} clients, {} direct chats, a room of {members}; {} sends/s; faults: {}",
        n,
        direct.len(),
        sizes.rate,
        faults.join(" ")
    ));

    // Idle sockets: held open (and answering pings) for the whole run, then dropped.
    let idle_sockets = if sizes.idle > 0 {
        let idle_users = setup
            .users("chaos_idle", sizes.idle, &Setup::cheap_hash()?)
            .await?;
        let tokens: Vec<Option<String>> =
            idle_users.iter().map(|u| Some(u.token.clone())).collect();
        let sockets = client::connect_all(&env.ws, &env.sources, &tokens, 64).await?;
        log(&format!("{} idle sockets open", sockets.len()));
        sockets
            .into_iter()
            .map(|(ws, _)| {
                tokio::spawn(async move {
                    let (_write, mut read) = ws.split();
                    while let Some(Ok(_)) = read.next().await {}
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let tokens: Vec<Option<String>> = users.iter().map(|u| Some(u.token.clone())).collect();
    let sockets = client::connect_all(&env.ws, &env.sources, &tokens, 64).await?;
    let mut txs = Vec::with_capacity(n);
    let mut rxs = Vec::with_capacity(n);
    for _ in 0..n {
        let (tx, rx) = mpsc::unbounded_channel();
        txs.push(tx);
        rxs.push(rx);
    }
    let ctx = Arc::new(Ctx {
        env: env.clone(),
        sizes,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()?,
        users: users.clone(),
        txs,
        sends: Mutex::default(),
        seen: (0..n).map(|_| Mutex::default()).collect(),
        conflicts: AtomicU64::new(0),
        duplicate_live: AtomicU64::new(0),
        cursor: sockets
            .iter()
            .map(|(_, h): &(Ws, Hello)| Mutex::new(h.cursor.clone()))
            .collect(),
        connected: (0..n).map(|_| AtomicBool::new(true)).collect(),
        drops: Mutex::default(),
        resyncs: Mutex::default(),
        resynced: Mutex::default(),
        catching_up: (0..n).map(|_| AtomicU64::new(0)).collect(),
        backs: Mutex::default(),
        stopping: AtomicBool::new(false),
        next_id: AtomicUsize::new(0),
        resets: AtomicU64::new(0),
    });
    for (conn, ((ws, _), rx)) in sockets.into_iter().zip(rxs).enumerate() {
        tokio::spawn(client_task(ctx.clone(), conn, ws, rx));
    }

    // The load: open loop at the rate; one send in ten to the room.
    let load_on = Arc::new(AtomicBool::new(true));
    let load = {
        let (ctx, load_on, direct) = (ctx.clone(), load_on.clone(), direct.clone());
        tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(ctx.sizes.rate)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while load_on.load(Ordering::SeqCst) {
                tick.tick().await;
                let (conn, to) = {
                    let mut rng = rand::rng();
                    if rng.random_range(0..10) == 0 {
                        (rng.random_range(0..members), room)
                    } else {
                        let pair = rng.random_range(0..direct.len());
                        (2 * pair + rng.random_range(0..2), direct[pair])
                    }
                };
                ctx.send(conn, to);
            }
        })
    };
    let resender = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let give_up = ctx.sizes.drain_secs * 1_000_000_000;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                ctx.resend_round(now_ns().saturating_sub(give_up * 4));
            }
        })
    };

    let steady = Duration::from_secs(sizes.steady_secs);
    tokio::time::sleep(steady).await;
    let mut rows = Vec::new();
    for fault in &faults {
        let mut row = FaultRow {
            fault: fault.clone(),
            ..FaultRow::default()
        };
        let sends_before = ctx.next_id.load(Ordering::SeqCst);
        let start = now_ns();
        log(&format!("fault {fault}"));
        match inject(&inject_cmd, fault).await {
            Ok(()) => row.injected = true,
            Err(e) => row.problems.push(format!("{e:#}")),
        }
        let repaired = now_ns();
        row.outage_secs = secs(repaired - start);
        tokio::time::sleep(steady).await;
        // Every socket that dropped since the fault began must be back and resynced.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline && (0..n).any(|c| !ctx.caught_up(c)) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let since_start = |list: &Mutex<Vec<(u64, usize)>>| -> HashSet<usize> {
            list.lock()
                .expect("lock")
                .iter()
                .filter(|(t, _)| *t >= start)
                .map(|&(_, c)| c)
                .collect()
        };
        let mut drops = since_start(&ctx.drops);
        row.sockets_dropped = drops.len();
        let told = since_start(&ctx.resyncs);
        row.sockets_told_to_resync = told.len();
        // Every client that had to catch up, over a new socket or its open one.
        drops.extend(told);
        let backs = ctx.backs.lock().expect("lock").clone();
        let mut per_sec: BTreeMap<u64, usize> = BTreeMap::new();
        let mut last_back = None::<u64>;
        for &(t, c) in backs.iter().filter(|(t, _)| *t >= start) {
            *per_sec.entry(t / 1_000_000_000).or_default() += 1;
            if drops.contains(&c) {
                last_back = Some(last_back.map_or(t, |l: u64| l.max(t)));
            }
        }
        row.peak_reconnects_per_sec = per_sec.values().copied().max().unwrap_or(0);
        for &(t, c) in ctx.resynced.lock().expect("lock").iter() {
            if t >= start && drops.contains(&c) {
                last_back = Some(last_back.map_or(t, |l: u64| l.max(t)));
            }
        }
        let still_down = (0..n).filter(|&c| !ctx.caught_up(c)).count();
        if still_down > 0 {
            row.problems
                .push(format!("{still_down} clients not back after 60 s"));
        } else if !drops.is_empty() {
            row.converged_secs = last_back.map(|t| secs(t.saturating_sub(repaired)));
            row.back_after_fault_secs = last_back.map(|t| secs(t.saturating_sub(start)));
        } else {
            row.converged_secs = Some(0.0);
        }
        row.sends_during = ctx.next_id.load(Ordering::SeqCst) - sends_before;
        row.retried_during = ctx
            .sends
            .lock()
            .expect("lock")
            .values()
            .filter(|s| s.first_ns >= start && s.tries > 1)
            .count();
        log(&format!(
            "  {fault}: {:.1} s; {} sockets dropped, {} told to resync, all back {:?} s after the fault; peak {} reconnects/s",
            row.outage_secs,
            row.sockets_dropped,
            row.sockets_told_to_resync,
            row.back_after_fault_secs,
            row.peak_reconnects_per_sec
        ));
        rows.push(row);
    }

    // Stop sending; keep retrying what is unacknowledged until the drain deadline, then the
    // rest is reported failed.
    load_on.store(false, Ordering::SeqCst);
    let _ = load.await;
    let drain_end = std::time::Instant::now() + Duration::from_secs(sizes.drain_secs);
    loop {
        let pending = ctx
            .sends
            .lock()
            .expect("lock")
            .values()
            .filter(|s| s.acked.is_none() && !s.failed)
            .count();
        if pending == 0 || std::time::Instant::now() >= drain_end {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    resender.abort();
    ctx.resend_round(u64::MAX);

    // Convergence: every client syncs from its current socket's cursor, as it would on its
    // next reconnect; live delivery and the reconnect syncs did the rest.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let finals = futures_util::stream::iter((0..n).map(|conn| {
        let ctx = ctx.clone();
        async move {
            let cursor = ctx.cursor[conn].lock().expect("lock").clone();
            match cursor {
                Some(c) => ctx.sync_with_retries(conn, c).await.is_some(),
                None => false,
            }
        }
    }))
    .buffer_unordered(32)
    .collect::<Vec<bool>>()
    .await;
    ctx.stopping.store(true, Ordering::SeqCst);
    for idle in idle_sockets {
        idle.abort();
    }

    // The database's side.
    let mut db = setup.db().await?;
    let rooms: Vec<Uuid> = room_members.keys().copied().collect();
    // Called by path: diesel-async's `load` is on every type and would shadow the atomics'.
    let stored: Vec<StoredRow> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT id, room_id, seq, client_msg_id FROM messages WHERE room_id = ANY($1)",
        )
        .bind::<Array<SqlUuid>, _>(&rooms),
        &mut db,
    )
    .await
    .context("reading the stored messages")?;

    let mut t = {
        let sends = ctx.sends.lock().expect("lock");
        let views: Vec<HashMap<(Uuid, i64), Uuid>> = ctx
            .seen
            .iter()
            .map(|v| v.lock().expect("lock").clone())
            .collect();
        compare(&sends, &stored, &views, &room_members)
    };
    t.duplicate_live_deliveries = ctx.duplicate_live.load(Ordering::SeqCst);
    t.syncs_reset = ctx.resets.load(Ordering::SeqCst);
    t.one_seq_shown_with_two_ids = ctx.conflicts.load(Ordering::SeqCst) as usize;
    t.clients_not_converged = finals.iter().filter(|ok| !**ok).count();

    let mut problems: Vec<String> = rows
        .iter()
        .flat_map(|r| r.problems.iter().map(move |p| format!("{}: {p}", r.fault)))
        .collect();
    for (what, value) in [
        (
            "acknowledged but missing from the database",
            t.acknowledged_missing_from_database,
        ),
        (
            "acknowledged with another id or seq than stored",
            t.acknowledged_with_another_id_or_seq,
        ),
        ("stored twice (one client_msg_id)", t.stored_twice),
        (
            "stored but missing from a member's converged view",
            t.missing_from_a_converged_view,
        ),
        ("one seq shown with two ids", t.one_seq_shown_with_two_ids),
        ("clients whose final sync failed", t.clients_not_converged),
    ] {
        if value > 0 {
            problems.push(format!("{value} {what}"));
        }
    }
    if t.sends == 0 || t.acknowledged == 0 {
        problems.push("no traffic was acknowledged".to_owned());
    }
    let slow: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.converged_secs
                .is_some_and(|s| s > sizes.converge_goal_secs)
        })
        .map(|r| {
            format!(
                "{} ({:.1} s)",
                r.fault,
                r.converged_secs.unwrap_or_default()
            )
        })
        .collect();

    print_report(&rows, &t, &slow, &problems, sizes.converge_goal_secs);
    if let Some(out) = out {
        let doc = serde_json::json!({
            "sizes": sizes,
            "faults": rows,
            "totals": t,
            "not_within_convergence_goal": slow,
            "problems": problems,
        });
        std::fs::write(out, serde_json::to_string_pretty(&doc)?)?;
    }
    Ok(problems.is_empty())
}
