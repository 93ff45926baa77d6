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

/// Users whose username or display name starts with `prefix` (ignoring case), by username.
pub async fn search(
    conn: &mut AsyncPgConnection,
    prefix: Option<&str>,
    exclude: Option<Uuid>,
    after_username: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRow>, DbError> {
    let mut query = users::table
        .filter(users::deactivated_at.is_null())
        .select(UserRow::as_select())
        .order(lower(users::username))
        .limit(limit)
        .into_boxed();
    if let Some(prefix) = prefix {
        let pattern = format!("{}%", escape_like(&prefix.to_lowercase()));
        query = query.filter(
            lower(users::username)
                .like(pattern.clone())
                .or(lower(users::display_name).like(pattern)),
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

/// Notification settings of the given users, for the notifier.
pub async fn notification_targets(
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
