use crate::publisher::within;
use crate::{Connected, connect, declare_exchange};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, QueueBindOptions,
    QueueDeclareOptions,
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
        /// Deliveries of a message that end in [`Handled::Failed`] before it is dead-lettered.
        max_attempts: u32,
        /// A quorum queue (replicated on a majority of a RabbitMQ cluster's nodes, so it
        /// survives losing one) instead of a classic one, for it and its dead-letter queue.
        /// A queue keeps the type it was first declared with: switching means a new name.
        quorum: bool,
    },
}

/// The header counting failed attempts on a requeued copy.
pub const ATTEMPTS_HEADER: &str = "x-attempts";
/// The header of a dead-lettered message that says why.
pub const REASON_HEADER: &str = "x-dead-reason";

/// What the handler decided about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Ack,
    /// A dependency is down: put it back after a pause, without counting an attempt (an
    /// outage must not send good messages to the dead-letter queue).
    Retry,
    /// Handling this message failed: try again, up to the queue's `max_attempts`, then
    /// dead-letter it with this reason.
    Failed(String),
    /// It can never succeed: send it to the dead-letter queue with this reason.
    DeadLetter(String),
}

/// Where a durable queue's deliveries are settled.
struct Settle {
    queue: String,
    dead: String,
    max_attempts: u32,
    /// Deliveries handled at once (the prefetch).
    concurrency: usize,
}

async fn declare(
    conn: &Connection,
    exchange: &str,
    spec: &QueueSpec,
) -> Result<(Channel, String, Option<Settle>), lapin::Error> {
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
            (q.name().as_str().to_owned(), bindings, None)
        }
        QueueSpec::Durable {
            name,
            bindings,
            prefetch,
            max_attempts,
            quorum,
        } => {
            let dead = format!("{name}.dead");
            let mut typed = FieldTable::default();
            if *quorum {
                typed.insert(
                    "x-queue-type".into(),
                    AMQPValue::LongString("quorum".into()),
                );
            }
            channel
                .queue_declare(
                    dead.as_str().into(),
                    QueueDeclareOptions {
                        durable: true,
                        ..QueueDeclareOptions::default()
                    },
                    typed.clone(),
                )
                .await?;
            let mut args = typed;
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
            // Requeued and dead-lettered copies are published before the original is acked.
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            let settle = Settle {
                queue: name.clone(),
                dead,
                max_attempts: *max_attempts,
                concurrency: usize::from((*prefetch).max(1)),
            };
            (name.clone(), bindings, Some(settle))
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
    let mut backoff = RECONNECT_FIRST;
    let mut failed_tries = 0u32;
    while !cancel.is_cancelled() {
        let connects = ready.connects_so_far();
        match run_once(&url, &exchange, &spec, &ready, &cancel, &handler).await {
            Ok(()) => return,
            Err(e) => {
                ready.set(false);
                if ready.connects_so_far() != connects {
                    // It was connected: this is a new outage, not the same one going on.
                    backoff = RECONNECT_FIRST;
                    failed_tries = 0;
                }
                failed_tries += 1;
                if crate::warn_on_try(failed_tries) {
                    tracing::warn!(error = %e, failed_tries, retry_in_ms = backoff.as_millis() as u64, "consumer lost the broker");
                } else {
                    tracing::debug!(error = %e, failed_tries, "the broker is still away");
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(jittered(backoff)) => {}
            _ = cancel.cancelled() => return,
        }
        backoff = (backoff * 2).min(RECONNECT_AT_MOST);
    }
}

/// The first wait before connecting again after the broker went away.
const RECONNECT_FIRST: Duration = Duration::from_millis(200);
/// The longest wait between two tries. A refused connection costs the broker next to
/// nothing, and every second waited after it is back is a second of events not delivered:
/// the gateway's sockets resync only once its queue is rebuilt (the fault harness measured
/// a 30 s broker outage converging 17.9 s after the broker was back with a 5 s cap).
const RECONNECT_AT_MOST: Duration = Duration::from_secs(1);

/// Between half and all of `wait`, so replicas that lost the broker together do not come
/// back at the same instant.
fn jittered(wait: Duration) -> Duration {
    wait.mul_f64(rand::random_range(0.5..=1.0))
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
    let (channel, queue, settle) = declare(&conn, exchange, spec)
        .await
        .map_err(|e| e.to_string())?;
    let tag = format!("chat-{}", uuid::Uuid::new_v4());
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            tag.as_str().into(),
            BasicConsumeOptions {
                no_ack: settle.is_none(),
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    ready.set(true);
    tracing::info!(queue = %queue, "consuming");
    if let Some(settle) = &settle {
        let sub = Subscription {
            conn: &conn,
            channel: &channel,
            consumer: &mut consumer,
            tag: &tag,
        };
        return run_durable(sub, settle, ready, cancel, handler).await;
    }
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
        observe(&delivery);
        handler(delivery).await;
        metrics::counter!("events_consumed_total", "queue" => "exclusive", "outcome" => "delivered")
            .increment(1);
    }
}

/// A durable queue's loop: up to `prefetch` deliveries are handled at once (each settled on
/// its own as soon as it is done), so one slow database round trip does not hold up the
/// queue; a backlog there would hold back every publisher through the broker's flow control.
/// A consumer subscribed on its own connection and channel.
struct Subscription<'a> {
    conn: &'a lapin::Connection,
    channel: &'a Channel,
    consumer: &'a mut lapin::Consumer,
    tag: &'a str,
}

async fn run_durable<F, Fut>(
    sub: Subscription<'_>,
    settle: &Settle,
    ready: &Connected,
    cancel: &CancellationToken,
    handler: &F,
) -> Result<(), String>
where
    F: Fn(Delivery) -> Fut,
    Fut: Future<Output = Handled>,
{
    let Subscription {
        conn,
        channel,
        consumer,
        tag,
    } = sub;
    let mut inflight = FuturesUnordered::new();
    loop {
        tokio::select! {
            done = inflight.next(), if !inflight.is_empty() => {
                if let Some(result) = done {
                    result?;
                }
            }
            next = consumer.next(), if inflight.len() < settle.concurrency => {
                let delivery = match next {
                    Some(Ok(d)) => d,
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("the consumer was cancelled by the broker".to_owned()),
                };
                inflight.push(settle_one(channel, settle, handler, delivery));
            }
            _ = cancel.cancelled() => {
                let _ = channel.basic_cancel(tag.into(), BasicCancelOptions::default()).await;
                // What is being handled is finished and settled; the rest is redelivered.
                while let Some(result) = inflight.next().await {
                    result?;
                }
                let _ = conn.close(200, "shutdown".into()).await;
                ready.set(false);
                return Ok(());
            }
        }
    }
}

/// Handles one delivery of a durable queue and settles it.
async fn settle_one<F, Fut>(
    channel: &Channel,
    settle: &Settle,
    handler: &F,
    delivery: Delivery,
) -> Result<(), String>
where
    F: Fn(Delivery) -> Fut,
    Fut: Future<Output = Handled>,
{
    {
        observe(&delivery);
        let attempts = attempts_of(&delivery);
        let data = delivery.data.clone();
        let properties = delivery.properties.clone();
        let acker = delivery.acker.clone();
        let outcome = handler(delivery).await;
        let label = match &outcome {
            Handled::Ack => "ack",
            Handled::Retry => "retry",
            Handled::Failed(_) if attempts + 1 < settle.max_attempts => "failed",
            Handled::Failed(_) | Handled::DeadLetter(_) => "dead_letter",
        };
        metrics::counter!("events_consumed_total", "queue" => "durable", "outcome" => label)
            .increment(1);
        if label == "dead_letter" {
            metrics::counter!("events_dead_lettered_total").increment(1);
        }
        let copy = |queue: &str, header: &str, value: AMQPValue| {
            let mut headers = properties.headers().clone().unwrap_or_default();
            headers.insert(header.into(), value);
            (queue.to_owned(), properties.clone().with_headers(headers))
        };
        // Failed attempts are counted on a copy put at the back of the queue (classic queues
        // keep no delivery count); dead letters are copies that carry their reason. Either
        // copy is confirmed by the broker before the original is acked, so nothing is lost.
        let republish = match outcome {
            Handled::Ack => None,
            Handled::Retry => {
                // Give the failing dependency a moment before the message comes back.
                tokio::time::sleep(Duration::from_millis(500)).await;
                within(acker.nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                }))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
                return Ok(());
            }
            Handled::Failed(reason) if attempts + 1 < settle.max_attempts => {
                tracing::warn!(reason = %reason, attempt = attempts + 1, "handling failed: will retry");
                tokio::time::sleep(retry_pause(attempts)).await;
                Some(copy(
                    &settle.queue,
                    ATTEMPTS_HEADER,
                    AMQPValue::LongUInt(attempts + 1),
                ))
            }
            Handled::Failed(reason) => {
                let reason = format!("failed {} times, last: {reason}", attempts + 1);
                tracing::error!(reason = %reason, "dead-lettering a message");
                Some(copy(
                    &settle.dead,
                    REASON_HEADER,
                    AMQPValue::LongString(reason.as_str().into()),
                ))
            }
            Handled::DeadLetter(reason) => {
                tracing::error!(reason = %reason, "dead-lettering a message");
                Some(copy(
                    &settle.dead,
                    REASON_HEADER,
                    AMQPValue::LongString(reason.as_str().into()),
                ))
            }
        };
        // Every step waits on the broker at most BROKER_ANSWER_WITHIN: a silent broker fails
        // the delivery (it comes back when the channel is reopened) instead of holding its slot.
        if let Some((queue, props)) = republish {
            let sent = within(channel.basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &data,
                props,
            ))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            let confirm = within(sent)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            match confirm {
                lapin::Confirmation::Ack(None) => {}
                lapin::Confirmation::Ack(Some(_)) => {
                    return Err(format!("no queue {queue} for the requeued copy"));
                }
                _ => return Err("the broker refused a requeued copy".to_owned()),
            }
        }
        within(acker.ack(BasicAckOptions::default()))
            .await
            .map_err(|e| e.to_string())?
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Counts a redelivery and records how long the event took from its publication to here.
fn observe(delivery: &Delivery) {
    if delivery.redelivered {
        metrics::counter!("events_redelivered_total").increment(1);
    }
    let published = delivery.properties.headers().as_ref().and_then(|h| {
        match h.inner().get(crate::PUBLISHED_AT_HEADER) {
            Some(AMQPValue::LongLongInt(ms)) => Some(*ms),
            _ => None,
        }
    });
    if let Some(published) = published {
        // Clocks of two hosts may disagree a little: a negative lag counts as none.
        let lag_ms = (crate::now_ms() - published).max(0);
        metrics::histogram!("events_consumer_lag_seconds").record(lag_ms as f64 / 1000.0);
    }
}

/// Failed attempts recorded on this copy of a message.
fn attempts_of(delivery: &Delivery) -> u32 {
    let Some(headers) = delivery.properties.headers() else {
        return 0;
    };
    match headers.inner().get(ATTEMPTS_HEADER) {
        Some(AMQPValue::LongUInt(n)) => *n,
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(*n).unwrap_or(u32::MAX),
        Some(AMQPValue::LongInt(n)) => u32::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

/// Backoff before a failed message is tried again: 0.5 s doubling, at most 8 s.
fn retry_pause(attempts: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempts.min(4)))
}
