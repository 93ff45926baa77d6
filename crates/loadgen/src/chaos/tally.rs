//! What a fault-harness run is judged by: the sends, the stored rows and every client's view
//! compared (`compare`), and the table the run prints.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One send as its client sees it.
pub struct Sent {
    pub conn: usize,
    pub room: Uuid,
    pub first_ns: u64,
    pub last_ns: u64,
    pub tries: u32,
    /// The message the ack named: (id, seq).
    pub acked: Option<(Uuid, i64)>,
    /// Given up: the user would see "not sent".
    pub failed: bool,
}

/// What happened around one fault.
#[derive(Serialize, Default, Clone)]
pub struct FaultRow {
    pub fault: String,
    pub injected: bool,
    /// Seconds the injection command took (the fault and its repair).
    pub outage_secs: f64,
    pub sockets_dropped: usize,
    /// Clients told to resync over their open socket (a gateway rebuilt its event queue).
    pub sockets_told_to_resync: usize,
    /// Seconds from the repair until the last dropped (or told) socket was back and resynced (0 when
    /// they were all back before the repair: a killed gateway's clients move to the other).
    pub converged_secs: Option<f64>,
    /// Seconds from the fault's start until the last dropped socket was back and resynced.
    pub back_after_fault_secs: Option<f64>,
    /// The most new sockets opened in one second while it lasted (a thundering herd shows here).
    pub peak_reconnects_per_sec: usize,
    pub sends_during: usize,
    pub retried_during: usize,
    pub problems: Vec<String>,
}

#[derive(Serialize, Default)]
pub struct Totals {
    pub sends: usize,
    pub acknowledged: usize,
    pub acknowledged_after_a_retry: usize,
    pub reported_failed: usize,
    pub reported_failed_but_stored: usize,
    pub acknowledged_missing_from_database: usize,
    pub acknowledged_with_another_id_or_seq: usize,
    pub stored_twice: usize,
    pub stored: usize,
    pub missing_from_a_converged_view: usize,
    pub one_seq_shown_with_two_ids: usize,
    pub clients_not_converged: usize,
    pub duplicate_live_deliveries: u64,
    /// Syncs answered `reset` (the client reloads); the soak's retention makes its final ones so.
    pub syncs_reset: u64,
}

#[derive(QueryableByName)]
pub struct StoredRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub room_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Text)]
    pub client_msg_id: String,
}

#[expect(
    clippy::print_stdout,
    reason = "the table is this command's output; progress goes to stderr"
)]
pub fn print_report(
    rows: &[FaultRow],
    t: &Totals,
    slow: &[String],
    problems: &[String],
    converge_goal_secs: f64,
) {
    let opt = |v: Option<f64>| v.map_or("-".to_owned(), |s| format!("{s:.1} s"));
    println!(
        "{:<28} {:>9} {:>8} {:>8} {:>11} {:>10} {:>7} {:>7} {:>8}",
        "fault",
        "outage s",
        "dropped",
        "resynced",
        "back after",
        "converged",
        "peak/s",
        "sends",
        "retried"
    );
    for r in rows {
        println!(
            "{:<28} {:>9.1} {:>8} {:>8} {:>11} {:>10} {:>7} {:>7} {:>8}",
            r.fault,
            r.outage_secs,
            r.sockets_dropped,
            r.sockets_told_to_resync,
            opt(r.back_after_fault_secs),
            opt(r.converged_secs),
            r.peak_reconnects_per_sec,
            r.sends_during,
            r.retried_during
        );
    }
    println!(
        "sends {}: acknowledged {} ({} after a retry), reported failed {} ({} of them stored)",
        t.sends,
        t.acknowledged,
        t.acknowledged_after_a_retry,
        t.reported_failed,
        t.reported_failed_but_stored
    );
    println!(
        "stored {}; acknowledged but not stored {}; stored twice {}; missing from a converged view {}; one seq with two ids {}; live deliveries of a message already shown (after a resync, or redelivered; deduped by id) {}",
        t.stored,
        t.acknowledged_missing_from_database,
        t.stored_twice,
        t.missing_from_a_converged_view,
        t.one_seq_shown_with_two_ids,
        t.duplicate_live_deliveries
    );
    if t.syncs_reset > 0 {
        println!(
            "syncs answered reset (the cursor older than the sync log's retention; the client reloads): {}",
            t.syncs_reset
        );
    }
    if !slow.is_empty() {
        println!(
            "not within the {} s convergence goal: {}",
            converge_goal_secs,
            slow.join(", ")
        );
    }
    for p in problems {
        println!("FAIL {p}");
    }
}

/// The three sets side by side: the sends and what their acks said, the rows PostgreSQL holds
/// for the run's rooms, and each client's view, `(room, seq) -> id` (`members`: a room's
/// clients).
pub fn compare(
    sends: &HashMap<String, Sent>,
    stored: &[StoredRow],
    views: &[HashMap<(Uuid, i64), Uuid>],
    members: &HashMap<Uuid, Vec<usize>>,
) -> Totals {
    let mut t = Totals {
        stored: stored.len(),
        sends: sends.len(),
        ..Totals::default()
    };
    let mut by_cmid: HashMap<&str, Vec<&StoredRow>> = HashMap::new();
    for row in stored {
        by_cmid.entry(&row.client_msg_id).or_default().push(row);
    }
    t.stored_twice = by_cmid.values().filter(|v| v.len() > 1).count();
    for (cmid, sent) in sends {
        let rows = by_cmid.get(cmid.as_str());
        match sent.acked {
            Some((id, seq)) => {
                t.acknowledged += 1;
                if sent.tries > 1 {
                    t.acknowledged_after_a_retry += 1;
                }
                match rows.and_then(|r| r.first()) {
                    None => t.acknowledged_missing_from_database += 1,
                    Some(r) if r.id != id || r.seq != seq || r.room_id != sent.room => {
                        t.acknowledged_with_another_id_or_seq += 1;
                    }
                    Some(_) => {}
                }
            }
            None => {
                t.reported_failed += 1;
                if rows.is_some() {
                    t.reported_failed_but_stored += 1;
                }
            }
        }
    }
    for row in stored {
        for &member in members.get(&row.room_id).into_iter().flatten() {
            if views[member].get(&(row.room_id, row.seq)) != Some(&row.id) {
                t.missing_from_a_converged_view += 1;
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(conn: usize, room: Uuid, acked: Option<(Uuid, i64)>, tries: u32) -> Sent {
        Sent {
            conn,
            room,
            first_ns: 1,
            last_ns: 1,
            tries,
            acked,
            failed: acked.is_none(),
        }
    }

    fn row(id: Uuid, room_id: Uuid, seq: i64, cmid: &str) -> StoredRow {
        StoredRow {
            id,
            room_id,
            seq,
            client_msg_id: cmid.to_owned(),
        }
    }

    #[test]
    fn the_comparison_finds_each_kind_of_loss_and_duplicate() {
        let room = Uuid::now_v7();
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
        let members = HashMap::from([(room, vec![0, 1])]);
        let sends = HashMap::from([
            // Fine: acked, stored, seen by both.
            ("a".to_owned(), sent(0, room, Some((ids[0], 1)), 1)),
            // Acked after a retry but never stored: lost.
            ("b".to_owned(), sent(0, room, Some((ids[1], 2)), 2)),
            // Acked with seq 3, stored as seq 4.
            ("c".to_owned(), sent(1, room, Some((ids[2], 3)), 1)),
            // Reported failed, yet stored (twice).
            ("d".to_owned(), sent(1, room, None, 5)),
        ]);
        let stored = vec![
            row(ids[0], room, 1, "a"),
            row(ids[2], room, 4, "c"),
            row(ids[3], room, 5, "d"),
            row(ids[4], room, 6, "d"),
        ];
        let both: HashMap<(Uuid, i64), Uuid> = [(1, 0), (4, 2), (5, 3), (6, 4)]
            .into_iter()
            .map(|(seq, i)| ((room, seq), ids[i]))
            .collect();
        let mut partial = both.clone();
        partial.remove(&(room, 6));
        let t = compare(&sends, &stored, &[both.clone(), partial], &members);
        assert_eq!(
            (t.sends, t.acknowledged, t.acknowledged_after_a_retry),
            (4, 3, 1)
        );
        assert_eq!(t.acknowledged_missing_from_database, 1);
        assert_eq!(t.acknowledged_with_another_id_or_seq, 1);
        assert_eq!((t.reported_failed, t.reported_failed_but_stored), (1, 1));
        assert_eq!(t.stored_twice, 1);
        assert_eq!(t.missing_from_a_converged_view, 1, "client 1 lacks seq 6");

        let clean_sends = HashMap::from([("a".to_owned(), sent(0, room, Some((ids[0], 1)), 1))]);
        let t = compare(&clean_sends, &stored[..1], &[both.clone(), both], &members);
        assert_eq!(
            (
                t.acknowledged_missing_from_database,
                t.acknowledged_with_another_id_or_seq,
                t.stored_twice,
                t.missing_from_a_converged_view
            ),
            (0, 0, 0, 0)
        );
    }
}
