//! The publisher against a real RabbitMQ: an event no queue is bound for is not dropped
//! unseen; a routed one is not counted as unroutable.

use chat_bus::{Outgoing, Publisher};
use chat_testkit::{EventTap, amqp_url, test_exchange};
use std::time::Duration;

fn event(routing_key: &str) -> Outgoing {
    Outgoing {
        routing_key: routing_key.to_owned(),
        message_id: uuid::Uuid::new_v4().to_string(),
        request_id: None,
        traceparent: None,
        sync_cursor: None,
        pack: None,
        body: b"{}".to_vec(),
    }
}

#[tokio::test]
async fn an_event_no_queue_is_bound_for_is_noticed_and_a_routed_one_is_delivered() {
    let exchange = test_exchange();
    let publisher = Publisher::new(&amqp_url(), &exchange);
    publisher
        .publish_all(&[event("room.nobody.listens")])
        .await
        .expect("an unroutable event is still confirmed");
    assert_eq!(publisher.unroutable(), 1);

    let mut tap = EventTap::new(&exchange, "room.#").await;
    publisher
        .publish_all(&[event("room.message.created")])
        .await
        .unwrap();
    assert!(tap.next(Duration::from_secs(10)).await.is_some());
    assert_eq!(publisher.unroutable(), 1, "a routed event is not counted");
}

#[tokio::test]
async fn an_event_carries_its_request_id_trace_and_publication_time_in_headers() {
    let exchange = test_exchange();
    let publisher = Publisher::new(&amqp_url(), &exchange);
    let mut tap = EventTap::new(&exchange, "room.#").await;
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    publisher
        .publish_all(&[Outgoing {
            request_id: Some("req-1".to_owned()),
            traceparent: Some(traceparent.to_owned()),
            sync_cursor: None,
            pack: None,
            ..event("room.message.created")
        }])
        .await
        .unwrap();
    let taken = tap
        .next_taken(Duration::from_secs(10))
        .await
        .expect("the event");
    assert_eq!(
        taken.headers.get("x-request-id").map(String::as_str),
        Some("req-1")
    );
    assert_eq!(
        taken.headers.get("traceparent").map(String::as_str),
        Some(traceparent)
    );
    let published: u128 = taken.headers[chat_bus::PUBLISHED_AT_HEADER]
        .parse()
        .unwrap();
    assert!(published >= before, "{published} < {before}");
    assert_eq!(
        taken.delivery_mode,
        Some(2),
        "persistent: it survives a broker restart in a durable queue"
    );
}
