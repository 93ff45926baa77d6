//! What bounds one client's cost to the gateway: a frame budget per socket (a token bucket
//! with a burst), caps on sockets per user and per client address, and one typing notice per
//! user and room at a time, however many sockets the user has.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// What becomes of one frame under the budget.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Admit,
    /// Over the budget: refused with an error frame, the socket stays.
    Refuse,
    /// Refused beyond the budget again (sending at more than twice the rate): the socket ends.
    CutOff,
}

/// A socket's frame budget: `rate` a second with bursts of `burst`. Frames over it are
/// refused, each counted against a second bucket of the same size; when that one is empty
/// too, the socket is cut off. A client that strays over the rate now and then loses only the
/// frames it sent too fast, and is told which.
pub struct FrameBudget {
    frames: DefaultDirectRateLimiter,
    refusals: DefaultDirectRateLimiter,
}

impl FrameBudget {
    pub fn new(rate: u32, burst: u32) -> Self {
        let quota = Quota::per_second(NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            frames: RateLimiter::direct(quota),
            refusals: RateLimiter::direct(quota),
        }
    }

    pub fn check(&self) -> Verdict {
        if self.frames.check().is_ok() {
            Verdict::Admit
        } else if self.refusals.check().is_ok() {
            Verdict::Refuse
        } else {
            Verdict::CutOff
        }
    }
}

/// Caps on open sockets per user and per client address (0: no cap).
pub struct SocketCaps {
    per_user: usize,
    per_address: usize,
    users: Mutex<HashMap<Uuid, usize>>,
    addresses: Mutex<HashMap<IpAddr, usize>>,
}

/// A place under a cap, given back when dropped (when the socket ends).
pub struct Held {
    caps: Arc<SocketCaps>,
    /// What it counts against; `None` under no cap.
    key: Option<Key>,
}

enum Key {
    User(Uuid),
    Address(IpAddr),
}

impl Drop for Held {
    fn drop(&mut self) {
        match self.key.take() {
            Some(Key::User(user)) => give_back(&self.caps.users, &user),
            Some(Key::Address(address)) => give_back(&self.caps.addresses, &address),
            None => {}
        }
    }
}

impl SocketCaps {
    pub fn new(per_user: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            per_user,
            per_address,
            users: Mutex::default(),
            addresses: Mutex::default(),
        })
    }

    /// A place for one more socket of `user`, or `None` at the cap.
    pub fn user(self: &Arc<Self>, user: Uuid) -> Option<Held> {
        let counted = take(&self.users, user, self.per_user);
        self.hold(counted.map(|c| c.then_some(Key::User(user))))
    }

    /// A place for one more socket from `address`, or `None` at the cap.
    pub fn address(self: &Arc<Self>, address: IpAddr) -> Option<Held> {
        let counted = take(&self.addresses, address, self.per_address);
        self.hold(counted.map(|c| c.then_some(Key::Address(address))))
    }

    fn hold(self: &Arc<Self>, key: Option<Option<Key>>) -> Option<Held> {
        key.map(|key| Held {
            caps: self.clone(),
            key,
        })
    }
}

/// Counts one more under `cap` (0: no cap, nothing counted): `Some(true)` when counted,
/// `Some(false)` when there is no cap, `None` at the cap.
fn take<K: Hash + Eq>(counts: &Mutex<HashMap<K, usize>>, key: K, cap: usize) -> Option<bool> {
    if cap == 0 {
        return Some(false);
    }
    let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
    let count = counts.entry(key).or_default();
    if *count >= cap {
        return None;
    }
    *count += 1;
    Some(true)
}

fn give_back<K: Hash + Eq>(counts: &Mutex<HashMap<K, usize>>, key: &K) {
    let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(count) = counts.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_over_the_budget_are_refused_then_the_socket_is_cut_off() {
        let budget = FrameBudget::new(1, 3);
        let verdicts: Vec<Verdict> = (0..7).map(|_| budget.check()).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Admit,
                Verdict::Admit,
                Verdict::Admit,
                Verdict::Refuse,
                Verdict::Refuse,
                Verdict::Refuse,
                Verdict::CutOff
            ]
        );
    }

    #[test]
    fn caps_count_open_sockets_and_give_places_back_when_they_end() {
        let caps = SocketCaps::new(2, 0);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let first = caps.user(alice).expect("first");
        let second = caps.user(alice).expect("second");
        assert!(caps.user(alice).is_none(), "a third is over the cap");
        assert!(caps.user(bob).is_some(), "others have their own");
        drop(first);
        let third = caps.user(alice).expect("a place came back");
        drop((second, third));
        assert!(
            caps.users.lock().unwrap().is_empty(),
            "nothing kept for gone sockets"
        );
        let any = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..100).filter_map(|_| caps.address(any)).collect();
        assert_eq!(held.len(), 100, "0 is no cap");
    }
}
