//! The raw IPv4 socket for IP protocol 112: receive with the arrival
//! interface (IP_PKTINFO), send with our own header (IP_HDRINCL) out of a
//! chosen interface.

use core::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{Result, SysError, check, check_size, setsockopt, socket};
use crate::wire::vrrp::IPPROTO_VRRP;

pub struct Raw4 {
    fd: OwnedFd,
}

/// Room for one IP_PKTINFO control message, aligned for cmsghdr.
#[repr(C, align(8))]
struct CmsgBuf([u8; 64]);

impl Raw4 {
    pub fn open() -> Result<Raw4> {
        let fd = socket(
            libc::AF_INET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK,
            libc::c_int::from(IPPROTO_VRRP),
            "socket(AF_INET, SOCK_RAW, 112)",
        )?;
        let one: libc::c_int = 1;
        let zero: libc::c_int = 0;
        setsockopt(
            &fd,
            libc::IPPROTO_IP,
            libc::IP_HDRINCL,
            &one,
            "setsockopt(IP_HDRINCL)",
        )?;
        setsockopt(
            &fd,
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            &one,
            "setsockopt(IP_PKTINFO)",
        )?;
        // Our own adverts must not come back to us.
        setsockopt(
            &fd,
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_LOOP,
            &zero,
            "setsockopt(IP_MULTICAST_LOOP)",
        )?;
        Ok(Raw4 { fd })
    }

    /// Join `group` on interface `ifindex`. Joining twice is not an error.
    pub fn join(&self, group: Ipv4Addr, ifindex: u32) -> Result<()> {
        let mreq = libc::ip_mreqn {
            imr_multiaddr: libc::in_addr {
                s_addr: u32::from_ne_bytes(group.octets()),
            },
            imr_address: libc::in_addr { s_addr: 0 },
            imr_ifindex: libc::c_int::try_from(ifindex).unwrap_or(0),
        };
        match setsockopt(
            &self.fd,
            libc::IPPROTO_IP,
            libc::IP_ADD_MEMBERSHIP,
            &mreq,
            "setsockopt(IP_ADD_MEMBERSHIP)",
        ) {
            Err(e) if e.errno == nix::errno::Errno::EADDRINUSE => Ok(()),
            other => other,
        }
    }

    /// Receive one IP packet (header included) into `buf`: its length and
    /// the index of the interface it arrived on. None when nothing waits.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Option<(usize, u32)>> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut cmsg = CmsgBuf([0; 64]);
        // SAFETY: msghdr is plain data; zeroed is a valid empty value.
        let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.0.as_mut_ptr().cast();
        msg.msg_controllen = cmsg.0.len() as _;
        // SAFETY: msg points at live buffers for the duration of the call.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if n < 0 {
            let e = SysError::last("recvmsg");
            if e.errno == nix::errno::Errno::EAGAIN {
                return Ok(None);
            }
            return Err(e);
        }
        let len = check_size("recvmsg", n)?;
        let mut ifindex = 0u32;
        // SAFETY: the CMSG_* macros walk the control buffer the kernel
        // filled in, bounded by msg_controllen.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::IPPROTO_IP && (*c).cmsg_type == libc::IP_PKTINFO {
                    let info: libc::in_pktinfo =
                        core::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    ifindex = u32::try_from(info.ipi_ifindex).unwrap_or(0);
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Ok(Some((len, ifindex)))
    }

    /// Send one IP packet (our header included) to `dst` out of `ifindex`.
    pub fn send(&self, packet: &[u8], dst: Ipv4Addr, ifindex: u32) -> Result<()> {
        let mut sa: libc::sockaddr_in = unsafe_zeroed();
        sa.sin_family = libc::AF_INET as libc::sa_family_t;
        sa.sin_addr.s_addr = u32::from_ne_bytes(dst.octets());
        let mut iov = libc::iovec {
            iov_base: packet.as_ptr() as *mut libc::c_void,
            iov_len: packet.len(),
        };
        let mut cmsg = CmsgBuf([0; 64]);
        let mut msg: libc::msghdr = unsafe_zeroed();
        msg.msg_name = (&mut sa as *mut libc::sockaddr_in).cast();
        msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in>() as _;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        // The outgoing interface for multicast rides in IP_PKTINFO.
        // SAFETY: CMSG_SPACE/LEN are pure arithmetic.
        let space = unsafe { libc::CMSG_SPACE(core::mem::size_of::<libc::in_pktinfo>() as u32) };
        msg.msg_control = cmsg.0.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: the control buffer holds `space` bytes (64 >= 32), and
        // CMSG_FIRSTHDR of a non-empty control buffer is non-null.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::IPPROTO_IP;
            (*c).cmsg_type = libc::IP_PKTINFO;
            (*c).cmsg_len = libc::CMSG_LEN(core::mem::size_of::<libc::in_pktinfo>() as u32) as _;
            let info = libc::in_pktinfo {
                ipi_ifindex: libc::c_int::try_from(ifindex).unwrap_or(0),
                ipi_spec_dst: libc::in_addr { s_addr: 0 },
                ipi_addr: libc::in_addr { s_addr: 0 },
            };
            core::ptr::write_unaligned(libc::CMSG_DATA(c).cast(), info);
        }
        // SAFETY: msg points at live buffers for the duration of the call.
        let n = unsafe { libc::sendmsg(self.fd.as_raw_fd(), &msg, libc::MSG_DONTWAIT) };
        check("sendmsg(raw IPv4)", i32::try_from(n).unwrap_or(-1)).map(|_| ())
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// A zeroed C struct (sockaddr, msghdr): all-zero is valid for these.
fn unsafe_zeroed<T: Copy>() -> T {
    // SAFETY: only used with plain-old-data libc structs.
    unsafe { core::mem::zeroed() }
}
