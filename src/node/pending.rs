//! Outstanding netlink requests: which instance sent the request with a
//! given sequence number, so that a failed ack (NACK) retries that
//! instance. The instance is named by its `uid`, which a reload keeps for a
//! kept instance however the instance table is renumbered; the slot index
//! it had when it sent the request may belong to another instance by the
//! time the ack is read.
//!
//! A fixed ring of the most recent requests: an ack older than the last
//! `MAX_PENDING_REQUESTS` requests has no owner any more (the kernel acks at
//! once, so in practice only a reload of every instance comes near it).

use core::net::IpAddr;

use crate::limits::MAX_PENDING_REQUESTS;

/// An instance's identity for the lifetime of the daemon: kept across
/// reloads, never reused.
pub type Uid = u32;

/// What an address request asked: add (true) or delete `addr`. An ack
/// names the address it answers, so a refused add keeps that address from
/// being announced.
pub type AddrTag = (IpAddr, bool);

/// One remembered request: its sequence number, its sender, and the
/// address it is about when it is an address request.
type Entry = (u32, Uid, Option<AddrTag>);

pub struct Pending {
    /// On the heap: at 16 bytes an entry it would make the router, and
    /// every stack frame that builds or moves one, 16 KiB larger.
    ring: Box<[Entry]>,
    /// How many slots of the ring are in use (it fills once, then wraps).
    len: usize,
    next: usize,
    next_seq: u32,
}

impl Default for Pending {
    fn default() -> Self {
        Pending {
            ring: vec![(0, 0, None); MAX_PENDING_REQUESTS].into_boxed_slice(),
            len: 0,
            next: 0,
            next_seq: 1,
        }
    }
}

impl Pending {
    /// A fresh sequence number for a request `owner` sends, recorded.
    /// Zero is skipped: the kernel's notifications carry sequence 0.
    pub fn request(&mut self, owner: Uid) -> u32 {
        self.record(owner, None)
    }

    /// A fresh sequence number for `owner`'s request to add (or delete)
    /// an address, recorded with the address.
    pub fn request_addr(&mut self, owner: Uid, tag: AddrTag) -> u32 {
        self.record(owner, Some(tag))
    }

    fn record(&mut self, owner: Uid, tag: Option<AddrTag>) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1).max(1);
        if let Some(slot) = self.ring.get_mut(self.next) {
            *slot = (seq, owner, tag);
        }
        self.next = (self.next + 1) % MAX_PENDING_REQUESTS;
        self.len = (self.len + 1).min(MAX_PENDING_REQUESTS);
        seq
    }

    /// The instance that sent request `seq`, if it is still remembered.
    pub fn owner(&self, seq: u32) -> Option<Uid> {
        self.lookup(seq).map(|(uid, _)| uid)
    }

    /// The sender of request `seq` and the address it was about.
    pub fn lookup(&self, seq: u32) -> Option<(Uid, Option<AddrTag>)> {
        self.ring
            .get(..self.len)?
            .iter()
            .find(|(s, _, _)| *s == seq && seq != 0)
            .map(|&(_, uid, tag)| (uid, tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_find_their_sender_by_identity_not_position() {
        let mut p = Pending::default();
        // Instances with uids 7 and 9 send; a reload then renumbers the
        // table (9 is now at index 0): the NACK still names 9.
        let a = p.request(7);
        let b = p.request(9);
        assert_ne!(a, b);
        assert_eq!(p.owner(b), Some(9));
        assert_eq!(p.owner(a), Some(7));
        assert_eq!(p.owner(0), None);
        assert_eq!(p.owner(b + 1), None);
        let addr: IpAddr = "192.0.2.1".parse().unwrap_or(IpAddr::from([0; 4]));
        let c = p.request_addr(9, (addr, true));
        assert_eq!(p.lookup(c), Some((9, Some((addr, true)))));
        assert_eq!(p.lookup(b), Some((9, None)));
    }

    #[test]
    fn the_ring_forgets_only_the_oldest() {
        let mut p = Pending::default();
        let first = p.request(1);
        let mut last = first;
        for uid in 2..=MAX_PENDING_REQUESTS as u32 {
            last = p.request(uid);
        }
        assert_eq!(p.owner(first), Some(1));
        let newest = p.request(1000);
        assert_eq!(p.owner(first), None, "overwritten by the newest");
        assert_eq!(p.owner(last), Some(MAX_PENDING_REQUESTS as u32));
        assert_eq!(p.owner(newest), Some(1000));
    }

    #[test]
    fn sequence_zero_is_never_handed_out() {
        let mut p = Pending {
            next_seq: u32::MAX,
            ..Pending::default()
        };
        assert_eq!(p.request(1), u32::MAX);
        assert_eq!(p.request(2), 1);
    }
}
