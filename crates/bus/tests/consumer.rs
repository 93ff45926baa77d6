//! The durable consumer against a real RabbitMQ: failed messages are retried a bounded number
//! of times and then dead-lettered with their reason; an outage of a dependency is not counted.

use chat_bus::{Connected, Handled, QueueSpec, consume};
use chat_testkit::{amqp_url, publish_raw, take_from, test_exchange};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_message_is_dead_lettered_after_max_attempts_and_retries_are_not_counted() {
    dead_letters_after_max_attempts(false).await;
}

/// The same on quorum queues (what the Kubernetes deployment declares), which a single
/// RabbitMQ node serves too; the queue really is one: declaring it classic is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quorum_queue_dead_letters_and_retries_the_same() {
    let queue = dead_letters_after_max_attempts(true).await;
    let conn = lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
        .await
        .unwrap();
    for name in [queue.clone(), format!("{queue}.dead")] {
        let channel = conn.create_channel().await.unwrap();
        let mut classic = lapin::types::FieldTable::default();
        classic.insert(
            "x-queue-type".into(),
            lapin::types::AMQPValue::LongString("classic".into()),
        );
        let declared = channel
            .queue_declare(
                name.as_str().into(),
                lapin::options::QueueDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                classic,
            )
            .await;
        assert!(declared.is_err(), "{name} was declared a quorum queue");
    }
}

/// Runs the scenario on a new queue; returns its name.
async fn dead_letters_after_max_attempts(quorum: bool) -> String {
    let exchange = test_exchange();
    let queue = format!("{exchange}.work");
    let seen: Arc<Mutex<HashMap<Vec<u8>, u32>>> = Arc::default();
    let ready = Connected::default();
    let cancel = CancellationToken::new();
    let spec = QueueSpec::Durable {
        name: queue.clone(),
        bindings: vec!["work".to_owned()],
        prefetch: 4,
        max_attempts: 3,
        quorum,
    };
    let handler_seen = seen.clone();
    tokio::spawn(consume(
        amqp_url(),
        exchange.clone(),
        spec,
        ready.clone(),
        cancel.clone(),
        move |delivery| {
            let seen = handler_seen.clone();
            async move {
                let count = {
                    let mut seen = seen.lock().unwrap();
                    let n = seen.entry(delivery.data.clone()).or_default();
                    *n += 1;
                    *n
                };
                match delivery.data.as_slice() {
                    b"bad" => Handled::Failed("boom".to_owned()),
                    // Its dependency is down four times: more than max_attempts, yet not failed.
                    b"flaky" if count <= 4 => Handled::Retry,
                    _ => Handled::Ack,
                }
            }
        },
    ));
    let up = chat_testkit::eventually(Duration::from_secs(10), || {
        let ready = ready.clone();
        async move { ready.get().then_some(()) }
    })
    .await;
    assert!(up.is_some(), "the consumer never bound its queue");

    for body in [b"bad".as_slice(), b"flaky", b"good"] {
        publish_raw(&exchange, "work", body).await;
    }
    let dead = take_from(&format!("{queue}.dead"), Duration::from_secs(20))
        .await
        .expect("the failing message was dead-lettered");
    assert_eq!(dead.body, b"bad");
    let reason = &dead.headers["x-dead-reason"];
    assert!(
        reason.contains("failed 3 times") && reason.contains("boom"),
        "{reason}"
    );

    let settled = chat_testkit::eventually(Duration::from_secs(10), || {
        let seen = seen.clone();
        async move {
            let seen = seen.lock().unwrap();
            (seen.get(b"flaky".as_slice()) == Some(&5)).then(|| seen.clone())
        }
    })
    .await
    .expect("the flaky message was handled after its dependency came back");
    assert_eq!(
        settled[b"bad".as_slice()],
        3,
        "tried exactly max_attempts times"
    );
    assert_eq!(settled[b"good".as_slice()], 1);
    assert!(
        take_from(&format!("{queue}.dead"), Duration::from_millis(500))
            .await
            .is_none(),
        "nothing else was dead-lettered"
    );
    cancel.cancel();
    queue
}
