//! Structured logs with `tracing`: text for people, JSON for machines (`LOG_FORMAT=json`).
//!
//! Client errors are logged at warn, never error: actix's HTTP layer logs a request it cannot
//! parse (a malformed or oversized head, a slow client) at error, so those events are logged
//! again at warn by [`ClientErrorsAtWarn`] and the originals left out.

use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{EnvFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Where actix's HTTP/1 layer logs what a client sent wrong.
const DISPATCHER: &str = "actix_http::h1::dispatcher";

fn is_client_error_at_error(meta: &Metadata<'_>) -> bool {
    *meta.level() == Level::ERROR && meta.target() == DISPATCHER
}

/// Logs each of actix's parse-error events again, at warn, as the fmt layer would (one JSON
/// object or one line of text). Written here, not re-emitted: tracing drops an event emitted
/// while another is being dispatched.
struct ClientErrorsAtWarn<W> {
    json: bool,
    writer: W,
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S, W> Layer<S> for ClientErrorsAtWarn<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !is_client_error_at_error(event.metadata()) {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let line = if self.json {
            let mut line = serde_json::json!({
                "timestamp": timestamp,
                "level": "WARN",
                "message": format!("client error: {}", message.0),
                "target": DISPATCHER,
            })
            .to_string();
            line.push('\n');
            line
        } else {
            format!(
                "{timestamp}  WARN {DISPATCHER}: client error: {}\n",
                message.0
            )
        };
        let _best_effort =
            std::io::Write::write_all(&mut self.writer.make_writer(), line.as_bytes());
    }
}

/// The subscriber the services log with, writing to `writer`.
pub fn subscriber<W>(json: bool, filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Clone + Send + Sync + 'static,
{
    let again = ClientErrorsAtWarn {
        json,
        writer: writer.clone(),
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_target(true)
        .with_writer(writer);
    let fmt = if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed()
    } else {
        fmt.boxed()
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(again)
        .with(fmt.with_filter(filter_fn(|meta| !is_client_error_at_error(meta))))
}

/// Logs kept in memory: for tests that check what is (and is not) logged, with
/// [`subscriber`] and `tracing::subscriber::set_default`.
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'w self) -> CapturedLogs {
        self.clone()
    }
}

/// A JSON subscriber filtered by `directives` (as `RUST_LOG`) that writes to memory, and what
/// it wrote.
pub fn captured(directives: &str) -> (impl Subscriber + Send + Sync, CapturedLogs) {
    let logs = CapturedLogs::default();
    (
        subscriber(true, EnvFilter::new(directives), logs.clone()),
        logs,
    )
}

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _already_set =
        subscriber(json, filter, std::io::stdout as fn() -> std::io::Stdout).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_actix_cannot_parse_is_logged_at_warn_and_real_errors_stay_errors() {
        let buffer = CapturedLogs::default();
        let logs = subscriber(true, EnvFilter::new("info"), buffer.clone());
        tracing::subscriber::with_default(logs, || {
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: request parse error: invalid Header provided");
            tracing::error!(target: "chat_rooms", "the database is gone");
        });
        let out = buffer.text();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["target"], DISPATCHER);
        assert!(
            lines[0]["message"]
                .as_str()
                .unwrap()
                .contains("invalid Header provided"),
            "{out}"
        );
        assert_eq!(lines[1]["level"], "ERROR");
        assert_eq!(lines[1]["target"], "chat_rooms");
    }
}
