//! Telegram links: single-use, hashed, expiring link tokens redeemed by services only, and
//! linking when no bot is set up.

use crate::common::{Auth, config, spawn, spawn_with, token};
use chat_testkit::{SERVICE_TOKEN, TestDb};
use diesel_async::RunQueryDsl;
use serde_json::json;

#[tokio::test]
async fn telegram_link_tokens_are_single_use_hashed_expiring_and_for_services_only() {
    let app = spawn().await;
    let reg = app.register("tina").await;
    let t = token(&reg);
    let link = app
        .http
        .post("/api/users/me/telegram/link", Some(&t), &json!({}))
        .await;
    assert_eq!(link.status, 201, "{:?}", link.body);
    let url = link.body["url"].as_str().unwrap();
    let link_token = url
        .strip_prefix("https://t.me/test_bot?start=")
        .expect("a deep link to the bot");
    assert!(link_token.len() >= 40, "{link_token}");
    assert!(
        link_token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "Telegram allows only A-Z a-z 0-9 _ - in start parameters"
    );

    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        token_hash: Vec<u8>,
    }
    let mut conn = app.db.conn().await;
    let stored: Vec<Stored> = diesel::sql_query("SELECT token_hash FROM telegram_link_tokens")
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, link_token.as_bytes(), "stored hashed");

    let redeem = |bearer: Option<String>, token: String| {
        let mut req = app
            .http
            .client
            .post(app.http.url("/internal/telegram/redeem"))
            .json(&json!({"token": token, "chat_id": 4242}));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        app.http.send(req)
    };
    assert_eq!(redeem(None, link_token.into()).await.status, 401);
    assert_eq!(
        redeem(Some(t.clone()), link_token.into()).await.status,
        401,
        "a user's token is not a service credential"
    );
    let linked = redeem(Some(SERVICE_TOKEN.into()), link_token.into()).await;
    assert_eq!(linked.status, 200, "{:?}", linked.body);
    assert_eq!(linked.body["username"], "tina");
    assert_eq!(
        redeem(Some(SERVICE_TOKEN.into()), link_token.into())
            .await
            .status,
        404,
        "single use"
    );
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.body["telegram"]["linked"], true);

    let service = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut req = app
            .http
            .client
            .request(method, app.http.url(path))
            .bearer_auth(SERVICE_TOKEN);
        if let Some(body) = body {
            req = req.json(&body);
        }
        app.http.send(req)
    };
    let status = service(reqwest::Method::GET, "/internal/telegram/chats/4242", None).await;
    assert_eq!(status.body["username"], "tina");
    assert_eq!(status.body["notifications_enabled"], true);
    let muted = service(
        reqwest::Method::PUT,
        "/internal/telegram/chats/4242/notifications",
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(muted.body["notifications_enabled"], false);
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.body["notifications_enabled"], false);

    // Unlink from the web.
    let unlink = app
        .http
        .send(
            app.http
                .client
                .delete(app.http.url("/api/users/me/telegram"))
                .bearer_auth(&t),
        )
        .await;
    assert_eq!(unlink.status, 204);
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.body["telegram"]["linked"], false);
    assert_eq!(
        service(reqwest::Method::GET, "/internal/telegram/chats/4242", None)
            .await
            .status,
        404
    );

    // An expired token links nothing; a new link voids the old one.
    let old = app
        .http
        .post("/api/users/me/telegram/link", Some(&t), &json!({}))
        .await;
    let new = app
        .http
        .post("/api/users/me/telegram/link", Some(&t), &json!({}))
        .await;
    let token_of = |r: &chat_testkit::Reply| {
        r.body["url"]
            .as_str()
            .unwrap()
            .rsplit('=')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        redeem(Some(SERVICE_TOKEN.into()), token_of(&old))
            .await
            .status,
        404
    );
    diesel::sql_query("UPDATE telegram_link_tokens SET expires_at = now() - interval '1 second'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        redeem(Some(SERVICE_TOKEN.into()), token_of(&new))
            .await
            .status,
        404
    );
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.body["telegram"]["linked"], false);
}

#[tokio::test]
async fn linking_is_unavailable_without_a_bot() {
    let db = TestDb::new().await;
    let mut cfg = config(&db);
    cfg.telegram_bot_username = None;
    let app = spawn_with(cfg, db).await;
    let t = token(&app.register("uma").await);
    let link = app
        .http
        .post("/api/users/me/telegram/link", Some(&t), &json!({}))
        .await;
    assert_eq!(link.status, 503);
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.body["telegram"]["available"], false);
}
