//! Validated values. Each is built only through `parse`, so holding one proves it is valid.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was rejected; the message is shown to the user next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// 3 to 32 characters: ASCII letters, digits and underscore. Compared ignoring case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let len = raw.chars().count();
        if !(3..=32).contains(&len) {
            return Err(Invalid::new("username", "must be 3 to 32 characters long"));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Invalid::new(
                "username",
                "may contain only letters, digits and underscores",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address in a practical shape: one `@`, a non-empty local part, a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        let invalid = || Invalid::new("email", "is not a valid email address");
        if raw.len() > 254 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && label.len() <= 63);
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 8 characters and at most 72 bytes, because bcrypt silently
/// ignores everything past the 72nd byte.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MAX_BYTES: usize = 72;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.chars().count() < 8 {
            return Err(Invalid::new(
                "password",
                "must be at least 8 characters long",
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(Invalid::new("password", "must be at most 72 bytes long"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A display name: 1 to 64 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        short_text(raw, "display_name", 1, 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line of text: trimmed, `min..=max` characters, no control characters.
fn short_text(raw: &str, field: &'static str, min: usize, max: usize) -> Result<String, Invalid> {
    let trimmed = raw.trim();
    let len = trimmed.chars().count();
    if len < min || len > max {
        return Err(Invalid::new(
            field,
            format!("must be {min} to {max} characters long"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    if min > 0 && trimmed.chars().all(is_invisible) {
        return Err(Invalid::new(field, "must contain something visible"));
    }
    Ok(trimmed.to_owned())
}

/// Whether a character shows nothing on its own: white space, controls, and the format and
/// filler characters used to make a name or a message look empty (zero-width spaces and
/// joiners, bidi marks and overrides, the soft hyphen, Hangul fillers, the braille blank,
/// variation selectors, tags).
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// The name of a group or public room: 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        short_text(raw, "name", 1, 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room's topic: at most 256 characters; blank means none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic(Option<String>);

impl Topic {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = short_text(raw, "topic", 0, 256)?;
        Ok(Self((!text.is_empty()).then_some(text)))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A message body: not blank, at most `max_chars` characters (configurable per deployment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody(String);

impl MessageBody {
    /// No text: only for a message that carries a file (its caption may be empty).
    pub fn empty() -> Self {
        Self(String::new())
    }

    pub const DEFAULT_MAX_CHARS: usize = 4000;

    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, Invalid> {
        if raw.chars().all(is_invisible) {
            return Err(Invalid::new(
                "body",
                "must not be empty or only invisible characters",
            ));
        }
        if raw.chars().count() > max_chars {
            return Err(Invalid::new(
                "body",
                format!("must be at most {max_chars} characters long"),
            ));
        }
        // PostgreSQL refuses NUL in text; refused here it is a 422, not a failed statement
        // (which, in a batch of sends, would send the batch down its one-by-one path).
        if raw.contains('\0') {
            return Err(Invalid::new("body", "must not contain NUL characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id a client gives a message so that a retry is recognised: 1 to 64 visible ASCII
/// characters (a UUID in practice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() || raw.len() > 64 || !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Invalid::new(
                "client_msg_id",
                "must be 1 to 64 visible ASCII characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_shows_nothing_is_refused() {
        for blank in [
            "\u{200B}",
            " \u{200E}\u{202E} ",
            "\u{2060}\u{FEFF}",
            "\u{3164}",
        ] {
            assert!(DisplayName::parse(blank).is_err(), "{blank:?}");
            assert!(RoomName::parse(blank).is_err(), "{blank:?}");
            assert!(MessageBody::parse(blank, 100).is_err(), "{blank:?}");
        }
        // Invisible characters beside visible ones are text people write (emoji sequences,
        // right-to-left names).
        assert!(DisplayName::parse("\u{202B}\u{05D3}\u{05E0}\u{05D4}").is_ok());
        assert!(MessageBody::parse("\u{1F469}\u{200D}\u{1F4BB}", 100).is_ok());
    }

    #[test]
    fn a_message_body_with_nul_is_refused_with_its_field_named() {
        let refused = MessageBody::parse("a\0b", 100).unwrap_err();
        assert_eq!(refused.field, "body");
        assert!(MessageBody::parse("a b", 100).is_ok());
    }

    #[test]
    fn usernames_follow_the_rules() {
        assert!(Username::parse("alice_01").is_ok());
        assert!(Username::parse("al").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("al ice").is_err());
        assert!(Username::parse("alïce").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("a@example.com").is_ok());
        assert!(Email::parse("a@localhost").is_err());
        assert!(Email::parse("@example.com").is_err());
        assert!(Email::parse("a@@example.com").is_err());
        assert!(Email::parse("a b@example.com").is_err());
        assert!(Email::parse("a@example..com").is_err());
    }

    #[test]
    fn passwords_bcrypt_would_truncate_are_refused() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough").is_ok());
        assert!(Password::parse(&"x".repeat(72)).is_ok());
        assert!(Password::parse(&"x".repeat(73)).is_err());
        // 25 three-byte characters are 75 bytes.
        assert!(Password::parse(&"€".repeat(25)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret123").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn message_bodies_are_neither_blank_nor_too_long() {
        assert!(MessageBody::parse("hi", 10).is_ok());
        assert!(MessageBody::parse("   \n", 10).is_err());
        assert!(MessageBody::parse(&"é".repeat(10), 10).is_ok());
        assert!(MessageBody::parse(&"é".repeat(11), 10).is_err());
    }

    #[test]
    fn client_msg_ids_are_short_visible_ascii() {
        assert!(ClientMsgId::parse("0b9c3c9e-6f1e-4d8a-9d55-0a1b2c3d4e5f").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse("has space").is_err());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
    }
}
