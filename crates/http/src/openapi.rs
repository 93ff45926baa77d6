//! Pieces every service's OpenAPI document shares.

use utoipa::Modify;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
    SecurityRequirement, SecurityScheme,
};

/// The ways to authenticate: a bearer token, the cookie browsers get, the OAuth2 password flow
/// that the "Authorize" button of /docs uses (it yields the same bearer token), and the service
/// credential of internal endpoints. Every operation that takes a user's token also accepts the
/// OAuth2 scheme, so "try it out" works once authorized.
pub struct SecuritySchemes;

/// Where the OAuth2 password flow gets its token (auth's endpoint, through nginx).
pub const TOKEN_URL: &str = "/api/auth/token";

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("chat_access"))),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                TOKEN_URL,
                Scopes::new(),
            ))])),
        );
        components.add_security_scheme(
            "service",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The service credential (SERVICE_TOKEN_FILE): internal endpoints, and the endpoints a gateway calls for a connected user, naming them in X-Acting-User",
                    ))
                    .build(),
            ),
        );
        for op in operations_mut(openapi) {
            let internal = op
                .tags
                .as_ref()
                .is_some_and(|tags| tags.iter().any(|t| t == "internal"));
            if let Some(security) = op.security.as_mut()
                && security.iter().any(takes_bearer)
                && !internal
            {
                security.push(SecurityRequirement::new("oauth2", Vec::<String>::new()));
            }
        }
    }
}

/// Every operation of the document (the methods the services use), to change in place.
fn operations_mut(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

/// Whether a requirement names the user's bearer token (not only the service credential).
fn takes_bearer(requirement: &SecurityRequirement) -> bool {
    serde_json::to_value(requirement)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.contains_key("bearer")))
        .unwrap_or(false)
}

/// The `$ref`s of a document that point at no schema of its components: a type used in a
/// route's parameters but never registered leaves the document unusable for generators.
pub fn unresolved_refs(doc: &utoipa::openapi::OpenApi) -> Vec<String> {
    let doc = serde_json::to_value(doc).unwrap_or_default();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    refs.retain(|r| {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        doc["components"]["schemas"].get(name).is_none()
    });
    refs
}

fn collect_refs(v: &serde_json::Value, refs: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", serde_json::Value::String(r)) => refs.push(r.clone()),
                    _ => collect_refs(value, refs),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_refs(i, refs)),
        _ => {}
    }
}

/// A service's whole document: `base` (its description and tags) with the paths and schemas of
/// every route `routes` registers, and the security schemes. Built without a server, so the
/// document a service serves and the one its snapshot test checks are the same.
pub fn document(
    base: utoipa::openapi::OpenApi,
    routes: impl FnOnce(&mut utoipa_actix_web::service_config::ServiceConfig),
) -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(base)
        .configure(routes)
        .split_for_parts();
    SecuritySchemes.modify(&mut api);
    StandardResponses.modify(&mut api);
    api
}

/// Lists on every operation the errors any of them can answer before or besides its own
/// rules, each with the error envelope: 400 (a query, path or body that does not parse), 413
/// (a body over the limit), 415 (a body that is not `application/json`), 422 (a body of the wrong shape: unknown or missing
/// fields, values out of range), 401 (an operation that takes a user's token, without a valid
/// one), 429 (nginx limits every client address) and 503 (the database or broker unavailable;
/// with `Retry-After`). An operation's own
/// description of one of these is kept.
pub struct StandardResponses;

impl Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                            .build(),
                    )
                    .build(),
            )
        };
        for op in operations_mut(openapi) {
            let mut add = Vec::new();
            let parsed =
                op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if parsed {
                add.push(("400", "The request does not parse: malformed JSON, or a query or path value of the wrong type"));
            }
            if op.request_body.is_some() {
                add.push(("413", "The body is over the size limit"));
                add.push(("415", "The body is not `application/json`"));
                add.push((
                    "422",
                    "The body has the wrong shape: unknown or missing fields, values out of range",
                ));
            }
            let user_token = op
                .security
                .as_ref()
                .is_some_and(|s| s.iter().any(takes_bearer));
            if user_token {
                add.push(("401", "No valid token"));
            }
            add.push(("429", "Too many requests from this address (nginx's limits) or by this user; try again after `Retry-After` seconds"));
            add.push((
                "503",
                "The database or the broker is unavailable; try again after `Retry-After` seconds",
            ));
            for (status, description) in add {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            }
        }
    }
}

/// Compares a document with its checked-in snapshot (`UPDATE_SNAPSHOTS=1` rewrites it) and
/// checks that every reference in it resolves. For each service's snapshot test.
pub fn check_snapshot(doc: &utoipa::openapi::OpenApi, path: &str) {
    let missing = unresolved_refs(doc);
    assert!(missing.is_empty(), "unregistered schemas: {missing:?}");
    let now = doc.to_pretty_json().expect("a serialisable document") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &now).expect("write the snapshot");
    }
    let snapshot = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        snapshot == now,
        "{path} is not the document the routes give: check the change, then run the test with UPDATE_SNAPSHOTS=1"
    );
}
