//! bcrypt, off the async threads, with a bound on how many hashes run at once.

use crate::error::{AuthError, Result};
use chat_domain::Password;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub struct Passwords {
    cost: u32,
    permits: Arc<Semaphore>,
    /// Checked when the user does not exist, so that answer takes as long as a wrong password.
    dummy_hash: String,
}

impl Passwords {
    pub async fn new(cost: u32, max_concurrent: usize) -> anyhow::Result<Self> {
        let dummy_hash =
            tokio::task::spawn_blocking(move || bcrypt::hash("dummy password for timing", cost))
                .await??;
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash,
        })
    }

    pub async fn hash(&self, password: &Password) -> Result<String> {
        let _permit = self.permit().await?;
        hash_off_thread(password, self.cost).await
    }

    /// Checks `plain` against `hash`, or against the dummy hash when there is no user.
    pub async fn verify(&self, plain: &str, hash: Option<&str>) -> Result<bool> {
        let _permit = self.permit().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy_hash).to_owned();
        let plain = plain.to_owned();
        let ok = tokio::task::spawn_blocking(move || bcrypt::verify(plain, &hash).unwrap_or(false))
            .await?;
        Ok(ok && known)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.permits
            .acquire()
            .await
            .map_err(|_| AuthError::Bug("the hashing permits are never closed"))
    }
}

/// bcrypt on a blocking thread, without the concurrency bound (the admin bootstrap, once).
pub async fn hash_off_thread(password: &Password, cost: u32) -> Result<String> {
    let plain = password.expose().to_owned();
    Ok(tokio::task::spawn_blocking(move || bcrypt::hash(plain, cost)).await??)
}
