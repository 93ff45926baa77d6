#![doc = include_str!("../README.md")]

pub mod auth;
pub mod body;
pub mod client;
pub mod config;
pub mod error;
pub mod health;
pub mod housekeeping;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod request_id;
pub mod server;
pub mod shutdown;
pub mod telemetry;

pub use auth::{Actor, AuthUser, JwtVerifier};
pub use error::{ApiError, ApiResult};
pub use request_id::RequestId;
