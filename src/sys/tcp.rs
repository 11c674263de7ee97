//! A non-blocking TCP client socket (the SMTP mailer's), the server's
//! address lookup, the host name and the mail's Date.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{Errno, Result, SysError};
use crate::wire::dns;
use crate::wire::smtp::LocalTime;

pub struct Tcp {
    fd: OwnedFd,
}

/// How a connect began.
pub enum Connect {
    /// Connected at once (loopback may).
    Done(Tcp),
    /// In progress: poll for writable, then [`Tcp::connect_result`].
    Pending(Tcp),
}

impl Tcp {
    /// Start a non-blocking connect to `to`.
    pub fn connect(to: &SocketAddr) -> Result<Connect> {
        let (fd, ret) = open_to(to, libc::SOCK_STREAM | libc::SOCK_NONBLOCK)?;
        let tcp = Tcp { fd };
        if ret == 0 {
            return Ok(Connect::Done(tcp));
        }
        match Errno::last() {
            Errno::EINPROGRESS | Errno::EINTR => Ok(Connect::Pending(tcp)),
            e => Err(SysError::new("connect", e)),
        }
    }

    /// After the socket polled writable: whether the connect worked.
    pub fn connect_result(&self) -> Result<()> {
        let mut err: libc::c_int = 0;
        let mut len = libc::socklen_t::try_from(core::mem::size_of::<libc::c_int>()).unwrap_or(0);
        // SAFETY: `err` and `len` are valid for the call. The raw syscall:
        // musl's getsockopt() converts time64 options SO_ERROR is not.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_getsockopt,
                libc::c_long::from(self.fd.as_raw_fd()),
                libc::c_long::from(libc::SOL_SOCKET),
                libc::c_long::from(libc::SO_ERROR),
                (&raw mut err).cast::<libc::c_void>(),
                &raw mut len,
            )
        };
        super::check("getsockopt(SO_ERROR)", ret as libc::c_int)?;
        match err {
            0 => Ok(()),
            e => Err(SysError::new("connect", Errno::from_raw(e))),
        }
    }

    /// Send what the socket takes now: the bytes sent, 0 when it is full.
    pub fn send(&self, buf: &[u8]) -> Result<usize> {
        // MSG_NOSIGNAL: no SIGPIPE.
        let no_addr = core::ptr::null();
        let n = super::send_to(self.fd.as_raw_fd(), buf, libc::MSG_NOSIGNAL, no_addr, 0);
        match super::check_size("send", n) {
            Err(e) if matches!(e.errno, Errno::EAGAIN | Errno::EINTR) => Ok(0),
            r => r,
        }
    }

    /// Read what is there: Some(0) when the peer closed, None when there
    /// is nothing yet.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Option<usize>> {
        let n = super::recv(self.fd.as_raw_fd(), buf, 0);
        match super::check_size("recv", n) {
            Ok(n) => Ok(Some(n)),
            Err(e) if matches!(e.errno, Errno::EAGAIN | Errno::EINTR) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// A socket of type `ty` in `to`'s family, and connect(2)'s return for
/// `to`. The address by reference, here and in the callers: by value it
/// was copied for each call (issue 17: size).
fn open_to(to: &SocketAddr, ty: libc::c_int) -> Result<(OwnedFd, libc::c_int)> {
    let family = match *to {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    let fd = super::socket(family, ty, 0, "socket")?;
    let ret = match *to {
        SocketAddr::V4(a) => connect_to(&fd, &super::msg::sockaddr4(*a.ip(), a.port())),
        SocketAddr::V6(a) => {
            let sin6 = super::msg::sockaddr6(*a.ip(), a.port(), a.scope_id());
            connect_to(&fd, &sin6)
        }
    };
    Ok((fd, ret))
}

/// connect(2) to the sockaddr `sa`.
fn connect_to<T>(fd: &OwnedFd, sa: &T) -> libc::c_int {
    super::sock_addr_call(libc::SYS_connect, fd.as_raw_fd(), sa)
}

/// `smtp_server HOST PORT` as keepalived resolves it at load: an address
/// as is, `localhost` as 127.0.0.1, another name by the first matching
/// line of /etc/hosts, else by DNS (an A query, then AAAA) to the first
/// nameserver of /etc/resolv.conf (what is kept of getaddrinfo: see
/// `wire::dns`). None when it cannot be resolved.
pub fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    if let Some(ip) = crate::wire::addr::parse_ip(host) {
        return Some(SocketAddr::new(ip, port));
    }
    if host == "localhost" {
        return Some(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port));
    }
    // One line reader for both files (hosts: /etc/hosts' lines, else
    // resolv.conf's): a find_line instance, not one per file (issue 17:
    // size).
    let line_ip = |path: &core::ffi::CStr, hosts: bool| {
        super::file::find_line(path, |l| {
            if hosts {
                dns::hosts_line(l, host)
            } else {
                dns::nameserver_line(l)
            }
        })
    };
    let ip = line_ip(c"/etc/hosts", true).or_else(|| {
        let server = line_ip(c"/etc/resolv.conf", false);
        // As musl: no nameserver line means one on this host.
        let server = SocketAddr::new(server.unwrap_or(Ipv4Addr::LOCALHOST.into()), 53);
        // An A question, then AAAA: one call of `ask` (issue 17: size).
        [dns::TYPE_A, dns::TYPE_AAAA]
            .iter()
            .find_map(|&qtype| ask(&server, host, qtype))
    })?;
    Some(SocketAddr::new(ip, port))
}

/// How long one DNS question waits for its answer (the daemon waits with
/// it, at start or reload only, as it did in getaddrinfo).
const DNS_WAIT_MS: u64 = 2000;

/// One DNS question for `name` to `server` over UDP: the first address of
/// type `qtype` in the answer; None on any failure or after DNS_WAIT_MS.
fn ask(server: &SocketAddr, name: &str, qtype: u16) -> Option<IpAddr> {
    let mut buf = [0u8; 512];
    let start = super::clock::now().as_micros();
    // An id not easily guessed off the host: the clock's microseconds.
    let id = (start as u16) ^ (std::process::id() as u16);
    let len = dns::query(&mut buf, id, name, qtype).ok()?;
    // Connected: only the server's datagrams are received. Tcp's send and
    // recv serve any connected socket.
    let (fd, ret) = open_to(server, libc::SOCK_DGRAM).ok()?;
    let udp = Tcp { fd };
    if ret != 0 || udp.send(&buf[..len]).ok()? != len {
        return None;
    }
    loop {
        let waited = super::clock::now().as_micros().saturating_sub(start) / 1000;
        let left = DNS_WAIT_MS.saturating_sub(waited);
        let mut fds = [super::poll::pollfd(udp.as_raw_fd())];
        if left == 0 || super::poll::poll(&mut fds, left as i32).ok()? == 0 {
            return None;
        }
        let n = udp.recv(&mut buf).ok()??;
        if let Some(ip) = dns::answer(&buf[..n], id, qtype) {
            return Some(ip);
        }
        // Our answer without the address ends the wait; a stray datagram
        // (a late answer to an earlier question) does not.
        if n >= 2 && buf[..2] == id.to_be_bytes() {
            return None;
        }
    }
}

/// The host name (uname's nodename), None when empty or not UTF-8.
pub fn hostname() -> Option<String> {
    // SAFETY: utsname is plain data; all-zero is valid.
    let mut uts: libc::utsname = unsafe { core::mem::zeroed() };
    // SAFETY: uname fills our struct. The syscall, not musl's one-call
    // wrapper; the struct filled in place, not moved out of an Option (a
    // copy of its 390 bytes; issue 17: size).
    if unsafe { libc::syscall(libc::SYS_uname, &raw mut uts) } != 0 {
        return None;
    }
    // SAFETY: `nodename` is an array of c_char, the size of one of u8.
    let bytes: &[u8] =
        unsafe { core::slice::from_raw_parts(uts.nodename.as_ptr().cast(), uts.nodename.len()) };
    let name = bytes.split(|&b| b == 0).next().unwrap_or_default();
    core::str::from_utf8(name)
        .ok()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The wall clock, seconds since the epoch (a mail's Date; as time(2),
/// read through the clock_gettime the daemon links anyway).
pub fn wall_secs() -> i64 {
    (super::clock::wall_us() / 1_000_000) as i64
}

/// `secs` in local time (as keepalived dates a mail), in the zone of
/// [`super::tz`].
pub fn local_time(secs: i64) -> Option<LocalTime> {
    Some(super::tz::zone().local(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_literals_localhost_and_bad_names() {
        assert_eq!(
            resolve("192.0.2.50", 25),
            Some("192.0.2.50:25".parse().unwrap())
        );
        assert_eq!(
            resolve("2001:db8::50", 2525),
            Some("[2001:db8::50]:2525".parse().unwrap())
        );
        // As keepalived resolved it (no ::1 in /etc/hosts there).
        assert_eq!(
            resolve("localhost", 25),
            Some("127.0.0.1:25".parse().unwrap())
        );
        // (No DNS query in a unit test: an empty name fails locally.)
        assert_eq!(resolve("", 25), None);
        assert_eq!(resolve("bad\0name", 25), None);
    }

    #[test]
    fn local_time_of_a_known_second() {
        let t = local_time(1_796_041_699).expect("localtime_r");
        // 2026-11-30 12:28:19 UTC, a Monday; the zone moves the hour.
        assert!(t.gmtoff_s.abs() <= 14 * 3600, "{t:?}");
        assert_eq!((t.year, t.min, t.sec), (2026, 28, 19), "{t:?}");
        if t.gmtoff_s == 0 {
            assert_eq!((t.wday, t.mday, t.mon, t.hour), (1, 30, 10, 12));
        }
    }

    #[test]
    fn hostname_is_uname_s() {
        let h = hostname().expect("a host name");
        assert!(!h.is_empty() && !h.contains('\0'));
    }
}
