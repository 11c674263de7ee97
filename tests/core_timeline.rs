//! Timeline tests of the protocol core: scripted events at virtual times
//! with the exact actions expected. One test per transition of RFC 5798
//! §6.4 and per keepalived difference.

use std::net::{IpAddr, Ipv4Addr};

use arrayvec::ArrayVec;
use tinyvrrpd::time::{Duration, Instant};
use tinyvrrpd::vrrp::{Action, Actions, Event, Instance, Params, State, Timer, Why};
use tinyvrrpd::wire::vrrp::{Advert, AuthType, ChecksumForm, RxError, Version};

const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
const ME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
const LOWER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const HIGHER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3));

fn params(priority: u8, version: Version) -> Params {
    let mut vips = ArrayVec::new();
    vips.push(VIP);
    Params {
        vrid: 41,
        version,
        priority,
        advert_int_cs: 100,
        preempt: true,
        preempt_delay: Duration::ZERO,
        garp_master_delay: Duration::from_secs(5),
        garp_master_repeat: 5,
        garp_master_refresh: Duration::ZERO,
        garp_master_refresh_repeat: 1,
        garp_lower_prio_repeat: 5,
        garp_lower_prio_delay: Duration::from_secs(5),
        lower_prio_no_advert: false,
        primary: ME,
        auth_type: if version == Version::V2 {
            AuthType::Pass
        } else {
            AuthType::None
        },
        auth_data: if version == Version::V2 {
            *b"1066\0\0\0\0"
        } else {
            [0; 8]
        },
        vips,
        skip_check_adv_addr: false,
        checksum_form: ChecksumForm::PseudoHeader,
    }
}

fn ms(n: u64) -> Instant {
    Instant::from_micros(n * 1000)
}

fn run(i: &mut Instance, ev: Event<'_>, now: Instant) -> Vec<Action> {
    let mut out = Actions::new();
    i.on_event(ev, now, &mut out);
    out.into_iter().collect()
}

fn become_master(why: Why, from: State, prio: u8) -> Vec<Action> {
    vec![
        Action::Transition {
            from,
            to: State::Master,
            why,
        },
        Action::SendAdvert { priority: prio },
        Action::AddVips,
        Action::SendGarp { count: 5 },
    ]
}

/// A backup at priority 100, v2, started at t=0.
fn backup(prio: u8) -> Instance {
    let mut i = Instance::new(params(prio, Version::V2));
    let a = run(&mut i, Event::Startup, ms(0));
    assert_eq!(
        a,
        vec![
            Action::DelVips,
            Action::Transition {
                from: State::Init,
                to: State::Backup,
                why: Why::Startup
            }
        ]
    );
    i
}

/// A master at `prio` (became master through the down timer).
fn master(prio: u8) -> (Instance, Instant) {
    let mut i = backup(prio);
    let t = i.next_deadline().expect("backup has a down timer");
    let a = run(&mut i, Event::Timeout, t);
    assert_eq!(a, become_master(Why::MasterDown, State::Backup, prio));
    (i, t)
}

#[test]
fn startup_enters_backup_with_master_down_interval() {
    // RFC 5798 §6.4.1; skew for priority 100 at 1 s: 156/256 s.
    let i = backup(100);
    assert_eq!(i.state(), State::Backup);
    assert_eq!(i.skew_time(), Duration::from_micros(609_375));
    assert_eq!(
        i.next_deadline(),
        Some(ms(3000) + Duration::from_micros(609_375))
    );
}

#[test]
fn owner_becomes_master_at_startup() {
    // RFC 5798 §6.4.1: priority 255 goes straight to Master.
    let mut i = Instance::new(params(255, Version::V2));
    let a = run(&mut i, Event::Startup, ms(0));
    let mut want = vec![Action::DelVips];
    want.extend(become_master(Why::Owner, State::Init, 255));
    assert_eq!(a, want);
    assert_eq!(i.next_deadline(), Some(ms(1000)));
}

#[test]
fn spurious_timeout_does_nothing() {
    let mut i = backup(100);
    let deadline = i.next_deadline().unwrap();
    assert!(run(&mut i, Event::Timeout, ms(10)).is_empty());
    assert!(run(&mut i, Event::Timeout, deadline - Duration::from_micros(1)).is_empty());
    assert_eq!(i.state(), State::Backup);
    assert_eq!(i.next_deadline(), Some(deadline));
}

#[test]
fn master_down_timer_makes_master_then_adverts_every_interval() {
    // RFC 5798 §6.4.2 (timer fires) and §6.4.3 (Adver_Timer).
    let (mut i, t) = master(100);
    assert_eq!(i.stats().become_master, 1);
    assert_eq!(i.next_deadline(), Some(t + Duration::from_secs(1)));
    for k in 1..=3u64 {
        let now = t + Duration::from_secs(k);
        assert_eq!(
            run(&mut i, Event::Timeout, now),
            vec![Action::SendAdvert { priority: 100 }]
        );
    }
    assert_eq!(i.stats().advert_sent, 4);
}

#[test]
fn adverts_keep_their_schedule_despite_late_wakeups() {
    // A timer that fires 3 ms late does not push the next advert later.
    let (mut i, t) = master(100);
    let late = t + Duration::from_secs(1) + Duration::from_millis(3);
    assert_eq!(
        run(&mut i, Event::Timeout, late),
        vec![Action::SendAdvert { priority: 100 }]
    );
    assert_eq!(i.next_deadline(), Some(t + Duration::from_secs(2)));
    // A stall longer than an interval starts the schedule again from now.
    let stalled = t + Duration::from_millis(3500);
    run(&mut i, Event::Timeout, stalled);
    assert_eq!(i.next_deadline(), Some(stalled + Duration::from_secs(1)));
}

#[test]
fn backup_follows_higher_priority_master() {
    // RFC 5798 §6.4.2: priority >= ours resets Master_Down_Timer.
    let mut i = backup(100);
    let adv = i.params().advert(200);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        ms(2000),
    );
    assert!(a.is_empty());
    assert_eq!(
        i.next_deadline(),
        Some(ms(5000) + Duration::from_micros(609_375))
    );
    assert_eq!(i.master_addr(), Some(LOWER));
    assert_eq!(i.stats().advert_rcvd, 1);
}

#[test]
fn backup_takes_over_after_skew_on_priority_zero() {
    // RFC 5798 §6.4.2: priority 0 sets Master_Down_Timer to Skew_Time.
    let mut i = backup(100);
    let adv = i.params().advert(0);
    run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        ms(1000),
    );
    let t = i.next_deadline().unwrap();
    assert_eq!(t, ms(1000) + Duration::from_micros(609_375));
    assert_eq!(
        run(&mut i, Event::Timeout, t),
        become_master(Why::MasterDown, State::Backup, 100)
    );
    assert_eq!(i.stats().pri_zero_rcvd, 1);
}

#[test]
fn preempting_backup_ignores_lower_priority_master() {
    // RFC 5798 §6.4.2: with Preempt_Mode a lower priority advert is discarded.
    let mut i = backup(150);
    let before = i.next_deadline();
    let adv = i.params().advert(100);
    assert!(
        run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: HIGHER
            },
            ms(1000)
        )
        .is_empty()
    );
    assert_eq!(i.next_deadline(), before);
}

#[test]
fn nopreempt_backup_follows_lower_priority_master() {
    let mut p = params(150, Version::V2);
    p.preempt = false;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let adv = i.params().advert(100);
    for k in 1..=20 {
        run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: HIGHER,
            },
            ms(1000 * k),
        );
        assert!(run(&mut i, Event::Timeout, ms(1000 * k + 1)).is_empty());
    }
    assert_eq!(i.state(), State::Backup);
}

#[test]
fn preempt_delay_holds_then_preempts() {
    // keepalived: preempt_delay counts from the first lower-priority advert.
    let mut p = params(150, Version::V2);
    p.preempt_delay = Duration::from_secs(10);
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let adv = i.params().advert(100);
    let mut became_master_at = None;
    for k in 1..=30u64 {
        let now = ms(1000 * k);
        if let Some(t) = i.next_deadline() {
            if t <= now && i.state() == State::Backup {
                run(&mut i, Event::Timeout, t);
                became_master_at = Some(t);
                break;
            }
        }
        run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: HIGHER,
            },
            now,
        );
    }
    // First lower advert at 1 s, so preemption waits until 11 s; the last
    // advert that still resets the timer is at 10 s, so the timer fires at
    // 10 s + Master_Down_Interval (3 s + 106/256 s).
    assert_eq!(
        became_master_at,
        Some(ms(13000) + Duration::from_micros(1_000_000 * 106 / 256))
    );
}

fn lower_priority(from: IpAddr, theirs: u8, ours: u8) -> Action {
    Action::LowerPriority {
        from,
        theirs,
        ours,
        answered: true,
    }
}

#[test]
fn master_answers_lower_priority_at_once() {
    // keepalived: a lower-priority advert is answered with ours at once,
    // and the VIPs are re-announced (garp_lower_prio_repeat).
    let (mut i, t) = master(200);
    let adv = i.params().advert(100);
    let now = t + Duration::from_millis(300);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: HIGHER,
        },
        now,
    );
    assert_eq!(
        a,
        vec![
            lower_priority(HIGHER, 100, 200),
            Action::SendAdvert { priority: 200 },
            Action::SendGarp { count: 5 }
        ]
    );
    assert_eq!(i.next_deadline(), Some(now + Duration::from_secs(1)));
    assert_eq!(i.state(), State::Master);
}

#[test]
fn master_backs_off_to_higher_priority() {
    // RFC 5798 §6.4.3: a higher priority advert makes the master a backup.
    let (mut i, t) = master(100);
    let adv = i.params().advert(200);
    let now = t + Duration::from_millis(300);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        now,
    );
    assert_eq!(
        a,
        vec![
            Action::Transition {
                from: State::Master,
                to: State::Backup,
                why: Why::HigherPriority {
                    theirs: 200,
                    ours: 100
                }
            },
            Action::DelVips
        ]
    );
    assert_eq!(i.stats().release_master, 1);
    assert_eq!(
        i.next_deadline(),
        Some(now + Duration::from_secs(3) + Duration::from_micros(609_375))
    );
}

#[test]
fn equal_priority_goes_to_higher_address() {
    // RFC 5798 §6.4.3: equal priority, the larger primary address wins.
    let (mut i, t) = master(100);
    let adv = i.params().advert(100);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        t,
    );
    assert_eq!(
        a,
        vec![
            lower_priority(LOWER, 100, 100),
            Action::SendAdvert { priority: 100 },
            Action::SendGarp { count: 5 }
        ]
    );
    assert_eq!(i.state(), State::Master);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: HIGHER,
        },
        t,
    );
    assert_eq!(i.state(), State::Backup);
    assert_eq!(a.last(), Some(&Action::DelVips));
}

#[test]
fn master_answers_priority_zero_at_once() {
    // RFC 5798 §6.4.3 does not say; keepalived advertises at once.
    let (mut i, t) = master(100);
    let adv = i.params().advert(0);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        t,
    );
    assert_eq!(a, vec![Action::SendAdvert { priority: 100 }]);
    assert_eq!(i.state(), State::Master);
}

#[test]
fn shutdown_as_master_sends_priority_zero() {
    // RFC 5798 §6.4.3 Shutdown: advert with priority 0, then Initialize.
    let (mut i, t) = master(100);
    let a = run(&mut i, Event::Shutdown, t);
    assert_eq!(
        a,
        vec![
            Action::Transition {
                from: State::Master,
                to: State::Init,
                why: Why::Shutdown
            },
            Action::SendAdvert { priority: 0 },
            Action::DelVips
        ]
    );
    assert_eq!(i.next_deadline(), None);
    assert_eq!(i.stats().pri_zero_sent, 1);
}

#[test]
fn shutdown_as_backup_sends_nothing() {
    // RFC 5798 §6.4.2 Shutdown: cancel the timer, Initialize.
    let mut i = backup(100);
    let a = run(&mut i, Event::Shutdown, ms(10));
    assert_eq!(
        a,
        vec![Action::Transition {
            from: State::Backup,
            to: State::Init,
            why: Why::Shutdown
        }]
    );
    assert_eq!(i.next_deadline(), None);
}

#[test]
fn link_down_as_master_releases_then_link_up_is_backup() {
    // keepalived: FAULT on link down sends priority 0; leaving FAULT is BACKUP.
    let (mut i, t) = master(100);
    let a = run(&mut i, Event::LinkDown, t);
    assert_eq!(
        a,
        vec![
            Action::Transition {
                from: State::Master,
                to: State::Fault,
                why: Why::LinkDown
            },
            Action::SendAdvert { priority: 0 },
            Action::DelVips
        ]
    );
    assert_eq!(i.next_deadline(), None);
    // Adverts are not acted on in Fault.
    let adv = i.params().advert(200);
    assert!(
        run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: LOWER
            },
            t
        )
        .is_empty()
    );
    let later = t + Duration::from_secs(7);
    let a = run(&mut i, Event::LinkUp, later);
    assert_eq!(
        a,
        vec![Action::Transition {
            from: State::Fault,
            to: State::Backup,
            why: Why::LinkUp
        }]
    );
    assert_eq!(
        i.next_deadline(),
        Some(later + Duration::from_secs(3) + Duration::from_micros(609_375))
    );
}

#[test]
fn link_down_as_backup_is_fault_without_advert() {
    let mut i = backup(100);
    let a = run(&mut i, Event::LinkDown, ms(5));
    assert_eq!(
        a,
        vec![Action::Transition {
            from: State::Backup,
            to: State::Fault,
            why: Why::LinkDown
        }]
    );
}

#[test]
fn v3_backup_learns_master_adver_interval() {
    // RFC 5798 §6.4.2: Master_Adver_Interval from the advert.
    let mut p = params(100, Version::V3);
    p.advert_int_cs = 100;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let mut adv = i.params().advert(200);
    adv.max_adver_int_cs = 10;
    run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        ms(50),
    );
    assert_eq!(i.master_adver_int(), Duration::from_millis(100));
    // 3 x 100 ms + (156 x 100 ms / 256)
    assert_eq!(
        i.next_deadline(),
        Some(ms(350) + Duration::from_micros(60_937))
    );
}

#[test]
fn v2_skew_uses_local_interval() {
    // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds, times our interval.
    let mut p = params(100, Version::V2);
    p.advert_int_cs = 300;
    let i = Instance::new(p);
    assert_eq!(i.skew_time(), Duration::from_micros(3 * 609_375));
    assert_eq!(
        i.master_down_interval(),
        Duration::from_secs(9) + Duration::from_micros(3 * 609_375)
    );
}

#[test]
fn garp_second_burst_and_refresh() {
    // keepalived: garp_master_delay second burst, garp_master_refresh period.
    let mut p = params(100, Version::V2);
    p.garp_master_refresh = Duration::from_secs(7);
    p.garp_master_refresh_repeat = 2;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let t = i.next_deadline().unwrap();
    run(&mut i, Event::Timeout, t);
    let mut garps = Vec::new();
    let mut now = t;
    for _ in 0..40 {
        now = i.next_deadline().unwrap();
        for a in run(&mut i, Event::Timeout, now) {
            if let Action::SendGarp { count } = a {
                garps.push((now.saturating_since(t).as_millis(), count));
            }
        }
        if now.saturating_since(t) > Duration::from_secs(15) {
            break;
        }
    }
    assert!(now.saturating_since(t) > Duration::from_secs(15));
    assert_eq!(garps, vec![(5000, 5), (7000, 2), (14000, 2)]);
}

#[test]
fn garp_delay_zero_means_one_burst() {
    let mut p = params(255, Version::V2);
    p.garp_master_delay = Duration::ZERO;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    for k in 1..=10 {
        let a = run(&mut i, Event::Timeout, ms(1000 * k));
        assert_eq!(a, vec![Action::SendAdvert { priority: 255 }]);
    }
}

fn rejected(i: &mut Instance, adv: &Advert) -> Vec<Action> {
    run(
        i,
        Event::Advert {
            advert: adv,
            src: LOWER,
        },
        ms(100),
    )
}

#[test]
fn receive_checks_reject_and_count() {
    // RFC 3768 §7.1, keepalived's vrrp_check_packet.
    let mut i = backup(100);
    let deadline = i.next_deadline();
    let good = i.params().advert(200);
    let cases: Vec<(Advert, RxError)> = vec![
        (
            Advert {
                version: Version::V3,
                auth_type: AuthType::None,
                auth_data: [0; 8],
                ..good.clone()
            },
            RxError::BadVersion,
        ),
        (
            Advert {
                auth_type: AuthType::None,
                ..good.clone()
            },
            RxError::AuthTypeMismatch,
        ),
        (
            Advert {
                auth_data: *b"1067\0\0\0\0",
                ..good.clone()
            },
            RxError::AuthFailure,
        ),
        (
            Advert {
                max_adver_int_cs: 200,
                ..good.clone()
            },
            RxError::IntervalMismatch,
        ),
        (
            Advert {
                addrs: ArrayVec::new(),
                ..good.clone()
            },
            RxError::AddrCountMismatch,
        ),
        (
            Advert {
                addrs: [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 101))]
                    .into_iter()
                    .collect(),
                ..good.clone()
            },
            RxError::AddrListMismatch,
        ),
    ];
    for (adv, why) in &cases {
        assert_eq!(
            rejected(&mut i, adv),
            vec![Action::Rejected(*why)],
            "{why:?}"
        );
        assert_eq!(i.stats().rejected[why.index()], 1, "{why:?}");
    }
    // None of them touched the timer or the counters of good adverts.
    assert_eq!(i.next_deadline(), deadline);
    assert_eq!(i.stats().advert_rcvd, 0);
}

#[test]
fn skip_check_adv_addr_accepts_other_address_lists() {
    let mut p = params(100, Version::V2);
    p.skip_check_adv_addr = true;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let mut adv = i.params().advert(200);
    adv.addrs.clear();
    assert!(rejected(&mut i, &adv).is_empty());
    assert_eq!(i.stats().advert_rcvd, 1);
}

#[test]
fn own_adverts_are_ignored() {
    let (mut i, t) = master(100);
    let adv = i.params().advert(100);
    assert!(
        run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: ME
            },
            t
        )
        .is_empty()
    );
    assert_eq!(i.stats().advert_rcvd, 0);
}

#[test]
fn reconfigure_keeps_state_and_timers() {
    let (mut i, t) = master(100);
    let mut p = i.params().clone();
    p.priority = 120;
    i.reconfigure(p, t);
    assert_eq!(i.state(), State::Master);
    assert_eq!(i.effective_priority(), 120);
    assert_eq!(
        run(&mut i, Event::Timeout, t + Duration::from_secs(1)),
        vec![Action::SendAdvert { priority: 120 }]
    );
}

#[test]
fn reload_that_removes_garp_refresh_stops_refreshing() {
    // Issue 10 item 1: a master with garp_master_refresh reloaded without
    // it kept its refresh timer, which then re-armed at now + 0 for ever.
    let mut p = params(100, Version::V2);
    p.garp_master_refresh = Duration::from_secs(7);
    p.garp_master_delay = Duration::ZERO;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let t = i.next_deadline().unwrap();
    run(&mut i, Event::Timeout, t);
    let mut off = i.params().clone();
    off.garp_master_refresh = Duration::ZERO;
    i.reconfigure(off, t);
    // Follow the instance's own deadlines for 30 s of virtual time, bounded
    // in steps: every deadline must lie ahead, and no GARP may follow.
    let mut now = t;
    let mut garps = 0;
    for _ in 0..100 {
        let next = i.next_deadline().expect("a master has an advert timer");
        assert!(next > now, "timer armed at {next:?}, not after {now:?}");
        now = next;
        garps += run(&mut i, Event::Timeout, now)
            .iter()
            .filter(|a| matches!(a, Action::SendGarp { .. }))
            .count();
    }
    assert!(now.saturating_since(t) >= Duration::from_secs(30));
    assert_eq!(garps, 0);
}

/// Runs the instance's own timeouts up to `until`, bounded, and returns
/// every action with the time (ms since `from`) it happened at. Each
/// deadline must lie after the moment it was set.
fn timeouts_until(i: &mut Instance, from: Instant, until: Instant) -> Vec<(u64, Action)> {
    let mut seen = Vec::new();
    let mut now = from;
    for _ in 0..10_000 {
        let Some(next) = i.next_deadline() else { break };
        assert!(next > now, "timer armed at {next:?}, not after {now:?}");
        if next > until {
            break;
        }
        now = next;
        for a in run(i, Event::Timeout, now) {
            seen.push((now.saturating_since(from).as_millis(), a));
        }
    }
    seen
}

fn garps_of(actions: &[(u64, Action)]) -> Vec<(u64, u32)> {
    actions
        .iter()
        .filter_map(|(t, a)| match a {
            Action::SendGarp { count } => Some((*t, *count)),
            _ => None,
        })
        .collect()
}

/// A master at 200 with no second burst of its own, so that the GARPs
/// seen are the re-announcement's.
fn master_for_reannounce(tweak: impl FnOnce(&mut Params)) -> (Instance, Instant) {
    let mut p = params(200, Version::V2);
    p.garp_master_delay = Duration::ZERO;
    tweak(&mut p);
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let t = i.next_deadline().unwrap();
    run(&mut i, Event::Timeout, t);
    (i, t)
}

#[test]
fn lower_priority_reannounces_now_and_after_the_delay() {
    // keepalived: vrrp_state_master_rx sends garp_lower_prio_repeat GARPs
    // at once and vrrp_lower_prio_gratuitous_arp_thread the same again
    // garp_lower_prio_delay later.
    let (mut i, t) = master_for_reannounce(|p| {
        p.garp_lower_prio_repeat = 3;
        p.garp_lower_prio_delay = Duration::from_secs(2);
    });
    let adv = i.params().advert(100);
    let now = t + Duration::from_millis(300);
    let a = run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        now,
    );
    assert_eq!(
        a,
        vec![
            lower_priority(LOWER, 100, 200),
            Action::SendAdvert { priority: 200 },
            Action::SendGarp { count: 3 }
        ]
    );
    let later = timeouts_until(&mut i, now, now + Duration::from_secs(10));
    assert_eq!(garps_of(&later), vec![(2000, 3)]);
}

#[test]
fn lower_prio_no_advert_and_no_repeat() {
    // keepalived: lower_prio_no_advert sends no answer (and keeps the
    // advert schedule); garp_lower_prio_repeat 0 sends no GARP.
    let (mut i, t) = master_for_reannounce(|p| p.lower_prio_no_advert = true);
    let before = i.next_deadline();
    let adv = i.params().advert(100);
    let now = t + Duration::from_millis(300);
    let ev = Event::Advert {
        advert: &adv,
        src: LOWER,
    };
    assert_eq!(
        run(&mut i, ev, now),
        vec![
            Action::LowerPriority {
                from: LOWER,
                theirs: 100,
                ours: 200,
                answered: false
            },
            Action::SendGarp { count: 5 }
        ]
    );
    assert_eq!(i.next_deadline(), before);

    let (mut i, t) = master_for_reannounce(|p| p.garp_lower_prio_repeat = 0);
    let now = t + Duration::from_millis(300);
    assert_eq!(
        run(&mut i, ev, now),
        vec![
            lower_priority(LOWER, 100, 200),
            Action::SendAdvert { priority: 200 }
        ]
    );
    let later = timeouts_until(&mut i, now, now + Duration::from_secs(10));
    assert_eq!(garps_of(&later), vec![]);
}

#[test]
fn lower_priority_flood_is_answered_once_per_interval() {
    // Issue 10 item 8: 10,000 lower-priority adverts within one interval
    // (1 s) yield one advert and one GARP burst, then one delayed burst;
    // a flood kept up for 10 s yields at most one answer per interval.
    let (mut i, t) = master_for_reannounce(|_| {});
    let adv = i.params().advert(100);
    let ev = Event::Advert {
        advert: &adv,
        src: LOWER,
    };
    let start = t + Duration::from_millis(10);
    // (answers, adverts, GARP bursts)
    let mut sent = (0, 0, 0);
    let tally = |sent: &mut (u32, u32, u32), a: Vec<Action>| {
        for a in a {
            match a {
                Action::LowerPriority { .. } => sent.0 += 1,
                Action::SendAdvert { .. } => sent.1 += 1,
                Action::SendGarp { .. } => sent.2 += 1,
                _ => {}
            }
        }
    };
    for k in 0..10_000u64 {
        tally(
            &mut sent,
            run(&mut i, ev, start + Duration::from_micros(k * 90)),
        );
    }
    assert_eq!(sent, (1, 1, 1), "within one interval");
    // The rest of 10 s at 10,000 pps, with the timeouts as they come.
    let mut now = start + Duration::from_micros(10_000 * 90);
    let end = start + Duration::from_secs(10);
    while now < end {
        if let Some(d) = i.next_deadline().filter(|d| *d <= now) {
            tally(&mut sent, run(&mut i, Event::Timeout, d));
        }
        tally(&mut sent, run(&mut i, ev, now));
        now = now + Duration::from_micros(100);
    }
    // One answer (with its burst) per 1 s interval, besides the scheduled
    // adverts; the delayed burst keeps being pushed back by the flood.
    let (answers, adverts, bursts) = sent;
    assert!(answers <= 10, "{answers} answers in 10 s");
    assert!(adverts <= 2 * 10, "{adverts} adverts in 10 s");
    assert_eq!(bursts, answers);
    assert_eq!(i.state(), State::Master);
}

#[test]
fn priority_zero_flood_is_answered_once_per_interval() {
    let (mut i, t) = master(100);
    let adv = i.params().advert(0);
    let mut answers = 0;
    for k in 0..1_000u64 {
        let a = run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: LOWER,
            },
            t + Duration::from_micros(k * 900),
        );
        answers += a.len();
    }
    assert_eq!(answers, 1);
}

#[test]
fn v3_interval_zero_adverts_are_rejected_and_cause_no_flip() {
    // Issue 10 item 5: Max Adver Int 0 made Master_Down_Interval 0, and
    // 5 spoofed adverts made 4 flips.
    let mut p = params(100, Version::V3);
    p.advert_int_cs = 10;
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let mut flips = 0;
    let mut rejected = 0;
    for k in 0..5u64 {
        // Alternately higher and lower priority than ours, from a stranger.
        let mut adv = i.params().advert(if k % 2 == 0 { 255 } else { 1 });
        adv.max_adver_int_cs = 0;
        let now = ms(20 + 50 * k);
        for a in run(
            &mut i,
            Event::Advert {
                advert: &adv,
                src: HIGHER,
            },
            now,
        ) {
            match a {
                Action::Transition { .. } => flips += 1,
                Action::Rejected(RxError::IntervalTooShort) => rejected += 1,
                _ => {}
            }
        }
        let next = i.next_deadline().unwrap();
        assert!(next > now);
        if next <= now + Duration::from_millis(1) {
            flips += run(&mut i, Event::Timeout, next)
                .iter()
                .filter(|a| matches!(a, Action::Transition { .. }))
                .count();
        }
    }
    assert_eq!((flips, rejected), (0, 5));
    assert_eq!(i.stats().rejected[RxError::IntervalTooShort.index()], 5);
    assert_eq!(i.master_adver_int(), Duration::from_millis(100));
}

#[test]
fn reload_turns_garp_refresh_on_and_changes_its_period() {
    let (mut i, t) = master_for_reannounce(|_| {});
    // Off -> every 3 s, counted from the reload.
    let reload = t + Duration::from_millis(500);
    let mut p = i.params().clone();
    p.garp_master_refresh = Duration::from_secs(3);
    i.reconfigure(p, reload);
    let seen = timeouts_until(&mut i, reload, reload + Duration::from_secs(7));
    assert_eq!(garps_of(&seen), vec![(3000, 1), (6000, 1)]);
    // 3 s -> 10 s: the next refresh 10 s after this reload.
    let reload = reload + Duration::from_secs(7);
    let mut p = i.params().clone();
    p.garp_master_refresh = Duration::from_secs(10);
    i.reconfigure(p, reload);
    let seen = timeouts_until(&mut i, reload, reload + Duration::from_secs(12));
    assert_eq!(garps_of(&seen), vec![(10_000, 1)]);
    // Unchanged: the schedule is kept.
    let before = i.next_deadline();
    let p = i.params().clone();
    i.reconfigure(p, reload + Duration::from_secs(12));
    assert_eq!(i.next_deadline(), before);
}

#[test]
fn reload_cancels_pending_bursts_set_to_none() {
    // garp_master_delay 0 and garp_lower_prio_delay 0 mean "no second
    // burst": a reload to them cancels a pending one.
    let (mut i, t) = master(200);
    let adv = i.params().advert(100);
    run(
        &mut i,
        Event::Advert {
            advert: &adv,
            src: LOWER,
        },
        t + Duration::from_millis(100),
    );
    let mut p = i.params().clone();
    p.garp_master_delay = Duration::ZERO;
    p.garp_lower_prio_delay = Duration::ZERO;
    let reload = t + Duration::from_millis(200);
    i.reconfigure(p, reload);
    let seen = timeouts_until(&mut i, reload, reload + Duration::from_secs(10));
    assert_eq!(garps_of(&seen), vec![]);
}

#[test]
fn reload_of_advert_int_keeps_adverts_no_later_than_before() {
    let (mut i, t) = master(100);
    // 1 s -> 3 s: the advert due at t + 1 s still goes then, then every 3 s.
    let reload = t + Duration::from_millis(400);
    let mut p = i.params().clone();
    p.advert_int_cs = 300;
    i.reconfigure(p, reload);
    assert_eq!(i.next_deadline(), Some(t + Duration::from_secs(1)));
    run(&mut i, Event::Timeout, t + Duration::from_secs(1));
    assert_eq!(i.next_deadline(), Some(t + Duration::from_secs(4)));
    // 3 s -> 1 s: the next advert within the new interval.
    let reload = t + Duration::from_millis(1500);
    let mut p = i.params().clone();
    p.advert_int_cs = 100;
    i.reconfigure(p, reload);
    assert_eq!(i.next_deadline(), Some(reload + Duration::from_secs(1)));
}

#[test]
fn reload_of_backup_priority_restarts_the_down_timer() {
    let mut i = backup(100);
    let adv = i.params().advert(200);
    let ev = Event::Advert {
        advert: &adv,
        src: LOWER,
    };
    run(&mut i, ev, ms(1000));
    let kept = i.next_deadline();
    // Unchanged parameters: the timer is kept.
    let p = i.params().clone();
    i.reconfigure(p, ms(1500));
    assert_eq!(i.next_deadline(), kept);
    // A new priority changes the skew: a full Master_Down_Interval from now.
    let mut p = i.params().clone();
    p.priority = 150;
    i.reconfigure(p, ms(2000));
    assert_eq!(
        i.next_deadline(),
        Some(ms(5000) + Duration::from_micros(1_000_000 * 106 / 256))
    );
    assert_eq!(i.state(), State::Backup);
}

#[test]
fn timer_table_shows_each_deadline_and_the_preempt_moment_never_wakes() {
    let mut p = params(150, Version::V2);
    p.preempt_delay = Duration::from_secs(10);
    let mut i = Instance::new(p);
    run(&mut i, Event::Startup, ms(0));
    let down = i.timer(Timer::MasterDown);
    assert!(down.is_some());
    assert_eq!(i.next_deadline(), down);
    assert_eq!(i.timer(Timer::Adver), None);
    // A lower-priority advert starts the preempt clock; the down timer
    // stays the earliest wake-up.
    let adv = i.params().advert(100);
    let ev = Event::Advert {
        advert: &adv,
        src: HIGHER,
    };
    run(&mut i, ev, ms(1000));
    assert_eq!(i.timer(Timer::Preempt), Some(ms(11_000)));
    assert_eq!(i.next_deadline(), i.timer(Timer::MasterDown));
    // Once passed, the preempt moment is kept (later adverts do not restart
    // it) and is no deadline: a backup fed adverts never spins on it.
    for k in 2..=12u64 {
        let ev = Event::Advert {
            advert: &adv,
            src: HIGHER,
        };
        run(&mut i, ev, ms(1000 * k));
    }
    assert_eq!(i.timer(Timer::Preempt), Some(ms(11_000)));
    let next = i.next_deadline().expect("the down timer runs");
    assert!(next > ms(12_000));
    assert_eq!(Some(next), i.timer(Timer::MasterDown));
    // The master's table: the advert and the delayed GARP burst.
    run(&mut i, Event::Timeout, next);
    assert_eq!(i.state(), State::Master);
    assert_eq!(i.timer(Timer::MasterDown), None);
    assert_eq!(i.timer(Timer::Preempt), None);
    assert_eq!(i.timer(Timer::Adver), Some(next + Duration::from_secs(1)));
    assert_eq!(
        i.timer(Timer::GarpDelayed),
        Some(next + Duration::from_secs(5))
    );
    assert_eq!(i.next_deadline(), i.timer(Timer::Adver));
}
