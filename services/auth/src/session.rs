//! Issuing a session: a new access token and a refresh token in a (new or continued) family,
//! returned in the body for API clients and as HttpOnly cookies for browsers.

use crate::AppState;
use crate::tokens::new_opaque_token;
use actix_web::HttpResponse;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use chat_db::AsyncPgConnection;
use chat_db::sessions::{self, NewRefreshToken};
use chat_db::users::UserRow;
use chat_domain::User;
use chat_http::ApiError;
use chat_http::auth::{ACCESS_COOKIE, REFRESH_COOKIE};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The path the refresh cookie is sent to: only the auth endpoints need it.
pub const REFRESH_COOKIE_PATH: &str = "/api/auth";

/// Tokens for API clients; browsers get the same as cookies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: User,
}

pub fn public_user(
    row: &UserRow,
    online: bool,
    last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
) -> User {
    User {
        id: row.id,
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        created_at: row.created_at,
        online,
        last_seen_at,
    }
}

/// Stores a new refresh token (in `family`, or a new family) and signs an access token for
/// that session.
pub async fn create(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    family: Option<Uuid>,
) -> Result<Session, ApiError> {
    let family = family.unwrap_or_else(Uuid::now_v7);
    let access_token = state
        .signer
        .access_token(user.id, &user.username, &user.role, family)
        .map_err(ApiError::internal)?;
    let (refresh_token, hash) = new_opaque_token();
    sessions::insert(
        conn,
        &NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: user.id,
            family_id: family,
            token_hash: &hash,
            expires_at: chrono::Utc::now()
                + chrono::Duration::seconds(state.config.refresh_ttl_secs),
        },
    )
    .await?;
    Ok(Session {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.config.access_ttl_secs,
        user: public_user(user, false, None),
    })
}

/// Creates a session and answers with it in the body and as HttpOnly cookies.
pub async fn issue(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    family: Option<Uuid>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let session = create(state, conn, user, family).await?;
    let cookies = [
        cookie(
            ACCESS_COOKIE,
            &session.access_token,
            "/",
            SameSite::Lax,
            state.config.access_ttl_secs,
            state.config.cookie_secure,
        ),
        cookie(
            REFRESH_COOKIE,
            &session.refresh_token,
            REFRESH_COOKIE_PATH,
            SameSite::Strict,
            state.config.refresh_ttl_secs,
            state.config.cookie_secure,
        ),
    ];
    let mut res = HttpResponse::build(status);
    for c in cookies {
        res.cookie(c);
    }
    Ok(res.json(session))
}

fn cookie(
    name: &'static str,
    value: &str,
    path: &'static str,
    same_site: SameSite,
    max_age: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value.to_owned())
        .path(path)
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

/// Expires both cookies.
pub fn cleared(mut res: actix_web::HttpResponseBuilder, secure: bool) -> HttpResponse {
    for (name, path, same_site) in [
        (ACCESS_COOKIE, "/", SameSite::Lax),
        (REFRESH_COOKIE, REFRESH_COOKIE_PATH, SameSite::Strict),
    ] {
        let mut c = cookie(name, "", path, same_site, 0, secure);
        c.make_removal();
        res.cookie(c);
    }
    res.finish()
}
