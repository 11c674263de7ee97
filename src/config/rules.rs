//! Policy-routing rule lines, as keepalived 2.2.7 reads them
//! (vrrp_iprule.c `alloc_rule`): `virtual_rules` in a vrrp_instance and the
//! root `static_rules` block. Each line is, in any order,
//! `[inet|inet6] [not] [from PFX|all] [to PFX|all] [table|lookup N]
//! [preference|order|priority N] [tos N] [fwmark N[/M]] [dev|iif IF]
//! [oif IF] [protocol N] [no_track] [[type] goto N|nop|blackhole|
//! unreachable|prohibit]`. The selectors keepalived sends that tinyvrrpd
//! does not (`realms`, `suppress_*`, `uidrange`, ports, ...) refuse the
//! line.

use core::net::IpAddr;

use super::diag::{Pos, Sink};
use super::lexer::Word;
use super::routes::{RTPROT_KEEPALIVED, Warnings, Why, ifname_ok, is_any, table, u32_of, word};
use super::tree::Node;
use super::values::{parse_prefix, word_index, word_table};

/// `FR_ACT_*` from <linux/fib_rules.h>.
pub const FR_ACT_TO_TBL: u8 = 1;
pub const FR_ACT_GOTO: u8 = 2;
pub const FR_ACT_NOP: u8 = 3;
pub const FR_ACT_BLACKHOLE: u8 = 6;
pub const FR_ACT_UNREACHABLE: u8 = 7;
pub const FR_ACT_PROHIBIT: u8 = 8;

/// keepalived numbers rules without a preference down from here, per
/// family, in the order they are read.
pub const RULE_START_PRIORITY: u32 = 16384;

/// One rule line.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub v6: bool,
    /// `from`: prefix and length (None: any).
    pub from: Option<(IpAddr, u8)>,
    pub to: Option<(IpAddr, u8)>,
    /// `FR_ACT_*`.
    pub action: u8,
    /// For FR_ACT_TO_TBL.
    pub table: u32,
    /// For FR_ACT_GOTO.
    pub goto: u32,
    /// `not`.
    pub invert: bool,
    pub priority: u32,
    pub tos: u8,
    /// `fwmark N[/MASK]`.
    pub fwmark: Option<(u32, Option<u32>)>,
    pub iif: Option<String>,
    pub oif: Option<String>,
    /// keepalived's 18 unless `no_track` (then `protocol`, if given).
    pub protocol: Option<u8>,
}

/// A copy of the plain fields and a clone of the names: smaller than the
/// derived field-by-field clone (issue 17: size).
impl Clone for Rule {
    fn clone(&self) -> Rule {
        Rule {
            iif: self.iif.clone(),
            oif: self.oif.clone(),
            ..*self
        }
    }
}

/// What a rule option word is.
#[derive(Clone, Copy)]
enum Opt {
    Family(bool),
    From,
    To,
    Table,
    Not,
    Preference,
    Tos,
    Fwmark,
    /// `dev`/`iif` (false) or `oif` (true).
    Dev(bool),
    Protocol,
    NoTrack,
    /// keepalived 2.2.7 knows it; tinyvrrpd does not send it.
    Unsupported,
    Type,
    /// `goto N`, `nop`, `blackhole`, `unreachable`, `prohibit`: `FR_ACT_*`.
    Action(u8),
}

word_table!(
    /// The option words, as data: one search instead of a comparison per
    /// word in code (issue 17: size). Anything else is an action.
    WORDS, OPTIONS: Opt = [
        "inet" => Opt::Family(false),
        "inet6" => Opt::Family(true),
        "from" => Opt::From,
        "to" => Opt::To,
        "table" => Opt::Table,
        "lookup" => Opt::Table,
        "not" => Opt::Not,
        "preference" => Opt::Preference,
        "order" => Opt::Preference,
        "priority" => Opt::Preference,
        "tos" => Opt::Tos,
        "dsfield" => Opt::Tos,
        "fwmark" => Opt::Fwmark,
        "dev" => Opt::Dev(false),
        "iif" => Opt::Dev(false),
        "oif" => Opt::Dev(true),
        "protocol" => Opt::Protocol,
        "no_track" => Opt::NoTrack,
        "realms" => Opt::Unsupported,
        "suppress_prefixlength" => Opt::Unsupported,
        "sup_pl" => Opt::Unsupported,
        "suppress_ifgroup" => Opt::Unsupported,
        "sup_group" => Opt::Unsupported,
        "tunnel-id" => Opt::Unsupported,
        "uidrange" => Opt::Unsupported,
        "l3mdev" => Opt::Unsupported,
        "ipproto" => Opt::Unsupported,
        "sport" => Opt::Unsupported,
        "dport" => Opt::Unsupported,
        "track_group" => Opt::Unsupported,
        "type" => Opt::Type,
        "goto" => Opt::Action(FR_ACT_GOTO),
        "nop" => Opt::Action(FR_ACT_NOP),
        "blackhole" => Opt::Action(FR_ACT_BLACKHOLE),
        "unreachable" => Opt::Action(FR_ACT_UNREACHABLE),
        "prohibit" => Opt::Action(FR_ACT_PROHIBIT),
    ]
);

fn lookup(w: &str) -> Option<Opt> {
    word_index(w, WORDS).and_then(|i| OPTIONS.get(i).copied())
}

/// Numbers rules without a preference as keepalived does: one counter per
/// family for the whole file, in reading order.
#[derive(Clone, Copy, Debug)]
pub struct AutoPriority {
    v4: u32,
    v6: u32,
}

impl Default for AutoPriority {
    fn default() -> Self {
        AutoPriority {
            v4: RULE_START_PRIORITY,
            v6: RULE_START_PRIORITY,
        }
    }
}

/// The rules of one or more blocks as read, and where those without a
/// preference are (their index in `list`, and their line beside it in
/// `unnumbered_at`), for [`number`]. Two lists, not one of pairs: a list
/// of positions has its code already (size: issue 17).
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub list: Vec<Rule>,
    pub unnumbered: Vec<usize>,
    pub unnumbered_at: Vec<Pos>,
}

/// The lines of a `virtual_rules` / `static_rules` block, added to
/// `rules`; those without a preference are numbered by [`number`] in
/// reading order. The rules go straight into their list: no list of
/// positions and flags to build, map and drop (size: issue 17).
pub fn rule_block(sink: &mut Sink, node: &Node, rules: &mut Rules) {
    super::routes::each_line(sink, node, &mut |words, pos, warnings| {
        // Read in place, moved once into the list (issue 17: size).
        let mut d = Draft::new();
        rule(&mut d, words, warnings)?;
        if !d.explicit {
            rules.unnumbered.push(rules.list.len());
            rules.unnumbered_at.push(pos.clone());
        }
        rules.list.push(d.r);
        Ok(())
    });
}

/// Gives the rules without a preference keepalived's numbers (with its
/// warning).
pub fn number(sink: &mut Sink, rules: &mut Rules, auto: &mut AutoPriority) {
    // Walked in place and cleared after: no Drain of its own.
    for (k, pos) in rules.unnumbered.iter().zip(&rules.unnumbered_at) {
        let Some(r) = rules.list.get_mut(*k) else {
            continue;
        };
        let next = if r.v6 { &mut auto.v6 } else { &mut auto.v4 };
        r.priority = *next;
        *next = next.saturating_sub(1);
        sink.warn_fmt(
            pos,
            format_args!(
                "Rule has no preference specified - setting to {}. This is probably not what you want.",
                r.priority
            ),
        );
    }
    rules.unnumbered.clear();
    rules.unnumbered_at.clear();
}

/// What the line has said so far: the rule itself (action 0, FR_ACT_UNSPEC,
/// until one is given), and what `finish` settles.
struct Draft {
    r: Rule,
    v6: Option<bool>,
    /// A preference was given.
    explicit: bool,
    no_track: bool,
}

impl Draft {
    fn new() -> Draft {
        Draft {
            r: Rule {
                v6: false,
                from: None,
                to: None,
                action: 0,
                table: 0,
                goto: 0,
                invert: false,
                priority: 0,
                tos: 0,
                fwmark: None,
                iif: None,
                oif: None,
                protocol: None,
            },
            v6: None,
            explicit: false,
            no_track: false,
        }
    }

    fn family<'a>(&mut self, v6: bool) -> Result<(), Why<'a>> {
        match self.v6 {
            Some(f) if f != v6 => Err(Why::says("rule specification has mixed IPv4 and IPv6")),
            _ => {
                self.v6 = Some(v6);
                Ok(())
            }
        }
    }

    /// `from` (false) or `to` (true) `text`.
    fn prefix<'a>(&mut self, to: bool, text: &'a str) -> Result<(), Why<'a>> {
        let bad = if to {
            &["Invalid rule to address ", ""]
        } else {
            &["Invalid rule from address ", ""]
        };
        let p = if is_any(text) {
            None
        } else {
            let (a, len) = parse_prefix(text).map_err(|()| Why::about(bad, text))?;
            self.family(a.is_ipv6())?;
            Some((a, len))
        };
        *if to { &mut self.r.to } else { &mut self.r.from } = p;
        Ok(())
    }

    fn set_action<'a>(&mut self, a: u8) -> Result<(), Why<'a>> {
        if self.r.action != 0 {
            return Err(Why::says(
                "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule",
            ));
        }
        self.r.action = a;
        Ok(())
    }
}

/// One rule line's words into `d` (the rule, whether it gave a preference;
/// its warnings added to `warnings`); or why it is refused.
fn rule<'a>(d: &mut Draft, words: &'a [Word], warnings: &mut Warnings) -> Result<(), Why<'a>> {
    let mut i = 0;
    while let Some(w) = word(words, i) {
        i += option(d, w, word(words, i + 1))?;
    }
    finish(d, warnings)
}

/// The value of option `what`, or why not.
fn need<'a>(next: Option<&'a str>, what: &'a str) -> Result<&'a str, Why<'a>> {
    next.ok_or(Why::about(&["rule ", " needs a value"], what))
}

// Out of line: inlined into the line's loop, its literals were hoisted
// out of the loop and spilled, one stack slot each (issue 17: size).
#[inline(never)]
fn option<'a>(d: &mut Draft, w: &'a str, next: Option<&'a str>) -> Result<usize, Why<'a>> {
    let Some(opt) = lookup(w) else {
        return Err(Why::about(&["Unknown rule option ", ""], w));
    };
    match opt {
        // keepalived 2.2.7 steps over the word after `inet`/`inet6` too
        // (one `i++` in the branch, one at the end of its loop): the same
        // here, so a line means what it means to keepalived.
        Opt::Family(v6) => d.family(v6).map(|()| 2),
        Opt::Not => {
            d.r.invert = true;
            Ok(1)
        }
        Opt::NoTrack => {
            d.no_track = true;
            Ok(1)
        }
        Opt::Unsupported => Err(Why::about(
            &["rule option '", "' is not supported by tinyvrrpd"],
            w,
        )),
        // `type ACTION` or `ACTION`: one call of [`action`] for both
        // (size: issue 17); after `type`, `goto` has no target.
        Opt::Type | Opt::Action(_) => {
            let (a, arg, taken) = match opt {
                Opt::Action(a) => (a, next, 0),
                _ => {
                    let t = need(next, "type")?;
                    match lookup(t) {
                        Some(Opt::Action(a)) => (a, None, 1),
                        _ => return Err(Why::about(&["Unknown rule option ", ""], t)),
                    }
                }
            };
            action(d, a, arg).map(|n| n + taken)
        }
        _ => value(d, opt, w, next).map(|()| 2),
    }
}

/// An option `w` with a value, `next`.
fn value<'a>(d: &mut Draft, opt: Opt, w: &'a str, next: Option<&'a str>) -> Result<(), Why<'a>> {
    let what = match opt {
        Opt::From => "from",
        Opt::To => "to",
        Opt::Table => "table",
        Opt::Preference => "preference",
        Opt::Tos => "tos",
        Opt::Fwmark => "fwmark",
        Opt::Protocol => "protocol",
        _ => w,
    };
    let v = need(next, what)?;
    let r = &mut d.r;
    let (ok, bad): (_, &[&str; 2]) = match opt {
        Opt::From | Opt::To => return d.prefix(matches!(opt, Opt::To), v),
        Opt::Table => {
            let n = table(v).ok_or(Why::about(&["Routing table ", " not found for rule"], v))?;
            if n == 0 {
                return Err(Why::says("Table 0 is not valid"));
            }
            r.table = n;
            return d.set_action(FR_ACT_TO_TBL);
        }
        Opt::Preference => {
            d.explicit = true;
            let p = u32_of(v).map(|p| r.priority = p);
            (p, &["Invalid rule preference ", " specified"])
        }
        Opt::Tos => {
            let t = hex_or_dec(v).and_then(|n| u8::try_from(n).ok());
            (t.map(|t| r.tos = t), &["TOS value ", " is invalid"])
        }
        Opt::Fwmark => (
            fwmark(v).map(|f| r.fwmark = Some(f)),
            &["Invalid rule fwmark ", " specified"],
        ),
        Opt::Protocol => {
            let p = u32_of(v).ok_or(Why::about(&["Invalid rule protocol ", " specified"], v))?;
            let p = u8::try_from(p).map_err(|_| Why::Nums(&["Invalid protocol ", ""], p, None))?;
            r.protocol = Some(p);
            return Ok(());
        }
        _ => {
            let slot = if matches!(opt, Opt::Dev(true)) {
                &mut r.oif
            } else {
                &mut r.iif
            };
            let ok = ifname_ok(v).then(|| *slot = Some(v.to_string()));
            (ok, &["invalid interface name '", "' for rule"])
        }
    };
    ok.ok_or(Why::about(bad, v))
}

/// `goto N`, `nop`, `blackhole`, `unreachable`, `prohibit`.
fn action<'a>(d: &mut Draft, a: u8, next: Option<&'a str>) -> Result<usize, Why<'a>> {
    let mut taken = 1;
    if a == FR_ACT_GOTO {
        let t = need(next, "goto target")?;
        d.r.goto = u32_of(t).ok_or(Why::about(&["Invalid rule goto target ", " specified"], t))?;
        taken = 2;
    }
    d.set_action(a).map(|()| taken)
}

/// `0xHEX` or a decimal, up to u32::MAX (every field it fills is a u32
/// or smaller: 32-bit arithmetic, no u64 parser on 32-bit routers).
fn hex_or_dec(t: &str) -> Option<u32> {
    // The prefix by its bytes, one pattern for both cases (size: issue
    // 17).
    let hex = match t.as_bytes() {
        [b'0', b'x' | b'X', ..] => t.get(2..),
        _ => None,
    };
    let Some(h) = hex else {
        return u32_of(t);
    };
    // As from_str_radix: one '+' may lead, at least one digit.
    let digits = h.strip_prefix('+').unwrap_or(h);
    if digits.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for c in digits.chars() {
        n = n.checked_mul(16)?.checked_add(c.to_digit(16)?)?;
    }
    Some(n)
}

fn fwmark(t: &str) -> Option<(u32, Option<u32>)> {
    let (mark, mask) = match t.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    let mark = hex_or_dec(mark)?;
    let mask = match mask {
        Some(m) => Some(hex_or_dec(m)?),
        None => None,
    };
    Some((mark, mask))
}

/// The warning for a tracked rule given another protocol (18 is
/// RTPROT_KEEPALIVED: a literal, as a format! here cost its own code).
pub(super) const UNTRACKED: &str =
    "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol";

fn finish<'a>(d: &mut Draft, warnings: &mut Warnings) -> Result<(), Why<'a>> {
    let r = &mut d.r;
    if r.action == 0 {
        return Err(Why::says("No action specified for rule - ignoring"));
    }
    if r.action == FR_ACT_GOTO {
        if !d.explicit {
            return Err(Why::Nums(
                &[
                    "Invalid rule - goto target ",
                    " specified without preference",
                ],
                r.goto,
                None,
            ));
        }
        if r.priority >= r.goto {
            return Err(Why::Nums(
                &["Invalid rule - preference ", " >= goto target "],
                r.priority,
                Some(r.goto),
            ));
        }
    }
    if !d.no_track {
        if r.protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) {
            warnings.untracked = Some(UNTRACKED);
        }
        r.protocol = Some(RTPROT_KEEPALIVED);
    }
    r.v6 = d.v6.unwrap_or(false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> Option<IpAddr> {
        super::super::values::parse_ip(text)
    }

    fn parse(line: &str) -> Result<(Rule, bool), String> {
        let words = super::super::routes::tests::words(line);
        let mut d = Draft::new();
        rule(&mut d, &words, &mut Warnings::default())
            .map(|()| (d.r, d.explicit))
            .map_err(|e| e.to_string())
    }

    fn ok(line: &str) -> (Rule, bool) {
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
    fn lines() {
        let (r, explicit) = ok("from 192.0.2.100 to 198.51.100.0/24 table 100 priority 100");
        assert!(explicit);
        assert_eq!(r.from, Some((addr("192.0.2.100").unwrap(), 32)));
        assert_eq!(r.to, Some((addr("198.51.100.0").unwrap(), 24)));
        assert_eq!((r.action, r.table, r.priority), (FR_ACT_TO_TBL, 100, 100));
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
        let (r, explicit) = ok("from all lookup main");
        assert!(!explicit);
        assert_eq!((r.from, r.table), (None, 254));
        let (r, _) = ok("not fwmark 0x10/0xff iif eth0 type blackhole priority 5 no_track");
        assert!(r.invert);
        assert_eq!(r.fwmark, Some((16, Some(255))));
        assert_eq!((r.action, r.protocol), (FR_ACT_BLACKHOLE, None));
        let (r, _) = ok("from 2001:db8::/64 goto 200 priority 100 inet6");
        assert!(r.v6);
        assert_eq!((r.action, r.goto), (FR_ACT_GOTO, 200));
    }

    #[test]
    fn hex_and_decimal() {
        assert_eq!(hex_or_dec("0x10"), Some(16));
        assert_eq!(hex_or_dec("0XfF"), Some(255));
        assert_eq!(hex_or_dec("0x+a"), Some(10));
        assert_eq!(hex_or_dec("0xffffffff"), Some(u32::MAX));
        assert_eq!(hex_or_dec("0x0000000100000000"), None);
        assert_eq!(hex_or_dec("0x"), None);
        assert_eq!(hex_or_dec("0x+"), None);
        assert_eq!(hex_or_dec("0x-1"), None);
        assert_eq!(hex_or_dec("0xg"), None);
        assert_eq!(hex_or_dec("4294967295"), Some(u32::MAX));
        assert_eq!(hex_or_dec("4294967296"), None);
        assert_eq!(hex_or_dec("-1"), None);
        assert_eq!(
            ok("fwmark 0x10/0xff table 5").0.fwmark,
            Some((16, Some(255)))
        );
        assert_eq!(ok("tos 0x10 table 5").0.tos, 16);
        assert!(err("tos 256 table 5").contains("TOS value 256 is invalid"));
    }

    #[test]
    fn refusals_word_for_word() {
        assert_eq!(
            err("goto 5 priority 9"),
            "Invalid rule - preference 9 >= goto target 5"
        );
        assert_eq!(
            err("goto 5"),
            "Invalid rule - goto target 5 specified without preference"
        );
        assert_eq!(err("protocol +300 table 5"), "Invalid protocol 300");
        assert_eq!(err("to x table 5"), "Invalid rule to address x");
        assert_eq!(
            err("priority x table 5"),
            "Invalid rule preference x specified"
        );
        assert_eq!(err("oif"), "rule oif needs a value");
        assert_eq!(
            err("table 5 nop"),
            "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule"
        );
    }

    #[test]
    fn refusals() {
        assert!(err("from 192.0.2.1").contains("No action"));
        assert!(err("from 192.0.2.1 table 0").contains("Table 0"));
        assert!(err("table 100 blackhole").contains("more than one"));
        assert!(err("from 192.0.2.1 to 2001:db8::1 table 5").contains("mixed"));
        assert!(err("goto 5 priority 9").contains(">= goto target"));
        assert!(err("sport 80 table 5").contains("not supported by tinyvrrpd"));
        assert!(err("frm 192.0.2.1 table 5").contains("Unknown rule option frm"));
        // keepalived's step over the word after inet6.
        assert!(
            err("inet6 from 2001:db8::/64 table 5").contains("Unknown rule option 2001:db8::/64")
        );
        assert!(ok("inet6 inet6 from 2001:db8::/64 table 5").0.v6);
    }
}
