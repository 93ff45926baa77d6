//! The database settings the delivery guarantee rests on, checked where they apply: a message
//! is acknowledged after its own durable commit, so nothing on its way may turn
//! `synchronous_commit` off; only the relay's bookkeeping commits lazily, and only in its own
//! transaction.

use chat_testkit::{TestDb, common_config, test_exchange};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn synchronous_commit(conn: &mut AsyncPgConnection) -> String {
    diesel::sql_query("SELECT current_setting('synchronous_commit') AS value")
        .get_result::<Setting>(conn)
        .await
        .expect("the setting")
        .value
}

#[tokio::test]
async fn messages_commit_durably_and_only_the_relays_bookkeeping_commits_lazily() {
    let db = TestDb::new().await;
    // A connection of the pool the services use: nothing in its setup turns durability off.
    let pool = common_config(&db, &test_exchange()).pool().expect("a pool");
    let mut conn = chat_db::conn(&pool).await.expect("a connection");
    assert_eq!(synchronous_commit(&mut conn).await, "on");

    // The functions that store messages (and their outbox events) neither carry the setting
    // (`ALTER FUNCTION ... SET`) nor change it in their bodies.
    let overriding = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_proc \
         WHERE proname IN ('store_message', 'store_messages') \
           AND (prosrc ILIKE '%synchronous_commit%' \
                OR EXISTS (SELECT 1 FROM unnest(proconfig) AS c \
                           WHERE c ILIKE 'synchronous_commit=%'))",
    )
    .get_result::<Count>(&mut conn)
    .await
    .expect("the functions");
    assert_eq!(overriding.n, 0);
    let defined = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_proc WHERE proname IN ('store_message', 'store_messages')",
    )
    .get_result::<Count>(&mut conn)
    .await
    .expect("the functions");
    assert_eq!(defined.n, 2, "both message-storing functions exist");

    // The lazy commit is for the transaction that asks for it, and ends with it.
    conn.batch_execute("BEGIN").await.expect("begin");
    chat_db::outbox::commit_lazily(&mut conn)
        .await
        .expect("lazily");
    let inside = synchronous_commit(&mut conn).await;
    conn.batch_execute("COMMIT").await.expect("commit");
    assert_eq!(inside, "off");
    assert_eq!(
        synchronous_commit(&mut conn).await,
        "on",
        "the same connection, after the lazy transaction committed"
    );
}
