//! `users`, owned by auth.

use crate::schema::users;
use crate::{DbError, lower};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub telegram_chat_id: Option<i64>,
    pub notifications_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Whether the account appears in the people directory (an admin's choice).
    pub listed: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
}

/// Unique constraints, so callers can say which field is taken.
pub const USERNAME_TAKEN: &str = "users_username_lower_key";
pub const EMAIL_TAKEN: &str = "users_email_lower_key";

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewUser<'_>) -> Result<UserRow, DbError> {
    Ok(diesel::insert_into(users::table)
        .values(new)
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Finds a user by username or email, ignoring case.
pub async fn find_by_login(
    conn: &mut AsyncPgConnection,
    login: &str,
) -> Result<Option<UserRow>, DbError> {
    let login = login.to_lowercase();
    Ok(users::table
        .filter(
            lower(users::username)
                .eq(&login)
                .or(lower(users::email).eq(&login)),
        )
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Users whose lowercased username or display name matches the LIKE `pattern`, by username.
async fn search(
    conn: &mut AsyncPgConnection,
    pattern: Option<&str>,
    exclude: Option<Uuid>,
    after_username: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRow>, DbError> {
    let mut query = users::table
        .filter(users::deactivated_at.is_null())
        .filter(users::listed)
        .select(UserRow::as_select())
        .order(lower(users::username))
        .limit(limit)
        .into_boxed();
    if let Some(pattern) = pattern {
        query = query.filter(
            lower(users::username)
                .like(pattern.to_owned())
                .or(lower(users::display_name).like(pattern.to_owned())),
        );
    }
    if let Some(exclude) = exclude {
        query = query.filter(users::id.ne(exclude));
    }
    if let Some(after) = after_username {
        query = query.filter(lower(users::username).gt(after.to_lowercase()));
    }
    Ok(query.load(conn).await?)
}

/// How the directory is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By username, ignoring case.
    Name,
    /// Online users first, then by last seen (most recent first), never seen last; ties by
    /// username.
    LastSeen,
}

/// Where a directory page starts: after the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// The lowercased username of the last row (`Order::Name`).
    Name(String),
    /// The last row's presence key and lowercased username (`Order::LastSeen`).
    Seen(i64, String),
}

/// A directory row: the user and its presence key for `Order::LastSeen` (`i64::MAX` while
/// online, microseconds since the epoch of the last sighting, `i64::MIN` when never seen).
#[derive(Debug, Clone)]
pub struct DirectoryRow {
    pub user: UserRow,
    pub seen_key: i64,
}

#[derive(QueryableByName)]
struct SeenKey {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seen_key: i64,
}

/// The user directory: active users whose username or display name starts with `prefix`
/// (ignoring case), in `order`, from `after`. One query either way; by last seen the presence
/// key is computed from the gateway's live sessions (fresh after `fresh_after`) and the
/// recorded last sightings.
pub async fn directory(
    conn: &mut AsyncPgConnection,
    prefix: Option<&str>,
    exclude: Option<Uuid>,
    order: Order,
    after: Option<&After>,
    fresh_after: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DirectoryRow>, DbError> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
    let pattern = prefix.map(|p| format!("{}%", escape_like(&p.to_lowercase())));
    if order == Order::Name {
        let after = match after {
            Some(After::Name(name)) => Some(name.as_str()),
            _ => None,
        };
        let rows = search(conn, pattern.as_deref(), exclude, after, limit).await?;
        return Ok(rows
            .into_iter()
            .map(|user| DirectoryRow { user, seen_key: 0 })
            .collect());
    }
    let (after_key, after_name) = match after {
        Some(After::Seen(key, name)) => (Some(*key), Some(name.as_str())),
        _ => (None, None),
    };
    let keys: Vec<SeenKey> = diesel::sql_query(
        "WITH d AS ( \
             SELECT u.id, lower(u.username) AS uname, \
                    CASE WHEN EXISTS ( \
                            SELECT 1 FROM ws_sessions s \
                            JOIN gateway_instances g ON g.id = s.instance_id \
                            WHERE s.user_id = u.id AND g.heartbeat_at > $1) \
                         THEN 9223372036854775807 \
                         ELSE coalesce((extract(epoch FROM p.last_seen_at) * 1000000)::bigint, \
                                       -9223372036854775808) \
                    END AS seen_key \
             FROM users u LEFT JOIN user_presence p ON p.user_id = u.id \
             WHERE u.deactivated_at IS NULL AND u.listed \
               AND ($2::text IS NULL OR lower(u.username) LIKE $2 OR lower(u.display_name) LIKE $2) \
               AND ($3::uuid IS NULL OR u.id <> $3)) \
         SELECT id, seen_key FROM d \
         WHERE $4::bigint IS NULL OR seen_key < $4 OR (seen_key = $4 AND uname > $5) \
         ORDER BY seen_key DESC, uname \
         LIMIT $6",
    )
    .bind::<Timestamptz, _>(fresh_after)
    .bind::<Nullable<Text>, _>(pattern)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(exclude)
    .bind::<Nullable<BigInt>, _>(after_key)
    .bind::<Nullable<Text>, _>(after_name)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    let ids: Vec<Uuid> = keys.iter().map(|k| k.id).collect();
    let mut rows: std::collections::HashMap<Uuid, UserRow> = users::table
        .filter(users::id.eq_any(&ids))
        .select(UserRow::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            rows.remove(&k.id).map(|user| DirectoryRow {
                user,
                seen_key: k.seen_key,
            })
        })
        .collect())
}

/// Changes what a user may change about themself; `None` leaves a field alone.
pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    display_name: Option<&str>,
    notifications_enabled: Option<bool>,
) -> Result<Option<UserRow>, DbError> {
    #[derive(AsChangeset)]
    #[diesel(table_name = users)]
    struct Changes<'a> {
        display_name: Option<&'a str>,
        notifications_enabled: Option<bool>,
    }
    let changes = Changes {
        display_name,
        notifications_enabled,
    };
    if changes.display_name.is_none() && changes.notifications_enabled.is_none() {
        return find(conn, id).await;
    }
    Ok(diesel::update(users::table.find(id))
        .set(&changes)
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

pub async fn set_password_hash(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    hash: &str,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deactivates (`true`) or reactivates a user; `None` when there is no such user.
pub async fn set_deactivated(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    deactivated: bool,
) -> Result<Option<UserRow>, DbError> {
    let at = deactivated.then(Utc::now);
    Ok(diesel::update(users::table.find(id))
        .set(users::deactivated_at.eq(at))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// Lists the account in the people directory or takes it out; `None` when there is no such user.
pub async fn set_listed(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    listed: bool,
) -> Result<Option<UserRow>, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set(users::listed.eq(listed))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// Takes every account that was never seen online (no live socket, no recorded sighting) and is
/// not an admin out of the directory: the accounts scripts and tests made. How many went.
pub async fn unlist_never_seen(conn: &mut AsyncPgConnection) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "UPDATE users u SET listed = false \
         WHERE u.listed AND u.role <> 'admin' \
           AND NOT EXISTS (SELECT 1 FROM user_presence p WHERE p.user_id = u.id) \
           AND NOT EXISTS (SELECT 1 FROM ws_sessions s WHERE s.user_id = u.id)",
    )
    .execute(conn)
    .await?)
}

/// Creates the user unless one with that username or email exists; true when it was created.
pub async fn insert_if_absent(
    conn: &mut AsyncPgConnection,
    new: &NewUser<'_>,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_into(users::table)
        .values(new)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Links a Telegram chat to `user_id`. A chat belongs to one account: linking it again from
/// another account moves it.
pub async fn link_telegram(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    chat_id: i64,
) -> Result<Option<UserRow>, DbError> {
    diesel::update(
        users::table
            .filter(users::telegram_chat_id.eq(chat_id))
            .filter(users::id.ne(user_id)),
    )
    .set(users::telegram_chat_id.eq(None::<i64>))
    .execute(conn)
    .await?;
    Ok(diesel::update(users::table.find(user_id))
        .set(users::telegram_chat_id.eq(chat_id))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

pub async fn unlink_telegram(conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<(), DbError> {
    diesel::update(users::table.find(user_id))
        .set(users::telegram_chat_id.eq(None::<i64>))
        .execute(conn)
        .await?;
    Ok(())
}

/// The account a Telegram chat is linked to.
pub async fn find_by_telegram(
    conn: &mut AsyncPgConnection,
    chat_id: i64,
) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .filter(users::telegram_chat_id.eq(chat_id))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Escapes `%`, `_` and `\` so user input matches literally in LIKE.
pub fn escape_like(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The users among `ids` (deactivated ones too), in no particular order.
pub async fn among(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)
        .await?)
}

/// The active users among `ids`: who the notifier may notify, who a room may be created with.
pub async fn active_among(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::deactivated_at.is_null())
        .select(UserRow::as_select())
        .load(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::escape_like(r"a_b%c\d"), r"a\_b\%c\\d");
    }
}
