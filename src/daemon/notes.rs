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

/// The instance a note's line starts with (`VRRP_Instance(NAME) `),
/// written once for every such note.
fn instance<'a>(note: &Note<'a>) -> Option<&'a str> {
    match *note {
        Note::Entering { name, .. }
        | Note::ToMaster { name }
        | Note::HigherPriority { name, .. }
        | Note::Stopped { name, .. }
        | Note::SettingVips { name }
        | Note::RemovingVips { name, .. }
        | Note::LowerPriority { name, .. }
        | Note::Garp { name, .. }
        | Note::Rejected { name, .. }
        | Note::AddrFailed { name, .. }
        | Note::RouteFailed { name, .. }
        | Note::ScriptsDropped { name, .. }
        | Note::PriorityChanged { name, .. }
        | Note::ScriptTimeout { name, .. } => Some(name),
        _ => None,
    }
}

impl fmt::Display for Line<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = instance(self.0) {
            write!(f, "VRRP_Instance({name}) ")?;
        }
        match *self.0 {
            Note::Entering { state, .. } => {
                write!(f, "Entering {} STATE", state.as_str())
            }
            Note::ToMaster { .. } => {
                write!(f, "Transition to MASTER STATE")
            }
            Note::HigherPriority { theirs, ours, .. } => write!(
                f,
                "Master received advert with higher priority {theirs}, ours {ours}"
            ),
            Note::Stopped { was, .. } => stopped(f, was),
            Note::SettingVips { .. } => write!(f, "setting protocol VIPs."),
            Note::RemovingVips { leftover: true, .. } => {
                write!(f, "removing leftover VIPs")
            }
            Note::RemovingVips { .. } => {
                write!(f, "removing protocol VIPs.")
            }
            Note::LowerPriority {
                from,
                theirs,
                ours,
                answered,
                ..
            } => {
                // keepalived 2.2.7's line (vrrp_state_master_rx).
                let election = if answered {
                    ", forcing new election"
                } else {
                    ""
                };
                let from = crate::wire::addr::Ip(from);
                write!(
                    f,
                    "Received advert from {from} with lower priority \
                     {theirs}, ours {ours}{election}"
                )
            }
            Note::Garp { ifname, addr, .. } => garp(f, ifname, addr),
            Note::Rejected { why, count, .. } => {
                write!(f, "advert rejected: {} ({count} so far)", why.as_str())
            }
            Note::Dropped { from, why, count } => dropped(f, from, why, count),
            Note::AddrFailed {
                addr: Some(addr),
                errno,
                ..
            } => write!(
                f,
                "address change for {} failed: {}; retrying",
                crate::wire::addr::Ip(addr),
                ErrText(Errno::from_raw(errno))
            ),
            Note::AddrFailed { errno, .. } => write!(
                f,
                "address change failed: {}; retrying",
                ErrText(Errno::from_raw(errno))
            ),
            Note::RouteFailed { seq, errno, .. } => write!(
                f,
                "virtual route/rule request {seq} failed: {}",
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
            Note::ScriptsDropped { dropped, .. } => {
                write!(f, "notify script queue full: {dropped} script(s) dropped")
            }
            Note::PriorityChanged { from, to, .. } => {
                write!(f, "Changing effective priority from {from} to {to}")
            }
            Note::GroupSync { group, state } => write!(
                f,
                "VRRP_Group({group}) Syncing instances to {} state",
                state.as_str()
            ),
            Note::CheckResult { script, result } => check_result(f, script, result),
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
            Note::ScriptTimeout { hard, .. } => write!(
                f,
                "notify script timed out: sent {}",
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

fn stopped(f: &mut fmt::Formatter<'_>, was: State) -> fmt::Result {
    write!(f, "stopped (was {})", was.as_str())
}

fn garp(f: &mut fmt::Formatter<'_>, ifname: &str, addr: IpAddr) -> fmt::Result {
    let what = match addr {
        IpAddr::V4(_) => "gratuitous ARPs",
        IpAddr::V6(_) => "unsolicited Neighbour Advertisements",
    };
    let addr = crate::wire::addr::Ip(addr);
    write!(f, "Sending {what} on {ifname} for {addr}")
}

/// A check script's result (one write for them all).
fn check_result(f: &mut fmt::Formatter<'_>, script: &str, result: CheckResult) -> fmt::Result {
    let (what, why) = match result {
        CheckResult::Succeeded => ("succeeded", None),
        CheckResult::TimedOut => ("timed_out", None),
        CheckResult::Failed(why) => ("failed", why),
    };
    write!(f, "VRRP_Script({script}) {what}")?;
    match why {
        Some((reason, code)) => write!(f, " ({reason} {code})"),
        None => Ok(()),
    }
}

fn dropped(
    f: &mut fmt::Formatter<'_>,
    from: Option<IpAddr>,
    why: RxError,
    count: u64,
) -> fmt::Result {
    let ip;
    let from: &dyn fmt::Display = match from {
        Some(a) => {
            ip = crate::wire::addr::Ip(a);
            &ip
        }
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
        Note::IfaceDeleted { name } | Note::IfaceUpDown { name, .. } => {
            let what = match *note {
                Note::IfaceUpDown { up, .. } => word(up, "is up", "is down"),
                _ => "deleted",
            };
            write!(f, "Interface {name} {what}")
        }
        Note::IfaceAdded { name, index, up } => write!(
            f,
            "Interface {name} added (index {index}, {})",
            word(up, "up", "down")
        ),
        Note::IfaceAddrs { name, has4, has6 } => write!(
            f,
            "Interface {name}: IPv4 address {}, IPv6 link-local address {}",
            word(has4, "present", "none"),
            word(has6, "present", "none")
        ),
        _ => Ok(()),
    }
}

/// keepalived's lines for an instance that starts in FAULT: the reason
/// as the text around its one name (one write for them all).
fn start_fault(f: &mut fmt::Formatter<'_>, name: &str, why: FaultWhy<'_>) -> fmt::Result {
    let (pre, what, post) = match why {
        FaultWhy::Interface(i) => ("(interface ", i, " down)"),
        FaultWhy::Script(s) => ("due to script ", s, ""),
        FaultWhy::File(file, v) => {
            return write!(
                f,
                "VRRP_Instance({name}): entering FAULT state (tracked file {file} has status {v})"
            );
        }
        FaultWhy::Process(p) => ("(tracked process ", p, " quorum not achieved)"),
        FaultWhy::Link(i) => ("(interface ", i, " missing, down or without an address)"),
        FaultWhy::Group(g) => ("(vrrp_sync_group ", g, " in FAULT)"),
    };
    write!(
        f,
        "VRRP_Instance({name}): entering FAULT state {pre}{what}{post}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: Note<'_>) -> String {
        Line(&n).to_string()
    }

    /// The instance prefix is written once for the notes that have it, and
    /// only for them.
    #[test]
    fn lines_with_and_without_the_instance() {
        let name = "VI_1";
        let from: IpAddr = "192.0.2.7".parse().unwrap();
        let cases = [
            (
                Note::Entering {
                    name,
                    state: State::Backup,
                },
                "VRRP_Instance(VI_1) Entering BACKUP STATE",
            ),
            (
                Note::Stopped {
                    name,
                    was: State::Master,
                },
                "VRRP_Instance(VI_1) stopped (was MASTER)",
            ),
            (
                Note::RemovingVips {
                    name,
                    leftover: true,
                },
                "VRRP_Instance(VI_1) removing leftover VIPs",
            ),
            (
                Note::Garp {
                    name,
                    ifname: "eth0",
                    addr: from,
                },
                "VRRP_Instance(VI_1) Sending gratuitous ARPs on eth0 for 192.0.2.7",
            ),
            (
                Note::LowerPriority {
                    name,
                    from,
                    theirs: 50,
                    ours: 100,
                    answered: true,
                },
                "VRRP_Instance(VI_1) Received advert from 192.0.2.7 with lower priority 50, \
                 ours 100, forcing new election",
            ),
            (
                Note::StartFault {
                    name,
                    why: FaultWhy::Interface("eth0"),
                },
                "VRRP_Instance(VI_1): entering FAULT state (interface eth0 down)",
            ),
            (
                Note::IfaceUpDown {
                    name: "eth0",
                    up: true,
                },
                "Interface eth0 is up",
            ),
        ];
        for (n, want) in cases {
            assert_eq!(line(n), want);
        }
    }

    /// Check results, NAs, interfaces gone or down: one write each.
    #[test]
    fn merged_lines() {
        let s = "chk";
        let v6: IpAddr = "fe80::1".parse().unwrap();
        let cases = [
            (
                Note::CheckResult {
                    script: s,
                    result: CheckResult::Succeeded,
                },
                "VRRP_Script(chk) succeeded",
            ),
            (
                Note::CheckResult {
                    script: s,
                    result: CheckResult::TimedOut,
                },
                "VRRP_Script(chk) timed_out",
            ),
            (
                Note::CheckResult {
                    script: s,
                    result: CheckResult::Failed(None),
                },
                "VRRP_Script(chk) failed",
            ),
            (
                Note::CheckResult {
                    script: s,
                    result: CheckResult::Failed(Some(("exited with status", 2))),
                },
                "VRRP_Script(chk) failed (exited with status 2)",
            ),
            (
                Note::Garp {
                    name: "VI_6",
                    ifname: "eth0",
                    addr: v6,
                },
                "VRRP_Instance(VI_6) Sending unsolicited Neighbour Advertisements on eth0 for fe80::1",
            ),
            (
                Note::IfaceDeleted { name: "eth2" },
                "Interface eth2 deleted",
            ),
            (
                Note::IfaceUpDown {
                    name: "eth2",
                    up: false,
                },
                "Interface eth2 is down",
            ),
        ];
        for (n, want) in cases {
            assert_eq!(line(n), want);
        }
    }

    /// Every reason for starting in FAULT, as keepalived words it.
    #[test]
    fn start_fault_lines() {
        let cases = [
            (FaultWhy::Interface("eth0"), "(interface eth0 down)"),
            (FaultWhy::Script("chk"), "due to script chk"),
            (FaultWhy::File("f", -3), "(tracked file f has status -3)"),
            (
                FaultWhy::Process("p"),
                "(tracked process p quorum not achieved)",
            ),
            (
                FaultWhy::Link("eth1"),
                "(interface eth1 missing, down or without an address)",
            ),
            (FaultWhy::Group("G"), "(vrrp_sync_group G in FAULT)"),
        ];
        for (why, want) in cases {
            let n = Note::StartFault { name: "VI_1", why };
            let want = format!("VRRP_Instance(VI_1): entering FAULT state {want}");
            assert_eq!(line(n), want);
        }
    }
}
