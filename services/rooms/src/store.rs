//! The database as the rules use it: connections, and transactions that write events.
//!
//! Every change records its event in the outbox inside its own transaction; [`Store::write`]
//! runs such a transaction and wakes the outbox relay once it has committed, so the event
//! leaves at once and no call site has to remember to wake it.

use crate::error::{Result, RoomsError};
use chat_db::{AsyncPgConnection, Conn, Pool};
use diesel_async::AsyncConnection;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::Notify;

/// The body of a transaction: owns what it captures, borrows the connection.
pub type TxBody<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    relay_wake: Arc<Notify>,
}

impl Store {
    pub fn new(pool: Pool, relay_wake: Arc<Notify>) -> Self {
        Self { pool, relay_wake }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A connection for one request (503 when none comes in time).
    pub async fn conn(&self) -> Result<Conn> {
        Ok(chat_db::conn(&self.pool).await?)
    }

    /// Runs `body` in a transaction on `conn` and, once it has committed, wakes the relay.
    /// The transaction first declares itself a writer of sync events
    /// ([`chat_db::outbox::declare_writer`]), so sync waits for it. A transaction that wrote
    /// no event costs the relay one empty look.
    pub async fn write<T, F>(&self, conn: &mut AsyncPgConnection, body: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TxBody<'c, T> + Send + 'static,
    {
        let done = conn
            .transaction::<T, RoomsError, _>(async move |conn| {
                chat_db::outbox::declare_writer(conn).await?;
                body(conn).await
            })
            .await?;
        self.committed();
        Ok(done)
    }

    /// Wakes the relay after a write that committed on its own (one statement, no explicit
    /// transaction: the hot path of a send).
    pub fn committed(&self) {
        self.relay_wake.notify_one();
    }
}
