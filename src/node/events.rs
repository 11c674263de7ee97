//! The router's inputs that are more than a value: a received IPv6 advert
//! and a reload's plan.

use core::net::{IpAddr, Ipv6Addr};

use crate::config::{Config, InstanceConfig};

/// An IPv6 advert as the raw IPv6 socket hands it over: the VRRP payload
/// and what the kernel said of its header.
#[derive(Copy, Clone, Debug)]
pub struct Rx6<'a> {
    pub payload: &'a [u8],
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub ifindex: u32,
}

/// Why a configuration cannot run on the interfaces as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub &'static str);

impl core::fmt::Display for PlanError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}

/// One instance of the new configuration: the address it sends from, its
/// interface's index, and the running slot it continues, if any. Its
/// parameters are made from these where it is applied, not written into
/// each item and moved out again (issue 17: size).
pub(crate) struct Planned {
    /// Boxed: a 6 KiB configuration moved by value through the plan
    /// reserved stack and copy code for it in every function on the way.
    pub cfg: Box<InstanceConfig>,
    pub src: IpAddr,
    pub ifindex: u32,
    pub kept: Option<usize>,
}

/// What a reload will do; made by [`Node::plan_reload`]. It borrows the
/// configuration planned for rather than keep a copy (a clone of the whole
/// Config was some 2 KB of code: issue 17), and the router takes from it
/// what it keeps (instances, checks, sync groups, delays); the shell still
/// reads the rest (globals, tracked files and processes).
pub struct Plan<'c> {
    items: Vec<Planned>,
    pub(crate) config: &'c mut Config,
}

impl<'c> Plan<'c> {
    pub(crate) fn new(items: Vec<Planned>, config: &'c mut Config) -> Plan<'c> {
        Plan { items, config }
    }

    /// Whether running slot `k` continues in the new configuration.
    pub(crate) fn keeps(&self, k: usize) -> bool {
        self.items.iter().any(|p| p.kept == Some(k))
    }

    /// The configuration planned for (its instances moved into the plan).
    pub fn config(&self) -> &Config {
        self.config
    }

    /// How many instances the new configuration runs (the shell has a
    /// timer ready for each before applying).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The planned instances and the configuration. The items as they
    /// are: a map into tuples copied each Params again (issue 17: size).
    pub(crate) fn into_parts(self) -> (Vec<Planned>, &'c mut Config) {
        (self.items, self.config)
    }
}
