//! Carrying out `Out::Vmac`: the VMAC created, set and brought up (or
//! deleted) through the request socket, waiting for each answer (rare:
//! start, stop, reload, an interface appearing), with the kernel settings
//! keepalived 2.2.7 applies (vrrp_if_config.c): on an IPv4 VMAC
//! arp_ignore=1, accept_local=1, rp_filter=0, promote_secondaries=1; on its
//! base arp_ignore=1 and arp_filter=1, put back as they were when the last
//! VMAC on it goes.

use core::fmt;

use super::dumps;
use super::io::Io;
use crate::log;
use crate::node::out::VmacReq;
use crate::sys::file::OsError;
use crate::sys::log::Level;
use crate::sys::{SysError, sysctl};
use crate::wire::netlink::{self as nl, AddrRequest};
use crate::wire::{EmitError, link};

/// Why a request about a VMAC failed.
enum Fail {
    /// It could not be built.
    Request(EmitError),
    Sys(SysError),
    /// The VMAC was not there once created.
    Gone,
}

/// Why creating or removing a VMAC failed, as its log line says it:
/// with `ll`, while adding that link-local address. Displayed where it is
/// logged, not formatted into Strings on the way (issue 17: size).
struct VmacError {
    ll: Option<core::net::Ipv6Addr>,
    why: Fail,
}

impl From<Fail> for VmacError {
    fn from(why: Fail) -> VmacError {
        VmacError { ll: None, why }
    }
}

impl fmt::Display for VmacError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ll) = self.ll {
            write!(
                f,
                "adding link-local address {}: ",
                crate::wire::addr::Ip::from(ll)
            )?;
        }
        match &self.why {
            Fail::Request(e) => write!(f, "request: {}", super::io::emit_error_name(*e)),
            Fail::Sys(e) => fmt::Display::fmt(e, f),
            Fail::Gone => f.write_str("gone once created"),
        }
    }
}

/// A base interface of IPv4 VMACs: its settings before the first one came.
pub struct Base {
    name: String,
    arp_ignore: Option<u32>,
    arp_filter: Option<u32>,
    vmacs: u32,
}

const VMAC_SYSCTL: [(&str, u32); 4] = [
    ("arp_ignore", 1),
    ("accept_local", 1),
    ("rp_filter", 0),
    ("promote_secondaries", 1),
];

impl Io {
    pub(super) fn vmac(&mut self, req: &VmacReq<'_>) {
        let done = if req.add {
            self.add_vmac(req)
        } else {
            self.del_vmac(req)
        };
        let (inst, name) = (req.instance, req.name);
        match done {
            Ok(()) => {
                let verb = if req.add { "creating" } else { "removing" };
                log!(
                    self.log,
                    Level::Info,
                    "({inst}) Success {verb} VMAC interface {name}"
                );
            }
            Err(e) => {
                let verb = if req.add { "create" } else { "remove" };
                log!(
                    self.log,
                    Level::Error,
                    "({inst}) Unable to {verb} VMAC interface {name}: {e}"
                );
            }
        }
    }

    /// `VMAC[ base] NAME: [re]setting KEY: ERROR`, a warning: the sysctl
    /// failures of a VMAC and of its base in one log line.
    #[inline(never)]
    fn sysctl_failed(&mut self, what: &str, name: &str, verb: &str, key: &str, e: &OsError) {
        // `*e`: formatted as an OsError, not through `&OsError`'s Display
        // (its own forwarding function; size: issue 17).
        log!(
            self.log,
            Level::Warning,
            "{what} {name}: {verb} {key}: {}",
            *e
        );
    }

    /// The sequence number of a request and the buffer to build it in
    /// (the transmit buffer: [`Io::talk`] sends it from there). Not
    /// inlined: one copy for the four requests.
    #[inline(never)]
    fn request(&mut self) -> (u32, &mut [u8]) {
        (self.nl_dump.next_seq(), &mut self.tx[..])
    }

    /// Send the request `built` in the buffer of [`Io::request`] with
    /// `seq`, and wait for the kernel's answer. Built by the caller, not
    /// through a `dyn Fn` builder: no closure and vtable per request kind.
    fn talk(&mut self, seq: u32, built: Result<usize, EmitError>) -> Result<(), Fail> {
        let len = built.map_err(Fail::Request)?;
        let sent = self.nl_dump.send(self.tx.get(..len).unwrap_or_default());
        // The answer read into the transmit buffer, free once the request
        // is sent: no buffer of its own zeroed on the stack (size: issue
        // 17).
        sent.and_then(|()| dumps::wait_ack(&mut self.nl_dump, &mut self.tx[..], seq))
            .map_err(Fail::Sys)
    }

    fn add_vmac(&mut self, req: &VmacReq<'_>) -> Result<(), VmacError> {
        let (name, base, mac) = (req.name, req.base_index, req.mac);
        let (seq, b) = self.request();
        let built = link::new_macvlan(b, seq, name, base, mac);
        self.talk(seq, built)?;
        let index = crate::sys::if_index(name).ok_or(Fail::Gone)?;
        // Before it is up: no link-local address of its own.
        let _ = sysctl::write("ipv6", name, "addr_gen_mode", 1);
        if req.ipv6_off {
            let _ = sysctl::write("ipv6", name, "disable_ipv6", 1);
        }
        if !req.v6 {
            for &(key, value) in &VMAC_SYSCTL {
                if let Err(e) = sysctl::write("ipv4", name, key, value) {
                    self.sysctl_failed("VMAC", name, "setting", key, &e);
                }
            }
            self.vmac_base_set(req.base);
        }
        let (seq, b) = self.request();
        let built = link::set_up(b, seq, index, true);
        self.talk(seq, built)?;
        if let Some(ll) = req.ll6 {
            let r = AddrRequest {
                index,
                addr: ll.into(),
                prefix_len: 64,
                scope: 0,
                broadcast: None,
                label: None,
            };
            let (seq, b) = self.request();
            let built = nl::new_addr(b, seq, &r);
            self.talk(seq, built)
                .map_err(|why| VmacError { ll: Some(ll), why })?;
        }
        Ok(())
    }

    fn del_vmac(&mut self, req: &VmacReq<'_>) -> Result<(), VmacError> {
        if !req.v6 {
            self.vmac_base_reset(req.base);
        }
        let (seq, b) = self.request();
        let built = link::del_link(b, seq, req.index);
        Ok(self.talk(seq, built)?)
    }

    /// The first VMAC on `base`: arp_ignore and arp_filter to 1, the old
    /// values kept.
    fn vmac_base_set(&mut self, base: &str) {
        if let Some(b) = self.vmac_bases.iter_mut().find(|b| b.name == base) {
            b.vmacs += 1;
            return;
        }
        let b = Base {
            name: base.to_string(),
            arp_ignore: sysctl::read("ipv4", base, "arp_ignore"),
            arp_filter: sysctl::read("ipv4", base, "arp_filter"),
            vmacs: 1,
        };
        self.base_sysctls(&b, false);
        self.vmac_bases.push(b);
    }

    /// The last VMAC on `base` goes: its settings back as they were.
    fn vmac_base_reset(&mut self, base: &str) {
        let Some(k) = self.vmac_bases.iter().position(|b| b.name == base) else {
            return;
        };
        self.vmac_bases[k].vmacs -= 1;
        if self.vmac_bases[k].vmacs > 0 {
            return;
        }
        let b = self.vmac_bases.swap_remove(k);
        self.base_sysctls(&b, true);
    }

    /// arp_ignore and arp_filter of base `b`: set to 1 (those not 1
    /// already), or with `reset` put back as they were (those that were
    /// not 1). One loop for both.
    fn base_sysctls(&mut self, b: &Base, reset: bool) {
        let both = [("arp_ignore", b.arp_ignore), ("arp_filter", b.arp_filter)];
        // By reference: an array's into_iter copies it (size: issue 17).
        for &(key, old) in both.iter() {
            let value = match (reset, old) {
                (false, Some(1)) | (true, None | Some(1)) => continue,
                (false, _) => 1,
                (true, Some(v)) => v,
            };
            if let Err(e) = sysctl::write("ipv4", &b.name, key, value) {
                let verb = if reset { "resetting" } else { "setting" };
                self.sysctl_failed("VMAC base", &b.name, verb, key, &e);
            }
        }
    }
}
