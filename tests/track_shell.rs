//! The shell's pieces for track files and tracked processes, against the
//! real kernel (no network): inotify on a directory follows a file written,
//! replaced by rename, deleted and made again; a FIFO as a track file never
//! blocks the read; the /proc scan finds a child by name and arguments, and
//! not once it is gone.

use std::ffi::CString;
use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use tinyvrrpd::config::{Loc, ParamMatch, TrackProcess};
use tinyvrrpd::node::watch::{file_value, process_matches, stat_comm};
use tinyvrrpd::sys::inotify::{self, DIR_EVENTS, Inotify};
use tinyvrrpd::sys::poll;
use tinyvrrpd::sys::procscan::ProcScan;

/// A temp dir removed on every exit path.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("tvtrack-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir(&d).expect("temp dir");
        Scratch(d)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Children killed and reaped on every exit path.
struct Kids(Vec<Child>);

impl Drop for Kids {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn cstr(p: &std::path::Path) -> CString {
    CString::new(p.as_os_str().as_encoded_bytes()).expect("path")
}

/// Wait (at most 2 s) for events, and collect (mask, name) of all of them.
fn events(ino: &Inotify) -> Vec<(u32, Vec<u8>)> {
    let mut fds = [poll::pollfd(ino.as_raw_fd())];
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    if poll::poll(&mut fds, 2000).expect("poll") == 0 {
        return got;
    }
    while let Ok(Some(n)) = ino.read(&mut buf) {
        got.extend(inotify::events(&buf[..n]).map(|e| (e.mask, e.name.to_vec())));
    }
    got
}

fn saw(evs: &[(u32, Vec<u8>)], mask: u32, name: &str) -> bool {
    evs.iter()
        .any(|(m, n)| m & mask != 0 && n == name.as_bytes())
}

fn read(path: &std::path::Path) -> Option<Vec<u8>> {
    let mut buf = [0u8; 4096];
    let n = inotify::read_bounded(&cstr(path), &mut buf)?;
    Some(buf[..n].to_vec())
}

#[test]
fn inotify_follows_write_rename_and_recreate() {
    let s = Scratch::new("ino");
    let ino = Inotify::new().expect("inotify");
    ino.add_watch(&cstr(&s.0), DIR_EVENTS).expect("watch");
    let f = s.path("prio");

    fs::write(&f, "5\n").expect("write");
    let evs = events(&ino);
    assert!(saw(&evs, libc::IN_CREATE, "prio"), "{evs:?}");
    assert!(saw(&evs, libc::IN_CLOSE_WRITE, "prio"), "{evs:?}");
    assert_eq!(read(&f).as_deref().and_then(file_value), Some(5));

    // Replaced by rename: the new file is seen under the same name.
    fs::write(s.path("tmp"), "-7\n").expect("write tmp");
    let _ = events(&ino);
    fs::rename(s.path("tmp"), &f).expect("rename");
    let evs = events(&ino);
    assert!(saw(&evs, libc::IN_MOVED_TO, "prio"), "{evs:?}");
    assert_eq!(read(&f).as_deref().and_then(file_value), Some(-7));

    fs::remove_file(&f).expect("rm");
    let evs = events(&ino);
    assert!(saw(&evs, libc::IN_DELETE, "prio"), "{evs:?}");
    assert_eq!(read(&f), None);

    fs::write(&f, "9").expect("recreate");
    let evs = events(&ino);
    assert!(saw(&evs, libc::IN_CLOSE_WRITE, "prio"), "{evs:?}");
    assert_eq!(read(&f).as_deref().and_then(file_value), Some(9));
}

#[test]
fn a_fifo_track_file_never_blocks() {
    let s = Scratch::new("fifo");
    let f = s.path("fifo");
    let c = cstr(&f);
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // No writer: opens at once, reads empty. (Read from a thread, so a
    // read that blocks fails the test instead of hanging it.)
    let (tx, rx) = std::sync::mpsc::channel();
    let f2 = f.clone();
    std::thread::spawn(move || tx.send(read(&f2)));
    let got = rx.recv_timeout(Duration::from_secs(2));
    assert_eq!(got, Ok(Some(Vec::new())), "blocked?");
    let t = Instant::now();
    // A writer that wrote nothing: EAGAIN, no wait.
    let r = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&f)
        .expect("reader");
    let w = fs::OpenOptions::new().write(true).open(&f).expect("writer");
    assert_eq!(read(&f), None);
    drop((w, r));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[test]
fn a_huge_file_reads_its_first_bytes_only() {
    let s = Scratch::new("huge");
    let f = s.path("big");
    let mut body = b"42\n".to_vec();
    body.resize(1 << 20, b'x');
    fs::write(&f, &body).expect("write");
    let got = read(&f).expect("read");
    assert_eq!(got.len(), 4096);
    assert_eq!(file_value(&got), Some(42));
}

fn tp(process: &str, params: &[&str], mode: ParamMatch) -> TrackProcess {
    TrackProcess {
        params: params.iter().map(|s| s.to_string()).collect(),
        param_match: mode,
        ..TrackProcess::new("t".into(), Loc::default(), process.into())
    }
}

/// Counts of each of `tps` over one scan, and how long it took.
fn count(scan: &mut ProcScan, tps: &[TrackProcess]) -> (Vec<u32>, usize, Duration) {
    let mut counts = vec![0; tps.len()];
    let t = Instant::now();
    let seen = scan
        .scan(true, |_, stat, cmdline| {
            let Some((comm, state)) = stat_comm(stat) else {
                return;
            };
            if state == b'Z' {
                return;
            }
            for (tp, c) in tps.iter().zip(counts.iter_mut()) {
                *c += u32::from(process_matches(tp, comm, cmdline));
            }
        })
        .expect("scan");
    (counts, seen, t.elapsed())
}

#[test]
fn process_scan_finds_a_child_by_arguments() {
    let mut scan = ProcScan::open().expect("open /proc");
    let arg = format!("1000{}", std::process::id() % 1000);
    let tps = [
        tp("sleep", &[&arg], ParamMatch::Exact),
        tp("sleep", &[&arg, "extra"], ParamMatch::Exact),
        tp("sleep", &[&arg[..3]], ParamMatch::Initial),
    ];
    let (before, _, _) = count(&mut scan, &tps);
    let mut kids = Kids(vec![
        Command::new("sleep").arg(&arg).spawn().expect("sleep"),
    ]);
    // Until exec has replaced the forked copy of this process.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut now = count(&mut scan, &tps).0;
    while now[0] == before[0] && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        now = count(&mut scan, &tps).0;
    }
    assert_eq!(now[0], before[0] + 1, "exact");
    assert_eq!(now[1], before[1], "more words than it has");
    assert_eq!(now[2], before[2] + 1, "initial");
    for c in &mut kids.0 {
        c.kill().expect("kill");
        c.wait().expect("wait");
    }
    assert_eq!(count(&mut scan, &tps).0, before, "after it is gone");
}

/// Not an assertion: the cost of one scan with some 200 processes, printed
/// (`cargo test --test track_shell -- --nocapture scan_cost`).
#[test]
fn scan_cost() {
    let mut scan = ProcScan::open().expect("open /proc");
    let tps = [
        tp("sleep", &[], ParamMatch::Any),
        tp("sleep", &["999999"], ParamMatch::Exact),
    ];
    let (_, seen, _) = count(&mut scan, &tps);
    let extra = 200usize.saturating_sub(seen);
    let mut kids = Kids(Vec::new());
    for _ in 0..extra {
        kids.0
            .push(Command::new("sleep").arg("999999").spawn().expect("sleep"));
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut best = Duration::MAX;
    let mut seen = 0;
    for _ in 0..20 {
        let (_, n, t) = count(&mut scan, &tps);
        seen = n;
        best = best.min(t);
    }
    let mut comm_only = Duration::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        scan.scan(false, |_, _, _| {}).expect("scan");
        comm_only = comm_only.min(t.elapsed());
    }
    println!("process scan: {seen} processes, {best:?} with cmdline, {comm_only:?} stat only");
    drop(kids);
}
