#![doc = include_str!("../README.md")]

mod batch;
mod calls;
pub mod config;
mod error;
mod events;
mod frame_guard;
mod frames;
mod hub;
mod limits;
mod presence;
mod rooms_client;
mod sends;
mod socket;

pub use config::Config;

use actix_web::{HttpResponse, web};
use chat_bus::{Connected, Publisher, QueueSpec};
use chat_db::Pool;
use chat_http::JwtVerifier;
use chat_http::health::{self, Draining};
use chat_http::limits::{Limiter, TrustedProxies};
use chat_http::server::{Lifecycle, Service, serve};
use hub::Hub;
use rooms_client::RoomsClient;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// At most one typing notice per user and room per this long.
const TYPING_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Shared by every socket.
pub struct AppState {
    pub config: Config,
    /// PostgreSQL, for presence only: the gateway keeps no message state.
    pub pool: Pool,
    /// Verifies access tokens with the public keys.
    pub verifier: JwtVerifier,
    /// The local sockets and their rooms.
    hub: Hub,
    /// Calls to the rooms service for connected users.
    rooms: RoomsClient,
    /// Sends waiting to be stored in the next batch (`sends::batcher`).
    sends: sends::Queue,
    /// New sockets waiting for their user's rooms (`rooms_client::list_batcher`).
    room_lists: rooms_client::RoomLists,
    /// Users whose last socket here closed, waiting for their presence to be read
    /// (`presence::status_batcher`).
    statuses: presence::Statuses,
    /// Publishes ephemeral typing and presence notices.
    publisher: Publisher,
    /// Socket changes waiting to be written to presence (`presence::writer`).
    presence: presence::Queue,
    /// Whether this instance's event queue is consuming.
    consuming: Connected,
    /// Open sockets per user and per client address, under their caps.
    caps: Arc<limits::SocketCaps>,
    /// Which peers' `X-Forwarded-For` is believed, for the client address.
    proxies: TrustedProxies,
    /// One typing notice per user and room per two seconds.
    typing: Limiter,
    /// Users this instance told were online and not yet that they went offline.
    announced: presence::Announced,
    /// Cancelled on shutdown: every socket then closes with 1012.
    pub cancel: CancellationToken,
    /// Set on shutdown; `/readyz` then answers 503.
    pub draining: Draining,
}

pub async fn build(config: Config) -> anyhow::Result<Service> {
    // A socket's token is checked once, as it connects: nothing to gain from keeping it.
    let verifier = config
        .common
        .verifier()
        .map_err(anyhow::Error::msg)?
        .keeping_none();
    let pool = config.common.pool()?;
    {
        let mut conn = chat_db::conn(&pool).await?;
        chat_db::presence::register_instance(&mut conn, config.instance_id).await?;
    }
    // The gateway stores messages for its users with the service credential.
    let service_token = config.common.service_token.clone().ok_or_else(|| {
        anyhow::anyhow!("the gateway needs the service credential (SERVICE_TOKEN_FILE)")
    })?;
    let life = Lifecycle::new(config.common.shutdown_timeout_secs);
    describe_metrics();
    let bind = config.bind.clone();
    let (presence_queue, presence_changes) = tokio::sync::mpsc::unbounded_channel();
    let (sends_queue, queued_sends) = tokio::sync::mpsc::unbounded_channel();
    let (lists_queue, queued_lists) = tokio::sync::mpsc::unbounded_channel();
    let (statuses_queue, queued_statuses) = tokio::sync::mpsc::unbounded_channel();
    let state = Arc::new(AppState {
        presence: presence_queue,
        sends: sends_queue,
        room_lists: lists_queue,
        statuses: statuses_queue,
        rooms: RoomsClient::new(&config.rooms_url, service_token)?,
        publisher: Publisher::new(config.common.amqp_url.expose(), &config.common.exchange),
        consuming: Connected::default(),
        hub: Hub::default(),
        caps: limits::SocketCaps::new(config.max_sockets_per_user, config.max_sockets_per_address),
        proxies: TrustedProxies::parse(&config.common.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("TRUSTED_PROXIES: {e}"))?,
        typing: Limiter::new(1, TYPING_EVERY),
        announced: presence::Announced::default(),
        verifier,
        pool: pool.clone(),
        cancel: life.cancel.clone(),
        draining: life.draining.clone(),
        config,
    });
    {
        let state = state.clone();
        life.tasks.spawn(async move {
            let hub_state = state.clone();
            chat_bus::consume(
                state.config.common.amqp_url.expose().to_owned(),
                state.config.common.exchange.clone(),
                QueueSpec::Exclusive {
                    bindings: vec![
                        "room.#".to_owned(),
                        chat_domain::events::SYNC_CHECKPOINT.to_owned(),
                        chat_domain::events::PRESENCE_CHANGED.to_owned(),
                        chat_domain::events::SESSION_REVOKED.to_owned(),
                        chat_domain::events::USER_RENAMED.to_owned(),
                    ],
                },
                state.consuming.clone(),
                state.cancel.clone(),
                move |delivery| {
                    let outcome = events::handle(&hub_state, &delivery);
                    std::future::ready(outcome)
                },
            )
            .await;
        });
    }
    {
        // The event queue is exclusive to this instance and goes with its connection: after a
        // reconnect, whatever was published meanwhile never reaches the sockets here. Each of
        // them is told to resync (the `resync` frame: its client syncs from its cursor over
        // the open socket, instead of 2,000 clients reconnecting at once), and the revoked
        // sessions are reloaded from the database (the first time too), ending any socket of
        // one whose event was missed.
        let state = state.clone();
        let mut connects = state.consuming.connects();
        life.tasks.spawn(async move {
            loop {
                tokio::select! {
                    changed = connects.changed() => if changed.is_err() { break },
                    () = state.cancel.cancelled() => break,
                }
                if *connects.borrow_and_update() > 1 {
                    // Read now that the new queue consumes: every event before it, the syncs
                    // the sockets are asked for serve, so it is not sent live to them as well.
                    let head = sync_head(&state.pool).await;
                    tracing::warn!(
                        head = head.map(|(h, _)| h.encode()),
                        "event queue rebuilt after a broker reconnect: every socket resyncs"
                    );
                    state.hub.resync_all(head);
                }
                let revoked = state.verifier.revocations();
                chat_bus::revocations::reload(&state.pool, revoked, &state.cancel).await;
                let ended = state.hub.end_revoked(revoked);
                if ended > 0 {
                    tracing::info!(
                        sockets = ended,
                        "sockets of sessions revoked meanwhile ended"
                    );
                }
            }
        });
    }
    life.tasks.spawn(presence::heartbeat(state.clone()));
    life.tasks
        .spawn(presence::writer(state.clone(), presence_changes));
    life.tasks
        .spawn(sends::batcher(state.clone(), queued_sends));
    life.tasks
        .spawn(presence::status_batcher(state.clone(), queued_statuses));
    life.tasks.spawn(rooms_client::list_batcher(
        state.rooms.clone(),
        state.cancel.clone(),
        queued_lists,
    ));
    let data = web::Data::from(state);
    Ok(serve("gateway", &bind, 4096, life, move |cfg| {
        cfg.app_data(data.clone())
            .route("/ws", web::get().to(socket::upgrade))
            .route("/livez", web::get().to(health::livez))
            .route("/readyz", web::get().to(readyz));
    })?)
}

impl AppState {
    /// Sockets count as open while their gateway heartbeat after this instant.
    fn fresh_after(&self) -> chrono::DateTime<chrono::Utc> {
        chat_db::presence::fresh_after(self.config.presence_fresh_secs)
    }
}

/// Help texts of the gateway's own metrics.
fn describe_metrics() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_gauge!("gateway_sockets_open", "Authenticated WebSockets open");
    describe_counter!(
        "gateway_socket_connects_total",
        "WebSockets authenticated and registered"
    );
    describe_counter!(
        "gateway_socket_closes_total",
        "WebSockets closed, by close code"
    );
    describe_counter!(
        "gateway_frames_received_total",
        "Text frames received from clients"
    );
    describe_counter!(
        "gateway_frames_sent_total",
        "Text frames written to clients"
    );
    describe_counter!(
        "gateway_deliveries_total",
        "Event frames queued for a socket"
    );
    describe_counter!(
        "gateway_slow_socket_kicks_total",
        "Sockets closed because their queue was full (a client not reading)"
    );
    describe_counter!(
        "gateway_cursor_frames_total",
        "`cursor` frames sent (a relay checkpoint moved a socket's sync cursor on)"
    );
    describe_counter!(
        "gateway_band_resyncs_total",
        "`resync` frames sent at a checkpoint because the client had not shown a sync covering \
         the events that may not have come live while its socket registered"
    );
    describe_histogram!(
        "gateway_socket_queue_frames",
        "Frames waiting in a socket's queue when one more is queued"
    );
    chat_http::metrics::start_at_zero(&[
        "gateway_socket_connects_total",
        "gateway_frames_received_total",
        "gateway_frames_sent_total",
        "gateway_deliveries_total",
        "gateway_slow_socket_kicks_total",
    ]);
    metrics::gauge!("gateway_sockets_open").increment(0.0);
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(&state.pool).await.map_err(|e| e.to_string());
    let broker = state.consuming.check();
    health::readiness(&state.draining, vec![("database", db), ("broker", broker)])
}

/// Where the sync log stands and where a live stream begun before now is whole
/// (`outbox::head_and_live_from`), or `None` (logged) if the database does not say within 5 s:
/// then every event is still sent live, which costs frames, not correctness, and the sockets
/// here get no `cursor` frames any more.
async fn sync_head(pool: &Pool) -> Option<(chat_db::outbox::Cursor, chat_db::outbox::Cursor)> {
    let read = async {
        let mut conn = chat_db::conn(pool).await?;
        chat_db::outbox::head_and_live_from(&mut conn).await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), read).await {
        Ok(Ok(head)) => Some(head),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot read the sync head: every event still goes live");
            None
        }
        Err(_) => {
            tracing::warn!("no sync head within 5 s: every event still goes live");
            None
        }
    }
}
