//! What each client frame does on one socket, and the rules that bound it: the frame budget
//! and the typing throttle (`crate::limits`), and whose token may renew the socket. Knows no WebSocket: the serve loop
//! in [`crate::socket`] hands it text and closes the socket when it answers [`TooManyFrames`].
//! Refusals are [`FrameError`]s, answered with their error frame.

use crate::AppState;
use crate::calls::{Call, Calls};
use crate::error::FrameError;
use crate::events::encode;
use crate::limits::{FrameBudget, Verdict};
use chat_db::outbox::Cursor;
use chat_domain::ws::{ClientFrame, ServerFrame};
use chat_http::RequestId;
use chat_http::auth::Claims;
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

/// The client sent more frames than its budget: the socket ends.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyFrames;

/// One authenticated socket's state.
pub struct Conn {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The session its token belongs to: a revocation of it ends the socket, and an `auth`
    /// frame must carry a token of the same session.
    pub session: Option<Uuid>,
    /// When its access token expires (unix seconds); an `auth` frame moves it.
    pub expires_at: i64,
    /// Its bounded outbound queue.
    pub tx: mpsc::Sender<Arc<str>>,
    calls: Calls,
    budget: FrameBudget,
}

impl Conn {
    pub fn new(
        state: &AppState,
        claims: &Claims,
        request_id: &RequestId,
        tx: mpsc::Sender<Arc<str>>,
    ) -> Self {
        let user_id = claims.sub;
        Self {
            id: Uuid::new_v4(),
            user_id,
            session: claims.sid,
            expires_at: claims.exp,
            calls: Calls::new(user_id, request_id, tx.clone()),
            tx,
            budget: FrameBudget::new(state.config.frames_per_sec, state.config.frame_burst),
        }
    }

    /// Handles one text frame; refusals are answered on the socket's queue. A frame over the
    /// budget is refused (with its `client_msg_id` when it is a send, so the client knows which
    /// to send again); past twice the budget the socket ends.
    pub fn on_text(&mut self, state: &Arc<AppState>, text: &str) -> Result<(), TooManyFrames> {
        match self.budget.check() {
            Verdict::Admit => {
                if let Err(e) = self.on_frame(state, text) {
                    push(&self.tx, &e.frame(None));
                }
            }
            Verdict::Refuse => {
                let client_msg_id = match serde_json::from_str::<ClientFrame>(text) {
                    Ok(ClientFrame::Send { client_msg_id, .. }) => Some(client_msg_id),
                    _ => None,
                };
                push(&self.tx, &FrameError::TooManyFrames.frame(client_msg_id));
            }
            Verdict::CutOff => return Err(TooManyFrames),
        }
        Ok(())
    }

    /// A binary frame: refused, the protocol is JSON text.
    pub fn on_binary(&self) {
        push(&self.tx, &FrameError::Unsupported.frame(None));
    }

    fn on_frame(&mut self, state: &Arc<AppState>, text: &str) -> Result<(), FrameError> {
        match serde_json::from_str::<ClientFrame>(text).map_err(FrameError::Unreadable)? {
            ClientFrame::Ping {} => push(&self.tx, &ServerFrame::Pong),
            ClientFrame::Auth { token } => self.renew(state, &token)?,
            ClientFrame::Send {
                room_id,
                client_msg_id,
                body,
                reply_to,
            } => self.calls.queue(
                state,
                Call::Send {
                    room_id,
                    client_msg_id,
                    body,
                    reply_to,
                },
            ),
            ClientFrame::Read { room_id, seq } => {
                self.calls.queue(state, Call::Read { room_id, seq });
            }
            ClientFrame::Typing { room_id } => self.typing(state, room_id)?,
            ClientFrame::Synced { cursor } => {
                let cursor = Cursor::decode(&cursor).ok_or(FrameError::BadCursor)?;
                state.hub.synced(self.id, cursor);
            }
        }
        Ok(())
    }

    /// A fresh token for the same user moves the socket's expiry.
    fn renew(&mut self, state: &AppState, token: &str) -> Result<(), FrameError> {
        match state.verifier.verify(token) {
            Ok(claims) if claims.sub == self.user_id && claims.sid == self.session => {
                self.expires_at = claims.exp;
                Ok(())
            }
            _ => Err(FrameError::Unauthorized),
        }
    }

    /// Tells the room's other members, at most once per user and room per two seconds
    /// (however many sockets the user has here).
    fn typing(&mut self, state: &Arc<AppState>, room_id: Uuid) -> Result<(), FrameError> {
        if !state.hub.is_subscribed(self.id, room_id) {
            return Err(FrameError::RoomNotFound);
        }
        if state
            .typing
            .check_here(&format!("{}:{room_id}", self.user_id))
            .is_ok()
        {
            let (state, user_id) = (state.clone(), self.user_id);
            actix_web::rt::spawn(async move {
                crate::events::publish_typing(&state, room_id, user_id).await;
            });
        }
        Ok(())
    }
}

/// Offers a frame to a socket's own queue (dropped when the queue is full: the hub cuts off a
/// socket that far behind).
pub fn push(tx: &mpsc::Sender<Arc<str>>, f: &ServerFrame) {
    if let Some(text) = encode(f) {
        let _ = tx.try_send(text);
    }
}
