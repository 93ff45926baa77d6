//! Refresh tokens over their life: a refresh racing a logout, and pruning what can no longer do
//! anything (with the other short-lived records: link tokens, the notifier's dedupe records).

use crate::common::{Auth, refresh_token, spawn, user_id};
use diesel_async::RunQueryDsl;
use serde_json::json;

#[tokio::test]
async fn a_refresh_racing_a_logout_never_leaves_a_live_token_in_the_revoked_family() {
    let app = spawn().await;
    assert_eq!(app.register("rita").await.status, 201);
    for round in 0..30 {
        let session = app.login("rita", "correct horse").await;
        assert_eq!(session.header("cache-control"), Some("no-store"));
        let presented = refresh_token(&session);
        let logout = json!({"refresh_token": presented});
        let (refreshed, logged_out) = tokio::join!(
            app.refresh(&presented),
            app.http.post("/api/auth/logout", None, &logout)
        );
        assert_eq!(logged_out.status, 204, "round {round}");
        // Whichever ran first, the family is logged out: a token the refresh issued must
        // not work.
        if refreshed.status == 200 {
            assert_eq!(refreshed.header("cache-control"), Some("no-store"));
            let next = app.refresh(&refresh_token(&refreshed)).await;
            assert_eq!(
                next.status, 401,
                "round {round}: a live token survived the logout"
            );
        } else {
            assert_eq!(refreshed.status, 401, "round {round}: {:?}", refreshed.body);
        }
    }
}

#[tokio::test]
async fn tokens_and_dedupe_records_are_kept_only_while_they_can_do_something() {
    use chat_db::{processed, sessions, telegram_links};
    let app = spawn().await;
    let user = user_id(&app.register("tess").await);
    let mut conn = app.db.conn().await;
    // Refresh tokens: one expired, one revoked two days ago, one spent but unexpired (kept: it
    // is how a theft is noticed), one live.
    diesel::sql_query(format!(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, used_at, revoked_at) VALUES \
         (gen_random_uuid(), '{user}', gen_random_uuid(), 'expired', now() - interval '1 hour', NULL, NULL), \
         (gen_random_uuid(), '{user}', gen_random_uuid(), 'revoked', now() + interval '1 day', NULL, now() - interval '2 days'), \
         (gen_random_uuid(), '{user}', gen_random_uuid(), 'spent', now() + interval '1 day', now() - interval '2 days', NULL), \
         (gen_random_uuid(), '{user}', gen_random_uuid(), 'live', now() + interval '1 day', NULL, NULL)"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO telegram_link_tokens (id, user_id, token_hash, expires_at, used_at) VALUES \
         (gen_random_uuid(), '{user}', 'old', now() - interval '2 days', NULL), \
         (gen_random_uuid(), '{user}', 'used', now() + interval '1 hour', now() - interval '2 days'), \
         (gen_random_uuid(), '{user}', 'fresh', now() + interval '1 hour', NULL)"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES \
         ('notifier', gen_random_uuid(), now() - interval '8 days'), \
         ('notifier', gen_random_uuid(), now())",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let now = chrono::Utc::now();
    let a_day_ago = now - chrono::Duration::days(1);
    assert_eq!(
        sessions::prune(&mut conn, now, a_day_ago, 100)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        telegram_links::prune(&mut conn, a_day_ago, 100)
            .await
            .unwrap(),
        2
    );
    let week_ago = now - chrono::Duration::days(7);
    assert_eq!(processed::prune(&mut conn, week_ago, 100).await.unwrap(), 1);

    #[derive(diesel::QueryableByName)]
    struct Hash {
        #[diesel(sql_type = diesel::sql_types::Text)]
        hash: String,
    }
    let left = |table: &str| {
        format!(
            "SELECT convert_from(token_hash, 'UTF8') AS hash FROM {table} WHERE user_id = '{user}' AND length(token_hash) < 10 ORDER BY 1"
        )
    };
    let refresh: Vec<String> = diesel::sql_query(left("refresh_tokens"))
        .load::<Hash>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.hash)
        .collect();
    assert_eq!(refresh, ["live", "spent"]);
    let links: Vec<String> = diesel::sql_query(left("telegram_link_tokens"))
        .load::<Hash>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.hash)
        .collect();
    assert_eq!(links, ["fresh"]);
    // A second round finds nothing more.
    assert_eq!(
        sessions::prune(&mut conn, now, a_day_ago, 100)
            .await
            .unwrap(),
        0
    );
}
