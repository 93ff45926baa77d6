//! Calls to the rooms service for a user connected to this gateway: authenticated with the
//! service credential and naming the user in `X-Acting-User`. The socket code only ever names
//! the user its socket authenticated, and a socket closes when its token expires, so the
//! gateway never acts for anyone who is not connected to it with a valid token.

use crate::batch::{self, Limits};
use chat_domain::api::{
    BatchedResult, BatchedSend, MAX_ROOM_IDS_BATCH, RoomIds, RoomIdsBatch, RoomIdsBatchAnswer,
    SendBatch, SendBatchResults,
};
use chat_http::client::{CallError, ServiceClient};
use chat_http::config::Secret;
use reqwest::Method;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A user's rooms, asked for with others (see [`list_batcher`]).
type RoomList = Result<RoomIds, CallError>;

/// Where sockets ask for their user's rooms.
pub type RoomLists = batch::Queue<Uuid, RoomList>;

/// Asks for a user's rooms and a sync cursor taken before they were read.
pub async fn rooms_of(lists: &RoomLists, user: Uuid) -> RoomList {
    batch::ask(lists, user).await.unwrap_or_else(|| {
        Err(CallError::unavailable(anyhow::anyhow!(
            "the room list was dropped"
        )))
    })
}

/// Room lists asked for at once are fetched together (`POST /api/rooms/ids/batch`, up to
/// 1,000 users a call, at most 4 calls in flight): a burst of connects costs a few round trips
/// and statements, not one each (a reconnect storm of 10,000 sockets made 10,000 calls, which
/// failed by the thousand on connection limits and pool timeouts).
pub async fn list_batcher(
    client: RoomsClient,
    cancel: CancellationToken,
    queue: batch::Queued<Uuid, RoomList>,
) {
    let limits = Limits::by_count(4, MAX_ROOM_IDS_BATCH);
    batch::run(queue, cancel, limits, |_| 0, |users| {
        let client = client.clone();
        async move {
            let count = users.len();
            match client.room_ids_batch(users).await {
                Ok(answer) if answer.rooms.len() == count => answer
                    .rooms
                    .into_iter()
                    .map(|room_ids| {
                        Ok(RoomIds {
                            room_ids,
                            cursor: answer.cursor.clone(),
                            live_from: answer.live_from.clone(),
                        })
                    })
                    .collect(),
                Ok(_) => vec![Err(CallError::unavailable(anyhow::anyhow!("a batch answer of the wrong length"))); count],
                Err(e) => {
                    tracing::warn!(error = %e, users = count, "cannot load the rooms of connecting users");
                    vec![Err(e); count]
                }
            }
        }
    })
    .await;
}

#[derive(Clone)]
pub struct RoomsClient {
    client: ServiceClient,
}

fn required<T>(answer: Option<T>) -> Result<T, CallError> {
    answer.ok_or_else(|| CallError::unavailable(anyhow::anyhow!("an empty answer")))
}

impl RoomsClient {
    pub fn new(base: &str, service_token: Secret) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: ServiceClient::new(base, service_token)?,
        })
    }

    async fn room_ids_batch(&self, user_ids: Vec<Uuid>) -> Result<RoomIdsBatchAnswer, CallError> {
        let req = self
            .client
            .request(
                Method::POST,
                "/api/rooms/ids/batch",
                None,
                &Uuid::new_v4().to_string(),
            )
            .json(&RoomIdsBatch { user_ids });
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
