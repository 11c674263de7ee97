//! Tracking (issue 13): the tracked objects of the configuration (interfaces,
//! vrrp_scripts, track files, tracked processes), their current readings,
//! and what they do to each instance: FAULT, or a weight added to its
//! priority.

use super::Node;
use super::out::Outbox;
use crate::time::Instant;

impl Node {
    /// The router's own timer fired (check scripts due, process scans).
    pub fn on_router_timer(&mut self, now: Instant, out: &mut dyn Outbox) {
        let _ = (now, out);
    }

    /// `vrrp_track_file` number `k` (in configuration order) was read:
    /// its contents, or None when it is missing or unreadable.
    pub fn on_track_file(
        &mut self,
        k: usize,
        contents: Option<&[u8]>,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        let _ = (k, contents, now, out);
    }

    /// A process scan ended: for each `vrrp_track_process` (configuration
    /// order), how many processes match it.
    pub fn on_process_counts(&mut self, counts: &[u32], now: Instant, out: &mut dyn Outbox) {
        let _ = (counts, now, out);
    }
}
