//! The error of the service layer: what a rule refused, or what failed under it. It knows no
//! HTTP; [`From<AuthError> for ApiError`] is the one place it becomes a status and a body.
//! A variant's message is what the client reads (the internal ones are only logged).

use chat_db::DbError;
use chat_domain::Invalid;
use chat_http::ApiError;
use chat_http::limits::RateLimited;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A login that failed, whatever the reason (unknown account, wrong password, deactivated
    /// account): one answer, so it does not tell which accounts exist.
    #[error("wrong login or password")]
    WrongCredentials,
    /// A refresh token that is unknown, expired, spent or revoked, or none at all.
    #[error("the refresh token is not valid")]
    BadRefreshToken,
    /// The account behind a valid access token was deactivated or deleted since.
    #[error("this account is not active")]
    Inactive,
    /// The caller's role does not allow it.
    #[error("{0}")]
    Forbidden(&'static str),
    /// No such `user` or `account`.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A Telegram link token that is unknown, used or expired.
    #[error("this link is unknown, used or expired")]
    LinkGone,
    /// No account is linked to a Telegram chat.
    #[error("no account is linked to this chat")]
    NotLinked,
    /// Input that parsed but breaks a rule: a message per field.
    #[error("invalid: {0:?}")]
    Invalid(Vec<Invalid>),
    /// A value the caller chose is taken.
    #[error("conflict on {field}: {message}")]
    Conflict {
        field: &'static str,
        message: &'static str,
    },
    /// A directory cursor that another sort gave, or none gave.
    #[error("this cursor is not valid for this sort")]
    BadCursor,
    /// Telegram linking asked of a deployment without a bot.
    #[error("Telegram is not configured here")]
    NoTelegram,
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    #[error("database")]
    Db(#[from] DbError),
    #[error("an access token could not be signed")]
    Sign(#[from] jsonwebtoken::errors::Error),
    #[error("a password could not be hashed")]
    Hash(#[from] bcrypt::BcryptError),
    /// A blocking task (bcrypt) panicked or was cancelled.
    #[error("a blocking task failed")]
    Task(#[from] tokio::task::JoinError),
    /// Refused for now: every password-hashing slot stayed busy; retry shortly.
    #[error("busy: {0}")]
    Busy(&'static str),
    /// Something that cannot happen did.
    #[error("broken invariant: {0}")]
    Bug(&'static str),
}

pub type Result<T, E = AuthError> = std::result::Result<T, E>;

impl AuthError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Invalid::new(field, message)])
    }
}

impl From<diesel::result::Error> for AuthError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::WrongCredentials | AuthError::BadRefreshToken | AuthError::Inactive => {
                ApiError::Unauthorized(e.to_string())
            }
            AuthError::Forbidden(why) => ApiError::Forbidden(why.to_owned()),
            AuthError::NotFound(_) | AuthError::LinkGone | AuthError::NotLinked => {
                ApiError::NotFound(e.to_string())
            }
            AuthError::Invalid(fields) => ApiError::invalid(fields),
            AuthError::Conflict { field, message } => ApiError::Conflict {
                field: field.to_owned(),
                message: message.to_owned(),
            },
            AuthError::BadCursor => ApiError::BadRequest(e.to_string()),
            AuthError::NoTelegram => ApiError::Unavailable(e.to_string()),
            AuthError::RateLimited(limited) => limited.into(),
            AuthError::Db(e) => e.into(),
            AuthError::Sign(_) | AuthError::Hash(_) | AuthError::Task(_) => ApiError::internal(e),
            AuthError::Busy(why) => ApiError::Unavailable(why.to_owned()),
            AuthError::Bug(what) => ApiError::bug(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    #[tokio::test]
    async fn each_error_keeps_its_status() {
        let cancelled = tokio::spawn(std::future::pending::<()>());
        cancelled.abort();
        let cancelled = cancelled.await;
        let closed = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection".to_owned()),
        );
        let cases = [
            (AuthError::WrongCredentials, 401),
            (AuthError::BadRefreshToken, 401),
            (AuthError::Inactive, 401),
            (AuthError::Forbidden("only admins may do this"), 403),
            (AuthError::NotFound("user"), 404),
            (AuthError::LinkGone, 404),
            (AuthError::NotLinked, 404),
            (AuthError::invalid("current_password", "is not yours"), 422),
            (
                AuthError::Conflict {
                    field: "username",
                    message: "this username is taken",
                },
                409,
            ),
            (AuthError::BadCursor, 400),
            (AuthError::NoTelegram, 503),
            (
                AuthError::RateLimited(RateLimited {
                    retry_after_secs: 3,
                }),
                429,
            ),
            (AuthError::from(closed), 503),
            (
                AuthError::from(diesel::result::Error::BrokenTransactionManager),
                500,
            ),
            (
                AuthError::Sign(jsonwebtoken::errors::ErrorKind::InvalidEcdsaKey.into()),
                500,
            ),
            (
                AuthError::Hash(bcrypt::BcryptError::CostNotAllowed(99)),
                500,
            ),
            (AuthError::Task(cancelled.unwrap_err()), 500),
            (AuthError::Busy("try later"), 503),
            (AuthError::Bug("oops"), 500),
        ];
        for (e, status) in cases {
            let what = e.to_string();
            assert_eq!(ApiError::from(e).status_code().as_u16(), status, "{what}");
        }
    }

    #[test]
    fn the_client_reads_the_same_messages_as_before() {
        let message = |e: AuthError| ApiError::from(e).client_message();
        assert_eq!(
            message(AuthError::WrongCredentials),
            "wrong login or password"
        );
        assert_eq!(message(AuthError::NotFound("user")), "user not found");
        assert_eq!(
            message(AuthError::LinkGone),
            "this link is unknown, used or expired"
        );
        assert_eq!(
            message(AuthError::NoTelegram),
            "Telegram is not configured here"
        );
        assert_eq!(
            message(AuthError::Sign(
                jsonwebtoken::errors::ErrorKind::InvalidEcdsaKey.into()
            )),
            "something went wrong on our side"
        );
    }
}
