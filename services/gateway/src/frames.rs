//! What each client frame does on one socket, and the rules that bound it: the frame budget,
//! the typing throttle and whose token may renew the socket. Knows no WebSocket: the serve loop
//! in [`crate::socket`] hands it text and closes the socket when it answers [`TooManyFrames`].
//! Refusals are [`FrameError`]s, answered with their error frame.

use crate::AppState;
use crate::calls::{Call, Calls};
use crate::error::FrameError;
use crate::events::encode;
use chat_domain::ws::{ClientFrame, ServerFrame};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Frames a client may send per second before it is cut off.
const MAX_FRAMES_PER_SEC: u32 = 30;
/// At most one typing notice per room per this long.
const TYPING_EVERY: Duration = Duration::from_secs(2);

/// The client sent more frames than its budget: the socket ends.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyFrames;

/// One authenticated socket's state.
pub struct Conn {
    pub id: Uuid,
    pub user_id: Uuid,
    /// When its access token expires (unix seconds); an `auth` frame moves it.
    pub expires_at: i64,
    /// Its bounded outbound queue.
    pub tx: mpsc::Sender<Arc<str>>,
    calls: Calls,
    typing: Throttle,
    budget: FrameBudget,
}

impl Conn {
    pub fn new(
        user_id: Uuid,
        expires_at: i64,
        request_id: &str,
        tx: mpsc::Sender<Arc<str>>,
    ) -> Self {
        Self {
            id: Uuid::new_v4(),
            user_id,
            expires_at,
            calls: Calls::new(user_id, request_id, tx.clone()),
            tx,
            typing: Throttle::new(TYPING_EVERY),
            budget: FrameBudget::new(MAX_FRAMES_PER_SEC),
        }
    }

    /// Handles one text frame; refusals are answered on the socket's queue.
    pub fn on_text(&mut self, state: &Arc<AppState>, text: &str) -> Result<(), TooManyFrames> {
        if !self.budget.admit(Instant::now()) {
            return Err(TooManyFrames);
        }
        if let Err(e) = self.on_frame(state, text) {
            push(&self.tx, &e.frame(None));
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
        }
        Ok(())
    }

    /// A fresh token for the same user moves the socket's expiry.
    fn renew(&mut self, state: &AppState, token: &str) -> Result<(), FrameError> {
        match state.verifier.verify(token) {
            Ok(claims) if claims.sub == self.user_id => {
                self.expires_at = claims.exp;
                Ok(())
            }
            _ => Err(FrameError::Unauthorized),
        }
    }

    /// Tells the room's other members, at most once per room per `TYPING_EVERY`.
    fn typing(&mut self, state: &Arc<AppState>, room_id: Uuid) -> Result<(), FrameError> {
        if !state.hub.is_subscribed(self.id, room_id) {
            return Err(FrameError::RoomNotFound);
        }
        if self.typing.admit(room_id, Instant::now()) {
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

/// At most `max` frames in each one-second window.
struct FrameBudget {
    max: u32,
    window_start: Option<Instant>,
    in_window: u32,
}

impl FrameBudget {
    fn new(max: u32) -> Self {
        Self {
            max,
            window_start: None,
            in_window: 0,
        }
    }

    fn admit(&mut self, now: Instant) -> bool {
        match self.window_start {
            Some(start) if now.duration_since(start) < Duration::from_secs(1) => {}
            _ => {
                self.window_start = Some(now);
                self.in_window = 0;
            }
        }
        self.in_window += 1;
        self.in_window <= self.max
    }
}

/// At most one event per key per `every`.
struct Throttle {
    every: Duration,
    last: HashMap<Uuid, Instant>,
}

impl Throttle {
    fn new(every: Duration) -> Self {
        Self {
            every,
            last: HashMap::new(),
        }
    }

    fn admit(&mut self, key: Uuid, now: Instant) -> bool {
        if self
            .last
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < self.every)
        {
            return false;
        }
        self.last.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_admits_max_frames_a_second_and_starts_again_in_the_next() {
        let mut budget = FrameBudget::new(3);
        let t0 = Instant::now();
        let admitted: Vec<bool> = (0..4).map(|_| budget.admit(t0)).collect();
        assert_eq!(admitted, [true, true, true, false]);
        assert!(budget.admit(t0 + Duration::from_millis(1000)));
    }

    #[test]
    fn typing_is_throttled_per_room() {
        let mut throttle = Throttle::new(Duration::from_secs(2));
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let t0 = Instant::now();
        assert!(throttle.admit(a, t0));
        assert!(!throttle.admit(a, t0 + Duration::from_millis(1999)));
        assert!(throttle.admit(b, t0 + Duration::from_millis(1)));
        assert!(throttle.admit(a, t0 + Duration::from_secs(2)));
    }
}
