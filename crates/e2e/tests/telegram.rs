//! The Telegram bot against the fake Bot API: the real teloxide client, long polling, the
//! linking flow from the web API to `/start`, the commands, and one poller among instances.

use chat_e2e::stack::{Stack, WAIT};
use chat_testkit::{FakeTelegram, Http, common_config, test_exchange};
use serde_json::Value;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A notifier with a bot token, talking to the fake Bot API; stopped when dropped.
struct Notifier {
    stop: CancellationToken,
    http: Http,
}

impl Drop for Notifier {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn notifier(stack: &Stack, telegram: &FakeTelegram) -> Notifier {
    let mut config = chat_notifier::Config::for_tests(
        common_config(&stack.db, &test_exchange()),
        format!("bot-test-{}", uuid::Uuid::new_v4().simple()),
        stack.auth.base.clone(),
    );
    config.telegram_token = Some(chat_http::config::Secret::new("42:TEST"));
    config.telegram_api_url = Some(telegram.url());
    let service = chat_notifier::build(config).await.expect("notifier");
    let http = Http::new(format!("http://127.0.0.1:{}", service.port));
    let stop = CancellationToken::new();
    tokio::spawn(service.run_until(stop.clone().cancelled_owned()));
    Notifier { stop, http }
}

/// The token of a fresh link from the web API.
async fn link_token(stack: &Stack, access: &str) -> String {
    let link = stack
        .auth
        .post("/api/users/me/telegram/link", Some(access), &Value::Null)
        .await;
    assert_eq!(link.status, 201, "{:?}", link.body);
    let url = link.body["url"].as_str().unwrap();
    assert!(url.starts_with("https://t.me/test_bot?start="), "{url}");
    url.rsplit('=').next().unwrap().to_owned()
}

async fn ask(telegram: &FakeTelegram, chat: i64, kind: &str, text: &str) -> String {
    let before = telegram.sent_to(chat).len();
    telegram.user_says(chat, kind, text);
    let replies = telegram.wait_for(chat, before + 1, WAIT).await;
    assert!(replies.len() > before, "no reply to {text:?}");
    replies[before].text.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_links_with_a_one_time_token_and_the_commands_work() {
    let stack = Stack::start(0).await;
    let telegram = FakeTelegram::start().await;
    let _bot = notifier(&stack, &telegram).await;
    let (_, access) = stack.user("tina").await;
    let chat = 5001;

    let hello = ask(&telegram, chat, "private", "/start").await;
    assert!(hello.contains("Link Telegram"), "{hello}");
    let unknown = ask(&telegram, chat, "private", "/start not-a-token").await;
    assert!(unknown.contains("invalid, used or expired"), "{unknown}");
    let status = ask(&telegram, chat, "private", "/status").await;
    assert!(status.contains("not linked"), "{status}");

    let token = link_token(&stack, &access).await;
    let linked = ask(&telegram, chat, "private", &format!("/start {token}")).await;
    assert!(
        linked.contains("@tina") && linked.contains("on"),
        "{linked}"
    );
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["telegram"]["linked"], true, "{:?}", me.body);
    // The token was single use.
    let again = ask(&telegram, 5002, "private", &format!("/start {token}")).await;
    assert!(again.contains("invalid, used or expired"), "{again}");

    let muted = ask(&telegram, chat, "private", "/mute").await;
    assert!(muted.contains("off"), "{muted}");
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["notifications_enabled"], false);
    let status = ask(&telegram, chat, "private", "/status@test_bot").await;
    assert!(
        status.contains("@tina") && status.contains("off"),
        "{status}"
    );
    ask(&telegram, chat, "private", "/unmute").await;
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["notifications_enabled"], true);

    let unlinked = ask(&telegram, chat, "private", "/unlink").await;
    assert!(unlinked.contains("Unlinked"), "{unlinked}");
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["telegram"]["linked"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_private_chats_can_link() {
    let stack = Stack::start(0).await;
    let telegram = FakeTelegram::start().await;
    let _bot = notifier(&stack, &telegram).await;
    let (_, access) = stack.user("gina").await;
    let token = link_token(&stack, &access).await;
    let refused = ask(&telegram, -7001, "group", &format!("/start {token}")).await;
    assert!(refused.contains("private chats"), "{refused}");
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["telegram"]["linked"], false);
    // The token is still good for a private chat.
    let linked = ask(&telegram, 7001, "private", &format!("/start {token}")).await;
    assert!(linked.contains("@gina"), "{linked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_instance_polls_and_another_takes_over_when_it_stops() {
    let stack = Stack::start(0).await;
    let telegram = FakeTelegram::start().await;
    let first = notifier(&stack, &telegram).await;
    let second = notifier(&stack, &telegram).await;
    let chat = 9001;
    // Every instance seeing the update would answer it once each.
    ask(&telegram, chat, "private", "/start").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(telegram.sent_to(chat).len(), 1, "one answer: one poller");

    // Stop whichever polls; the other takes over.
    let polling = |n: &Notifier| {
        let http = n.http.clone();
        async move { http.get("/bot", None).await.body["telegram_poller"] == true }
    };
    let (a, b) = (polling(&first).await, polling(&second).await);
    assert!(a ^ b, "exactly one instance reports polling ({a}, {b})");
    let survivor = if a {
        drop(first);
        second
    } else {
        drop(second);
        first
    };
    let took_over = chat_testkit::eventually(Duration::from_secs(15), || {
        let http = survivor.http.clone();
        async move { (http.get("/bot", None).await.body["telegram_poller"] == true).then_some(()) }
    })
    .await;
    assert!(took_over.is_some(), "the other instance took over polling");
    let reply = ask(&telegram, chat, "private", "/status").await;
    assert!(reply.contains("not linked"), "{reply}");
    assert_eq!(telegram.sent_to(chat).len(), 2);
}
