#![doc = include_str!("../README.md")]

pub mod blocks;
pub mod digests;
pub mod leader;
pub mod mentions;
pub mod messages;
pub mod outbox;
pub mod pins;
pub mod presence;
pub mod processed;
pub mod reactions;
pub mod rooms;
#[rustfmt::skip]
pub mod schema;
pub mod sessions;
pub mod telegram_links;
pub mod users;

use diesel_async::pooled_connection::deadpool::{BuildError, Object, Pool as DeadPool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use std::time::Duration;

pub use diesel_async::AsyncPgConnection;
pub use diesel_async::pooled_connection::deadpool::BuildError as PoolBuildError;

/// The connection pool every service holds in its state.
pub type Pool = DeadPool<AsyncPgConnection>;
/// A connection borrowed from the pool.
pub type Conn = Object<AsyncPgConnection>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time: the database is down or overloaded. (Its cause is
    /// in the message and not also a `source`, so a logged chain names it once.)
    #[error("no database connection: {0}")]
    Pool(PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl From<PoolError> for DbError {
    fn from(e: PoolError) -> Self {
        Self::Pool(e)
    }
}

impl DbError {
    /// Whether the statement ran out of its `statement_timeout`.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::Query(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("statement timeout")
        )
    }

    /// Whether PostgreSQL refused a text value with a NUL character in it (SQLSTATE 22021,
    /// which diesel does not expose: the message names the byte).
    pub fn is_nul_in_text(&self) -> bool {
        matches!(
            self,
            Self::Query(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("0x00")
        )
    }

    /// The constraint a unique violation broke, if this is one.
    pub fn unique_violation(&self) -> Option<&str> {
        match self {
            Self::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            )) => Some(info.constraint_name().unwrap_or("")),
            _ => None,
        }
    }
}

/// Builds a pool that fails fast: a request waits at most `wait` for a connection, so a database
/// that is down turns into a quick 503 instead of a hang.
///
/// A connection's driver task runs on the runtime that built the pool, whichever thread opens
/// it. Otherwise a connection first opened by an HTTP handler would live on that actix
/// worker's runtime and die when the server stops, under a background task still finishing
/// its work during shutdown.
pub fn pool(database_url: &str, max_size: usize, wait: Duration) -> Result<Pool, BuildError> {
    let database_url = &without_jit(database_url);
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // The default check runs `SELECT 1` on every checkout: a round trip per request that the
    // profile showed as the most frequent statement (about three per message). A closed
    // connection is still caught (its socket closed); one that breaks in use fails that query
    // and is dropped by the pool.
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        config.custom_setup = Box::new(move |url| {
            let url = url.to_owned();
            let runtime = runtime.clone();
            Box::pin(async move {
                runtime
                    .spawn(async move {
                        <AsyncPgConnection as diesel_async::AsyncConnection>::establish(&url).await
                    })
                    .await
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?
            })
        });
    }
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    DeadPool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(wait))
        .create_timeout(Some(wait))
        .recycle_timeout(Some(wait))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
}

/// The URL with JIT compilation off for the session (`options=-c jit=off`), unless the URL
/// sets options itself. Every statement of the services is a short OLTP one; PostgreSQL
/// compiles a query with LLVM once its estimated cost passes `jit_above_cost`, which an
/// estimate without statistics does easily: the sync's one statement, on tables never
/// analysed, spent 160-200 ms compiling to run in 1 ms, and a reconnect storm's syncs then
/// took every pooled connection.
fn without_jit(database_url: &str) -> String {
    if database_url.contains("options=") {
        return database_url.to_owned();
    }
    let join = if database_url.contains('?') { '&' } else { '?' };
    format!("{database_url}{join}options=-c%20jit%3Doff")
}

/// Borrows a connection from the pool, and records the wait (`db_pool_wait_seconds`) and
/// waits that timed out (`db_pool_timeouts_total`).
pub async fn conn(pool: &Pool) -> Result<Conn, DbError> {
    let started = std::time::Instant::now();
    let got = pool.get().await;
    metrics::histogram!("db_pool_wait_seconds").record(started.elapsed().as_secs_f64());
    if let Err(PoolError::Timeout(_)) = &got {
        metrics::counter!("db_pool_timeouts_total").increment(1);
    }
    Ok(got?)
}

/// Sets the pool's gauges (`db_pool_connections` by state, `db_pool_max_connections`,
/// `db_pool_waiting_requests`) from its state now; a service does it at each scrape.
pub fn record_pool_status(pool: &Pool) {
    let status = pool.status();
    metrics::gauge!("db_pool_connections", "state" => "idle").set(status.available as f64);
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(status.size.saturating_sub(status.available) as f64);
    metrics::gauge!("db_pool_max_connections").set(status.max_size as f64);
    metrics::gauge!("db_pool_waiting_requests").set(status.waiting as f64);
}

/// Applies pending migrations. Runs on a blocking thread, as diesel's migration harness is
/// synchronous (and panics inside a current-thread runtime).
pub async fn run_migrations(database_url: &str) -> Result<Vec<String>, MigrationError> {
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| MigrationError(e.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| MigrationError(e.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
    .map_err(|e| MigrationError(e.to_string()))?
}

#[derive(Debug, thiserror::Error)]
#[error("migration failed: {0}")]
pub struct MigrationError(String);

/// `SELECT 1` for readiness probes.
pub async fn ping(pool: &Pool) -> Result<(), DbError> {
    use diesel_async::RunQueryDsl;
    let mut conn = conn(pool).await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// PostgreSQL's `lower(text)`, for case-insensitive comparisons that use the lower() indexes.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
