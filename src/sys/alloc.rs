//! The C library's malloc family for the static musl builds, in place of
//! the one zig links in (its SmpAllocator: about 8 KB on mipsel, most of
//! it for counting CPUs to size per-thread caches a one-thread daemon
//! never uses). Rust's allocations ([`Blocks`], main.rs's global
//! allocator) and libc's own callers, if any (opendir,
//! realpath, tzset) come here.
//!
//! Power-of-two size classes from 32 bytes to 64 KiB, each with a free
//! list; blocks are carved from 256 KiB mappings and reused, never
//! returned (the daemon allocates at load and reload, then not at all).
//! Larger blocks are mappings of their own, unmapped on free. Each block
//! starts with a 16-byte header (the block's size and where the caller's
//! pointer is in it), so every pointer handed out is 16-byte aligned. A
//! spin lock keeps it sound should a second thread ever allocate (the
//! test harness does). Built on every target for its unit tests; only
//! the musl builds export it as malloc.

#![cfg_attr(not(target_env = "musl"), allow(dead_code))]

use core::cell::UnsafeCell;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, Ordering};

const HEADER: usize = 16;
const MIN_SHIFT: u32 = 5;
const MAX_SHIFT: u32 = 16;
const CLASSES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
const ARENA: usize = 256 << 10;

struct Heap {
    free: [*mut u8; CLASSES],
    /// The unused part of the current mapping.
    next: *mut u8,
    end: *mut u8,
}

/// The heap, used only under LOCK.
struct Shared(UnsafeCell<Heap>);

// SAFETY: every access holds LOCK.
unsafe impl Sync for Shared {}

static LOCK: AtomicBool = AtomicBool::new(false);
static HEAP: Shared = Shared(UnsafeCell::new(Heap {
    free: [null_mut(); CLASSES],
    next: null_mut(),
    end: null_mut(),
}));

/// The heap, under the lock.
fn with_heap<T>(f: impl FnOnce(&mut Heap) -> T) -> T {
    while LOCK
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
    // SAFETY: the lock gives this caller the only reference.
    let r = f(unsafe { &mut *HEAP.0.get() });
    LOCK.store(false, Ordering::Release);
    r
}

/// mmap(2)'s syscall: mmap2 on 32-bit targets (its offset in pages, 0
/// here as in bytes). Not musl's mmap and mremap: their checks (a length
/// over PTRDIFF_MAX, which no Layout has; waits for other threads' unmaps
/// of fixed addresses, which this allocator never asks for) were 550
/// bytes of mipsel.
#[cfg(target_pointer_width = "32")]
const SYS_MMAP: libc::c_long = libc::SYS_mmap2;
#[cfg(target_pointer_width = "64")]
const SYS_MMAP: libc::c_long = libc::SYS_mmap;

fn map(len: usize) -> *mut u8 {
    // SAFETY: a fresh anonymous private mapping; no pointer is involved.
    let p = unsafe {
        libc::syscall(
            SYS_MMAP,
            null_mut::<libc::c_void>(),
            len,
            libc::c_long::from(libc::PROT_READ | libc::PROT_WRITE),
            libc::c_long::from(libc::MAP_PRIVATE | libc::MAP_ANONYMOUS),
            -1 as libc::c_long,
            0 as libc::c_long,
        )
    };
    if p == -1 { null_mut() } else { p as *mut u8 }
}

/// A block of `size` bytes (a class size, or a page multiple): its start.
fn block(size: usize) -> *mut u8 {
    if size > 1 << MAX_SHIFT {
        return map(size);
    }
    let class = (size.trailing_zeros() - MIN_SHIFT) as usize;
    with_heap(|h| {
        let head = h.free[class];
        if !head.is_null() {
            // SAFETY: a free block holds the next free block's address.
            h.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        if (h.end as usize) - (h.next as usize) < size {
            // What is left of the old mapping is lost (less than 64 KiB).
            let fresh = map(ARENA);
            if fresh.is_null() {
                return null_mut();
            }
            h.next = fresh;
            // SAFETY: the end of the mapping just made.
            h.end = unsafe { fresh.add(ARENA) };
        }
        let b = h.next;
        // SAFETY: `size` bytes fit before `end`.
        h.next = unsafe { b.add(size) };
        b
    })
}

/// `n` bytes aligned to `align` (a power of two): the caller's pointer.
pub(crate) fn alloc(n: usize, align: usize) -> *mut u8 {
    let extra = if align > HEADER { align } else { 0 };
    let Some(total) = n.checked_add(HEADER + extra) else {
        return null_mut();
    };
    let size = if total <= 1 << MAX_SHIFT {
        total.max(1 << MIN_SHIFT).next_power_of_two()
    } else {
        match total.checked_add(4095) {
            Some(t) => t & !4095,
            None => return null_mut(),
        }
    };
    let b = block(size);
    if b.is_null() {
        return null_mut();
    }
    let at = (b as usize + HEADER).next_multiple_of(align.max(HEADER)) - b as usize;
    // SAFETY: `at` >= HEADER and `at + n` <= size, inside the block; the
    // header words are 16-byte aligned.
    unsafe {
        let p = b.add(at);
        p.sub(HEADER).cast::<[usize; 2]>().write([size, at]);
        p
    }
}

/// The block size and the offset of `p` in its block.
///
/// # Safety
/// `p` came from `alloc` and was not freed.
unsafe fn header(p: *mut u8) -> [usize; 2] {
    // SAFETY: alloc wrote the header just before `p`.
    unsafe { p.sub(HEADER).cast::<[usize; 2]>().read() }
}

/// Give back a block from [`alloc`] (null: nothing).
///
/// # Safety
/// `p` is null or from `alloc` and not released yet.
pub(crate) unsafe fn release(p: *mut u8) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller passes a live block of ours.
    let [size, at] = unsafe { header(p) };
    // SAFETY: the block starts `at` bytes before `p`.
    let b = unsafe { p.sub(at) };
    if size > 1 << MAX_SHIFT {
        // SAFETY: a mapping of its own, `size` bytes.
        // (The syscall: musl's munmap waits for other threads' fixed
        // mappings, which this allocator never makes.)
        unsafe { libc::syscall(libc::SYS_munmap, b, size) };
        return;
    }
    let class = (size.trailing_zeros() - MIN_SHIFT) as usize;
    with_heap(|h| {
        // SAFETY: the block is ours again; its first word links the list.
        unsafe { b.cast::<*mut u8>().write(h.free[class]) };
        h.free[class] = b;
    });
}

/// `p` (null: none) with room for `n` bytes: itself when it has the room,
/// else a new block with its bytes (and `p` released); null when no
/// memory is left (`p` is then kept).
///
/// # Safety
/// As [`release`]'s.
pub(crate) unsafe fn resize(p: *mut u8, n: usize) -> *mut u8 {
    if p.is_null() {
        return alloc(n, HEADER);
    }
    // SAFETY: the caller passes a live block of ours.
    let [size, at] = unsafe { header(p) };
    let room = size - at;
    if n <= room {
        return p;
    }
    if size > 1 << MAX_SHIFT {
        // A mapping of its own: the kernel moves its pages, no copy.
        if let Some(grown) = at.checked_add(n).and_then(|t| t.checked_add(4095)) {
            let grown = grown & !4095;
            // SAFETY: the block is the mapping `p - at` of `size` bytes;
            // on success the old address is no longer ours.
            let b = unsafe {
                libc::syscall(
                    libc::SYS_mremap,
                    p.sub(at),
                    size,
                    grown,
                    libc::c_long::from(libc::MREMAP_MAYMOVE),
                )
            };
            if b != -1 {
                // SAFETY: `at` < grown; the header sits before the pointer.
                return unsafe {
                    let q = (b as *mut u8).add(at);
                    q.sub(HEADER).cast::<[usize; 2]>().write([grown, at]);
                    q
                };
            }
        }
    }
    let q = alloc(n, HEADER);
    if !q.is_null() {
        // SAFETY: both are live, distinct, and `room` < n bytes long.
        unsafe {
            core::ptr::copy_nonoverlapping(p, q, room);
            release(p);
        }
    }
    q
}

/// The daemon's Rust allocator on the musl builds (main.rs): these blocks
/// at once, not through std's System and the C names above (System's
/// choice between malloc and posix_memalign, its calloc and realloc
/// paths; size: issue 17). The same blocks come back: malloc and
/// posix_memalign are `alloc` too.
pub struct Blocks;

// SAFETY: `alloc` gives `size` bytes aligned to `align` (a power of two),
// or null; `release` takes back a block of `alloc` or `resize`; `resize`
// keeps the bytes, and an alignment of up to HEADER, or returns null
// with the block kept.
unsafe impl core::alloc::GlobalAlloc for Blocks {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        alloc(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, p: *mut u8, _: core::alloc::Layout) {
        // SAFETY: `p` is a live block of this allocator.
        unsafe { release(p) }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: core::alloc::Layout, n: usize) -> *mut u8 {
        if layout.align() <= HEADER {
            // SAFETY: `p` is a live block of this allocator.
            return unsafe { resize(p, n) };
        }
        // A larger alignment: a new block, as GlobalAlloc's own realloc.
        let q = alloc(n, layout.align());
        if !q.is_null() {
            // SAFETY: both are live and distinct; each has the bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(p, q, layout.size().min(n));
                release(p);
            }
        }
        q
    }
}

/// The C names, for the static musl builds only.
#[cfg(target_env = "musl")]
mod exports {
    use super::{HEADER, alloc, release, resize};
    use core::ffi::c_void;
    use core::ptr::null_mut;

    #[unsafe(no_mangle)]
    pub extern "C" fn malloc(n: usize) -> *mut c_void {
        alloc(n, HEADER).cast()
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
        let Some(n) = count.checked_mul(size) else {
            return null_mut();
        };
        let p = alloc(n, HEADER);
        if !p.is_null() {
            // SAFETY: `p` has `n` bytes.
            unsafe { p.write_bytes(0, n) };
        }
        p.cast()
    }

    /// # Safety
    /// `p` is null or from this allocator and not freed.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn free(p: *mut c_void) {
        // SAFETY: as the caller promises.
        unsafe { release(p.cast()) }
    }

    /// # Safety
    /// As `free`'s.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn realloc(p: *mut c_void, n: usize) -> *mut c_void {
        // SAFETY: as the caller promises.
        unsafe { resize(p.cast(), n).cast() }
    }

    /// # Safety
    /// `out` is valid for a write.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn posix_memalign(out: *mut *mut c_void, align: usize, n: usize) -> i32 {
        if !align.is_power_of_two() || align % core::mem::size_of::<usize>() != 0 {
            return libc::EINVAL;
        }
        let p = alloc(n, align);
        if p.is_null() {
            return libc::ENOMEM;
        }
        // SAFETY: the caller's pointer.
        unsafe { out.write(p.cast()) };
        0
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn aligned_alloc(align: usize, n: usize) -> *mut c_void {
        if !align.is_power_of_two() {
            return null_mut();
        }
        alloc(n, align).cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// One test at a time: they watch which block comes back.
    static SERIAL: Mutex<()> = Mutex::new(());

    /// Fill `n` bytes at `p` with a pattern of `seed`; check it back.
    unsafe fn fill(p: *mut u8, n: usize, seed: u8) {
        for i in 0..n {
            unsafe { p.add(i).write(seed.wrapping_add(i as u8)) };
        }
    }
    unsafe fn holds(p: *mut u8, n: usize, seed: u8) -> bool {
        (0..n).all(|i| unsafe { p.add(i).read() } == seed.wrapping_add(i as u8))
    }

    #[test]
    fn blocks_are_aligned_distinct_and_reused() {
        let _one = SERIAL.lock();
        let sizes = [
            0,
            1,
            15,
            16,
            17,
            100,
            1000,
            4096,
            65000,
            65520,
            65521,
            200_000,
            1 << 20,
        ];
        let mut live = Vec::new();
        for (k, &n) in sizes.iter().enumerate() {
            for align in [16, 64, 4096] {
                let p = alloc(n, align);
                assert!(
                    !p.is_null() && p as usize % align == 0,
                    "{n} bytes at {align}"
                );
                unsafe { fill(p, n, k as u8) };
                live.push((p, n, k as u8));
            }
        }
        // No block overlaps another: every pattern is intact.
        for &(p, n, seed) in &live {
            assert!(unsafe { holds(p, n, seed) }, "{n} bytes");
        }
        for (p, _, _) in live {
            unsafe { release(p) };
        }
        unsafe { release(null_mut()) };
    }

    /// A block given back is the next one of its class handed out. (Not
    /// on musl, where this is every thread's malloc: a test running
    /// beside may take the block first.)
    #[cfg(not(target_env = "musl"))]
    #[test]
    fn a_freed_block_is_reused() {
        let _one = SERIAL.lock();
        let p = alloc(1, 16);
        let q = alloc(20, 16);
        unsafe { release(p) };
        assert_eq!(alloc(2, 16), p);
        unsafe {
            release(p);
            release(q);
        }
    }

    #[test]
    fn resize_keeps_the_bytes() {
        let _one = SERIAL.lock();
        let mut p = unsafe { resize(null_mut(), 10) };
        unsafe { fill(p, 10, 7) };
        // Room in the block: the same pointer.
        assert_eq!(unsafe { resize(p, 12) }, p);
        // The last two grow a mapping of its own (mremap).
        for n in [100, 5000, 70_000, 300_000, 5_000_000] {
            let q = unsafe { resize(p, n) };
            assert!(!q.is_null() && q != p, "{n}");
            assert!(unsafe { holds(q, 10, 7) }, "{n}");
            // All `n` bytes are there (a short mapping would fault).
            unsafe { fill(q, n, 7) };
            p = q;
        }
        unsafe { release(p) };
        assert!(alloc(usize::MAX - 8, 16).is_null());
        assert!(alloc(usize::MAX / 2, 16).is_null());
    }

    #[test]
    fn threads_share_it() {
        let _one = SERIAL.lock();
        let run = |seed: u8| {
            let mut v = Vec::new();
            for i in 0..2000usize {
                let n = (i * 37) % 3000;
                let p = alloc(n, 16);
                unsafe { fill(p, n, seed) };
                v.push((p, n));
                if i % 3 == 0 {
                    let (p, n) = v.swap_remove(i % v.len());
                    assert!(unsafe { holds(p, n, seed) });
                    unsafe { release(p) };
                }
            }
            for (p, n) in v {
                assert!(unsafe { holds(p, n, seed) });
                unsafe { release(p) };
            }
        };
        std::thread::scope(|s| {
            for seed in 0..4 {
                s.spawn(move || run(seed));
            }
        });
    }
}
