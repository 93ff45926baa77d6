#![doc = include_str!("../README.md")]

pub mod config;
mod handlers;
mod openapi;
mod passwords;
mod session;
mod tokens;

pub use config::Config;
pub use openapi::ApiDoc;

use actix_web::{HttpResponse, web};
use chat_db::Pool;
use chat_http::auth::{AuthSettings, JwtVerifier};
use chat_http::health::{self, Draining};
use chat_http::server::{Lifecycle, Service, serve};
use passwords::Passwords;
use std::time::Duration;
use tokens::Signer;
use utoipa::OpenApi;
use utoipa_swagger_ui::{SwaggerUi, Url};

/// Shared by every handler.
pub struct AppState {
    pub config: Config,
    /// PostgreSQL; fails fast when the database is down.
    pub pool: Pool,
    /// Signs access tokens with the private key.
    signer: Signer,
    /// bcrypt with a bound on concurrent hashes.
    passwords: Passwords,
    /// Set on shutdown; `/readyz` then answers 503.
    pub draining: Draining,
}

/// Builds the auth service on the configured address without running it.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let private_pem = std::fs::read_to_string(&config.private_key_file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.private_key_file))?;
    let public_pem = std::fs::read_to_string(&config.public_key_file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.public_key_file))?;
    let signer = Signer::from_pems(&private_pem, &public_pem, config.access_ttl_secs)
        .map_err(|e| anyhow::anyhow!("signing key: {e}"))?;
    let verifier = JwtVerifier::from_files(&config.common.jwt_public_key_files)
        .map_err(|e| anyhow::anyhow!("verifying keys: {e}"))?;
    let pool = chat_db::pool(
        config.common.database_url.expose(),
        config.common.database_pool_size,
        Duration::from_secs(3),
    )?;
    let passwords = Passwords::new(config.bcrypt_cost, config.max_concurrent_hashes).await?;
    let life = Lifecycle::new(config.common.shutdown_timeout_secs);
    let auth_settings = web::Data::new(AuthSettings {
        verifier,
        allowed_origins: config.common.allowed_origins.clone(),
    });
    let bind = config.bind.clone();
    let state = web::Data::new(AppState {
        config,
        pool,
        signer,
        passwords,
        draining: life.draining.clone(),
    });
    Ok(serve("auth", &bind, 16 * 1024, life, move |cfg| {
        cfg.app_data(state.clone()).app_data(auth_settings.clone());
        routes(cfg);
    })?)
}

/// Every route of the service, in one place.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::register::register)
        .service(handlers::login::login)
        .service(handlers::refresh::refresh)
        .service(handlers::logout::logout)
        .service(handlers::me::me)
        .service(handlers::list_users::list_users)
        .service(handlers::get_user::get_user)
        .route("/livez", web::get().to(health::livez))
        .route("/readyz", web::get().to(readyz))
        .route("/api/auth/openapi.json", web::get().to(openapi_json))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::Found()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        // Swagger UI for every service: each document is fetched from its own service
        // through nginx, so "try it out" calls the real endpoints on the same origin.
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new([
                Url::new("auth", "/api/auth/openapi.json"),
                Url::new("rooms", "/api/rooms/openapi.json"),
            ])),
        );
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(&state.pool).await.map_err(|e| e.to_string());
    health::readiness(&state.draining, vec![("database", db)])
}
