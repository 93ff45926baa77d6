//! Requests only a raw socket can send, for what nginx (or a service's HTTP layer behind it)
//! answers before any route runs: each must still get the JSON error envelope and its status.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One raw request and what it must get.
pub struct EdgeCase {
    pub name: &'static str,
    pub request: Vec<u8>,
    pub status: u16,
}

/// What came back: the status, the content type and the body.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl RawReply {
    /// The services' error envelope, with a code.
    pub fn is_json_error(&self) -> bool {
        self.content_type.starts_with("application/json")
            && serde_json::from_str::<serde_json::Value>(&self.body)
                .is_ok_and(|v| v["error"]["code"].is_string())
    }
}

/// The cases: a broken request line, a URI, a header and a header count over the limits, a
/// body over the limit, a method a static file does not take, control bytes in header
/// values, and an HTTP/1.0 request with no Host (answered like any other: 401 without a
/// token).
pub fn cases() -> Vec<EdgeCase> {
    let mut many_headers = String::from("GET /api/rooms HTTP/1.1\r\nHost: chat\r\n");
    for i in 0..120 {
        many_headers.push_str(&format!("X-Fuzz-{i}: v\r\n"));
    }
    many_headers.push_str("Connection: close\r\n\r\n");
    let big_body = 2 * 1024 * 1024;
    vec![
        EdgeCase {
            name: "a broken request line",
            request: b"GARBAGE\r\n\r\n".to_vec(),
            status: 400,
        },
        EdgeCase {
            name: "a URI over the limit",
            request: format!(
                "GET /api/rooms?{} HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n",
                "a".repeat(20_000)
            )
            .into_bytes(),
            status: 414,
        },
        EdgeCase {
            name: "a header over the limit",
            request: format!(
                "GET /api/rooms HTTP/1.1\r\nHost: chat\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
                "a".repeat(9_000)
            )
            .into_bytes(),
            status: 431,
        },
        EdgeCase {
            // More than a service takes (96: actix answers a bare 431), but nginx passes on
            // only the headers the services read, so this is answered as any other request.
            name: "more headers than a service takes",
            request: many_headers.into_bytes(),
            status: 401,
        },
        EdgeCase {
            name: "a body over the limit",
            request: format!(
                "POST /api/rooms HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\nContent-Length: {big_body}\r\nConnection: close\r\n\r\n"
            )
            .into_bytes(),
            status: 413,
        },
        EdgeCase {
            // Over nginx's in-memory body buffer (16 KiB), under the limit: nginx writes it to
            // a temp file first, which its workers must be able to reach (it was a 500).
            name: "a body nginx buffers on disk",
            request: {
                let body = format!("{{\"name\":\"{}\"}}", "a".repeat(30_000));
                format!(
                    "POST /api/rooms HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            },
            status: 401,
        },
        EdgeCase {
            name: "POST to a static file",
            request: b"POST /index.html HTTP/1.1\r\nHost: chat\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            status: 405,
        },
        EdgeCase {
            // actix refuses a control byte in any header value with a bare 400; nginx passes
            // the services only the headers they read and checks those itself.
            name: "a control byte in a header the services read",
            request: b"GET /api/rooms HTTP/1.1\r\nHost: chat\r\nUser-Agent: a\x01b\r\nConnection: close\r\n\r\n".to_vec(),
            status: 400,
        },
        EdgeCase {
            // Not passed on at all, so the request is answered as any other (401: no token).
            name: "a control byte in a header the services never read",
            request: b"GET /api/rooms HTTP/1.1\r\nHost: chat\r\nX-Fuzz: a\x1fb\r\nConnection: close\r\n\r\n".to_vec(),
            status: 401,
        },
        EdgeCase {
            name: "HTTP/1.0 without a Host",
            request: b"GET /api/rooms HTTP/1.0\r\n\r\n".to_vec(),
            status: 401,
        },
    ]
}

/// Sends `request` to `addr` (`host:port`) and reads the answer until the server closes (10 s
/// at most).
pub async fn send(addr: &str, request: &[u8]) -> std::io::Result<RawReply> {
    let stream = TcpStream::connect(addr).await?;
    exchange(stream, request).await
}

/// As [`send`], from the local address `source` (any 127.x.y.z reaches loopback): a client
/// address of its own, for nginx's per-address limits.
pub async fn send_from(
    source: std::net::IpAddr,
    addr: &str,
    request: &[u8],
) -> std::io::Result<RawReply> {
    let target: std::net::SocketAddr = tokio::net::lookup_host(addr)
        .await?
        .find(std::net::SocketAddr::is_ipv4)
        .ok_or_else(|| std::io::Error::other(format!("no IPv4 address for {addr}")))?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::new(source, 0))?;
    exchange(socket.connect(target).await?, request).await
}

/// `n` requests from `source`, `concurrency` at a time: the replies (or errors), in no order.
pub async fn burst(
    source: std::net::IpAddr,
    addr: &str,
    request: &[u8],
    n: usize,
    concurrency: usize,
) -> Vec<std::io::Result<RawReply>> {
    use futures_util::StreamExt;
    futures_util::stream::iter(0..n)
        .map(|_| send_from(source, addr, request))
        .buffer_unordered(concurrency)
        .collect()
        .await
}

async fn exchange(mut stream: TcpStream, request: &[u8]) -> std::io::Result<RawReply> {
    stream.write_all(request).await?;
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = vec![0_u8; 16 * 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
            if let Some(reply) = parse(&raw).filter(|r| r.complete) {
                return Some(reply.reply);
            }
        }
        None
    })
    .await;
    match read {
        Ok(Some(reply)) => Ok(reply),
        _ => parse(&raw).map(|r| r.reply).ok_or_else(|| {
            std::io::Error::other(format!(
                "no HTTP answer: {:?}",
                String::from_utf8_lossy(&raw)
            ))
        }),
    }
}

struct Parsed {
    reply: RawReply,
    complete: bool,
}

fn parse(raw: &[u8]) -> Option<Parsed> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut content_type = String::new();
    let mut length = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-type" => content_type = value.trim().to_owned(),
                "content-length" => length = value.trim().parse::<usize>().ok(),
                _ => {}
            }
        }
    }
    Some(Parsed {
        complete: length.is_some_and(|n| body.len() >= n),
        reply: RawReply {
            status,
            content_type,
            body: body.to_owned(),
        },
    })
}
