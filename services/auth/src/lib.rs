#![doc = include_str!("../README.md")]

mod accounts;
mod blocks;
pub mod config;
mod cookies;
mod directory;
mod error;
mod handlers;
mod openapi;
mod passwords;
mod service;
mod sessions;
mod telegram;
mod tokens;

pub use config::Config;
pub use openapi::document as openapi_document;

use actix_web::HttpRequest;
use actix_web::{HttpResponse, web};
use chat_db::Pool;
use chat_http::auth::{AuthSettings, ServiceSettings};
use chat_http::health::{self, Draining};
use chat_http::limits::TrustedProxies;
use chat_http::server::{Lifecycle, Service, serve};
use passwords::Passwords;
use service::{AuthService, RateLimits};
use tokens::Signer;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::{SwaggerUi, Url};

/// Shared by every handler.
pub struct AppState {
    /// What the service layer works with (the database, the signer, the hasher, the rate
    /// limits and the settings): the handlers pass it to the function they call.
    service: AuthService,
    /// Set on shutdown; `/readyz` then answers 503.
    pub draining: Draining,
    proxies: TrustedProxies,
}

impl AppState {
    pub fn config(&self) -> &Config {
        &self.service.config
    }

    /// The client's address (behind nginx, the one nginx saw), as a rate-limit key.
    fn client_address(&self, req: &HttpRequest) -> String {
        self.proxies
            .client_ip(req)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

/// Creates the first admin from the settings when no account has that username or email yet;
/// an existing account is left as it is (and no hash is computed). Runs at `migrate` and at
/// start.
pub async fn bootstrap_admin(config: &Config, pool: &Pool) -> anyhow::Result<()> {
    let Some(seed) = &config.admin else {
        return Ok(());
    };
    let username = chat_domain::Username::parse(&seed.username)
        .map_err(|e| anyhow::anyhow!("AUTH_ADMIN_USERNAME {}", e.message))?;
    let email = chat_domain::Email::parse(&seed.email)
        .map_err(|e| anyhow::anyhow!("AUTH_ADMIN_EMAIL {}", e.message))?;
    let password = chat_domain::Password::parse(seed.password.expose())
        .map_err(|e| anyhow::anyhow!("AUTH_ADMIN_PASSWORD {}", e.message))?;
    let mut conn = chat_db::conn(pool).await?;
    for login in [username.as_str(), email.as_str()] {
        if chat_db::users::find_by_login(&mut conn, login)
            .await?
            .is_some()
        {
            tracing::debug!(username = username.as_str(), "admin account exists already");
            return Ok(());
        }
    }
    let hash = passwords::hash_off_thread(&password, config.bcrypt_cost).await?;
    let created = chat_db::users::insert_if_absent(
        &mut conn,
        &chat_db::users::NewUser {
            id: uuid::Uuid::now_v7(),
            username: username.as_str(),
            email: email.as_str(),
            display_name: username.as_str(),
            password_hash: &hash,
            role: "admin",
        },
    )
    .await?;
    if created {
        tracing::info!(username = username.as_str(), "first admin created");
    } else {
        tracing::debug!(username = username.as_str(), "admin account exists already");
    }
    Ok(())
}

/// Builds the auth service on the configured address without running it.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let private_pem = std::fs::read_to_string(&config.private_key_file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.private_key_file))?;
    let public_pem = std::fs::read_to_string(&config.public_key_file)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.public_key_file))?;
    let signer = Signer::from_pems(&private_pem, &public_pem, config.access_ttl_secs)
        .map_err(|e| anyhow::anyhow!("signing key: {e}"))?;
    let verifier = config.common.verifier().map_err(anyhow::Error::msg)?;
    let pool = config.common.pool()?;
    let passwords = Passwords::new(config.bcrypt_cost, config.max_concurrent_hashes).await?;
    if let Err(e) = bootstrap_admin(&config, &pool).await {
        // The database may come up after us; `migrate` creates the admin too.
        tracing::warn!(error = %e, "could not create the first admin at start");
    }
    let proxies = TrustedProxies::parse(&config.common.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("TRUSTED_PROXIES: {e}"))?;
    let shared = config.common.shared_limits().map_err(anyhow::Error::msg)?;
    let limits = RateLimits::new(&config.limits, &shared);
    let service_settings =
        web::Data::new(ServiceSettings::new(config.common.service_token.as_ref()));
    let life = Lifecycle::new(config.common.shutdown_timeout_secs);
    metrics::describe_counter!(
        "auth_logins_total",
        "Logins with a password, by outcome (success, failure, rate_limited, error)"
    );
    for outcome in ["success", "failure", "rate_limited", "error"] {
        metrics::counter!("auth_logins_total", "outcome" => outcome).increment(0);
    }
    life.tasks
        .spawn(sessions::prune_forever(pool.clone(), life.cancel.clone()));
    // Revocations and renames go out through the outbox, which the rooms service's relay
    // publishes (it polls every second). Not a relay here too: two relays publish batches side by
    // side, so a room's events could reach consumers out of order. Other replicas' revocations
    // come back as events.
    let revoked = verifier.revocations().clone();
    life.tasks.spawn(chat_bus::revocations::follow(
        config.common.amqp_url.expose().to_owned(),
        config.common.exchange.clone(),
        pool.clone(),
        revoked.clone(),
        chat_bus::Connected::default(),
        life.cancel.clone(),
    ));
    let auth_settings = web::Data::new(AuthSettings {
        verifier,
        allowed_origins: config.common.allowed_origins.clone(),
    });
    let bind = config.bind.clone();
    let state = web::Data::new(AppState {
        service: AuthService {
            config,
            pool,
            signer,
            passwords,
            limits,
            revoked,
        },
        draining: life.draining.clone(),
        proxies,
    });
    let openapi = web::Data::new(openapi::document());
    Ok(serve("auth", &bind, 16 * 1024, life, move |cfg| {
        cfg.app_data(state.clone())
            .app_data(auth_settings.clone())
            .app_data(service_settings.clone())
            .app_data(openapi.clone());
        routes(&mut ServiceConfig::new(cfg));
    })?)
}

/// Every route of the service, in one place, each with its OpenAPI entry: `service` takes only
/// handlers with `#[utoipa::path]` (the document is built from this list, see
/// [`openapi::document`]); `route` and `map` are for the undocumented ones (health, the
/// documents themselves, Swagger UI).
pub(crate) fn routes(cfg: &mut ServiceConfig) {
    use handlers::{admin, get_user, list_users, login, logout, me, refresh, register, telegram};
    cfg.service(register::register)
        .service(login::login)
        .service(handlers::token::token)
        .service(refresh::refresh)
        .service(logout::logout)
        .service(logout::logout_all)
        // `/api/users/me...` before `/api/users/{id}`.
        .service(me::me)
        .service(me::update_me)
        .service(handlers::blocks::list_blocks)
        .service(me::change_password)
        .service(telegram::create_link)
        .service(telegram::unlink)
        .service(list_users::list_users)
        .service(get_user::get_user)
        .service(handlers::blocks::block)
        .service(handlers::blocks::unblock)
        .service(admin::deactivate)
        .service(admin::reactivate)
        // Before `/api/admin/users/{id}/...`, which it does not match anyway.
        .service(admin::unlist_never_seen)
        .service(admin::set_listed)
        .service(telegram::redeem)
        .service(telegram::chat_account)
        .service(telegram::set_notifications)
        .service(telegram::unlink_chat)
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
        // The WebSocket protocol, which OpenAPI cannot describe: its guide and JSON Schema.
        .route(
            "/docs/protocol",
            static_doc(
                "text/plain; charset=utf-8",
                include_str!("../../../proto/README.md"),
            ),
        )
        .route(
            "/docs/protocol.schema.json",
            static_doc(
                "application/json",
                include_str!("../../../proto/protocol.schema.json"),
            ),
        )
        // Swagger UI for every service: each document is fetched from its own service
        // through nginx, so "try it out" calls the real endpoints on the same origin.
        .map(|cfg| {
            cfg.service(
                SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new([
                    Url::new("auth", "/api/auth/openapi.json"),
                    Url::new("rooms", "/api/rooms/openapi.json"),
                ])),
            )
        });
}

/// A document compiled into the binary, served as is.
fn static_doc(content_type: &'static str, body: &'static str) -> actix_web::Route {
    web::get().to(move || async move { HttpResponse::Ok().content_type(content_type).body(body) })
}

async fn openapi_json(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = chat_db::ping(&state.service.pool)
        .await
        .map_err(|e| e.to_string());
    health::readiness(&state.draining, vec![("database", db)])
}
