//! Where notifications go: Telegram through teloxide, or the log when no bot token is set.

use teloxide::prelude::*;
use teloxide::types::ChatId;

pub enum Transport {
    /// No token: log what would be sent, so the stack runs without a Telegram account.
    Log,
    Telegram(Bot),
}

#[derive(Debug, thiserror::Error)]
#[error("telegram: {0}")]
pub struct SendError(String);

impl Transport {
    pub fn new(token: Option<&str>, api_url: Option<&str>) -> anyhow::Result<Self> {
        let Some(token) = token else {
            return Ok(Self::Log);
        };
        let mut bot = Bot::new(token);
        if let Some(url) = api_url {
            bot = bot.set_api_url(url::Url::parse(url)?);
        }
        Ok(Self::Telegram(bot))
    }

    /// The bot, when a token is configured.
    pub fn bot(&self) -> Option<&Bot> {
        match self {
            Self::Telegram(bot) => Some(bot),
            Self::Log => None,
        }
    }

    pub async fn send(
        &self,
        user_id: uuid::Uuid,
        chat_id: Option<i64>,
        text: &str,
    ) -> Result<(), SendError> {
        match (self, chat_id) {
            (Self::Telegram(bot), Some(chat)) => {
                bot.send_message(ChatId(chat), text)
                    .await
                    .map_err(|e| SendError(e.to_string()))?;
                tracing::info!(user.id = %user_id, "telegram notification sent");
                Ok(())
            }
            (Self::Telegram(_), None) => {
                tracing::debug!(user.id = %user_id, "no telegram chat linked: nothing sent");
                Ok(())
            }
            (Self::Log, _) => {
                tracing::info!(
                    user.id = %user_id,
                    telegram.linked = chat_id.is_some(),
                    notification = %text,
                    "notification (no bot token: logged, not sent)"
                );
                Ok(())
            }
        }
    }
}
