//! The raw IPv6 socket for protocol 112 (VRRPv3 over IPv6). The kernel
//! writes the IPv6 header: hop limit 255 is set on the socket, the source
//! (our link-local address) and the interface ride in IPV6_PKTINFO. On
//! receive the hop limit and the destination come as control messages,
//! since a raw IPv6 socket never sees the header.

use core::net::Ipv6Addr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::msg::{self, RxBatch, TxBatch};
use super::{Result, setsockopt, socket};
use crate::wire::vrrp::IPPROTO_VRRP;

/// struct in6_pktinfo of <linux/ipv6.h> (libc has it for other systems only).
#[repr(C)]
#[derive(Copy, Clone)]
struct In6Pktinfo {
    addr: [u8; 16],
    ifindex: libc::c_int,
}

/// What arrived with a datagram.
#[derive(Copy, Clone, Debug)]
pub struct Rx6 {
    pub len: usize,
    pub ifindex: u32,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
}

pub struct Raw6 {
    fd: OwnedFd,
}

/// The options [`Raw6::open`] sets, in order: a table in read-only data,
/// not one built on the stack (size: issue 17). 255 hops: VRRP's TTL;
/// traffic class 0xc0 is keepalived's, like TOS 0xc0 for IPv4.
const RAW6_OPTS: [(libc::c_int, libc::c_int, &str); 6] = [
    (libc::IPV6_RECVPKTINFO, 1, "setsockopt(IPV6_RECVPKTINFO)"),
    (libc::IPV6_RECVHOPLIMIT, 1, "setsockopt(IPV6_RECVHOPLIMIT)"),
    (
        libc::IPV6_MULTICAST_LOOP,
        0,
        "setsockopt(IPV6_MULTICAST_LOOP)",
    ),
    (
        libc::IPV6_MULTICAST_HOPS,
        255,
        "setsockopt(IPV6_MULTICAST_HOPS)",
    ),
    (
        libc::IPV6_UNICAST_HOPS,
        255,
        "setsockopt(IPV6_UNICAST_HOPS)",
    ),
    (libc::IPV6_TCLASS, 0xc0, "setsockopt(IPV6_TCLASS)"),
];

impl Raw6 {
    pub fn open() -> Result<Raw6> {
        let fd = socket(
            libc::AF_INET6,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK,
            libc::c_int::from(IPPROTO_VRRP),
            "socket(AF_INET6, SOCK_RAW, 112)",
        )?;
        for &(name, value, op) in RAW6_OPTS.iter() {
            setsockopt(&fd, libc::IPPROTO_IPV6, name, &value, op)?;
        }
        Ok(Raw6 { fd })
    }

    /// Join `group` on interface `ifindex`. Joining twice is not an error.
    pub fn join(&self, group: Ipv6Addr, ifindex: u32) -> Result<()> {
        self.membership(group, ifindex, true)
    }

    /// Leave `group` on interface `ifindex`, also after the interface is
    /// gone. Not a member is not an error.
    pub fn leave(&self, group: Ipv6Addr, ifindex: u32) -> Result<()> {
        self.membership(group, ifindex, false)
    }

    /// [`join`](Self::join) (`join` true) or [`leave`](Self::leave).
    pub(crate) fn membership(&self, group: Ipv6Addr, ifindex: u32, join: bool) -> Result<()> {
        let mreq = libc::ipv6_mreq {
            ipv6mr_multiaddr: libc::in6_addr {
                s6_addr: group.octets(),
            },
            ipv6mr_interface: ifindex as _,
        };
        let (opt, what, harmless) = if join {
            (
                libc::IPV6_ADD_MEMBERSHIP,
                "setsockopt(IPV6_ADD_MEMBERSHIP)",
                nix::errno::Errno::EADDRINUSE,
            )
        } else {
            (
                libc::IPV6_DROP_MEMBERSHIP,
                "setsockopt(IPV6_DROP_MEMBERSHIP)",
                nix::errno::Errno::EADDRNOTAVAIL,
            )
        };
        match setsockopt(&self.fd, libc::IPPROTO_IPV6, opt, &mreq, what) {
            Err(e) if e.errno == harmless => Ok(()),
            other => other,
        }
    }

    /// Receive up to `max` VRRP messages into `b` with one `recvmmsg`:
    /// how many (0 when nothing waits). Read them with [`Raw6::packet`].
    pub fn recv_batch(&self, b: &mut RxBatch, max: usize) -> Result<usize> {
        let namelen = core::mem::size_of::<libc::sockaddr_in6>();
        msg::recv_batch(self.fd.as_raw_fd(), b, max, namelen)
    }

    /// Message `i` of the last batch (no IP header) and what came with it.
    pub fn packet(b: &RxBatch, i: usize) -> (&[u8], Rx6) {
        let mut rx = Rx6 {
            len: 0,
            ifindex: 0,
            src: Ipv6Addr::UNSPECIFIED,
            dst: Ipv6Addr::UNSPECIFIED,
            hop_limit: 0,
        };
        let (data, from): (_, libc::sockaddr_in6) = msg::batch_item(b, i, |level, ty, data| {
            if level != libc::IPPROTO_IPV6 {
                return;
            }
            if ty == libc::IPV6_PKTINFO {
                // SAFETY: an IPV6_PKTINFO control message holds in6_pktinfo.
                let info: In6Pktinfo = unsafe { msg::cmsg_data(data) };
                rx.dst = Ipv6Addr::from(info.addr);
                rx.ifindex = u32::try_from(info.ifindex).unwrap_or(0);
            } else if ty == libc::IPV6_HOPLIMIT {
                // SAFETY: an IPV6_HOPLIMIT control message holds an int.
                let hl: libc::c_int = unsafe { msg::cmsg_data(data) };
                rx.hop_limit = u8::try_from(hl).unwrap_or(0);
            }
        });
        let rx = Rx6 {
            len: data.len(),
            src: Ipv6Addr::from(from.sin6_addr.s6_addr),
            ..rx
        };
        (data, rx)
    }

    /// Queue the VRRP message built in `b`'s next buffer (`len` bytes)
    /// from `src` to `dst` out of `ifindex`. The caller checked that `b`
    /// takes a datagram for this socket.
    pub fn queue(&self, b: &mut TxBatch, len: usize, src: Ipv6Addr, dst: Ipv6Addr, ifindex: u32) {
        let to = msg::sockaddr6(dst, 0, ifindex);
        let info = In6Pktinfo {
            addr: src.octets(),
            ifindex: libc::c_int::try_from(ifindex).unwrap_or(0),
        };
        msg::queue(
            b,
            self.fd.as_raw_fd(),
            "sendmmsg(raw IPv6)",
            len,
            &to,
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            &info,
        );
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
