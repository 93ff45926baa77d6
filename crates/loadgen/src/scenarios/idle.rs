//! Idle sockets: as many as one gateway process may hold, opened by several worker processes;
//! the gateway's memory per connection. Baseline: the same sockets on the bare relay.

use super::{log, settle};
use crate::report::{Goal, Outcome, Row};
use crate::setup::Setup;
use crate::stats::rss_kib;
use crate::worker::{Job, spawn_all};
use anyhow::Context;
use serde_json::json;

/// Opens `tokens.len()` sockets to `url` in workers of `per_worker` sockets and returns the
/// memory per socket of process `pid`, in KiB, with the sockets opened.
async fn hold(
    setup: &Setup,
    url: &str,
    tokens: Vec<Option<String>>,
    per_worker: usize,
    pid: u32,
) -> anyhow::Result<(f64, usize, serde_json::Value)> {
    settle(2).await;
    let before = rss_kib(pid)?;
    let jobs = tokens
        .chunks(per_worker)
        .map(|chunk| Job {
            url: url.to_owned(),
            sources: setup.env.sources.clone(),
            tokens: chunk.to_vec(),
        })
        .collect();
    let (readies, children) = spawn_all(jobs).await?;
    let connected: usize = readies.iter().map(|r| r.connected).sum();
    if let Some(e) = readies.iter().find_map(|r| r.error.clone()) {
        anyhow::bail!("a worker could not open its sockets: {e}");
    }
    settle(5).await;
    let after = rss_kib(pid)?;
    let per_conn = (after.saturating_sub(before)) as f64 / connected.max(1) as f64;
    log(&format!(
        "  {connected} sockets: process {pid} {before} KiB -> {after} KiB, {per_conn:.1} KiB each"
    ));
    drop(children);
    settle(3).await;
    Ok((
        per_conn,
        connected,
        json!({ "rss_before_kib": before, "rss_after_kib": after, "workers": readies.len(), "connect_secs": readies.iter().map(|r| r.secs).fold(0.0, f64::max) }),
    ))
}

fn pid(var: &str) -> anyhow::Result<u32> {
    std::env::var(var)
        .with_context(|| format!("{var} is not set"))?
        .trim()
        .parse()
        .with_context(|| format!("{var} is not a pid"))
}

pub async fn run(setup: &Setup) -> anyhow::Result<Outcome> {
    let (n, per_worker) = if setup.env.smoke {
        (200, 100)
    } else {
        (19_000, 9_500)
    };
    let users = setup.users("idle", n, &Setup::cheap_hash()?).await?;
    let tokens = users.iter().map(|u| Some(u.token.clone())).collect();
    let (chat, chat_n, chat_details) = hold(
        setup,
        &setup.env.ws,
        tokens,
        per_worker,
        pid("BENCH_GATEWAY_PID")?,
    )
    .await?;
    let bare_url = setup
        .env
        .bare_ws
        .clone()
        .context("BENCH_BARE_WS_URL is not set")?;
    let (bare, bare_n, bare_details) = hold(
        setup,
        &bare_url,
        vec![None; n],
        per_worker,
        pid("BENCH_BARE_PID")?,
    )
    .await?;
    let mut out = Outcome::new("idle");
    let rate = |n: usize, d: &serde_json::Value| {
        n as f64
            / d["connect_secs"]
                .as_f64()
                .unwrap_or(f64::INFINITY)
                .max(1e-3)
    };
    out.rows.push(
        Row::new(
            "new authenticated sockets a second on one gateway",
            "/s",
            rate(chat_n, &chat_details),
        )
        .goal(Goal::AtLeast(2000.0))
        .baseline("bare relay", rate(bare_n, &bare_details)),
    );
    out.rows.push(Row::new(
        "sockets on one gateway process",
        "",
        chat_n as f64,
    ));
    out.rows.push(
        Row::new("memory per idle connection (gateway RSS)", "KiB", chat)
            .goal(Goal::AtMost(16.0))
            .baseline("bare relay", bare),
    );
    if chat_n < n || bare_n < n {
        out.problems
            .push(format!("opened {chat_n} and {bare_n} of {n} sockets"));
    }
    out.details = json!({ "sockets": n, "chat": chat_details, "bare": bare_details });
    Ok(out)
}
