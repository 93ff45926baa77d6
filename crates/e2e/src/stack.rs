//! Spawns the whole backend in-process for one test.

use chat_testkit::{Http, TEST_ORIGIN, TestDb, WsClient, common_config, keys, test_exchange};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Stack {
    pub auth: Http,
    pub rooms: Http,
    /// One WebSocket URL per gateway instance.
    pub gateways: Vec<String>,
    gateway_stops: Vec<CancellationToken>,
    pub db: TestDb,
    stop: CancellationToken,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop.cancel();
        for s in &self.gateway_stops {
            s.cancel();
        }
    }
}

pub fn gateway_config(db: &TestDb, exchange: &str, rooms_url: &str) -> chat_gateway::Config {
    chat_gateway::Config {
        common: common_config(db, exchange),
        bind: "127.0.0.1:0".into(),
        rooms_url: rooms_url.to_owned(),
        instance_id: Uuid::new_v4(),
        max_frame_bytes: 16 * 1024,
        outbound_queue: 64,
        ping_secs: 5,
        idle_timeout_secs: 30,
        auth_timeout_secs: 2,
        heartbeat_secs: 1,
        presence_fresh_secs: 5,
        presence_grace_secs: 1,
    }
}

impl Stack {
    pub async fn start(gateways: usize) -> Self {
        Self::start_with(gateways, |_| {}).await
    }

    pub async fn start_with(gateways: usize, tweak: impl Fn(&mut chat_gateway::Config)) -> Self {
        Self::start_tuned(gateways, |_| {}, tweak).await
    }

    /// The stack with settings of the rooms service and of each gateway changed.
    pub async fn start_tuned(
        gateways: usize,
        tweak_rooms: impl FnOnce(&mut chat_rooms::Config),
        tweak: impl Fn(&mut chat_gateway::Config),
    ) -> Self {
        let db = TestDb::new().await;
        let exchange = test_exchange();
        let stop = CancellationToken::new();
        let auth = chat_auth::build(chat_auth::Config {
            presence_fresh_secs: 5,
            ..chat_auth::Config::for_tests(
                common_config(&db, &exchange),
                &keys().private_file,
                &keys().public_file,
            )
        })
        .await
        .expect("auth");
        let auth_http = Http::new(format!("http://127.0.0.1:{}", auth.port));
        tokio::spawn(auth.run_until(stop.clone().cancelled_owned()));
        let mut rooms_config = chat_rooms::Config::for_tests(common_config(&db, &exchange));
        tweak_rooms(&mut rooms_config);
        let rooms = chat_rooms::build(rooms_config).await.expect("rooms");
        let rooms_url = format!("http://127.0.0.1:{}", rooms.port);
        tokio::spawn(rooms.run_until(stop.clone().cancelled_owned()));
        let notifier = chat_notifier::build(chat_notifier::Config::for_tests(
            common_config(&db, &exchange),
            format!("{exchange}.notifier"),
            auth_http.base.clone(),
        ))
        .await
        .expect("notifier");
        let notifier_http = Http::new(format!("http://127.0.0.1:{}", notifier.port));
        tokio::spawn(notifier.run_until(stop.clone().cancelled_owned()));
        let mut urls = Vec::new();
        let mut gateway_stops = Vec::new();
        let mut gateway_http = Vec::new();
        for _ in 0..gateways {
            let mut config = gateway_config(&db, &exchange, &rooms_url);
            tweak(&mut config);
            let gw = chat_gateway::build(config).await.expect("gateway");
            urls.push(format!("ws://127.0.0.1:{}/ws", gw.port));
            gateway_http.push(Http::new(format!("http://127.0.0.1:{}", gw.port)));
            let gstop = CancellationToken::new();
            tokio::spawn(gw.run_until(gstop.clone().cancelled_owned()));
            gateway_stops.push(gstop);
        }
        // Ready means consuming: events published from now on reach every consumer.
        let mut probes = vec![notifier_http];
        probes.extend(gateway_http);
        for probe in probes {
            let ready = chat_testkit::eventually(WAIT, || {
                let probe = probe.clone();
                async move { (probe.get("/readyz", None).await.status == 200).then_some(()) }
            })
            .await;
            assert!(ready.is_some(), "{} never became ready", probe.base);
        }
        Self {
            auth: auth_http,
            rooms: Http::new(rooms_url),
            gateways: urls,
            gateway_stops,
            db,
            stop,
        }
    }

    /// Stops one gateway instance (as SIGTERM would).
    pub fn stop_gateway(&self, i: usize) {
        self.gateway_stops[i].cancel();
    }

    /// Registers a user through auth; returns (id, access token).
    pub async fn user(&self, name: &str) -> (Uuid, String) {
        let reply = self
            .auth
            .post(
                "/api/auth/register",
                None,
                &json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let id = reply.body["user"]["id"].as_str().unwrap().parse().unwrap();
        (id, reply.body["access_token"].as_str().unwrap().to_owned())
    }

    pub async fn direct(&self, token: &str, peer: Uuid) -> String {
        let reply = self
            .rooms
            .post("/api/rooms/direct", Some(token), &json!({"user_id": peer}))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Opens a socket on gateway `i` and waits for its hello.
    pub async fn socket(&self, i: usize, token: &str) -> WsClient {
        self.socket_hello(i, token).await.0
    }

    /// Opens a socket on gateway `i`; returns it with its hello frame.
    pub async fn socket_hello(&self, i: usize, token: &str) -> (WsClient, Value) {
        let mut ws = WsClient::connect(&self.gateways[i], Some(token), Some(TEST_ORIGIN))
            .await
            .expect("upgrade accepted");
        let hello = ws.expect("hello", WAIT, |_| true).await;
        (ws, hello)
    }
}

pub fn send_frame(room: &str, cid: &str, body: &str) -> Value {
    json!({"type": "send", "room_id": room, "client_msg_id": cid, "body": body})
}
