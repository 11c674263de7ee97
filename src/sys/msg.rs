//! recvmmsg/sendmsg with one peer address and control messages, shared by
//! the raw IPv4 and IPv6 sockets.

use std::os::fd::RawFd;

use super::{Result, SysError};
use crate::limits::PACKET_BUF;

/// Room for the control messages we use (pktinfo + hop limit), aligned for
/// cmsghdr.
#[repr(C, align(8))]
struct CmsgBuf([u8; 128]);

/// A zeroed C struct (sockaddr, msghdr, pktinfo): all-zero is valid for
/// these plain-data types.
pub(super) fn zeroed<T: Copy>() -> T {
    // SAFETY: only used with plain-old-data libc structs.
    unsafe { core::mem::zeroed() }
}

/// `ip:port` as a sockaddr_in.
pub(super) fn sockaddr4(ip: core::net::Ipv4Addr, port: u16) -> libc::sockaddr_in {
    let mut sin: libc::sockaddr_in = zeroed();
    sin.sin_family = libc::AF_INET as libc::sa_family_t;
    sin.sin_port = port.to_be();
    sin.sin_addr.s_addr = u32::from_ne_bytes(ip.octets());
    sin
}

/// `[ip%scope]:port` as a sockaddr_in6.
pub(super) fn sockaddr6(ip: core::net::Ipv6Addr, port: u16, scope: u32) -> libc::sockaddr_in6 {
    let mut sin6: libc::sockaddr_in6 = zeroed();
    sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sin6.sin6_port = port.to_be();
    sin6.sin6_addr.s6_addr = ip.octets();
    sin6.sin6_scope_id = scope;
    sin6
}

/// Datagrams one `recvmmsg` takes at most.
pub const BATCH: usize = 16;

/// Buffers for receiving [`BATCH`] datagrams with one `recvmmsg`: made
/// once at start (boxed, about 26 KiB), reused for every batch, so that
/// receiving allocates nothing. The headers point into the buffers and
/// are set again before each call.
pub struct RxBatch {
    bufs: [[u8; PACKET_BUF]; BATCH],
    names: [libc::sockaddr_storage; BATCH],
    cmsgs: [CmsgBuf; BATCH],
    iovs: [libc::iovec; BATCH],
    hdrs: [libc::mmsghdr; BATCH],
}

// SAFETY: byte buffers and plain C structs (null pointers in iovec and
// mmsghdr are valid values; they are set before each call).
unsafe impl super::Zeroed for RxBatch {}

impl RxBatch {
    /// Made on the heap directly (not on the stack first: see
    /// [`super::zeroed_box`]).
    pub fn new() -> Box<RxBatch> {
        super::zeroed_box()
    }
}

/// Receive up to `max` (at most [`BATCH`]) datagrams into `b` with one
/// `recvmmsg`, each sender's address up to `namelen` bytes: how many came
/// (0 when the socket has nothing).
pub(super) fn recv_batch(fd: RawFd, b: &mut RxBatch, max: usize, namelen: usize) -> Result<usize> {
    let n = max.min(BATCH);
    for i in 0..n {
        b.iovs[i] = libc::iovec {
            iov_base: b.bufs[i].as_mut_ptr().cast(),
            iov_len: PACKET_BUF,
        };
        let mut msg: libc::msghdr = zeroed();
        msg.msg_name = (&mut b.names[i] as *mut libc::sockaddr_storage).cast();
        msg.msg_namelen = namelen.min(core::mem::size_of::<libc::sockaddr_storage>()) as _;
        msg.msg_iov = &mut b.iovs[i];
        msg.msg_iovlen = 1;
        msg.msg_control = b.cmsgs[i].0.as_mut_ptr().cast();
        msg.msg_controllen = b.cmsgs[i].0.len() as _;
        b.hdrs[i] = libc::mmsghdr {
            msg_hdr: msg,
            msg_len: 0,
        };
    }
    let got = recvmmsg(fd, b, n);
    if got < 0 {
        let e = SysError::last("recvmmsg");
        if e.errno == nix::errno::Errno::EAGAIN {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(usize::try_from(got).unwrap_or(0).min(n))
}

/// recvmmsg's syscall numbers, the first that the kernel has: on 32-bit
/// targets recvmmsg_time64 (Linux 5.1; the old call may be configured
/// out, CONFIG_COMPAT_32BIT_TIME), then the old one. The raw syscall, not
/// musl's recvmmsg(): that one converts SCM_TIMESTAMP control messages
/// (never asked for here) for time64, 900 bytes of mipsel.
#[cfg(target_pointer_width = "64")]
const RECVMMSG: [libc::c_long; 1] = [libc::SYS_recvmmsg];
#[cfg(all(target_pointer_width = "32", target_arch = "mips"))]
const RECVMMSG: [libc::c_long; 2] = [4000 + 417, libc::SYS_recvmmsg];
#[cfg(all(target_pointer_width = "32", not(target_arch = "mips")))]
const RECVMMSG: [libc::c_long; 2] = [417, libc::SYS_recvmmsg];

/// Which of RECVMMSG the kernel answered (moves on at ENOSYS only).
static RECVMMSG_AT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// recvmmsg of the first `n` headers of `b`, without waiting and without
/// a timeout: what the syscall returns (-1 with errno set).
fn recvmmsg(fd: RawFd, b: &mut RxBatch, n: usize) -> libc::c_long {
    use core::sync::atomic::Ordering::Relaxed;
    loop {
        let at = RECVMMSG_AT.load(Relaxed);
        let nr = RECVMMSG.get(at).copied().unwrap_or(libc::SYS_recvmmsg);
        // SAFETY: the first n headers point at live buffers of `b`, which
        // the exclusive borrow keeps in place for the duration of the call.
        let got = unsafe {
            libc::syscall(
                nr,
                libc::c_long::from(fd),
                b.hdrs.as_mut_ptr(),
                n as libc::c_long,
                libc::c_long::from(libc::MSG_DONTWAIT),
                core::ptr::null_mut::<libc::c_void>(),
            )
        };
        if got < 0 && at + 1 < RECVMMSG.len() && super::Errno::last() == super::Errno::ENOSYS {
            RECVMMSG_AT.store(at + 1, Relaxed);
            continue;
        }
        return got;
    }
}

/// Datagram `i` of the last batch: its bytes and its sender (read as an
/// `A`, which must be the address type the batch was received with);
/// `on_cmsg(level, type, data)` sees each of its control messages.
pub(super) fn batch_item<A: Copy>(
    b: &RxBatch,
    i: usize,
    mut on_cmsg: impl FnMut(libc::c_int, libc::c_int, *const u8),
) -> (&[u8], A) {
    const { assert!(core::mem::size_of::<A>() <= core::mem::size_of::<libc::sockaddr_storage>()) };
    let i = i.min(BATCH - 1);
    let h = &b.hdrs[i];
    let len = (h.msg_len as usize).min(PACKET_BUF);
    let data = b.bufs[i].get(..len).unwrap_or_default();
    // SAFETY: sockaddr_storage is larger and more aligned than any
    // sockaddr; A is plain data.
    let from: A = unsafe { core::ptr::read(b.names[i..].as_ptr().cast()) };
    // SAFETY: the CMSG_* macros walk the control buffer the kernel filled
    // in, bounded by the msg_controllen it wrote back.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&h.msg_hdr);
        while !c.is_null() {
            on_cmsg((*c).cmsg_level, (*c).cmsg_type, libc::CMSG_DATA(c));
            c = libc::CMSG_NXTHDR(&h.msg_hdr, c);
        }
    }
    (data, from)
}

/// Read a control message's data as a `T` (unaligned).
///
/// # Safety
/// `data` must point at a control message whose data holds a `T`.
pub(super) unsafe fn cmsg_data<T: Copy>(data: *const u8) -> T {
    // SAFETY: the caller promises a T is there.
    unsafe { core::ptr::read_unaligned(data.cast()) }
}

/// Adverts one `sendmmsg` sends at most.
pub const TX_BATCH: usize = 16;

/// Datagrams waiting to leave one socket with one `sendmmsg` (issue 17: a
/// master's tick sends every instance's advert; a call each was a syscall
/// entry each). Made once at start (boxed, about 28 KiB, its pages touched
/// only as far as adverts fill it), reused for every batch: sending
/// allocates nothing. Each datagram has one peer address and one control
/// message; the headers point into the buffers and are set as each
/// datagram is queued.
pub struct TxBatch {
    bufs: [[u8; PACKET_BUF]; TX_BATCH],
    names: [libc::sockaddr_storage; TX_BATCH],
    cmsgs: [CmsgBuf; TX_BATCH],
    iovs: [libc::iovec; TX_BATCH],
    hdrs: [libc::mmsghdr; TX_BATCH],
    /// Datagrams queued.
    len: usize,
    /// The socket they are for and its name in errors (meaningless while
    /// `len` is 0).
    fd: RawFd,
    op: Option<&'static str>,
}

// SAFETY: byte buffers, plain C structs (null pointers in iovec and
// mmsghdr are valid values; they are set before each call), integers and
// an Option of a reference (all-zero is None).
unsafe impl super::Zeroed for TxBatch {}

impl TxBatch {
    /// Made on the heap directly (not on the stack first: see
    /// [`super::zeroed_box`]).
    pub fn new() -> Box<TxBatch> {
        super::zeroed_box()
    }

    /// Datagrams queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a datagram for `fd` can join the queue: there is room, and
    /// the queue is empty or for the same socket.
    pub fn takes(&self, fd: RawFd) -> bool {
        self.len == 0 || (self.len < TX_BATCH && self.fd == fd)
    }

    /// The buffer the next datagram is built in (see [`Self::takes`]).
    pub fn next_buf(&mut self) -> &mut [u8; PACKET_BUF] {
        &mut self.bufs[self.len.min(TX_BATCH - 1)]
    }

    /// Forget what was queued (sent or not).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Send the queued datagrams from `at` on with one `sendmmsg`: how many
    /// left (at least one), or the error of datagram `at`, which did not.
    pub fn send_from(&mut self, at: usize) -> Result<usize> {
        let n = self.len.min(TX_BATCH).saturating_sub(at);
        // SAFETY: headers at..len point at live buffers of `self`, which
        // the exclusive borrow keeps in place for the duration of the
        // call. The raw syscall, not musl's sendmmsg(): on 64-bit targets
        // that one is a loop of sendmsg().
        let sent = unsafe {
            libc::syscall(
                libc::SYS_sendmmsg,
                libc::c_long::from(self.fd),
                self.hdrs[at.min(TX_BATCH)..].as_mut_ptr(),
                n as libc::c_long,
                libc::c_long::from(libc::MSG_DONTWAIT),
            )
        };
        match usize::try_from(sent) {
            Ok(k) => Ok(k.max(1)),
            Err(_) => Err(SysError::last(self.op.unwrap_or("sendmmsg"))),
        }
    }
}

/// Queue the datagram [`TxBatch::next_buf`] holds (its first `len` bytes)
/// to `to` on `fd` (`op` in errors), with one control message (`level`,
/// `ty`, `value`). The caller checked [`TxBatch::takes`].
#[allow(clippy::too_many_arguments)]
pub(super) fn queue<A: Copy, C: Copy>(
    b: &mut TxBatch,
    fd: RawFd,
    op: &'static str,
    len: usize,
    to: &A,
    level: libc::c_int,
    ty: libc::c_int,
    value: &C,
) {
    const {
        assert!(core::mem::size_of::<A>() <= core::mem::size_of::<libc::sockaddr_storage>());
        // The control messages used fit: CMSG_SPACE(C) <= 128, rounded
        // up generously (cmsghdr is at most 16 bytes, alignment 8).
        assert!(core::mem::size_of::<C>() + 32 <= 128);
    };
    let i = b.len.min(TX_BATCH - 1);
    b.fd = fd;
    b.op = Some(op);
    // SAFETY: sockaddr_storage is larger and more aligned than any
    // sockaddr (checked above); A is plain data.
    unsafe { core::ptr::write(b.names[i..].as_mut_ptr().cast(), *to) };
    b.iovs[i] = libc::iovec {
        iov_base: b.bufs[i].as_mut_ptr().cast(),
        iov_len: len.min(PACKET_BUF),
    };
    let data_len = core::mem::size_of::<C>() as u32;
    // SAFETY: CMSG_SPACE/LEN are pure arithmetic.
    let (space, cmsg_len) = unsafe { (libc::CMSG_SPACE(data_len), libc::CMSG_LEN(data_len)) };
    let mut msg: libc::msghdr = zeroed();
    msg.msg_name = (&mut b.names[i] as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = core::mem::size_of::<A>() as _;
    msg.msg_iov = &mut b.iovs[i];
    msg.msg_iovlen = 1;
    msg.msg_control = b.cmsgs[i].0.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: the control buffer holds 128 >= `space` bytes (checked at
    // compile time above), so CMSG_FIRSTHDR is non-null and its data has
    // room for a C. Its padding stays zero: only these fields are ever
    // written (64-bit kernels read cmsg_len as a size_t).
    unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = level;
        (*c).cmsg_type = ty;
        (*c).cmsg_len = cmsg_len as _;
        core::ptr::write_unaligned(libc::CMSG_DATA(c).cast(), *value);
    }
    b.hdrs[i] = libc::mmsghdr {
        msg_hdr: msg,
        msg_len: 0,
    };
    b.len = i + 1;
}
