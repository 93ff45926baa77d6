use crate::handlers;
use chat_http::openapi::SecuritySchemes;
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
    paths(
        handlers::register::register,
        handlers::login::login,
        handlers::refresh::refresh,
        handlers::token::token,
        handlers::logout::logout,
        handlers::logout::logout_all,
        handlers::me::me,
        handlers::me::update_me,
        handlers::me::change_password,
        handlers::telegram::create_link,
        handlers::telegram::unlink,
        handlers::list_users::list_users,
        handlers::get_user::get_user,
        handlers::admin::deactivate,
        handlers::admin::reactivate,
        handlers::telegram::redeem,
        handlers::telegram::chat_account,
        handlers::telegram::set_notifications,
        handlers::telegram::unlink_chat,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Sessions"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "The user directory"),
        (name = "admin", description = "Administration (admins only)"),
        (name = "internal", description = "For other services (service credential); not exposed by nginx"),
    )
)]
pub struct ApiDoc;
