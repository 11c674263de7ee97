//! A reload (HUP) whose new configuration includes something that is not a
//! regular file: a FIFO (open() used to block, so the daemon stopped
//! advertising and ignored SIGTERM) or /dev/zero (read until memory ran
//! out). The reload must fail at once, keep the running configuration and
//! its adverts, and leave SIGTERM working. Needs root; see
//! tests/common/mod.rs.

mod common;

use std::time::{Duration, SystemTime};

use common::*;

const VIP: &str = "192.0.2.100";
const STEP: Duration = Duration::from_millis(20);
const GENEROUS: Duration = Duration::from_secs(10);
/// The seed master's advert_int.
const ADVERT_INT: Duration = Duration::from_secs(1);
/// How long the adverts are watched after the HUP.
const WATCH: Duration = Duration::from_secs(5);

fn logs(d: &Daemon) -> String {
    format!("\n--- {} ---\n{}{}", d.name, d.log(), show(&d.ns))
}

/// The largest gap between r1's adverts from before `from` to `to`
/// (including the stretches before the first and after the last), or why
/// there is none.
fn largest_gap(cap: &Capture, from: SystemTime, to: SystemTime) -> Result<Duration, String> {
    let mut ts: Vec<SystemTime> = cap
        .adverts()
        .into_iter()
        .filter(|a| a.src == router_ip(1) && a.advert.priority == 200)
        .map(|a| a.ts)
        .filter(|t| *t >= from - 2 * ADVERT_INT && *t <= to)
        .collect();
    ts.sort();
    let first = *ts.first().ok_or("no advert at all")?;
    if first > from {
        return Err(format!(
            "no advert before the HUP (first {:?} after it)",
            first.duration_since(from).unwrap_or_default()
        ));
    }
    let mut edges = ts.clone();
    edges.push(to);
    let gap = edges
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).unwrap_or_default())
        .max()
        .unwrap_or_default();
    Ok(gap)
}

/// r1 runs the seed master; its config file then gains `include TARGET`
/// and it gets a HUP.
fn reload_with_include(target: &str, kind: &str, make: impl FnOnce(&Lan) -> String) {
    let lan = Lan::new(1);
    let mut r1 = lan.spawn(1, &seed_master());
    assert!(
        wait_until(GENEROUS, STEP, || has_vip(lan.r(1), VIP)).is_some(),
        "r1 never became master{}",
        logs(&r1)
    );
    let cap = lan.capture();
    let path = make(&lan);
    r1.write_conf(&format!("{}include {path}\n", seed_master()));
    let before = r1.log().len();
    // Let an advert or two be captured before the HUP.
    std::thread::sleep(ADVERT_INT + ADVERT_INT / 2);
    let hup = SystemTime::now();
    r1.signal("HUP");
    let failed = "Reload failed, keeping the running configuration";
    assert!(
        wait_until(GENEROUS, STEP, || r1.log_since(before).contains(failed)).is_some(),
        "{target}: no failed reload in the log{}",
        logs(&r1)
    );
    let log = r1.log_since(before);
    let why = format!("include: {path} is not a regular file ({kind}); not read");
    assert!(log.contains(&why), "{target}: {why:?} not in{}", logs(&r1));
    std::thread::sleep(WATCH);
    let end = SystemTime::now();
    assert!(has_vip(lan.r(1), VIP), "{target}: VIP lost{}", logs(&r1));
    assert!(
        !r1.log_since(before).contains("Entering BACKUP STATE"),
        "{target}: the failed reload changed the state{}",
        logs(&r1)
    );
    let gap = largest_gap(&cap, hup, end).unwrap_or_else(|e| panic!("{target}: {e}"));
    println!(
        "{target}: largest gap between adverts around the failed reload: {:.3} s",
        secs(gap)
    );
    assert!(
        gap < ADVERT_INT * 3 / 2,
        "{target}: adverts stopped for {gap:?}{}",
        logs(&r1)
    );
    r1.signal("TERM");
    let status = r1
        .wait_exit(GENEROUS)
        .unwrap_or_else(|| panic!("{target}: still running 10 s after SIGTERM{}", logs(&r1)));
    assert!(status.success(), "{target}: exit status {status}");
}

#[test]
fn reload_including_a_fifo_fails_and_keeps_advertising() {
    if !root_or_skip() {
        return;
    }
    reload_with_include("FIFO", "a FIFO", |lan| {
        let fifo = lan.dir.join("pipe.conf");
        let fifo = fifo.to_str().expect("utf-8 path").to_string();
        must(&["mkfifo", &fifo]);
        fifo
    });
}

#[test]
fn reload_including_dev_zero_fails_and_keeps_advertising() {
    if !root_or_skip() {
        return;
    }
    reload_with_include("/dev/zero", "a character device", |_| {
        "/dev/zero".to_string()
    });
}
