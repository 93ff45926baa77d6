#![doc = include_str!("../README.md")]

mod access;
pub mod config;
mod handlers;
mod openapi;
mod tx;

pub use config::Config;
pub use handlers::list_messages::MessagePage;
pub use handlers::room_ids::RoomIds;
pub use openapi::ApiDoc;

use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use chat_bus::Publisher;
use chat_db::Pool;
use chat_http::auth::{AuthSettings, JwtVerifier};
use chat_http::health::{self, Draining};
use chat_http::server::{Service, listen};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use utoipa::OpenApi;

/// Shared by every handler.
pub struct AppState {
    pub config: Config,
    /// PostgreSQL; fails fast when the database is down.
    pub pool: Pool,
    /// Woken after every commit that wrote to the outbox, so events leave at once.
    pub relay_wake: Arc<Notify>,
    /// The relay's publisher, also asked by `/readyz`.
    pub publisher: Arc<Publisher>,
    /// Set on shutdown; `/readyz` then answers 503.
    pub draining: Draining,
}

/// Builds the rooms service and starts its outbox relay.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let verifier = JwtVerifier::from_files(&config.common.jwt_public_key_files)
        .map_err(|e| anyhow::anyhow!("verifying keys: {e}"))?;
    let pool = chat_db::pool(
        config.common.database_url.expose(),
        config.common.database_pool_size,
        Duration::from_secs(3),
    )?;
    let publisher = Arc::new(Publisher::new(
        config.common.amqp_url.expose(),
        &config.common.exchange,
    ));
    let relay_wake = Arc::new(Notify::new());
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(chat_bus::relay::run(
        pool.clone(),
        publisher.clone(),
        relay_wake.clone(),
        cancel.clone(),
    ));
    let draining = Draining::default();
    let auth_settings = web::Data::new(AuthSettings {
        verifier,
        allowed_origins: config.common.allowed_origins.clone(),
    });
    let shutdown_timeout = Duration::from_secs(config.common.shutdown_timeout_secs);
    let (listener, port) = listen(&config.bind)?;
    let json_limit = config.max_body_chars * 4 + 4096;
    let state = web::Data::new(AppState {
        config,
        pool,
        relay_wake,
        publisher,
        draining: draining.clone(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(chat_http::request_id::middleware))
            .app_data(state.clone())
            .app_data(auth_settings.clone())
            .configure(|cfg| chat_http::error::configure(cfg, json_limit))
            .configure(routes)
            .default_service(web::to(chat_http::error::not_found))
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    tracing::info!(port, "rooms listening");
    Ok(Service {
        port,
        server,
        draining,
        cancel,
        tasks,
        shutdown_timeout,
    })
}

/// Every route of the service, in one place.
fn routes(cfg: &mut web::ServiceConfig) {
    // Literal paths first: `/api/rooms/{id}` would otherwise swallow them.
    cfg.route("/api/rooms/openapi.json", web::get().to(openapi_json))
        .service(handlers::list_rooms::list_rooms)
        .service(handlers::room_ids::room_ids)
        .service(handlers::open_direct::open_direct)
        .service(handlers::get_room::get_room)
        .service(handlers::list_messages::list_messages)
        .service(handlers::send_message::send_message)
        .service(handlers::mark_read::mark_read)
        .route("/livez", web::get().to(health::livez))
        .route("/readyz", web::get().to(readyz));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(&state.pool).await.map_err(|e| e.to_string());
    let broker = state
        .publisher
        .ensure_connected()
        .await
        .map_err(|e| e.to_string());
    health::readiness(&state.draining, vec![("database", db), ("broker", broker)])
}
