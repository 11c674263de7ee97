//! The shell's half of `vrrp_track_file` and `vrrp_track_process`: track
//! files initialised (`init_file`), read and watched with inotify, and the
//! /proc scan the router asks for. What a reading means is the router's
//! (`crate::node::watch` and `Node::on_track_file` / `on_process_counts`);
//! this only reads, with fixed buffers and bounded reads, so a FIFO or a
//! huge file never blocks the loop and the steady state allocates nothing.

use std::ffi::CString;

use super::io::Io;
use crate::config::{TrackFile, TrackProcess};
use crate::log;
use crate::node::Node;
use crate::node::track::{ProcTrack, Trackers};
use crate::node::watch::{process_matches, stat_comm};
use crate::sys::clock;
use crate::sys::file::{self, OsError};
use crate::sys::inotify::{self, DIR_EVENTS, Inotify, Q_OVERFLOW};
use crate::sys::log::{Level, Log};
use crate::sys::procscan::ProcScan;
use crate::time::Instant;

/// Most bytes of a track file read (keepalived looks at the first 127).
pub const FILE_READ: usize = 4096;
/// inotify's buffer: many events, and at least one with the longest name.
const EVENT_BUF: usize = 4096;
/// Reads of the inotify fd per wake-up: a storm of events in a busy
/// directory cannot starve the rest of the loop (the fd stays readable).
const EVENT_READS: usize = 16;
// One buffer serves both (see `Tracker::buf`).
const _: () = assert!(FILE_READ == EVENT_BUF);

/// A track file as the shell follows it.
struct Watched {
    /// The path read: the real path when the file (or its directory)
    /// exists, as keepalived resolves it.
    path: CString,
    /// The watch on its directory, and its name in it: where in `path`
    /// (a range of it, not a copy).
    wd: Option<i32>,
    name: (usize, usize),
    /// An event named it since it was last read.
    dirty: bool,
}

impl Watched {
    fn name(&self) -> &[u8] {
        let (at, end) = self.name;
        self.path.as_bytes().get(at..end).unwrap_or_default()
    }
}

#[derive(Default)]
pub struct Tracker {
    files: Vec<Watched>,
    inotify: Option<Inotify>,
    /// The inotify events read, then the files read after them (one
    /// buffer: the events are done with before any file is read).
    buf: Vec<u8>,
    counts: Vec<u32>,
    scan: Option<ProcScan>,
}

impl Tracker {
    /// Follow the router's track files and processes (read from its
    /// table, in its order, never copied): `init_file` applied (`reload`:
    /// keepalived does not overwrite an existing file then), every
    /// directory watched. Replaces what was followed before.
    pub fn configure(&mut self, t: &Trackers, reload: bool, log: &mut Log) {
        let files = &t.files;
        for f in files {
            init_file(&f.cfg, reload, log);
        }
        self.inotify = None;
        if !files.is_empty() {
            match Inotify::new() {
                Ok(i) => self.inotify = Some(i),
                Err(e) => log!(log, Level::Error, "Unable to monitor track files: {e}"),
            }
        }
        self.files.clear();
        for f in files {
            let w = watch(self.inotify.as_ref(), &f.cfg, log);
            self.files.push(w);
        }
        self.buf = vec![0; FILE_READ];
        self.counts = vec![0; t.procs.len()];
        if !t.procs.is_empty() && self.scan.is_none() {
            match ProcScan::open() {
                Ok(s) => self.scan = Some(s),
                Err(e) => log!(log, Level::Error, "track_process: {e}"),
            }
        }
    }

    /// The inotify fd for poll (-1: none, poll skips it).
    pub fn fd(&self) -> i32 {
        self.inotify.as_ref().map_or(-1, Inotify::as_raw_fd)
    }

    /// Read every track file and tell the router (at start, after a
    /// reload, after lost events).
    pub fn report_all(&mut self, node: &mut Node, now: Instant, io: &mut Io) {
        self.report(true, node, now, io);
    }

    /// Read the files (all of them, else those marked since they were
    /// last read) and tell the router. One loop for both: one place that
    /// reads a file (issue 17: size).
    fn report(&mut self, all: bool, node: &mut Node, now: Instant, io: &mut Io) {
        for k in 0..self.files.len() {
            let Some(w) = self.files.get_mut(k) else {
                return;
            };
            // All: the marks stay for the next events (as they were).
            if !all && !core::mem::take(&mut w.dirty) {
                continue;
            }
            let n = inotify::read_bounded(&w.path, &mut self.buf);
            let contents = n.and_then(|n| self.buf.get(..n));
            node.on_track_file(k, contents, now, &mut io.out());
        }
    }

    /// The inotify fd is readable: mark the files the events name, then
    /// read each of them once.
    pub fn on_inotify(&mut self, node: &mut Node, now: Instant, io: &mut Io) {
        for _ in 0..EVENT_READS {
            let Some(ino) = &self.inotify else {
                return;
            };
            match ino.read(&mut self.buf) {
                Ok(Some(n)) if n > 0 => {
                    let buf = self.buf.get(..n).unwrap_or_default();
                    mark(&mut self.files, buf);
                }
                Ok(_) => break,
                Err(e) => {
                    log!(io.log, Level::Warning, "{e}");
                    break;
                }
            }
        }
        self.report(false, node, now, io);
    }

    /// Count the processes each `vrrp_track_process` matches and tell the
    /// router. A failed scan reports nothing (the counts it had stand).
    pub fn scan(&mut self, node: &mut Node, now: Instant, io: &mut Io) {
        let Some(scan) = &mut self.scan else {
            return;
        };
        let started = clock::now();
        self.counts.fill(0);
        let procs = &node.trackers().procs;
        let want_cmdline = procs.iter().any(|p| needs_cmdline(&p.cfg));
        let counts = &mut self.counts;
        let r = scan.scan(want_cmdline, |_pid, stat, cmdline| {
            count(procs, counts, stat, cmdline);
        });
        match r {
            Ok(seen) => {
                let us = clock::now().saturating_since(started).as_micros();
                log!(
                    io.log,
                    Level::Debug,
                    "process scan: {seen} processes in {us} us"
                );
                node.on_process_counts(&self.counts, now, &mut io.out());
            }
            Err(e) => log!(io.log, Level::Error, "track_process: {e}"),
        }
    }
}

/// Add one process to the counts of the `vrrp_track_process`es it
/// matches. keepalived: zombies are not counted.
fn count(procs: &[ProcTrack], counts: &mut [u32], stat: &[u8], cmdline: &[u8]) {
    let Some((comm, state)) = stat_comm(stat) else {
        return;
    };
    if state == b'Z' {
        return;
    }
    for (p, c) in procs.iter().zip(counts.iter_mut()) {
        if process_matches(&p.cfg, comm, cmdline) {
            *c = c.saturating_add(1);
        }
    }
}

/// Whether matching `tp` reads /proc/PID/cmdline (keepalived avoids it
/// otherwise: it may swap a process in).
fn needs_cmdline(tp: &TrackProcess) -> bool {
    tp.full_command || !tp.params.is_empty() || tp.param_match != crate::config::ParamMatch::Any
}

/// Mark the files that the events in `buf` name. A lost-events overflow
/// marks them all; a watch the kernel dropped (its directory went) marks
/// its files, which then read as missing.
fn mark(files: &mut [Watched], buf: &[u8]) {
    for ev in inotify::events(buf) {
        let all = ev.mask & Q_OVERFLOW != 0;
        let gone = ev.mask & libc::IN_IGNORED != 0;
        if ev.mask & libc::IN_ISDIR != 0 && !gone && !all {
            continue;
        }
        for w in files.iter_mut() {
            if all {
                w.dirty = true;
            } else if w.wd == Some(ev.wd) && (gone || w.name() == ev.name) {
                w.dirty = true;
                if gone {
                    w.wd = None;
                }
            }
        }
    }
}

/// Resolve `tf`'s path as keepalived does (the real path of the file, or
/// of its directory when the file is missing) and watch its directory.
fn watch(ino: Option<&Inotify>, tf: &TrackFile, log: &mut Log) -> Watched {
    let given = tf.path.as_bytes();
    let resolved = file::real_path(given).ok().or_else(|| {
        let name = file::file_name(given)?;
        let dir = file::split_path(given).map_or(&b""[..], |(dir, _)| dir);
        let dir = file::real_path(if dir.is_empty() { b"." } else { dir }).ok()?;
        Some(file::join(&dir, name))
    });
    let path = match resolved {
        Some(p) => p,
        None => {
            log!(
                log,
                Level::Error,
                "Track file directory for {} does not exist - not watched",
                tf.name
            );
            file::owned(given)
        }
    };
    // Where the name is in `path` (a part of it).
    let name = file::file_name(&path).map_or((0, 0), |n| {
        let at = n.as_ptr() as usize - path.as_ptr() as usize;
        (at, at + n.len())
    });
    let dir = file::split_path(&path).and_then(|(d, _)| crate::sys::c_string_owned(d).ok());
    let wd = match (ino, &dir) {
        (Some(ino), Some(dir)) => match ino.add_watch(dir, DIR_EVENTS) {
            Ok(wd) => Some(wd),
            Err(e) => {
                log!(log, Level::Error, "track file {}: {e}", tf.name);
                None
            }
        },
        _ => None,
    };
    Watched {
        path: crate::sys::c_string_owned(&path).unwrap_or_default(),
        wd,
        name,
        dirty: false,
    }
}

/// keepalived's `init_file [VALUE] [overwrite]` (track_file.c,
/// track_file_end_handler): create the file with "VALUE\n" when it is
/// missing; with `overwrite`, also replace an existing regular file, but
/// not on a reload. Written to a temporary file renamed over the path, as
/// keepalived's fopen_safe does.
pub fn init_file(tf: &TrackFile, reload: bool, log: &mut Log) {
    let Some(init) = &tf.init else {
        return;
    };
    if let Ok(m) = file::stat(&tf.path, true) {
        if !init.overwrite {
            return;
        }
        if !file::is_type(&m, libc::S_IFREG) {
            log!(
                log,
                Level::Error,
                "Cannot initialise track file {} - it is not a regular file",
                tf.name
            );
            return;
        }
        if reload {
            return;
        }
    }
    if let Err(e) = write_replacing(&tf.path, format!("{}\n", init.value).as_bytes()) {
        log!(
            log,
            Level::Error,
            "Unable to initialise track file {}: {e}",
            tf.name
        );
    }
}

fn write_replacing(path: &str, bytes: &[u8]) -> Result<(), OsError> {
    let tmp = format!("{path}.{}.tmp", std::process::id());
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
    super::files::write_renamed(&tmp, flags, path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{InitFile, Loc};
    use crate::sys::log::LogOptions;
    use std::fs;

    fn log() -> Log {
        Log::new(&LogOptions::default())
    }

    fn tf(path: &str, init: Option<(i64, bool)>) -> TrackFile {
        TrackFile {
            name: "tf".into(),
            loc: Loc::default(),
            path: path.into(),
            weight: 1,
            reverse: false,
            init: init.map(|(value, overwrite)| InitFile { value, overwrite }),
        }
    }

    struct Dir(std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
    fn dir(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("tvtrk-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir(&d).expect("dir");
        Dir(d)
    }

    #[test]
    fn init_file_as_keepalived() {
        let d = dir("init");
        let p = d.0.join("f");
        let ps = p.to_str().expect("utf8");
        let mut l = log();
        init_file(&tf(ps, Some((3, false))), false, &mut l);
        assert_eq!(fs::read_to_string(&p).ok().as_deref(), Some("3\n"));
        // Exists, no overwrite: left alone.
        init_file(&tf(ps, Some((4, false))), false, &mut l);
        assert_eq!(fs::read_to_string(&p).ok().as_deref(), Some("3\n"));
        // overwrite: replaced, but not on a reload.
        init_file(&tf(ps, Some((-5, true))), true, &mut l);
        assert_eq!(fs::read_to_string(&p).ok().as_deref(), Some("3\n"));
        init_file(&tf(ps, Some((-5, true))), false, &mut l);
        assert_eq!(fs::read_to_string(&p).ok().as_deref(), Some("-5\n"));
        // Missing: created on a reload too.
        fs::remove_file(&p).expect("rm");
        init_file(&tf(ps, Some((7, true))), true, &mut l);
        assert_eq!(fs::read_to_string(&p).ok().as_deref(), Some("7\n"));
        // Not a regular file: refused.
        let sub = d.0.join("sub");
        fs::create_dir(&sub).expect("sub");
        init_file(
            &tf(sub.to_str().expect("utf8"), Some((1, true))),
            false,
            &mut l,
        );
        assert!(sub.is_dir());
        // No init_file: nothing made; no temporary file left anywhere.
        init_file(
            &tf(d.0.join("g").to_str().expect("utf8"), None),
            false,
            &mut l,
        );
        let names: Vec<_> = fs::read_dir(&d.0).expect("ls").flatten().collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    fn ev(wd: i32, mask: u32, name: &[u8]) -> Vec<u8> {
        let pad = (name.len() + 1).div_ceil(16) * 16;
        let mut v = Vec::new();
        for w in [wd as u32, mask, 0, pad as u32] {
            v.extend(w.to_ne_bytes());
        }
        v.extend(name);
        v.resize(16 + pad, 0);
        v
    }

    fn files() -> Vec<Watched> {
        let w = |wd, path: &str| Watched {
            path: CString::new(path).unwrap_or_default(),
            wd: Some(wd),
            name: (path.len() - 1, path.len()),
            dirty: false,
        };
        vec![w(1, "/d/a"), w(1, "/d/b"), w(2, "/e/a")]
    }

    fn dirty(f: &[Watched]) -> Vec<bool> {
        f.iter().map(|w| w.dirty).collect()
    }

    #[test]
    fn events_mark_the_files_they_name() {
        let mut f = files();
        assert_eq!(f[1].name(), b"b");
        let mut buf = ev(1, libc::IN_MOVED_TO, b"a");
        buf.extend(ev(1, libc::IN_CLOSE_WRITE, b"other"));
        buf.extend(ev(1, libc::IN_CREATE | libc::IN_ISDIR, b"b"));
        mark(&mut f, &buf);
        assert_eq!(dirty(&f), [true, false, false]);
        let mut f = files();
        mark(&mut f, &ev(-1, libc::IN_Q_OVERFLOW, b""));
        assert_eq!(dirty(&f), [true; 3]);
        // The directory went: its files read again (missing), unwatched.
        let mut f = files();
        mark(&mut f, &ev(1, libc::IN_IGNORED, b""));
        assert_eq!(dirty(&f), [true, true, false]);
        assert_eq!(f[0].wd, None);
    }

    #[test]
    fn zombies_are_not_counted() {
        let tp = TrackProcess::new("p".into(), Loc::default(), "sleep".into());
        assert!(!needs_cmdline(&tp));
        let p = [ProcTrack {
            cfg: tp,
            count: 0,
            quorum: None,
            since: None,
        }];
        let mut c = [0];
        count(&p, &mut c, b"10 (sleep) S 1", b"");
        count(&p, &mut c, b"11 (sleep) Z 1", b"");
        count(&p, &mut c, b"12 (sleepy) S 1", b"");
        assert_eq!(c, [1]);
    }
}
