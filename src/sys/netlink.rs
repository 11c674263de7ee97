//! NETLINK_ROUTE sockets. The daemon has two: one subscribed to link and
//! address events, which also carries the address requests whose acks the
//! poll loop reads; and one subscribed to nothing for dumps and requests
//! answered on the spot. A dump on the event socket would have to read past
//! (and so lose) the notifications queued before its replies.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{Result, SysError, check, check_size, setsockopt, socket};

pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

impl Netlink {
    /// The event socket: link events (an interface going down, deleted or
    /// re-created) and address events (a re-created interface getting its
    /// address), IPv4 and IPv6.
    pub fn open_events() -> Result<Netlink> {
        let groups = libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV6_IFADDR;
        Netlink::open(groups as u32)
    }

    /// A socket for dumps and requests read to their end at once: it
    /// receives nothing but the replies to what it sent.
    pub fn open_requests() -> Result<Netlink> {
        Netlink::open(0)
    }

    fn open(groups: u32) -> Result<Netlink> {
        let fd = socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK,
            libc::NETLINK_ROUTE,
            "socket(AF_NETLINK)",
        )?;
        // SAFETY: sockaddr_nl is plain data; all-zero is valid.
        let mut sa: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        sa.nl_groups = groups;
        let ret = super::sock_addr_call(libc::SYS_bind, fd.as_raw_fd(), &sa);
        check("bind(AF_NETLINK)", ret)?;
        // Link events may burst; a larger queue avoids ENOBUFS.
        let rcvbuf: libc::c_int = 256 * 1024;
        let _ = setsockopt(
            &fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &rcvbuf,
            "setsockopt(SO_RCVBUF)",
        );
        Ok(Netlink { fd, seq: 1 })
    }

    /// A fresh sequence number for a request.
    pub fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1).max(1);
        self.seq
    }

    pub fn send(&self, msg: &[u8]) -> Result<()> {
        // SAFETY: sockaddr_nl is plain data; pid 0 addresses the kernel.
        let mut sa: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        let to = (&raw const sa).cast();
        let n = super::send_to(self.fd.as_raw_fd(), msg, 0, to, size_of_val(&sa));
        check_size("sendto(AF_NETLINK)", n).map(|_| ())
    }

    /// Read one datagram (possibly several messages); None when empty.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Option<usize>> {
        let n = super::recv(self.fd.as_raw_fd(), buf, libc::MSG_DONTWAIT);
        if n < 0 {
            let e = SysError::last("recv(AF_NETLINK)");
            if e.errno == nix::errno::Errno::EAGAIN {
                return Ok(None);
            }
            return Err(e);
        }
        check_size("recv(AF_NETLINK)", n).map(Some)
    }

    /// Wait up to `timeout_ms` for the socket to become readable.
    pub fn wait(&self, timeout_ms: i32) -> Result<bool> {
        let mut p = [super::poll::pollfd(self.as_raw_fd())];
        Ok(super::poll::poll(&mut p, timeout_ms)? > 0)
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
