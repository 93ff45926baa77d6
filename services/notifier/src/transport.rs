//! Where notifications go: Telegram through teloxide, or the log when no bot token is set.
//!
//! Sends go through teloxide's `Throttle` adaptor, which holds each request until Telegram's
//! published limits allow it (one message per second per chat, 30 per second overall, 20 per
//! minute per group) and, after a 429, holds the chat until `retry_after` has passed. The 429
//! itself comes back as [`SendError::RetryAfter`]: the digest stays in its table and is tried
//! again then. No database transaction is open while a send waits (see `digest`).

use std::time::Duration;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Settings;
use teloxide::prelude::*;
use teloxide::types::{ChatId, ParseMode};
use teloxide::{ApiError, RequestError};

pub enum Transport {
    /// No token: log what would be sent, so the stack runs without a Telegram account.
    Log,
    Telegram {
        /// The bot the poller answers commands with.
        bot: Bot,
        /// The same bot behind the throttle, for notifications.
        throttled: Throttle<Bot>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("telegram asked to wait {0:?}")]
    RetryAfter(Duration),
    /// The user blocked the bot or deleted their account: the chat must be unlinked.
    #[error("the chat blocked the bot")]
    Blocked,
    #[error("telegram: {0}")]
    Failed(String),
}

impl From<RequestError> for SendError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::RetryAfter(after) => Self::RetryAfter(after.duration()),
            RequestError::Api(ApiError::BotBlocked | ApiError::UserDeactivated) => Self::Blocked,
            other => Self::Failed(other.to_string()),
        }
    }
}

impl Transport {
    /// Must run inside the runtime: the throttle's worker is spawned on it.
    pub fn new(token: Option<&str>, api_url: Option<&str>) -> anyhow::Result<Self> {
        let Some(token) = token else {
            return Ok(Self::Log);
        };
        let mut bot = Bot::new(token);
        if let Some(url) = api_url {
            bot = bot.set_api_url(url::Url::parse(url)?);
        }
        // No retry inside the throttle: the caller reschedules, see the module docs.
        let throttled = Throttle::spawn_with_settings(bot.clone(), Settings::default().no_retry());
        Ok(Self::Telegram { bot, throttled })
    }

    /// The bot, when a token is configured.
    pub fn bot(&self) -> Option<&Bot> {
        match self {
            Self::Telegram { bot, .. } => Some(bot),
            Self::Log => None,
        }
    }

    /// Sends `html` (Telegram's HTML format, already escaped) to a linked chat; without a
    /// token, logs it.
    pub async fn send(
        &self,
        user_id: uuid::Uuid,
        chat_id: Option<i64>,
        html: &str,
    ) -> Result<(), SendError> {
        match (self, chat_id) {
            (Self::Telegram { throttled, .. }, Some(chat)) => {
                throttled
                    .send_message(ChatId(chat), html)
                    .parse_mode(ParseMode::Html)
                    .await?;
                tracing::info!(user.id = %user_id, "telegram notification sent");
                Ok(())
            }
            (Self::Telegram { .. }, None) => {
                tracing::debug!(user.id = %user_id, "no telegram chat linked: nothing sent");
                Ok(())
            }
            (Self::Log, _) => {
                // Its length, never its text: the digest quotes who wrote and where, which
                // does not belong in a log.
                tracing::info!(
                    user.id = %user_id,
                    telegram.linked = chat_id.is_some(),
                    notification.chars = html.chars().count(),
                    "notification (no bot token: logged, not sent)"
                );
                Ok(())
            }
        }
    }

    /// Whether notifications reach people: only linked chats count when a bot sends them.
    pub fn needs_link(&self) -> bool {
        matches!(self, Self::Telegram { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_http::telemetry::captured;

    /// Without a bot token a notification is logged, but never its text: it quotes who wrote
    /// what, where.
    #[tokio::test]
    async fn without_a_token_a_notification_is_logged_without_its_text() {
        let (logs_to_memory, logs) = captured("debug");
        let _installed = tracing::subscriber::set_default(logs_to_memory);
        let transport = Transport::new(None, None).unwrap();
        transport
            .send(
                uuid::Uuid::now_v7(),
                Some(7),
                "alice: the launch code is 0000",
            )
            .await
            .unwrap();
        let text = logs.text();
        assert!(text.contains("no bot token"), "{text}");
        assert!(text.contains("\"notification.chars\":30"), "{text}");
        assert!(!text.contains("launch code"), "the text leaked: {text}");
    }
}
