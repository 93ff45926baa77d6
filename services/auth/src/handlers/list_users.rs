use crate::AppState;
use crate::directory::{self, Listing, Sort, UserPage};
use actix_web::{get, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Prefix of the username or display name, ignoring case.
    pub q: Option<String>,
    /// Leave the caller out of the list.
    #[serde(default)]
    pub exclude_me: bool,
    /// `name` (default) or `last_seen`: online users first, then the most recently seen.
    #[serde(default)]
    #[param(inline)]
    pub sort: Sort,
    /// Continue after this cursor (the `next_cursor` of the previous page).
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20); out-of-range values are clamped.
    pub limit: Option<i64>,
}

/// The user directory, by username or by last seen, paginated by cursor in a stable order.
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 401, body = ErrorEnvelope),
        (status = 422, description = "A query holding a character no name holds (NUL)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ListUsersQuery>,
) -> ApiResult<web::Json<UserPage>> {
    let listing = Listing {
        q: query.q.as_deref(),
        exclude: query.exclude_me.then_some(auth.id),
        sort: query.sort,
        cursor: query.cursor.as_deref(),
        limit: query.limit,
    };
    Ok(web::Json(directory::list(&state.service, &listing).await?))
}
