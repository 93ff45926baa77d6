//! Every request gets an id (the caller's `X-Request-Id` if it is sane, else a new one) and a
//! W3C trace context (a hop of the caller's `traceparent` if it sent a valid one, else a new
//! trace), both logged on its span, returned in the response and carried on the events it
//! causes. A sampled trace has its request logged at info even where requests are otherwise
//! logged at debug (the gateway's calls for its users).

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use chat_domain::trace::{self, TraceParent};
use std::future::{Ready, ready};
use std::time::Instant;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// A request's id and its hop of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String, pub TraceParent);

impl RequestId {
    /// A request id a caller gave, if it is sane (short, URL- and log-safe characters only),
    /// in a new trace.
    pub fn parse(raw: &str) -> Option<Self> {
        sane(raw).then(|| Self(raw.to_owned(), TraceParent::new_root()))
    }

    /// The same id in the trace `traceparent` names (a hop of it), if that is valid.
    pub fn in_trace(self, traceparent: Option<&str>) -> Self {
        match traceparent.and_then(TraceParent::parse) {
            Some(parent) => Self(self.0, parent.child()),
            None => self,
        }
    }

    /// A new id, in a new trace.
    pub fn new_root() -> Self {
        Self(uuid::Uuid::new_v4().to_string(), TraceParent::new_root())
    }

    /// This hop's `traceparent`.
    pub fn traceparent(&self) -> String {
        self.1.header()
    }
}

fn sane(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= 64
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let trace = req
        .headers()
        .get(trace::HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(TraceParent::parse)
        .map_or_else(TraceParent::new_root, |parent| parent.child());
    let sampled = trace.sampled;
    let traceparent = trace.header();
    let span = tracing::info_span!(
        "request",
        request.id = %id,
        trace.id = %trace.trace_id,
        http.method = %req.method(),
        http.path = %req.path(),
    );
    req.extensions_mut().insert(RequestId(id.clone(), trace));
    // Probes hit every few seconds; logging each would drown the real traffic. So would the
    // gateways' calls made for their users (every message sent over a socket): those are logged
    // at debug when they succeed, the gateway logs its sockets and failures stay at info.
    let probe = matches!(req.path(), "/livez" | "/readyz");
    // A batch of sends carries its users in its body.
    let for_user = req.headers().contains_key(crate::auth::ACTING_USER)
        || req.path().ends_with("/messages/batch");
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    if let Ok(value) = HeaderValue::from_str(&traceparent) {
        res.headers_mut()
            .insert(HeaderName::from_static(trace::HEADER), value);
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    crate::metrics::http_request(
        res.request().method(),
        res.request().match_pattern(),
        status,
        elapsed,
    );
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if probe || (for_user && status < 400 && !sampled) {
            tracing::debug!(http.status = status, duration_ms, "request done");
        } else {
            tracing::info!(http.status = status, duration_ms, "request done");
        }
    });
    Ok(res)
}

impl FromRequest for RequestId {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::new_root);
        ready(Ok(id))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_sane_ids_are_kept() {
        assert!(super::sane("abc-123_x.y"));
        assert!(!super::sane("a b"));
        assert!(!super::sane(&"a".repeat(65)));
        assert!(!super::sane("<script>"));
    }
}
