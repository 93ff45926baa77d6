//! Tokens of ended sessions are refused at once: sessions revoked before the service started
//! (loaded from the database) and those whose `session.revoked` event arrives while it runs.

use crate::common::*;
use chat_db::sessions::{self, NewRefreshToken};
use chat_testkit::{TestDb, eventually, mint_session_token, publish_raw, test_exchange};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(30);

/// Publishes what auth writes when it ends `session` of `user`.
async fn revoke(exchange: &str, user: Uuid, session: Uuid) {
    let event = json!({
        "id": Uuid::now_v7(),
        "user_id": user,
        "session_ids": [session],
        "revoked_at": chrono::Utc::now(),
    });
    publish_raw(exchange, "session.revoked", event.to_string().as_bytes()).await;
}

#[tokio::test]
async fn a_revoked_session_is_refused_whether_revoked_before_the_start_or_while_running() {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    let early = Uuid::now_v7();
    let user = {
        let mut conn = db.conn().await;
        let id = Uuid::now_v7();
        chat_db::users::insert(
            &mut conn,
            &chat_db::users::NewUser {
                id,
                username: "rita",
                email: "rita@example.com",
                display_name: "rita",
                password_hash: "x",
                role: "user",
            },
        )
        .await
        .unwrap();
        sessions::insert(
            &mut conn,
            &NewRefreshToken {
                id: Uuid::now_v7(),
                user_id: id,
                family_id: early,
                token_hash: b"early",
                expires_at: chrono::Utc::now() + chrono::Duration::days(1),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            sessions::revoke_family(&mut conn, early).await.unwrap(),
            [early]
        );
        id
    };
    let app = spawn_with(config(&db, &exchange), db).await;
    let status = async |token: &str| app.http.get("/api/rooms", Some(token)).await.status;
    let live = Uuid::now_v7();
    let (early_token, live_token, other_token) = (
        mint_session_token(user, "rita", 300, Some(early)),
        mint_session_token(user, "rita", 300, Some(live)),
        mint_session_token(user, "rita", 300, Some(Uuid::now_v7())),
    );
    // Loaded once the service's event queue is bound.
    let refused = eventually(WAIT, async || {
        (status(&early_token).await == 401).then_some(())
    })
    .await;
    assert!(
        refused.is_some(),
        "a session revoked before the start is taken"
    );
    assert_eq!(status(&live_token).await, 200);

    revoke(&exchange, user, live).await;
    let refused = eventually(WAIT, async || {
        (status(&live_token).await == 401).then_some(())
    })
    .await;
    assert!(
        refused.is_some(),
        "a session revoked while running is refused"
    );
    let reply = app.http.get("/api/rooms", Some(&live_token)).await;
    assert_eq!(
        reply.body["error"]["message"],
        "the session was ended: log in again"
    );
    assert_eq!(status(&other_token).await, 200, "another session goes on");
    // A malformed event changes nothing and stops nothing.
    publish_raw(&exchange, "session.revoked", b"{\"session_ids\": 7}").await;
    let newer = Uuid::now_v7();
    revoke(&exchange, user, newer).await;
    let newer_token = mint_session_token(user, "rita", 300, Some(newer));
    let refused = eventually(WAIT, async || {
        (status(&newer_token).await == 401).then_some(())
    })
    .await;
    assert!(refused.is_some());
    assert_eq!(status(&other_token).await, 200);
}
