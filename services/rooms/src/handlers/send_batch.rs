use crate::AppState;
use crate::messages::{self, Draft, Outgoing};
use actix_web::{ResponseError, post, web};
use chat_domain::api::{
    BatchedResult, MAX_SEND_BATCH, MAX_SEND_BATCH_BYTES, SendBatch, SendBatchResults,
};
use chat_http::auth::ServiceCaller;
use chat_http::error::{ErrorEnvelope, JsonUpTo};
use chat_http::{ApiError, ApiResult, RequestId};

/// Store the sends of users connected to a gateway, together (service credential only). Each
/// send is checked and answered exactly as `POST /api/rooms/{id}/messages` would answer it for
/// its user (membership, validation, the per-user send limit, idempotency by
/// `client_msg_id`); the batch only shares one round trip, one transaction and one durable
/// commit, and every answer comes after that commit. The gateway sends what its sockets queued
/// while its previous batch was being stored.
///
/// Its body may be up to `MAX_SEND_BATCH_BYTES` (1 MiB) of JSON, more than the other
/// routes take (a send's at most): the extractor says so ([`JsonUpTo`]).
#[utoipa::path(
    tag = "messages",
    request_body = SendBatch,
    responses(
        (status = 200, description = "One result per send, in order", body = SendBatchResults),
        (status = 401, description = "Not a service credential", body = ErrorEnvelope),
        (status = 413, description = "The batch is larger than 1 MiB", body = ErrorEnvelope),
        (status = 422, description = "Empty, or more than 256 sends", body = ErrorEnvelope),
        (status = 503, description = "The database is down", body = ErrorEnvelope),
    ),
    security(("service" = []))
)]
#[post("/api/rooms/messages/batch")]
pub async fn send_batch(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    request_id: RequestId,
    batch: JsonUpTo<SendBatch, BATCH_BODY_LIMIT>,
) -> ApiResult<web::Json<SendBatchResults>> {
    let sends = batch.into_inner().sends;
    if sends.is_empty() || sends.len() > MAX_SEND_BATCH {
        return Err(ApiError::invalid([chat_domain::Invalid::new(
            "sends",
            format!("must hold 1 to {MAX_SEND_BATCH} sends"),
        )]));
    }
    // Parsed and rate-limited one by one: a refused send is answered, the others go on. The
    // checks run at once (one pipelined round trip to a shared limit store), in the batch's
    // order.
    let parsed = futures_util::future::join_all(sends.iter().map(|send| {
        let request_id = send
            .request_id
            .as_deref()
            .and_then(RequestId::parse)
            .unwrap_or_else(|| request_id.clone())
            .in_trace(send.traceparent.as_deref());
        let draft = Draft {
            sender: send.user_id,
            room_id: send.room_id,
            client_msg_id: &send.client_msg_id,
            body: &send.body,
            reply_to: send.reply_to,
            request_id,
        };
        Outgoing::parse(draft, &state.send_limit, state.config.max_body_chars)
    }))
    .await;
    let mut results: Vec<Option<BatchedResult>> = Vec::with_capacity(sends.len());
    let mut ready = Vec::with_capacity(sends.len());
    for outcome in parsed {
        match outcome {
            Ok(outgoing) => {
                results.push(None);
                ready.push(outgoing);
            }
            Err(e) => results.push(Some(failed(&e.into()))),
        }
    }
    let stored: Vec<ApiResult<_>> = match messages::send_many(&state.store, &ready).await {
        Ok(stored) => stored
            .into_iter()
            .map(|r| r.map_err(ApiError::from))
            .collect(),
        // Nothing was stored: every send that got this far fails alike.
        Err(e) => {
            let e = ApiError::from(e);
            ready.iter().map(|_| Err(e.clone())).collect()
        }
    };
    let mut stored = stored.into_iter();
    let results = results
        .into_iter()
        .map(|r| {
            r.or_else(|| {
                stored.next().map(|s| match s {
                    Ok((message, created)) => BatchedResult::Stored { message, created },
                    Err(e) => failed(&e),
                })
            })
            .unwrap_or_else(|| failed(&ApiError::bug("a batched send lost its answer")))
        })
        .collect();
    Ok(web::Json(SendBatchResults { results }))
}

/// The batch's own limit, plus room for the envelope.
const BATCH_BODY_LIMIT: usize = MAX_SEND_BATCH_BYTES + 4096;

fn failed(e: &ApiError) -> BatchedResult {
    e.report();
    BatchedResult::Failed {
        status: e.status_code().as_u16(),
        code: e.code().to_owned(),
        message: e.client_message(),
    }
}
