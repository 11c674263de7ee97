//! Route lines, as keepalived 2.2.7 reads them (vrrp_iproute.c
//! `alloc_route`): `virtual_routes` in a vrrp_instance and the root
//! `static_routes` block. Each line is
//! `[inet|inet6] [to] [TYPE] DST[/LEN]|default [via [inet|inet6] GW]
//! [dev IF] [src IP] [table N] [metric N] [scope S] [protocol P] [onlink]
//! [no_track] [add|prepend|append]`, in any order. The route attributes
//! keepalived sends that tinyvrrpd does not (metrics such as `mtu`,
//! `nexthop`, `encap`, ...) refuse the line: installing a different route
//! than the one written would be worse than not loading.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::diag::{Pos, Sink};
use super::keywords::{body, stray_block};
use super::lexer::Word;
use super::model::Vip;
use super::tree::Node;
use super::values::{
    named, named_or_u8, parse_int, parse_ip, parse_prefix, parse_scope, word_index, word_table,
};

/// `RTPROT_KEEPALIVED`: keepalived marks its routes with it.
pub const RTPROT_KEEPALIVED: u8 = 18;
/// `RTN_UNICAST`, the type of an ordinary route.
pub const RTN_UNICAST: u8 = 1;
/// `RT_TABLE_MAIN`.
pub const RT_TABLE_MAIN: u32 = 254;

/// How a new route is added (keepalived's `add`, `prepend`, `append`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RouteMode {
    /// NLM_F_CREATE: keepalived's default (`prepend`).
    Prepend,
    /// NLM_F_CREATE|NLM_F_EXCL (`add`).
    Add,
    /// NLM_F_CREATE|NLM_F_APPEND (`append`).
    Append,
}

/// One route line.
#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    /// The destination and its prefix length (`default`: the unspecified
    /// address of the route's family, length 0).
    pub dst: IpAddr,
    pub dst_len: u8,
    /// `RTN_*`: 1 unicast, 6 blackhole, 7 unreachable, 8 prohibit, 9 throw.
    pub kind: u8,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    /// `src`: the preferred source address (RTA_PREFSRC).
    pub src: Option<IpAddr>,
    pub table: u32,
    pub metric: Option<u32>,
    pub scope: Option<u8>,
    /// keepalived's RTPROT_KEEPALIVED (18) unless `no_track` and
    /// `protocol` say otherwise.
    pub protocol: u8,
    pub onlink: bool,
    pub mode: RouteMode,
}

/// A copy of the plain fields and a clone of the name: smaller than the
/// derived field-by-field clone (issue 17: size).
impl Clone for Route {
    fn clone(&self) -> Route {
        Route {
            dev: self.dev.clone(),
            ..*self
        }
    }
}

/// What a route option word is.
#[derive(Clone, Copy)]
enum Opt {
    Family(bool),
    Src,
    Via(bool),
    Table,
    Protocol,
    Scope,
    Metric,
    Dev,
    Onlink,
    NoTrack,
    Mode(RouteMode),
    /// keepalived 2.2.7 knows it; tinyvrrpd does not send it.
    Unsupported,
    /// `to DST`.
    To,
    /// `TYPE DST`: `RTN_*`.
    Kind(u8),
}

word_table!(
    /// The option words, as data: one search instead of a comparison per
    /// word in code (issue 17: size).
    WORDS, OPTIONS: Opt = [
        "inet" => Opt::Family(false),
        "inet6" => Opt::Family(true),
        "src" => Opt::Src,
        "via" => Opt::Via(false),
        "gw" => Opt::Via(true),
        "table" => Opt::Table,
        "protocol" => Opt::Protocol,
        "scope" => Opt::Scope,
        "metric" => Opt::Metric,
        "priority" => Opt::Metric,
        "preference" => Opt::Metric,
        "dev" => Opt::Dev,
        "oif" => Opt::Dev,
        "onlink" => Opt::Onlink,
        "no_track" => Opt::NoTrack,
        "add" => Opt::Mode(RouteMode::Add),
        "prepend" => Opt::Mode(RouteMode::Prepend),
        "append" => Opt::Mode(RouteMode::Append),
        "from" => Opt::Unsupported,
        "tos" => Opt::Unsupported,
        "dsfield" => Opt::Unsupported,
        "as" => Opt::Unsupported,
        "encap" => Opt::Unsupported,
        "expires" => Opt::Unsupported,
        "mtu" => Opt::Unsupported,
        "hoplimit" => Opt::Unsupported,
        "advmss" => Opt::Unsupported,
        "rtt" => Opt::Unsupported,
        "rttvar" => Opt::Unsupported,
        "reordering" => Opt::Unsupported,
        "window" => Opt::Unsupported,
        "cwnd" => Opt::Unsupported,
        "ssthresh" => Opt::Unsupported,
        "realms" => Opt::Unsupported,
        "rto_min" => Opt::Unsupported,
        "initcwnd" => Opt::Unsupported,
        "initrwnd" => Opt::Unsupported,
        "features" => Opt::Unsupported,
        "quickack" => Opt::Unsupported,
        "congctl" => Opt::Unsupported,
        "pref" => Opt::Unsupported,
        "ttl-propagate" => Opt::Unsupported,
        "fastopen_no_cookie" => Opt::Unsupported,
        "or" => Opt::Unsupported,
        "nexthop" => Opt::Unsupported,
        "track_group" => Opt::Unsupported,
        "vrf" => Opt::Unsupported,
        // Before the destination: `to`, or a type (the route types of
        // `/etc/iproute2/rt_tables`'s companion list a VRRP router has use for).
        "to" => Opt::To,
        "unicast" => Opt::Kind(RTN_UNICAST),
        "blackhole" => Opt::Kind(6),
        "unreachable" => Opt::Kind(7),
        "prohibit" => Opt::Kind(8),
        "throw" => Opt::Kind(9),
    ]
);

fn lookup(w: &str) -> Option<Opt> {
    word_index(w, WORDS).and_then(|i| OPTIONS.get(i).copied())
}

/// The lines of a `virtual_routes` / `static_routes` block, added to
/// `out`: no list of positions to build and drop (only the lines' own
/// messages need them; size: issue 17).
pub fn route_block(sink: &mut Sink, node: &Node, out: &mut Vec<Route>) {
    each_line(sink, node, &mut |words, _, warnings| {
        // Read in place, moved once into the list (issue 17: size).
        let mut d = Draft::new();
        route(&mut d, words, warnings)?;
        out.push(d.r);
        Ok(())
    });
}

/// What a line warns of, in the order it is said: the deprecated `gw` so
/// many times, then the protocol reset of a tracked route or rule (its
/// message). Counted, not a Vec of messages to push, walk and drop (issue
/// 17: size).
#[derive(Default)]
pub(super) struct Warnings {
    gw: u32,
    pub(super) untracked: Option<&'static str>,
}

const GW: &str = "\"gw\" for routes is deprecated. Please use \"via\"";

/// Why a route or rule line is refused: its message in pieces (a word of
/// the line or a number between two literals), put together once, where it
/// is said. A `format!` and a `String` per refusal cost code at each, and
/// so did a wider value here (issue 17: size).
#[derive(Clone, Copy, Debug)]
pub(super) enum Why<'a> {
    /// `PRE WORD POST`.
    Text(&'static [&'static str; 2], &'a str),
    /// `PRE N POST [M]`: a rule's numbers.
    Nums(&'static [&'static str; 2], u32, Option<u32>),
}

impl<'a> Why<'a> {
    pub(super) fn says(msg: &'static str) -> Why<'a> {
        Why::Text(&["", ""], msg)
    }

    /// `PRE WORD POST`, `msg` being `[PRE, POST]`.
    pub(super) fn about(msg: &'static [&'static str; 2], word: &'a str) -> Why<'a> {
        Why::Text(msg, word)
    }
}

impl fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Why::Text(&[pre, post], w) => {
                f.write_str(pre)?;
                f.write_str(w)?;
                f.write_str(post)
            }
            Why::Nums(&[pre, post], n, m) => {
                f.write_str(pre)?;
                fmt::Display::fmt(&n, f)?;
                f.write_str(post)?;
                m.map_or(Ok(()), |m| fmt::Display::fmt(&m, f))
            }
        }
    }
}

/// Reads one line of a block: its words and place, adding to its warnings;
/// or why it is refused.
pub(super) type LineReader<'a> =
    dyn for<'w> FnMut(&'w [Word], &Pos, &mut Warnings) -> Result<(), Why<'w>> + 'a;

/// The text of word `i` of a line: read in place, no list of the words'
/// texts to build for each line (issue 17: size).
pub(super) fn word(words: &[Word], i: usize) -> Option<&str> {
    words.get(i).map(|w| w.text.as_str())
}

/// Reads each line of a route or rule block with `read` (its words and
/// place; what it warns of, or why it is refused), and says so: one loop
/// for both blocks.
pub(super) fn each_line(sink: &mut Sink, node: &Node, read: &mut LineReader<'_>) {
    // The block's keyword looked up once, not once per line (size: issue
    // 17).
    let keyword = node.keyword();
    for line in body(node) {
        if stray_block(sink, line, keyword) {
            continue;
        }
        let mut warnings = Warnings::default();
        // A refused line says why, and nothing of what it warned of.
        match read(&line.words, &line.pos, &mut warnings) {
            Ok(()) => {
                for _ in 0..warnings.gw {
                    sink.warn(&line.pos, GW);
                }
                if let Some(w) = warnings.untracked {
                    sink.warn(&line.pos, w);
                }
            }
            Err(e) => sink.error_fmt(&line.pos, format_args!("{keyword}: {e}")),
        }
    }
}

/// What the line has said so far: the route itself, keepalived's
/// defaults where nothing was said, and what `finish` settles.
struct Draft {
    r: Route,
    v6: Option<bool>,
    /// The destination was given: true, or `default` (the unspecified
    /// address of the route's family, known at the end).
    dst: Option<bool>,
    no_track: bool,
}

impl Draft {
    fn new() -> Draft {
        Draft {
            r: Route {
                dst: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                dst_len: 0,
                kind: RTN_UNICAST,
                via: None,
                dev: None,
                src: None,
                table: RT_TABLE_MAIN,
                metric: None,
                scope: None,
                protocol: RTPROT_KEEPALIVED,
                onlink: false,
                mode: RouteMode::Prepend,
            },
            v6: None,
            dst: None,
            no_track: false,
        }
    }

    fn family<'a>(&mut self, v6: bool) -> Result<(), Why<'a>> {
        match self.v6 {
            Some(f) if f != v6 => Err(Why::says("Cannot mix IPv4 and IPv6 addresses for route")),
            _ => {
                self.v6 = Some(v6);
                Ok(())
            }
        }
    }

    /// `src` (false) or `via` (true) `text`.
    // Out of line: inlined into its one caller it grew the line's reader
    // by more than it weighs (issue 17: size).
    #[inline(never)]
    fn addr<'a>(&mut self, via: bool, text: Option<&'a str>) -> Result<(), Why<'a>> {
        let what = if via { "via" } else { "src" };
        let text = text.ok_or(Why::about(&["route ", " needs a value"], what))?;
        let bad = if via {
            &["invalid route via address ", ""]
        } else {
            &["invalid route src address ", ""]
        };
        let a = parse_ip(text).ok_or(Why::about(bad, text))?;
        self.family(a.is_ipv6())?;
        *if via {
            &mut self.r.via
        } else {
            &mut self.r.src
        } = Some(a);
        Ok(())
    }
}

/// One route line's words into `d.r` (its warnings added to `warnings`),
/// or why it is refused.
fn route<'a>(d: &mut Draft, words: &'a [Word], warnings: &mut Warnings) -> Result<(), Why<'a>> {
    let mut i = 0;
    while let Some(w) = word(words, i) {
        let rest = words.get(i..).unwrap_or_default();
        i += option(d, w, rest, warnings)?;
    }
    finish(d, warnings)
}

/// Reads one option (or the destination) at `w`; returns how many words
/// it took.
fn option<'a>(
    d: &mut Draft,
    w: &'a str,
    rest: &'a [Word],
    warnings: &mut Warnings,
) -> Result<usize, Why<'a>> {
    let (next, after) = (word(rest, 1), word(rest, 2));
    let opt = lookup(w);
    match opt {
        // keepalived 2.2.7 steps over the word after `inet`/`inet6` too
        // (one `i++` in the branch, one at the end of its loop): the same
        // here, so a line means what it means to keepalived.
        Some(Opt::Family(v6)) => return d.family(v6).map(|()| 2),
        Some(o @ (Opt::Src | Opt::Via(_))) => return address(d, o, next, after, warnings),
        Some(o @ (Opt::Table | Opt::Protocol | Opt::Scope | Opt::Metric | Opt::Dev)) => {
            return value(d, o, next);
        }
        Some(Opt::Onlink) => {
            d.r.onlink = true;
            return Ok(1);
        }
        Some(Opt::NoTrack) => {
            d.no_track = true;
            return Ok(1);
        }
        Some(Opt::Mode(m)) => {
            d.r.mode = m;
            return Ok(1);
        }
        Some(Opt::Unsupported) => {
            return Err(Why::about(
                &["route option '", "' is not supported by tinyvrrpd"],
                w,
            ));
        }
        // `to DST`, `TYPE DST` or DST: one call for the three (size:
        // issue 17).
        Some(Opt::Kind(k)) => d.r.kind = k,
        Some(Opt::To) | None => {}
    }
    destination(d, rest, usize::from(opt.is_some()))
}

/// `table`, `protocol`, `scope`, `metric` or `dev` and its value `next`:
/// returns how many words it took.
fn value<'a>(d: &mut Draft, opt: Opt, next: Option<&'a str>) -> Result<usize, Why<'a>> {
    let (what, bad): (_, &[&str; 2]) = match opt {
        Opt::Table => ("table", &["Routing table ", " not found for route"]),
        Opt::Protocol => (
            "protocol",
            &["Protocol ", " not found or invalid for route"],
        ),
        Opt::Scope => ("scope", &["Scope ", " not found or invalid for route"]),
        Opt::Metric => ("metric", &["Invalid metric ", " specified for route"]),
        _ => ("dev", &["invalid interface name '", "' for route"]),
    };
    let v = next.ok_or(Why::about(&["route ", " needs a value"], what))?;
    let r = &mut d.r;
    let ok = match opt {
        Opt::Table => table(v).map(|t| r.table = t),
        Opt::Protocol => protocol(v).map(|p| r.protocol = p),
        Opt::Scope => parse_scope(v).map(|s| r.scope = Some(s)),
        Opt::Metric => u32_of(v).map(|m| r.metric = Some(m)),
        _ => ifname_ok(v).then(|| r.dev = Some(v.to_string())),
    };
    ok.map(|()| 2).ok_or(Why::about(bad, v))
}

/// A route or rule's interface name: as the kernel takes it.
pub(super) fn ifname_ok(name: &str) -> bool {
    !name.is_empty() && name.len() < 16 && !name.contains('/')
}

/// A decimal u32.
pub(super) fn u32_of(t: &str) -> Option<u32> {
    parse_int(t).ok().and_then(|n| u32::try_from(n).ok())
}

/// `src SRC` or `via|gw [inet|inet6] GW` (`opt`): returns how many words
/// it took. One caller of [`Draft::addr`] for both (size: issue 17).
fn address<'a>(
    d: &mut Draft,
    opt: Opt,
    next: Option<&'a str>,
    after: Option<&'a str>,
    warnings: &mut Warnings,
) -> Result<usize, Why<'a>> {
    let via = !matches!(opt, Opt::Src);
    if matches!(opt, Opt::Via(true)) {
        warnings.gw += 1;
    }
    let (text, taken) = match next.and_then(lookup) {
        Some(Opt::Family(v6)) if via => {
            d.family(v6)?;
            (after, 3)
        }
        _ => (next, 2),
    };
    d.addr(via, text).map(|()| taken)
}

/// `[to] [TYPE] DST`: returns how many words it took.
/// `taken` is 1 when `rest` starts with `to` or a type (already read).
/// keepalived 2.2.7 looks for the type in the word `to` itself, so `to
/// TYPE DST` is refused there ("unknown route keyword TYPE"): the same
/// here, so a file -t accepts is one keepalived loads.
fn destination<'a>(d: &mut Draft, rest: &'a [Word], taken: usize) -> Result<usize, Why<'a>> {
    let text = word(rest, taken).ok_or(Why::says(NO_DST))?;
    let default = is_any(text);
    if default {
        d.r.dst_len = 0;
    } else {
        let (a, len) =
            parse_prefix(text).map_err(|()| Why::about(&["unknown route keyword ", ""], text))?;
        d.family(a.is_ipv6())?;
        d.r.dst = a;
        d.r.dst_len = len;
    }
    d.dst = Some(default);
    Ok(taken + 1)
}

const NO_DST: &str = "Route must have a destination";

/// `default`, `any` or `all`: any address, in route and rule lines. One
/// copy of the three comparisons for both (issue 17: size).
#[inline(never)]
pub(super) fn is_any(t: &str) -> bool {
    named(t, &[("default", 0), ("any", 0), ("all", 0)]).is_some()
}

/// The warning for a tracked route given another protocol (18 is
/// RTPROT_KEEPALIVED: a literal, as a format! here cost its own code).
pub(super) const UNTRACKED: &str =
    "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol";

fn finish<'a>(d: &mut Draft, warnings: &mut Warnings) -> Result<(), Why<'a>> {
    let default = d.dst.ok_or(Why::says(NO_DST))?;
    if default {
        d.r.dst = if d.v6.unwrap_or(false) {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
    }
    if !d.no_track {
        if d.r.protocol != RTPROT_KEEPALIVED {
            warnings.untracked = Some(UNTRACKED);
        }
        d.r.protocol = RTPROT_KEEPALIVED;
    }
    Ok(())
}

pub(super) fn table(s: &str) -> Option<u32> {
    named(s, TABLES).map(u32::from).or_else(|| u32_of(s))
}

/// `RT_TABLE_DEFAULT`, `RT_TABLE_MAIN`, `RT_TABLE_LOCAL`.
const TABLES: &[(&str, u8)] = &[("default", 253), ("main", 254), ("local", 255)];

fn protocol(s: &str) -> Option<u8> {
    named_or_u8(s, PROTOCOLS)
}

/// `RTPROT_*` by name.
const PROTOCOLS: &[(&str, u8)] = &[
    ("redirect", 1),
    ("kernel", 2),
    ("boot", 3),
    ("static", 4),
    ("keepalived", RTPROT_KEEPALIVED),
];

/// The lines of a root `static_ipaddress` block: VIP syntax.
pub fn static_addrs(sink: &mut Sink, node: &Node, out: &mut Vec<Vip>) {
    super::instance::vip_lines(sink, node, out, None);
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A line's words, as the lexer gives them.
    pub(in super::super) fn words(line: &str) -> Vec<Word> {
        line.split_whitespace()
            .map(|t| Word {
                text: t.to_string(),
                quoted: false,
            })
            .collect()
    }

    fn parse(line: &str) -> Result<Route, String> {
        let words = words(line);
        let mut d = Draft::new();
        route(&mut d, &words, &mut Warnings::default())
            .map(|()| d.r)
            .map_err(|e| e.to_string())
    }

    fn ok(line: &str) -> Route {
        match parse(line) {
            Ok(r) => r,
            Err(e) => panic!("{line}: {e}"),
        }
    }

    fn err(line: &str) -> String {
        match parse(line) {
            Ok(r) => panic!("{line}: accepted {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn full_line() {
        let r = ok(
            "192.0.2.128/25 via 192.0.2.1 dev eth0 src 192.0.2.10 table 100 metric 5 scope link",
        );
        assert_eq!(r.dst, "192.0.2.128".parse::<IpAddr>().unwrap());
        assert_eq!(r.dst_len, 25);
        assert_eq!(r.via, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(r.dev.as_deref(), Some("eth0"));
        assert_eq!(r.src, Some("192.0.2.10".parse().unwrap()));
        assert_eq!((r.table, r.metric, r.scope), (100, Some(5), Some(253)));
        assert_eq!((r.kind, r.protocol), (RTN_UNICAST, RTPROT_KEEPALIVED));
    }

    #[test]
    fn types_default_and_families() {
        let r = ok("blackhole 198.51.100.0/24 table 100");
        assert_eq!((r.kind, r.dst_len, r.table), (6, 24, 100));
        let r = ok("unreachable 198.51.100.7");
        assert_eq!((r.kind, r.dst_len, r.table), (7, 32, RT_TABLE_MAIN));
        let r = ok("prohibit 198.51.100.0/24");
        assert_eq!(r.kind, 8);
        assert_eq!(ok("to 198.51.100.0/24").dst_len, 24);
        assert!(err("to prohibit 198.51.100.0/24").contains("unknown route keyword prohibit"));
        let r = ok("default via 2001:db8::1");
        assert_eq!((r.dst, r.dst_len), ("::".parse().unwrap(), 0));
        let r = ok("default via 192.0.2.1 table main");
        assert_eq!(r.dst, "0.0.0.0".parse::<IpAddr>().unwrap());
        let r = ok("default dev eth0 inet6");
        assert!(r.dst.is_ipv6());
        // keepalived steps over the word after inet6: here `default`.
        assert!(err("inet6 default dev eth0").contains("destination"));
        assert!(ok("inet6 to 2001:db8::/48 dev eth0").dst.is_ipv6());
    }

    #[test]
    fn protocol_forced_unless_no_track() {
        assert_eq!(
            ok("192.0.2.0/24 dev eth0 protocol static").protocol,
            RTPROT_KEEPALIVED
        );
        assert_eq!(
            ok("192.0.2.0/24 dev eth0 protocol static no_track").protocol,
            4
        );
    }

    #[test]
    fn untracked_warning_names_the_protocol() {
        assert!(UNTRACKED.contains(&format!("RTPROT_KEEPALIVED({RTPROT_KEEPALIVED})")));
        assert!(super::super::rules::UNTRACKED.contains(&format!("({RTPROT_KEEPALIVED})")));
    }

    #[test]
    fn refusals_word_for_word() {
        assert_eq!(err("1.2.3.0/24 via x"), "invalid route via address x");
        assert_eq!(err("1.2.3.0/24 src"), "route src needs a value");
        assert_eq!(
            err("1.2.3.0/24 protocol foo"),
            "Protocol foo not found or invalid for route"
        );
        assert_eq!(
            err("1.2.3.0/24 dev a/b"),
            "invalid interface name 'a/b' for route"
        );
        assert_eq!(
            err("1.2.3.0/24 rtt 5"),
            "route option 'rtt' is not supported by tinyvrrpd"
        );
        assert_eq!(err("dev eth0"), "Route must have a destination");
    }

    #[test]
    fn warnings_counted_in_order() {
        let words = words("192.0.2.0/24 gw 192.0.2.1 gw 192.0.2.2 protocol static");
        let (mut d, mut w) = (Draft::new(), Warnings::default());
        assert!(route(&mut d, &words, &mut w).is_ok());
        assert_eq!((w.gw, w.untracked), (2, Some(UNTRACKED)));
    }

    #[test]
    fn refusals() {
        assert!(err("via 192.0.2.1").contains("destination"));
        assert!(err("192.0.2.0/24 via 2001:db8::1").contains("mix"));
        assert!(err("192.0.2.0/24 mtu 1400").contains("not supported by tinyvrrpd"));
        assert!(err("192.0.2.0/24 proto static").contains("unknown route keyword proto"));
        assert!(err("192.0.2.0/24 table").contains("needs a value"));
        assert!(err("192.0.2.0/24 table nosuch").contains("Routing table"));
        assert!(err("192.0.2.0/33").contains("unknown route keyword"));
    }
}
