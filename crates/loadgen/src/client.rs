//! One benchmark WebSocket client: small buffers, a task per socket, frames parsed without
//! building a JSON tree.

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

pub type Ws = WebSocketStream<TcpStream>;

/// The frames the load generator looks at; everything else is skipped.
#[derive(Deserialize)]
pub struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow)]
    pub message: Option<Msg<'a>>,
    /// `send` frames echoed by the bare server carry the body at the top.
    #[serde(default, borrow)]
    pub body: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub cursor: Option<Cow<'a, str>>,
    #[serde(default)]
    pub instance_id: Option<Uuid>,
    /// The bare server's relayed frames name their sender here.
    #[serde(default)]
    pub sender_id: Option<Uuid>,
    #[serde(default, borrow)]
    pub code: Option<Cow<'a, str>>,
    /// The send an `ack` or `error` answers.
    #[serde(default, borrow)]
    pub client_msg_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct Msg<'a> {
    /// The bare server's relayed messages have none.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub room_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    #[serde(borrow)]
    pub body: Cow<'a, str>,
}

/// What a `hello` told the client.
#[derive(Clone, Debug, Default)]
pub struct Hello {
    pub cursor: Option<String>,
    pub instance_id: Option<Uuid>,
}

/// Where to connect: the URL and the source address to connect from.
pub struct Target<'a> {
    pub url: &'a str,
    pub source: IpAddr,
}

fn config() -> WebSocketConfig {
    // Small buffers: tens of thousands of sockets in one process.
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// Opens a socket and waits for `hello` (the bare server sends one too).
pub async fn connect(target: &Target<'_>, token: Option<&str>) -> anyhow::Result<(Ws, Hello)> {
    let mut req = target.url.into_client_request()?;
    if let Some(token) = token {
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let authority = req.uri().authority().context("a URL with a host")?.as_str();
    let addr: SocketAddr = tokio::net::lookup_host(authority)
        .await?
        .next()
        .context("the host has no address")?;
    let socket = match target.source {
        IpAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        IpAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(target.source, 0))?;
    socket.set_nodelay(true)?;
    let tcp = socket.connect(addr).await?;
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(req, tcp, Some(config())).await?;
    let hello = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(msg) = ws.next().await {
            if let Message::Text(t) = msg? {
                let f: Frame<'_> = serde_json::from_str(&t)?;
                if f.kind == "hello" {
                    return Ok(Hello {
                        cursor: f.cursor.map(Cow::into_owned),
                        instance_id: f.instance_id,
                    });
                }
            }
        }
        bail!("closed before hello")
    })
    .await
    .context("no hello within 30 s")??;
    Ok((ws, hello))
}

/// Receives every parsed frame of every socket of a scenario.
pub trait Sink: Send + Sync + 'static {
    fn frame(&self, conn: usize, frame: &Frame<'_>);
    fn closed(&self, conn: usize);
}

/// The sending half of a running client, and its switch to stop reading.
pub struct Handle {
    pub tx: mpsc::UnboundedSender<String>,
    pub reading: Arc<AtomicBool>,
}

impl Handle {
    /// Queues a text frame; false once the socket is gone.
    pub fn send(&self, text: String) -> bool {
        self.tx.send(text).is_ok()
    }
}

/// Runs the socket in its own task until it closes or every handle is dropped.
pub fn spawn(conn: usize, ws: Ws, sink: Arc<dyn Sink>) -> Handle {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let reading = Arc::new(AtomicBool::new(true));
    let flag = reading.clone();
    tokio::spawn(async move {
        let (mut write, mut read) = ws.split();
        loop {
            let stalled = !flag.load(Ordering::Relaxed);
            tokio::select! {
                msg = read.next(), if !stalled => match msg {
                    Some(Ok(Message::Text(t))) => {
                        if let Ok(f) = serde_json::from_str::<Frame<'_>>(&t) {
                            sink.frame(conn, &f);
                        }
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                out = rx.recv() => match out {
                    Some(text) => if write.send(Message::text(text)).await.is_err() { break },
                    None => break,
                },
                // A stalled reader still sends, but leaves what arrives in the kernel.
                () = tokio::time::sleep(Duration::from_millis(50)), if stalled => {}
            }
        }
        sink.closed(conn);
        let _ = write.close().await;
    });
    Handle { tx, reading }
}

/// How [`pump`] ended.
pub enum Pumped {
    /// The socket dropped; the frame it could not write, if any.
    Dropped(Option<String>),
    /// Every sender of the outgoing channel is gone: the client is done.
    Finished,
}

/// Reads a socket's frames into `on_frame` and writes what `rx` gives, until either ends. The
/// socket is closed when this returns (a client that holds its dead socket while opening the
/// next one would pass the process's 20,000 files with 10,000 clients).
pub async fn pump(
    ws: Ws,
    rx: &mut mpsc::UnboundedReceiver<String>,
    mut on_frame: impl FnMut(&Frame<'_>),
) -> Pumped {
    let (mut write, mut read) = ws.split();
    loop {
        tokio::select! {
            msg = read.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    if let Ok(f) = serde_json::from_str::<Frame<'_>>(&t) {
                        on_frame(&f);
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return Pumped::Dropped(None),
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(text) => if write.send(Message::text(text.clone())).await.is_err() {
                    return Pumped::Dropped(Some(text));
                },
                None => return Pumped::Finished,
            },
        }
    }
}

/// Connects again after a drop, as the web app does: waits 0.1-1 s, the ceiling doubling to
/// at most 8 s after each failure, each wait jittered.
pub async fn reconnect(target: &Target<'_>, token: &str) -> (Ws, Hello) {
    use rand::Rng;
    let mut ceiling = 1000u64;
    loop {
        let wait = rand::rng().random_range(100..=ceiling);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        match connect(target, Some(token)).await {
            Ok(ok) => return ok,
            Err(_) => ceiling = (ceiling * 2).min(8000),
        }
    }
}

/// One page of `GET /api/rooms/sync` after `cursor` (pages of 500, the most the server gives),
/// as the client that reconnected would ask for it.
pub async fn sync_page(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    cursor: &str,
) -> anyhow::Result<serde_json::Value> {
    Ok(http
        .get(format!("{base}/api/rooms/sync"))
        .query(&[("cursor", cursor), ("limit", "500")])
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// A `send` frame.
pub fn send_frame(room: Uuid, client_msg_id: &str, body: &str) -> String {
    serde_json::json!({
        "type": "send",
        "room_id": room,
        "client_msg_id": client_msg_id,
        "body": body,
    })
    .to_string()
}

/// A `synced` frame: the client's sync ended at `cursor`.
pub fn synced_frame(cursor: &str) -> String {
    serde_json::json!({"type": "synced", "cursor": cursor}).to_string()
}

/// Connects many sockets with bounded concurrency; the i-th socket uses `tokens[i]` and the
/// source addresses in turn. Returns the sockets in order, or the first error.
pub async fn connect_all(
    url: &str,
    sources: &[IpAddr],
    tokens: &[Option<String>],
    concurrency: usize,
) -> anyhow::Result<Vec<(Ws, Hello)>> {
    let futures = tokens.iter().enumerate().map(|(i, token)| {
        let source = sources[i % sources.len()];
        async move {
            let target = Target { url, source };
            let mut last = None;
            // A refused upgrade under a connection burst is retried a few times.
            for attempt in 0..5u64 {
                match connect(&target, token.as_deref()).await {
                    Ok(ok) => return Ok(ok),
                    Err(e) => {
                        last = Some(e);
                        tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
                    }
                }
            }
            Err(last.expect("an error after failed attempts"))
                .with_context(|| format!("socket {i} from {source}"))
        }
    });
    futures_util::stream::iter(futures)
        .buffered(concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}
