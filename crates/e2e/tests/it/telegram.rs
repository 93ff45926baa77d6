//! The Telegram bot against the fake Bot API: the real teloxide client, long polling, the
//! linking flow from the web API to `/start`, the commands, and one poller among instances.

use chat_e2e::stack::{Stack, ask_bot};
use chat_testkit::{FakeTelegram, Http};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A second notifier instance on the stack's queue, with its bot; stopped when dropped.
struct Notifier {
    stop: CancellationToken,
    http: Http,
}

impl Drop for Notifier {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn another_notifier(stack: &Stack) -> Notifier {
    let service = chat_notifier::build(stack.notifier_config.clone())
        .await
        .expect("notifier");
    let http = Http::new(format!("http://127.0.0.1:{}", service.port));
    let stop = CancellationToken::new();
    tokio::spawn(service.run_until(stop.clone().cancelled_owned()));
    Notifier { stop, http }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_links_with_a_one_time_token_and_the_commands_work() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, 2).await;
    let (_, access) = stack.user("tina").await;
    let chat = 5001;

    let hello = ask_bot(&telegram, chat, "private", "/start").await;
    assert!(hello.contains("Link Telegram"), "{hello}");
    let unknown = ask_bot(&telegram, chat, "private", "/start not-a-token").await;
    assert!(unknown.contains("invalid, used or expired"), "{unknown}");
    let status = ask_bot(&telegram, chat, "private", "/status").await;
    assert!(status.contains("not linked"), "{status}");

    let token = stack.telegram_link_token(&access).await;
    let linked = ask_bot(&telegram, chat, "private", &format!("/start {token}")).await;
    assert!(
        linked.contains("@tina") && linked.contains("on"),
        "{linked}"
    );
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["telegram"]["linked"], true, "{:?}", me.body);
    // The token was single use.
    let again = ask_bot(&telegram, 5002, "private", &format!("/start {token}")).await;
    assert!(again.contains("invalid, used or expired"), "{again}");

    let muted = ask_bot(&telegram, chat, "private", "/mute").await;
    assert!(muted.contains("off"), "{muted}");
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["notifications_enabled"], false);
    let status = ask_bot(&telegram, chat, "private", "/status@test_bot").await;
    assert!(
        status.contains("@tina") && status.contains("off"),
        "{status}"
    );
    ask_bot(&telegram, chat, "private", "/unmute").await;
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["notifications_enabled"], true);

    let unlinked = ask_bot(&telegram, chat, "private", "/unlink").await;
    assert!(unlinked.contains("Unlinked"), "{unlinked}");
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["telegram"]["linked"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_private_chats_can_link() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, 2).await;
    let (_, access) = stack.user("gina").await;
    let token = stack.telegram_link_token(&access).await;
    let refused = ask_bot(&telegram, -7001, "group", &format!("/start {token}")).await;
    assert!(refused.contains("private chats"), "{refused}");
    let me = stack.auth.get("/api/users/me", Some(&access)).await;
    assert_eq!(me.body["telegram"]["linked"], false);
    // The token is still good for a private chat.
    let linked = ask_bot(&telegram, 7001, "private", &format!("/start {token}")).await;
    assert!(linked.contains("@gina"), "{linked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_instance_polls_and_another_takes_over_when_it_stops() {
    let telegram = FakeTelegram::start().await;
    let mut stack = Stack::start_with_bot(0, &telegram, 2).await;
    let other = another_notifier(&stack).await;
    let chat = 9001;
    // Every instance seeing the update would answer it once each.
    ask_bot(&telegram, chat, "private", "/start").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(telegram.sent_to(chat).len(), 1, "one answer: one poller");

    // Stop whichever polls; the other takes over.
    let polling =
        |http: Http| async move { http.get("/bot", None).await.body["telegram_poller"] == true };
    let (a, b) = (
        polling(stack.notifier.clone()).await,
        polling(other.http.clone()).await,
    );
    assert!(a ^ b, "exactly one instance reports polling ({a}, {b})");
    let survivor = if a {
        stack.stop_notifier().await;
        other.http.clone()
    } else {
        drop(other);
        stack.notifier.clone()
    };
    let took_over = chat_testkit::eventually(Duration::from_secs(15), || {
        let http = survivor.clone();
        async move { polling(http).await.then_some(()) }
    })
    .await;
    assert!(took_over.is_some(), "the other instance took over polling");
    let reply = ask_bot(&telegram, chat, "private", "/status").await;
    assert!(reply.contains("not linked"), "{reply}");
    assert_eq!(telegram.sent_to(chat).len(), 2);
}
