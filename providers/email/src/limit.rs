//! The send limit: at most `max` messages to one address in any `window`,
//! counted in this process, so the sign-in endpoint cannot be used to flood
//! a mailbox.
//!
//! Each address keeps the times of its last `max` messages (a sliding
//! window), so memory per address is bounded; the number of addresses is
//! bounded too ([`SendLimit::max_addresses`]): when full, addresses whose
//! window has passed are dropped first, then the least recently used.
//!
//! The count is per process: with several instances behind a load balancer
//! each has its own, so the real limit is `max` times the instance count.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many messages one address may be sent, and in what window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimit {
    /// Messages allowed per address in any `window`.
    pub max: u32,
    /// The sliding window.
    pub window: Duration,
    /// How many addresses are remembered at most.
    pub max_addresses: usize,
}

impl SendLimit {
    /// `max` messages per address in any `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            max_addresses: 100_000,
        }
    }
}

impl Default for SendLimit {
    /// Five messages per address per hour.
    fn default() -> Self {
        Self::new(5, Duration::from_secs(3600))
    }
}

/// The counters of a [`SendLimit`].
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: SendLimit,
    sent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    pub(crate) fn new(limit: SendLimit) -> Self {
        Self {
            limit,
            sent: Mutex::new(HashMap::new()),
        }
    }

    /// Records a message to `address` at `now` and returns `true`, or
    /// returns `false` (recording nothing) when the limit is reached.
    pub(crate) fn try_send(&self, address: &str, now: Instant) -> bool {
        let max = self.limit.max as usize;
        if max == 0 {
            return false;
        }
        // A poisoned lock only means another thread panicked mid-update; the
        // counters are still usable.
        let mut sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = self.limit.window;
        let recent = |t: &Instant| now.saturating_duration_since(*t) < window;
        if let Some(times) = sent.get_mut(address) {
            while times.front().is_some_and(|t| !recent(t)) {
                times.pop_front();
            }
            if times.len() >= max {
                return false;
            }
            times.push_back(now);
            return true;
        }
        if sent.len() >= self.limit.max_addresses.max(1) {
            sent.retain(|_, times| times.back().is_some_and(recent));
            while sent.len() >= self.limit.max_addresses.max(1) {
                let oldest = sent
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => sent.remove(&k),
                    None => break,
                };
            }
        }
        sent.insert(address.to_owned(), VecDeque::from([now]));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_per_window_then_refuses_until_it_slides() {
        let l = Limiter::new(SendLimit::new(3, Duration::from_secs(60)));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(l.try_send("a@x", t0 + Duration::from_secs(i)), "{i}");
        }
        assert!(!l.try_send("a@x", t0 + Duration::from_secs(10)));
        assert!(
            l.try_send("b@x", t0 + Duration::from_secs(10)),
            "per address"
        );
        // The first message leaves the window at t0 + 60 s.
        assert!(!l.try_send("a@x", t0 + Duration::from_secs(59)));
        assert!(l.try_send("a@x", t0 + Duration::from_secs(60)));
        assert!(!l.try_send("a@x", t0 + Duration::from_secs(60)));
    }

    #[test]
    fn refused_attempts_are_not_counted() {
        let l = Limiter::new(SendLimit::new(1, Duration::from_secs(10)));
        let t0 = Instant::now();
        assert!(l.try_send("a@x", t0));
        for i in 1..10 {
            assert!(!l.try_send("a@x", t0 + Duration::from_secs(i)));
        }
        assert!(l.try_send("a@x", t0 + Duration::from_secs(10)));
    }

    #[test]
    fn zero_allows_nothing() {
        let l = Limiter::new(SendLimit::new(0, Duration::from_secs(10)));
        assert!(!l.try_send("a@x", Instant::now()));
    }

    #[test]
    fn address_count_is_bounded() {
        let mut limit = SendLimit::new(1, Duration::from_secs(60));
        limit.max_addresses = 2;
        let l = Limiter::new(limit);
        let t0 = Instant::now();
        assert!(l.try_send("a@x", t0));
        assert!(l.try_send("b@x", t0 + Duration::from_secs(1)));
        assert!(l.try_send("c@x", t0 + Duration::from_secs(2)));
        assert_eq!(l.sent.lock().expect("lock").len(), 2);
        // The least recently used address (a) was forgotten; b still counts.
        assert!(!l.try_send("b@x", t0 + Duration::from_secs(3)));
    }
}
