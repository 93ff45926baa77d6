//! Calls to the rooms service for a user connected to this gateway: authenticated with the
//! service credential and naming the user in `X-Acting-User`. The socket code only ever names
//! the user its socket authenticated, and a socket closes when its token expires, so the
//! gateway never acts for anyone who is not connected to it with a valid token.

use chat_domain::api::{BatchedResult, BatchedSend, SendBatch, SendBatchResults};
use chat_http::client::{CallError, ServiceClient};
use chat_http::config::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// A user's rooms and the sync cursor taken before they were read.
#[derive(Deserialize)]
pub struct RoomIds {
    pub room_ids: Vec<Uuid>,
    pub cursor: String,
}

#[derive(Clone)]
pub struct RoomsClient {
    client: ServiceClient,
}

fn required<T>(answer: Option<T>) -> Result<T, CallError> {
    answer.ok_or_else(|| CallError::Unavailable("empty answer".into()))
}

impl RoomsClient {
    pub fn new(base: &str, service_token: Secret) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: ServiceClient::new(base, service_token)?,
        })
    }

    pub async fn room_ids(&self, user: Uuid, request_id: &str) -> Result<RoomIds, CallError> {
        let req = self
            .client
            .request(Method::GET, "/api/rooms/ids", Some(user), request_id);
        required(self.client.send(req).await?)
    }

    /// Stores sends of this gateway's users together: one result per send, in order.
    pub async fn send_batch(
        &self,
        sends: Vec<BatchedSend>,
    ) -> Result<Vec<BatchedResult>, CallError> {
        let req = self
            .client
            .request(
                Method::POST,
                "/api/rooms/messages/batch",
                None,
                &Uuid::new_v4().to_string(),
            )
            .json(&SendBatch { sends });
        let answer: SendBatchResults = required(self.client.send(req).await?)?;
        Ok(answer.results)
    }

    pub async fn read(
        &self,
        user: Uuid,
        request_id: &str,
        room_id: Uuid,
        seq: i64,
    ) -> Result<(), CallError> {
        let req = self
            .client
            .request(
                Method::POST,
                &format!("/api/rooms/{room_id}/read"),
                Some(user),
                request_id,
            )
            .json(&json!({"seq": seq}));
        self.client.send::<serde_json::Value>(req).await.map(|_| ())
    }
}
