//! Calls from one of our services to another: the service credential as bearer token, an
//! optional user the call acts for (`X-Acting-User`), the request id, and answers read into
//! a value or into the other side's error envelope.

use crate::auth::ACTING_USER;
use crate::config::Secret;
use crate::error::Cause;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The other service answered with its error envelope (never for 503).
    #[error("{code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// It did not answer usefully: down, overloaded (503) or unreadable. The cause (which may
    /// name internal addresses) is for the log, never for a client.
    #[error("service unavailable: {0}")]
    Unavailable(Cause),
}

impl CallError {
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        Self::Unavailable(Cause::new(cause))
    }

    /// What a user may read of this error: the other service's own (sanitised) message, or
    /// that it is unavailable, never the cause of that.
    pub fn client_message(&self) -> &str {
        match self {
            Self::Api { message, .. } => message,
            Self::Unavailable(_) => "the service is unavailable; retry shortly",
        }
    }

    /// The envelope's error code, or `unavailable`.
    pub fn code(&self) -> &str {
        match self {
            Self::Api { code, .. } => code,
            Self::Unavailable(_) => "unavailable",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeBody,
}

#[derive(Deserialize)]
struct EnvelopeBody {
    code: String,
    message: String,
}

/// A client of one service, authenticated with the service credential.
#[derive(Clone)]
pub struct ServiceClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

impl ServiceClient {
    pub fn new(base: &str, token: Secret) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(64)
                .tcp_nodelay(true)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// A request to `path`, with the credential, acting for `user` if given.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Option<Uuid>,
        request_id: &str,
    ) -> reqwest::RequestBuilder {
        let req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .header("x-request-id", request_id);
        match user {
            Some(user) => req.header(ACTING_USER, user.to_string()),
            None => req,
        }
    }

    /// Sends a request; `None` for 204 No Content.
    pub async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<Option<T>, CallError> {
        let res = req.send().await.map_err(CallError::unavailable)?;
        let status = res.status();
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let bytes = res.bytes().await.map_err(CallError::unavailable)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                CallError::unavailable(anyhow::Error::new(e).context("unreadable answer"))
            });
        }
        match serde_json::from_slice::<Envelope>(&bytes) {
            Ok(env) if status != reqwest::StatusCode::SERVICE_UNAVAILABLE => Err(CallError::Api {
                status: status.as_u16(),
                code: env.error.code,
                message: env.error.message,
            }),
            _ => Err(CallError::unavailable(anyhow::anyhow!("answered {status}"))),
        }
    }
}
