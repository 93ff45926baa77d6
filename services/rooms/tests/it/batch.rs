//! Batches of sends (`POST /api/rooms/messages/batch`, the gateway's path): answered send by
//! send, read up to their own size limit, and idempotent when two race.

use crate::common::*;
use serde_json::{Value, json};
use uuid::Uuid;

/// `POST /api/rooms/messages/batch` with the given bearer token.
async fn batch(app: &TestApp, token: &str, sends: Value) -> chat_testkit::Reply {
    app.http
        .send(
            app.http
                .client
                .post(app.http.url("/api/rooms/messages/batch"))
                .bearer_auth(token)
                .json(&json!({ "sends": sends })),
        )
        .await
}

/// The bodies of `room`'s history, oldest first, as `token`'s holder reads them.
async fn history_bodies(app: &TestApp, room: &str, token: &str) -> Vec<String> {
    let history = app
        .http
        .get(&format!("/api/rooms/{room}/messages"), Some(token))
        .await;
    history.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_batch_of_sends_is_answered_send_by_send_as_single_sends_would_be() {
    let app = spawn().await;
    let (a, b, eve) = (
        app.user("ann").await,
        app.user("ben").await,
        app.user("eve").await,
    );
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let other = app.direct(&a, &eve).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (c1, c2, c3) = (cid(), cid(), cid());
    let send = |user: &User, room: &str, cid: &str, body: &str| json!({"user_id": user.id, "room_id": room, "client_msg_id": cid, "body": body});
    let reply = batch(
        &app,
        chat_testkit::SERVICE_TOKEN,
        json!([
            send(&a, &room, &c1, "one"),
            send(&b, &room, &c2, "two"),
            send(&eve, &room, &cid(), "not a member"),
            send(&a, &room, &cid(), "   "),
            // A retry in the same batch gets the first copy.
            send(&a, &room, &c1, "one"),
            send(&a, &other, &c3, "elsewhere"),
            send(&a, &room, &cid(), "three"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 7, "{results:?}");
    let stored = |i: usize| &results[i]["stored"];
    let failed = |i: usize| &results[i]["failed"];
    assert_eq!(stored(0)["created"], true);
    assert_eq!(stored(0)["message"]["body"], "one");
    assert_eq!(stored(0)["message"]["sender_id"], a.id.to_string().as_str());
    assert_eq!(stored(1)["message"]["sender_id"], b.id.to_string().as_str());
    assert_eq!(failed(2)["status"], 404, "{results:?}");
    assert_eq!(failed(2)["code"], "not_found");
    assert_eq!(failed(3)["status"], 422);
    assert_eq!(stored(4)["created"], false);
    assert_eq!(stored(4)["message"]["id"], stored(0)["message"]["id"]);
    assert_eq!(stored(5)["message"]["room_id"], other.as_str());
    // Within a room, the batch's order is the stored order, with no gap.
    let seq = |i: usize| stored(i)["message"]["seq"].as_i64().unwrap();
    assert_eq!(seq(1), seq(0) + 1);
    assert_eq!(seq(6), seq(1) + 1);
    let bodies = history_bodies(&app, &room, &a.token).await;
    assert_eq!(bodies, ["one", "two", "three"]);
    // Only a service may batch: a user's token cannot name other senders.
    let forged = batch(&app, &a.token, json!([send(&b, &room, &cid(), "x")])).await;
    assert_eq!(forged.status, 401, "{:?}", forged.body);
    let empty = batch(&app, chat_testkit::SERVICE_TOKEN, json!([])).await;
    assert_eq!(empty.status, 422, "{:?}", empty.body);
}

#[tokio::test]
async fn a_batch_larger_than_one_send_may_be_is_read_up_to_its_own_limit() {
    let app = spawn().await;
    let (a, b) = (app.user("ann").await, app.user("ben").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    // 30 sends of the longest body here (100 characters), two bytes a character: about 9 KB,
    // where a single send's request may be 4.5 KB (with the default 4,000 characters: 30 such
    // sends are 240 KB against 20 KB). The gateway sends batches like this one when its
    // sockets send long messages together.
    // `count` new sends from ann to the room, each with `body`, as one batch.
    let batch_of = async |count: usize, body: &str| {
        let sends: Vec<Value> = (0..count)
            .map(
                |_| json!({"user_id": a.id, "room_id": room, "client_msg_id": cid(), "body": body}),
            )
            .collect();
        batch(&app, chat_testkit::SERVICE_TOKEN, Value::from(sends)).await
    };
    let reply = batch_of(30, &"é".repeat(100)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.status);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 30);
    assert!(
        results.iter().all(|r| r["stored"]["created"] == true),
        "every send stored: {:?}",
        results.iter().find(|r| r["stored"]["created"] != true)
    );
    // Past the batch's own limit: a clear 413, not a dropped connection.
    let huge = "\u{1}".repeat(chat_domain::MessageBody::DEFAULT_MAX_CHARS);
    let reply = batch_of(chat_domain::api::MAX_SEND_BATCH, &huge).await;
    assert_eq!(reply.status, 413, "{:?}", reply.body);
    assert_eq!(
        reply.body["error"]["code"], "payload_too_large",
        "{:?}",
        reply.body
    );
}

#[tokio::test]
async fn batches_racing_with_the_same_sends_store_each_message_once() {
    let app = spawn().await;
    let (a, b) = (app.user("ann").await, app.user("ben").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    for round in 0..10 {
        let shared: Vec<Value> = (0..5)
            .map(|i| json!({"user_id": a.id, "room_id": room, "client_msg_id": format!("r{round}-{i}"), "body": format!("m{i}")}))
            .collect();
        let mut first = shared.clone();
        first
            .push(json!({"user_id": b.id, "room_id": room, "client_msg_id": cid(), "body": "own"}));
        let (x, y) = tokio::join!(
            batch(&app, chat_testkit::SERVICE_TOKEN, Value::from(first)),
            batch(&app, chat_testkit::SERVICE_TOKEN, Value::from(shared)),
        );
        assert_eq!(x.status, 200, "{:?}", x.body);
        assert_eq!(y.status, 200, "{:?}", y.body);
        for i in 0..5 {
            let (mx, my) = (
                &x.body["results"][i]["stored"]["message"],
                &y.body["results"][i]["stored"]["message"],
            );
            assert!(mx["id"].is_string(), "{:?}", x.body);
            assert_eq!(
                mx["id"], my["id"],
                "both batches answer with the one stored copy"
            );
        }
    }
    // 10 rounds of 5 shared sends and 1 own: 60 messages, seqs gap-free.
    let mut conn = app.db.conn().await;
    let (count, min, max): (i64, Option<i64>, Option<i64>) = {
        use chat_db::schema::messages::dsl;
        use diesel::dsl::{count_star, max, min};
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        dsl::messages
            .filter(dsl::room_id.eq(room.parse::<Uuid>().unwrap()))
            .select((count_star(), min(dsl::seq), max(dsl::seq)))
            .first(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(count, 60);
    assert_eq!(max.unwrap() - min.unwrap() + 1, 60, "no gap in the seqs");
}

#[tokio::test]
async fn a_batch_without_repeats_is_stored_in_one_pass_and_answered_as_single_sends_would_be() {
    // No send repeats another and none replies to one of its own: `store_messages` stores
    // such a batch with one statement per step, not send by send (migration 000030).
    let app = spawn().await;
    let (a, b, eve, max) = (
        app.user("ann").await,
        app.user("ben").await,
        app.user("eve").await,
        app.user("max").await,
    );
    let id_of = |v: Value| v["id"].as_str().unwrap().to_owned();
    let room = id_of(app.direct(&a, &b).await);
    let other = id_of(app.direct(&a, &eve).await);
    let closed = id_of(app.direct(&a, &max).await);
    let send = |user: &User, room: &str, body: &str, reply_to: Option<&Value>| json!({"user_id": user.id, "room_id": room, "client_msg_id": cid(), "body": body, "reply_to": reply_to});
    let alone = async |user: &User, room: &str, body: &str| {
        let reply = batch(
            &app,
            chat_testkit::SERVICE_TOKEN,
            json!([send(user, room, body, None)]),
        )
        .await;
        reply.body["results"][0]["stored"]["message"].clone()
    };
    let first = alone(&a, &room, "first").await;
    let elsewhere = alone(&a, &other, "elsewhere").await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.db.conn().await;
        diesel::sql_query("INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)")
            .bind::<diesel::sql_types::Uuid, _>(max.id)
            .bind::<diesel::sql_types::Uuid, _>(a.id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let reply = batch(
        &app,
        chat_testkit::SERVICE_TOKEN,
        json!([
            send(&a, &room, "one", None),
            send(&eve, &room, "not a member", None),
            send(&b, &room, "a reply", Some(&first["id"])),
            send(&b, &room, "a reply to elsewhere", Some(&elsewhere["id"])),
            send(&a, &closed, "blocked", None),
            send(&eve, &other, "there", None),
            send(&a, &room, "two", None),
        ]),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let results = reply.body["results"].as_array().unwrap();
    let status = |i: usize| results[i]["failed"]["status"].as_i64();
    assert_eq!(
        (status(1), status(3), status(4)),
        (Some(404), Some(422), Some(403)),
        "{results:?}"
    );
    let seq = |i: usize| results[i]["stored"]["message"]["seq"].as_i64().unwrap();
    let first_seq = first["seq"].as_i64().unwrap();
    assert_eq!([seq(0), seq(2), seq(6)], [1, 2, 3].map(|n| first_seq + n));
    assert_eq!(seq(5), elsewhere["seq"].as_i64().unwrap() + 1);
    assert_eq!(results[2]["stored"]["message"]["reply_to"], first["id"]);
    assert!(results.iter().all(|r| r["stored"]["created"] != false));
    let bodies = history_bodies(&app, &room, &a.token).await;
    assert_eq!(bodies, ["first", "one", "a reply", "two"]);
    // Each sender's read watermark is at their last message: Ben has "two" unread.
    let rooms = app.http.get("/api/rooms", Some(&b.token)).await;
    let listed = rooms.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed["unread"], 1, "{listed}");
    // The outbox (the sync log, published in its id order) has the room's events in seq
    // order, each with its own seq.
    #[derive(diesel::QueryableByName)]
    struct Logged {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        seq: i64,
    }
    let logged: Vec<i64> = {
        use diesel_async::RunQueryDsl;
        let mut conn = app.db.conn().await;
        diesel::sql_query(
            "SELECT (payload #>> '{payload,message,seq}')::bigint AS seq FROM outbox \
             WHERE room_id = $1 AND routing_key = 'room.message.created' ORDER BY id",
        )
        .bind::<diesel::sql_types::Uuid, _>(room.parse::<Uuid>().unwrap())
        .load::<Logged>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.seq)
        .collect()
    };
    assert_eq!(logged, (first_seq..=first_seq + 3).collect::<Vec<_>>());
}
