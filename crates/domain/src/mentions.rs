//! Mentions in a message's text: `<@USER-ID>` names one person, `<@room>` everyone in the
//! room (owners and admins only). They are stored as ids, so a new display name never breaks
//! one; clients show each as `@` and the person's current name.

use uuid::Uuid;

/// The token that mentions everyone in the room.
pub const EVERYONE: &str = "<@room>";

/// The ids a text mentions, each once, in the order first mentioned.
pub fn ids(text: &str) -> Vec<Uuid> {
    let mut out = Vec::new();
    for (_, id) in tokens(text) {
        if let Some(id) = id
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

/// Whether the text mentions everyone in the room.
pub fn everyone(text: &str) -> bool {
    text.contains(EVERYONE)
}

/// The text with each mention replaced by what `name` makes of it (`None`: everyone).
pub fn replace(text: &str, mut name: impl FnMut(Option<Uuid>) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (range, id) in tokens(text) {
        out.push_str(&text[rest..range.start]);
        out.push_str(&name(id));
        rest = range.end;
    }
    out.push_str(&text[rest..]);
    out
}

/// Every mention token: where it is, and whom it names (`None`: everyone).
fn tokens(text: &str) -> Vec<(std::ops::Range<usize>, Option<Uuid>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("<@") {
        let start = from + at;
        let inner = &text[start + 2..];
        let Some(close) = inner.find('>') else { break };
        let end = start + 2 + close + 1;
        let name = &inner[..close];
        if name == "room" {
            out.push((start..end, None));
        } else if name.len() == 36
            && let Ok(id) = Uuid::parse_str(name)
        {
            out.push((start..end, Some(id)));
        }
        from = start + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_ids_in_tokens_and_the_rest_is_text() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let text = format!("hi <@{a}> and <@{b}>, <@{a}> again; <@nobody> <@room> <@{a}");
        assert_eq!(ids(&text), [a, b]);
        assert!(everyone(&text));
        let shown = replace(&text, |id| match id {
            Some(id) if id == a => "@Ann".into(),
            Some(_) => "@Bob".into(),
            None => "@room".into(),
        });
        assert_eq!(
            shown,
            format!("hi @Ann and @Bob, @Ann again; <@nobody> @room <@{a}")
        );
        assert!(ids("<@<@room>").is_empty());
        assert_eq!(replace("no mentions", |_| unreachable!()), "no mentions");
    }
}
