//! Why a client frame was refused, and the one place that turns that into the error frame the
//! client reads. Knows no socket: the rules in [`crate::frames`] and [`crate::calls`] return it.

use chat_domain::ws::ServerFrame;
use chat_http::client::CallError;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A binary frame: the protocol is JSON text.
    #[error("binary frames are not supported")]
    Unsupported,
    /// Not JSON, or not a client frame of the protocol.
    #[error("unreadable frame: {0}")]
    Unreadable(#[source] serde_json::Error),
    /// An `auth` frame whose token is not valid, or is someone else's.
    #[error("the token is not valid for this socket")]
    Unauthorized,
    /// A `synced` frame whose cursor is not one the sync log hands out.
    #[error("not a sync cursor")]
    BadCursor,
    /// A room this socket is not subscribed to (not a member, or no such room).
    #[error("room not found")]
    RoomNotFound,
    /// Over the socket's frame budget: this frame was not handled.
    #[error("too many frames")]
    TooManyFrames,
    /// Too many calls already waiting on this socket.
    #[error("too many calls waiting")]
    Busy,
    /// The rooms service refused the call or could not answer it.
    #[error(transparent)]
    Rooms(#[from] CallError),
}

impl FrameError {
    /// The error frame for this refusal. The client reads a fixed text, or the rooms service's
    /// own message, never the cause of an outage (which names internal addresses): that is
    /// logged where the call failed (once per batch for sends, not once per socket).
    pub fn frame(&self, client_msg_id: Option<String>) -> ServerFrame {
        let (code, message) = match self {
            Self::Unsupported => ("unsupported", "send JSON text frames".to_owned()),
            Self::Unreadable(e) => ("bad_frame", format!("unreadable frame: {e}")),
            Self::Unauthorized => (
                "unauthorized",
                "that token is not valid for this socket".to_owned(),
            ),
            Self::BadCursor => (
                "validation_failed",
                "cursor: not a cursor the sync log handed out".to_owned(),
            ),
            Self::RoomNotFound => ("not_found", "room not found".to_owned()),
            Self::TooManyFrames => (
                "rate_limited",
                "too many frames: this one was not handled; slow down".to_owned(),
            ),
            Self::Busy => ("busy", "too many calls waiting: slow down".to_owned()),
            Self::Rooms(e) => (e.code(), e.client_message().to_owned()),
        };
        ServerFrame::error(code, message, client_msg_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_message(f: ServerFrame) -> (String, String) {
        match f {
            ServerFrame::Error { code, message, .. } => (code, message),
            other => panic!("not an error frame: {other:?}"),
        }
    }

    #[test]
    fn an_outage_reaches_the_client_without_its_cause() {
        let e = FrameError::from(CallError::unavailable(anyhow::anyhow!(
            "error sending request for url (http://10.0.0.7:8082/api/rooms/messages/batch)"
        )));
        let (code, message) = code_and_message(e.frame(Some("c1".into())));
        assert_eq!(code, "unavailable");
        assert!(!message.contains("10.0.0.7"), "{message}");
    }

    #[test]
    fn a_refusal_by_rooms_keeps_its_code_message_and_client_msg_id() {
        let e = FrameError::from(CallError::Api {
            status: 404,
            code: "not_found".into(),
            message: "room not found".into(),
        });
        match e.frame(Some("c1".into())) {
            ServerFrame::Error {
                code,
                message,
                client_msg_id,
            } => {
                assert_eq!(
                    (code.as_str(), message.as_str(), client_msg_id.as_deref()),
                    ("not_found", "room not found", Some("c1"))
                );
            }
            other => panic!("not an error frame: {other:?}"),
        }
    }
}
