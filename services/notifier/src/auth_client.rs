//! auth's service-only Telegram endpoints (`/internal/telegram/...`), called with the service
//! credential: the notifier never writes `users` itself.

use chat_http::config::Secret;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
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

#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    base: String,
    token: Option<Secret>,
}

impl AuthClient {
    pub fn new(base: &str, token: Option<Secret>) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<Option<T>, AuthCallError> {
        let token = self
            .token
            .as_ref()
            .ok_or_else(|| AuthCallError::Unavailable("no service credential".into()))?;
        let res = req
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| AuthCallError::Unavailable(e.to_string()))?;
        match res.status().as_u16() {
            204 => Ok(None),
            200..=299 => res
                .json()
                .await
                .map(Some)
                .map_err(|e| AuthCallError::Unavailable(e.to_string())),
            404 => Err(AuthCallError::NotFound),
            status => Err(AuthCallError::Unavailable(format!("status {status}"))),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Links `chat_id` to the account whose one-time link token this is.
    pub async fn redeem(&self, token: &str, chat_id: i64) -> Result<LinkedAccount, AuthCallError> {
        let req = self
            .http
            .post(self.url("/internal/telegram/redeem"))
            .json(&json!({"token": token, "chat_id": chat_id}));
        self.call(req).await?.ok_or(AuthCallError::NotFound)
    }

    pub async fn account(&self, chat_id: i64) -> Result<LinkedAccount, AuthCallError> {
        let req = self
            .http
            .get(self.url(&format!("/internal/telegram/chats/{chat_id}")));
        self.call(req).await?.ok_or(AuthCallError::NotFound)
    }

    pub async fn set_notifications(
        &self,
        chat_id: i64,
        enabled: bool,
    ) -> Result<LinkedAccount, AuthCallError> {
        let req = self
            .http
            .put(self.url(&format!("/internal/telegram/chats/{chat_id}/notifications")))
            .json(&json!({"enabled": enabled}));
        self.call(req).await?.ok_or(AuthCallError::NotFound)
    }

    pub async fn unlink(&self, chat_id: i64) -> Result<(), AuthCallError> {
        let req = self
            .http
            .delete(self.url(&format!("/internal/telegram/chats/{chat_id}")));
        self.call::<serde_json::Value>(req).await.map(|_| ())
    }
}
