//! The error of the service layer: what a rule refused, or what failed under it. It knows no
//! HTTP; [`From<RoomsError> for ApiError`] is the one place it becomes a status and a body.

use chat_db::DbError;
use chat_domain::Invalid;
use chat_http::ApiError;
use chat_http::limits::RateLimited;

#[derive(Debug, thiserror::Error)]
pub enum RoomsError {
    /// No such `room`, `message`, `member` or `user`, or not one the caller may see (an
    /// outsider gets the same answer whether a private room exists or not).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's role does not allow it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Input that parsed but breaks a rule: a message per field.
    #[error("invalid: {0:?}")]
    Invalid(Vec<Invalid>),
    /// A value the caller chose is taken.
    #[error("conflict on {field}: {message}")]
    Conflict {
        field: &'static str,
        message: &'static str,
    },
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    /// Refused for now: a bounded resource (search slots) stayed taken; retry shortly.
    #[error("busy: {0}")]
    Busy(&'static str),
    #[error("database")]
    Db(#[from] DbError),
    /// An event could not be encoded for the outbox.
    #[error("an event could not be encoded")]
    Encode(#[from] serde_json::Error),
    /// Something that cannot happen did.
    #[error("broken invariant: {0}")]
    Bug(&'static str),
    /// A request the client must not repeat as it is (an upload cut off midway).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A file over `ROOMS_ATTACHMENT_MAX_BYTES`.
    #[error("too large")]
    TooLarge,
    /// The object store (files) failed.
    #[error("file storage")]
    Storage(#[from] object_store::Error),
    /// A picture's temporary file failed (a full disk).
    #[error("file spool")]
    Spool(#[from] std::io::Error),
}

pub type Result<T, E = RoomsError> = std::result::Result<T, E>;

impl RoomsError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Invalid::new(field, message)])
    }
}

impl From<diesel::result::Error> for RoomsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

impl From<Invalid> for RoomsError {
    fn from(e: Invalid) -> Self {
        Self::Invalid(vec![e])
    }
}

impl From<RoomsError> for ApiError {
    fn from(e: RoomsError) -> Self {
        match e {
            RoomsError::NotFound(what) => ApiError::not_found(what),
            RoomsError::Forbidden(why) => ApiError::Forbidden(why),
            RoomsError::Invalid(fields) => ApiError::invalid(fields),
            RoomsError::Conflict { field, message } => ApiError::Conflict {
                field: field.to_owned(),
                message: message.to_owned(),
            },
            RoomsError::RateLimited(limited) => limited.into(),
            RoomsError::Busy(why) => ApiError::Unavailable(why.to_owned()),
            RoomsError::Db(e) => e.into(),
            RoomsError::Encode(e) => {
                ApiError::internal(anyhow::Error::new(e).context("an event could not be encoded"))
            }
            RoomsError::Bug(what) => ApiError::bug(what),
            RoomsError::BadRequest(why) => ApiError::BadRequest(why),
            RoomsError::TooLarge => ApiError::PayloadTooLarge,
            RoomsError::Storage(e) => ApiError::Dependency {
                what: "file storage",
                cause: chat_http::error::Cause::new(e),
            },
            RoomsError::Spool(e) => ApiError::Dependency {
                what: "file spool",
                cause: chat_http::error::Cause::new(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    #[test]
    fn each_error_keeps_its_status() {
        let cases = [
            (RoomsError::NotFound("room"), 404),
            (RoomsError::Forbidden("no".into()), 403),
            (RoomsError::invalid("name", "too long"), 422),
            (
                RoomsError::Conflict {
                    field: "client_msg_id",
                    message: "taken",
                },
                409,
            ),
            (
                RoomsError::RateLimited(RateLimited {
                    retry_after_secs: 3,
                }),
                429,
            ),
            (RoomsError::Bug("oops"), 500),
        ];
        for (e, status) in cases {
            let what = e.to_string();
            assert_eq!(ApiError::from(e).status_code().as_u16(), status, "{what}");
        }
    }
}
