//! Prometheus metrics: one recorder per process (the `metrics` facade with
//! `metrics-exporter-prometheus`), rendered at `/metrics` on each service's own port (nginx never
//! routes it). Every crate records through the `metrics` macros; this module installs the
//! recorder, keeps it drained, times HTTP requests by route template, and lets a service add
//! readings taken at scrape time (pool sizes, say).
//!
//! Names follow Prometheus' conventions: the unit in the name (`_seconds`, `_total`), label
//! values from small fixed sets (route templates, never raw paths; no user or room ids).

use actix_web::HttpResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Latency buckets, in seconds: 0.5 ms to 10 s.
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Buckets of queue depths (`_frames`).
const DEPTHS: &[f64] = &[
    0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0,
];
/// How often histograms are drained into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

type Reading = Box<dyn Fn() + Send + Sync>;

struct Registry {
    handle: PrometheusHandle,
    readings: Mutex<Vec<Reading>>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same). Call it before any
/// metric handle is kept: a handle made earlier records nowhere.
pub fn install() -> &'static PrometheusHandle {
    &registry().handle
}

fn registry() -> &'static Registry {
    REGISTRY.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_frames".to_owned()), DEPTHS));
        let handle = match builder.map(PrometheusBuilder::install_recorder) {
            Ok(Ok(handle)) => handle,
            Ok(Err(e)) | Err(e) => {
                // Another recorder is installed (nothing of ours does that): serve an empty
                // page rather than fail the service.
                tracing::warn!(error = %e, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            }
        };
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no metrics upkeep thread: histograms drain on scrape only");
        }
        describe();
        Registry {
            handle,
            readings: Mutex::new(Vec::new()),
        }
    })
}

/// Adds a reading taken at each scrape (gauges of something the service can look at cheaply
/// and synchronously, like a pool's size).
pub fn on_scrape(reading: impl Fn() + Send + Sync + 'static) {
    registry()
        .readings
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Box::new(reading));
}

/// `GET /metrics`: the Prometheus text format.
pub async fn endpoint() -> HttpResponse {
    let registry = registry();
    for reading in registry
        .readings
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
    {
        reading();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(registry.handle.render())
}

/// Counts and times one HTTP request by method, route template and status.
pub fn http_request(
    method: &actix_web::http::Method,
    route: Option<String>,
    status: u16,
    elapsed: Duration,
) {
    use actix_web::http::Method;
    let method = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    // Unmatched paths are one label value, never the raw path.
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    metrics::counter!(
        "http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status.to_string(),
    )
    .increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        "method" => method,
        "route" => route,
    )
    .record(elapsed.as_secs_f64());
}

/// Registers counters at zero, so that a family shows (and an alert on its rate works) before
/// the first event it counts.
pub fn start_at_zero(names: &[&'static str]) {
    for name in names {
        metrics::counter!(*name).increment(0);
    }
}

/// Help texts of the metrics every service shares (the services describe their own).
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    start_at_zero(&[
        "db_pool_timeouts_total",
        "broker_reconnects_total",
        "events_redelivered_total",
        "events_dead_lettered_total",
    ]);
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template"
    );
    describe_gauge!(
        "db_pool_connections",
        "Database connections of a pool, by state (idle, in_use)"
    );
    describe_gauge!("db_pool_max_connections", "Most connections a pool opens");
    describe_gauge!(
        "db_pool_waiting_requests",
        "Requests waiting for a pooled connection"
    );
    describe_histogram!(
        "db_pool_wait_seconds",
        Unit::Seconds,
        "Time spent waiting for a pooled connection"
    );
    describe_counter!(
        "db_pool_timeouts_total",
        "Requests that gave up waiting for a pooled connection"
    );
    describe_counter!(
        "broker_reconnects_total",
        "Times a RabbitMQ connection (publisher or consumer) came back after it was lost"
    );
    describe_counter!(
        "events_consumed_total",
        "Events taken from RabbitMQ, by queue kind (exclusive, durable) and outcome"
    );
    describe_counter!(
        "events_redelivered_total",
        "Events RabbitMQ delivered again (not acknowledged the first time)"
    );
    describe_counter!(
        "events_dead_lettered_total",
        "Events sent to a dead-letter queue"
    );
    describe_histogram!(
        "events_consumer_lag_seconds",
        Unit::Seconds,
        "Time from an event's publication to its consumer"
    );
}
