//! bcrypt, off the async threads, with a bound on how many hashes run at once and on how long
//! a request waits for one: past `SLOT_WAIT` it is answered 503 with Retry-After, so a login
//! flood cannot queue requests without end.

use crate::error::{AuthError, Result};
use chat_domain::Password;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a login, registration or password change waits for a hashing slot.
const SLOT_WAIT: Duration = Duration::from_secs(5);

pub struct Passwords {
    cost: u32,
    permits: Arc<Semaphore>,
    slot_wait: Duration,
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
            slot_wait: SLOT_WAIT,
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
        tokio::time::timeout(self.slot_wait, self.permits.acquire())
            .await
            .map_err(|_| AuthError::Busy("too many logins at once; retry shortly"))?
            .map_err(|_| AuthError::Bug("the hashing permits are never closed"))
    }
}

/// bcrypt on a blocking thread, without the concurrency bound (the admin bootstrap, once).
pub async fn hash_off_thread(password: &Password, cost: u32) -> Result<String> {
    let plain = password.expose().to_owned();
    Ok(tokio::task::spawn_blocking(move || bcrypt::hash(plain, cost)).await??)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_that_finds_no_free_slot_in_time_is_refused_as_busy() {
        let mut passwords = Passwords::new(4, 1).await.unwrap();
        passwords.slot_wait = Duration::from_millis(50);
        let held = passwords.permits.clone().acquire_owned().await.unwrap();
        let refused = passwords.verify("a password", None).await;
        assert!(matches!(refused, Err(AuthError::Busy(_))), "{refused:?}");
        drop(held);
        assert!(!passwords.verify("a password", None).await.unwrap());
    }
}
