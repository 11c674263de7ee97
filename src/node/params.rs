//! An instance's configuration (the model, defaults resolved by `config`)
//! into the core's parameters, in protocol units.

use core::net::IpAddr;

use crate::config::InstanceConfig;
use crate::time::Duration;
use crate::vrrp::Params;
use crate::wire::vrrp::{AuthType, ChecksumForm, Version};

/// Resolve an instance's configuration against the primary address the
/// shell found on its interface.
pub fn params(c: &InstanceConfig, primary: IpAddr) -> Params {
    let (auth_type, auth_data) = match (&c.auth, c.version) {
        (Some(a), 2) => (AuthType::Pass, a.pass),
        _ => (AuthType::None, [0; 8]),
    };
    Params {
        vrid: c.vrid,
        version: if c.version == 3 {
            Version::V3
        } else {
            Version::V2
        },
        priority: c.priority,
        advert_int_cs: c.advert_int_cs,
        preempt: !c.nopreempt,
        preempt_delay: Duration::from_secs(u64::from(c.preempt_delay_s)),
        garp_master_delay: Duration::from_secs(u64::from(c.garp_master_delay_s)),
        garp_master_repeat: c.garp_master_repeat,
        garp_master_refresh: Duration::from_secs(u64::from(c.garp_master_refresh_s)),
        garp_master_refresh_repeat: c.garp_master_refresh_repeat,
        garp_lower_prio_repeat: c.garp_lower_prio_repeat,
        garp_lower_prio_delay: Duration::from_secs(u64::from(c.garp_lower_prio_delay_s)),
        lower_prio_no_advert: c.lower_prio_no_advert,
        primary,
        auth_type,
        auth_data,
        vips: c.vips.iter().map(|v| v.addr).collect(),
        skip_check_adv_addr: c.skip_check_adv_addr,
        checksum_form: if c.v3_checksum_as_v2 {
            ChecksumForm::Plain
        } else {
            ChecksumForm::PseudoHeader
        },
    }
}
