//! auth's service-only Telegram endpoints (`/internal/telegram/...`), called with the service
//! credential: the notifier never writes `users` itself.

use chat_http::client::{CallError, ServiceClient};
use chat_http::config::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// The account a Telegram chat is linked to.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedAccount {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub notifications_enabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthCallError {
    /// Unknown token, or the chat is not linked.
    #[error("not found")]
    NotFound,
    #[error("auth unavailable: {0}")]
    Unavailable(String),
}

impl From<CallError> for AuthCallError {
    fn from(e: CallError) -> Self {
        if e.is_not_found() {
            Self::NotFound
        } else {
            Self::Unavailable(e.to_string())
        }
    }
}

/// Requests carry this request id: they start from a Telegram update, not an HTTP request.
const REQUEST_ID: &str = "telegram-bot";

#[derive(Clone)]
pub struct AuthClient {
    /// `None` without a service credential: every call is then unavailable.
    client: Option<ServiceClient>,
}

impl AuthClient {
    pub fn new(base: &str, token: Option<Secret>) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: token.map(|t| ServiceClient::new(base, t)).transpose()?,
        })
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Option<T>, AuthCallError> {
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| AuthCallError::Unavailable("no service credential".into()))?;
        let mut req = client.request(method, path, None, REQUEST_ID);
        if let Some(body) = body {
            req = req.json(&body);
        }
        Ok(client.send(req).await?)
    }

    /// Links `chat_id` to the account whose one-time link token this is.
    pub async fn redeem(&self, token: &str, chat_id: i64) -> Result<LinkedAccount, AuthCallError> {
        let body = json!({"token": token, "chat_id": chat_id});
        self.call(Method::POST, "/internal/telegram/redeem", Some(body))
            .await?
            .ok_or(AuthCallError::NotFound)
    }

    pub async fn account(&self, chat_id: i64) -> Result<LinkedAccount, AuthCallError> {
        self.call(
            Method::GET,
            &format!("/internal/telegram/chats/{chat_id}"),
            None,
        )
        .await?
        .ok_or(AuthCallError::NotFound)
    }

    pub async fn set_notifications(
        &self,
        chat_id: i64,
        enabled: bool,
    ) -> Result<LinkedAccount, AuthCallError> {
        let path = format!("/internal/telegram/chats/{chat_id}/notifications");
        self.call(Method::PUT, &path, Some(json!({"enabled": enabled})))
            .await?
            .ok_or(AuthCallError::NotFound)
    }

    pub async fn unlink(&self, chat_id: i64) -> Result<(), AuthCallError> {
        let path = format!("/internal/telegram/chats/{chat_id}");
        self.call::<serde_json::Value>(Method::DELETE, &path, None)
            .await
            .map(|_| ())
    }
}
