//! Received adverts: parsed through length-checked views, matched to an
//! instance by interface, family and VRID, or dropped and counted.

use core::net::IpAddr;

use super::Node;
use super::events::Rx6;
use super::out::note;
use super::out::{Note, Outbox};
use super::slot::REJECT_LOG_INTERVAL;
use crate::config::Family;
use crate::time::Instant;
use crate::vrrp::Event;
use crate::wire::ipv4;
use crate::wire::vrrp::{Advert, RxError};

impl Node {
    /// A packet from the raw IPv4 socket (its IP header included) that
    /// arrived on `ifindex`.
    pub fn on_rx4(&mut self, packet: &[u8], ifindex: u32, now: Instant, out: &mut dyn Outbox) {
        let mut adv = Advert::empty();
        match parse4(packet, &mut adv) {
            Ok(src) => self.dispatch(&adv, src, ifindex, now, out),
            Err((e, src, vrid)) => self.rx_error(e, src, ifindex, Family::V4, vrid, now, out),
        }
    }

    /// An advert from the raw IPv6 socket.
    pub fn on_rx6(&mut self, rx: Rx6<'_>, now: Instant, out: &mut dyn Outbox) {
        let src = IpAddr::V6(rx.src);
        let mut adv = Advert::empty();
        match parse6(&rx, src, &mut adv) {
            Ok(()) => self.dispatch(&adv, src, rx.ifindex, now, out),
            Err(e) => {
                let vrid = rx.payload.get(1).copied();
                self.rx_error(e, Some(src), rx.ifindex, Family::V6, vrid, now, out);
            }
        }
    }

    fn dispatch(
        &mut self,
        adv: &Advert,
        src: IpAddr,
        ifindex: u32,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        match self.find(ifindex, Family::of(&src), adv.vrid) {
            Some(i) if !self.slots[i].waiting_to_start() => {
                self.drive(i, Event::Advert { advert: adv, src }, now, out);
            }
            Some(_) => {}
            None => self.rx_errors[RxError::UnknownVrid.index()] += 1,
        }
    }

    /// Count a dropped packet: globally, and on the instance it was meant
    /// for when its VRID names one on that interface (keepalived counts
    /// them per instance too).
    #[allow(clippy::too_many_arguments)]
    fn rx_error(
        &mut self,
        e: RxError,
        src: Option<IpAddr>,
        ifindex: u32,
        family: Family,
        vrid: Option<u8>,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        self.rx_errors[e.index()] += 1;
        match vrid.and_then(|v| self.find(ifindex, family, v)) {
            Some(i) => {
                let s = &mut self.slots[i];
                s.inst.stats_mut().rejected[e.index()] += 1;
                s.log_reject(e, now, out);
            }
            None => {
                let last = &mut self.last_global_reject_log;
                if last.is_some_and(|t| now.saturating_since(t) < REJECT_LOG_INTERVAL) {
                    return;
                }
                *last = Some(now);
                let count = self.rx_errors[e.index()];
                note(
                    out,
                    Note::Dropped {
                        from: src,
                        why: e,
                        count,
                    },
                );
            }
        }
    }
}

/// Parsed into `adv` where it lies (no advert moved through the result);
/// the source address. A drop says its source, when the IP header was
/// read, and the VRRP header's VRID, when there is one (whose counters
/// it belongs to): read here, not from a second parse of the header.
fn parse4(buf: &[u8], adv: &mut Advert) -> Result<IpAddr, (RxError, Option<IpAddr>, Option<u8>)> {
    let pkt = ipv4::Packet::new_checked(buf).map_err(|e| (RxError::from(e), None, None))?;
    let src = IpAddr::V4(pkt.src_addr());
    let payload = pkt.payload();
    let vrid = payload.get(1).copied();
    pkt.check_vrrp()
        .map_err(|e| (RxError::from(e), Some(src), vrid))?;
    let dst = IpAddr::V4(pkt.dst_addr());
    Advert::parse_into(payload, src, dst, adv).map_err(|e| (e, Some(src), vrid))?;
    Ok(src)
}

/// `src` is `rx.src`, made an IpAddr once by the caller (17 bytes written
/// byte-wise on MIPS: one copy less; size: issue 17).
fn parse6(rx: &Rx6<'_>, src: IpAddr, adv: &mut Advert) -> Result<(), RxError> {
    // RFC 5798 §7.1: hop limit 255. Only multicast adverts are held to it:
    // unicast ones to configured peers may cross routers.
    if rx.dst.is_multicast() && rx.hop_limit != 255 {
        return Err(RxError::BadTtl);
    }
    Advert::parse_into(rx.payload, src, IpAddr::V6(rx.dst), adv)?;
    Ok(())
}
