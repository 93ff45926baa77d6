use crate::AppState;
use crate::handlers::get_user::with_presence;
use actix_web::{get, web};
use chat_db::users;
use chat_domain::User;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Prefix of the username or display name, ignoring case.
    pub q: Option<String>,
    /// Leave the caller out of the list.
    #[serde(default)]
    pub exclude_me: bool,
    /// Continue after this cursor (the `next_cursor` of the previous page).
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<User>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The user directory, by username, paginated by cursor.
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ListUsersQuery>,
) -> ApiResult<web::Json<UserPage>> {
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let prefix = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let prefix = prefix.map(|p| p.chars().take(64).collect::<String>());
    let mut conn = chat_db::conn(&state.pool).await?;
    let rows = users::search(
        &mut conn,
        prefix.as_deref(),
        query.exclude_me.then_some(auth.id),
        query.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = has_more
        .then(|| rows.last().map(|r| r.username.to_lowercase()))
        .flatten();
    let users = with_presence(&state, &mut conn, rows).await?;
    Ok(web::Json(UserPage { users, next_cursor }))
}
