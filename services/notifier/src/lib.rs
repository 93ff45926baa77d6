#![doc = include_str!("../README.md")]

mod auth_client;
mod bot;
pub mod config;
mod digest;
mod handler;
mod transport;

pub use config::Config;

use actix_web::{HttpResponse, web};
use chat_bus::{Connected, QueueSpec};
use chat_db::Pool;
use chat_http::health::{self, Draining};
use chat_http::server::{Lifecycle, Service, serve};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use transport::Transport;

pub struct AppState {
    pub config: Config,
    /// PostgreSQL: memberships, presence, users, pending digests and processed event ids.
    pub pool: Pool,
    /// Telegram, or the log.
    transport: Transport,
    /// Whether the queue is being consumed.
    consuming: Connected,
    /// auth's service-only Telegram endpoints.
    auth: auth_client::AuthClient,
    /// Whether this instance is the one polling Telegram.
    polling: AtomicBool,
    /// What became of the digests this instance handled.
    counters: Counters,
    /// Set on shutdown; `/readyz` then answers 503.
    draining: Draining,
}

impl AppState {
    /// A digest's window, in seconds.
    fn window_secs(&self) -> f64 {
        std::time::Duration::from_secs(self.config.digest_window_secs).as_secs_f64()
    }

    /// Whether a notification may reach `user` at all: active, notifications on, and with a
    /// bot sending, Telegram linked. Checked when a message arrives and again at send time.
    fn notifiable(&self, user: &chat_db::users::UserRow) -> bool {
        user.deactivated_at.is_none()
            && user.notifications_enabled
            && (!self.transport.needs_link() || user.telegram_chat_id.is_some())
    }

    /// Online state and last seen of `users`, by the gateways' heartbeats.
    async fn presence_of(
        &self,
        conn: &mut chat_db::AsyncPgConnection,
        users: &[uuid::Uuid],
    ) -> Result<std::collections::HashMap<uuid::Uuid, chat_db::presence::Status>, chat_db::DbError>
    {
        chat_db::presence::status_of(conn, users, self.fresh_after()).await
    }

    /// A socket counts as live when its gateway's heartbeat is newer than this.
    fn fresh_after(&self) -> chrono::DateTime<chrono::Utc> {
        chat_db::presence::fresh_after(self.config.presence_fresh_secs)
    }
}

/// Digests this instance sent (or logged), dropped (read, came online, muted, unlinked,
/// blocked) and postponed (Telegram asked to wait, or failed), since it started.
#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    dropped: AtomicU64,
    postponed: AtomicU64,
}

pub async fn build(config: Config) -> anyhow::Result<Service> {
    let pool = config.common.pool()?;
    let transport = Transport::new(
        config.telegram_token.as_ref().map(|s| s.expose()),
        config.telegram_api_url.as_deref(),
    )?;
    if matches!(transport, Transport::Log) {
        tracing::info!("no TELEGRAM_BOT_TOKEN: notifications will be logged, not sent");
    }
    let life = Lifecycle::new(config.common.shutdown_timeout_secs);
    metrics::describe_counter!(
        "notifier_digests_total",
        "Due digests handled, by outcome (sent; skipped: read, online, muted or unlinked; postponed: Telegram asked to wait or failed)"
    );
    metrics::describe_counter!(
        "notifier_telegram_rate_limited_total",
        "Telegram answers of 429 (retry after)"
    );
    chat_http::metrics::start_at_zero(&["notifier_telegram_rate_limited_total"]);
    for outcome in ["sent", "skipped", "postponed"] {
        metrics::counter!("notifier_digests_total", "outcome" => outcome).increment(0);
    }
    let bind = config.bind.clone();
    let auth = auth_client::AuthClient::new(&config.auth_url, config.common.service_token.clone())?;
    let state = Arc::new(AppState {
        pool,
        transport,
        consuming: Connected::default(),
        auth,
        polling: AtomicBool::new(false),
        counters: Counters::default(),
        draining: life.draining.clone(),
        config,
    });
    {
        let state = state.clone();
        let cancel = life.cancel.clone();
        life.tasks.spawn(async move {
            let spec = QueueSpec::Durable {
                name: state.config.queue.clone(),
                bindings: vec!["room.message.created".to_owned()],
                prefetch: state.config.prefetch,
                max_attempts: state.config.max_attempts,
                quorum: state.config.quorum_queue,
            };
            let handler_state = state.clone();
            chat_bus::consume(
                state.config.common.amqp_url.expose().to_owned(),
                state.config.common.exchange.clone(),
                spec,
                state.consuming.clone(),
                cancel,
                move |delivery| {
                    let state = handler_state.clone();
                    async move { handler::handle(&state, delivery).await }
                },
            )
            .await;
        });
    }
    // A redelivery comes within minutes; a week of dedupe records is plenty.
    life.tasks.spawn(chat_http::housekeeping::prune_forever(
        state.pool.clone(),
        "processed events",
        std::time::Duration::from_secs(600),
        10_000,
        life.cancel.clone(),
        |mut conn| async move {
            let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
            chat_db::processed::prune(&mut conn, week_ago, 10_000).await
        },
    ));
    for _ in 0..state.config.send_workers.max(1) {
        life.tasks
            .spawn(digest::run(state.clone(), life.cancel.clone()));
    }
    if let Some(bot) = state.transport.bot() {
        life.tasks
            .spawn(bot::run(state.clone(), bot.clone(), life.cancel.clone()));
    }
    let data = web::Data::from(state);
    Ok(serve("notifier", &bind, 4096, life, move |cfg| {
        cfg.app_data(data.clone())
            .route("/livez", web::get().to(health::livez))
            .route("/readyz", web::get().to(readyz))
            .route("/bot", web::get().to(bot_status));
    })?)
}

/// Whether this instance has a bot and is the one polling Telegram, and what became of its
/// digests (health port only, like `/readyz`).
async fn bot_status(state: web::Data<AppState>) -> HttpResponse {
    let count = |c: &AtomicU64| c.load(Ordering::Relaxed);
    HttpResponse::Ok().json(serde_json::json!({
        "telegram_bot": state.transport.bot().is_some(),
        "telegram_poller": state.polling.load(Ordering::Relaxed),
        "digests_sent": count(&state.counters.sent),
        "digests_dropped": count(&state.counters.dropped),
        "digests_postponed": count(&state.counters.postponed),
    }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(&state.pool).await.map_err(|e| e.to_string());
    let broker = state.consuming.check();
    health::readiness(&state.draining, vec![("database", db), ("broker", broker)])
}
