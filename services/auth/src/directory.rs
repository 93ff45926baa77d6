//! The user directory: public profiles with presence, one by id or a page at a time by name
//! or by last seen.

use crate::error::{AuthError, Result};
use crate::service::AuthService;
use chat_db::users::{self, After, DirectoryRow, Order, UserRow};
use chat_db::{AsyncPgConnection, presence};
use chat_domain::User;
use chat_domain::paging;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The public profile of a user, with the presence given.
pub fn public_user(row: &UserRow, online: bool, last_seen_at: Option<DateTime<Utc>>) -> User {
    User {
        id: row.id,
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        created_at: row.created_at,
        online,
        last_seen_at,
    }
}

/// Turns rows into public users with their online state and last seen (heartbeats fresh after
/// `fresh_after`).
pub async fn with_presence(
    conn: &mut AsyncPgConnection,
    rows: &[UserRow],
    fresh_after: DateTime<Utc>,
) -> Result<Vec<User>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let status = presence::status_of(conn, &ids, fresh_after).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let s = status.get(&row.id).copied().unwrap_or_default();
            public_user(row, s.online, s.last_seen_at)
        })
        .collect())
}

/// One user's public profile with presence.
pub async fn profile(
    service: &AuthService,
    conn: &mut AsyncPgConnection,
    row: &UserRow,
) -> Result<User> {
    let fresh_after = presence::fresh_after(service.config.presence_fresh_secs);
    with_presence(conn, std::slice::from_ref(row), fresh_after)
        .await?
        .pop()
        .ok_or(AuthError::Bug("a user lost its profile"))
}

/// An active user's public profile.
pub async fn get(service: &AuthService, id: Uuid) -> Result<User> {
    let mut conn = service.conn().await?;
    let row = users::find(&mut conn, id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or(AuthError::NotFound("user"))?;
    profile(service, &mut conn, &row).await
}

// How the directory is ordered (no doc comment: it would become the schema's description).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Name,
    LastSeen,
}

/// What a directory page asks for, as the API takes it.
pub struct Listing<'a> {
    /// Prefix of the username or display name, ignoring case.
    pub q: Option<&'a str>,
    /// Leave this user out.
    pub exclude: Option<Uuid>,
    pub sort: Sort,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<&'a str>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<User>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the directory, by username or by last seen, paginated by cursor in a stable
/// order.
pub async fn list(service: &AuthService, listing: &Listing<'_>) -> Result<UserPage> {
    let size = paging::page_size(listing.limit, 20, 100);
    let prefix = listing.q.map(str::trim).filter(|q| !q.is_empty());
    let prefix = prefix.map(|p| p.chars().take(64).collect::<String>());
    let after = listing
        .cursor
        .map(|c| parse_cursor(listing.sort, c))
        .transpose()?;
    let order = match listing.sort {
        Sort::Name => Order::Name,
        Sort::LastSeen => Order::LastSeen,
    };
    let fresh_after = presence::fresh_after(service.config.presence_fresh_secs);
    let mut conn = service.conn().await?;
    let mut rows = users::directory(
        &mut conn,
        prefix.as_deref(),
        listing.exclude,
        order,
        after.as_ref(),
        fresh_after,
        paging::read_size(size),
    )
    .await?;
    let next_cursor = paging::has_more(&mut rows, size)
        .then(|| rows.last().map(|r| cursor_of(listing.sort, r)))
        .flatten();
    let user_rows: Vec<_> = rows.into_iter().map(|r| r.user).collect();
    let users = with_presence(&mut conn, &user_rows, fresh_after).await?;
    Ok(UserPage { users, next_cursor })
}

/// Cursors are opaque to clients: `n:<name>` or `s:<presence key>:<name>`.
fn parse_cursor(sort: Sort, raw: &str) -> Result<After> {
    match sort {
        Sort::Name => raw
            .strip_prefix("n:")
            .map(|name| After::Name(name.to_owned()))
            .ok_or(AuthError::BadCursor),
        Sort::LastSeen => {
            let rest = raw.strip_prefix("s:").ok_or(AuthError::BadCursor)?;
            let (key, name) = rest.split_once(':').ok_or(AuthError::BadCursor)?;
            let key = key.parse().map_err(|_| AuthError::BadCursor)?;
            Ok(After::Seen(key, name.to_owned()))
        }
    }
}

fn cursor_of(sort: Sort, row: &DirectoryRow) -> String {
    let name = row.user.username.to_lowercase();
    match sort {
        Sort::Name => format!("n:{name}"),
        Sort::LastSeen => format!("s:{}:{name}", row.seen_key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_read_only_by_the_sort_that_gave_it() {
        assert_eq!(
            parse_cursor(Sort::Name, "n:alice").unwrap(),
            After::Name("alice".into())
        );
        assert_eq!(
            parse_cursor(Sort::LastSeen, "s:-5:bob").unwrap(),
            After::Seen(-5, "bob".into())
        );
        for (sort, raw) in [
            (Sort::Name, "s:1:bob"),
            (Sort::LastSeen, "n:alice"),
            (Sort::LastSeen, "s:soon:bob"),
            (Sort::LastSeen, "s:12"),
        ] {
            assert!(
                matches!(parse_cursor(sort, raw), Err(AuthError::BadCursor)),
                "{raw}"
            );
        }
    }
}
