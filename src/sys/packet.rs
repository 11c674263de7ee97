//! The PF_PACKET socket that writes gratuitous ARPs and unsolicited
//! neighbour advertisements as whole Ethernet frames. Send-only: protocol
//! 0 receives nothing, and a drop-all filter makes sure of it.

use std::os::fd::{AsRawFd, OwnedFd};

use super::{Result, attach_drop_all, check_size, socket};
use crate::wire::Mac;

pub struct PacketSock {
    fd: OwnedFd,
}

impl PacketSock {
    pub fn open() -> Result<PacketSock> {
        let fd = socket(
            libc::AF_PACKET,
            libc::SOCK_RAW,
            0,
            "socket(AF_PACKET, SOCK_RAW)",
        )?;
        attach_drop_all(&fd)?;
        Ok(PacketSock { fd })
    }

    /// Send a complete Ethernet frame out of `ifindex` to `dst`.
    pub fn send(&self, frame: &[u8], ifindex: u32, dst: Mac, ethertype: u16) -> Result<()> {
        // SAFETY: sockaddr_ll is plain data; all-zero is valid.
        let mut sa: libc::sockaddr_ll = unsafe { core::mem::zeroed() };
        sa.sll_family = libc::AF_PACKET as u16;
        sa.sll_protocol = ethertype.to_be();
        sa.sll_ifindex = libc::c_int::try_from(ifindex).unwrap_or(0);
        sa.sll_halen = 6;
        sa.sll_addr[..6].copy_from_slice(&dst);
        let to = (&raw const sa).cast();
        let n = super::send_to(
            self.fd.as_raw_fd(),
            frame,
            libc::MSG_DONTWAIT,
            to,
            size_of_val(&sa),
        );
        check_size("sendto(AF_PACKET)", n).map(|_| ())
    }
}
