#![doc = include_str!("../README.md")]

mod access;
pub mod attachments;
pub mod config;
mod error;
mod events;
mod forward;
mod handlers;
mod membership;
mod messages;
mod openapi;
mod pictures;
mod pins;
mod reactions;
mod rooms;
mod search;
mod store;
mod sync;

pub use chat_domain::api::RoomIds;
pub use config::Config;
pub use handlers::list_messages::MessagePage;
pub use openapi::document as openapi_document;

use actix_web::{HttpResponse, web};
use chat_bus::Publisher;
use chat_http::auth::{AuthSettings, ServiceSettings};
use chat_http::health::{self, Draining};
use chat_http::limits::Limiter;
use chat_http::server::{Lifecycle, Service, serve};
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::Notify;
use utoipa_actix_web::service_config::ServiceConfig;

/// Shared by every handler.
pub struct AppState {
    pub config: Config,
    /// PostgreSQL (fails fast when the database is down), with the outbox relay it wakes after
    /// every write.
    pub store: Store,
    /// The relay's publisher, also asked by `/readyz`.
    pub publisher: Arc<Publisher>,
    /// Set on shutdown; `/readyz` then answers 503.
    pub draining: Draining,
    /// Sends and edits per user.
    pub send_limit: Limiter,
    /// Rooms created and members added, per user.
    pub manage_limit: Limiter,
    /// Reaction changes per user (a budget of their own: reacting never eats the sends').
    pub reaction_limit: Limiter,
    /// Where files sent with messages are kept.
    pub files: attachments::Files,
    /// Searches per user, and the slots searches run on.
    pub searches: search::Searches,
}

/// Builds the rooms service and starts its outbox relay.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let verifier = config.common.verifier().map_err(anyhow::Error::msg)?;
    let pool = config.common.pool()?;
    let publisher = Arc::new(Publisher::new(
        config.common.amqp_url.expose(),
        &config.common.exchange,
    ));
    let relay_wake = Arc::new(Notify::new());
    let life = Lifecycle::new(config.common.shutdown_timeout_secs);
    life.tasks.spawn(chat_bus::relay::run(
        pool.clone(),
        publisher.clone(),
        relay_wake.clone(),
        config.outbox_pack_max,
        life.cancel.clone(),
    ));
    life.tasks.spawn(chat_bus::relay::watch_backlog(
        pool.clone(),
        life.cancel.clone(),
    ));
    life.tasks.spawn(events::prune_forever(
        pool.clone(),
        config.sync_retention_secs,
        life.cancel.clone(),
    ));
    life.tasks.spawn(chat_bus::revocations::follow(
        config.common.amqp_url.expose().to_owned(),
        config.common.exchange.clone(),
        pool.clone(),
        verifier.revocations().clone(),
        chat_bus::Connected::default(),
        life.cancel.clone(),
    ));
    let service_settings =
        web::Data::new(ServiceSettings::new(config.common.service_token.as_ref()));
    let auth_settings = web::Data::new(AuthSettings {
        verifier,
        allowed_origins: config.common.allowed_origins.clone(),
    });
    // A body of max_body_chars characters of up to 4 bytes each, plus the other fields.
    let json_limit = config.max_body_chars * 4 + 4096;
    let bind = config.bind.clone();
    let shared = config.common.shared_limits().map_err(anyhow::Error::msg)?;
    let minute = Duration::from_secs(60);
    let send_limit = Limiter::shared(&shared, "sends", config.send_per_minute, minute);
    let manage_limit = Limiter::shared(&shared, "manage", config.manage_per_minute, minute);
    let reaction_limit = Limiter::shared(&shared, "reactions", config.reaction_per_minute, minute);
    let searches =
        search::Searches::new(&shared, config.search_per_minute, config.search_concurrency);
    let links = attachments::Links::new(
        config.common.service_token.as_ref().map(|t| t.expose()),
        config.attachment_link_secs,
    );
    let files =
        attachments::Files::open(&config.attachments_url, config.attachment_max_bytes, links)?;
    let state = web::Data::new(AppState {
        config,
        store: Store::new(pool, relay_wake),
        publisher,
        draining: life.draining.clone(),
        send_limit,
        manage_limit,
        reaction_limit,
        files,
        searches,
    });
    if state.config.attachment_sweep_secs > 0 {
        let every = Duration::from_secs(state.config.attachment_sweep_secs);
        life.tasks.spawn(attachments::sweep_forever(
            state.clone().into_inner(),
            every,
            life.cancel.clone(),
        ));
    }
    let openapi = web::Data::new(openapi::document());
    Ok(serve("rooms", &bind, json_limit, life, move |cfg| {
        cfg.app_data(state.clone())
            .app_data(auth_settings.clone())
            .app_data(service_settings.clone())
            .app_data(openapi.clone());
        routes(&mut ServiceConfig::new(cfg));
    })?)
}

/// Every route of the service, in one place, each with its OpenAPI entry: `service` takes only
/// handlers with `#[utoipa::path]` (the document is built from this list, see
/// [`openapi::document`]); `route` is for the undocumented ones (the document itself, health).
pub(crate) fn routes(cfg: &mut ServiceConfig) {
    // The hot paths first: actix tries routes in this order, matching each pattern with a
    // regex, so the send (most requests) is matched by the first pattern it meets. Then the
    // literal paths: `/api/rooms/{id}` would otherwise swallow them.
    use handlers::{create_room, edit_message, membership, update_room};
    cfg.service(handlers::send_message::send_message)
        .service(handlers::send_batch::send_batch)
        .service(handlers::mark_read::mark_read)
        .route("/api/rooms/openapi.json", web::get().to(openapi_json))
        .service(handlers::list_rooms::list_rooms)
        .service(create_room::create_room)
        .service(handlers::room_ids::room_ids)
        .service(handlers::room_ids::room_ids_batch)
        .service(handlers::public_rooms::public_rooms)
        .service(handlers::sync::sync)
        .service(handlers::search::search)
        .service(handlers::open_direct::open_direct)
        .service(handlers::get_room::get_room)
        .service(handlers::get_room::list_members)
        .service(update_room::update_room)
        .service(update_room::delete_room)
        .service(membership::join)
        .service(membership::leave)
        .service(membership::add_member)
        .service(membership::kick)
        .service(membership::set_role)
        .service(handlers::mute::set_mute)
        .service(handlers::list_messages::list_messages)
        .service(edit_message::edit_message)
        .service(edit_message::delete_message)
        .service(handlers::reactions::add_reaction)
        .service(handlers::reactions::remove_reaction)
        .service(handlers::forward::forward_message)
        .service(handlers::attachments::upload)
        .service(handlers::attachments::download)
        .service(handlers::attachments::thumbnail)
        .service(handlers::attachments::attachment_link)
        .service(handlers::pins::list_pins)
        .service(handlers::pins::pin)
        .service(handlers::pins::unpin)
        .service(handlers::readers::readers)
        .route("/livez", web::get().to(health::livez))
        .route("/readyz", web::get().to(readyz));
}

async fn openapi_json(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(state.store.pool())
        .await
        .map_err(|e| e.to_string());
    let broker = state
        .publisher
        .ensure_connected()
        .await
        .map_err(|e| e.to_string());
    health::readiness(&state.draining, vec![("database", db), ("broker", broker)])
}
