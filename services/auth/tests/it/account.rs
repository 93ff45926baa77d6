//! The account beyond registering: the OAuth2 token endpoint, logout everywhere, password
//! change, profile and settings, sorting the directory by last seen, rate limits, and
//! recovering from a database outage. Admins are in `admin`, Telegram links in `telegram`.

use crate::common::{
    Auth, TestApp, config, refresh_token, session_of, spawn, spawn_with, token, user_id,
};
use chat_auth::config::Limits;
use chat_http::config::Secret;
use chat_testkit::{TcpProxy, TestDb, eventually};
use diesel_async::RunQueryDsl;
use serde_json::json;
use std::time::{Duration, Instant};

async fn token_form(app: &TestApp, form: &[(&str, &str)]) -> chat_testkit::Reply {
    let req = app
        .http
        .client
        .post(app.http.url("/api/auth/token"))
        .form(form);
    app.http.send(req).await
}

#[tokio::test]
async fn the_oauth2_token_endpoint_takes_password_and_refresh_grants() {
    let app = spawn().await;
    app.register("olga").await;
    let reply = token_form(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "olga"),
            ("password", "correct horse"),
            ("scope", ""),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["token_type"], "bearer");
    assert!(reply.body["expires_in"].as_i64().unwrap() > 0);
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "API clients get no cookies"
    );
    let me = app.http.get("/api/users/me", Some(&token(&reply))).await;
    assert_eq!(me.body["username"], "olga");

    let refreshed = token_form(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token(&reply)),
        ],
    )
    .await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    let reused = token_form(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token(&reply)),
        ],
    )
    .await;
    assert_eq!(reused.status, 401, "a spent refresh token is refused");

    let wrong = token_form(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "olga"),
            ("password", "nope nope"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 401);
    let unsupported = token_form(&app, &[("grant_type", "client_credentials")]).await;
    assert_eq!(unsupported.status, 422);
    assert!(unsupported.body["error"]["fields"]["grant_type"].is_string());
    let missing = token_form(&app, &[("grant_type", "password"), ("username", "olga")]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.body["error"]["fields"]["password"].is_string());
    let json_body = app
        .http
        .post("/api/auth/token", None, &json!({"grant_type": "password"}))
        .await;
    assert_eq!(json_body.status, 400, "{:?}", json_body.body);
    assert_eq!(json_body.body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn the_docs_authorize_with_the_oauth2_password_flow() {
    let app = spawn().await;
    let doc = app.http.get("/api/auth/openapi.json", None).await;
    let schemes = &doc.body["components"]["securitySchemes"];
    assert_eq!(
        schemes["oauth2"]["flows"]["password"]["tokenUrl"],
        "/api/auth/token"
    );
    let me_security = doc.body["paths"]["/api/users/me"]["get"]["security"]
        .as_array()
        .unwrap();
    assert!(
        me_security.iter().any(|s| s.get("oauth2").is_some()),
        "{me_security:?}"
    );
    let redeem_security = &doc.body["paths"]["/internal/telegram/redeem"]["post"]["security"];
    assert_eq!(redeem_security, &json!([{"service": []}]));
    for path in [
        "/api/auth/token",
        "/api/auth/logout-all",
        "/api/users/me/password",
        "/api/users/me/telegram/link",
        "/api/users/me/telegram",
        "/api/admin/users/{id}/deactivate",
        "/api/admin/users/{id}/reactivate",
    ] {
        assert!(doc.body["paths"].get(path).is_some(), "{path} undocumented");
    }
    assert!(doc.body["paths"]["/api/users/me"]["patch"].is_object());
}

#[tokio::test]
async fn logout_everywhere_revokes_every_session() {
    let app = spawn().await;
    let first = app.register("paul").await;
    let second = app.login("paul", "correct horse").await;
    assert_eq!(second.status, 200);
    assert_eq!(
        app.http
            .get("/api/users/me", Some(&token(&second)))
            .await
            .status,
        200
    );
    let out = app
        .http
        .post("/api/auth/logout-all", Some(&token(&first)), &json!({}))
        .await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    assert_eq!(app.refresh(&refresh_token(&first)).await.status, 401);
    assert_eq!(app.refresh(&refresh_token(&second)).await.status, 401);
    // The access tokens stop working at once, not when they expire.
    for session in [&first, &second] {
        let me = app.http.get("/api/users/me", Some(&token(session))).await;
        assert_eq!(me.status, 401, "{:?}", me.body);
        assert_eq!(
            me.body["error"]["message"],
            "the session was ended: log in again"
        );
    }
    // And every other service is told, through the outbox (the rooms service's relay publishes
    // it): both sessions, in one event, written with the revocation.
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Json)]
        payload: serde_json::Value,
    }
    let mut conn = app.db.conn().await;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT o.payload FROM outbox o JOIN outbox_pending p ON p.id = o.id \
         WHERE o.routing_key = 'session.revoked' AND o.room_id IS NULL AND o.user_id IS NULL",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one event, pending publication");
    let event = &rows[0].payload;
    assert_eq!(event["user_id"].as_str(), Some(user_id(&first).as_str()));
    let mut ended: Vec<String> = event["session_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    ended.sort();
    let mut expected = vec![session_of(&first), session_of(&second)];
    expected.sort();
    assert_eq!(ended, expected);
    assert_eq!(
        app.http
            .post("/api/auth/logout-all", None, &json!({}))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_old_one_and_ends_other_sessions() {
    let app = spawn().await;
    let here = app.register("quinn").await;
    let elsewhere = app.login("quinn", "correct horse").await;
    let t = token(&here);
    let wrong = app
        .http
        .post(
            "/api/users/me/password",
            Some(&t),
            &json!({"current_password": "not it at all", "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body["error"]["fields"]["current_password"].is_string());
    let weak = app
        .http
        .post(
            "/api/users/me/password",
            Some(&t),
            &json!({"current_password": "correct horse", "new_password": "short"}),
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body["error"]["fields"]["new_password"].is_string());
    // Both wrong: the wrong current password is reported too, not only the weak new one.
    let both = app
        .http
        .post(
            "/api/users/me/password",
            Some(&t),
            &json!({"current_password": "not it at all", "new_password": "short"}),
        )
        .await;
    assert_eq!(both.status, 422);
    assert!(
        both.body["error"]["fields"]["current_password"].is_string(),
        "{:?}",
        both.body
    );
    assert!(
        both.body["error"]["fields"]["new_password"].is_string(),
        "{:?}",
        both.body
    );

    let changed = app
        .http
        .post(
            "/api/users/me/password",
            Some(&t),
            &json!({"current_password": "correct horse", "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(
        app.refresh(&refresh_token(&elsewhere)).await.status,
        401,
        "the other session is revoked"
    );
    assert_eq!(
        app.http
            .get("/api/users/me", Some(&token(&elsewhere)))
            .await
            .status,
        401,
        "and its access token with it, at once"
    );
    assert_eq!(
        app.http.get("/api/users/me", Some(&t)).await.status,
        200,
        "this session's access token still works"
    );
    assert_eq!(
        app.refresh(&refresh_token(&here)).await.status,
        200,
        "this session stays"
    );
    assert_eq!(app.login("quinn", "correct horse").await.status, 401);
    assert_eq!(app.login("quinn", "battery staple").await.status, 200);
}

#[tokio::test]
async fn me_shows_and_updates_the_profile_and_settings() {
    let app = spawn().await;
    let reg = app.register("rosa").await;
    let t = token(&reg);
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.body["email"], "rosa@example.com");
    assert_eq!(me.body["role"], "user");
    assert_eq!(me.body["notifications_enabled"], true);
    assert_eq!(
        me.body["telegram"],
        json!({"available": true, "linked": false, "bot_username": "test_bot"})
    );

    let patch = |body: serde_json::Value| {
        let req = app
            .http
            .client
            .patch(app.http.url("/api/users/me"))
            .bearer_auth(&t)
            .json(&body);
        app.http.send(req)
    };
    let updated = patch(json!({"display_name": "Rosa R."})).await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["display_name"], "Rosa R.");
    assert_eq!(updated.body["notifications_enabled"], true, "left alone");
    let muted = patch(json!({"notifications_enabled": false})).await;
    assert_eq!(muted.body["notifications_enabled"], false);
    assert_eq!(muted.body["display_name"], "Rosa R.", "left alone");
    let profile = app
        .http
        .get(&format!("/api/users/{}", user_id(&reg)), Some(&t))
        .await;
    assert_eq!(profile.body["display_name"], "Rosa R.");
    assert!(profile.body.get("email").is_none(), "others see no email");

    assert_eq!(patch(json!({"display_name": ""})).await.status, 422);
    assert_eq!(
        patch(json!({"display_name": "x".repeat(500)})).await.status,
        422
    );
    assert_eq!(patch(json!({"role": "admin"})).await.status, 422);
    assert_eq!(
        patch(json!({"notifications_enabled": "yes"})).await.status,
        422
    );
}

#[tokio::test]
async fn the_directory_sorts_by_last_seen_with_online_users_first() {
    let app = spawn().await;
    let me = app.register("viewer").await;
    let t = token(&me);
    let mut ids = std::collections::HashMap::new();
    for name in ["never", "hour_ago", "minute_ago", "online_now"] {
        ids.insert(name, user_id(&app.register(name).await));
    }
    let mut conn = app.db.conn().await;
    let instance = uuid::Uuid::new_v4();
    chat_db::presence::register_instance(&mut conn, instance)
        .await
        .unwrap();
    chat_db::presence::add_session(
        &mut conn,
        uuid::Uuid::new_v4(),
        instance,
        ids["online_now"].parse().unwrap(),
    )
    .await
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO user_presence (user_id, last_seen_at) VALUES \
         ('{}', now() - interval '1 hour'), ('{}', now() - interval '1 minute')",
        ids["hour_ago"], ids["minute_ago"]
    ))
    .execute(&mut conn)
    .await
    .unwrap();

    let names = |reply: &chat_testkit::Reply| -> Vec<String> {
        reply.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = app
        .http
        .get(
            "/api/users?sort=last_seen&exclude_me=true&limit=2",
            Some(&t),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(names(&first), ["online_now", "minute_ago"]);
    assert_eq!(first.body["users"][0]["online"], true);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .http
        .get(
            &format!("/api/users?sort=last_seen&exclude_me=true&limit=2&cursor={cursor}"),
            Some(&t),
        )
        .await;
    assert_eq!(names(&second), ["hour_ago", "never"]);
    assert!(second.body["users"][1]["last_seen_at"].is_null());
    assert!(second.body["next_cursor"].is_null());
    let by_name = app
        .http
        .get("/api/users?sort=name&exclude_me=true", Some(&t))
        .await;
    assert_eq!(
        names(&by_name),
        ["hour_ago", "minute_ago", "never", "online_now"]
    );
    let mismatched = app
        .http
        .get(&format!("/api/users?sort=name&cursor={cursor}"), Some(&t))
        .await;
    assert_eq!(mismatched.status, 400);
    let bad_sort = app.http.get("/api/users?sort=shoe_size", Some(&t)).await;
    assert_eq!(bad_sort.status, 400);
}

#[tokio::test]
async fn logins_and_registrations_are_rate_limited_with_retry_after() {
    let db = TestDb::new().await;
    let mut cfg = config(&db);
    cfg.limits = Limits {
        login_per_account: 3,
        login_account_ceiling: 5,
        login_per_address: 6,
        register_per_address: 2,
    };
    let app = spawn_with(cfg, db).await;
    let register_from = |name: &str, address: &str| {
        let req = app
            .http
            .client
            .post(app.http.url("/api/auth/register"))
            .header("x-forwarded-for", address)
            .json(&json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse"}));
        app.http.send(req)
    };
    // Refused registrations spend nothing: invalid fields, a taken username, a taken email.
    let invalid = app
        .http
        .client
        .post(app.http.url("/api/auth/register"))
        .header("x-forwarded-for", "10.0.0.1")
        .json(&json!({"username": "x", "email": "not an email", "password": "short"}));
    for _ in 0..3 {
        assert_eq!(
            app.http.send(invalid.try_clone().unwrap()).await.status,
            422
        );
    }
    assert_eq!(register_from("reg_a", "10.0.0.1").await.status, 201);
    for _ in 0..3 {
        assert_eq!(register_from("reg_a", "10.0.0.1").await.status, 409);
    }
    let taken_email = app
        .http
        .client
        .post(app.http.url("/api/auth/register"))
        .header("x-forwarded-for", "10.0.0.1")
        .json(&json!({"username": "reg_other", "email": "REG_A@example.com", "password": "correct horse"}));
    let conflict = app.http.send(taken_email).await;
    assert_eq!(conflict.status, 409, "{:?}", conflict.body);
    assert!(
        conflict.body["error"]["fields"]["email"].is_string(),
        "{:?}",
        conflict.body
    );
    assert_eq!(register_from("reg_b", "10.0.0.1").await.status, 201);
    let limited = register_from("reg_c", "10.0.0.1").await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert_eq!(limited.body["error"]["code"], "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(
        register_from("reg_c", "10.0.0.2").await.status,
        201,
        "another address has its own budget"
    );

    let login_from = |login: &str, password: &str, address: &str| {
        let req = app
            .http
            .client
            .post(app.http.url("/api/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"login": login, "password": password}));
        app.http.send(req)
    };
    // Failures per account and address: the username and the email share one budget, and the
    // failure that finds it spent (the fourth) shuts that address out, the right password too.
    for login in ["reg_a", "reg_a@example.com", "reg_a", "reg_a@example.com"] {
        let reply = login_from(login, "wrong one", "10.1.0.1").await;
        assert_eq!(reply.status, 401, "{login}: {:?}", reply.body);
    }
    let locked = login_from("reg_a", "correct horse", "10.1.0.1").await;
    assert_eq!(
        locked.status, 429,
        "even the right password waits, from there"
    );
    assert!(locked.header("retry-after").is_some());
    // The owner, elsewhere, is not locked out by a stranger's failures.
    assert_eq!(
        login_from("reg_a", "correct horse", "10.1.0.2")
            .await
            .status,
        200,
        "another address has its own budget for this account"
    );
    // The ceiling per account, from all addresses together (5 here): failures 5 and 6 come from
    // two more addresses; the sixth finds it spent, and then the account waits everywhere.
    assert_eq!(login_from("reg_a", "wrong", "10.1.0.3").await.status, 401);
    assert_eq!(login_from("reg_a", "wrong", "10.1.0.4").await.status, 401);
    assert_eq!(
        login_from("reg_a", "correct horse", "10.1.0.5")
            .await
            .status,
        429,
        "past the ceiling the account waits"
    );
    assert_eq!(
        login_from("reg_b", "correct horse", "10.1.0.5")
            .await
            .status,
        200,
        "other accounts are not locked out"
    );

    // Failed logins never block a password change.
    let session = login_from("reg_b", "correct horse", "10.3.0.9").await;
    assert_eq!(session.status, 200);
    for _ in 0..4 {
        login_from("reg_b", "wrong one", "10.3.0.1").await;
    }
    assert_eq!(
        login_from("reg_b", "correct horse", "10.3.0.1")
            .await
            .status,
        429
    );
    let changed = app
        .http
        .post(
            "/api/users/me/password",
            Some(&token(&session)),
            &json!({"current_password": "correct horse", "new_password": "battery staple"}),
        )
        .await;
    assert!(
        changed.status < 300,
        "{} {:?}",
        changed.status,
        changed.body
    );
    assert_eq!(
        login_from("reg_b", "battery staple", "10.3.0.2")
            .await
            .status,
        200
    );

    // Per address, across accounts.
    for i in 0..6 {
        let reply = login_from(&format!("nobody{i}"), "whatever1", "10.2.0.1").await;
        assert_eq!(reply.status, 401, "attempt {i}");
    }
    let flood = login_from("reg_b", "battery staple", "10.2.0.1").await;
    assert_eq!(flood.status, 429);
}

#[tokio::test]
async fn a_database_outage_gives_503_quickly_and_the_service_recovers() {
    let db = TestDb::new().await;
    let proxy = TcpProxy::start("127.0.0.1:5432").await;
    let mut cfg = config(&db);
    let via_proxy = db
        .url
        .replace("127.0.0.1:5432", &proxy.addr.to_string())
        .replace("localhost:5432", &proxy.addr.to_string());
    assert_ne!(
        via_proxy, db.url,
        "the test database URL names 127.0.0.1:5432"
    );
    cfg.common.database_url = Secret::new(via_proxy);
    let app = spawn_with(cfg, db).await;
    let t = token(&app.register("wanda").await);
    assert_eq!(app.http.get("/api/users/me", Some(&t)).await.status, 200);

    proxy.down();
    let started = Instant::now();
    let me = app.http.get("/api/users/me", Some(&t)).await;
    assert_eq!(me.status, 503, "{:?}", me.body);
    assert_eq!(me.body["error"]["code"], "unavailable");
    let login = app.login("wanda", "correct horse").await;
    assert_eq!(login.status, 503, "{:?}", login.body);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(app.http.get("/readyz", None).await.status, 503);

    proxy.up();
    let recovered = eventually(Duration::from_secs(15), || async {
        let me = app.http.get("/api/users/me", Some(&t)).await;
        (me.status == 200).then_some(me)
    })
    .await;
    assert!(recovered.is_some(), "the service did not recover");
    assert_eq!(app.http.get("/readyz", None).await.status, 200);
}

#[tokio::test]
async fn nul_in_logins_forms_and_searches_is_a_422_and_blank_names_are_refused() {
    let app = spawn().await;
    let registered = app.register("nadia").await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let me = token(&registered);

    let login = app.login("na\u{0}dia", "correct horse").await;
    assert_eq!(login.status, 422, "{:?}", login.body);
    let form = token_form(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "na\u{0}dia"),
            ("password", "correct horse"),
        ],
    )
    .await;
    assert_eq!(form.status, 422, "{:?}", form.body);
    let search = app.http.get("/api/users?q=na%00", Some(&me)).await;
    assert_eq!(search.status, 422, "{:?}", search.body);
    let cursor = app.http.get("/api/users?cursor=a%00b", Some(&me)).await;
    assert!(
        [400, 422].contains(&cursor.status) && cursor.body["error"]["code"].is_string(),
        "{} {:?}",
        cursor.status,
        cursor.body
    );

    let blank = app
        .http
        .post(
            "/api/auth/register",
            None,
            &json!({"username": "ghost", "email": "ghost@example.com", "password": "correct horse", "display_name": "\u{200B}\u{202E}"}),
        )
        .await;
    assert_eq!(blank.status, 422, "{:?}", blank.body);
    assert!(blank.body["error"]["fields"]["display_name"].is_string());
    let rename = app
        .http
        .send(
            app.http
                .client
                .patch(app.http.url("/api/users/me"))
                .bearer_auth(&me)
                .json(&json!({"display_name": "\u{3164}\u{2060}"})),
        )
        .await;
    assert_eq!(rename.status, 422, "{:?}", rename.body);
    // The account still works: nothing above was a failure of the service.
    assert_eq!(app.login("nadia", "correct horse").await.status, 200);
}
