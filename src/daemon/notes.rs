//! The router's notes in keepalived's wording (the seed document's
//! transition lines contain keepalived 2.x's as substrings).

use core::fmt;
use core::net::IpAddr;

use crate::node::out::{CheckResult, FaultWhy, Note};
use crate::sys::{ErrText, Errno};
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

/// The values of a line, which its template places, printf-like: `%s` the
/// next of `s`, `%u`/`%d` the next of `n` unsigned/signed, `%a` the
/// address (`?` when none), `%m` the errno's text.
struct Vals<'a> {
    s: [&'a str; 4],
    n: [i64; 2],
    ip: Option<&'a IpAddr>,
    err: i32,
}

impl fmt::Display for Line<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = Vals {
            s: ["", "", "", ""],
            n: [0; 2],
            ip: None,
            err: 0,
        };
        if let Some(name) = instance(self.0) {
            v.s[0] = name;
            fill(f, "VRRP_Instance(%s) ", &v)?;
        }
        // Every line is a template and its values (data, one writer).
        let t = template(self.0, &mut v);
        fill(f, t, &v)
    }
}

/// `template` with its `%` parts replaced by the values in `v`.
fn fill(f: &mut fmt::Formatter<'_>, template: &str, v: &Vals<'_>) -> fmt::Result {
    let (mut s, mut n) = (v.s.iter(), v.n.iter());
    let mut pieces = template.split('%');
    f.write_str(pieces.next().unwrap_or_default())?;
    for p in pieces {
        match p.as_bytes().first() {
            Some(b's') => f.write_str(s.next().copied().unwrap_or_default())?,
            Some(b'u') => fmt::Display::fmt(&(n.next().copied().unwrap_or(0) as u64), f)?,
            Some(b'd') => fmt::Display::fmt(&n.next().copied().unwrap_or(0), f)?,
            Some(b'a') => match v.ip {
                Some(a) => fmt::Display::fmt(&crate::wire::addr::Ip(*a), f)?,
                None => f.write_str("?")?,
            },
            _ => fmt::Display::fmt(&ErrText(Errno::from_raw(v.err)), f)?,
        }
        f.write_str(p.get(1..).unwrap_or_default())?;
    }
    Ok(())
}

fn pick(b: bool, yes: &'static str, no: &'static str) -> &'static str {
    if b { yes } else { no }
}

/// A note's line (after `VRRP_Instance(NAME) ` for an instance's): its
/// template, its values put in `v`. One match for every note, not one for
/// the instances' and others for the rest (issue 17: size).
fn template<'a>(note: &'a Note<'_>, v: &mut Vals<'a>) -> &'static str {
    match *note {
        Note::Entering { state, .. } => {
            v.s[0] = state.as_str();
            "Entering %s STATE"
        }
        Note::ToMaster { .. } => "Transition to MASTER STATE",
        Note::HigherPriority { theirs, ours, .. }
        | Note::PriorityChanged {
            from: theirs,
            to: ours,
            ..
        } => {
            v.n = [theirs.into(), ours.into()];
            pick(
                matches!(note, Note::HigherPriority { .. }),
                "Master received advert with higher priority %u, ours %u",
                "Changing effective priority from %u to %u",
            )
        }
        Note::Stopped { was, .. } => {
            v.s[0] = was.as_str();
            "stopped (was %s)"
        }
        Note::SettingVips { .. } => "setting protocol VIPs.",
        Note::RemovingVips { leftover, .. } => pick(
            leftover,
            "removing leftover VIPs",
            "removing protocol VIPs.",
        ),
        Note::LowerPriority {
            ref from,
            theirs,
            ours,
            answered,
            ..
        } => {
            // keepalived 2.2.7's line (vrrp_state_master_rx).
            v.ip = Some(from);
            v.n = [theirs.into(), ours.into()];
            v.s[0] = pick(answered, ", forcing new election", "");
            "Received advert from %a with lower priority %u, ours %u%s"
        }
        Note::Garp {
            ifname, ref addr, ..
        } => {
            let what = match addr {
                IpAddr::V4(_) => "gratuitous ARPs",
                IpAddr::V6(_) => "unsolicited Neighbour Advertisements",
            };
            [v.s[0], v.s[1]] = [what, ifname];
            v.ip = Some(addr);
            "Sending %s on %s for %a"
        }
        Note::Rejected { why, count, .. } => {
            v.s[0] = why.as_str();
            v.n[0] = count as i64;
            "advert rejected: %s (%u so far)"
        }
        Note::AddrFailed {
            ref addr, errno, ..
        } => {
            v.ip = addr.as_ref();
            v.err = errno;
            match addr {
                Some(_) => "address change for %a failed: %m; retrying",
                None => "address change failed: %m; retrying",
            }
        }
        Note::RouteFailed { seq, errno, .. } => {
            v.n[0] = seq.into();
            v.err = errno;
            "virtual route/rule request %u failed: %m"
        }
        Note::ScriptsDropped { dropped, .. } => {
            v.n[0] = dropped as i64;
            "notify script queue full: %u script(s) dropped"
        }
        Note::ScriptTimeout { hard, .. } => {
            v.s[0] = pick(hard, "SIGKILL", "SIGTERM");
            "notify script timed out: sent %s"
        }
        // The notes without the `VRRP_Instance(NAME) ` prefix.
        Note::Dropped {
            ref from,
            why,
            count,
        } => {
            v.ip = from.as_ref();
            v.s[0] = why.as_str();
            v.n[0] = count as i64;
            pick(
                why == RxError::Carp,
                "CARP packet from %a ignored: CARP shares IP protocol 112 with VRRP (%u so far)",
                "advert from %a dropped: %s (%u so far)",
            )
        }
        Note::StaticFailed { seq, errno } | Note::AddrFailedOrphan { seq, errno } => {
            v.n[0] = seq.into();
            v.err = errno;
            pick(
                matches!(note, Note::StaticFailed { .. }),
                "netlink request %u for static_ipaddress/static_routes/static_rules failed: %m",
                "netlink request %u failed (%m) for an instance no longer configured",
            )
        }
        Note::GroupSync { group, state } => {
            [v.s[0], v.s[1]] = [group, state.as_str()];
            "VRRP_Group(%s) Syncing instances to %s state"
        }
        Note::CheckResult { script, result } => check_result(v, script, result),
        Note::CheckStatus { script, status } => {
            v.s[0] = script;
            v.n[0] = status.into();
            "Script `%s` now returning %d"
        }
        Note::CheckSkipped { script } => {
            v.s[0] = script;
            "Track script %s is already running, expect idle - skipping run"
        }
        Note::Quorum { process, gained } => {
            [v.s[0], v.s[1]] = [pick(gained, "gained", "lost"), process];
            "Quorum %s for tracked process %s"
        }
        Note::TrackFile { file, value } => {
            v.s[0] = file;
            v.n[0] = value.unwrap_or(0);
            match value {
                Some(_) => "Tracked file %s now has value %d",
                None => "Tracked file %s cannot be read: value 0",
            }
        }
        Note::StartFault { name, why } => start_fault(v, name, why),
        Note::LinkDelayed { name, up, ms } => {
            [v.s[0], v.s[1]] = [name, pick(up, "up", "down")];
            v.n[0] = ms.into();
            "%s: link %s delayed by %u ms (interface_up_down_delays)"
        }
        Note::LinkDelayCancelled { name } => {
            v.s[0] = name;
            "Delay timer for %s cancelled"
        }
        Note::VmacConflict { name, ifname } => {
            [v.s[0], v.s[1]] = [name, ifname];
            "(%s) VMAC %s conflicts with existing interface (another MAC): \
             the instance stays in FAULT"
        }
        Note::IfaceDeleted { name } => {
            [v.s[0], v.s[1]] = [name, "deleted"];
            "Interface %s %s"
        }
        Note::IfaceUpDown { name, up } => {
            [v.s[0], v.s[1]] = [name, pick(up, "is up", "is down")];
            "Interface %s %s"
        }
        Note::IfaceAdded { name, index, up } => {
            [v.s[0], v.s[1]] = [name, pick(up, "up", "down")];
            v.n[0] = index.into();
            "Interface %s added (index %u, %s)"
        }
        Note::IfaceAddrs { name, has4, has6 } => {
            let (v4, v6) = (pick(has4, "present", "none"), pick(has6, "present", "none"));
            [v.s[0], v.s[1], v.s[2]] = [name, v4, v6];
            "Interface %s: IPv4 address %s, IPv6 link-local address %s"
        }
    }
}

/// A check script's result.
fn check_result<'a>(v: &mut Vals<'a>, script: &'a str, result: CheckResult) -> &'static str {
    let (what, why) = match result {
        CheckResult::Succeeded => ("succeeded", None),
        CheckResult::TimedOut => ("timed_out", None),
        CheckResult::Failed(why) => ("failed", why),
    };
    let (reason, code) = why.unwrap_or(("", 0));
    [v.s[0], v.s[1], v.s[2]] = [script, what, reason];
    v.n[0] = code.into();
    match why {
        Some(_) => "VRRP_Script(%s) %s (%s %d)",
        None => "VRRP_Script(%s) %s",
    }
}

/// keepalived's lines for an instance that starts in FAULT: the reason
/// as the text around its one name.
fn start_fault<'a>(v: &mut Vals<'a>, name: &'a str, why: FaultWhy<'a>) -> &'static str {
    let (pre, what, post) = match why {
        FaultWhy::Interface(i) => ("(interface ", i, " down)"),
        FaultWhy::Script(s) => ("due to script ", s, ""),
        FaultWhy::File(file, n) => {
            [v.s[0], v.s[1]] = [name, file];
            v.n[0] = n;
            return "VRRP_Instance(%s): entering FAULT state (tracked file %s has status %d)";
        }
        FaultWhy::Process(p) => ("(tracked process ", p, " quorum not achieved)"),
        FaultWhy::Link(i) => ("(interface ", i, " missing, down or without an address)"),
        FaultWhy::Group(g) => ("(vrrp_sync_group ", g, " in FAULT)"),
    };
    v.s = [name, pre, what, post];
    "VRRP_Instance(%s): entering FAULT state %s%s%s"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::State;

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
