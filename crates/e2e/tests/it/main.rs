//! The cross-service tests: one binary (one link, one process), a file per path through the
//! services. Each test starts its own stack (`chat_e2e::stack`).

mod blocking;
mod gateway_live;
mod gateway_protocol;
mod message_path;
mod notifications;
mod pins;
mod reactions;
mod sessions;
mod sync_cursor;
mod telegram;
