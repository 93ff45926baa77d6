//! The auth service's integration tests: one binary, a file per resource, the shared helpers
//! in `common`.

mod account;
mod admin;
mod api;
mod common;
mod telegram;
mod tokens;
