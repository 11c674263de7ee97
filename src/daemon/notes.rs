//! The router's notes in keepalived's wording (the seed document's
//! transition lines contain keepalived 2.x's as substrings).

use core::fmt;
use core::net::IpAddr;

use crate::node::out::{CheckResult, FaultWhy, Note};
use crate::sys::{ErrText, Errno};
use crate::vrrp::State;
use crate::wire::vrrp::RxError;

/// A note as the log line it becomes.
pub struct Line<'a, 'b>(pub &'a Note<'b>);

impl fmt::Display for Line<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.0 {
            Note::Entering { name, state } => {
                write!(f, "VRRP_Instance({name}) Entering {} STATE", state.as_str())
            }
            Note::ToMaster { name } => {
                write!(f, "VRRP_Instance({name}) Transition to MASTER STATE")
            }
            Note::HigherPriority { name, theirs, ours } => write!(
                f,
                "VRRP_Instance({name}) Master received advert with higher priority {theirs}, ours {ours}"
            ),
            Note::Stopped { name, was } => stopped(f, name, was),
            Note::SettingVips { name } => write!(f, "VRRP_Instance({name}) setting protocol VIPs."),
            Note::RemovingVips {
                name,
                leftover: true,
            } => {
                write!(f, "VRRP_Instance({name}) removing leftover VIPs")
            }
            Note::RemovingVips { name, .. } => {
                write!(f, "VRRP_Instance({name}) removing protocol VIPs.")
            }
            Note::LowerPriority {
                name,
                from,
                theirs,
                ours,
                answered,
            } => {
                // keepalived 2.2.7's line (vrrp_state_master_rx).
                let election = if answered {
                    ", forcing new election"
                } else {
                    ""
                };
                write!(
                    f,
                    "VRRP_Instance({name}) Received advert from {from} with lower priority \
                     {theirs}, ours {ours}{election}"
                )
            }
            Note::Garp { name, ifname, addr } => garp(f, name, ifname, addr),
            Note::Rejected { name, why, count } => write!(
                f,
                "VRRP_Instance({name}) advert rejected: {} ({count} so far)",
                why.as_str()
            ),
            Note::Dropped { from, why, count } => dropped(f, from, why, count),
            Note::AddrFailed {
                name,
                addr: Some(addr),
                errno,
            } => write!(
                f,
                "VRRP_Instance({name}) address change for {addr} failed: {}; retrying",
                ErrText(Errno::from_raw(errno))
            ),
            Note::AddrFailed { name, errno, .. } => write!(
                f,
                "VRRP_Instance({name}) address change failed: {}; retrying",
                ErrText(Errno::from_raw(errno))
            ),
            Note::RouteFailed { name, seq, errno } => write!(
                f,
                "VRRP_Instance({name}) virtual route/rule request {seq} failed: {}",
                ErrText(Errno::from_raw(errno))
            ),
            Note::StaticFailed { seq, errno } => write!(
                f,
                "netlink request {seq} for static_ipaddress/static_routes/static_rules failed: {}",
                ErrText(Errno::from_raw(errno))
            ),
            Note::AddrFailedOrphan { seq, errno } => write!(
                f,
                "netlink request {seq} failed ({}) for an instance no longer configured",
                ErrText(Errno::from_raw(errno))
            ),
            Note::ScriptsDropped { name, dropped } => write!(
                f,
                "VRRP_Instance({name}) notify script queue full: {dropped} script(s) dropped"
            ),
            Note::PriorityChanged { name, from, to } => write!(
                f,
                "VRRP_Instance({name}) Changing effective priority from {from} to {to}"
            ),
            Note::GroupSync { group, state } => write!(
                f,
                "VRRP_Group({group}) Syncing instances to {} state",
                state.as_str()
            ),
            Note::CheckResult { script, result } => match result {
                CheckResult::Succeeded => write!(f, "VRRP_Script({script}) succeeded"),
                CheckResult::TimedOut => write!(f, "VRRP_Script({script}) timed_out"),
                CheckResult::Failed(None) => write!(f, "VRRP_Script({script}) failed"),
                CheckResult::Failed(Some((reason, code))) => {
                    write!(f, "VRRP_Script({script}) failed ({reason} {code})")
                }
            },
            Note::CheckStatus { script, status } => {
                write!(f, "Script `{script}` now returning {status}")
            }
            Note::CheckSkipped { script } => write!(
                f,
                "Track script {script} is already running, expect idle - skipping run"
            ),
            Note::Quorum { process, gained } => write!(
                f,
                "Quorum {} for tracked process {process}",
                if gained { "gained" } else { "lost" }
            ),
            Note::TrackFile { file, value } => match value {
                Some(v) => write!(f, "Tracked file {file} now has value {v}"),
                None => write!(f, "Tracked file {file} cannot be read: value 0"),
            },
            Note::StartFault { name, why } => start_fault(f, name, why),
            Note::LinkDelayed { name, up, ms } => write!(
                f,
                "{name}: link {} delayed by {ms} ms (interface_up_down_delays)",
                if up { "up" } else { "down" }
            ),
            Note::LinkDelayCancelled { name } => write!(f, "Delay timer for {name} cancelled"),
            Note::ScriptTimeout { name, hard } => write!(
                f,
                "VRRP_Instance({name}) notify script timed out: sent {}",
                if hard { "SIGKILL" } else { "SIGTERM" }
            ),
            Note::VmacConflict { name, ifname } => write!(
                f,
                "({name}) VMAC {ifname} conflicts with existing interface (another MAC): \
                 the instance stays in FAULT"
            ),
            Note::IfaceDeleted { .. }
            | Note::IfaceAdded { .. }
            | Note::IfaceUpDown { .. }
            | Note::IfaceAddrs { .. } => interface(f, self.0),
        }
    }
}

fn stopped(f: &mut fmt::Formatter<'_>, name: &str, was: State) -> fmt::Result {
    write!(f, "VRRP_Instance({name}) stopped (was {})", was.as_str())
}

fn garp(f: &mut fmt::Formatter<'_>, name: &str, ifname: &str, addr: IpAddr) -> fmt::Result {
    match addr {
        IpAddr::V4(a) => write!(
            f,
            "VRRP_Instance({name}) Sending gratuitous ARPs on {ifname} for {a}"
        ),
        IpAddr::V6(a) => write!(
            f,
            "VRRP_Instance({name}) Sending unsolicited Neighbour Advertisements on {ifname} for {a}"
        ),
    }
}

fn dropped(
    f: &mut fmt::Formatter<'_>,
    from: Option<IpAddr>,
    why: RxError,
    count: u64,
) -> fmt::Result {
    let from: &dyn fmt::Display = match &from {
        Some(a) => a,
        None => &"?",
    };
    if why == RxError::Carp {
        write!(
            f,
            "CARP packet from {from} ignored: CARP shares IP protocol 112 with VRRP ({count} so far)"
        )
    } else {
        write!(
            f,
            "advert from {from} dropped: {} ({count} so far)",
            why.as_str()
        )
    }
}

fn interface(f: &mut fmt::Formatter<'_>, note: &Note<'_>) -> fmt::Result {
    let word = |b: bool, yes: &'static str, no: &'static str| if b { yes } else { no };
    match *note {
        Note::IfaceDeleted { name } => write!(f, "Interface {name} deleted"),
        Note::IfaceAdded { name, index, up } => write!(
            f,
            "Interface {name} added (index {index}, {})",
            word(up, "up", "down")
        ),
        Note::IfaceUpDown { name, up } => {
            write!(f, "Interface {name} is {}", word(up, "up", "down"))
        }
        Note::IfaceAddrs { name, has4, has6 } => write!(
            f,
            "Interface {name}: IPv4 address {}, IPv6 link-local address {}",
            word(has4, "present", "none"),
            word(has6, "present", "none")
        ),
        _ => Ok(()),
    }
}

/// keepalived's lines for an instance that starts in FAULT.
fn start_fault(f: &mut fmt::Formatter<'_>, name: &str, why: FaultWhy<'_>) -> fmt::Result {
    write!(f, "VRRP_Instance({name}): entering FAULT state ")?;
    match why {
        FaultWhy::Interface(i) => write!(f, "(interface {i} down)"),
        FaultWhy::Script(s) => write!(f, "due to script {s}"),
        FaultWhy::File(file, v) => write!(f, "(tracked file {file} has status {v})"),
        FaultWhy::Process(p) => write!(f, "(tracked process {p} quorum not achieved)"),
        FaultWhy::Link(i) => write!(f, "(interface {i} missing, down or without an address)"),
        FaultWhy::Group(g) => write!(f, "(vrrp_sync_group {g} in FAULT)"),
    }
}
