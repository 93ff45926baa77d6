#![doc = include_str!("../README.md")]

mod bare;
mod chaos;
mod client;
mod report;
mod scenarios;
mod setup;
mod stats;
mod worker;

use anyhow::{Context, bail};
use std::net::IpAddr;

/// What every command reads from the environment (scripts/bench sets it).
#[derive(Clone, Debug)]
pub struct Env {
    /// The stack's public HTTP base, through nginx: `http://127.0.0.1:8080`.
    pub http: String,
    /// Its WebSocket endpoint: `ws://127.0.0.1:8080/ws`.
    pub ws: String,
    /// The bare broadcast server's endpoint through the same nginx.
    pub bare_ws: Option<String>,
    /// The stack's database, for bulk seeding.
    pub database_url: String,
    /// The directory with the stack's JWT key pair (`jwt-private.pem`, `jwt-public.pem`).
    pub keys_dir: String,
    /// Local addresses sockets are opened from, in turn (each gives about 28,000 ports).
    pub sources: Vec<IpAddr>,
    /// Small sizes: the whole run takes well under a minute.
    pub smoke: bool,
    /// The bcrypt cost the stack hashes with (`AUTH_BCRYPT_COST`).
    pub bcrypt_cost: u32,
}

impl Env {
    fn load() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is not set"));
        let http = var("BENCH_URL")?.trim_end_matches('/').to_owned();
        let ws = std::env::var("BENCH_WS_URL")
            .unwrap_or_else(|_| format!("{}/ws", http.replacen("http", "ws", 1)));
        let sources = std::env::var("BENCH_SOURCES")
            .unwrap_or_else(|_| "127.0.0.1".to_owned())
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse()
                    .with_context(|| format!("BENCH_SOURCES: {s}"))
            })
            .collect::<anyhow::Result<Vec<IpAddr>>>()?;
        if sources.is_empty() {
            bail!("BENCH_SOURCES names no address");
        }
        Ok(Self {
            bare_ws: std::env::var("BENCH_BARE_WS_URL")
                .ok()
                .filter(|s| !s.is_empty()),
            database_url: var("DATABASE_URL")?,
            keys_dir: var("BENCH_KEYS_DIR")?,
            smoke: std::env::var("BENCH_SMOKE").is_ok_and(|v| v == "1"),
            bcrypt_cost: std::env::var("AUTH_BCRYPT_COST")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(12),
            http,
            ws,
            sources,
        })
    }
}

const USAGE: &str = "usage:
  chat-loadgen run <scenario>... [--out FILE]   scenarios: direct bigroom history logins idle storm
  chat-loadgen report FILE... [--json OUT]      merge result files, print the table
  chat-loadgen chaos [--out FILE]               the fault harness's clients (scripts/chaos;
                                                CHAOS_FAULTS, CHAOS_INJECT, CHAOS_* sizes)
  chat-loadgen bare-server ADDR                 the bare WebSocket broadcast server (baseline)
  chat-loadgen worker                           (internal) a socket-holding child process
environment: BENCH_URL, DATABASE_URL, BENCH_KEYS_DIR, BENCH_BARE_WS_URL, BENCH_SOURCES,
  BENCH_SMOKE=1, AUTH_BCRYPT_COST, BENCH_GATEWAY_PID, BENCH_BARE_PID, BENCH_KILL_PID";

fn main() -> std::process::ExitCode {
    match command() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat-loadgen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn command() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bare-server") => {
            let addr = args.get(1).context(USAGE)?;
            bare::serve(addr)
        }
        Some("worker") => runtime()?.block_on(worker::main()),
        Some("report") => {
            let (files, out) = split_out(&args[1..], "--json")?;
            let merged = report::merge(&files)?;
            report::finish(&merged, out.as_deref())
        }
        Some("chaos") => {
            let (_, out) = split_out(&args[1..], "--out")?;
            let env = Env::load()?;
            if runtime()?.block_on(chaos::run(&env, out.as_deref()))? {
                Ok(())
            } else {
                bail!("the fault harness found problems (above)")
            }
        }
        Some("run") => {
            let (names, out) = split_out(&args[1..], "--out")?;
            if names.is_empty() {
                bail!("{USAGE}");
            }
            let env = Env::load()?;
            let results = runtime()?.block_on(scenarios::run(&env, &names))?;
            let doc = report::document(&env, &results);
            report::finish(&doc, out.as_deref())
        }
        _ => bail!("{USAGE}"),
    }
}

/// The arguments without `flag FILE`, and FILE.
fn split_out(args: &[String], flag: &str) -> anyhow::Result<(Vec<String>, Option<String>)> {
    let mut rest = Vec::new();
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == flag {
            out = Some(
                it.next()
                    .with_context(|| format!("{flag} needs a file"))?
                    .clone(),
            );
        } else {
            rest.push(a.clone());
        }
    }
    Ok((rest, out))
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
