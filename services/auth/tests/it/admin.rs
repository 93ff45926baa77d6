//! Administration: the first admin, deactivating and reactivating accounts, and taking
//! accounts out of the people directory.

use crate::common::{Auth, config, refresh_token, spawn_with, token, user_id};
use chat_auth::config::AdminSeed;
use chat_http::config::Secret;
use chat_testkit::TestDb;
use serde_json::json;
use std::time::Duration;

fn admin_seed() -> AdminSeed {
    AdminSeed {
        username: "root_admin".into(),
        email: "root@example.com".into(),
        password: Secret::new("admin password"),
    }
}

#[tokio::test]
async fn the_first_admin_is_created_and_can_deactivate_and_reactivate_users() {
    let db = TestDb::new().await;
    let mut cfg = config(&db);
    cfg.admin = Some(admin_seed());
    let pool = chat_db::pool(&db.url, 1, Duration::from_secs(3)).unwrap();
    // At migrate and at start: creating it twice is a no-op.
    chat_auth::bootstrap_admin(&cfg, &pool).await.unwrap();
    let app = spawn_with(cfg, db).await;
    let admin = app.login("root_admin", "admin password").await;
    assert_eq!(admin.status, 200, "{:?}", admin.body);
    let admin_token = token(&admin);
    let me = app.http.get("/api/users/me", Some(&admin_token)).await;
    assert_eq!(me.body["role"], "admin");

    let bob = app.register("bob").await;
    let bob_id = user_id(&bob);
    let deactivate = format!("/api/admin/users/{bob_id}/deactivate");
    let reactivate = format!("/api/admin/users/{bob_id}/reactivate");
    let by_user = app
        .http
        .post(&deactivate, Some(&token(&bob)), &json!({}))
        .await;
    assert_eq!(by_user.status, 403, "only admins");

    let done = app
        .http
        .post(&deactivate, Some(&admin_token), &json!({}))
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert!(done.body["deactivated_at"].is_string());
    assert_eq!(app.login("bob", "correct horse").await.status, 401);
    assert_eq!(app.refresh(&refresh_token(&bob)).await.status, 401);
    assert_eq!(
        app.http
            .get("/api/users/me", Some(&token(&bob)))
            .await
            .status,
        401
    );
    let directory = app.http.get("/api/users?q=bob", Some(&admin_token)).await;
    assert_eq!(directory.body["users"], json!([]));

    let admin_id = me.body["id"].as_str().unwrap();
    let myself = app
        .http
        .post(
            &format!("/api/admin/users/{admin_id}/deactivate"),
            Some(&admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(myself.status, 403);
    let unknown = app
        .http
        .post(
            &format!("/api/admin/users/{}/deactivate", uuid::Uuid::new_v4()),
            Some(&admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(unknown.status, 404);

    let back = app
        .http
        .post(&reactivate, Some(&admin_token), &json!({}))
        .await;
    assert_eq!(back.status, 200);
    assert!(back.body["deactivated_at"].is_null());
    assert_eq!(app.login("bob", "correct horse").await.status, 200);
}

#[tokio::test]
async fn admins_take_accounts_out_of_the_directory_one_by_one_or_every_one_never_seen_online() {
    let db = TestDb::new().await;
    let mut cfg = config(&db);
    cfg.admin = Some(admin_seed());
    let app = spawn_with(cfg, db).await;
    let admin_token = token(&app.login("root_admin", "admin password").await);
    let (demo, _script, seen) = (
        app.register("demo_dora").await,
        app.register("script_sam").await,
        app.register("seen_sue").await,
    );
    let names = async |q: &str| -> Vec<String> {
        let page = app
            .http
            .get(&format!("/api/users?q={q}"), Some(&admin_token))
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        page.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("demo").await, ["demo_dora"]);

    let listed = format!("/api/admin/users/{}/listed", user_id(&demo));
    let by_user = app
        .http
        .put(&listed, Some(&token(&seen)), &json!({"listed": false}))
        .await;
    assert_eq!(by_user.status, 403, "only admins");
    let off = app
        .http
        .put(&listed, Some(&admin_token), &json!({"listed": false}))
        .await;
    assert_eq!(off.status, 200, "{:?}", off.body);
    assert_eq!(off.body["listed"], false);
    assert_eq!(names("demo").await, Vec::<String>::new());
    for sort in ["name", "last_seen"] {
        let page = app
            .http
            .get(
                &format!("/api/users?sort={sort}&limit=100"),
                Some(&admin_token),
            )
            .await;
        assert!(
            !page.body.to_string().contains("demo_dora"),
            "sorted by {sort}: {:?}",
            page.body
        );
    }
    // Unlisted is not gone: the account still logs in and its profile is still found by id.
    assert_eq!(app.login("demo_dora", "correct horse").await.status, 200);
    let profile = app
        .http
        .get(
            &format!("/api/users/{}", user_id(&demo)),
            Some(&admin_token),
        )
        .await;
    assert_eq!(profile.status, 200);
    let bad = app
        .http
        .put(&listed, Some(&admin_token), &json!({"listed": "no"}))
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let unknown = app
        .http
        .put(
            &format!("/api/admin/users/{}/listed", uuid::Uuid::new_v4()),
            Some(&admin_token),
            &json!({"listed": false}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let on = app
        .http
        .put(&listed, Some(&admin_token), &json!({"listed": true}))
        .await;
    assert_eq!(on.body["listed"], true);
    assert_eq!(names("demo").await, ["demo_dora"]);

    // The clean-up: every account never seen online goes, one seen online stays, admins stay.
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("INSERT INTO user_presence (user_id, last_seen_at) VALUES ($1, now())")
            .bind::<diesel::sql_types::Uuid, _>(user_id(&seen).parse::<uuid::Uuid>().unwrap()),
        &mut conn,
    )
    .await
    .unwrap();
    let by_user = app
        .http
        .post(
            "/api/admin/users/unlist-never-seen",
            Some(&token(&seen)),
            &json!({}),
        )
        .await;
    assert_eq!(by_user.status, 403);
    let swept = app
        .http
        .post(
            "/api/admin/users/unlist-never-seen",
            Some(&admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(swept.status, 200, "{:?}", swept.body);
    assert_eq!(swept.body["unlisted"], 2, "demo_dora and script_sam");
    assert_eq!(names("demo").await, Vec::<String>::new());
    assert_eq!(names("script").await, Vec::<String>::new());
    assert_eq!(names("seen").await, ["seen_sue"]);
    assert_eq!(names("root").await, ["root_admin"]);
}
