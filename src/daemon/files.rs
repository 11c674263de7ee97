//! Files the daemon writes and reads: state dumps on signals, and the
//! record of installed VIPs (cleaned at the next start). Every write is a
//! temporary file beside the target and a rename, so a reader never sees
//! half a file.

use super::dumps;
use super::options::DumpPaths;
use super::vipfile;
use crate::log;
use crate::node::{Node, vmac};
use crate::sys::Errno;
use crate::sys::file::{self, OsError};
use crate::sys::log::{Level, Log};
use crate::sys::netlink::Netlink;
use crate::time::Instant;
use crate::wire::netlink::{self as nl, AddrRequest};

#[derive(Copy, Clone)]
pub enum DumpKind {
    Data,
    Stats,
    Json,
}

/// Write `text` to `path` atomically; a failure is logged (one log line
/// for every file written), and the answer is whether it worked.
fn write_atomic(log: &mut Log, path: &str, text: &str) -> bool {
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC;
    // A copy and a push, not a format (issue 17: size).
    let tmp = path.to_owned() + ".tmp";
    let written = write_renamed(&tmp, flags, path, text.as_bytes());
    if let Err(e) = written {
        log!(log, Level::Error, "writing {path}: {e}");
    }
    written.is_ok()
}

/// Write `bytes` to a new file `tmp` (opened with `flags`) and rename it
/// over `path`; `tmp` is removed when that fails. One copy for every file
/// the daemon writes whole (dumps, the VIP record, track files).
pub(super) fn write_renamed(
    tmp: &str,
    flags: i32,
    path: &str,
    bytes: &[u8],
) -> Result<(), OsError> {
    let written = file::open(tmp, flags, 0o666)
        .and_then(|fd| file::write_all(&fd, bytes))
        .and_then(|()| file::rename(tmp, path));
    if written.is_err() {
        file::remove(tmp);
    }
    written
}

/// One state dump, as keepalived writes it.
pub fn dump(log: &mut Log, node: &Node, paths: &DumpPaths, kind: DumpKind, now: Instant) {
    // Our own clock read: std's SystemTime brought its Timespec code
    // (issue 17: size).
    let wall = crate::sys::clock::wall_us();
    let ifaces = node.ifaces();
    let views: Vec<crate::dump::View<'_>> = node
        .slots()
        .iter()
        .map(|s| crate::dump::View {
            cfg: &s.cfg,
            inst: &s.inst,
            // keepalived's instance interface is its VMAC, with use_vmac.
            ifname: match &s.cfg.vmac {
                Some(v) => v.name.as_str(),
                None => ifaces.by_index(s.ifindex).map_or("?", |f| f.name.as_str()),
            },
            vmac_up: (s.cfg.vmac.as_ref()).is_some_and(|v| vmac::usable(v, ifaces).is_some()),
            last_transition_us: s
                .inst
                .last_transition()
                .map(|t| wall.saturating_sub(now.saturating_since(t).as_micros())),
        })
        .collect();
    let t = crate::dump::Tracking {
        trackers: node.trackers(),
        groups: node.groups(),
    };
    let (text, path) = match kind {
        DumpKind::Data => (crate::dump::data(&views, &t), &paths.data),
        DumpKind::Stats => (crate::dump::stats(&views, node.rx_errors()), &paths.stats),
        DumpKind::Json => (crate::dump::json(&views, node.rx_errors(), &t), &paths.json),
    };
    if write_atomic(log, path, &text) {
        // The String, not a reference to it: no forwarding Display of
        // its own (size: issue 17).
        log!(log, Level::Info, "state written to {}", *path);
    }
}

/// Rewrite the record of installed VIPs.
pub fn record_installed(log: &mut Log, node: &Node, path: &str) {
    let entries = node
        .installed()
        .map(|(ifname, addr, prefix_len, instance)| vipfile::Entry {
            ifname,
            addr,
            prefix_len,
            instance,
        });
    write_atomic(log, path, &vipfile::format(entries));
}

/// Delete the VIPs a previous run recorded as installed (it may have been
/// killed before it could): beyond keepalived, which cleans only the VIPs
/// of its current configuration. Start-up only: waits for each answer.
pub fn remove_recorded(log: &mut Log, nl_sock: &mut Netlink, buf: &mut [u8], path: &str) {
    let bytes =
        match file::open(path, libc::O_RDONLY, 0).and_then(|fd| file::read_up_to(&fd, 1 << 20)) {
            Ok(b) => b,
            Err(OsError(Errno::ENOENT)) => return,
            Err(e) => {
                log!(log, Level::Warning, "reading {path}: {e}");
                return;
            }
        };
    let text = String::from_utf8_lossy(&bytes);
    // Iterated by reference: by value the parser's state was moved into
    // the loop, a copy (issue 17: size).
    let mut entries = vipfile::parse(&text);
    for e in &mut entries {
        let Some(index) = crate::sys::if_index(e.ifname) else {
            continue;
        };
        let req = AddrRequest {
            index,
            addr: e.addr,
            prefix_len: e.prefix_len,
            scope: 0,
            broadcast: None,
            label: None,
        };
        let mut msg = [0u8; 256];
        let seq = nl_sock.next_seq();
        let Ok(len) = nl::del_addr(&mut msg, seq, &req) else {
            continue;
        };
        let done = nl_sock
            .send(&msg[..len])
            .and_then(|()| dumps::wait_ack(nl_sock, buf, seq));
        let (ifname, addr, len) = (e.ifname, crate::wire::addr::Ip(e.addr), e.prefix_len);
        match done {
            Ok(()) => log!(
                log,
                Level::Info,
                "removed {addr}/{len} from {ifname}, left installed by a previous run ({path})"
            ),
            Err(se) if se.errno == Errno::EADDRNOTAVAIL => {}
            Err(err) => log!(
                log,
                Level::Warning,
                "removing {addr}/{len} from {ifname} (left by a previous run): {err}"
            ),
        }
    }
}
