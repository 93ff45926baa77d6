//! Packs: consecutive outbox events with one routing key, published as one broker message.
//!
//! Under load the relay claims many rows at once, nearly all `room.message.created`. Published
//! one by one, each row costs the broker a routing, a persisted copy and a confirm per queue,
//! and each consumer a delivery (and, on a durable queue, an ack). A pack carries them all in
//! one message, so that cost is paid per batch, and a batch grows with the load.
//!
//! A pack is marked by the [`PACK_HEADER`] (the number of events) and its body is a JSON array
//! of `{"cursor": "<xid>.<id>", "event": {...}}` in log order, each event byte for byte as
//! stored. A single event is published as it always was, so a consumer that knows no packs
//! still reads every unpacked message. Consumers read either through [`carried`].

use crate::Outgoing;
use lapin::message::Delivery;
use serde_json::value::RawValue;

/// The header of a pack: how many events it carries.
pub const PACK_HEADER: &str = "x-pack-events";

/// The most bytes of events one pack carries (a pack is closed before it passes this).
const PACK_MAX_BYTES: usize = 1 << 20;

#[derive(serde::Serialize)]
struct ItemHead<'a> {
    cursor: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct ItemIn<'a> {
    #[serde(borrow)]
    cursor: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    event: &'a RawValue,
}

/// `batch`, in order, with each run of consecutive events of one routing key packed into one
/// message of at most `max_events` events (1: every event on its own). The order each queue
/// sees is the batch's: only neighbours are merged.
pub fn pack(batch: Vec<Outgoing>, max_events: usize) -> Vec<Outgoing> {
    if max_events <= 1 || batch.len() <= 1 {
        return batch;
    }
    let mut out = Vec::new();
    let mut run: Vec<Outgoing> = Vec::new();
    let mut run_bytes = 0;
    for event in batch {
        // A body that is not JSON (never an outbox row's) cannot be embedded: it goes alone.
        let embeddable = serde_json::from_slice::<&RawValue>(&event.body).is_ok();
        let joins = embeddable
            && run.first().is_some_and(|first| {
                first.routing_key == event.routing_key
                    && run.len() < max_events
                    && run_bytes + event.body.len() <= PACK_MAX_BYTES
            });
        if !joins && !run.is_empty() {
            out.push(close(std::mem::take(&mut run)));
            run_bytes = 0;
        }
        if !embeddable {
            out.push(event);
            continue;
        }
        run_bytes += event.body.len();
        run.push(event);
    }
    if !run.is_empty() {
        out.push(close(run));
    }
    out
}

/// One message for a run of events (each body checked to be JSON): the event itself when
/// alone.
fn close(mut run: Vec<Outgoing>) -> Outgoing {
    if run.len() == 1 {
        return run.pop().expect("one event");
    }
    let mut body = Vec::with_capacity(run.iter().map(|e| e.body.len() + 48).sum::<usize>() + 2);
    body.push(b'[');
    for (n, e) in run.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        let head = ItemHead {
            cursor: e.sync_cursor.as_deref(),
        };
        serde_json::to_writer(&mut body, &head).expect("writing to a Vec cannot fail");
        // `{"cursor":...}` becomes `{"cursor":...,"event":<the body>}`.
        body.pop();
        body.extend_from_slice(b",\"event\":");
        body.extend_from_slice(&e.body);
        body.push(b'}');
    }
    body.push(b']');
    let last = run.last().expect("a run is never empty");
    // The headers a single event would carry, for what reads headers alone: the last event's
    // place (the pack's end), the first sampled trace.
    let traced = run.iter().find(|e| e.traceparent.is_some());
    Outgoing {
        routing_key: last.routing_key.clone(),
        message_id: uuid::Uuid::now_v7().to_string(),
        request_id: traced.and_then(|e| e.request_id.clone()),
        traceparent: traced.and_then(|e| e.traceparent.clone()),
        sync_cursor: last.sync_cursor.clone(),
        pack: Some(u32::try_from(run.len()).unwrap_or(u32::MAX)),
        body,
    }
}

/// One event a delivery carries.
#[derive(Debug, PartialEq, Eq)]
pub struct Carried<'a> {
    /// The event's JSON, as published.
    pub body: &'a [u8],
    /// Its place in the sync log, for outbox events.
    pub sync_cursor: Option<chat_db::outbox::Cursor>,
}

/// The events `delivery` carries, in order: itself, or each event of a pack. An unreadable
/// pack is an error (it can never become readable).
pub fn carried(delivery: &Delivery) -> Result<Vec<Carried<'_>>, String> {
    let packed = delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(PACK_HEADER))
        .is_some();
    if !packed {
        return Ok(vec![Carried {
            body: &delivery.data,
            sync_cursor: crate::sync_cursor(delivery),
        }]);
    }
    unpack(&delivery.data)
}

/// The events of a pack's body.
pub fn unpack(body: &[u8]) -> Result<Vec<Carried<'_>>, String> {
    let items: Vec<ItemIn<'_>> =
        serde_json::from_slice(body).map_err(|e| format!("unreadable pack: {e}"))?;
    Ok(items
        .into_iter()
        .map(|item| Carried {
            body: item.event.get().as_bytes(),
            sync_cursor: item
                .cursor
                .as_deref()
                .and_then(chat_db::outbox::Cursor::decode),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: &str, n: u32) -> Outgoing {
        Outgoing {
            routing_key: key.to_owned(),
            message_id: format!("id-{n}"),
            request_id: Some(format!("req-{n}")),
            traceparent: None,
            sync_cursor: Some(format!("100.{n}")),
            pack: None,
            body: format!(r#"{{"id": "id-{n}", "payload": {{"n": {n}}}}}"#).into_bytes(),
        }
    }

    fn unpacked(out: &Outgoing) -> Vec<(String, String)> {
        if out.pack.is_none() {
            return vec![(
                String::from_utf8(out.body.clone()).expect("utf-8"),
                out.sync_cursor.clone().expect("cursor"),
            )];
        }
        unpack(&out.body)
            .expect("readable")
            .into_iter()
            .map(|c| {
                (
                    String::from_utf8(c.body.to_vec()).expect("utf-8"),
                    c.sync_cursor.expect("cursor").encode(),
                )
            })
            .collect()
    }

    #[test]
    fn neighbours_of_one_key_go_in_one_message_in_order_and_byte_for_byte() {
        let batch = vec![
            event("room.message.created", 1),
            event("room.message.created", 2),
            event("room.read", 3),
            event("room.message.created", 4),
            event("room.message.created", 5),
            event("room.message.created", 6),
        ];
        let expected: Vec<_> = batch
            .iter()
            .map(|e| {
                (
                    String::from_utf8(e.body.clone()).expect("utf-8"),
                    e.sync_cursor.clone().expect("cursor"),
                )
            })
            .collect();
        let packed = pack(batch, 64);
        let keys: Vec<_> = packed
            .iter()
            .map(|p| (p.routing_key.as_str(), p.pack))
            .collect();
        assert_eq!(
            keys,
            [
                ("room.message.created", Some(2)),
                ("room.read", None),
                ("room.message.created", Some(3)),
            ]
        );
        let all: Vec<_> = packed.iter().flat_map(unpacked).collect();
        assert_eq!(all, expected, "every event, in order, as stored");
        assert_eq!(packed[2].sync_cursor.as_deref(), Some("100.6"), "the end");
    }

    #[test]
    fn a_pack_holds_at_most_max_events_and_one_means_none() {
        let batch: Vec<_> = (0..10).map(|n| event("room.message.created", n)).collect();
        let sizes: Vec<_> = pack(batch.clone(), 4).iter().map(|p| p.pack).collect();
        assert_eq!(sizes, [Some(4), Some(4), Some(2)]);
        let single = pack(batch, 1);
        assert_eq!(single.len(), 10);
        assert!(single.iter().all(|p| p.pack.is_none()));
    }

    #[test]
    fn a_pack_stops_short_of_a_mebibyte() {
        let big = |n| Outgoing {
            body: format!(r#"{{"pad": "{}"}}"#, "x".repeat(300_000)).into_bytes(),
            ..event("room.message.created", n)
        };
        let packed = pack((0..7).map(big).collect(), 64);
        let sizes: Vec<_> = packed.iter().map(|p| p.pack).collect();
        assert_eq!(sizes, [Some(3), Some(3), None]);
        assert!(packed.iter().all(|p| p.body.len() < PACK_MAX_BYTES + 1024));
    }

    #[test]
    fn the_first_traced_event_gives_the_pack_its_trace_headers() {
        let mut traced = event("room.message.created", 2);
        traced.traceparent = Some("00-aa-bb-01".to_owned());
        let packed = pack(vec![event("room.message.created", 1), traced], 64);
        assert_eq!(packed.len(), 1);
        assert_eq!(packed[0].traceparent.as_deref(), Some("00-aa-bb-01"));
        assert_eq!(packed[0].request_id.as_deref(), Some("req-2"));
    }

    #[test]
    fn a_body_that_is_not_json_goes_alone_and_its_neighbours_still_pack() {
        let odd = Outgoing {
            body: b"not json".to_vec(),
            ..event("room.message.created", 2)
        };
        let batch = vec![
            event("room.message.created", 1),
            odd,
            event("room.message.created", 3),
            event("room.message.created", 4),
        ];
        let sizes: Vec<_> = pack(batch, 64).iter().map(|p| p.pack).collect();
        assert_eq!(sizes, [None, None, Some(2)]);
    }

    #[test]
    fn an_unreadable_pack_is_an_error_not_a_panic() {
        assert!(unpack(b"not json").is_err());
        assert!(unpack(br#"[{"cursor": "1.2"}]"#).is_err());
        assert_eq!(unpack(b"[]").expect("empty"), []);
    }
}
