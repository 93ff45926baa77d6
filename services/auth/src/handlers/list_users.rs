use crate::AppState;
use crate::handlers::get_user::with_presence;
use actix_web::{get, web};
use chat_db::users::{self, After, Order};
use chat_domain::User;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
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
    /// `name` (default) or `last_seen`: online users first, then the most recently seen.
    #[serde(default)]
    pub sort: Sort,
    /// Continue after this cursor (the `next_cursor` of the previous page).
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Name,
    LastSeen,
}

/// Cursors are opaque to clients: `n:<name>` or `s:<presence key>:<name>`.
fn parse_cursor(sort: Sort, raw: &str) -> Result<After, ApiError> {
    let bad = || ApiError::BadRequest("this cursor is not valid for this sort".into());
    match sort {
        Sort::Name => raw
            .strip_prefix("n:")
            .map(|name| After::Name(name.to_owned()))
            .ok_or_else(bad),
        Sort::LastSeen => {
            let rest = raw.strip_prefix("s:").ok_or_else(bad)?;
            let (key, name) = rest.split_once(':').ok_or_else(bad)?;
            Ok(After::Seen(
                key.parse().map_err(|_| bad())?,
                name.to_owned(),
            ))
        }
    }
}

fn cursor_of(sort: Sort, row: &users::DirectoryRow) -> String {
    let name = row.user.username.to_lowercase();
    match sort {
        Sort::Name => format!("n:{name}"),
        Sort::LastSeen => format!("s:{}:{name}", row.seen_key),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<User>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The user directory, by username or by last seen, paginated by cursor in a stable order.
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
    let after = query
        .cursor
        .as_deref()
        .map(|c| parse_cursor(query.sort, c))
        .transpose()?;
    let order = match query.sort {
        Sort::Name => Order::Name,
        Sort::LastSeen => Order::LastSeen,
    };
    let fresh_after =
        chrono::Utc::now() - chrono::Duration::seconds(state.config.presence_fresh_secs);
    let mut conn = chat_db::conn(&state.pool).await?;
    let rows = users::directory(
        &mut conn,
        prefix.as_deref(),
        query.exclude_me.then_some(auth.id),
        order,
        after.as_ref(),
        fresh_after,
        limit + 1,
    )
    .await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = has_more
        .then(|| rows.last().map(|r| cursor_of(query.sort, r)))
        .flatten();
    let user_rows: Vec<_> = rows.iter().map(|r| r.user.clone()).collect();
    let users = with_presence(&state, &mut conn, &user_rows).await?;
    Ok(web::Json(UserPage { users, next_cursor }))
}
