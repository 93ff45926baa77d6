use crate::{Connected, connect, declare_exchange};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection};
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The queue a consumer reads.
#[derive(Debug, Clone)]
pub enum QueueSpec {
    /// A server-named, exclusive, auto-delete queue: one per gateway instance. Deliveries are
    /// not acknowledged (lost frames are recovered by the client's resync).
    Exclusive { bindings: Vec<String> },
    /// A durable queue shared by all instances of a service, with manual acks, bounded
    /// prefetch and a dead-letter queue `<name>.dead`.
    Durable {
        name: String,
        bindings: Vec<String>,
        prefetch: u16,
    },
}

/// What the handler decided about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Ack,
    /// Put it back to try again later (a dependency failed).
    Retry,
    /// It can never succeed: send it to the dead-letter queue.
    DeadLetter(String),
}

async fn declare(
    conn: &Connection,
    exchange: &str,
    spec: &QueueSpec,
) -> Result<(Channel, String, bool), lapin::Error> {
    let channel = conn.create_channel().await?;
    declare_exchange(&channel, exchange).await?;
    let (queue, bindings, manual_ack) = match spec {
        QueueSpec::Exclusive { bindings } => {
            let q = channel
                .queue_declare(
                    "".into(),
                    QueueDeclareOptions {
                        exclusive: true,
                        auto_delete: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await?;
            (q.name().as_str().to_owned(), bindings, false)
        }
        QueueSpec::Durable {
            name,
            bindings,
            prefetch,
        } => {
            let dead = format!("{name}.dead");
            channel
                .queue_declare(
                    dead.as_str().into(),
                    QueueDeclareOptions {
                        durable: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await?;
            let mut args = FieldTable::default();
            // Rejected deliveries go through the default exchange straight to `<name>.dead`.
            args.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString("".into()),
            );
            args.insert(
                "x-dead-letter-routing-key".into(),
                AMQPValue::LongString(dead.as_str().into()),
            );
            channel
                .queue_declare(
                    name.as_str().into(),
                    QueueDeclareOptions {
                        durable: true,
                        ..QueueDeclareOptions::default()
                    },
                    args,
                )
                .await?;
            channel
                .basic_qos(*prefetch, BasicQosOptions::default())
                .await?;
            (name.clone(), bindings, true)
        }
    };
    for key in bindings {
        channel
            .queue_bind(
                queue.as_str().into(),
                exchange.into(),
                key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok((channel, queue, manual_ack))
}

/// Consumes until cancelled, reconnecting with backoff whenever the broker goes away.
/// `ready` is set once the queue is bound (and cleared while disconnected).
pub async fn consume<F, Fut>(
    url: String,
    exchange: String,
    spec: QueueSpec,
    ready: Connected,
    cancel: CancellationToken,
    handler: F,
) where
    F: Fn(Delivery) -> Fut,
    Fut: Future<Output = Handled>,
{
    let mut backoff = Duration::from_millis(200);
    while !cancel.is_cancelled() {
        match run_once(&url, &exchange, &spec, &ready, &cancel, &handler).await {
            Ok(()) => return,
            Err(e) => {
                ready.set(false);
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "consumer lost the broker");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = cancel.cancelled() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn run_once<F, Fut>(
    url: &str,
    exchange: &str,
    spec: &QueueSpec,
    ready: &Connected,
    cancel: &CancellationToken,
    handler: &F,
) -> Result<(), String>
where
    F: Fn(Delivery) -> Fut,
    Fut: Future<Output = Handled>,
{
    let conn = connect(url).await.map_err(|e| e.to_string())?;
    let (channel, queue, manual_ack) = declare(&conn, exchange, spec)
        .await
        .map_err(|e| e.to_string())?;
    let tag = format!("chat-{}", uuid::Uuid::new_v4());
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            tag.as_str().into(),
            BasicConsumeOptions {
                no_ack: !manual_ack,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    ready.set(true);
    tracing::info!(queue = %queue, "consuming");
    loop {
        let next = tokio::select! {
            next = consumer.next() => next,
            _ = cancel.cancelled() => {
                let _ = channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()).await;
                let _ = conn.close(200, "shutdown".into()).await;
                ready.set(false);
                return Ok(());
            }
        };
        let delivery = match next {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("the consumer was cancelled by the broker".to_owned()),
        };
        let acker = delivery.acker.clone();
        let outcome = handler(delivery).await;
        if !manual_ack {
            continue;
        }
        let settled = match outcome {
            Handled::Ack => acker.ack(BasicAckOptions::default()).await,
            Handled::Retry => {
                // Give the failing dependency a moment before the message comes back.
                tokio::time::sleep(Duration::from_millis(500)).await;
                acker
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    })
                    .await
            }
            Handled::DeadLetter(reason) => {
                tracing::error!(reason = %reason, "dead-lettering a message");
                acker
                    .nack(BasicNackOptions {
                        requeue: false,
                        ..BasicNackOptions::default()
                    })
                    .await
            }
        };
        settled.map_err(|e| e.to_string())?;
    }
}
