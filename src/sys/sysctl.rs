//! Per-interface kernel settings under /proc/sys/net (those of the daemon's
//! network namespace): read and written as keepalived does for its VMACs.

use std::io::Write as _;

/// `/proc/sys/net/{proto}/conf/{ifname}/{key}`; None for a name that could
/// leave the directory.
fn path(proto: &str, ifname: &str, key: &str) -> Option<String> {
    if ifname.is_empty() || ifname.contains('/') || ifname.starts_with('.') {
        return None;
    }
    Some(format!("/proc/sys/net/{proto}/conf/{ifname}/{key}"))
}

/// The setting's value, when it can be read as a number.
pub fn read(proto: &str, ifname: &str, key: &str) -> Option<u32> {
    let text = std::fs::read_to_string(path(proto, ifname, key)?).ok()?;
    text.trim().parse().ok()
}

/// Set it; the error says why not.
pub fn write(proto: &str, ifname: &str, key: &str, value: u32) -> std::io::Result<()> {
    let p = path(proto, ifname, key).ok_or(std::io::ErrorKind::InvalidInput)?;
    let mut f = std::fs::OpenOptions::new().write(true).open(p)?;
    f.write_all(format!("{value}\n").as_bytes())
}
