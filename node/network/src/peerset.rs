//! Peers' reputations and bans.
//!
//! Each peer has a reputation, zero when first seen; what it does well or badly moves it
//! ([`ReputationChange`]), and it drifts back toward zero by 2 % a second, so old faults are
//! forgiven. A peer whose reputation falls to [`BANNED_THRESHOLD`] is disconnected and
//! banned for the configured time; a fatal change (an invalid block, a peer of another
//! chain) bans at once.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use crate::PeerId;

/// At or below this a peer is disconnected and banned (two bad messages reach it).
pub const BANNED_THRESHOLD: i32 = -(1 << 28);

/// A change to a peer's reputation, with the reason logged beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReputationChange {
    /// How much the reputation moves.
    pub value: i32,
    /// Why.
    pub reason: &'static str,
}

impl ReputationChange {
    /// A change of `value` for `reason`.
    pub const fn new(value: i32, reason: &'static str) -> Self {
        ReputationChange { value, reason }
    }

    /// A change that bans at once.
    pub const fn fatal(reason: &'static str) -> Self {
        ReputationChange { value: i32::MIN, reason }
    }

    /// A message that does not decode, or breaks the protocol.
    pub const BAD_MESSAGE: Self = Self::new(-(1 << 27), "bad message");
    /// A block that failed to import, or a response that contradicts itself.
    pub const BAD_BLOCK: Self = Self::fatal("invalid block");
    /// A peer of another chain.
    pub const WRONG_CHAIN: Self = Self::fatal("another chain");
    /// A request that was not answered in time, or answered with nothing useful.
    pub const TIMEOUT: Self = Self::new(-(1 << 20), "request timed out");
    /// A response with blocks that were useful.
    pub const GOOD_BLOCKS: Self = Self::new(1 << 12, "useful blocks");
}

/// What a report did to a peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It stays.
    Keep,
    /// It fell below the threshold: disconnect it, banned until the instant given.
    Ban(Instant),
}

/// Reputations and bans.
#[derive(Debug)]
pub struct PeerSet {
    reputations: HashMap<PeerId, i32>,
    banned: HashMap<PeerId, Instant>,
    ban_duration: Duration,
    last_decay: Instant,
}

impl PeerSet {
    /// An empty set that bans for `ban_duration`.
    pub fn new(ban_duration: Duration, now: Instant) -> Self {
        PeerSet {
            reputations: HashMap::new(),
            banned: HashMap::new(),
            ban_duration,
            last_decay: now,
        }
    }

    /// Applies `change` to `peer`.
    pub fn report(&mut self, peer: PeerId, change: ReputationChange, now: Instant) -> Verdict {
        let reputation = self.reputations.entry(peer).or_insert(0);
        *reputation = reputation.saturating_add(change.value);
        if *reputation <= BANNED_THRESHOLD {
            let until = now + self.ban_duration;
            self.banned.insert(peer, until);
            Verdict::Ban(until)
        } else {
            Verdict::Keep
        }
    }

    /// A peer's reputation.
    pub fn reputation(&self, peer: &PeerId) -> i32 {
        self.reputations.get(peer).copied().unwrap_or(0)
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: &PeerId, now: Instant) -> bool {
        self.banned.get(peer).is_some_and(|until| *until > now)
    }

    /// Moves every reputation toward zero for the time since the last call, forgets those
    /// back at zero, and returns the peers whose bans ended.
    pub fn decay(&mut self, now: Instant) -> Vec<PeerId> {
        let seconds = now.saturating_duration_since(self.last_decay).as_secs();
        if seconds > 0 {
            self.last_decay += Duration::from_secs(seconds);
            for reputation in self.reputations.values_mut() {
                for _ in 0..seconds.min(600) {
                    // 2 % a second, at least one step so that small values reach zero.
                    let step = (*reputation / 50).abs().max(1);
                    *reputation = if *reputation > 0 {
                        (*reputation - step).max(0)
                    } else {
                        (*reputation + step).min(0)
                    };
                }
            }
            self.reputations.retain(|_, reputation| *reputation != 0);
        }
        let ended: Vec<PeerId> =
            self.banned.iter().filter(|(_, until)| **until <= now).map(|(peer, _)| *peer).collect();
        for peer in &ended {
            self.banned.remove(peer);
        }
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(seed: u8) -> PeerId {
        PeerId::from_ed25519_secret([seed; 32]).unwrap()
    }

    #[test]
    fn bad_messages_add_up_to_a_ban_that_ends() {
        let start = Instant::now();
        let mut set = PeerSet::new(Duration::from_secs(60), start);
        let (bad, good) = (peer(1), peer(2));
        assert_eq!(set.report(bad, ReputationChange::BAD_MESSAGE, start), Verdict::Keep);
        assert_eq!(set.report(good, ReputationChange::TIMEOUT, start), Verdict::Keep);
        let verdict = set.report(bad, ReputationChange::BAD_MESSAGE, start);
        assert_eq!(verdict, Verdict::Ban(start + Duration::from_secs(60)));
        assert!(set.is_banned(&bad, start + Duration::from_secs(59)));
        assert!(!set.is_banned(&good, start));
        assert!(set.decay(start + Duration::from_secs(30)).is_empty());
        assert_eq!(set.decay(start + Duration::from_secs(61)), vec![bad]);
        assert!(!set.is_banned(&bad, start + Duration::from_secs(61)));
    }

    #[test]
    fn a_fatal_change_bans_at_once_and_reputations_drift_back() {
        let start = Instant::now();
        let mut set = PeerSet::new(Duration::from_secs(60), start);
        assert!(matches!(set.report(peer(3), ReputationChange::BAD_BLOCK, start), Verdict::Ban(_)));
        set.report(peer(4), ReputationChange::TIMEOUT, start);
        let before = set.reputation(&peer(4));
        set.decay(start + Duration::from_secs(10));
        let after = set.reputation(&peer(4));
        assert!(before < after && after < 0, "{before} → {after}");
        set.decay(start + Duration::from_secs(2000));
        assert_eq!(set.reputation(&peer(4)), 0);
    }
}
