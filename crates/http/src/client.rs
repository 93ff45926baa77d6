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
///
/// `base` may list several replicas of the service, comma-separated: each call goes to the
/// first, and moves on to the next when one cannot be reached or answers 503 (down, draining
/// or overloaded: it did not do the work), so one replica going away does not fail the calls
/// of the services that use it. Calls that move on are safe to repeat: every call made this
/// way is idempotent (sends carry their `client_msg_id`).
#[derive(Clone)]
pub struct ServiceClient {
    http: reqwest::Client,
    bases: Vec<String>,
    token: Secret,
}

impl ServiceClient {
    pub fn new(base: &str, token: Secret) -> Result<Self, reqwest::Error> {
        let mut bases: Vec<String> = base
            .split(',')
            .map(|b| b.trim().trim_end_matches('/').to_owned())
            .filter(|b| !b.is_empty())
            .collect();
        if bases.is_empty() {
            bases.push(String::new());
        }
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(64)
                .tcp_nodelay(true)
                .build()?,
            bases,
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
            .request(method, format!("{}{path}", self.bases[0]))
            .bearer_auth(self.token.expose())
            .header("x-request-id", request_id);
        match user {
            Some(user) => req.header(ACTING_USER, user.to_string()),
            None => req,
        }
    }

    /// Sends a request made by [`Self::request`] to the first replica, then to the next ones
    /// while a replica cannot be reached or answers 503.
    async fn send_to_any(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, CallError> {
        let (http, request) = req.build_split();
        let request = request.map_err(CallError::unavailable)?;
        if self.bases.len() == 1 || request.body().is_some_and(|b| b.as_bytes().is_none()) {
            // One replica, or a streamed body that cannot be sent twice.
            return http.execute(request).await.map_err(CallError::unavailable);
        }
        let rest = request.url().as_str()[self.bases[0].len()..].to_owned();
        let mut last = CallError::unavailable(anyhow::anyhow!("no replica"));
        for (i, base) in self.bases.iter().enumerate() {
            let last_one = i + 1 == self.bases.len();
            let mut attempt = request.try_clone().expect("a body held in memory");
            if i > 0 {
                *attempt.url_mut() = format!("{base}{rest}")
                    .parse()
                    .map_err(CallError::unavailable)?;
            }
            match http.execute(attempt).await {
                Ok(res) if last_one || res.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE => {
                    return Ok(res);
                }
                Ok(_) => {
                    tracing::debug!(%base, "a replica answered 503; trying the next");
                    last = CallError::unavailable(anyhow::anyhow!("{base} answered 503"));
                }
                Err(e) if e.is_connect() => {
                    tracing::warn!(%base, error = %e, "cannot reach a replica; trying the next");
                    last = CallError::unavailable(e);
                }
                Err(e) => return Err(CallError::unavailable(e)),
            }
        }
        Err(last)
    }

    /// Sends a request; `None` for 204 No Content.
    pub async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<Option<T>, CallError> {
        let res = self.send_to_any(req).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-route HTTP server answering every request with `status` and `{"who": name}` (an
    /// error envelope for an error status); returns its base URL.
    async fn replica(name: &'static str, status: u16) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let body = if status < 400 {
                        format!(r#"{{"who":"{name}"}}"#)
                    } else {
                        r#"{"error":{"code":"not_found","message":"no such thing"}}"#.to_owned()
                    };
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        format!("http://{addr}")
    }

    /// A base URL nothing listens on.
    async fn gone() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{addr}")
    }

    async fn who(bases: &[String]) -> Result<String, CallError> {
        let client = ServiceClient::new(&bases.join(","), Secret::new("t")).unwrap();
        let req = client
            .request(reqwest::Method::POST, "/api/x?y=1", None, "rid")
            .json(&serde_json::json!({"a": 1}));
        let answer: serde_json::Value = client.send(req).await?.unwrap();
        Ok(answer["who"].as_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn calls_move_on_to_the_next_replica_only_when_one_is_gone_or_unavailable() {
        let (one, two) = (replica("one", 200).await, replica("two", 200).await);
        assert_eq!(who(&[one.clone(), two.clone()]).await.unwrap(), "one");
        assert_eq!(who(&[gone().await, two.clone()]).await.unwrap(), "two");
        let draining = replica("draining", 503).await;
        assert_eq!(who(&[draining.clone(), one.clone()]).await.unwrap(), "one");
        let all_down = who(&[gone().await, draining]).await.unwrap_err();
        assert_eq!(all_down.code(), "unavailable");
        // An error that is the other side's answer is final: no second replica is asked.
        let refusing = replica("refusing", 404).await;
        match who(&[refusing, one]).await {
            Err(CallError::Api { status: 404, .. }) => {}
            other => panic!("expected the 404, got {other:?}"),
        }
    }
}
