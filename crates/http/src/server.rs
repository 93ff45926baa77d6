//! Running an HTTP service until it is told to stop, then draining it in order: readiness goes
//! to 503, the listener closes, in-flight requests finish, background tasks are cancelled and
//! awaited, all within the shutdown timeout.

use crate::health::Draining;
use actix_web::dev::Server;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A built service: its HTTP server plus the background tasks that live as long as it.
pub struct Service {
    pub port: u16,
    pub server: Server,
    pub draining: Draining,
    /// Cancelled when the service stops; background tasks watch it.
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    pub shutdown_timeout: Duration,
}

impl Service {
    /// Runs until SIGTERM or SIGINT.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(crate::shutdown::signal()).await
    }

    /// Runs until `stop` resolves (tests pass a cancellation token).
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        let early = tokio::select! {
            res = &mut server => Some(res),
            () = stop => None,
        };
        self.draining.start();
        self.cancel.cancel();
        let result = match early {
            Some(res) => res.map_err(std::io::Error::other)?,
            None => {
                handle.stop(true).await;
                server.await.map_err(std::io::Error::other)?
            }
        };
        self.tasks.close();
        if tokio::time::timeout(self.shutdown_timeout, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("background tasks did not finish within the shutdown timeout");
        }
        tracing::info!("stopped");
        result
    }
}

/// Binds a listener; `127.0.0.1:0` picks a free port.
pub fn listen(bind: &str) -> std::io::Result<(std::net::TcpListener, u16)> {
    let listener = std::net::TcpListener::bind(bind)?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}
