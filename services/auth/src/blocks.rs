//! Blocking: a user's own list of people they want nothing from. Rooms reads it (no direct
//! chat between the two, the blocked one cannot add the blocker to a group), the notifier too
//! (no notification from them), and the web app hides their messages.

use crate::directory;
use crate::error::{AuthError, Result};
use crate::service::AuthService;
use chat_db::{blocks, presence, users};
use chat_domain::User;
use chat_domain::values::Invalid;
use uuid::Uuid;

/// Most people one user may block.
pub const MAX_BLOCKED: i64 = 1_000;

/// `me` blocks `them` (an existing user other than me); blocking twice is blocking once.
pub async fn block(service: &AuthService, me: Uuid, them: Uuid) -> Result<()> {
    if me == them {
        return Err(AuthError::Invalid(vec![Invalid::new(
            "id",
            "you cannot block yourself",
        )]));
    }
    let mut conn = service.conn().await?;
    users::find(&mut conn, them)
        .await?
        .ok_or(AuthError::NotFound("user"))?;
    if blocks::count_blocked_by(&mut conn, me).await? >= MAX_BLOCKED {
        return Err(AuthError::Invalid(vec![Invalid::new(
            "id",
            format!("you may block at most {MAX_BLOCKED} people"),
        )]));
    }
    blocks::block(&mut conn, me, them).await?;
    tracing::info!(user.id = %me, blocked.id = %them, "user blocked");
    Ok(())
}

/// `me` lifts a block on `them`, if there was one.
pub async fn unblock(service: &AuthService, me: Uuid, them: Uuid) -> Result<()> {
    let mut conn = service.conn().await?;
    blocks::unblock(&mut conn, me, them).await?;
    Ok(())
}

/// The people `me` blocked, newest first, as public profiles (deleted accounts left out).
pub async fn list(service: &AuthService, me: Uuid) -> Result<Vec<User>> {
    let mut conn = service.conn().await?;
    let blocked = blocks::blocked_by(&mut conn, me).await?;
    let ids: Vec<Uuid> = blocked.iter().map(|(id, _at)| *id).collect();
    let mut rows = users::among(&mut conn, &ids).await?;
    // Newest block first, as the list is kept.
    rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
    let fresh_after = presence::fresh_after(service.config.presence_fresh_secs);
    directory::with_presence(&mut conn, &rows, fresh_after).await
}
