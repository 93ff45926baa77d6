//! `proto/protocol.schema.json` is generated from the Rust types; this test fails when the
//! two drift. Regenerate with `UPDATE_PROTO=1 cargo test -p chat-domain --test proto`.

use chat_domain::events::{Event, PresenceChanged};
use chat_domain::ws::{ClientFrame, ServerFrame};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "chat WebSocket and broker protocol", version = "1"),
    components(schemas(ClientFrame, ServerFrame, Event, PresenceChanged))
)]
struct Protocol;

#[test]
fn the_checked_in_protocol_schema_matches_the_types() {
    let doc = Protocol::openapi();
    // An OpenAPI document without paths, so the web app's types are generated from it with the
    // same tool as from the REST documents (services/web/scripts/gen-types.mjs).
    let schemas = serde_json::json!({
        "$comment": "Generated from crates/domain (ws.rs, events.rs) by crates/domain/tests/proto.rs. Do not edit.",
        "openapi": doc.openapi,
        "info": doc.info,
        "paths": {},
        "protocol_version": chat_domain::ws::PROTOCOL_VERSION,
        "components": doc.components,
    });
    let generated = serde_json::to_string_pretty(&schemas).unwrap() + "\n";
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/protocol.schema.json"
    );
    if std::env::var_os("UPDATE_PROTO").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "proto/protocol.schema.json is out of date: run UPDATE_PROTO=1 cargo test -p chat-domain --test proto"
    );
}
