//! The walking skeleton's path, run against a deployed stack through nginx:
//! `smoke http://127.0.0.1:8080`. Exits non-zero if any check fails.

use chat_testkit::{Http, WsClient, eventually};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

struct Checks {
    passed: usize,
    failed: usize,
}

impl Checks {
    fn check(&mut self, name: &str, ok: bool, detail: impl std::fmt::Display) {
        if ok {
            self.passed += 1;
            eprintln!("ok   {name}");
        } else {
            self.failed += 1;
            eprintln!("FAIL {name}: {detail}");
        }
    }
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let http = Http::new(base.clone());
    let mut c = Checks {
        passed: 0,
        failed: 0,
    };
    // Each service's own port (`name=url,...`), for the metrics checks.
    let services: Vec<(String, String)> = std::env::var("CHAT_METRICS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, url)| (name.to_owned(), url.trim_end_matches('/').to_owned()))
        .collect();
    let metrics_before = scrape_all(&services).await;
    for (name, scraped) in &metrics_before {
        match scraped {
            Ok(scraped) => {
                let missing: Vec<&str> = families_of(name)
                    .into_iter()
                    .filter(|f| !scraped.contains_key(*f))
                    .collect();
                c.check(
                    &format!("{name} serves its metric families at /metrics"),
                    missing.is_empty(),
                    format!("missing {missing:?}"),
                );
            }
            Err(e) => c.check(&format!("{name} serves /metrics"), false, e),
        }
    }
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (alice_name, bob_name) = (format!("alice_{}", &run[..8]), format!("bob_{}", &run[..8]));

    let home = http.get("/", None).await;
    c.check(
        "the SPA is served at /",
        home.status == 200
            && home
                .body
                .as_str()
                .is_some_and(|b| b.contains("<div id=\"root\"")),
        home.status,
    );
    let csp = home
        .header("content-security-policy")
        .unwrap_or_default()
        .to_owned();
    c.check(
        "security headers are sent",
        csp.contains("default-src 'self'")
            && home.header("x-content-type-options") == Some("nosniff"),
        &csp,
    );
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    c.check(
        "the CSP names the app's own WebSocket origin, not any ws: or wss:",
        csp.contains(&format!("ws://{host} wss://{host}"))
            && !csp.contains(" ws: ")
            && !csp.contains(" wss:;"),
        &csp,
    );
    c.check(
        "no HSTS over plain http",
        home.header("strict-transport-security").is_none(),
        home.header("strict-transport-security").unwrap_or_default(),
    );
    if let Some(https) = std::env::args().nth(2) {
        // The stack's TLS listener, with the certificate made for the run.
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .expect("a client");
        let reply = client.get(format!("{https}/")).send().await;
        let hsts = reply
            .as_ref()
            .ok()
            .and_then(|r| r.headers().get("strict-transport-security"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        c.check(
            "TLS is served when a certificate is set, with HSTS",
            reply.as_ref().is_ok_and(|r| r.status() == 200) && hsts.contains("max-age=31536000"),
            format!("{:?} {hsts}", reply.map(|r| r.status())),
        );
    }
    let deep = http.get("/rooms/some-room", None).await;
    c.check(
        "unknown paths fall back to the SPA",
        deep.status == 200,
        deep.status,
    );
    let docs = http.get("/docs/", None).await;
    c.check(
        "/docs serves Swagger UI",
        docs.status == 200 && docs.body.as_str().is_some_and(|b| b.contains("swagger")),
        docs.status,
    );
    for doc in ["/api/auth/openapi.json", "/api/rooms/openapi.json"] {
        let reply = http.get(doc, None).await;
        c.check(
            &format!("{doc} is served"),
            reply.status == 200 && reply.body["openapi"].is_string(),
            reply.status,
        );
    }
    let addr = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    for case in chat_e2e::edge::cases() {
        let reply = chat_e2e::edge::send(&addr, &case.request).await;
        c.check(
            &format!(
                "{}: {} with the JSON error envelope",
                case.name, case.status
            ),
            reply
                .as_ref()
                .is_ok_and(|r| r.status == case.status && r.is_json_error()),
            format!("{reply:?}"),
        );
    }
    // nginx's per-address limits, from an address of their own (the rest of the test traffic
    // comes from 127.0.0.1, which the test stack leaves unlimited): a burst of API requests,
    // then of WebSocket upgrades, each well past its rate and burst.
    let limited = std::net::IpAddr::from([127, 0, 0, 2]);
    for (what, path, n) in [
        ("API requests", "/api/rooms", 600),
        ("new WebSockets", "/ws", 300),
    ] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n");
        let replies = chat_e2e::edge::burst(limited, &addr, request.as_bytes(), n, 20).await;
        let refused: Vec<_> = replies
            .iter()
            .flatten()
            .filter(|r| r.status == 429)
            .collect();
        c.check(
            &format!("nginx limits {what} per address: 429 with the JSON envelope"),
            !refused.is_empty() && refused.iter().all(|r| r.is_json_error()),
            format!(
                "{} of {n} refused; statuses {:?}",
                refused.len(),
                replies
                    .iter()
                    .map(|r| r.as_ref().map(|r| r.status).map_err(ToString::to_string))
                    .collect::<std::collections::BTreeSet<_>>()
            ),
        );
    }
    for path in ["/readyz", "/metrics"] {
        let reply = http.get(path, None).await;
        c.check(
            &format!("{path} is not public"),
            reply.status == 404,
            reply.status,
        );
    }

    let register = |name: String| {
        let http = http.clone();
        async move {
            http.post(
                "/api/auth/register",
                None,
                &json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse"}),
            )
            .await
        }
    };
    let alice = register(alice_name.clone()).await;
    let bob = register(bob_name.clone()).await;
    c.check(
        "two users register",
        alice.status == 201 && bob.status == 201,
        format!("{} {}", alice.status, bob.status),
    );
    let login = http
        .post(
            "/api/auth/login",
            None,
            &json!({"login": alice_name, "password": "correct horse"}),
        )
        .await;
    let cookie = login.headers.get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap_or_default().starts_with("chat_access=")
            && v.to_str().unwrap_or_default().contains("HttpOnly")
    });
    c.check(
        "login returns a bearer token and an HttpOnly cookie",
        login.status == 200 && login.body["access_token"].is_string() && cookie,
        login.status,
    );
    let form = http
        .send(http.client.post(http.url("/api/auth/token")).form(&[
            ("grant_type", "password"),
            ("username", alice_name.as_str()),
            ("password", "correct horse"),
        ]))
        .await;
    c.check(
        "the OAuth2 token endpoint of /docs' Authorize works through nginx",
        form.status == 200 && form.body["token_type"] == "bearer",
        form.status,
    );
    let internal = http
        .post(
            "/internal/telegram/redeem",
            None,
            &json!({"token": "x", "chat_id": 1}),
        )
        .await;
    c.check(
        "internal endpoints are not reachable through nginx",
        internal.status == 404 && internal.body["error"]["code"] == "not_found",
        internal.status,
    );
    let (Some(alice_token), Some(bob_token), Some(bob_id)) = (
        login.body["access_token"].as_str(),
        bob.body["access_token"].as_str(),
        bob.body["user"]["id"].as_str(),
    ) else {
        finish(&c);
    };
    let room = http
        .post(
            "/api/rooms/direct",
            Some(alice_token),
            &json!({"user_id": bob_id}),
        )
        .await;
    c.check("a direct room opens", room.status == 200, room.status);
    let Some(room_id) = room.body["id"].as_str() else {
        finish(&c)
    };
    if let Ok(path) = std::env::var("CHAT_SERVICE_TOKEN_FILE") {
        // Even holding the service credential, nobody outside can act for a user: nginx drops
        // X-Acting-User, so the credential is taken for a user token, and refused.
        let service_token = std::fs::read_to_string(&path).unwrap_or_default();
        let forged = http
            .send(
                http.client
                    .post(http.url(&format!("/api/rooms/{room_id}/messages")))
                    .bearer_auth(service_token.trim())
                    .header("X-Acting-User", bob_id)
                    .json(&json!({"client_msg_id": "forged", "body": "as bob"})),
            )
            .await;
        c.check(
            "nginx drops X-Acting-User: the service credential acts for nobody through it",
            forged.status == 401,
            forged.status,
        );
    }

    let ws_url = format!("{}/ws", base.replacen("http", "ws", 1));
    let mut a = WsClient::connect(&ws_url, Some(alice_token), Some(&base))
        .await
        .expect("alice's socket");
    let mut b = WsClient::connect(&ws_url, Some(bob_token), Some(&base))
        .await
        .expect("bob's socket");
    let hello_a = a.expect("hello", WAIT, |_| true).await;
    let hello_b = b.expect("hello", WAIT, |_| true).await;
    c.check("both sockets open through nginx", true, "");
    c.check(
        "nginx puts the two users on different gateway instances",
        hello_a["instance_id"].is_string() && hello_a["instance_id"] != hello_b["instance_id"],
        format!("{} / {}", hello_a["instance_id"], hello_b["instance_id"]),
    );
    c.check(
        "hello carries a sync cursor",
        hello_a["cursor"].is_string(),
        &hello_a,
    );
    let bob_online = a
        .expect("presence", WAIT, |f| {
            f["user_id"] == *bob_id && f["online"] == true
        })
        .await;
    c.check("alice sees bob come online", true, &bob_online);
    a.send_json(&json!({"type": "send", "room_id": room_id, "client_msg_id": run, "body": "hello through nginx"})).await;
    let ack = a.expect("ack", WAIT, |_| true).await;
    c.check(
        "the sender gets an ack with the stored message",
        ack["message"]["seq"] == 1,
        &ack,
    );
    let live = b.expect("message_created", WAIT, |_| true).await;
    c.check(
        "the other user receives it live with its seq",
        live["seq"] == 1 && live["message"]["body"] == "hello through nginx",
        &live,
    );
    let history = http
        .get(&format!("/api/rooms/{room_id}/messages"), Some(bob_token))
        .await;
    c.check(
        "REST history returns it",
        history.body["messages"][0]["body"] == "hello through nginx",
        &history.body,
    );
    b.send_json(&json!({"type": "typing", "room_id": room_id}))
        .await;
    let typing = a.expect("typing", WAIT, |_| true).await;
    c.check(
        "typing crosses gateway instances",
        typing["user_id"] == *bob_id,
        &typing,
    );
    b.send_json(&json!({"type": "read", "room_id": room_id, "seq": 1}))
        .await;
    let read = a.expect("read", WAIT, |f| f["user_id"] == *bob_id).await;
    let all = a.expect("read_by_all", WAIT, |_| true).await;
    c.check(
        "the receipt and read-by-all cross gateway instances",
        read["seq"] == 1 && all["seq"] == 1,
        format!("{read} {all}"),
    );
    let unread = b.expect("unread", WAIT, |_| true).await;
    c.check(
        "the reader gets its unread count",
        unread["unread"] == 0,
        &unread,
    );
    drop(b);
    let offline = a
        .expect("presence", WAIT, |f| {
            f["user_id"] == *bob_id && f["online"] == false
        })
        .await;
    c.check(
        "alice sees bob go offline with a last seen",
        offline["last_seen_at"].is_string(),
        &offline,
    );
    shared_login_budget(&mut c, &http, &services, &run).await;
    if !services.is_empty() {
        metrics_moved(&mut c, &services, &metrics_before).await;
    }
    if let Ok(logs) = std::env::var("CHAT_LOG_DIR") {
        let sent = Traced {
            http: &http,
            ws_url: &ws_url,
            origin: &base,
            token: alice_token,
            room_id,
            run: &run,
        };
        traces_followed(&mut c, &sent, std::path::Path::new(&logs)).await;
    }
    finish(&c);
}

/// Where the traced messages go.
struct Traced<'a> {
    http: &'a Http,
    ws_url: &'a str,
    origin: &'a str,
    token: &'a str,
    room_id: &'a str,
    run: &'a str,
}

/// A sampled `traceparent` of a new trace: its header and its trace id.
fn sampled_trace() -> (String, String) {
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let span_id = &uuid::Uuid::new_v4().simple().to_string()[..16];
    (format!("00-{trace_id}-{span_id}-01"), trace_id)
}

/// A field of a JSON log line, on the event itself or on its span.
fn field<'v>(line: &'v serde_json::Value, key: &str) -> Option<&'v str> {
    line.get(key)
        .or_else(|| line.get("span").and_then(|s| s.get(key)))
        .and_then(|v| v.as_str())
}

/// The messages of the JSON log lines of `service` and its replicas (`rooms`: `rooms.log`,
/// `rooms-2.log`, ...) that carry `value` in `key`.
fn lines_with(logs: &std::path::Path, service: &str, key: &str, value: &str) -> Vec<String> {
    let replica = format!("{service}-");
    let mut found = Vec::new();
    for name in log_names(logs, service) {
        if name != service && !name.starts_with(&replica) {
            continue;
        }
        let text = std::fs::read_to_string(logs.join(format!("{name}.log"))).unwrap_or_default();
        found.extend(
            text.lines()
                .filter(|l| l.contains(value))
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|l| field(l, key) == Some(value))
                .filter_map(|l| l["message"].as_str().map(str::to_owned)),
        );
    }
    found
}

/// One message sent over a socket opened with a sampled `traceparent`, and one sent over REST
/// with its own `X-Request-Id` and sampled `traceparent`: each is followed through the
/// services' JSON logs (a rooms replica stores it and the leading one publishes it, every
/// gateway delivers it, a notifier handles it), by trace id for the first and by request id (with the trace id on
/// the same lines) for the second.
async fn traces_followed(c: &mut Checks, sent: &Traced<'_>, logs: &std::path::Path) {
    let (ws_parent, ws_trace) = sampled_trace();
    let (rest_parent, rest_trace) = sampled_trace();
    let request_id = format!("smoke-trace-{}", sent.run);
    let mut socket = WsClient::connect_with(
        sent.ws_url,
        Some(sent.token),
        Some(sent.origin),
        &[("traceparent", &ws_parent)],
    )
    .await
    .expect("a traced socket");
    socket.expect("hello", WAIT, |_| true).await;
    socket
        .send_json(&json!({"type": "send", "room_id": sent.room_id, "client_msg_id": format!("traced-{}", sent.run), "body": "traced over the socket"}))
        .await;
    let ack = socket.expect("ack", WAIT, |_| true).await;
    c.check(
        "the traced socket's send is acknowledged",
        ack["message"]["seq"].is_i64(),
        &ack,
    );
    let reply = sent
        .http
        .send(
            sent.http
                .client
                .post(sent.http.url(&format!("/api/rooms/{}/messages", sent.room_id)))
                .bearer_auth(sent.token)
                .header("X-Request-Id", &request_id)
                .header("traceparent", &rest_parent)
                .json(&json!({"client_msg_id": format!("traced-rest-{}", sent.run), "body": "traced over REST"})),
        )
        .await;
    let answered = reply
        .header("traceparent")
        .and_then(chat_domain::trace::TraceParent::parse);
    c.check(
        "a REST answer carries its hop of the caller's trace",
        reply.status == 201
            && answered.as_ref().is_some_and(|t| {
                t.trace_id == rest_trace && !rest_parent.contains(&t.span_id) && t.sampled
            }),
        format!("{} {:?}", reply.status, reply.header("traceparent")),
    );
    // Where each must show, by the line's message.
    let mut expected: Vec<(String, &str)> = vec![
        ("rooms".to_owned(), "message stored"),
        ("rooms".to_owned(), "event published"),
        ("notifier".to_owned(), "event handled"),
    ];
    for gateway in log_names(logs, "gateway-") {
        expected.push((gateway, "event delivered"));
    }
    let (mut ws_missing, mut rest_missing) = (Vec::new(), Vec::new());
    eventually(WAIT, async || {
        ws_missing.clear();
        rest_missing.clear();
        for (service, message) in &expected {
            if !lines_with(logs, service, "trace.id", &ws_trace)
                .iter()
                .any(|m| m == message)
            {
                ws_missing.push(format!("{service}: {message}"));
            }
            // By request id, and the same lines carry the trace.
            let by_request = lines_with(logs, service, "request.id", &request_id);
            let by_trace = lines_with(logs, service, "trace.id", &rest_trace);
            if !by_request.iter().any(|m| m == message) || !by_trace.iter().any(|m| m == message) {
                rest_missing.push(format!("{service}: {message}"));
            }
        }
        let socket_side = log_names(logs, "gateway-").iter().any(|g| {
            lines_with(logs, g, "trace.id", &ws_trace)
                .iter()
                .any(|m| m == "message acknowledged")
        });
        if !socket_side {
            ws_missing.push("a gateway: message acknowledged".to_owned());
        }
        (ws_missing.is_empty() && rest_missing.is_empty()).then_some(())
    })
    .await;
    c.check(
        "a socket's trace id follows its message through the services' logs",
        ws_missing.is_empty(),
        format!("not found: {ws_missing:?}"),
    );
    c.check(
        "a REST send's request id and trace id follow it through the services' logs",
        rest_missing.is_empty(),
        format!("not found: {rest_missing:?}"),
    );
}

/// The services whose log file name starts with `prefix` (the gateways).
fn log_names(logs: &std::path::Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(logs)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with(prefix) && n.ends_with(".log"))
        .map(|n| n.trim_end_matches(".log").to_owned())
        .collect();
    names.sort_unstable();
    names
}

type Scraped = Vec<(String, Result<chat_e2e::scrape::Scrape, String>)>;

async fn scrape_all(services: &[(String, String)]) -> Scraped {
    let client = reqwest::Client::new();
    let mut all = Vec::new();
    for (name, url) in services {
        all.push((name.clone(), chat_e2e::scrape::scrape(&client, url).await));
    }
    all
}

/// The families a service shows from its start (a histogram by its `_count`).
fn families_of(service: &str) -> Vec<&'static str> {
    let mut families = vec![
        "http_requests_total",
        "http_request_duration_seconds_count",
        "db_pool_connections",
        "db_pool_max_connections",
        "db_pool_waiting_requests",
        "db_pool_wait_seconds_count",
        "db_pool_timeouts_total",
        "broker_reconnects_total",
        "events_redelivered_total",
        "events_dead_lettered_total",
    ];
    families.extend(match kind_of(service) {
        "auth" => vec!["auth_logins_total"],
        "rooms" => vec![
            "outbox_published_events_total",
            "outbox_backlog_events",
            "outbox_oldest_age_seconds",
            "outbox_relay_leader",
        ],
        "notifier" => vec![
            "notifier_digests_total",
            "notifier_telegram_rate_limited_total",
        ],
        "gateway" => vec![
            "gateway_sockets_open",
            "gateway_socket_connects_total",
            "gateway_frames_received_total",
            "gateway_frames_sent_total",
            "gateway_deliveries_total",
            "gateway_slow_socket_kicks_total",
        ],
        _ => vec![],
    });
    families
}

/// What the smoke's traffic must have moved: (kind of service, metric), summed over the
/// service's instances (nginx picks which one a request or socket reaches).
const MOVED: &[(&str, &str)] = &[
    ("auth", "http_requests_total"),
    ("auth", "auth_logins_total"),
    ("auth", "http_request_duration_seconds_count"),
    ("rooms", "http_requests_total"),
    ("rooms", "outbox_published_events_total"),
    ("rooms", "outbox_publish_duration_seconds_count"),
    ("rooms", "db_pool_wait_seconds_count"),
    ("notifier", "events_consumed_total"),
    ("notifier", "events_consumer_lag_seconds_count"),
    ("gateway", "gateway_socket_connects_total"),
    ("gateway", "gateway_frames_received_total"),
    ("gateway", "gateway_frames_sent_total"),
    ("gateway", "gateway_deliveries_total"),
    ("gateway", "gateway_socket_queue_frames_count"),
    ("gateway", "events_consumed_total"),
    ("gateway", "events_consumer_lag_seconds_count"),
];

/// What a service instance is: `auth-2` and `auth` are `auth`, `gateway-1` is `gateway`.
fn kind_of(name: &str) -> &str {
    name.split('-').next().unwrap_or(name)
}

/// A metric summed over every instance of a kind of service.
fn value_of(scraped: &Scraped, kind: &str, metric: &str) -> f64 {
    scraped
        .iter()
        .filter(|(name, _)| kind_of(name) == kind)
        .filter_map(|(_, s)| s.as_ref().ok())
        .filter_map(|s| s.get(metric))
        .sum()
}

/// Checks that the smoke's own traffic moved the metrics it must have (the notifier consumes
/// on its own time: waits for it up to [`WAIT`]).
async fn metrics_moved(c: &mut Checks, services: &[(String, String)], before: &Scraped) {
    let mut still: Vec<String> = Vec::new();
    eventually(WAIT, async || {
        let after = scrape_all(services).await;
        still = MOVED
            .iter()
            .filter(|(kind, metric)| {
                value_of(&after, kind, metric) <= value_of(before, kind, metric)
            })
            .map(|(kind, metric)| format!("{kind} {metric}"))
            .collect();
        still.is_empty().then_some(())
    })
    .await;
    c.check(
        "the smoke's traffic moves the services' metrics",
        still.is_empty(),
        format!("did not move: {still:?}"),
    );
}

/// Wrong passwords for one account, through nginx (which takes turns among auth's replicas):
/// the account's budget (`AUTH_LOGIN_LIMIT_PER_ACCOUNT`, 10 in the test stacks) is spent once
/// for the whole deployment, not once per replica, and then every replica refuses even the
/// right password. With two replicas, each must have counted some of the attempts.
async fn shared_login_budget(
    c: &mut Checks,
    http: &Http,
    services: &[(String, String)],
    run: &str,
) {
    const BUDGET: usize = 10;
    let name = format!("carol_{}", &run[..8]);
    let created = http
        .post(
            "/api/auth/register",
            None,
            &json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse"}),
        )
        .await;
    let auths: Vec<(String, String)> = services
        .iter()
        .filter(|(name, _)| kind_of(name) == "auth")
        .cloned()
        .collect();
    let before = scrape_all(&auths).await;
    let mut statuses = Vec::new();
    for _ in 0..BUDGET + 2 {
        let reply = http
            .post(
                "/api/auth/login",
                None,
                &json!({"login": name, "password": "wrong horse"}),
            )
            .await;
        statuses.push(reply.status);
    }
    let right_password = json!({"login": name, "password": "correct horse"});
    let right = [(); 2].map(|()| http.post("/api/auth/login", None, &right_password));
    let right: Vec<u16> = futures_util::future::join_all(right)
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    c.check(
        "failed logins spend one budget across auth's replicas, then every replica refuses",
        created.status == 201
            && statuses[..BUDGET].iter().all(|s| *s == 401)
            && statuses[BUDGET..].contains(&429)
            && right.iter().all(|s| *s == 429),
        format!(
            "register {}, wrong {statuses:?}, right {right:?}",
            created.status
        ),
    );
    if auths.len() > 1 {
        let after = scrape_all(&auths).await;
        let idle: Vec<&str> = auths
            .iter()
            .filter(|(name, _)| {
                let count = |s: &Scraped| {
                    s.iter()
                        .filter(|(n, _)| n == name)
                        .filter_map(|(_, s)| s.as_ref().ok())
                        .filter_map(|s| s.get("auth_logins_total"))
                        .sum::<f64>()
                };
                count(&after) <= count(&before)
            })
            .map(|(name, _)| name.as_str())
            .collect();
        c.check(
            "every auth replica counted some of those attempts",
            idle.is_empty(),
            format!("no logins counted by {idle:?}"),
        );
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the summary line is this program's output"
)]
fn finish(c: &Checks) -> ! {
    println!("smoke: {} passed, {} failed", c.passed, c.failed);
    std::process::exit(i32::from(c.failed > 0));
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_lines_are_found_in_every_replica_of_a_service_and_only_there() {
        let dir = std::env::temp_dir().join(format!("smoke-logs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let line = |message: &str| {
            format!("{{\"message\":\"{message}\",\"span\":{{\"request.id\":\"r1\"}}}}\n")
        };
        std::fs::write(dir.join("rooms.log"), "not json\n").unwrap();
        std::fs::write(dir.join("rooms-2.log"), line("message stored")).unwrap();
        std::fs::write(dir.join("roomsx.log"), line("elsewhere")).unwrap();
        std::fs::write(dir.join("gateway-1.log"), line("event delivered")).unwrap();
        std::fs::write(dir.join("gateway-10.log"), line("not gateway 1")).unwrap();
        assert_eq!(
            super::lines_with(&dir, "rooms", "request.id", "r1"),
            vec!["message stored"]
        );
        assert_eq!(
            super::lines_with(&dir, "gateway-1", "request.id", "r1"),
            vec!["event delivered"]
        );
        assert!(super::lines_with(&dir, "rooms", "request.id", "r2").is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
