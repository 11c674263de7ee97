//! rtnetlink link requests, hand-coded: the macvlan keepalived calls a VMAC
//! (`use_vmac`), created, brought up and deleted as keepalived 2.2.7 does
//! (vrrp_vmac.c `netlink_link_add_vmac`, `netlink_link_up`,
//! `netlink_link_del_vmac`).
//!
//! ```text
//! RTM_NEWLINK  ifinfomsg(AF_UNSPEC, index 0)
//!              IFLA_LINKINFO { IFLA_INFO_KIND "macvlan",
//!                              IFLA_INFO_DATA { IFLA_MACVLAN_MODE private } }
//!              IFLA_LINK base index, IFLA_IFNAME name, IFLA_ADDRESS mac
//! RTM_NEWLINK  ifinfomsg(AF_UNSPEC, index, flags IFF_UP, change IFF_UP)
//! RTM_DELLINK  ifinfomsg(AF_UNSPEC, index)
//! ```

use super::netlink::{
    AF_UNSPEC, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, Writer, put_name,
};
use super::{EmitError, Mac};

/// <linux/if_link.h>: IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_LINKINFO,
/// IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE.
const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_LINK: u16 = 5;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_MACVLAN_MODE: u16 = 1;
pub const MACVLAN_MODE_PRIVATE: u32 = 1;
const IFF_UP: u32 = libc::IFF_UP as u32;

fn put_ifinfomsg(w: &mut Writer<'_>, index: u32, flags: u32, change: u32) {
    // AF_UNSPEC, a pad byte and ifi_type 0.
    w.put(&[AF_UNSPEC, 0, 0, 0]);
    w.put_u32(index);
    w.put_u32(flags);
    w.put_u32(change);
}

/// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: a private-mode macvlan `name`
/// on interface `base` with address `mac`, left down.
pub fn new_macvlan(
    buf: &mut [u8],
    seq: u32,
    name: &str,
    base: u32,
    mac: Mac,
) -> Result<usize, EmitError> {
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    let mut w = Writer::new(buf, libc::RTM_NEWLINK, flags, seq);
    put_ifinfomsg(&mut w, 0, 0, 0);
    let info = w.begin_nest(IFLA_LINKINFO);
    w.attr(IFLA_INFO_KIND, b"macvlan");
    let data = w.begin_nest(IFLA_INFO_DATA);
    w.attr_u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE);
    w.end_nest(data);
    w.end_nest(info);
    w.attr_u32(IFLA_LINK, base);
    if name.is_empty() {
        w.fail(EmitError::TooLong);
    }
    put_name(&mut w, IFLA_IFNAME, name);
    w.attr(IFLA_ADDRESS, &mac);
    w.finish()
}

/// RTM_NEWLINK on `index`: set it up (`up`) or down.
pub fn set_up(buf: &mut [u8], seq: u32, index: u32, up: bool) -> Result<usize, EmitError> {
    let mut w = Writer::new(buf, libc::RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    put_ifinfomsg(&mut w, index, if up { IFF_UP } else { 0 }, IFF_UP);
    w.finish()
}

/// RTM_DELLINK of `index`.
pub fn del_link(buf: &mut [u8], seq: u32, index: u32) -> Result<usize, EmitError> {
    let mut w = Writer::new(buf, libc::RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    put_ifinfomsg(&mut w, index, 0, 0);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_ne_bytes([b[at], b[at + 1]])
    }

    #[test]
    fn macvlan_request_nests_kind_and_mode() {
        let mut buf = [0u8; 256];
        let mac = [0, 0, 0x5e, 0, 1, 51];
        let n = new_macvlan(&mut buf, 7, "vrrp.51", 4, mac).unwrap();
        let b = &buf[..n];
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, n);
        assert_eq!(u16_at(b, 4), libc::RTM_NEWLINK);
        // ifinfomsg: 16 bytes after the header, index 0.
        assert_eq!(&b[20..24], &0u32.to_ne_bytes());
        // IFLA_LINKINFO holds the kind (4+8) and the data (4 + 8).
        let info = 32;
        assert_eq!(u16_at(b, info + 2), IFLA_LINKINFO);
        assert_eq!(u16_at(b, info) as usize, 4 + 12 + 12);
        assert_eq!(&b[info + 8..info + 15], b"macvlan");
        let data = info + 16;
        assert_eq!(u16_at(b, data + 2), IFLA_INFO_DATA);
        assert_eq!(u16_at(b, data) as usize, 12);
        assert_eq!(&b[data + 8..data + 12], &1u32.to_ne_bytes());
        let link = info + 28;
        assert_eq!(u16_at(b, link + 2), IFLA_LINK);
        assert_eq!(&b[link + 4..link + 8], &4u32.to_ne_bytes());
        let name = link + 8;
        assert_eq!(u16_at(b, name + 2), IFLA_IFNAME);
        assert_eq!(&b[name + 4..name + 12], b"vrrp.51\0");
        let addr = name + 12;
        assert_eq!(u16_at(b, addr + 2), IFLA_ADDRESS);
        assert_eq!(&b[addr + 4..addr + 10], &mac);
        assert_eq!(n, addr + 12);
    }

    #[test]
    fn names_over_the_kernel_limit_are_refused() {
        let mut buf = [0u8; 256];
        let long = "vrrp.0123456789ab";
        assert_eq!(
            new_macvlan(&mut buf, 1, long, 4, [0; 6]),
            Err(EmitError::TooLong)
        );
        assert_eq!(
            new_macvlan(&mut buf, 1, "", 4, [0; 6]),
            Err(EmitError::TooLong)
        );
    }

    #[test]
    fn up_and_delete_name_the_index() {
        let mut buf = [0u8; 64];
        let n = set_up(&mut buf, 1, 9, true).unwrap();
        assert_eq!(n, 32);
        assert_eq!(&buf[20..24], &9u32.to_ne_bytes());
        assert_eq!(&buf[24..28], &(libc::IFF_UP as u32).to_ne_bytes());
        assert_eq!(&buf[28..32], &(libc::IFF_UP as u32).to_ne_bytes());
        let n = del_link(&mut buf, 2, 9).unwrap();
        assert_eq!(n, 32);
        assert_eq!(u16_at(&buf, 4), libc::RTM_DELLINK);
    }
}
