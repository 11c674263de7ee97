//! Which transitions are mailed (`smtp_alert`), as keepalived 2.2.7
//! decides it (vrrp_notify.c): an instance or group whose resolved
//! `smtp_alert` is on mails MASTER, BACKUP and FAULT when the state differs
//! from the last one it mailed; `no_email_faults` drops FAULT (and leaves
//! the memory as it was). Nothing is mailed on stop: keepalived formats a
//! `Stopping` mail but never delivers it (it is shutting down), and we do
//! the same so that both send the same mails. The shell writes and sends
//! them ([`Out::Mail`]).

use super::out::{Out, Outbox};
use super::slot::Shared;
use crate::vrrp::State;

/// What the router's mail depends on, from global_defs.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct MailDefs {
    /// A server and recipients are configured.
    pub on: bool,
    pub no_email_faults: bool,
}

impl MailDefs {
    pub fn of(g: &crate::config::GlobalDefs) -> MailDefs {
        MailDefs {
            on: g.mail_configured(),
            no_email_faults: g.no_email_faults,
        }
    }
}

/// Mail `to` for `name` (`kind`: INSTANCE or GROUP) if it is due; `last`
/// is the state it mailed last.
pub fn mail(
    kind: &'static str,
    name: &str,
    alert: bool,
    last: &mut Option<State>,
    to: State,
    cx: &Shared,
    out: &mut dyn Outbox,
) {
    let defs = cx.mail;
    let mailed = matches!(to, State::Master | State::Backup | State::Fault);
    if !defs.on || !alert || !mailed || *last == Some(to) {
        return;
    }
    if to == State::Fault && defs.no_email_faults {
        return;
    }
    *last = Some(to);
    out.push(Out::Mail {
        kind,
        name,
        state: to,
    });
}
