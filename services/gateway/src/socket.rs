//! One WebSocket: authentication, the read loop, the bounded outbound queue, heartbeats and
//! the way it ends (token expiry, slow reader, shutdown, idle peer).

use crate::AppState;
use crate::events::encode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use chat_domain::api::BatchedSend;
use chat_domain::ws::{ClientFrame, PROTOCOL_VERSION, ServerFrame, close};
use chat_http::auth::{Claims, TokenError, token_of};
use chat_http::client::CallError;
use chat_http::{ApiError, RequestId};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

/// Frames a client may send per second before it is cut off.
const MAX_FRAMES_PER_SEC: u32 = 30;
/// At most one typing notice per room per this long.
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// A socket that cannot take a frame for this long is too slow.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

fn reason(code: u16, text: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::from(code),
        description: Some(text.to_owned()),
    }
}

/// `GET /ws`: checks the Origin and any credentials the upgrade carries, then hands the socket
/// to its own task.
pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    // Browsers always send Origin; a missing one is a non-browser client, which CSRF-style
    // attacks cannot forge.
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !state
            .config
            .common
            .allowed_origins
            .iter()
            .any(|a| a == origin)
        {
            return Err(ApiError::Forbidden(
                "this Origin may not open a socket".into(),
            ));
        }
    }
    let pre_auth = match token_of(&req) {
        Some((token, _)) => match state.verifier.verify(&token) {
            Ok(claims) => Some((claims, token)),
            Err(TokenError::Expired) => {
                return Err(ApiError::Unauthorized(
                    "the access token has expired".into(),
                ));
            }
            Err(TokenError::Invalid) => {
                return Err(ApiError::Unauthorized(
                    "the access token is not valid".into(),
                ));
            }
        },
        None => None,
    };
    if state.cancel.is_cancelled() {
        return Err(ApiError::Unavailable("the gateway is shutting down".into()));
    }
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let stream = stream
        .max_frame_size(state.config.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(state.config.max_frame_bytes);
    let state = state.into_inner();
    actix_web::rt::spawn(async move {
        run(state, session, stream, pre_auth, request_id.0).await;
    });
    Ok(response)
}

/// Waits for an `auth` frame when the upgrade carried no credentials.
async fn first_frame_auth(
    state: &AppState,
    session: &mut Session,
    stream: &mut AggregatedMessageStream,
) -> Option<(Claims, String)> {
    let deadline = Duration::from_secs(state.config.auth_timeout_secs);
    let first = tokio::time::timeout(deadline, async {
        loop {
            match stream.next().await {
                Some(Ok(AggregatedMessage::Text(text))) => return Some(text),
                Some(Ok(AggregatedMessage::Ping(p))) => {
                    let _ = session.pong(&p).await;
                }
                Some(Ok(AggregatedMessage::Pong(_))) => {}
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()?;
    match serde_json::from_str::<ClientFrame>(&first) {
        Ok(ClientFrame::Auth { token }) => state.verifier.verify(&token).ok().map(|c| (c, token)),
        _ => None,
    }
}

struct Conn {
    id: Uuid,
    user_id: Uuid,
    expires_at: i64,
    tx: mpsc::Sender<Arc<str>>,
    /// This socket's calls to the rooms service, run in order (started on the first).
    calls: Option<mpsc::Sender<Call>>,
    typing_at: HashMap<Uuid, Instant>,
    window_start: Instant,
    frames_in_window: u32,
}

async fn run(
    state: Arc<AppState>,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    pre_auth: Option<(Claims, String)>,
    request_id: String,
) {
    let auth = match pre_auth {
        Some(a) => Some(a),
        None => first_frame_auth(&state, &mut session, &mut stream).await,
    };
    let Some((claims, _token)) = auth else {
        let _ = session
            .close(Some(reason(close::UNAUTHORIZED, "authentication required")))
            .await;
        return;
    };
    let (tx, rx) = mpsc::channel::<Arc<str>>(state.config.outbound_queue);
    let kick = CancellationToken::new();
    let conn = Conn {
        id: Uuid::new_v4(),
        user_id: claims.sub,
        expires_at: claims.exp,
        tx: tx.clone(),
        calls: None,
        typing_at: HashMap::new(),
        window_start: Instant::now(),
        frames_in_window: 0,
    };
    // The span goes with the socket's future (an entered guard held across awaits would
    // leak into whatever else runs on the thread, and log lines would carry every socket's).
    let span = tracing::info_span!("socket", conn.id = %conn.id, user.id = %conn.user_id, request.id = %request_id);
    serve(state, session, stream, conn, rx, kick, request_id)
        .instrument(span)
        .await;
}

/// An authenticated socket, until it ends.
async fn serve(
    state: Arc<AppState>,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    mut conn: Conn,
    mut rx: mpsc::Receiver<Arc<str>>,
    kick: CancellationToken,
    request_id: String,
) {
    let tx = conn.tx.clone();
    // Registered first, so membership events that arrive while the rooms load still reach it.
    let first_here = state.hub.add(conn.id, conn.user_id, tx, kick.clone());
    tracing::info!("socket open");

    let mut ended: Option<CloseReason> =
        match crate::rooms_client::rooms_of(&state.room_lists, conn.user_id).await {
            Ok(mine) => {
                state.hub.join_conn(conn.id, &mine.room_ids);
                let hello = encode(&ServerFrame::Hello {
                    user_id: conn.user_id,
                    session_id: conn.id,
                    protocol: PROTOCOL_VERSION,
                    cursor: mine.cursor,
                    instance_id: state.config.instance_id,
                });
                let ended = match hello {
                    Some(hello) => write(&mut session, &kick, Out::Text(&hello)).await,
                    None => Some(reason(1011, "internal error")),
                };
                crate::presence::connected(
                    &state,
                    conn.id,
                    conn.user_id,
                    first_here,
                    mine.room_ids,
                )
                .await;
                ended
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot load the user's rooms");
                Some(reason(1013, "try again later"))
            }
        };

    let mut ping = tokio::time::interval(Duration::from_secs(state.config.ping_secs));
    ping.tick().await;
    let idle_timeout = Duration::from_secs(state.config.idle_timeout_secs);
    let mut last_heard = Instant::now();
    while ended.is_none() {
        let expires_in =
            Duration::from_secs((conn.expires_at - chrono::Utc::now().timestamp()).max(0) as u64);
        tokio::select! {
            incoming = stream.next() => {
                last_heard = Instant::now();
                match incoming {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        ended = on_text(&state, &mut conn, &request_id, &text);
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        push(&conn.tx, &ServerFrame::error("unsupported", "send JSON text frames", None));
                    }
                    Some(Ok(AggregatedMessage::Ping(p))) => {
                        ended = write(&mut session, &kick, Out::Pong(&p)).await;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | None => ended = Some(reason(1000, "bye")),
                    Some(Err(e)) => {
                        tracing::info!(error = %e, "protocol error");
                        ended = Some(reason(1009, "frame too large or malformed"));
                    }
                }
            }
            out = rx.recv() => {
                let Some(out) = out else { break };
                ended = write(&mut session, &kick, Out::Text(&out)).await;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > idle_timeout {
                    ended = Some(reason(1001, "idle"));
                } else {
                    ended = write(&mut session, &kick, Out::Ping).await;
                }
            }
            () = tokio::time::sleep(expires_in) => {
                ended = Some(reason(close::TOKEN_EXPIRED, "token expired: refresh and reconnect"));
            }
            () = kick.cancelled() => ended = Some(reason(close::POLICY, "too slow")),
            () = state.cancel.cancelled() => ended = Some(reason(close::SERVICE_RESTART, "service restart")),
        }
    }
    let rooms = state.hub.rooms_of(conn.id);
    let last_here = state.hub.remove(conn.id);
    crate::presence::disconnected(&state, conn.id, conn.user_id, last_here, rooms);
    let why = ended.unwrap_or_else(|| reason(1000, "bye"));
    tracing::info!(close.code = u16::from(why.code), "socket closed");
    // A peer that stopped reading cannot take the close frame either: do not wait for it.
    let _ = tokio::time::timeout(SEND_TIMEOUT, session.close(Some(why))).await;
}

/// What the serve loop writes to its socket.
enum Out<'a> {
    Text(&'a str),
    Ping,
    Pong(&'a [u8]),
}

/// Writes one frame to the socket. A write waits while the peer is not reading; it gives up
/// after `SEND_TIMEOUT`, or at once when the hub kicks the socket, so that a stalled peer can
/// never hold the serve loop (and with it the user's presence) in a write: every write here
/// is bounded, pings and pongs included.
async fn write(
    session: &mut Session,
    kick: &CancellationToken,
    out: Out<'_>,
) -> Option<CloseReason> {
    let written = async {
        match out {
            Out::Text(text) => session.text(text).await,
            Out::Ping => session.ping(b"").await,
            Out::Pong(p) => session.pong(p).await,
        }
    };
    tokio::select! {
        done = tokio::time::timeout(SEND_TIMEOUT, written) => match done {
            Ok(Ok(())) => None,
            Ok(Err(_)) => Some(reason(1000, "closed")),
            Err(_) => Some(reason(close::POLICY, "too slow")),
        },
        () = kick.cancelled() => Some(reason(close::POLICY, "too slow")),
    }
}

/// Offers a frame to this socket's own queue.
fn push(tx: &mpsc::Sender<Arc<str>>, f: &ServerFrame) {
    if let Some(text) = encode(f) {
        let _ = tx.try_send(text);
    }
}

/// The error frame for a call the rooms service refused or could not answer. The client reads
/// rooms' own message, or only that it is unavailable: the cause of that (which names internal
/// addresses) is logged where the call failed, never sent.
fn refused(e: &CallError, client_msg_id: Option<String>) -> ServerFrame {
    ServerFrame::error(e.code(), e.client_message(), client_msg_id)
}

/// A call to the rooms service that a client frame asked for.
enum Call {
    Send {
        room_id: Uuid,
        client_msg_id: String,
        body: String,
        reply_to: Option<Uuid>,
    },
    Read {
        room_id: Uuid,
        seq: i64,
    },
}

/// Calls one socket may have waiting before it gets `busy` errors.
const MAX_PENDING_CALLS: usize = 64;

/// Queues a call for this socket's user (and only them). A socket's calls run one after the
/// other, off the read loop, in the order its frames came: messages sent back to back are
/// stored in the order they were sent.
fn queue_call(state: &Arc<AppState>, conn: &mut Conn, request_id: &str, call: Call) {
    let calls = conn.calls.get_or_insert_with(|| {
        let (calls, queue) = mpsc::channel(MAX_PENDING_CALLS);
        actix_web::rt::spawn(run_calls(
            state.clone(),
            conn.tx.clone(),
            conn.user_id,
            request_id.to_owned(),
            queue,
        ));
        calls
    });
    if let Err(mpsc::error::TrySendError::Full(call)) = calls.try_send(call) {
        let client_msg_id = match call {
            Call::Send { client_msg_id, .. } => Some(client_msg_id),
            Call::Read { .. } => None,
        };
        push(
            &conn.tx,
            &ServerFrame::error("busy", "too many calls waiting: slow down", client_msg_id),
        );
    }
}

/// Runs a socket's calls in order, and queues the frame each answers with, if any.
async fn run_calls(
    state: Arc<AppState>,
    tx: mpsc::Sender<Arc<str>>,
    user: Uuid,
    request_id: String,
    mut queue: mpsc::Receiver<Call>,
) {
    while let Some(call) = queue.recv().await {
        let answer = match call {
            Call::Send {
                room_id,
                client_msg_id,
                body,
                reply_to,
            } => Some(
                match crate::sends::send(
                    &state.sends,
                    BatchedSend {
                        user_id: user,
                        room_id,
                        client_msg_id: client_msg_id.clone(),
                        body,
                        reply_to,
                        request_id: Some(request_id.clone()),
                    },
                )
                .await
                {
                    Ok(message) => ServerFrame::Ack {
                        client_msg_id,
                        message,
                    },
                    Err(e) => refused(&e, Some(client_msg_id)),
                },
            ),
            Call::Read { room_id, seq } => state
                .rooms
                .read(user, &request_id, room_id, seq)
                .await
                .err()
                .map(|e| {
                    if let CallError::Unavailable(_) = e {
                        tracing::warn!(error = %e, "cannot mark a room read");
                    }
                    refused(&e, None)
                }),
        };
        if let Some(frame) = answer {
            push(&tx, &frame);
        }
    }
}

/// Handles one text frame. Returns a close reason when the socket must end.
fn on_text(
    state: &Arc<AppState>,
    conn: &mut Conn,
    request_id: &str,
    text: &str,
) -> Option<CloseReason> {
    if conn.window_start.elapsed() >= Duration::from_secs(1) {
        conn.window_start = Instant::now();
        conn.frames_in_window = 0;
    }
    conn.frames_in_window += 1;
    if conn.frames_in_window > MAX_FRAMES_PER_SEC {
        return Some(reason(close::POLICY, "too many frames"));
    }
    let parsed = match serde_json::from_str::<ClientFrame>(text) {
        Ok(f) => f,
        Err(e) => {
            push(
                &conn.tx,
                &ServerFrame::error("bad_frame", format!("unreadable frame: {e}"), None),
            );
            return None;
        }
    };
    match parsed {
        ClientFrame::Ping {} => push(&conn.tx, &ServerFrame::Pong),
        ClientFrame::Auth { token } => match state.verifier.verify(&token) {
            Ok(claims) if claims.sub == conn.user_id => conn.expires_at = claims.exp,
            _ => push(
                &conn.tx,
                &ServerFrame::error(
                    "unauthorized",
                    "that token is not valid for this socket",
                    None,
                ),
            ),
        },
        ClientFrame::Send {
            room_id,
            client_msg_id,
            body,
            reply_to,
        } => queue_call(
            state,
            conn,
            request_id,
            Call::Send {
                room_id,
                client_msg_id,
                body,
                reply_to,
            },
        ),
        ClientFrame::Read { room_id, seq } => {
            queue_call(state, conn, request_id, Call::Read { room_id, seq });
        }
        ClientFrame::Typing { room_id } => {
            if !state.hub.is_subscribed(conn.id, room_id) {
                push(
                    &conn.tx,
                    &ServerFrame::error("not_found", "room not found", None),
                );
                return None;
            }
            let now = Instant::now();
            if conn
                .typing_at
                .get(&room_id)
                .is_some_and(|at| now.duration_since(*at) < TYPING_EVERY)
            {
                return None;
            }
            conn.typing_at.insert(room_id, now);
            let (state, user_id) = (state.clone(), conn.user_id);
            actix_web::rt::spawn(async move {
                crate::events::publish_typing(&state, room_id, user_id).await;
            });
        }
    }
    None
}
