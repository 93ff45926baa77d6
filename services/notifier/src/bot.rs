//! The Telegram bot: long polling with teloxide, run by exactly one notifier instance at a
//! time. Instances compete for a PostgreSQL advisory lock on a connection of their own; the
//! holder polls until it shuts down or loses the connection (the lock goes with it), and a
//! standby takes over within `BOT_LEADER_RETRY`.

use crate::AppState;
use crate::auth_client::{AuthCallError, LinkedAccount};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use tokio_util::sync::CancellationToken;

/// The advisory lock key of the poller: "chat-bot" in ASCII.
const POLLER_LOCK: i64 = 0x6368_6174_2d62_6f74;
/// How often a standby tries for the lock, and the leader checks it still holds it.
pub const BOT_LEADER_RETRY: Duration = Duration::from_secs(2);

const HOW_TO_LINK: &str = "Hello! I tell you about chat messages that arrive while you are away.\n\
To link your account, open the web app, go to your profile and choose \"Link Telegram\": \
it brings you back here with a one-time link.";
const HELP: &str = "Commands:\n/status - which account is linked, and whether notifications are on\n\
/mute - pause notifications\n/unmute - resume notifications\n/unlink - unlink this chat";
const PRIVATE_ONLY: &str =
    "I only work in private chats: open a private chat with me to link your account.";
const NOT_LINKED: &str =
    "This chat is not linked to an account. Use the link from your profile in the web app.";
const TRY_LATER: &str = "Something went wrong on our side. Please try again in a minute.";

/// Competes for the poller role until cancelled.
pub async fn run(state: Arc<AppState>, bot: Bot, cancel: CancellationToken) {
    while !cancel.is_cancelled() {
        match AsyncPgConnection::establish(state.config.common.database_url.expose()).await {
            Ok(mut lock_conn) => {
                if matches!(
                    chat_db::leader::try_lock(&mut lock_conn, POLLER_LOCK).await,
                    Ok(true)
                ) {
                    tracing::info!("this instance polls Telegram");
                    state.polling.store(true, Ordering::Relaxed);
                    poll(&state, &bot, &mut lock_conn, &cancel).await;
                    state.polling.store(false, Ordering::Relaxed);
                    tracing::info!("this instance stopped polling Telegram");
                }
                // Dropping the connection releases the lock.
            }
            Err(e) => tracing::warn!(error = %e, "no database connection for the poller lock"),
        }
        tokio::select! {
            () = tokio::time::sleep(BOT_LEADER_RETRY) => {}
            () = cancel.cancelled() => {}
        }
    }
}

/// Polls until cancelled or the lock's connection fails, then stops the dispatcher through its
/// shutdown token (in-flight handlers finish first).
async fn poll(
    state: &Arc<AppState>,
    bot: &Bot,
    lock_conn: &mut AsyncPgConnection,
    cancel: &CancellationToken,
) {
    let handler = Update::filter_message().endpoint(on_message);
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .dependencies(dptree::deps![state.clone()])
        .default_handler(|_| async {})
        .build();
    let shutdown = dispatcher.shutdown_token();
    let listener = Polling::builder(bot.clone())
        .timeout(Duration::from_secs(state.config.telegram_poll_timeout_secs))
        .delete_webhook()
        .await
        .build();
    let dispatching = dispatcher.try_dispatch_with_listener(
        listener,
        LoggingErrorHandler::with_custom_text("Telegram polling failed"),
    );
    tokio::pin!(dispatching);
    loop {
        tokio::select! {
            done = &mut dispatching => {
                if let Err(e) = done {
                    tracing::warn!(error = %e, "cannot start polling Telegram");
                }
                return;
            }
            () = tokio::time::sleep(BOT_LEADER_RETRY) => {
                let alive = diesel::sql_query("SELECT 1").execute(lock_conn).await.is_ok();
                if !alive {
                    tracing::warn!("lost the poller lock's connection: stepping down");
                    break;
                }
            }
            () = cancel.cancelled() => break,
        }
    }
    // Stop through the shutdown token, so in-flight handlers finish. The dispatcher may still
    // be starting (getMe): then it refuses, and we try again while driving it.
    let stopping = async {
        loop {
            if let Ok(stopped) = shutdown.shutdown() {
                stopped.await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        let ((), done) = tokio::join!(stopping, &mut dispatching);
        if let Err(e) = done {
            tracing::warn!(error = %e, "Telegram polling ended with an error");
        }
    })
    .await;
}

/// `/start@my_bot token` -> ("/start", "token").
fn command(text: &str) -> (String, &str) {
    let text = text.trim();
    let (head, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let name = head.split('@').next().unwrap_or(head).to_lowercase();
    (name, rest.trim())
}

fn describe(account: &LinkedAccount) -> String {
    format!(
        "Linked to {} (@{}). Notifications are {}.",
        account.display_name,
        account.username,
        if account.notifications_enabled {
            "on"
        } else {
            "off (/unmute to turn them on)"
        }
    )
}

async fn on_message(bot: Bot, msg: Message, state: Arc<AppState>) -> ResponseResult<()> {
    let Some(text) = msg.text() else {
        return Ok(());
    };
    let chat_id = msg.chat.id.0;
    let reply = if msg.chat.is_private() {
        answer(&state, chat_id, text).await
    } else {
        PRIVATE_ONLY.to_owned()
    };
    bot.send_message(msg.chat.id, reply).await?;
    Ok(())
}

async fn answer(state: &AppState, chat_id: i64, text: &str) -> String {
    let auth = &state.auth;
    let (name, arg) = command(text);
    let outcome = match name.as_str() {
        "/start" if arg.is_empty() => return HOW_TO_LINK.to_owned(),
        "/start" => match auth.redeem(arg, chat_id).await {
            Ok(account) => {
                tracing::info!(user.id = %account.user_id, "telegram chat linked");
                Ok(format!(
                    "Done! {} You will hear from me when messages wait for you. {HELP}",
                    describe(&account)
                ))
            }
            Err(AuthCallError::NotFound) => Ok("This link is invalid, used or expired. \
                 Get a new one from your profile in the web app."
                .to_owned()),
            Err(e) => Err(e),
        },
        "/status" => auth.account(chat_id).await.map(|a| describe(&a)),
        "/mute" => auth
            .set_notifications(chat_id, false)
            .await
            .map(|_| "Notifications are off. /unmute turns them back on.".to_owned()),
        "/unmute" => auth
            .set_notifications(chat_id, true)
            .await
            .map(|_| "Notifications are on.".to_owned()),
        "/unlink" => auth
            .unlink(chat_id)
            .await
            .map(|()| "Unlinked. You will get no more notifications here.".to_owned()),
        _ => return format!("{HOW_TO_LINK}\n\n{HELP}"),
    };
    match outcome {
        Ok(reply) => reply,
        Err(AuthCallError::NotFound) => NOT_LINKED.to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "bot command failed");
            TRY_LATER.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_are_parsed_with_or_without_the_bot_name() {
        assert_eq!(super::command("/start abc"), ("/start".into(), "abc"));
        assert_eq!(super::command("/Status@test_bot"), ("/status".into(), ""));
        assert_eq!(super::command("  /start   t0k  "), ("/start".into(), "t0k"));
        assert_eq!(super::command("hello"), ("hello".into(), ""));
    }
}
