//! The service's OpenAPI document: its description and tags here, its paths from the routes
//! as they are registered ([`crate::routes`]), so a route cannot exist without its entry.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chat auth",
        description = "Users, sessions and the user directory. Errors use one envelope: \
                       `{\"error\": {\"code\", \"message\", \"fields\"?}}`.\n\n\
                       API clients: `POST /api/auth/login` (or the OAuth2 form endpoint `POST /api/auth/token`, \
                       which the Authorize button uses) and send `Authorization: Bearer <access_token>`; \
                       renew with `POST /api/auth/refresh {\"refresh_token\"}`. Browsers get HttpOnly cookies. \
                       Endpoints under `/internal` take the service credential and are not reachable through nginx.\n\n\
                       Live events (new messages, typing, receipts, presence) come over the WebSocket at `/ws`: \
                       [protocol guide](/docs/protocol), [JSON Schema of every frame](/docs/protocol.schema.json)."
    ),
    tags(
        (name = "auth", description = "Sessions"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "The user directory"),
        (name = "admin", description = "Administration (admins only)"),
        (name = "internal", description = "For other services (service credential); not exposed by nginx"),
    )
)]
pub struct ApiDoc;

/// The whole document: [`ApiDoc`] with the paths and schemas of every registered route.
pub fn document() -> utoipa::openapi::OpenApi {
    chat_http::openapi::document(ApiDoc::openapi(), crate::routes)
}

#[cfg(test)]
mod tests {
    /// The document as checked in (`services/auth/openapi.json`), with every reference
    /// resolved; a change to any route's documentation shows here.
    #[test]
    fn the_openapi_document_matches_its_snapshot() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        chat_http::openapi::check_snapshot(&super::document(), path);
    }

    #[test]
    fn every_route_is_documented() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let operations: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(operations, 24);
    }
}
