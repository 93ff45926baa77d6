//! Property tests of what reads untrusted input: WebSocket frames, REST bodies and the
//! validated values. Whatever the input, parsing answers a value or an error, never a panic, and
//! what is accepted keeps the value's rules. `cargo test` runs 256 cases of each;
//! `scripts/fuzz-parsers` runs many more for a bounded time. A failure proptest finds is kept in
//! `proptest-regressions/` beside this file and replayed first on every run.

use chat_domain::api::{RoomIdsBatch, SendBatch};
use chat_domain::ws::ClientFrame;
use chat_domain::{ClientMsgId, DisplayName, Email, MessageBody, Password, Username};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Text that looks like what a client sends: JSON punctuation, quotes, escapes, letters, digits,
/// control and non-ASCII characters, in any order.
fn jsonish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(":".to_owned()),
            Just(",".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("\"type\"".to_owned()),
            Just("\"send\"".to_owned()),
            Just("\"room_id\"".to_owned()),
            Just("\"body\"".to_owned()),
            Just("null".to_owned()),
            Just("1e999".to_owned()),
            Just("-0".to_owned()),
            "\\PC{0,8}",
            ".{0,4}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn any_text_is_a_client_frame_or_an_error(text in jsonish()) {
        if let Ok(frame) = serde_json::from_str::<ClientFrame>(&text) {
            let again: ClientFrame = serde_json::from_str(&serde_json::to_string(&frame).unwrap()).unwrap();
            prop_assert_eq!(again, frame);
        }
    }

    #[test]
    fn frame_shaped_objects_parse_or_fail_cleanly_and_round_trip(
        kind in prop_oneof![Just("auth"), Just("send"), Just("typing"), Just("read"), Just("ping"), Just("pong"), Just("")],
        room in any::<[u8; 16]>(),
        text in "\\PC{0,80}",
        seq in any::<i64>(),
        with_reply in any::<bool>(),
        extra in any::<bool>(),
    ) {
        let mut v = json!({"type": kind});
        match kind {
            "auth" => v["token"] = json!(text),
            "send" => {
                v["room_id"] = json!(Uuid::from_bytes(room));
                v["client_msg_id"] = json!(text.chars().take(64).collect::<String>());
                v["body"] = json!(text);
                if with_reply { v["reply_to"] = json!(Uuid::from_bytes(room)); }
            }
            "typing" => v["room_id"] = json!(Uuid::from_bytes(room)),
            "read" => { v["room_id"] = json!(Uuid::from_bytes(room)); v["seq"] = json!(seq); }
            _ => {}
        }
        if extra { v["unknown"] = json!(1); }
        let parsed = serde_json::from_value::<ClientFrame>(v);
        if extra {
            prop_assert!(parsed.is_err(), "an unknown field is refused");
        }
        if let Ok(frame) = parsed {
            let again: ClientFrame = serde_json::from_str(&serde_json::to_string(&frame).unwrap()).unwrap();
            prop_assert_eq!(again, frame);
        }
    }

    #[test]
    fn any_text_is_a_rest_body_or_an_error(text in jsonish()) {
        let _ = serde_json::from_str::<SendBatch>(&text);
        let _ = serde_json::from_str::<RoomIdsBatch>(&text);
    }

    #[test]
    fn an_accepted_username_keeps_its_rules(raw in ".{0,40}") {
        if let Ok(u) = Username::parse(&raw) {
            prop_assert!((3..=32).contains(&u.as_str().chars().count()));
            prop_assert!(u.as_str().chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }

    #[test]
    fn an_accepted_email_keeps_its_rules(raw in "[ a-z@.\\PC]{0,60}") {
        if let Ok(e) = Email::parse(&raw) {
            let s = e.as_str();
            prop_assert!(s.len() <= 254);
            prop_assert_eq!(s.matches('@').count(), 1);
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
        }
    }

    #[test]
    fn an_accepted_password_fits_bcrypt(raw in ".{0,100}") {
        if Password::parse(&raw).is_ok() {
            prop_assert!(raw.len() <= Password::MAX_BYTES);
        }
    }

    #[test]
    fn an_accepted_display_name_is_trimmed_short_and_printable(raw in "\\s{0,3}.{0,70}\\s{0,3}") {
        if let Ok(d) = DisplayName::parse(&raw) {
            let s = d.as_str();
            prop_assert_eq!(s, s.trim());
            prop_assert!((1..=64).contains(&s.chars().count()));
            prop_assert!(!s.chars().any(char::is_control));
        }
    }

    #[test]
    fn an_accepted_message_body_is_short_visible_and_without_nul(raw in ".{0,120}", max in 1usize..100) {
        if let Ok(b) = MessageBody::parse(&raw, max) {
            prop_assert!(b.as_str().chars().count() <= max);
            prop_assert!(!b.as_str().contains('\0'));
            prop_assert!(!b.as_str().trim().is_empty());
        }
    }

    #[test]
    fn an_accepted_client_msg_id_is_short_visible_ascii(raw in "\\PC{0,70}") {
        if let Ok(id) = ClientMsgId::parse(&raw) {
            prop_assert!((1..=64).contains(&id.as_str().len()));
            prop_assert!(id.as_str().chars().all(|c| c.is_ascii_graphic()));
        }
    }
}
