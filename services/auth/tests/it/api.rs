//! Registration, sessions, CSRF, the directory, docs and failure handling.

use crate::common::{Auth, config, cookies, spawn, spawn_with, token};
use chat_testkit::{TEST_ORIGIN, TestDb};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn registering_logs_the_user_in_with_tokens_and_http_only_cookies() {
    let app = spawn().await;
    let reply = app.register("alice").await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["user"]["username"], "alice");
    assert_eq!(reply.body["user"]["display_name"], "alice");
    assert!(
        reply.body["user"].get("email").is_none(),
        "the public user hides the email"
    );
    let cookies = cookies(&reply);
    let access = cookies
        .iter()
        .find(|c| c.starts_with("chat_access="))
        .expect("access cookie");
    assert!(
        access.contains("HttpOnly") && access.contains("SameSite=Lax"),
        "{access}"
    );
    let refresh = cookies
        .iter()
        .find(|c| c.starts_with("chat_refresh="))
        .expect("refresh cookie");
    assert!(
        refresh.contains("HttpOnly") && refresh.contains("Path=/api/auth"),
        "{refresh}"
    );

    let me = app.http.get("/api/users/me", Some(&token(&reply))).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "alice");
}

#[tokio::test]
async fn login_works_by_username_or_email_ignoring_case() {
    let app = spawn().await;
    app.register("Bob_1").await;
    for login in ["bob_1", "BOB_1@EXAMPLE.COM"] {
        let reply = app
            .http
            .post(
                "/api/auth/login",
                None,
                &json!({"login": login, "password": "correct horse"}),
            )
            .await;
        assert_eq!(reply.status, 200, "login {login}: {:?}", reply.body);
        assert_eq!(reply.body["user"]["username"], "Bob_1");
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_401() {
    let app = spawn().await;
    app.register("carol").await;
    let wrong = app
        .http
        .post(
            "/api/auth/login",
            None,
            &json!({"login": "carol", "password": "wrong password"}),
        )
        .await;
    let unknown = app
        .http
        .post(
            "/api/auth/login",
            None,
            &json!({"login": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn invalid_registrations_get_422_with_a_message_per_field() {
    let app = spawn().await;
    let reply = app
        .http
        .post(
            "/api/auth/register",
            None,
            &json!({"username": "a b", "email": "not-an-email", "password": "short"}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["error"]["code"], "validation_failed");
    let fields = &reply.body["error"]["fields"];
    for field in ["username", "email", "password"] {
        assert!(
            fields[field].is_string(),
            "no message for {field}: {fields}"
        );
    }
    let long = app
        .http
        .post(
            "/api/auth/register",
            None,
            &json!({"username": "dave", "email": "dave@example.com", "password": "x".repeat(73)}),
        )
        .await;
    assert_eq!(long.status, 422, "bcrypt would truncate this password");
}

#[tokio::test]
async fn taken_usernames_and_emails_get_409_naming_the_field() {
    let app = spawn().await;
    assert_eq!(app.register("erin").await.status, 201);
    let same_name = app
        .http
        .post(
            "/api/auth/register",
            None,
            &json!({"username": "ERIN", "email": "other@example.com", "password": "correct horse"}),
        )
        .await;
    assert_eq!(same_name.status, 409);
    assert!(same_name.body["error"]["fields"]["username"].is_string());
    let same_email = app
        .http
        .post(
            "/api/auth/register",
            None,
            &json!({"username": "erin2", "email": "Erin@Example.com", "password": "correct horse"}),
        )
        .await;
    assert_eq!(same_email.status, 409);
    assert!(same_email.body["error"]["fields"]["email"].is_string());
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reusing_one_revokes_the_family() {
    let app = spawn().await;
    let first = app.register("frank").await;
    let r1 = first.body["refresh_token"].as_str().unwrap().to_owned();
    let second = app
        .http
        .post("/api/auth/refresh", None, &json!({"refresh_token": r1}))
        .await;
    assert_eq!(second.status, 200, "{:?}", second.body);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    // r1 is spent: presenting it again is reuse, which revokes r2 too.
    let reuse = app
        .http
        .post("/api/auth/refresh", None, &json!({"refresh_token": r1}))
        .await;
    assert_eq!(reuse.status, 401);
    let after = app
        .http
        .post("/api/auth/refresh", None, &json!({"refresh_token": r2}))
        .await;
    assert_eq!(after.status, 401, "the family must be revoked");
}

#[tokio::test]
async fn logout_revokes_the_session_and_clears_cookies() {
    let app = spawn().await;
    let session = app.register("gina").await;
    let refresh = session.body["refresh_token"].as_str().unwrap().to_owned();
    let out = app
        .http
        .post("/api/auth/logout", None, &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(out.status, 204);
    assert!(
        cookies(&out)
            .iter()
            .any(|c| c.starts_with("chat_access=;") || c.contains("Max-Age=0"))
    );
    let again = app
        .http
        .post(
            "/api/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn cookie_authenticated_requests_are_checked_against_csrf() {
    let app = spawn().await;
    let session = app.register("hank").await;
    let refresh = session.body["refresh_token"].as_str().unwrap();
    let access = token(&session);
    // Reading with the cookie works from anywhere (GET is safe).
    let me = app
        .http
        .send(
            app.http
                .client
                .get(app.http.url("/api/users/me"))
                .header("cookie", format!("chat_access={access}")),
        )
        .await;
    assert_eq!(me.status, 200);
    // A refresh by cookie from a foreign site is refused; from our origin it works.
    let foreign = app
        .http
        .send(
            app.http
                .client
                .post(app.http.url("/api/auth/refresh"))
                .header("cookie", format!("chat_refresh={refresh}"))
                .header("origin", "https://evil.example")
                .json(&json!({})),
        )
        .await;
    assert_eq!(foreign.status, 403);
    let ours = app
        .http
        .send(
            app.http
                .client
                .post(app.http.url("/api/auth/refresh"))
                .header("cookie", format!("chat_refresh={refresh}"))
                .header("origin", TEST_ORIGIN)
                .json(&json!({})),
        )
        .await;
    assert_eq!(ours.status, 200, "{:?}", ours.body);
}

#[tokio::test]
async fn protected_endpoints_need_a_valid_token() {
    let app = spawn().await;
    assert_eq!(app.http.get("/api/users/me", None).await.status, 401);
    assert_eq!(
        app.http.get("/api/users/me", Some("garbage")).await.status,
        401
    );
    let expired = chat_testkit::mint_token(uuid::Uuid::new_v4(), "x", -60);
    let reply = app.http.get("/api/users/me", Some(&expired)).await;
    assert_eq!(reply.status, 401);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn bad_input_always_gets_a_json_error_with_the_right_status() {
    let app = spawn().await;
    let c = &app.http.client;
    let url = app.http.url("/api/auth/register");
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (c.post(&url).header("content-type", "application/json").body("{not json"), 400),
        (c.post(&url).header("content-type", "application/json").body(vec![0xff, 0xfe, b'{']), 400),
        (c.post(&url).header("content-type", "text/plain").body("{}"), 415),
        (c.post(&url).json(&json!({"username": 5, "email": "a@b.co", "password": "12345678"})), 422),
        (c.post(&url).json(&json!({"email": "a@b.co", "password": "12345678"})), 422),
        (c.post(&url).json(&json!({"username": "ok_name", "email": "a@b.co", "password": "12345678", "admin": true})), 422),
        (c.post(&url).header("content-type", "application/json").body(format!("{{\"username\":\"{}\"}}", "x".repeat(100_000))), 413),
        (c.get(app.http.url("/api/nope")), 404),
    ];
    for (i, (req, status)) in cases.into_iter().enumerate() {
        let reply = app.http.send(req).await;
        assert_eq!(reply.status, status, "case {i}: {:?}", reply.body);
        assert!(
            reply.body["error"]["code"].is_string(),
            "case {i} has no envelope: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_directory_searches_by_prefix_and_pages_by_cursor() {
    let app = spawn().await;
    let me = app.register("zed").await;
    let t = token(&me);
    for name in ["anna", "andy", "anton", "bert"] {
        app.register(name).await;
    }
    let page = app.http.get("/api/users?q=an&limit=2", Some(&t)).await;
    assert_eq!(page.status, 200);
    let names: Vec<&str> = page.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["andy", "anna"]);
    let cursor = page.body["next_cursor"].as_str().expect("more pages");
    let next = app
        .http
        .get(
            &format!("/api/users?q=an&limit=2&cursor={cursor}"),
            Some(&t),
        )
        .await;
    let names: Vec<&str> = next.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anton"]);
    assert!(next.body["next_cursor"].is_null());
    let all = app
        .http
        .get("/api/users?exclude_me=true&limit=100", Some(&t))
        .await;
    let names: Vec<&str> = all.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"zed"));
    assert_eq!(names.len(), 4);
    assert_eq!(all.body["users"][0]["online"], false);
    let profile = app
        .http
        .get(
            &format!("/api/users/{}", me.body["user"]["id"].as_str().unwrap()),
            Some(&t),
        )
        .await;
    assert_eq!(profile.body["username"], "zed");
    assert_eq!(
        app.http.get("/api/users/not-a-uuid", Some(&t)).await.status,
        404
    );
    let missing = app
        .http
        .get(&format!("/api/users/{}", uuid::Uuid::new_v4()), Some(&t))
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn the_api_is_documented_and_swagger_ui_is_served() {
    let app = spawn().await;
    let doc = app.http.get("/api/auth/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/users/me",
        "/api/users",
        "/api/users/{id}",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
    let ui = app.http.get("/docs/", None).await;
    assert_eq!(ui.status, 200);
    assert!(
        ui.body.as_str().unwrap_or_default().contains("swagger"),
        "{:?}",
        ui.body
    );
}

#[tokio::test]
async fn health_probes_answer() {
    let app = spawn().await;
    assert_eq!(app.http.get("/livez", None).await.status, 200);
    let ready = app.http.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{:?}", ready.body);
}

#[tokio::test]
async fn a_database_that_is_down_gives_503_quickly() {
    let db = TestDb::new().await;
    let mut config = config(&db);
    // Nothing listens on port 1.
    config.common.database_url =
        chat_http::config::Secret::new("postgres://postgres@127.0.0.1:1/none");
    let app = spawn_with(config, db).await;
    let started = Instant::now();
    let reply = app.register("ivan").await;
    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["code"], "unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(app.http.get("/readyz", None).await.status, 503);
    let _: Value = reply.body;
}

#[tokio::test]
async fn browsers_get_the_refresh_token_only_as_a_cookie() {
    let app = spawn().await;
    app.register("bella").await;
    let login = |origin: Option<&'static str>| {
        let mut req = app
            .http
            .client
            .post(app.http.url("/api/auth/login"))
            .json(&json!({"login": "bella", "password": "correct horse"}));
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        app.http.send(req)
    };
    let browser = login(Some(TEST_ORIGIN)).await;
    assert_eq!(browser.status, 200, "{:?}", browser.body);
    assert!(
        browser.body.get("refresh_token").is_none(),
        "{:?}",
        browser.body
    );
    assert!(browser.body["access_token"].is_string());
    assert!(
        cookies(&browser)
            .iter()
            .any(|c| c.starts_with("chat_refresh=") && c.contains("HttpOnly")),
        "the refresh token comes as an HttpOnly cookie"
    );
    let api_client = login(None).await;
    assert!(
        api_client.body["refresh_token"].is_string(),
        "{:?}",
        api_client.body
    );
}

/// A body is an object: serde would also read a struct from an array of its fields, so an
/// update made of `[null, null]` was accepted as an empty one. A body that is optional may be
/// left out, but one that is there must be valid.
#[tokio::test]
async fn bodies_must_be_objects_and_an_optional_body_that_is_sent_must_be_valid() {
    let app = spawn().await;
    let reply = app.register("alice").await;
    let access = token(&reply);
    for body in ["[null, null]", "[\"Alice\", true]", "null", "3"] {
        let req = app
            .http
            .client
            .patch(app.http.url("/api/users/me"))
            .bearer_auth(&access)
            .header("Content-Type", "application/json")
            .body(body);
        let refused = app.http.send(req).await;
        assert_eq!(refused.status, 422, "{body}: {:?}", refused.body);
        assert_eq!(refused.body["error"]["code"], "validation_failed", "{body}");
    }
    for (body, status) in [
        ("[1]", 422),
        ("{\"refresh_token\": 5}", 422),
        ("{oops", 400),
    ] {
        let req = app
            .http
            .client
            .post(app.http.url("/api/auth/logout"))
            .header("Content-Type", "application/json")
            .body(body);
        let refused = app.http.send(req).await;
        assert_eq!(refused.status, status, "{body}: {:?}", refused.body);
    }
    let req = app.http.client.post(app.http.url("/api/auth/logout"));
    let no_body = app.http.send(req).await;
    assert_eq!(no_body.status, 204, "{:?}", no_body.body);
}
