use anyhow::Context;
use chat_auth::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    chat_http::telemetry::init(chat_http::config::json_logs());
    let config = Config::from_env()?;
    // `chat-auth migrate` applies the database migrations and exits: an explicit step, so
    // replicas never race to migrate at start.
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        let applied = chat_db::run_migrations(config.common.database_url.expose())
            .await
            .context("migrating")?;
        tracing::info!(count = applied.len(), migrations = ?applied, "migrations applied");
        let pool = chat_db::pool(
            config.common.database_url.expose(),
            1,
            std::time::Duration::from_secs(10),
        )?;
        chat_auth::bootstrap_admin(&config, &pool)
            .await
            .context("creating the first admin")?;
        return Ok(());
    }
    chat_auth::build(config).await?.run_until_stopped().await?;
    Ok(())
}
