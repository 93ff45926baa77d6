//! A fake Telegram Bot API on loopback, so the notifier's real teloxide code is what tests run.
//! It answers `getMe`, `getWebhookInfo`, `deleteWebhook`, long-polled `getUpdates` and
//! `sendMessage`, records what was sent, and can be told to answer 429 or "blocked".

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// The bot's username in `getMe`.
pub const FAKE_BOT_USERNAME: &str = "test_bot";

/// A message the bot sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
}

#[derive(Default)]
struct State {
    updates: Vec<Value>,
    next_update_id: i64,
    sent: Vec<Sent>,
    /// Answers queued for the next `sendMessage` calls: `Some(retry_after)` is a 429.
    throttled: VecDeque<u64>,
    blocked: HashSet<i64>,
    /// `getUpdates` calls so far.
    polls: usize,
    send_attempts: usize,
    /// How long each `sendMessage` takes to answer.
    send_delay: Duration,
}

/// The running fake. `url()` goes into `TELEGRAM_API_URL`; any token works.
#[derive(Clone)]
pub struct FakeTelegram {
    pub port: u16,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
    sent_notify: Arc<Notify>,
}

fn ok(result: &Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

impl FakeTelegram {
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake telegram");
        let port = listener.local_addr().expect("addr").port();
        let fake = Self {
            port,
            state: Arc::new(Mutex::new(State {
                next_update_id: 1,
                ..State::default()
            })),
            arrived: Arc::new(Notify::new()),
            sent_notify: Arc::new(Notify::new()),
        };
        let data = web::Data::new(fake.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/{bot}/{method}", web::post().to(handle))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        fake
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A user writes `text` to the bot in a chat of `chat_kind` ("private", "group").
    pub fn user_says(&self, chat_id: i64, chat_kind: &str, text: &str) {
        let mut state = self.lock();
        let update_id = state.next_update_id;
        state.next_update_id += 1;
        let command_len = text
            .starts_with('/')
            .then(|| text.split_whitespace().next().map_or(0, str::len));
        let mut chat = json!({"id": chat_id, "type": chat_kind});
        if chat_kind == "private" {
            chat["first_name"] = json!("Tester");
        } else {
            chat["title"] = json!("A group");
        }
        let mut message = json!({
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": chat,
            "from": {"id": chat_id.abs(), "is_bot": false, "first_name": "Tester"},
            "text": text,
        });
        if let Some(len) = command_len {
            message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
        }
        state
            .updates
            .push(json!({"update_id": update_id, "message": message}));
        drop(state);
        self.arrived.notify_waiters();
    }

    /// The next `n` sends answer 429 with `retry_after` seconds.
    pub fn throttle_next(&self, n: usize, retry_after: u64) {
        self.lock()
            .throttled
            .extend(std::iter::repeat_n(retry_after, n));
    }

    /// The user of this chat blocked the bot: sends to it fail with 403.
    pub fn block(&self, chat_id: i64) {
        self.lock().blocked.insert(chat_id);
    }

    /// Everything sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.lock().sent.clone()
    }

    /// Messages sent to one chat.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat_id == chat_id)
            .collect()
    }

    /// Each `sendMessage` from now on takes `delay` to answer (a send in flight).
    pub fn slow_sends(&self, delay: Duration) {
        self.lock().send_delay = delay;
    }

    /// `sendMessage` calls, including refused ones.
    pub fn send_attempts(&self) -> usize {
        self.lock().send_attempts
    }

    /// `getUpdates` calls so far.
    pub fn polls(&self) -> usize {
        self.lock().polls
    }

    /// Waits until `chat_id` has received `count` messages; returns them.
    pub async fn wait_for(&self, chat_id: i64, count: usize, timeout: Duration) -> Vec<Sent> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.sent_notify.notified();
            let got = self.sent_to(chat_id);
            if got.len() >= count {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.sent_to(chat_id);
            }
        }
    }
}

async fn handle(
    fake: web::Data<FakeTelegram>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (bot, method) = path.into_inner();
    if !bot.starts_with("bot") {
        return HttpResponse::NotFound().finish();
    }
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // Telegram takes method names in any case; teloxide sends "GetMe".
    match method.to_ascii_lowercase().as_str() {
        "getme" => ok(&json!({
            "id": 4242, "is_bot": true, "first_name": "Test", "username": FAKE_BOT_USERNAME,
            "can_join_groups": false, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "deletewebhook" | "setmycommands" => ok(&json!(true)),
        "getwebhookinfo" => ok(&json!({
            "url": "", "has_custom_certificate": false, "pending_update_count": 0
        })),
        "getupdates" => get_updates(&fake, &params).await,
        "sendmessage" => send_message(&fake, &params).await,
        _ => HttpResponse::Ok().json(
            json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}),
        ),
    }
}

async fn get_updates(fake: &FakeTelegram, params: &Value) -> HttpResponse {
    let offset = params["offset"].as_i64().unwrap_or(0);
    // Long polling, but short: a test never waits long for a poller to notice shutdown.
    let wait = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(1));
    let deadline = tokio::time::Instant::now() + wait;
    {
        let mut state = fake.lock();
        state.polls += 1;
        // As Telegram does: an offset confirms every update before it, for good.
        if offset > 0 {
            state
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        }
    }
    loop {
        let notified = fake.arrived.notified();
        let pending: Vec<Value> = fake
            .lock()
            .updates
            .iter()
            .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
            .cloned()
            .collect();
        if !pending.is_empty() || tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(&Value::Array(pending));
        }
    }
}

async fn send_message(fake: &FakeTelegram, params: &Value) -> HttpResponse {
    let chat_id = params["chat_id"].as_i64().unwrap_or(0);
    let text = params["text"].as_str().unwrap_or_default().to_owned();
    let delay = {
        let mut state = fake.lock();
        state.send_attempts += 1;
        state.send_delay
    };
    tokio::time::sleep(delay).await;
    let mut state = fake.lock();
    if let Some(retry_after) = state.throttled.pop_front() {
        return HttpResponse::TooManyRequests().json(json!({
            "ok": false, "error_code": 429,
            "description": format!("Too Many Requests: retry after {retry_after}"),
            "parameters": {"retry_after": retry_after}
        }));
    }
    if state.blocked.contains(&chat_id) {
        return HttpResponse::Forbidden().json(json!({
            "ok": false, "error_code": 403,
            "description": "Forbidden: bot was blocked by the user"
        }));
    }
    state.sent.push(Sent {
        chat_id,
        text: text.clone(),
        parse_mode: params["parse_mode"].as_str().map(str::to_owned),
    });
    let message_id = state.sent.len();
    drop(state);
    fake.sent_notify.notify_waiters();
    ok(&json!({
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
        "from": {"id": 4242, "is_bot": true, "first_name": "Test", "username": FAKE_BOT_USERNAME},
        "text": text,
    }))
}
