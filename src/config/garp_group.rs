//! `garp_group` blocks (keepalived 2.2.7 vrrp_parser.c garp_group_handler
//! and the handlers after it): the spacing of gratuitous ARPs and NAs on
//! some interfaces, instead of the global `vrrp_garp_interval` /
//! `vrrp_gna_interval`. keepalived has no per-instance `garp_interval`:
//! these two words exist only here.
//!
//! ```text
//! garp_group {
//!     garp_interval 0.2     # decimal seconds, microsecond precision
//!     gna_interval 0.1
//!     interface eth0        # and/or
//!     interfaces {
//!         eth1
//!         eth2
//!     }
//! }
//! ```
//!
//! All the interfaces of one group share one pace (keepalived points them
//! at one garp_delay). An interval the group does not give means no
//! spacing on its interfaces, whatever the global one says (keepalived's
//! set_default_garp_delay only fills interfaces without a group). An
//! interface named by an earlier group stays there: `garp_group already
//! specified for IF - ignoring`.

use super::diag::Sink;
use super::keywords::{Kw, blk, body, dispatch, fixed, val, warn_extra};
use super::tree::Node;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GarpGroup {
    /// `garp_interval` in microseconds; None: not given (no spacing).
    pub garp_interval_us: Option<u32>,
    /// `gna_interval` in microseconds; None: not given (no spacing).
    pub gna_interval_us: Option<u32>,
    pub interfaces: Vec<String>,
}

/// The largest interval keepalived reads (INT_MAX microseconds).
const MAX_US: u32 = i32::MAX as u32;

/// One `garp_group` block, added to `groups` (the earlier ones decide
/// which interfaces are taken).
pub fn parse(sink: &mut Sink, node: &Node, groups: &mut Vec<GarpGroup>) {
    warn_extra(sink, node, 0);
    // The block is read into the last group of the list: the interfaces
    // of every group there, this one's so far too, are taken (one search,
    // no groups to lend and give back: issue 17, size).
    groups.push(GarpGroup::default());
    dispatch(sink, body(node), GARP_GROUP_KW, groups, "garp_group");
}

static GARP_GROUP_KW: &[Kw<Vec<GarpGroup>>] = &[
    val("garp_interval", interval),
    val("gna_interval", interval),
    val("interface", interfaces),
    blk("interfaces", interfaces),
];

/// `interface IF` and the `interfaces { ... }` block: one handler, the
/// keyword saying which (one function, not two: issue 17, size).
// A Vec: the keyword table's handler type.
#[allow(clippy::ptr_arg)]
fn interfaces(s: &mut Sink, n: &Node, g: &mut Vec<GarpGroup>) {
    if n.keyword() == "interface" {
        warn_extra(s, n, 1);
        match n.args().first() {
            Some(w) => add(s, n, g, &w.text),
            None => s.error(&n.pos, "garp_group interface needs a name"),
        }
        return;
    }
    if body(n).is_empty() {
        s.warn(&n.pos, "Warning - empty garp_group interfaces block");
    }
    for line in body(n) {
        warn_extra(s, line, 0);
        add(s, line, g, line.keyword());
    }
}

/// `garp_interval` and `gna_interval`: one handler, the keyword saying
/// which (one function, not two: issue 17, size).
// A Vec: the keyword table's handler type.
#[allow(clippy::ptr_arg)]
fn interval(s: &mut Sink, n: &Node, g: &mut Vec<GarpGroup>) {
    let Some(v) = fixed(s, n, 6, 0, MAX_US, "0-2147") else {
        return;
    };
    let Some(g) = g.last_mut() else { return };
    let slot = if n.keyword() == "garp_interval" {
        &mut g.garp_interval_us
    } else {
        &mut g.gna_interval_us
    };
    *slot = Some(v);
}

fn add(sink: &mut Sink, line: &Node, g: &mut [GarpGroup], name: &str) {
    if g.iter().any(|e| e.interfaces.iter().any(|t| t == name)) {
        sink.warn_fmt(
            &line.pos,
            format_args!("garp_group already specified for {name} - ignoring"),
        );
        return;
    }
    if let Some(last) = g.last_mut() {
        last.interfaces.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    /// The keywords this table reads and keepalived's list names too.
    #[test]
    fn also_known_keywords() {
        crate::config::keywords::check_also_known(super::GARP_GROUP_KW, "garp_group");
    }
}
