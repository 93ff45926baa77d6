//! Pruning what a service keeps only for a while (the sync log, spent tokens, dedupe records):
//! one loop for all of them, a batch at a time, until shutdown.

use chat_db::{Conn, DbError, Pool};
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs `prune` (given a pooled connection) every `every` until `cancel`, logging how many
/// rows `what` lost. A round that pruned a whole `batch` (or more) is followed at once by the
/// next, so pruning keeps up with any write rate instead of `batch` rows per `every`. A failure
/// (the database away) is retried on the next round.
pub async fn prune_forever<F>(
    pool: Pool,
    what: &'static str,
    every: Duration,
    batch: usize,
    cancel: CancellationToken,
    prune: impl Fn(Conn) -> F,
) where
    F: Future<Output = Result<usize, DbError>>,
{
    prune_rounds(what, every, batch, cancel, || async {
        prune(chat_db::conn(&pool).await?).await
    })
    .await;
}

async fn prune_rounds<F>(
    what: &'static str,
    every: Duration,
    batch: usize,
    cancel: CancellationToken,
    round: impl Fn() -> F,
) where
    F: Future<Output = Result<usize, DbError>>,
{
    loop {
        let full = match round().await {
            Ok(0) => false,
            Ok(n) => {
                tracing::info!(pruned = n, what, "old rows pruned");
                n >= batch
            }
            Err(e) => {
                tracing::debug!(error = %e, what, "pruning failed; will retry");
                false
            }
        };
        let wait = if full { Duration::ZERO } else { every };
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn full_batches_are_pruned_back_to_back_then_it_waits() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let cancel = CancellationToken::new();
        let counted = rounds.clone();
        let task = tokio::spawn(prune_rounds(
            "test rows",
            Duration::from_secs(3600),
            100,
            cancel.clone(),
            move || {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                // Three full batches, then a partial one: the backlog is gone.
                async move { Ok(if n < 3 { 100 } else { 40 }) }
            },
        ));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while rounds.load(Ordering::SeqCst) < 4 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            rounds.load(Ordering::SeqCst) >= 4,
            "four rounds without waiting an hour"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            rounds.load(Ordering::SeqCst),
            4,
            "after a partial batch it waits for the next period"
        );
        cancel.cancel();
        task.await.unwrap();
    }
}
