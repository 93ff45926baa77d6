//! Latency histograms and the clock every process shares.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch: the one clock all loadgen processes on this machine share,
/// so a send time written into a message body can be read by another process.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

/// A histogram of microseconds, 1 µs to 10 min at 3 significant figures.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// Percentiles of one histogram, in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |v: u64| v as f64 / 1000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// What the clients of one process saw during the current phase. A message's body carries its
/// phase and its intended send time (open loop: the time it was due, not when it went out, so
/// a stalled sender cannot hide latency); receipts from an earlier phase are not counted.
pub struct Recorder {
    phase: AtomicU32,
    latency: Mutex<Histogram<u64>>,
    /// From a message's due time to its sender's `ack` (stored and committed), so a step's
    /// latency splits into storing and relaying.
    ack_latency: Mutex<Histogram<u64>>,
    pub delivered: AtomicU64,
    pub acked: AtomicU64,
    pub errors: AtomicU64,
    pub closed: AtomicU64,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            phase: AtomicU32::new(0),
            latency: Mutex::new(histogram()),
            ack_latency: Mutex::new(histogram()),
            delivered: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            closed: AtomicU64::new(0),
        }
    }
}

impl Recorder {
    /// Starts a new phase: counters and histogram start from zero.
    pub fn start_phase(&self) -> u32 {
        let phase = self.phase.fetch_add(1, Ordering::SeqCst) + 1;
        self.latency.lock().expect("histogram lock").reset();
        self.ack_latency.lock().expect("histogram lock").reset();
        self.delivered.store(0, Ordering::SeqCst);
        self.acked.store(0, Ordering::SeqCst);
        self.errors.store(0, Ordering::SeqCst);
        phase
    }

    pub fn phase(&self) -> u32 {
        self.phase.load(Ordering::SeqCst)
    }

    /// A message body as the senders write it.
    pub fn body(phase: u32, due_ns: u64) -> String {
        format!("bench {phase} {due_ns}")
    }

    /// Records the receipt of a message with this body, if it belongs to the current phase.
    pub fn received(&self, body: &str, now: u64) {
        if let Some(micros) = self.since_due(body, now) {
            self.delivered.fetch_add(1, Ordering::Relaxed);
            let _ = self.latency.lock().expect("histogram lock").record(micros);
        }
    }

    /// Records the `ack` of a message with this body (counted whatever its phase; timed if it
    /// belongs to the current one).
    pub fn acked(&self, body: &str, now: u64) {
        self.acked.fetch_add(1, Ordering::Relaxed);
        if let Some(micros) = self.since_due(body, now) {
            let _ = self
                .ack_latency
                .lock()
                .expect("histogram lock")
                .record(micros);
        }
    }

    /// Microseconds from the due time in a body of the current phase to `now`.
    fn since_due(&self, body: &str, now: u64) -> Option<u64> {
        let mut parts = body.split(' ');
        let (Some("bench"), Some(phase), Some(due)) = (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let (Ok(phase), Ok(due)) = (phase.parse::<u32>(), due.parse::<u64>()) else {
            return None;
        };
        (phase == self.phase()).then(|| (now.saturating_sub(due) / 1000).clamp(1, 600_000_000))
    }

    pub fn latency(&self) -> Latency {
        Latency::of(&self.latency.lock().expect("histogram lock"))
    }

    pub fn ack_latency(&self) -> Latency {
        Latency::of(&self.ack_latency.lock().expect("histogram lock"))
    }
}

/// The resident memory of a process, in KiB, from /proc.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS for process {pid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_phase_is_recorded() {
        let r = Recorder::default();
        let p = r.start_phase();
        r.received(&Recorder::body(p, 1_000_000), 3_000_000);
        r.received(&Recorder::body(p + 7, 1_000_000), 3_000_000);
        r.received("hello", 3_000_000);
        assert_eq!(r.delivered.load(Ordering::SeqCst), 1);
        let l = r.latency();
        assert_eq!(l.count, 1);
        assert!((l.p50_ms - 2.0).abs() < 0.01, "{l:?}");
        r.start_phase();
        assert_eq!(r.latency().count, 0);
    }

    #[test]
    fn acks_are_counted_always_and_timed_apart_from_deliveries() {
        let r = Recorder::default();
        let p = r.start_phase();
        r.acked(&Recorder::body(p, 1_000_000), 4_000_000);
        r.acked(&Recorder::body(p + 1, 1_000_000), 4_000_000);
        assert_eq!(r.acked.load(Ordering::SeqCst), 2);
        let a = r.ack_latency();
        assert_eq!(a.count, 1);
        assert!((a.p50_ms - 3.0).abs() < 0.01, "{a:?}");
        assert_eq!(r.latency().count, 0, "an ack is not a delivery");
        r.start_phase();
        assert_eq!(r.ack_latency().count, 0);
    }
}
