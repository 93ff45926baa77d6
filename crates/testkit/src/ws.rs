use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A WebSocket test client that reads JSON frames with timeouts.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How the socket ended, if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

impl WsClient {
    /// Connects with an optional bearer token and Origin. Fails with the HTTP status if the
    /// upgrade is refused.
    pub async fn connect(
        url: &str,
        token: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Self, u16> {
        Self::connect_with(url, token, origin, &[]).await
    }

    /// [`WsClient::connect`] with more headers on the upgrade request (a `traceparent`, say).
    pub async fn connect_with(
        url: &str,
        token: Option<&str>,
        origin: Option<&str>,
        headers: &[(&'static str, &str)],
    ) -> Result<Self, u16> {
        let mut req = request(url, token, origin);
        for (name, value) in headers {
            req.headers_mut()
                .insert(*name, HeaderValue::from_str(value).expect("header"));
        }
        match tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(req),
        )
        .await
        {
            Ok(Ok((stream, _))) => Ok(Self { stream }),
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(res))) => Err(res.status().as_u16()),
            Ok(Err(e)) => panic!("websocket connect failed: {e}"),
            Err(_) => panic!("websocket connect timed out"),
        }
    }

    /// Connects over a TCP socket with a tiny receive buffer, for a client that will never
    /// read: the server's writes to it back up after a few frames.
    pub async fn connect_stalled(url: &str, token: &str, origin: &str) -> Self {
        let req = request(url, Some(token), Some(origin));
        let authority = req.uri().authority().expect("ws url with a host").as_str();
        let addr = tokio::net::lookup_host(authority)
            .await
            .expect("resolve")
            .next()
            .expect("an address");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let tcp = socket.connect(addr).await.expect("tcp connect");
        let (stream, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(tcp))
            .await
            .expect("websocket upgrade");
        Self { stream }
    }

    pub async fn send_json(&mut self, v: &Value) {
        self.stream
            .send(Message::text(v.to_string()))
            .await
            .expect("send frame");
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::text(text.to_owned()))
            .await
            .expect("send frame");
    }

    /// Writes bytes to the TCP connection under the socket, past the client's framing: for
    /// frames no well-behaved client sends (a header that lies about its length, text that is
    /// not UTF-8).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let MaybeTlsStream::Plain(tcp) = self.stream.get_mut() else {
            panic!("raw bytes need a plain TCP socket");
        };
        tcp.write_all(bytes).await.expect("write raw bytes");
    }

    /// The next JSON frame, `Err` with the close if the socket ended, or `None` on timeout.
    pub async fn next_json(&mut self, timeout: Duration) -> Option<Result<Value, Closed>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match next {
                Some(Ok(Message::Text(t))) => {
                    return Some(Ok(
                        serde_json::from_str(t.as_str()).expect("server sent invalid JSON")
                    ));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Err(Closed {
                        code: frame.as_ref().map_or(1005, |f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    }));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    return Some(Err(Closed {
                        code: 1006,
                        reason: "connection lost".into(),
                    }));
                }
            }
        }
    }

    /// Reads frames until one has `type == kind` (and passes `pred`); panics after `timeout`.
    pub async fn expect(
        &mut self,
        kind: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_json(left).await {
                Some(Ok(v)) if v["type"] == kind && pred(&v) => return v,
                Some(Ok(_)) => continue,
                Some(Err(closed)) => panic!("socket closed while waiting for {kind}: {closed:?}"),
                None => panic!("no {kind} frame within {timeout:?}"),
            }
        }
    }

    /// Reads frames for `window` and fails if one has `type == kind`.
    pub async fn expect_none(&mut self, kind: &str, window: Duration) {
        self.expect_none_where(kind, window, |_| true).await;
    }

    /// Reads frames for `window` and fails if one has `type == kind` and passes `pred`.
    pub async fn expect_none_where(
        &mut self,
        kind: &str,
        window: Duration,
        pred: impl Fn(&Value) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + window;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_json(left).await {
                Some(Ok(v)) if v["type"] == kind && pred(&v) => {
                    panic!("unexpected {kind} frame: {v}")
                }
                Some(Ok(_)) => continue,
                Some(Err(closed)) => panic!("socket closed: {closed:?}"),
                None => return,
            }
        }
    }

    /// Waits for the socket to be closed by the server and returns the close.
    pub async fn expect_close(&mut self, timeout: Duration) -> Closed {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_json(left).await {
                Some(Ok(_)) => continue,
                Some(Err(closed)) => return closed,
                None => panic!("socket still open after {timeout:?}"),
            }
        }
    }
}

fn request(
    url: &str,
    token: Option<&str>,
    origin: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut req = url.into_client_request().expect("ws url");
    if let Some(t) = token {
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {t}")).expect("header"),
        );
    }
    if let Some(o) = origin {
        req.headers_mut()
            .insert("origin", HeaderValue::from_str(o).expect("header"));
    }
    req
}
