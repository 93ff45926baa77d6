//! A child process that opens and holds sockets, so one run can hold more than the 20,000
//! files a process may open. It reads its job as one JSON line on stdin, prints one JSON line
//! when every socket is open, and exits when stdin closes.

use crate::client::{self, Frame, Sink};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
pub struct Job {
    pub url: String,
    pub sources: Vec<IpAddr>,
    pub tokens: Vec<Option<String>>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Ready {
    pub connected: usize,
    pub error: Option<String>,
    /// Sockets per gateway instance (from `hello`).
    pub instances: BTreeMap<String, usize>,
    pub secs: f64,
}

/// Holds sockets; counts those that close.
struct Hold {
    closed: AtomicU64,
}

impl Sink for Hold {
    fn frame(&self, _conn: usize, _frame: &Frame<'_>) {}
    fn closed(&self, _conn: usize) {
        self.closed.fetch_add(1, Ordering::Relaxed);
    }
}

pub async fn main() -> anyhow::Result<()> {
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let line = stdin.next_line().await?.unwrap_or_default();
    let job: Job = serde_json::from_str(&line)?;
    let started = std::time::Instant::now();
    let sink = Arc::new(Hold {
        closed: AtomicU64::new(0),
    });
    let mut ready = Ready::default();
    let mut handles = Vec::new();
    match client::connect_all(&job.url, &job.sources, &job.tokens, 64).await {
        Ok(sockets) => {
            for (i, (ws, hello)) in sockets.into_iter().enumerate() {
                let instance = hello
                    .instance_id
                    .map(|u: Uuid| u.to_string())
                    .unwrap_or_default();
                *ready.instances.entry(instance).or_default() += 1;
                handles.push(client::spawn(i, ws, sink.clone()));
            }
            ready.connected = handles.len();
        }
        Err(e) => ready.error = Some(format!("{e:#}")),
    }
    ready.secs = started.elapsed().as_secs_f64();
    let mut out = tokio::io::stdout();
    out.write_all(format!("{}\n", serde_json::to_string(&ready)?).as_bytes())
        .await?;
    out.flush().await?;
    // Hold until the parent closes stdin (or says anything).
    let _ = stdin.next_line().await;
    drop(handles);
    Ok(())
}

/// Runs `jobs` in child processes; returns what each reported once its sockets were open, and
/// the children (dropping one closes its stdin, and it exits).
pub async fn spawn_all(jobs: Vec<Job>) -> anyhow::Result<(Vec<Ready>, Vec<tokio::process::Child>)> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for job in &jobs {
        let mut child = tokio::process::Command::new(&exe)
            .arg("worker")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
        stdin
            .write_all(format!("{}\n", serde_json::to_string(job)?).as_bytes())
            .await?;
        stdin.flush().await?;
        child.stdin = Some(stdin);
        children.push(child);
    }
    let mut readies = Vec::new();
    for child in &mut children {
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let line = BufReader::new(stdout)
            .lines()
            .next_line()
            .await?
            .unwrap_or_default();
        readies.push(
            serde_json::from_str(&line)
                .map_err(|e| anyhow::anyhow!("worker said {line:?}: {e}"))?,
        );
    }
    Ok((readies, children))
}
