//! Pruning what a service keeps only for a while (the sync log, spent tokens, dedupe records):
//! one loop for all of them, a batch at a time, until shutdown.

use chat_db::{Conn, DbError, Pool};
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs `prune` (given a pooled connection) every `every` until `cancel`, logging how many rows `what` lost. A failure (the
/// database away) is retried on the next round.
pub async fn prune_forever<F>(
    pool: Pool,
    what: &'static str,
    every: Duration,
    cancel: CancellationToken,
    prune: impl Fn(Conn) -> F,
) where
    F: Future<Output = Result<usize, DbError>>,
{
    loop {
        let pruned = async { prune(chat_db::conn(&pool).await?).await }.await;
        match pruned {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, what, "old rows pruned"),
            Err(e) => tracing::debug!(error = %e, what, "pruning failed; will retry"),
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
