//! Running an HTTP service until it is told to stop, then draining it in order: readiness goes
//! to 503, the listener closes, in-flight requests finish, background tasks are cancelled and
//! awaited, all within the shutdown timeout.

use crate::health::Draining;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
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

/// What lives as long as a service besides its HTTP server: the draining flag, the token that
/// stops background tasks, the tasks themselves, and how long shutdown may take.
pub struct Lifecycle {
    pub draining: Draining,
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    pub shutdown_timeout: Duration,
}

impl Lifecycle {
    pub fn new(shutdown_timeout_secs: u64) -> Self {
        // Before the service keeps any metric handle.
        crate::metrics::install();
        Self {
            draining: Draining::default(),
            cancel: CancellationToken::new(),
            tasks: TaskTracker::new(),
            shutdown_timeout: Duration::from_secs(shutdown_timeout_secs),
        }
    }
}

/// Binds `bind` (`127.0.0.1:0` picks a free port) and builds the service's HTTP server with
/// what every service shares: request ids, the error envelope for actix's own errors (JSON
/// bodies up to `json_limit_bytes`), Prometheus metrics at `/metrics`, a JSON 404 for unknown routes, no signal handling of
/// its own (the `Service` handles SIGTERM/SIGINT). `configure` adds the service's app data
/// and routes.
pub fn serve<F>(
    name: &str,
    bind: &str,
    json_limit_bytes: usize,
    life: Lifecycle,
    configure: F,
) -> std::io::Result<Service>
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let listener = std::net::TcpListener::bind(bind)?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(crate::request_id::middleware))
            .configure(|cfg| crate::error::configure(cfg, json_limit_bytes))
            .route("/metrics", web::get().to(crate::metrics::endpoint))
            .configure(configure.clone())
            .default_service(web::to(crate::error::not_found))
    })
    .disable_signals()
    // Small frames (acks, typing, receipts) leave at once instead of waiting for Nagle.
    .tcp_nodelay(true)
    .shutdown_timeout(life.shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    tracing::info!(service = name, port, "listening");
    Ok(Service {
        port,
        server,
        draining: life.draining,
        cancel: life.cancel,
        tasks: life.tasks,
        shutdown_timeout: life.shutdown_timeout,
    })
}
