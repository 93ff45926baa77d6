//! Reconnect storm: one gateway holding many clients dies (SIGKILL); every client reconnects
//! through nginx to the other gateway with jittered backoff and syncs from the cursor of its
//! last `hello`. Meanwhile messages keep flowing both ways between the victims and partners on
//! the surviving gateway. Measured: time until 99% of the victims are back and resynced, and
//! messages acknowledged to their sender but never seen by their recipient (live or by sync).
//! Baseline: the time the same clients took to connect in the first place.
//!
//! At the end, every recipient still missing a message syncs again from the cursor of its very
//! first `hello`, as a client that reloads would (up to four rounds, 5 s apart): a message found
//! then was stored but came late (or not at all) on the socket; a message not found even then
//! is lost.

use super::{log, settle};
use crate::client::{self, Frame, Hello, Target, Ws};
use crate::report::{Goal, Outcome, Row};
use crate::setup::{Setup, User};
use crate::stats::now_ns;
use anyhow::{Context, bail};
use futures_util::SinkExt;
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

struct Ctx {
    ws: String,
    http_base: String,
    http: reqwest::Client,
    sources: Vec<std::net::IpAddr>,
    users: Vec<User>,
    /// Set when the gateway is killed; drops before it are the setup's, not the storm's.
    kill_ns: AtomicU64,
    stopping: AtomicBool,
    /// Per socket: when it was back and resynced after the kill.
    resynced_ns: Mutex<Vec<Option<u64>>>,
    dropped: Mutex<Vec<bool>>,
    /// The cursor of each socket's first `hello`, for the final sync.
    first_cursor: Vec<Option<String>>,
    /// (recipient socket, room, seq) of every acknowledged message.
    acked: Mutex<Vec<(u32, Uuid, i64)>>,
    received: Mutex<HashSet<(u32, Uuid, i64)>>,
    /// Syncs at once, per load generator (its HTTP connections count against its files).
    syncs: Semaphore,
    sync_failures: AtomicU64,
}

impl Ctx {
    fn frame(&self, conn: usize, f: &Frame<'_>) {
        let Some(m) = &f.message else { return };
        match &*f.kind {
            "message_created" if m.sender_id != self.users[conn].id => {
                self.received
                    .lock()
                    .expect("lock")
                    .insert((conn as u32, m.room_id, m.seq));
            }
            "ack" => {
                // The body names the recipient socket.
                if let Some(to) = m
                    .body
                    .strip_prefix("storm ")
                    .and_then(|s| s.parse::<u32>().ok())
                {
                    self.acked
                        .lock()
                        .expect("lock")
                        .push((to, m.room_id, m.seq));
                }
            }
            _ => {}
        }
    }

    /// Fetches every event since `cursor`, page by page, recording the messages.
    async fn sync(&self, conn: usize, mut cursor: String) -> anyhow::Result<()> {
        let _permit = self.syncs.acquire().await?;
        let me = self.users[conn].id;
        loop {
            let page = client::sync_page(
                &self.http,
                &self.http_base,
                &self.users[conn].token,
                &cursor,
            )
            .await?;
            if page["reset"].as_bool() == Some(true) {
                bail!("the sync cursor was too old");
            }
            {
                let mut received = self.received.lock().expect("lock");
                for e in page["events"].as_array().into_iter().flatten() {
                    let m = &e["payload"]["message"];
                    if e["payload"]["type"] == "message_created"
                        && m["sender_id"].as_str() != Some(&me.to_string())
                        && let (Some(room), Some(seq)) = (
                            m["room_id"].as_str().and_then(|r| r.parse().ok()),
                            m["seq"].as_i64(),
                        )
                    {
                        received.insert((conn as u32, room, seq));
                    }
                }
            }
            cursor = page["next_cursor"]
                .as_str()
                .context("no next_cursor")?
                .to_owned();
            if page["has_more"].as_bool() != Some(true) {
                return Ok(());
            }
        }
    }
}

/// One client: reads and writes until its socket drops, then reconnects with jittered
/// exponential backoff, syncs from its last cursor and goes on.
async fn client_task(
    ctx: Arc<Ctx>,
    conn: usize,
    mut ws: Ws,
    mut hello: Hello,
    mut rx: mpsc::UnboundedReceiver<String>,
) {
    loop {
        let pending = match client::pump(ws, &mut rx, |f| ctx.frame(conn, f)).await {
            // Not acknowledged: the client sends it again on the next socket.
            client::Pumped::Dropped(unsent) => unsent,
            client::Pumped::Finished => return,
        };
        if ctx.stopping.load(Ordering::SeqCst) {
            return;
        }
        if ctx.kill_ns.load(Ordering::SeqCst) > 0 {
            ctx.dropped.lock().expect("lock")[conn] = true;
        }
        let target = Target {
            url: &ctx.ws,
            source: ctx.sources[conn % ctx.sources.len()],
        };
        let (new_ws, new_hello) = client::reconnect(&target, &ctx.users[conn].token).await;
        ws = new_ws;
        // Everything since the last hello: missed messages arrive here, the rest live.
        if let Some(cursor) = hello.cursor.take() {
            let mut tries = 0;
            while let Err(e) = ctx.sync(conn, cursor.clone()).await {
                tries += 1;
                if tries == 5 {
                    log(&format!("socket {conn}: sync failed: {e:#}"));
                    ctx.sync_failures.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        if ctx.kill_ns.load(Ordering::SeqCst) > 0 {
            ctx.resynced_ns.lock().expect("lock")[conn] = Some(now_ns());
        }
        hello = new_hello;
        if let Some(text) = pending {
            let _ = ws.send(Message::text(text)).await;
        }
    }
}

fn pidfile(var: &str) -> anyhow::Result<String> {
    let path = std::env::var(var).with_context(|| format!("{var} is not set"))?;
    Ok(std::fs::read_to_string(&path)
        .with_context(|| format!("reading {path}"))?
        .trim()
        .to_owned())
}

/// `$BENCH_RESTART <service>`: starts a service of the stack again and waits until it is ready.
async fn restart(service: &str) -> anyhow::Result<()> {
    let cmd = std::env::var("BENCH_RESTART").context("BENCH_RESTART is not set")?;
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} {service}"))
        .status()
        .await?;
    if !status.success() {
        bail!("{cmd} {service} failed: {status}");
    }
    Ok(())
}

pub async fn run(setup: &Setup) -> anyhow::Result<Outcome> {
    let smoke = setup.env.smoke;
    let (victims, partners, rate, window) = if smoke {
        (100, 10, 50.0, 10)
    } else {
        (10_000, 1_000, 500.0, 40)
    };
    let hash = Setup::cheap_hash()?;
    let victim_users = setup.users("storm_v", victims, &hash).await?;
    let partner_users = setup.users("storm_p", partners, &hash).await?;
    log(&format!("making {victims} direct chats"));
    // Victim v talks with partner v mod partners.
    let rooms = setup
        .direct_chats(
            victim_users
                .iter()
                .enumerate()
                .map(|(v, u)| (u, &partner_users[v % partners])),
        )
        .await?;

    // The victims first, while only the gateway to be killed runs (scripts/bench stopped the
    // other): nginx can only send them there.
    let mut users = victim_users;
    users.extend(partner_users);
    let tokens: Vec<Option<String>> = users.iter().map(|u| Some(u.token.clone())).collect();
    let started = Instant::now();
    let mut sockets =
        client::connect_all(&setup.env.ws, &setup.env.sources, &tokens[..victims], 64).await?;
    let connect_secs = started.elapsed().as_secs_f64();
    let victim_instances: HashSet<Option<Uuid>> =
        sockets.iter().map(|(_, h)| h.instance_id).collect();
    log(&format!(
        "{victims} victims connected in {connect_secs:.1} s to {victim_instances:?}"
    ));
    restart("gateway-2").await?;
    sockets.extend(
        client::connect_all(&setup.env.ws, &setup.env.sources, &tokens[victims..], 64).await?,
    );
    let on_victims_gateway = sockets[victims..]
        .iter()
        .filter(|(_, h)| victim_instances.contains(&h.instance_id))
        .count();
    log(&format!(
        "{partners} partners connected ({on_victims_gateway} on the victims' gateway)"
    ));

    let ctx = Arc::new(Ctx {
        ws: setup.env.ws.clone(),
        http_base: setup.env.http.clone(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(30))
            .build()?,
        sources: setup.env.sources.clone(),
        users,
        first_cursor: sockets.iter().map(|(_, h)| h.cursor.clone()).collect(),
        kill_ns: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
        resynced_ns: Mutex::new(vec![None; victims + partners]),
        dropped: Mutex::new(vec![false; victims + partners]),
        acked: Mutex::new(Vec::new()),
        received: Mutex::new(HashSet::new()),
        syncs: Semaphore::new(128),
        sync_failures: AtomicU64::new(0),
    });
    let senders: Vec<mpsc::UnboundedSender<String>> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, (ws, hello))| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(client_task(ctx.clone(), i, ws, hello, rx));
            tx
        })
        .collect();
    settle(3).await;

    // Messages both ways, open loop, for the whole storm.
    let sending = Arc::new(AtomicBool::new(true));
    let sender = {
        let (sending, senders, rooms) = (sending.clone(), senders.clone(), rooms.clone());
        tokio::spawn(async move {
            let mut i: u64 = 0;
            let start = Instant::now();
            while sending.load(Ordering::SeqCst) {
                let due = (start.elapsed().as_secs_f64() * rate) as u64;
                while i < due {
                    let room_ix = (i % victims as u64) as usize;
                    let victim = room_ix;
                    let partner = victims + room_ix % partners;
                    let (from, to) = if (i / victims as u64).is_multiple_of(2) {
                        (victim, partner)
                    } else {
                        (partner, victim)
                    };
                    let cmid = Uuid::new_v4().simple().to_string();
                    let _ = senders[from].send(client::send_frame(
                        rooms[room_ix],
                        &cmid,
                        &format!("storm {to}"),
                    ));
                    i += 1;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            i
        })
    };
    settle(3).await;

    let pid = pidfile("BENCH_KILL_PIDFILE")?;
    let kill_ns = now_ns();
    ctx.kill_ns.store(kill_ns, Ordering::SeqCst);
    let status = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()?;
    if !status.success() {
        bail!("kill -KILL {pid} failed");
    }
    log(&format!("killed the victims' gateway (pid {pid})"));
    let deadline = Instant::now() + Duration::from_secs(window);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let back = ctx
            .resynced_ns
            .lock()
            .expect("lock")
            .iter()
            .take(victims)
            .filter(|r| r.is_some())
            .count();
        if back == victims || Instant::now() > deadline {
            log(&format!(
                "{back} of {victims} victims back and resynced after {:.1} s",
                (now_ns() - kill_ns) as f64 / 1e9
            ));
            break;
        }
    }
    // A little more traffic on the recovered sockets, then stop and let the last ones land.
    settle(2).await;
    sending.store(false, Ordering::SeqCst);
    let sent = sender.await.unwrap_or_default();
    settle(3).await;
    ctx.stopping.store(true, Ordering::SeqCst);

    // What each recipient still misses, then a final sync of those recipients from their first
    // cursor. Lost: acknowledged and not in that history either. Late: found only by the final
    // sync, for a recipient who was connected (a partner) or came back and resynced: stored,
    // but not delivered on the socket within the window. A victim still away when the window
    // ended would have got it on its next sync: counted apart.
    let missing = |ctx: &Ctx| -> Vec<(u32, Uuid, i64)> {
        let acked = ctx.acked.lock().expect("lock");
        let received = ctx.received.lock().expect("lock");
        acked
            .iter()
            .filter(|k| !received.contains(k))
            .copied()
            .collect()
    };
    let before_final = missing(&ctx);
    // Sync serves only rows of transactions older than every running one, so a message can be
    // stored and not yet servable while an older transaction is still open: a few rounds, 5 s
    // apart, before a message counts as lost.
    let mut final_sync_failures = 0;
    let mut still = before_final.clone();
    for round in 0..4 {
        if still.is_empty() {
            break;
        }
        if round > 0 {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        let recipients: HashSet<u32> = still.iter().map(|k| k.0).collect();
        log(&format!(
            "{} acknowledged messages not seen by {} recipients: syncing them from their first cursor (round {})",
            still.len(),
            recipients.len(),
            round + 1
        ));
        let final_syncs = recipients.into_iter().map(|r| {
            let ctx = ctx.clone();
            async move {
                let Some(cursor) = ctx.first_cursor[r as usize].clone() else {
                    return Err(anyhow::anyhow!("socket {r} had no cursor"));
                };
                ctx.sync(r as usize, cursor).await
            }
        });
        final_sync_failures = futures_util::future::join_all(final_syncs)
            .await
            .into_iter()
            .filter_map(Result::err)
            .inspect(|e| log(&format!("final sync failed: {e:#}")))
            .count();
        still = missing(&ctx);
    }
    let lost_keys = still;
    let (acked, lost, late, awaiting) = {
        let back = ctx.resynced_ns.lock().expect("lock");
        let here = |recipient: usize| recipient >= victims || back[recipient].is_some();
        let when_back = |recipient: usize| {
            back.get(recipient)
                .copied()
                .flatten()
                .map(|t| t.saturating_sub(kill_ns) as f64 / 1e9)
        };
        for key in lost_keys.iter().take(20) {
            let recipient = key.0 as usize;
            log(&format!(
                "lost: to socket {recipient} ({}), room {}, seq {}; back at {:?} s after the kill",
                if recipient >= victims {
                    "partner"
                } else {
                    "victim"
                },
                key.1,
                key.2,
                when_back(recipient)
            ));
        }
        let lost: HashSet<&(u32, Uuid, i64)> = lost_keys.iter().collect();
        let found_late = before_final.iter().filter(|k| !lost.contains(k));
        let (late, awaiting): (Vec<&(u32, Uuid, i64)>, Vec<_>) =
            found_late.partition(|k| here(k.0 as usize));
        for key in late.iter().take(5) {
            log(&format!(
                "late: to socket {} (back at {:?} s), room {}, seq {}: stored, not seen on the socket",
                key.0,
                when_back(key.0 as usize),
                key.1,
                key.2
            ));
        }
        (
            ctx.acked.lock().expect("lock").len(),
            lost_keys.len(),
            late.len(),
            awaiting.len(),
        )
    };
    let dropped = ctx
        .dropped
        .lock()
        .expect("lock")
        .iter()
        .take(victims)
        .filter(|d| **d)
        .count();
    let mut times: Vec<f64> = ctx
        .resynced_ns
        .lock()
        .expect("lock")
        .iter()
        .take(victims)
        .map(|r| r.map_or(f64::INFINITY, |t| t.saturating_sub(kill_ns) as f64 / 1e9))
        .collect();
    times.sort_by(f64::total_cmp);
    let p99_index = ((victims as f64 * 0.99).ceil() as usize).clamp(1, victims) - 1;
    let t99 = times[p99_index];
    let t50 = times[victims / 2];
    drop(senders);

    let mut out = Outcome::new("reconnect storm");
    out.rows.push(
        Row::new(
            &format!("time until 99% of {victims} clients reconnected and resynced"),
            "s",
            if t99.is_finite() { t99 } else { window as f64 },
        )
        .goal(Goal::AtMost(10.0))
        .baseline("their first connect", connect_secs),
    );
    out.rows.push(
        Row::new(
            &format!("messages lost of {acked} acknowledged"),
            "",
            lost as f64,
        )
        .goal(Goal::AtMost(0.0)),
    );
    // A goal, not a problem: late is slow, not lost (the history has them), and a busy
    // machine may be slow.
    out.rows.push(
        Row::new(
            "messages seen only on the final sync (late on the socket)",
            "",
            late as f64,
        )
        .goal(Goal::AtMost(0.0)),
    );
    if lost > 0 {
        out.problems.push(format!(
            "{lost} acknowledged messages are not in their recipient's history"
        ));
    }
    if final_sync_failures > 0 {
        out.problems.push(format!(
            "{final_sync_failures} final syncs failed: their recipients' messages count as lost"
        ));
    }
    if !t99.is_finite() {
        out.problems.push(format!(
            "fewer than 99% of the victims were back within {window} s"
        ));
    }
    if dropped < victims {
        out.problems.push(format!("only {dropped} of {victims} victims lost their socket: were they all on the killed gateway?"));
    }
    out.details = json!({
        "victims": victims,
        "partners": partners,
        "partners_on_victims_gateway": on_victims_gateway,
        "rate": rate,
        "sent": sent,
        "acked": acked,
        "lost": lost,
        "late": late,
        "awaiting_recipients_not_back": awaiting,
        "final_sync_failures": final_sync_failures,
        "dropped": dropped,
        "p50_secs": if t50.is_finite() { Some(t50) } else { None },
        "sync_failures": ctx.sync_failures.load(Ordering::SeqCst),
        "first_connect_secs": connect_secs,
    });
    Ok(out)
}
