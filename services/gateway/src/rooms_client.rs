//! Calls to the rooms service for a user connected to this gateway: authenticated with the
//! service credential and naming the user in `X-Acting-User`. The socket code only ever names
//! the user its socket authenticated, and a socket closes when its token expires, so the
//! gateway never acts for anyone who is not connected to it with a valid token.

use chat_domain::Message;
use chat_http::auth::ACTING_USER;
use chat_http::config::Secret;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The rooms service answered with an error envelope.
    #[error("{code}: {message}")]
    Api { code: String, message: String },
    /// It did not answer usefully.
    #[error("rooms service unavailable: {0}")]
    Unavailable(String),
}

impl CallError {
    pub fn code(&self) -> &str {
        match self {
            Self::Api { code, .. } => code,
            Self::Unavailable(_) => "unavailable",
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeBody,
}

#[derive(Deserialize)]
struct EnvelopeBody {
    code: String,
    message: String,
}

/// A user's rooms and the sync cursor taken before they were read.
#[derive(Deserialize)]
pub struct RoomIds {
    pub room_ids: Vec<Uuid>,
    pub cursor: String,
}

#[derive(Clone)]
pub struct RoomsClient {
    http: reqwest::Client,
    base: String,
    service_token: Secret,
}

impl RoomsClient {
    pub fn new(base: &str, service_token: Secret) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(64)
                .tcp_nodelay(true)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            service_token,
        })
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        user: Uuid,
        request_id: &str,
    ) -> Result<T, CallError> {
        let res = req
            .bearer_auth(self.service_token.expose())
            .header(ACTING_USER, user.to_string())
            .header("x-request-id", request_id)
            .send()
            .await
            .map_err(|e| CallError::Unavailable(e.to_string()))?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| CallError::Unavailable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| CallError::Unavailable(e.to_string()));
        }
        match serde_json::from_slice::<Envelope>(&bytes) {
            Ok(env) if status.as_u16() != 503 => Err(CallError::Api {
                code: env.error.code,
                message: env.error.message,
            }),
            _ => Err(CallError::Unavailable(format!("status {status}"))),
        }
    }

    pub async fn room_ids(&self, user: Uuid, request_id: &str) -> Result<RoomIds, CallError> {
        self.call(
            self.http.get(format!("{}/api/rooms/ids", self.base)),
            user,
            request_id,
        )
        .await
    }

    pub async fn send(
        &self,
        user: Uuid,
        request_id: &str,
        room_id: Uuid,
        client_msg_id: &str,
        body: &str,
        reply_to: Option<Uuid>,
    ) -> Result<Message, CallError> {
        let req = self
            .http
            .post(format!("{}/api/rooms/{room_id}/messages", self.base))
            .json(&json!({"client_msg_id": client_msg_id, "body": body, "reply_to": reply_to}));
        self.call(req, user, request_id).await
    }

    pub async fn read(
        &self,
        user: Uuid,
        request_id: &str,
        room_id: Uuid,
        seq: i64,
    ) -> Result<(), CallError> {
        let req = self
            .http
            .post(format!("{}/api/rooms/{room_id}/read", self.base))
            .json(&json!({"seq": seq}));
        let _state: serde_json::Value = self.call(req, user, request_id).await?;
        Ok(())
    }
}
