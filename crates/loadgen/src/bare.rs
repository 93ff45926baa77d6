//! The baseline: a bare WebSocket relay on the same framework as the gateway (actix-web and
//! actix-ws, a bounded queue per socket, frames offered without waiting), without
//! authentication, storage or a broker. A socket joins rooms with `{"type":"join","room_id"}`;
//! any other frame with a `room_id` is relayed as it is to every socket in that room.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use actix_ws::AggregatedMessage;
use futures_util::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Frames queued per socket, as the gateway's default.
const QUEUE: usize = 256;

/// The queues of a room's sockets, by socket number.
type Members = HashMap<u64, mpsc::Sender<Arc<str>>>;

#[derive(Default)]
struct Relay {
    rooms: RwLock<HashMap<Uuid, Members>>,
    next: std::sync::atomic::AtomicU64,
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    room_id: Option<Uuid>,
}

async fn ws(
    req: HttpRequest,
    body: web::Payload,
    relay: web::Data<Relay>,
) -> actix_web::Result<HttpResponse> {
    let (response, mut session, stream) = actix_ws::handle(&req, body)?;
    let mut stream = stream.aggregate_continuations();
    let relay = relay.into_inner();
    actix_web::rt::spawn(async move {
        let id = relay
            .next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, mut rx) = mpsc::channel::<Arc<str>>(QUEUE);
        let mut joined = Vec::new();
        if session.text(r#"{"type":"hello"}"#).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        let Ok(head) = serde_json::from_str::<Head>(&text) else { continue };
                        let Some(room) = head.room_id else { continue };
                        if head.kind == "join" {
                            relay.rooms.write().expect("relay lock").entry(room).or_default().insert(id, tx.clone());
                            joined.push(room);
                        } else {
                            let frame: Arc<str> = Arc::from(&*text);
                            let rooms = relay.rooms.read().expect("relay lock");
                            for peer in rooms.get(&room).into_iter().flat_map(|m| m.values()) {
                                let _ = peer.try_send(frame.clone());
                            }
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(p))) => {
                        let _ = session.pong(&p).await;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
                out = rx.recv() => {
                    let Some(out) = out else { break };
                    if session.text(&*out).await.is_err() {
                        break;
                    }
                }
            }
        }
        let mut rooms = relay.rooms.write().expect("relay lock");
        for room in joined {
            if let Some(m) = rooms.get_mut(&room) {
                m.remove(&id);
            }
        }
    });
    Ok(response)
}

pub fn serve(addr: &str) -> anyhow::Result<()> {
    let relay = web::Data::new(Relay::default());
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(relay.clone())
                .route("/bench/ws", web::get().to(ws))
        })
        .tcp_nodelay(true)
        .bind(addr)?
        .run()
        .await
    })?;
    Ok(())
}
