#![doc = include_str!("../README.md")]

pub mod config;
mod handler;
mod transport;

pub use config::Config;

use actix_web::{App, HttpResponse, HttpServer, web};
use chat_bus::{Connected, QueueSpec};
use chat_db::Pool;
use chat_http::health::{self, Draining};
use chat_http::server::{Service, listen};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use transport::Transport;

pub struct AppState {
    pub config: Config,
    /// PostgreSQL: memberships, presence, users and processed event ids.
    pub pool: Pool,
    /// Telegram, or the log.
    transport: Transport,
    /// Whether the queue is being consumed.
    consuming: Connected,
    /// Set on shutdown; `/readyz` then answers 503.
    draining: Draining,
}

pub async fn build(config: Config) -> anyhow::Result<Service> {
    let pool = chat_db::pool(
        config.common.database_url.expose(),
        config.common.database_pool_size,
        Duration::from_secs(3),
    )?;
    let transport = Transport::new(
        config.telegram_token.as_ref().map(|s| s.expose()),
        config.telegram_api_url.as_deref(),
    )?;
    if matches!(transport, Transport::Log) {
        tracing::info!("no TELEGRAM_BOT_TOKEN: notifications will be logged, not sent");
    }
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let draining = Draining::default();
    let shutdown_timeout = Duration::from_secs(config.common.shutdown_timeout_secs);
    let (listener, port) = listen(&config.bind)?;
    let state = Arc::new(AppState {
        pool,
        transport,
        consuming: Connected::default(),
        draining: draining.clone(),
        config,
    });
    {
        let state = state.clone();
        let cancel = cancel.clone();
        tasks.spawn(async move {
            let spec = QueueSpec::Durable {
                name: state.config.queue.clone(),
                bindings: vec!["room.message.created".to_owned()],
                prefetch: state.config.prefetch,
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
    let data = web::Data::from(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/livez", web::get().to(health::livez))
            .route("/readyz", web::get().to(readyz))
            .default_service(web::to(chat_http::error::not_found))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    tracing::info!(port, "notifier listening");
    Ok(Service {
        port,
        server,
        draining,
        cancel,
        tasks,
        shutdown_timeout,
    })
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(&state.pool).await.map_err(|e| e.to_string());
    let broker = state.consuming.check();
    health::readiness(&state.draining, vec![("database", db), ("broker", broker)])
}
