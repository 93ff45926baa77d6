use crate::{BusError, Connected, connect, declare_exchange};
use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// The longest a connect, one publish or one confirm may wait on the broker.
pub(crate) const BROKER_ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// `step`, or `BusError::Silent` when the broker has not answered it in time.
pub(crate) async fn within<T>(step: impl std::future::Future<Output = T>) -> Result<T, BusError> {
    tokio::time::timeout(BROKER_ANSWER_WITHIN, step)
        .await
        .map_err(|_| BusError::Silent(BROKER_ANSWER_WITHIN))
}

/// One message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub routing_key: String,
    pub message_id: String,
    pub request_id: Option<String>,
    /// The W3C `traceparent` of the hop that caused it, sent as the `traceparent` header.
    pub traceparent: Option<String>,
    /// Its place in the sync log (`<xid>.<id>`), sent as the [`crate::SYNC_CURSOR_HEADER`]
    /// header, for events from the outbox.
    pub sync_cursor: Option<String>,
    /// For a pack of events (see [`crate::pack`]): how many it carries, sent as the
    /// [`crate::PACK_HEADER`] header. `None` for a single event.
    pub pack: Option<u32>,
    pub body: Vec<u8>,
}

/// Publishes persistent messages with confirms on a channel it (re)opens on demand.
pub struct Publisher {
    url: String,
    exchange: String,
    link: Mutex<Option<(Connection, Channel)>>,
    connected: Connected,
    unroutable: AtomicU64,
}

impl Publisher {
    pub fn new(url: &str, exchange: &str) -> Self {
        Self {
            url: url.to_owned(),
            exchange: exchange.to_owned(),
            link: Mutex::new(None),
            connected: Connected::default(),
            unroutable: AtomicU64::new(0),
        }
    }

    pub fn exchange(&self) -> &str {
        &self.exchange
    }

    /// Confirmed messages the broker could route to no queue, since start.
    pub fn unroutable(&self) -> u64 {
        self.unroutable.load(Ordering::Relaxed)
    }

    /// Whether the last attempt to talk to the broker worked.
    pub fn connected(&self) -> Connected {
        self.connected.clone()
    }

    async fn open(&self) -> Result<(Connection, Channel), lapin::Error> {
        let conn = connect(&self.url).await?;
        let channel = conn.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        declare_exchange(&channel, &self.exchange).await?;
        Ok((conn, channel))
    }

    /// Publishes all messages and waits until the broker confirmed every one. On any failure
    /// the channel is dropped, so the next call reconnects; the caller retries the batch.
    pub async fn publish_all(&self, batch: &[Outgoing]) -> Result<(), BusError> {
        self.publish(batch, true).await
    }

    /// Publishes without waiting for the broker's confirms: for ephemeral notices (typing,
    /// presence) whose loss costs nothing, so a burst of them never queues behind confirms.
    pub async fn publish_unconfirmed(&self, batch: &[Outgoing]) -> Result<(), BusError> {
        self.publish(batch, false).await
    }

    async fn publish(&self, batch: &[Outgoing], confirmed: bool) -> Result<(), BusError> {
        let mut link = self.link.lock().await;
        let channel = self.ensure(&mut link).await?;
        let result = self.publish_on(&channel, batch, confirmed).await;
        if result.is_err() {
            *link = None;
            self.connected.set(false);
        }
        result
    }

    /// Connects now if not connected, so readiness reflects the broker before the first event.
    pub async fn ensure_connected(&self) -> Result<(), BusError> {
        let mut link = self.link.lock().await;
        self.ensure(&mut link).await.map(|_| ())
    }

    async fn ensure(&self, link: &mut Option<(Connection, Channel)>) -> Result<Channel, BusError> {
        if let Some((conn, ch)) = link.as_ref()
            && conn.status().connected()
            && ch.status().connected()
        {
            return Ok(ch.clone());
        }
        *link = None;
        let opened = match tokio::time::timeout(BROKER_ANSWER_WITHIN, self.open()).await {
            Ok(opened) => opened.map_err(BusError::from),
            Err(_) => Err(BusError::Silent(BROKER_ANSWER_WITHIN)),
        };
        self.connected.set(opened.is_ok());
        let (conn, channel) = opened?;
        *link = Some((conn, channel.clone()));
        Ok(channel)
    }

    async fn publish_on(
        &self,
        channel: &Channel,
        batch: &[Outgoing],
        confirmed: bool,
    ) -> Result<(), BusError> {
        // A connection that goes silent (a partition, a proxy that stops forwarding) never
        // fails on its own: each step waits at most BROKER_ANSWER_WITHIN, so a silent broker
        // fails the batch while a slow one (flow control, a large batch) still makes progress.
        let mut confirms = Vec::with_capacity(batch.len());
        for msg in batch {
            let confirm = within(self.send_one(channel, msg, confirmed)).await??;
            if confirmed {
                confirms.push((msg, confirm));
            }
        }
        for (msg, confirm) in confirms {
            match within(confirm).await?? {
                Confirmation::Ack(None) | Confirmation::NotRequested => {}
                // Published `mandatory`: the broker hands back what no queue is bound for
                // instead of dropping it unseen. Nothing retried would route either (the
                // bindings are the consumers'), and the sync log keeps the event, so it counts
                // as published; but it is told: every routing key has a consumer when the
                // platform runs (the gateways take `room.#`, the notifier new messages).
                Confirmation::Ack(Some(_returned)) => {
                    self.unroutable.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        routing_key = %msg.routing_key,
                        event.id = %msg.message_id,
                        exchange = %self.exchange,
                        "no queue is bound for this event: the broker returned it (no gateway or consumer running?)"
                    );
                }
                Confirmation::Nack(_) => return Err(BusError::Nacked),
            }
        }
        Ok(())
    }

    /// Sends one persistent message (`mandatory` when its confirm is awaited, so an unroutable
    /// one comes back); the returned future resolves with the broker's confirm.
    async fn send_one(
        &self,
        channel: &Channel,
        msg: &Outgoing,
        mandatory: bool,
    ) -> Result<lapin::PublisherConfirm, BusError> {
        let mut headers = FieldTable::default();
        // For consumers' lag (`events_consumer_lag_seconds`).
        headers.insert(
            crate::PUBLISHED_AT_HEADER.into(),
            AMQPValue::LongLongInt(crate::now_ms()),
        );
        if let Some(tp) = &msg.traceparent {
            headers.insert(
                chat_domain::trace::HEADER.into(),
                AMQPValue::LongString(tp.as_str().into()),
            );
        }
        if let Some(cursor) = &msg.sync_cursor {
            headers.insert(
                crate::SYNC_CURSOR_HEADER.into(),
                AMQPValue::LongString(cursor.as_str().into()),
            );
        }
        if let Some(events) = msg.pack {
            headers.insert(crate::PACK_HEADER.into(), AMQPValue::LongUInt(events));
        }
        if let Some(rid) = &msg.request_id {
            headers.insert(
                "x-request-id".into(),
                AMQPValue::LongString(rid.as_str().into()),
            );
        }
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type(ShortString::from("application/json"))
            .with_message_id(ShortString::from(msg.message_id.as_str()))
            .with_headers(headers);
        Ok(channel
            .basic_publish(
                self.exchange.as_str().into(),
                msg.routing_key.as_str().into(),
                BasicPublishOptions {
                    mandatory,
                    ..BasicPublishOptions::default()
                },
                &msg.body,
                props,
            )
            .await?)
    }
}
