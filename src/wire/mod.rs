//! Bytes only: parse and emit of every packet the daemon reads or writes.
//! No sockets, no clock, no allocation; every parser is length-checked.

pub mod arp;
pub mod checksum;
pub mod ipv4;
pub mod ndisc;
pub mod netlink;
pub mod vrrp;
