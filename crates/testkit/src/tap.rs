use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties, Consumer, ExchangeKind};
use serde_json::Value;
use std::time::Duration;

/// The header of a pack of events (`chat_bus::PACK_HEADER`, which this crate cannot name).
pub const PACK_HEADER: &str = "x-pack-events";
const SYNC_CURSOR_HEADER: &str = "x-sync-cursor";

/// Listens on a test exchange, like a consumer would, to see which events were published.
pub struct EventTap {
    _conn: Connection,
    consumer: Consumer,
    /// The rest of a pack taken.
    unpacked: std::collections::VecDeque<Taken>,
    /// Broker messages taken so far (a pack counts once).
    messages: usize,
}

impl EventTap {
    pub async fn new(exchange: &str, binding: &str) -> Self {
        let conn = Connection::connect(&crate::amqp_url(), ConnectionProperties::default())
            .await
            .expect("connect to RabbitMQ");
        let ch = conn.create_channel().await.expect("channel");
        ch.exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("declare exchange");
        let q = ch
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("declare queue");
        ch.queue_bind(
            q.name().clone(),
            exchange.into(),
            binding.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("bind");
        let consumer = ch
            .basic_consume(
                q.name().clone(),
                "tap".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("consume");
        Self {
            _conn: conn,
            consumer,
            unpacked: std::collections::VecDeque::new(),
            messages: 0,
        }
    }

    /// The next event, or `None` if none arrives within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Value> {
        let taken = self.next_taken(timeout).await?;
        Some(serde_json::from_slice(&taken.body).expect("event is JSON"))
    }

    /// Broker messages taken so far: a pack of events counts once.
    pub fn messages(&self) -> usize {
        self.messages
    }

    /// The next event with its headers, or `None` if none arrives within `timeout`. The
    /// events of a pack (see `chat_bus::pack`) come one by one, each with the pack's headers
    /// but its own `x-sync-cursor`.
    pub async fn next_taken(&mut self, timeout: Duration) -> Option<Taken> {
        if let Some(next) = self.unpacked.pop_front() {
            return Some(next);
        }
        let delivery = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .ok()??
            .ok()?;
        self.messages += 1;
        let taken = Taken::from(delivery);
        if !taken.headers.contains_key(PACK_HEADER) {
            return Some(taken);
        }
        let items: Vec<Value> =
            serde_json::from_slice(&taken.body).expect("a pack is a JSON array");
        for item in items {
            let mut headers = taken.headers.clone();
            match item["cursor"].as_str() {
                Some(cursor) => headers.insert(SYNC_CURSOR_HEADER.to_owned(), cursor.to_owned()),
                None => headers.remove(SYNC_CURSOR_HEADER),
            };
            self.unpacked.push_back(Taken {
                body: serde_json::to_vec(&item["event"]).expect("JSON"),
                headers,
                delivery_mode: taken.delivery_mode,
            });
        }
        self.unpacked.pop_front()
    }
}

async fn channel() -> (Connection, lapin::Channel) {
    let conn = Connection::connect(&crate::amqp_url(), ConnectionProperties::default())
        .await
        .expect("connect to RabbitMQ");
    let ch = conn.create_channel().await.expect("channel");
    (conn, ch)
}

/// Publishes `body` to `exchange` as the relay does (persistent, confirmed): a redelivery, or a
/// poison message no service would publish.
pub async fn publish_raw(exchange: &str, routing_key: &str, body: &[u8]) {
    let properties = BasicProperties::default().with_delivery_mode(2);
    publish_with(exchange, routing_key, body, properties).await;
}

/// Publishes `events` to `exchange` as one pack (persistent, confirmed), as the relay sends a
/// run of events of one routing key; with no sync cursors.
pub async fn publish_pack(exchange: &str, routing_key: &str, events: &[Value]) {
    let items: Vec<Value> = events
        .iter()
        .map(|event| serde_json::json!({"cursor": null, "event": event}))
        .collect();
    let mut headers = FieldTable::default();
    headers.insert(
        PACK_HEADER.into(),
        AMQPValue::LongUInt(u32::try_from(events.len()).expect("a small pack")),
    );
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_headers(headers);
    publish_with(
        exchange,
        routing_key,
        &serde_json::to_vec(&items).expect("JSON"),
        properties,
    )
    .await;
}

/// Publishes `body` with `properties`, confirmed.
async fn publish_with(exchange: &str, routing_key: &str, body: &[u8], properties: BasicProperties) {
    let (_conn, ch) = channel().await;
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    let confirm = ch
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await
        .expect("publish")
        .await
        .expect("confirm");
    assert!(confirm.is_ack(), "the broker refused the message");
}

/// A message taken from a queue.
#[derive(Debug)]
pub struct Taken {
    pub body: Vec<u8>,
    /// Headers whose values are strings or integers, as text.
    pub headers: std::collections::BTreeMap<String, String>,
    /// 2 for a persistent message.
    pub delivery_mode: Option<u8>,
}

/// Takes one message from `queue` (acknowledging it), waiting up to `timeout` for one.
pub async fn take_from(queue: &str, timeout: Duration) -> Option<Taken> {
    let (_conn, ch) = channel().await;
    let message = crate::eventually(timeout, async || {
        ch.basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .ok()
            .flatten()
    })
    .await?;
    Some(Taken::from(message.delivery))
}

impl From<lapin::message::Delivery> for Taken {
    fn from(delivery: lapin::message::Delivery) -> Self {
        let headers = delivery
            .properties
            .headers()
            .as_ref()
            .map(|h| {
                h.inner()
                    .iter()
                    .map(|(k, v)| {
                        let text = match v {
                            AMQPValue::LongString(s) => s.to_string(),
                            AMQPValue::ShortString(s) => s.to_string(),
                            AMQPValue::LongUInt(n) => n.to_string(),
                            AMQPValue::LongInt(n) => n.to_string(),
                            AMQPValue::LongLongInt(n) => n.to_string(),
                            other => format!("{other:?}"),
                        };
                        (k.to_string(), text)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            delivery_mode: *delivery.properties.delivery_mode(),
            body: delivery.data,
            headers,
        }
    }
}
