use chat_rooms::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    chat_http::telemetry::init(chat_http::config::json_logs());
    let config = Config::from_env()?;
    chat_rooms::build(config).await?.run_until_stopped().await?;
    Ok(())
}
