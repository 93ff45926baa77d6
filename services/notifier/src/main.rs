use chat_notifier::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    chat_http::telemetry::init(chat_http::config::json_logs());
    let config = Config::from_env()?;
    chat_notifier::build(config)
        .await?
        .run_until_stopped()
        .await?;
    Ok(())
}
