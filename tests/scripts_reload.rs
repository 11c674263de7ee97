//! A reload that removes instances, and a notify FIFO script, live, side
//! by side with keepalived 2.2.7 (issue 12: notify_deleted and
//! vrrp_notify_fifo_script). One router, four instances: A has
//! `notify_deleted SCRIPT`, B only notify_fault (keepalived's default
//! reports a removal as FAULT), C a bare `notify_deleted`, D stays. A
//! reload keeps D only. The FIFO script appends what it reads to a file;
//! both daemons must make the same script calls and give their FIFO
//! scripts the same lines, per phase (as multisets: keepalived starts
//! scripts concurrently).

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::*;

const GENEROUS: Duration = Duration::from_secs(15);
const STEP: Duration = Duration::from_millis(50);
const QUIET: Duration = Duration::from_millis(1500);

const RECORDER: &str = "#!/bin/sh\nline=\"${0##*/}\"\nfor a in \"$@\"; do line=\"$line [$a]\"; done\n\
printf '%s\\n' \"$line\" >> \"${0%/*}/calls\"\n";
/// Reads the FIFO named by its last argument, one line at a time.
const FIFO_READER: &str = "#!/bin/sh\nout=\"${0%/*}/fifo.out\"\necho \"start [$#] ${1##*/}\" >> \"$out\"\n\
while read -r l; do printf '%s\\n' \"$l\" >> \"$out\"; done < \"$1\"\n";

fn instance(name: &str, vrid: u8, lines: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n state MASTER\n interface eth0\n virtual_router_id {vrid}\n \
         priority 150\n advert_int 1\n virtual_ipaddress {{\n  192.0.2.{}/24\n }}\n{lines}}}\n",
        100 + u32::from(vrid)
    )
}

fn conf(dir: &Path, full: bool) -> String {
    let d = dir.display();
    let mut c = format!(
        "global_defs {{\n script_user root\n enable_script_security\n vrrp_notify_fifo {d}/fifo\n \
         vrrp_notify_fifo_script {d}/reader\n}}\n"
    );
    if full {
        c += &instance(
            "A",
            1,
            &format!(
                " notify_deleted \"{d}/A.deleted x\"\n notify {d}/A.notify\n notify_fault {d}/A.fault\n"
            ),
        );
        c += &instance(
            "B",
            2,
            &format!(" notify {d}/B.notify\n notify_fault {d}/B.fault\n"),
        );
        c += &instance("C", 3, &format!(" notify_deleted\n notify {d}/C.notify\n"));
    }
    c + &instance(
        "D",
        4,
        &format!(" notify {d}/D.notify\n notify_fault {d}/D.fault\n"),
    )
}

fn install(dir: &Path) {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    let mut files: Vec<(String, &str)> = ["A.deleted", "A.notify", "A.fault", "B.notify"]
        .iter()
        .chain(&["B.fault", "C.notify", "D.notify", "D.fault"])
        .map(|n| (n.to_string(), RECORDER))
        .collect();
    files.push(("reader".into(), FIFO_READER));
    for (name, text) in files {
        let p = dir.join(name);
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_default()
}

/// Waits (bounded) until neither file grew for QUIET.
fn quiet(dir: &Path) {
    let sizes = || (read(dir, "calls").len(), read(dir, "fifo.out").len());
    let (mut last, mut still) = (sizes(), 0);
    let _ = wait_until(GENEROUS, STEP, || {
        let now = sizes();
        still = if now == last { still + 1 } else { 0 };
        last = now;
        STEP * still >= QUIET
    });
}

/// Per phase: the calls and the FIFO script's lines, sorted.
type Phase = (&'static str, Vec<String>);

fn phase(dir: &Path, name: &'static str, from: &mut (usize, usize)) -> Phase {
    quiet(dir);
    let (calls, fifo) = (read(dir, "calls"), read(dir, "fifo.out"));
    let mut lines: Vec<String> = (calls.get(from.0..).unwrap_or("").lines())
        .map(|l| format!("call {l}"))
        .chain(
            fifo.get(from.1..)
                .unwrap_or("")
                .lines()
                .map(|l| format!("fifo {l}")),
        )
        .collect();
    lines.sort();
    *from = (calls.len(), fifo.len());
    (name, lines)
}

fn run(keepalived: bool) -> Vec<Phase> {
    let lan = Lan::new(1);
    let dir = lan.dir.join("s");
    fs::create_dir_all(&dir).unwrap();
    install(&dir);
    let full = conf(&dir, true);
    let mut d = match keepalived {
        true => lan.spawn_keepalived(1, &full),
        false => lan.spawn(1, &full),
    };
    let mut from = (0, 0);
    let up = wait_until(GENEROUS, STEP, || has_vip(lan.r(1), "192.0.2.104"));
    assert!(up.is_some(), "D never master:\n{}", d.log());
    let mut phases = vec![phase(&dir, "start", &mut from)];
    d.write_conf(&conf(&dir, false));
    d.signal("HUP");
    let gone = wait_until(GENEROUS, STEP, || !has_vip(lan.r(1), "192.0.2.101"));
    assert!(gone.is_some(), "A's VIP stayed:\n{}", d.log());
    phases.push(phase(&dir, "reload", &mut from));
    d.signal("TERM");
    assert!(d.wait_exit(GENEROUS).is_some(), "no exit:\n{}", d.log());
    phases.push(phase(&dir, "stop", &mut from));
    println!(
        "{}:\n{phases:#?}\n{}",
        if keepalived {
            "keepalived"
        } else {
            "tinyvrrpd"
        },
        d.log()
    );
    phases
}

#[test]
fn removed_instances_and_fifo_script_match_keepalived() {
    if !root_or_skip() {
        return;
    }
    let theirs = run(true);
    let ours = run(false);
    let deleted = "call A.notify [INSTANCE] [A] [DELETED] [150]";
    assert!(
        theirs[1].1.iter().any(|l| l == deleted),
        "the reference lacks {deleted:?}: {theirs:#?}"
    );
    assert_eq!(ours, theirs);
}
