#![doc = include_str!("../README.md")]

mod consumer;
pub mod pack;
mod publisher;
pub mod relay;
pub mod revocations;

pub use consumer::{ATTEMPTS_HEADER, Handled, QueueSpec, REASON_HEADER, consume};
pub use lapin::message::Delivery;
pub use pack::{Carried, PACK_HEADER, carried};
pub use publisher::{Outgoing, Publisher};

use lapin::options::ExchangeDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("broker: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("broker refused the message (nack)")]
    Nacked,
    /// The broker did not answer in time (a connection that went silent rather than closed).
    #[error("broker did not answer within {0:?}")]
    Silent(std::time::Duration),
}

/// The header with the time an event was published, in milliseconds since the Unix epoch.
pub const PUBLISHED_AT_HEADER: &str = "x-published-at-ms";

/// The header with an outbox event's place in the sync log (`<xid>.<id>`, a sync cursor).
pub const SYNC_CURSOR_HEADER: &str = "x-sync-cursor";

/// The place in the sync log of a delivered outbox event, from its [`SYNC_CURSOR_HEADER`];
/// `None` for ephemeral events (typing, presence) and anything without one.
pub fn sync_cursor(delivery: &Delivery) -> Option<chat_db::outbox::Cursor> {
    match delivery
        .properties
        .headers()
        .as_ref()?
        .inner()
        .get(SYNC_CURSOR_HEADER)?
    {
        lapin::types::AMQPValue::LongString(raw) => {
            chat_db::outbox::Cursor::decode(std::str::from_utf8(raw.as_bytes()).ok()?)
        }
        _ => None,
    }
}

/// Whether the `failed_tries`-th failure in a row (counting from 1) of a loop that retries
/// about every second is worth a warning: the first of an outage, then one in 30. Readiness
/// and the metrics tell the rest; the others go to debug.
pub(crate) fn warn_on_try(failed_tries: u32) -> bool {
    failed_tries % 30 == 1
}

/// Whether a broker connection is up, for readiness probes, and how many times it came up:
/// a consumer whose queue is not durable misses what was published while it was away, and
/// [`Connected::connects`] lets its owner notice a reconnect and resync.
#[derive(Clone, Debug)]
pub struct Connected(Arc<ConnectedInner>);

#[derive(Debug)]
struct ConnectedInner {
    up: AtomicBool,
    connects: tokio::sync::watch::Sender<u64>,
}

impl Default for Connected {
    fn default() -> Self {
        Self(Arc::new(ConnectedInner {
            up: AtomicBool::new(false),
            connects: tokio::sync::watch::Sender::new(0),
        }))
    }
}

impl Connected {
    pub fn set(&self, up: bool) {
        self.0.up.store(up, Ordering::SeqCst);
        if up {
            self.0.connects.send_modify(|n| *n += 1);
            if *self.0.connects.borrow() > 1 {
                metrics::counter!("broker_reconnects_total").increment(1);
            }
        }
    }

    pub fn get(&self) -> bool {
        self.0.up.load(Ordering::SeqCst)
    }

    /// The number of times the connection came up, watched: 1 after the first connect, more
    /// after each reconnect.
    pub fn connects(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.connects.subscribe()
    }

    /// How many times the connection came up so far.
    pub fn connects_so_far(&self) -> u64 {
        *self.0.connects.borrow()
    }

    /// The readiness check of a consumer: ok while it consumes.
    pub fn check(&self) -> Result<(), String> {
        if self.get() {
            Ok(())
        } else {
            Err("not consuming events".to_owned())
        }
    }
}

pub(crate) async fn connect(url: &str) -> Result<Connection, lapin::Error> {
    Connection::connect(url, ConnectionProperties::default()).await
}

/// Declares the durable topic exchange that carries every domain event.
pub(crate) async fn declare_exchange(
    channel: &Channel,
    exchange: &str,
) -> Result<(), lapin::Error> {
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
