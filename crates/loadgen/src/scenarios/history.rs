//! History: rooms with millions of messages, seeded in bulk with SQL, read a page at a time at
//! random places over HTTP through nginx at a fixed open-loop rate. Baseline: the same requests
//! against a room of a thousand messages, in the same run.

use super::{drive, log};
use crate::report::{Goal, Outcome, Row};
use crate::setup::{Setup, User};
use crate::stats::{Latency, histogram, now_ns};
use anyhow::Context;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::Rng;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

const PAGE: i64 = 50;

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    owner_id: Uuid,
    #[diesel(sql_type = Text)]
    username: String,
}

/// Rooms named `name 0..rooms` with `per_room` messages each, owned by one user: found from an
/// earlier run in this database, or made now (seeding ten million rows takes minutes).
async fn seeded(
    setup: &Setup,
    name: &str,
    rooms: usize,
    per_room: i64,
) -> anyhow::Result<(User, Vec<Uuid>)> {
    let mut conn = setup.db().await?;
    let found: Vec<Found> = diesel::sql_query(
        "SELECT r.id, r.owner_id, u.username FROM rooms r JOIN users u ON u.id = r.owner_id \
         WHERE r.kind = 'public' AND r.name LIKE $1 || ' %' AND r.last_seq = $2 \
         AND r.deleted_at IS NULL ORDER BY r.name",
    )
    .bind::<Text, _>(name)
    .bind::<BigInt, _>(per_room)
    .load(&mut conn)
    .await?;
    if let Some(first) = <[Found]>::first(&found)
        && found.len() >= rooms
        && found.iter().all(|f| f.owner_id == first.owner_id)
    {
        log(&format!(
            "reusing {rooms} seeded rooms '{name} *' ({per_room} messages each)"
        ));
        let owner = User {
            id: first.owner_id,
            username: first.username.clone(),
            token: setup.token(first.owner_id, &first.username)?,
        };
        return Ok((owner, found.iter().take(rooms).map(|f| f.id).collect()));
    }
    let owner = setup
        .users("history", 1, &Setup::cheap_hash()?)
        .await?
        .pop()
        .context("one user")?;
    let mut ids = Vec::new();
    for r in 0..rooms {
        let room = setup
            .public_room(&format!("{name} {r:02}"), &owner, &[])
            .await?;
        let started = Instant::now();
        let batch = 250_000;
        let mut from = 1;
        while from <= per_room {
            let to = (from + batch - 1).min(per_room);
            diesel::sql_query(
                "INSERT INTO messages (id, room_id, seq, sender_id, body, client_msg_id, created_at) \
                 SELECT gen_random_uuid(), $1, s, $2, \
                        'message ' || s || ' of the history benchmark, seeded in bulk', \
                        'seed-' || $1 || '-' || s, \
                        now() - make_interval(secs => ($4 - s)) \
                 FROM generate_series($3::bigint, $4::bigint) AS s",
            )
            .bind::<SqlUuid, _>(room)
            .bind::<SqlUuid, _>(owner.id)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(to)
            .execute(&mut conn)
            .await
            .context("seeding messages")?;
            from = to + 1;
        }
        diesel::sql_query("UPDATE rooms SET last_seq = $2 WHERE id = $1")
            .bind::<SqlUuid, _>(room)
            .bind::<BigInt, _>(per_room)
            .execute(&mut conn)
            .await?;
        log(&format!(
            "seeded room {r} with {per_room} messages in {:.0} s",
            started.elapsed().as_secs_f64()
        ));
        ids.push(room);
    }
    diesel::sql_query("ANALYZE messages")
        .execute(&mut conn)
        .await?;
    Ok((owner, ids))
}

struct Deletion {
    ms: f64,
    seq_scans: i64,
}

#[derive(QueryableByName)]
struct SeqScans {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Deletes a room for good (`DELETE FROM rooms`, which cascades to its messages and members)
/// and counts the sequential scans of `messages` it caused, read in its own transaction
/// (`pg_stat_xact_user_tables` counts the transaction's work, the cascade's included).
async fn delete_room(setup: &Setup, room: Uuid) -> anyhow::Result<Deletion> {
    let mut conn = setup.db().await?;
    let started = Instant::now();
    let seq_scans = conn
        .transaction::<_, anyhow::Error, _>(async |conn| {
            diesel::sql_query("DELETE FROM rooms WHERE id = $1")
                .bind::<SqlUuid, _>(room)
                .execute(conn)
                .await
                .context("deleting the room")?;
            let row: SeqScans = diesel::sql_query(
                "SELECT coalesce(seq_scan, 0) AS n FROM pg_stat_xact_user_tables \
                 WHERE relname = 'messages'",
            )
            .get_result(conn)
            .await?;
            Ok(row.n)
        })
        .await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(Deletion { ms, seq_scans })
}

/// Random pages at `rate` per second for `secs`; latency from each request's due time.
async fn read_pages(
    setup: &Setup,
    owner: &User,
    rooms: &[Uuid],
    per_room: i64,
    rate: f64,
    secs: f64,
) -> (Latency, u64, u64) {
    let hist = Arc::new(Mutex::new(histogram()));
    let failures = Arc::new(Mutex::new(0u64));
    let mut tasks = tokio::task::JoinSet::new();
    let sent = drive(rate, secs, |_, due| {
        let mut rng = rand::rng();
        let room = rooms[rng.random_range(0..rooms.len())];
        let before = rng.random_range(PAGE + 1..=per_room + 1);
        let url = format!(
            "{}/api/rooms/{room}/messages?before={before}&limit={PAGE}",
            setup.env.http
        );
        let req = setup.http.get(url).bearer_auth(&owner.token);
        let (hist, failures) = (hist.clone(), failures.clone());
        tasks.spawn(async move {
            let ok = match req.send().await {
                Ok(res) if res.status().is_success() => {
                    res.json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["messages"].as_array().map(Vec::len))
                        == Some(PAGE as usize)
                }
                _ => false,
            };
            let micros = now_ns().saturating_sub(due) / 1000;
            let _ = hist.lock().expect("histogram lock").record(micros.max(1));
            if !ok {
                *failures.lock().expect("failures lock") += 1;
            }
        });
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    let latency = Latency::of(&hist.lock().expect("histogram lock"));
    let failed = *failures.lock().expect("failures lock");
    (latency, sent, failed)
}

pub async fn run(setup: &Setup) -> anyhow::Result<Outcome> {
    let smoke = setup.env.smoke;
    let (rooms, per_room, rate, secs) = if smoke {
        (2, 5_000, 100.0, 2.0)
    } else {
        (10, 1_000_000, 1000.0, 10.0)
    };
    let (owner, big) = seeded(setup, "bench history", rooms, per_room).await?;
    let (small_owner, small) = seeded(setup, "bench small history", 1, 1_000).await?;
    // Warm the connection pools and caches the way a running service has them.
    let _ = read_pages(setup, &owner, &big, per_room, rate / 4.0, 1.0).await;
    let (base, base_sent, base_failed) =
        read_pages(setup, &small_owner, &small, 1_000, rate, secs).await;
    log(&format!(
        "  small room: {base_sent} pages, p99 {:.2} ms",
        base.p99_ms
    ));
    let (lat, sent, failed) = read_pages(setup, &owner, &big, per_room, rate, secs).await;
    log(&format!(
        "  {} messages: {sent} pages, p50 {:.2} ms p99 {:.2} ms",
        rooms as i64 * per_room,
        lat.p50_ms,
        lat.p99_ms
    ));

    // Deleting a room of 10,000 messages inside the big history: the cascade must find its
    // messages (and the replies to them) by index, not by scanning every message.
    let doomed_size = if smoke { 1_000 } else { 10_000 };
    let (_, doomed) = seeded(setup, "bench doomed", 1, doomed_size).await?;
    let deletion = delete_room(setup, doomed[0]).await?;
    log(&format!(
        "  deleting a room of {doomed_size} messages: {:.1} ms, {} sequential scans of messages",
        deletion.ms, deletion.seq_scans
    ));

    let mut out = Outcome::new("history");
    out.rows.push(
        Row::new(
            &format!(
                "p99 of a random page of {PAGE} at {rate} pages/s, {} messages",
                rooms as i64 * per_room
            ),
            "ms",
            lat.p99_ms,
        )
        .goal(Goal::AtMost(5.0))
        .baseline("a room of 1,000 messages", base.p99_ms),
    );
    out.rows.push(
        Row::new(
            &format!(
                "delete a room of {doomed_size} messages among {} (whole cascade, one statement)",
                rooms as i64 * per_room
            ),
            "ms",
            deletion.ms,
        )
        .goal(Goal::AtMost(1_000.0)),
    );
    if deletion.seq_scans > 0 {
        out.problems.push(format!(
            "deleting a room scanned the messages table {} times",
            deletion.seq_scans
        ));
    }
    if failed + base_failed > 0 {
        out.problems.push(format!(
            "{} page requests failed or came back short",
            failed + base_failed
        ));
    }
    out.details = json!({
        "rooms": rooms,
        "messages_per_room": per_room,
        "rate": rate,
        "secs": secs,
        "big": lat,
        "small": base,
        "delete_room": { "messages": doomed_size, "ms": deletion.ms, "messages_seq_scans": deletion.seq_scans },
    });
    Ok(out)
}
