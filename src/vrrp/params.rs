//! What one instance needs to know about its configuration, in protocol
//! units, with every default resolved. The core does not read the config
//! model: `node::params` builds these from it.

use core::net::IpAddr;

use arrayvec::ArrayVec;

use crate::limits::MAX_VIPS;
use crate::time::Duration;
use crate::wire::vrrp::{Advert, AuthType, ChecksumForm, Version};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub vrid: u8,
    pub version: Version,
    /// Configured priority, 1..=255 (255: the address owner).
    pub priority: u8,
    /// Our own advertisement interval (RFC 5798 Advertisement_Interval), cs.
    pub advert_int_cs: u16,
    /// RFC 5798 Preempt_Mode; false with `nopreempt`.
    pub preempt: bool,
    /// keepalived: `preempt_delay`; zero for none.
    pub preempt_delay: Duration,
    /// Delay of the second GARP burst after becoming master; zero for none.
    pub garp_master_delay: Duration,
    /// GARPs per address in each burst.
    pub garp_master_repeat: u32,
    /// Period of refresh GARPs while master; zero for none.
    pub garp_master_refresh: Duration,
    /// GARPs per address in each refresh.
    pub garp_master_refresh_repeat: u32,
    /// keepalived: GARPs per address when a master hears a lower-priority
    /// advert (re-announcing the VIPs after a dual master); zero for none.
    pub garp_lower_prio_repeat: u32,
    /// keepalived: delay of the second such burst; zero for none.
    pub garp_lower_prio_delay: Duration,
    /// keepalived: `lower_prio_no_advert`: do not answer a lower-priority
    /// advert with one of ours.
    pub lower_prio_no_advert: bool,
    /// The interface's primary address of the instance's family: the source
    /// of our adverts and the tie-breaker between equal priorities.
    pub primary: IpAddr,
    /// v2: authentication we send and require.
    pub auth_type: AuthType,
    pub auth_data: [u8; 8],
    /// The advertised virtual addresses, in configuration order.
    pub vips: ArrayVec<IpAddr, MAX_VIPS>,
    /// keepalived: `vrrp_skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// v3 IPv4 checksum form we send.
    pub checksum_form: ChecksumForm,
}

impl Params {
    /// The advert this instance sends at `priority`.
    pub fn advert(&self, priority: u8) -> Advert {
        // A copy of the slice, not ArrayVec's element-wise clone.
        let mut addrs = ArrayVec::new();
        let _ = addrs.try_extend_from_slice(&self.vips);
        Advert {
            version: self.version,
            vrid: self.vrid,
            priority,
            max_adver_int_cs: self.advert_int_cs,
            auth_type: self.auth_type,
            auth_data: self.auth_data,
            addrs,
        }
    }

    pub fn advert_int(&self) -> Duration {
        super::instance::cs_to_duration(self.advert_int_cs)
    }
}
