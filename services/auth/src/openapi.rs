use crate::handlers;
use chat_http::openapi::SecuritySchemes;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chat auth",
        description = "Users, sessions and the user directory. Errors use one envelope: \
                       `{\"error\": {\"code\", \"message\", \"fields\"?}}`.\n\n\
                       API clients: `POST /api/auth/login` and send `Authorization: Bearer <access_token>`; \
                       renew with `POST /api/auth/refresh {\"refresh_token\"}`. Browsers get HttpOnly cookies."
    ),
    paths(
        handlers::register::register,
        handlers::login::login,
        handlers::refresh::refresh,
        handlers::logout::logout,
        handlers::me::me,
        handlers::list_users::list_users,
        handlers::get_user::get_user,
    ),
    modifiers(&SecuritySchemes),
    tags((name = "auth", description = "Sessions"), (name = "users", description = "The user directory"))
)]
pub struct ApiDoc;
