//! Leadership by PostgreSQL session advisory lock: of the replicas of a service, the one whose
//! connection holds the lock does the work only one may do (publish the outbox in order, poll
//! Telegram). The lock lives as long as that connection: if the leader dies or loses its
//! connection, PostgreSQL releases it and another replica takes it on its next try. Advisory
//! locks are per database, so stacks on other databases never contend.

use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Takes the session lock `key` on `conn` if nobody holds it: whether it did. Keep the
/// connection for as long as you lead, and never hand it back to a pool (the lock would go
/// with it). An error means the connection is no good.
pub async fn try_lock(conn: &mut AsyncPgConnection, key: i64) -> Result<bool, crate::DbError> {
    Ok(
        diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .get_result::<Locked>(conn)
            .await?
            .locked,
    )
}
