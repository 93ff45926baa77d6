//! `/livez` answers while the process runs; `/readyz` answers 200 only while the service's
//! dependencies answer and it is not draining.

use actix_web::HttpResponse;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set on shutdown so load balancers stop sending new work.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

#[derive(Serialize)]
struct Report<'a> {
    status: &'a str,
    checks: Vec<Check<'a>>,
}

#[derive(Serialize)]
struct Check<'a> {
    name: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Builds the `/readyz` answer from named check results.
pub fn readiness(draining: &Draining, checks: Vec<(&str, Result<(), String>)>) -> HttpResponse {
    let mut all_ok = !draining.is_draining();
    let checks: Vec<Check<'_>> = checks
        .into_iter()
        .map(|(name, result)| {
            all_ok &= result.is_ok();
            Check {
                name,
                ok: result.is_ok(),
                error: result.err(),
            }
        })
        .collect();
    let status = if draining.is_draining() {
        "draining"
    } else if all_ok {
        "ready"
    } else {
        "unavailable"
    };
    let report = Report { status, checks };
    if all_ok {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::ServiceUnavailable().json(report)
    }
}
