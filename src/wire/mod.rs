//! Bytes only: parse and emit of every packet the daemon reads or writes.
//! No sockets, no clock, no allocation; every parser is length-checked.

pub mod addr;
pub mod arp;
pub mod checksum;
pub mod dns;
pub mod ipv4;
pub mod link;
pub mod ndisc;
pub mod netlink;
pub mod route;
pub mod smtp;
pub mod vrrp;

/// Why a frame or message could not be built (ARP, NA, IPv4 header,
/// netlink). VRRP adverts have their own [`vrrp::TxError`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// The caller's buffer is shorter than the message.
    BufferTooSmall,
    /// A length field cannot hold the value (IPv4 total length, netlink
    /// attribute length) or a string attribute is over its kernel limit.
    TooLong,
    /// Addresses of different families where one is required.
    BadFamily,
}

/// A MAC address.
pub type Mac = [u8; 6];

/// Copies `bytes` into `buf` at `*at` and advances `*at`; the shared
/// cursor of the emitters.
pub(crate) fn put(buf: &mut [u8], at: &mut usize, bytes: &[u8]) -> Result<(), EmitError> {
    let end = at.checked_add(bytes.len()).ok_or(EmitError::TooLong)?;
    buf.get_mut(*at..end)
        .ok_or(EmitError::BufferTooSmall)?
        .copy_from_slice(bytes);
    *at = end;
    Ok(())
}
