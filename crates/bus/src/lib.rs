#![doc = include_str!("../README.md")]

mod consumer;
mod publisher;
pub mod relay;

pub use consumer::{ATTEMPTS_HEADER, Handled, QueueSpec, REASON_HEADER, consume};
pub use lapin::message::Delivery;
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

/// Whether a broker connection is up, for readiness probes.
#[derive(Clone, Default, Debug)]
pub struct Connected(Arc<AtomicBool>);

impl Connected {
    pub fn set(&self, up: bool) {
        self.0.store(up, Ordering::SeqCst);
    }

    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
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
