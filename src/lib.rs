//! tinyvrrpd: a VRRP daemon that reads keepalived.conf.
//!
//! `config`, `wire`, `vrrp`, `node` and `time` are pure: no sockets, no
//! clock, no logging. All I/O lives in `sys` and the poll loop in `daemon`.

pub mod cmdline;
pub mod config;
pub mod daemon;
pub mod dump;
pub mod limits;
pub mod node;
pub mod sys;
pub mod time;
pub mod vrrp;
pub mod wire;
