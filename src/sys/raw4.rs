//! The raw IPv4 socket for IP protocol 112: receive with the arrival
//! interface (IP_PKTINFO), send with our own header (IP_HDRINCL) out of a
//! chosen interface.

use core::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::msg::{self, RxBatch, TxBatch, zeroed};
use super::{Result, setsockopt, socket};
use crate::wire::vrrp::IPPROTO_VRRP;

pub struct Raw4 {
    fd: OwnedFd,
}

/// The options [`Raw4::open`] sets, in order: a table in read-only data,
/// not a call each (size: issue 17). Multicast loop off: our own adverts
/// must not come back to us.
const RAW4_OPTS: [(libc::c_int, libc::c_int, &str); 3] = [
    (libc::IP_HDRINCL, 1, "setsockopt(IP_HDRINCL)"),
    (libc::IP_PKTINFO, 1, "setsockopt(IP_PKTINFO)"),
    (libc::IP_MULTICAST_LOOP, 0, "setsockopt(IP_MULTICAST_LOOP)"),
];

impl Raw4 {
    pub fn open() -> Result<Raw4> {
        let fd = socket(
            libc::AF_INET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK,
            libc::c_int::from(IPPROTO_VRRP),
            "socket(AF_INET, SOCK_RAW, 112)",
        )?;
        for &(name, value, op) in RAW4_OPTS.iter() {
            setsockopt(&fd, libc::IPPROTO_IP, name, &value, op)?;
        }
        Ok(Raw4 { fd })
    }

    /// Join `group` on interface `ifindex`. Joining twice is not an error.
    pub fn join(&self, group: Ipv4Addr, ifindex: u32) -> Result<()> {
        self.membership(group, ifindex, true)
    }

    /// Leave `group` on interface `ifindex`; also after the interface is
    /// gone (the membership would otherwise count against the socket's
    /// limit, igmp_max_memberships). Not a member is not an error.
    pub fn leave(&self, group: Ipv4Addr, ifindex: u32) -> Result<()> {
        self.membership(group, ifindex, false)
    }

    /// [`join`](Self::join) (`join` true) or [`leave`](Self::leave).
    pub(crate) fn membership(&self, group: Ipv4Addr, ifindex: u32, join: bool) -> Result<()> {
        let mreq = libc::ip_mreqn {
            imr_multiaddr: libc::in_addr {
                s_addr: u32::from_ne_bytes(group.octets()),
            },
            imr_address: libc::in_addr { s_addr: 0 },
            imr_ifindex: libc::c_int::try_from(ifindex).unwrap_or(0),
        };
        let (opt, what, harmless) = if join {
            (
                libc::IP_ADD_MEMBERSHIP,
                "setsockopt(IP_ADD_MEMBERSHIP)",
                nix::errno::Errno::EADDRINUSE,
            )
        } else {
            (
                libc::IP_DROP_MEMBERSHIP,
                "setsockopt(IP_DROP_MEMBERSHIP)",
                nix::errno::Errno::EADDRNOTAVAIL,
            )
        };
        match setsockopt(&self.fd, libc::IPPROTO_IP, opt, &mreq, what) {
            Err(e) if e.errno == harmless => Ok(()),
            other => other,
        }
    }

    /// Receive up to `max` IP packets into `b` with one `recvmmsg`: how
    /// many (0 when nothing waits). Read them with [`Raw4::packet`].
    pub fn recv_batch(&self, b: &mut RxBatch, max: usize) -> Result<usize> {
        let namelen = core::mem::size_of::<libc::sockaddr_in>();
        msg::recv_batch(self.fd.as_raw_fd(), b, max, namelen)
    }

    /// Packet `i` of the last batch (IP header included) and the index
    /// of the interface it arrived on.
    pub fn packet(b: &RxBatch, i: usize) -> (&[u8], u32) {
        let mut ifindex = 0u32;
        let (data, _from): (_, libc::sockaddr_in) = msg::batch_item(b, i, |level, ty, data| {
            if level == libc::IPPROTO_IP && ty == libc::IP_PKTINFO {
                // SAFETY: an IP_PKTINFO control message holds in_pktinfo.
                let info: libc::in_pktinfo = unsafe { msg::cmsg_data(data) };
                ifindex = u32::try_from(info.ipi_ifindex).unwrap_or(0);
            }
        });
        (data, ifindex)
    }

    /// Queue the IP packet built in `b`'s next buffer (our header
    /// included, `len` bytes) for `dst` out of `ifindex`. The caller
    /// checked that `b` takes a datagram for this socket.
    pub fn queue(&self, b: &mut TxBatch, len: usize, dst: Ipv4Addr, ifindex: u32) {
        let to = msg::sockaddr4(dst, 0);
        // The outgoing interface for multicast rides in IP_PKTINFO.
        let mut info: libc::in_pktinfo = zeroed();
        info.ipi_ifindex = libc::c_int::try_from(ifindex).unwrap_or(0);
        msg::queue(
            b,
            self.fd.as_raw_fd(),
            "sendmmsg(raw IPv4)",
            len,
            &to,
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            &info,
        );
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
