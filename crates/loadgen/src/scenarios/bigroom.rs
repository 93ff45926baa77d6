//! One big room: a few members send, every member receives. Deliveries per second are stepped
//! up on the stack and on the bare relay (the baseline); then, at a fixed rate, one member
//! stops reading and the others' p99 is compared with theirs just before.

use super::{Rig, Server, Step, log, ramp, settle};
use crate::report::{Goal, Outcome, Row};
use crate::setup::{Setup, User};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;
use uuid::Uuid;

const P99_GOAL_MS: f64 = 100.0;

struct Room {
    rig: Rig,
    room: Uuid,
    senders: usize,
}

impl Room {
    async fn connect(
        setup: &Setup,
        server: Server,
        users: Vec<User>,
        room: Uuid,
        senders: usize,
    ) -> anyhow::Result<Self> {
        let rig = Rig::connect(setup, server, users).await?;
        for conn in 0..rig.users.len() {
            rig.join_bare(conn, room);
        }
        // Every connect told the others about a new member online: let that pass.
        settle(3).await;
        Ok(Self { rig, room, senders })
    }

    /// `rate` messages a second, from the senders in turn; every other member gets each one.
    async fn step(&self, rate: f64, secs: f64) -> Step {
        // Every reading member but the sender gets each message.
        let readers = self
            .rig
            .handles
            .iter()
            .filter(|h| h.reading.load(Ordering::SeqCst))
            .count();
        let live = readers.saturating_sub(1) as u64;
        self.rig
            .step(
                rate,
                secs,
                Duration::from_secs(5),
                |i| ((i % self.senders as u64) as usize, self.room),
                |sent| sent * live,
            )
            .await
    }
}

fn sizes(smoke: bool) -> (usize, Vec<f64>, f64, usize) {
    if smoke {
        (50, vec![10.0, 20.0], 2.0, 5)
    } else {
        // Members, messages per second, seconds per step, senders (each under the gateway's
        // 30 frames a second per socket).
        (
            1000,
            vec![10.0, 20.0, 35.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0],
            10.0,
            20,
        )
    }
}

pub async fn run(setup: &Setup) -> anyhow::Result<Vec<Outcome>> {
    let (members, rates, secs, senders) = sizes(setup.env.smoke);
    let users = setup.users("room", members, &Setup::cheap_hash()?).await?;
    let room = setup
        .public_room(&format!("bench big room {}", setup.tag), &users[0], &users)
        .await?;
    log(&format!("room {room} has {members} members"));

    let chat = Room::connect(setup, Server::Chat, users.clone(), room, senders).await?;
    let (chat_steps, chat_best) = ramp(Server::Chat, &rates, secs, P99_GOAL_MS, |r, t| {
        chat.step(r, t)
    })
    .await;

    // The slow reader: at the highest rate that kept up, measure everyone, then stop one member's reading and measure the others again.
    let slow_rate = chat_best.as_ref().map_or(rates[0], |s| s.rate);
    settle(1).await;
    let before = chat.step(slow_rate, secs).await;
    let stalled = members - 1;
    chat.rig.handles[stalled]
        .reading
        .store(false, Ordering::SeqCst);
    log(&format!("member {stalled} stopped reading"));
    let during = chat.step(slow_rate, secs).await;
    let dropped = chat.rig.recorder.closed.load(Ordering::SeqCst);
    let chat_errors = chat.rig.error_codes();
    drop(chat);
    settle(2).await;

    log("baseline: the same on the bare relay");
    let bare = Room::connect(setup, Server::Bare, users, room, senders).await?;
    let (bare_steps, bare_best) = ramp(Server::Bare, &rates, secs, P99_GOAL_MS, |r, t| {
        bare.step(r, t)
    })
    .await;
    drop(bare);

    let mut room_out = Outcome::new("big room");
    room_out.rows.push(
        Row::new(
            &format!("deliveries/s to {members} members with p99 <= {P99_GOAL_MS} ms"),
            "/s",
            chat_best.as_ref().map_or(0.0, |s| s.deliveries_per_sec),
        )
        .goal(Goal::AtLeast(50_000.0))
        .baseline(
            "bare relay",
            bare_best.map_or(0.0, |s| s.deliveries_per_sec),
        )
        .ratio_goal(Goal::AtLeast(0.4)),
    );
    if let Some(s) = &chat_best {
        room_out.rows.push(
            Row::new(
                &format!("p99 at {:.0} deliveries/s", s.deliveries_per_sec),
                "ms",
                s.latency.p99_ms,
            )
            .goal(Goal::AtMost(P99_GOAL_MS)),
        );
    } else {
        room_out
            .problems
            .push("not even the lowest rate kept up".to_owned());
    }
    room_out.details = json!({
        "members": members,
        "senders": senders,
        "step_secs": secs,
        "chat": chat_steps,
        "bare": bare_steps,
        "chat_errors": chat_errors,
    });

    let mut slow_out = Outcome::new("slow reader");
    slow_out.rows.push(
        Row::new(
            &format!("others' p99 at {slow_rate} msg/s, one member not reading"),
            "ms",
            during.latency.p99_ms,
        )
        .baseline("everyone reading", before.latency.p99_ms)
        .ratio_goal(Goal::AtMost(1.10)),
    );
    if during.delivered < during.expected {
        slow_out.problems.push(format!(
            "the readers got {} of {} deliveries while one member stalled",
            during.delivered, during.expected
        ));
    }
    slow_out.details = json!({
        "rate": slow_rate,
        "before": before,
        "during": during,
        "stalled_member_dropped": dropped > 0,
    });
    Ok(vec![room_out, slow_out])
}
