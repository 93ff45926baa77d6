//! One WebSocket: the upgrade, authentication, the serve loop (reads, the bounded outbound
//! queue, heartbeats) and the way it ends (token expiry, slow reader, shutdown, idle peer,
//! too many frames). What each client frame does is [`crate::frames`]'s.

use crate::AppState;
use crate::events::encode;
use crate::frame_guard::FrameGuard;
use crate::frames::Conn;
use crate::hub::ListedAt;
use crate::limits::Held;
use actix_web::FromRequest;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{
    AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError, Session,
};
use chat_db::outbox::Cursor;
use chat_domain::ws::{ClientFrame, PROTOCOL_VERSION, ServerFrame, close};
use chat_http::auth::{Claims, token_of};
use chat_http::{ApiError, RequestId};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

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
        Some((token, _)) => Some((state.verifier.verify(&token)?, token)),
        None => None,
    };
    if state.cancel.is_cancelled() {
        return Err(ApiError::Unavailable("the gateway is shutting down".into()));
    }
    if !state.consuming.get() {
        // Its event queue is down: a socket here would miss events and be closed to resync
        // as soon as the queue is back. nginx passes the upgrade on to another gateway.
        return Err(ApiError::Unavailable(
            "this gateway is not receiving events: retry".into(),
        ));
    }
    // Places under the socket caps, held until the socket ends.
    let too_many = |whose: &str| {
        tracing::info!(cap = whose, "socket refused: too many open");
        ApiError::RateLimited {
            retry_after_secs: 10,
        }
    };
    let mut held = Vec::with_capacity(2);
    if let Some(ip) = state.proxies.client_ip(&req) {
        held.push(state.caps.address(ip).ok_or_else(|| too_many("address"))?);
    }
    if let Some((claims, _)) = &pre_auth {
        held.push(
            state
                .caps
                .user(claims.sub)
                .ok_or_else(|| too_many("user"))?,
        );
    }
    // The frame limit is enforced on each header as it arrives, before the codec buffers the
    // frame (see `frame_guard`).
    let mut guarded: Payload = Payload::Stream {
        payload: Box::pin(FrameGuard::new(
            body.into_inner(),
            state.config.max_frame_bytes,
        )),
    };
    let body = web::Payload::from_request(&req, &mut guarded)
        .await
        .map_err(|e| ApiError::BadRequest(format!("unreadable body: {e}")))?;
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let stream = stream
        .max_frame_size(state.config.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(state.config.max_frame_bytes);
    let state = state.into_inner();
    actix_web::rt::spawn(async move {
        run(state, session, stream, pre_auth, request_id, held).await;
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

async fn run(
    state: Arc<AppState>,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    pre_auth: Option<(Claims, String)>,
    request_id: RequestId,
    mut held: Vec<Held>,
) {
    let authenticated_late = pre_auth.is_none();
    let auth = match pre_auth {
        Some(a) => Some(a),
        None => first_frame_auth(&state, &mut session, &mut stream).await,
    };
    // The token itself is not kept: an idle socket would hold it (about 400 bytes) for its life.
    let Some(claims) = auth.map(|(claims, _token)| claims) else {
        let _ = session
            .close(Some(reason(close::UNAUTHORIZED, "authentication required")))
            .await;
        return;
    };
    if authenticated_late {
        match state.caps.user(claims.sub) {
            Some(place) => held.push(place),
            None => {
                let _ = session
                    .close(Some(reason(
                        close::POLICY,
                        "too many sockets for this user",
                    )))
                    .await;
                return;
            }
        }
    }
    let (tx, rx) = mpsc::channel::<Arc<str>>(state.config.outbound_queue);
    let kick = CancellationToken::new();
    let conn = Conn::new(&state, &claims, &request_id, tx);
    // The span goes with the socket's future (an entered guard held across awaits would
    // leak into whatever else runs on the thread, and log lines would carry every socket's).
    let span = tracing::info_span!("socket", conn.id = %conn.id, user.id = %conn.user_id, request.id = %request_id.0, trace.id = %request_id.1.trace_id);
    serve(state, session, stream, conn, rx, kick)
        .instrument(span)
        .await;
    drop(held);
}

/// An authenticated socket, until it ends.
async fn serve(
    state: Arc<AppState>,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    mut conn: Conn,
    mut rx: mpsc::Receiver<Arc<str>>,
    kick: CancellationToken,
) {
    let tx = conn.tx.clone();
    // Registered first, so membership events that arrive while the rooms load still reach it.
    let mut resync = state.hub.resync_token();
    let end = CancellationToken::new();
    let first_here = state.hub.add(
        conn.id,
        crate::hub::Entry {
            user_id: conn.user_id,
            session: conn.session,
            tx,
            kick: kick.clone(),
            end: end.clone(),
        },
    );
    tracing::info!("socket open");
    metrics::counter!("gateway_socket_connects_total").increment(1);
    metrics::gauge!("gateway_sockets_open").increment(1.0);

    let mut ended: Option<CloseReason> =
        match crate::rooms_client::rooms_of(&state.room_lists, conn.user_id).await {
            Ok(mine) => {
                let at = match (
                    Cursor::decode(&mine.cursor),
                    Cursor::decode(&mine.live_from),
                ) {
                    (Some(cursor), Some(live_from)) => Some(ListedAt { cursor, live_from }),
                    _ => None,
                };
                state.hub.loaded(conn.id, &mine.room_ids, at);
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
                        metrics::counter!("gateway_frames_received_total").increment(1);
                        if conn.on_text(&state, &text).is_err() {
                            ended = Some(reason(close::POLICY, "too many frames"));
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => conn.on_binary(),
                    Some(Ok(AggregatedMessage::Ping(p))) => {
                        ended = write(&mut session, &kick, Out::Pong(&p)).await;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | None => ended = Some(reason(1000, "bye")),
                    Some(Err(e)) => {
                        tracing::info!(error = %e, "protocol error");
                        ended = Some(protocol_error(&e));
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
            () = end.cancelled() => ended = Some(reason(close::UNAUTHORIZED, "the session was ended: log in again")),
            () = resync.cancelled() => {
                // Events were missed: the client syncs over this socket (after `hello`, if
                // it came before it). A resync meanwhile is covered by this one.
                resync = state.hub.resync_token();
                ended = match encode(&ServerFrame::Resync) {
                    Some(frame) => write(&mut session, &kick, Out::Text(&frame)).await,
                    None => Some(reason(1011, "internal error")),
                };
            }
            () = state.cancel.cancelled() => ended = Some(reason(close::SERVICE_RESTART, "service restart")),
        }
    }
    let rooms = state.hub.rooms_of(conn.id);
    let last_here = state.hub.remove(conn.id);
    crate::presence::disconnected(&state, conn.id, conn.user_id, last_here, rooms);
    let why = ended.unwrap_or_else(|| reason(1000, "bye"));
    let code = u16::from(why.code);
    tracing::info!(close.code = code, "socket closed");
    metrics::gauge!("gateway_sockets_open").decrement(1.0);
    // The codes are the gateway's own few (and RFC 6455's): a bounded label.
    metrics::counter!("gateway_socket_closes_total", "code" => code.to_string()).increment(1);
    // What the socket was already told goes out before the close (the refusals before a
    // cut-off for too many frames, say), within one send timeout in all; not to a peer that
    // stopped reading, which is why a kicked socket ends.
    if !kick.is_cancelled() {
        let _ = tokio::time::timeout(SEND_TIMEOUT, async {
            while let Ok(out) = rx.try_recv() {
                if write(&mut session, &kick, Out::Text(&out)).await.is_some() {
                    break;
                }
            }
        })
        .await;
    }
    // A peer that stopped reading cannot take the close frame either: do not wait for it.
    let _ = tokio::time::timeout(SEND_TIMEOUT, session.close(Some(why))).await;
}

/// The close for a frame the socket could not take, with the code RFC 6455 gives it: 1009 for
/// a frame or message over the size limit, 1007 for text that is not UTF-8, 1002 for anything
/// else that breaks the protocol.
fn protocol_error(e: &ProtocolError) -> CloseReason {
    let too_large = |e: &std::io::Error| {
        matches!(
            e.get_ref()
                .and_then(|inner| inner.downcast_ref::<PayloadError>()),
            Some(PayloadError::Overflow)
        ) || e.to_string().contains("maximum continuation size")
    };
    match e {
        ProtocolError::Overflow => reason(1009, "frame too large"),
        ProtocolError::Io(io) if too_large(io) => reason(1009, "frame too large"),
        ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            reason(1007, "text frames must be UTF-8")
        }
        _ => reason(1002, "protocol error"),
    }
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
            Out::Text(text) => {
                metrics::counter!("gateway_frames_sent_total").increment(1);
                session.text(text).await
            }
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
