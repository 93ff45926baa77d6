//! The rooms service's integration tests: one binary (one link, one process sharing its
//! setup), a file per resource, the shared helpers in `common`.

mod api;
mod attachments;
mod bad_text;
mod batch;
mod common;
mod deleted_text;
mod durability;
mod forward;
mod limits;
mod membership;
mod mentions;
mod pages;
mod pins;
mod plans;
mod reactions;
mod revoked;
mod room_ids;
mod sync_log;
