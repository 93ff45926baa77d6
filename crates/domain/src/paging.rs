//! Keyset pagination, the same everywhere: a page size clamped to what a route allows, rows
//! read one past it, and `has_more` from that extra row (never a count, never OFFSET).

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// A row's place in a list ordered by a time and then an id.
pub type TimeKey = (DateTime<Utc>, Uuid);

/// A position in a list ordered by a time and an id (`2026-12-03T18:00:00.123456Z|<uuid>`),
/// as a client passes it back in `cursor`. Microseconds: PostgreSQL's precision, so the
/// position is exact.
pub fn time_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// Reads a [`time_cursor`]; `None` if it is not one.
pub fn parse_time_cursor(cursor: &str) -> Option<TimeKey> {
    let (at, id) = cursor.split_once('|')?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, id.parse().ok()?))
}

/// The page size to read: `asked`, else `default`, clamped to `1..=max`.
pub fn page_size(asked: Option<i64>, default: i64, max: i64) -> i64 {
    asked.unwrap_or(default).clamp(1, max)
}

/// How many rows to read for a page of `size`: one more, to learn whether more exist.
pub fn read_size(size: i64) -> i64 {
    size + 1
}

/// Cuts rows read with [`read_size`] to the page; true when more exist past it.
pub fn has_more<T>(rows: &mut Vec<T>, size: i64) -> bool {
    let size = usize::try_from(size).unwrap_or(0);
    let more = rows.len() > size;
    rows.truncate(size);
    more
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_clamped_and_defaulted() {
        assert_eq!(page_size(None, 20, 50), 20);
        assert_eq!(page_size(Some(0), 20, 50), 1);
        assert_eq!(page_size(Some(-5), 20, 50), 1);
        assert_eq!(page_size(Some(500), 20, 50), 50);
        assert_eq!(read_size(50), 51);
    }

    #[test]
    fn time_cursors_read_back_exactly() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T18:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let id = Uuid::now_v7();
        let cursor = time_cursor(at, id);
        assert_eq!(parse_time_cursor(&cursor), Some((at, id)));
        assert_eq!(parse_time_cursor("yesterday|x"), None);
        assert_eq!(parse_time_cursor(&format!("{id}")), None);
    }

    #[test]
    fn the_extra_row_says_there_is_more_and_is_dropped() {
        let mut rows = vec![1, 2, 3];
        assert!(has_more(&mut rows, 2));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert!(!has_more(&mut rows, 2));
        assert_eq!(rows, [1, 2]);
    }
}
