//! Sends the digests whose window has ended: at most one Telegram message per user, room and
//! window. Each digest is claimed for a lease (its `due_at` moved on, in one statement, so any
//! number of instances and workers share the table), checked again (read meanwhile, came
//! online, muted, unlinked: then nothing is sent), sent, and removed; messages that arrived
//! while it was sent stay as a digest of their own. No transaction is open while Telegram or
//! auth answers. A crash mid-send leaves the digest to be sent again when the lease ends;
//! Telegram's 429 and network failures reschedule it; a chat that blocked the bot is unlinked
//! through auth.

use crate::AppState;
use crate::auth_client::AuthCallError;
use crate::transport::SendError;
use chat_db::digests::{self, DigestRow};
use chat_db::{AsyncPgConnection, DbError, messages, rooms, users};
use chrono::Utc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use teloxide::utils::html::escape;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Failed sends (Telegram unreachable) before a digest is given up.
const MAX_SEND_ATTEMPTS: i32 = 10;
/// Characters of the newest message shown in a digest.
const PREVIEW_CHARS: usize = 200;
/// How long a claimed digest is this sender's: longer than a send can take (Telegram's
/// timeout is 17 s, and the throttle may queue a message behind a 429 for longer).
const CLAIM_LEASE: Duration = Duration::from_secs(120);

/// One sender worker: drains what is due, then waits `digest_poll_ms`. A send in progress
/// when `cancel` fires is finished and committed before the worker returns.
pub async fn run(state: Arc<AppState>, cancel: CancellationToken) {
    let poll = Duration::from_millis(state.config.digest_poll_ms.max(10));
    while !cancel.is_cancelled() {
        loop {
            match send_one(&state).await {
                Ok(Some(outcome)) => {
                    let (counter, label) = match outcome {
                        Outcome::Sent => (&state.counters.sent, "sent"),
                        Outcome::Dropped => (&state.counters.dropped, "skipped"),
                        Outcome::Postponed => (&state.counters.postponed, "postponed"),
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("notifier_digests_total", "outcome" => label).increment(1);
                    if cancel.is_cancelled() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "digest sender: database unavailable");
                    break;
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            () = cancel.cancelled() => {}
        }
    }
}

/// What to do with a due digest.
enum Decision {
    Drop(&'static str),
    Send { chat_id: Option<i64>, html: String },
}

/// What became of a due digest.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Sent,
    Dropped,
    Postponed,
}

/// Handles one due digest, if there is one.
async fn send_one(state: &AppState) -> Result<Option<Outcome>, DbError> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let Some(digest) = digests::claim_due(&mut conn, CLAIM_LEASE).await? else {
        return Ok(None);
    };
    let span = tracing::info_span!("digest", user.id = %digest.user_id, room.id = %digest.room_id);
    deliver(state, &mut conn, &digest)
        .instrument(span)
        .await
        .map(Some)
}

/// Sends a claimed digest, or drops or reschedules it.
async fn deliver(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    digest: &DigestRow,
) -> Result<Outcome, DbError> {
    let (chat_id, html) = match decide(state, conn, digest).await? {
        Decision::Drop(reason) => {
            tracing::debug!(reason, "digest dropped");
            digests::remove(conn, digest, state.window_secs()).await?;
            return Ok(Outcome::Dropped);
        }
        Decision::Send { chat_id, html } => (chat_id, html),
    };
    let (user, room) = (digest.user_id, digest.room_id);
    match state.transport.send(user, chat_id, &html).await {
        Ok(()) => {
            digests::remove(conn, digest, state.window_secs()).await?;
            return Ok(Outcome::Sent);
        }
        Err(SendError::RetryAfter(after)) => {
            metrics::counter!("notifier_telegram_rate_limited_total").increment(1);
            tracing::warn!(
                retry_after_ms = after.as_millis() as u64,
                "telegram asked to wait"
            );
            let at = Utc::now() + after;
            digests::postpone(conn, user, room, at, false).await?;
        }
        Err(SendError::Blocked) => return unlink_blocked(state, conn, digest, chat_id).await,
        Err(SendError::Failed(e)) if digest.attempts + 1 >= MAX_SEND_ATTEMPTS => {
            tracing::error!(error = %e, "telegram failed too often: digest given up");
            digests::remove(conn, digest, state.window_secs()).await?;
            return Ok(Outcome::Dropped);
        }
        Err(SendError::Failed(e)) => {
            tracing::warn!(error = %e, attempt = digest.attempts + 1, "telegram failed: will retry");
            let at = Utc::now() + backoff(digest.attempts);
            digests::postpone(conn, user, room, at, true).await?;
        }
    }
    Ok(Outcome::Postponed)
}

/// 2 s doubling per failed attempt, at most 5 minutes.
fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds((2i64 << attempts.clamp(0, 8)).min(300))
}

/// The user blocked the bot: unlink the chat (through auth, which owns the link) and drop the
/// digest. If auth cannot be reached, try again in a while.
async fn unlink_blocked(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    digest: &DigestRow,
    chat_id: Option<i64>,
) -> Result<Outcome, DbError> {
    let unlinked = match chat_id {
        Some(chat) => state.auth.unlink(chat).await,
        None => Ok(()),
    };
    match unlinked {
        Ok(()) | Err(AuthCallError::NotFound) => {
            tracing::info!("the chat blocked the bot: unlinked");
            digests::remove(conn, digest, state.window_secs()).await?;
            Ok(Outcome::Dropped)
        }
        Err(AuthCallError::Unavailable(e)) => {
            tracing::warn!(error = %e, "the chat blocked the bot, and auth is unavailable to unlink it");
            let at = Utc::now() + backoff(digest.attempts);
            digests::postpone(conn, digest.user_id, digest.room_id, at, true).await?;
            Ok(Outcome::Postponed)
        }
    }
}

/// Whether the digest is still wanted, and its text. Everything is checked again at send time:
/// the user may have read the messages, come online, muted the room or unlinked Telegram since.
async fn decide(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    digest: &DigestRow,
) -> Result<Decision, DbError> {
    let Some(user) = users::find(conn, digest.user_id).await? else {
        return Ok(Decision::Drop("no such user"));
    };
    if !state.notifiable(&user) {
        return Ok(Decision::Drop("notifications off, unlinked or deactivated"));
    }
    let Some(member) = rooms::member(conn, digest.room_id, digest.user_id).await? else {
        return Ok(Decision::Drop("left the room"));
    };
    if member.muted && !digest.mentioned {
        return Ok(Decision::Drop("room muted"));
    }
    if member.last_read_seq >= digest.last_seq {
        return Ok(Decision::Drop("read"));
    }
    let status = state.presence_of(conn, &[user.id]).await?;
    let status = status.get(&user.id).copied().unwrap_or_default();
    if status.online
        || status
            .last_seen_at
            .is_some_and(|seen| seen >= digest.opened_at)
    {
        return Ok(Decision::Drop("came online"));
    }
    let Some(room) = rooms::find(conn, digest.room_id).await? else {
        return Ok(Decision::Drop("room gone"));
    };
    if room.deleted_at.is_some() {
        return Ok(Decision::Drop("room deleted"));
    }
    let last = messages::find_by_seq(conn, digest.room_id, digest.last_seq).await?;
    let last_sender = match &last {
        Some(m) => users::find(conn, m.sender_id)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    // Mentions in the text are shown as `@` and the person's current name.
    let mut named = std::collections::HashMap::new();
    if let Some(m) = &last {
        let ids = chat_domain::mentions::ids(&m.body);
        for u in users::among(conn, &ids).await? {
            named.insert(u.id, u.display_name);
        }
    }
    let newest = last.map(|m| Newest {
        sender: last_sender.unwrap_or_else(|| "someone".to_owned()),
        body: m.deleted_at.is_none().then(|| {
            chat_domain::mentions::replace(&m.body, |id| match id.and_then(|id| named.get(&id)) {
                Some(name) => format!("@{name}"),
                None if id.is_none() => "@room".to_owned(),
                None => "@someone".to_owned(),
            })
        }),
    });
    let html = compose(&Digest {
        mentioned: digest.mentioned,
        count: digest.message_count,
        room_name: room.name.as_deref().filter(|_| room.direct_key.is_none()),
        senders: &digest.sender_names,
        newest,
        link: format!(
            "{}/?room={}",
            state.config.public_url.trim_end_matches('/'),
            digest.room_id
        ),
    });
    Ok(Decision::Send {
        chat_id: user.telegram_chat_id,
        html,
    })
}

struct Newest {
    sender: String,
    /// `None` once deleted.
    body: Option<String>,
}

struct Digest<'a> {
    /// One of the messages mentions the user.
    mentioned: bool,
    count: i32,
    /// `None` for a direct chat.
    room_name: Option<&'a str>,
    senders: &'a [String],
    newest: Option<Newest>,
    link: String,
}

/// The digest in Telegram's HTML format. Every name and text is escaped: nothing a user wrote
/// can add markup or links.
fn compose(d: &Digest<'_>) -> String {
    let messages = if d.count == 1 {
        "1 new message".to_owned()
    } else {
        format!("{} new messages", d.count)
    };
    let senders = d
        .senders
        .iter()
        .map(|s| format!("<b>{}</b>", escape(s)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = match d.room_name {
        Some(room) => format!("{messages} in <b>{}</b> from {senders}", escape(room)),
        None => format!("{messages} from {senders}"),
    };
    if d.senders.len() >= digests::MAX_SENDER_NAMES as usize {
        out.push_str(" and others");
    }
    if d.mentioned {
        out = format!("You were mentioned. {out}");
    }
    if let Some(newest) = &d.newest {
        let text = match &newest.body {
            Some(body) => escape(&preview(body)),
            None => "<i>message deleted</i>".to_owned(),
        };
        out.push_str(&format!("\n\n{}: {text}", escape(&newest.sender)));
    }
    out.push_str(&format!(
        "\n\n<a href=\"{}\">Open the chat</a>",
        escape(&d.link).replace('"', "&quot;")
    ));
    out
}

/// The first `PREVIEW_CHARS` characters, with an ellipsis when cut.
fn preview(body: &str) -> String {
    let mut chars = body.char_indices();
    match chars.nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest<'a>(senders: &'a [String], room: Option<&'a str>, body: Option<&str>) -> Digest<'a> {
        Digest {
            mentioned: false,
            count: 3,
            room_name: room,
            senders,
            newest: Some(Newest {
                sender: senders[0].clone(),
                body: body.map(str::to_owned),
            }),
            link: "https://chat.example/?room=1&x=\"y\"".into(),
        }
    }

    #[test]
    fn names_and_text_are_escaped() {
        let senders = vec!["<b>Eve</b> & co".to_owned()];
        let html = compose(&digest(
            &senders,
            Some("A <script> room"),
            Some("<a href=\"javascript:x\">click</a>"),
        ));
        assert!(html.starts_with("3 new messages in <b>A &lt;script&gt; room</b> from <b>&lt;b&gt;Eve&lt;/b&gt; &amp; co</b>"), "{html}");
        assert!(
            html.contains("&lt;a href=\"javascript:x\"&gt;click&lt;/a&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>") && !html.contains("<a href=\"javascript"));
        assert!(
            html.ends_with(
                "<a href=\"https://chat.example/?room=1&amp;x=&quot;y&quot;\">Open the chat</a>"
            ),
            "{html}"
        );
    }

    #[test]
    fn a_direct_chat_names_the_sender_and_a_deleted_message_is_not_shown() {
        let senders = vec!["Bob".to_owned()];
        let html = compose(&digest(&senders, None, None));
        assert!(
            html.starts_with("3 new messages from <b>Bob</b>\n\nBob: <i>message deleted</i>"),
            "{html}"
        );
    }

    #[test]
    fn many_senders_end_with_others_and_long_text_is_cut() {
        let senders: Vec<String> = (0..5).map(|i| format!("u{i}")).collect();
        let long = "é".repeat(PREVIEW_CHARS + 50);
        let html = compose(&digest(&senders, Some("Team"), Some(&long)));
        assert!(html.contains("<b>u4</b> and others"), "{html}");
        assert!(
            html.contains(&format!("u0: {}…", "é".repeat(PREVIEW_CHARS))),
            "{html}"
        );
        assert_eq!(preview("short"), "short");
    }
}
