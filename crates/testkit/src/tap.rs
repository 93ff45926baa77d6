use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties, Consumer, ExchangeKind};
use serde_json::Value;
use std::time::Duration;

/// Listens on a test exchange, like a consumer would, to see which events were published.
pub struct EventTap {
    _conn: Connection,
    consumer: Consumer,
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
        }
    }

    /// The next event, or `None` if none arrives within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Value> {
        let taken = self.next_taken(timeout).await?;
        Some(serde_json::from_slice(&taken.body).expect("event is JSON"))
    }

    /// The next message with its headers, or `None` if none arrives within `timeout`.
    pub async fn next_taken(&mut self, timeout: Duration) -> Option<Taken> {
        let delivery = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .ok()??
            .ok()?;
        Some(Taken::from(delivery))
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
            BasicProperties::default().with_delivery_mode(2),
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
