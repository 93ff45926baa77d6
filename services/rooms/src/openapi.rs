//! The service's OpenAPI document: its description and tags here, its paths from the routes
//! as they are registered ([`crate::routes`]), so a route cannot exist without its entry.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chat rooms",
        description = "Rooms, membership and messages. Every operation on a room checks membership: outsiders of a private room get 404 \
                       whether it exists or not; members get 403 for what their role forbids. Public rooms can be read by anyone. \
                       When the last owner leaves, ownership passes to the longest-standing admin, else member; the last member leaving deletes the room. \
                       Errors use one envelope: \
                       `{\"error\": {\"code\", \"message\", \"fields\"?}}`.\n\n\
                       Authenticate with `Authorization: Bearer <access_token>` from the auth API.\n\n\
                       Live events (new messages, typing, receipts, presence) come over the WebSocket at `/ws`: \
                       [protocol guide](/docs/protocol), [JSON Schema of every frame](/docs/protocol.schema.json)."
    ),
    tags(
        (name = "rooms", description = "Rooms"),
        (name = "members", description = "Membership and roles"),
        (name = "messages", description = "Messages, history, receipts and search"),
        (name = "sync", description = "What a client missed"),
    )
)]
pub struct ApiDoc;

/// The whole document: [`ApiDoc`] with the paths and schemas of every registered route.
pub fn document() -> utoipa::openapi::OpenApi {
    chat_http::openapi::document(ApiDoc::openapi(), crate::routes)
}

#[cfg(test)]
mod tests {
    /// The document as checked in (`services/rooms/openapi.json`), with every reference
    /// resolved; a change to any route's documentation shows here.
    #[test]
    fn the_openapi_document_matches_its_snapshot() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        chat_http::openapi::check_snapshot(&super::document(), path);
    }

    #[test]
    fn every_operation_that_takes_a_user_token_also_takes_oauth2() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let schemes: Vec<&str> = op["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
                    .collect();
                if schemes.contains(&"bearer") {
                    assert!(schemes.contains(&"oauth2"), "{method} {path}: {schemes:?}");
                }
            }
        }
        assert_eq!(operations, 35, "every documented route");
    }
}
