//! Spawns the whole backend in-process for one test.

use chat_testkit::{
    FakeTelegram, Http, TEST_ORIGIN, TestDb, WsClient, common_config, keys, test_exchange,
};
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
    /// The notifier's health port (`/readyz`, `/bot`).
    pub notifier: Http,
    /// The notifier's settings: another instance built from them shares its queue.
    pub notifier_config: chat_notifier::Config,
    notifier_stop: CancellationToken,
    notifier_task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub db: TestDb,
    /// The link from the gateways to rooms, when the test may cut it ([`Stack::start_cuttable`]).
    pub rooms_link: Option<chat_testkit::TcpProxy>,
    stop: CancellationToken,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop.cancel();
        self.notifier_stop.cancel();
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
        send_batches: 4,
        send_batch_max: 256,
        frames_per_sec: 30,
        frame_burst: 60,
        max_sockets_per_user: 20,
        max_sockets_per_address: 0,
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
        Self::launch(gateways, tweak_rooms, tweak, |_| {}, false).await
    }

    /// The stack with the notifier's settings changed (a bot token, the fake Bot API).
    pub async fn start_notifying(
        gateways: usize,
        tweak_notifier: impl FnOnce(&mut chat_notifier::Config),
    ) -> Self {
        Self::launch(gateways, |_| {}, |_| {}, tweak_notifier, false).await
    }

    /// The stack with a notifier whose bot talks to `telegram`, with digests due after
    /// `window_secs`.
    pub async fn start_with_bot(
        gateways: usize,
        telegram: &FakeTelegram,
        window_secs: u64,
    ) -> Self {
        let url = telegram.url();
        Self::start_notifying(gateways, |c| {
            c.telegram_token = Some(chat_http::config::Secret::new("42:TEST"));
            c.telegram_api_url = Some(url);
            c.digest_window_secs = window_secs;
        })
        .await
    }

    /// The stack with the gateways reaching rooms through [`Stack::rooms_link`], which the
    /// test may take down (a rooms outage as the gateways see it).
    pub async fn start_cuttable(gateways: usize) -> Self {
        Self::launch(gateways, |_| {}, |_| {}, |_| {}, true).await
    }

    async fn launch(
        gateways: usize,
        tweak_rooms: impl FnOnce(&mut chat_rooms::Config),
        tweak: impl Fn(&mut chat_gateway::Config),
        tweak_notifier: impl FnOnce(&mut chat_notifier::Config),
        cuttable: bool,
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
        let rooms_link = match cuttable {
            true => {
                Some(chat_testkit::TcpProxy::start(rooms_url.trim_start_matches("http://")).await)
            }
            false => None,
        };
        let gateways_rooms_url = rooms_link
            .as_ref()
            .map_or(rooms_url.clone(), |p| format!("http://{}", p.addr));
        let mut notifier_config = chat_notifier::Config::for_tests(
            common_config(&db, &exchange),
            format!("{exchange}.notifier"),
            auth_http.base.clone(),
        );
        tweak_notifier(&mut notifier_config);
        let notifier = chat_notifier::build(notifier_config.clone())
            .await
            .expect("notifier");
        let notifier_http = Http::new(format!("http://127.0.0.1:{}", notifier.port));
        let notifier_stop = CancellationToken::new();
        let notifier_task =
            tokio::spawn(notifier.run_until(notifier_stop.clone().cancelled_owned()));
        let mut urls = Vec::new();
        let mut gateway_stops = Vec::new();
        let mut gateway_http = Vec::new();
        for _ in 0..gateways {
            let mut config = gateway_config(&db, &exchange, &gateways_rooms_url);
            tweak(&mut config);
            let gw = chat_gateway::build(config).await.expect("gateway");
            urls.push(format!("ws://127.0.0.1:{}/ws", gw.port));
            gateway_http.push(Http::new(format!("http://127.0.0.1:{}", gw.port)));
            let gstop = CancellationToken::new();
            tokio::spawn(gw.run_until(gstop.clone().cancelled_owned()));
            gateway_stops.push(gstop);
        }
        // Ready means consuming: events published from now on reach every consumer.
        let mut probes = vec![notifier_http.clone()];
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
            notifier: notifier_http,
            notifier_config,
            notifier_stop,
            notifier_task: Some(notifier_task),
            db,
            rooms_link,
            stop,
        }
    }

    /// Stops one gateway instance (as SIGTERM would).
    pub fn stop_gateway(&self, i: usize) {
        self.gateway_stops[i].cancel();
    }

    /// Stops the notifier as SIGTERM would, and waits until it has exited.
    pub async fn stop_notifier(&mut self) {
        self.notifier_stop.cancel();
        if let Some(task) = self.notifier_task.take() {
            task.await
                .expect("the notifier panicked")
                .expect("the notifier failed");
        }
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

    /// The token of a fresh Telegram link from the web API (the part after `?start=`).
    pub async fn telegram_link_token(&self, access: &str) -> String {
        let link = self
            .auth
            .post("/api/users/me/telegram/link", Some(access), &Value::Null)
            .await;
        assert_eq!(link.status, 201, "{:?}", link.body);
        let url = link.body["url"].as_str().unwrap();
        assert!(url.starts_with("https://t.me/test_bot?start="), "{url}");
        url.rsplit('=').next().unwrap().to_owned()
    }

    /// Links a private Telegram chat to the user, as they would: a link from the web API, then
    /// `/start <token>` to the bot. Waits for the bot's answer.
    pub async fn link_telegram(&self, telegram: &FakeTelegram, access: &str, chat: i64) {
        let token = self.telegram_link_token(access).await;
        let before = telegram.sent_to(chat).len();
        telegram.user_says(chat, "private", &format!("/start {token}"));
        let replies = telegram.wait_for(chat, before + 1, WAIT).await;
        assert!(replies.len() > before, "the bot never answered /start");
        assert!(
            replies[before].text.contains("Linked to"),
            "{}",
            replies[before].text
        );
    }

    /// A private group owned by `owner` with `members`; returns its id.
    pub async fn group(&self, owner: &str, name: &str, members: &[Uuid]) -> String {
        let reply = self
            .rooms
            .post(
                "/api/rooms",
                Some(owner),
                &json!({"kind": "group", "name": name, "member_ids": members}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Sends a message through the REST API; returns it.
    pub async fn send(&self, token: &str, room: &str, body: &str) -> Value {
        let reply = self
            .rooms
            .post(
                &format!("/api/rooms/{room}/messages"),
                Some(token),
                &json!({"client_msg_id": Uuid::new_v4().to_string(), "body": body}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body
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

/// Writes `text` to the bot from a chat of `kind` ("private", "group"); returns its answer.
pub async fn ask_bot(telegram: &FakeTelegram, chat: i64, kind: &str, text: &str) -> String {
    let before = telegram.sent_to(chat).len();
    telegram.user_says(chat, kind, text);
    let replies = telegram.wait_for(chat, before + 1, WAIT).await;
    assert!(replies.len() > before, "no reply to {text:?}");
    replies[before].text.clone()
}

pub fn send_frame(room: &str, cid: &str, body: &str) -> Value {
    json!({"type": "send", "room_id": room, "client_msg_id": cid, "body": body})
}
