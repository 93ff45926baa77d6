//! One error policy: every failure, including actix's own, leaves as the same JSON envelope
//! with the right status.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chat_db::DbError;
use chat_domain::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use utoipa::ToSchema;

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Clone)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    /// A unique value is taken; `field` names it.
    Conflict {
        field: String,
        message: String,
    },
    PayloadTooLarge,
    UnsupportedMediaType,
    /// Input that parsed but is not valid: a message per field.
    Validation(BTreeMap<String, String>),
    RateLimited {
        retry_after_secs: u64,
    },
    /// Temporarily refused for a reason the client may read (shutting down, not configured);
    /// it may retry.
    Unavailable(String),
    /// A dependency (`what`: the database, another service) is down or overloaded. The client
    /// reads only that it may retry; the cause is logged.
    Dependency {
        what: &'static str,
        cause: Cause,
    },
    /// Anything unexpected. The cause is logged with its whole chain, never sent.
    Internal(Cause),
}

/// The error behind a 500 or a 503, kept with its chain of sources for the log (cloneable, as
/// one failure may answer every send of a batch).
#[derive(Debug, Clone)]
pub struct Cause(Arc<anyhow::Error>);

impl Cause {
    pub fn new(err: impl Into<anyhow::Error>) -> Self {
        Self(Arc::new(err.into()))
    }
}

impl fmt::Display for Cause {
    /// The whole chain: `outer: inner: root`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `not_found`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// For `validation_failed` and `conflict`: a message per offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    /// An unexpected failure, with its cause.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Cause::new(err))
    }

    /// A broken invariant: something that cannot happen did.
    pub fn bug(what: &'static str) -> Self {
        Self::Internal(Cause::new(anyhow::anyhow!(what)))
    }

    /// A dependency failed; `what` names it for the client ("database", "rooms service").
    pub fn dependency(what: &'static str, err: impl Into<anyhow::Error>) -> Self {
        Self::Dependency {
            what,
            cause: Cause::new(err),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn invalid(errors: impl IntoIterator<Item = Invalid>) -> Self {
        Self::Validation(
            errors
                .into_iter()
                .map(|e| (e.field.to_owned(), e.message))
                .collect(),
        )
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) | Self::Dependency { .. } => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// What a client may read of this error (never an internal detail).
    pub fn client_message(&self) -> String {
        self.body().message
    }

    /// Logs what must be logged of an error that leaves as an answer (once, where it does, on
    /// the request's span, so with its request id): the cause's whole chain.
    pub fn report(&self) {
        match self {
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            Self::Dependency { what, cause } => {
                tracing::warn!(dependency = what, error = %cause, "dependency unavailable")
            }
            Self::Unavailable(reason) => tracing::info!(reason = %reason, "refused for now"),
            _ => {}
        }
    }

    fn body(&self) -> ErrorBody {
        let (message, fields) = match self {
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Unavailable(m) => (m.clone(), None),
            Self::Conflict { field, message } => (
                message.clone(),
                Some(BTreeMap::from([(field.clone(), message.clone())])),
            ),
            Self::PayloadTooLarge => ("the request body is too large".to_owned(), None),
            Self::UnsupportedMediaType => (
                "send JSON with Content-Type: application/json".to_owned(),
                None,
            ),
            Self::Validation(fields) => {
                ("some fields are not valid".to_owned(), Some(fields.clone()))
            }
            Self::RateLimited { retry_after_secs } => (
                format!("too many requests; retry in {retry_after_secs} s"),
                None,
            ),
            Self::Dependency { what, .. } => {
                (format!("the {what} is unavailable; retry shortly"), None)
            }
            Self::Internal(_) => ("something went wrong on our side".to_owned(), None),
        };
        ErrorBody {
            code: self.code().to_owned(),
            message,
            fields,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Internal(cause) => write!(f, "internal: {cause}"),
            Self::Dependency { what, cause } => write!(f, "{what} unavailable: {cause}"),
            other => write!(f, "{}: {}", other.code(), other.body().message),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Dependency { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // Logged once, here, where it turns into a response.
        self.report();
        let mut res = HttpResponse::build(self.status_code());
        match self {
            Self::RateLimited { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // Refused for now, or a dependency is down: a short wait before retrying.
            Self::Unavailable(_) | Self::Dependency { .. } => {
                res.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        if let Self::Unauthorized(_) = self {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.json(ErrorEnvelope { error: self.body() })
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Pool(_) => Self::dependency("database", err),
            DbError::Query(diesel::result::Error::NotFound) => Self::NotFound("not found".into()),
            // The database went away under a pooled connection: a 503 like the pool's own.
            // Which of the two a dead connection gives depends on whether its task saw the
            // socket close before the query was sent ("connection closed" either way).
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection
                | diesel::result::DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => Self::dependency("database", err),
            // A transaction PostgreSQL refused to commit as it stood and that may well succeed
            // when tried again: a serialization failure, or one that wrote sync events and ran
            // past `chat.sync_commit_deadline` (migration 000015). A 503 with Retry-After.
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::SerializationFailure,
                _,
            )) => Self::dependency("database", err),
            // Text PostgreSQL cannot store (NUL) that no parser refused first: the client's
            // input, so a 422, never a 500. Most fields refuse it when parsed; this catches the
            // rest (search terms, cursors, logins) in one place.
            DbError::Query(_) if err.is_nul_in_text() => {
                Self::invalid([Invalid::new("text", "must not contain NUL characters")])
            }
            DbError::Query(_) => Self::internal(err),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        DbError::Query(err).into()
    }
}

impl From<Invalid> for ApiError {
    fn from(err: Invalid) -> Self {
        Self::invalid([err])
    }
}

/// A JSON body of up to `LIMIT` bytes, for the few routes that take more than a request's usual
/// limit (a gateway's batches). The limit is declared in the handler's signature, so the route
/// registers (and is documented) like any other; its errors are the envelope's, as with
/// `web::Json`.
pub struct JsonUpTo<T, const LIMIT: usize>(pub T);

impl<T, const LIMIT: usize> JsonUpTo<T, LIMIT> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T, const LIMIT: usize> std::ops::Deref for JsonUpTo<T, LIMIT> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static, const LIMIT: usize> actix_web::FromRequest
    for JsonUpTo<T, LIMIT>
{
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = actix_web::dev::JsonBody::<T>::new(req, payload, None, true).limit(LIMIT);
        Box::pin(async move { body.await.map(JsonUpTo).map_err(json_error) })
    }
}

/// Extractor settings that route actix's own errors through the envelope.
pub fn json_config(limit_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit_bytes)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::Validation(BTreeMap::from([("body".to_owned(), e.to_string())]))
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        other => ApiError::BadRequest(other.to_string()),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        ApiError::BadRequest(format!("invalid query string: {err}")).into()
    })
}

/// Form bodies (the OAuth2 token endpoint).
pub fn form_config(limit_bytes: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit_bytes)
        .error_handler(|err: UrlencodedError, _req| {
            match err {
                UrlencodedError::Overflow { .. } => ApiError::PayloadTooLarge,
                UrlencodedError::ContentType => ApiError::BadRequest(
                    "send a form with Content-Type: application/x-www-form-urlencoded".into(),
                ),
                UrlencodedError::Parse(e) => {
                    ApiError::Validation(BTreeMap::from([("body".to_owned(), e.to_string())]))
                }
                other => ApiError::BadRequest(format!("malformed form: {other}")),
            }
            .into()
        })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::NotFound(format!("no such resource: {err}")).into()
    })
}

/// The default service: unknown routes answer 404 (or 405) in the envelope.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

/// Registers the error-shaping extractor configs on an app.
pub fn configure(cfg: &mut web::ServiceConfig, json_limit_bytes: usize) {
    cfg.app_data(json_config(json_limit_bytes))
        .app_data(form_config(json_limit_bytes))
        .app_data(query_config())
        .app_data(path_config());
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[test]
    fn a_connection_the_database_closed_is_a_503_whenever_it_is_found_out() {
        use diesel::result::{DatabaseErrorKind, Error};
        for kind in [
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::UnableToSendCommand,
        ] {
            let closed = Error::DatabaseError(kind, Box::new("connection closed".to_owned()));
            let err = ApiError::from(DbError::Query(closed));
            assert_eq!(err.status_code().as_u16(), 503, "{err}");
        }
    }

    #[actix_web::test]
    async fn internal_errors_hide_their_detail() {
        let err = ApiError::internal(anyhow::anyhow!("password=hunter2 leaked"));
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(res.into_body()).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("\"code\":\"internal\""), "{text}");
    }

    #[actix_web::test]
    async fn a_dependency_s_failure_names_it_and_hides_its_cause() {
        let cause = anyhow::anyhow!("connect to 10.0.0.7:5432 refused").context("pool timeout");
        let err = ApiError::dependency("database", cause);
        assert_eq!(
            err.to_string(),
            "database unavailable: pool timeout: connect to 10.0.0.7:5432 refused"
        );
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = to_bytes(res.into_body()).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("10.0.0.7"), "{text}");
        assert!(text.contains("the database is unavailable"), "{text}");
    }

    #[actix_web::test]
    async fn rate_limits_carry_retry_after() {
        let res = ApiError::RateLimited {
            retry_after_secs: 7,
        }
        .error_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }
}
