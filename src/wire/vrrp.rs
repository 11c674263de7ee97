//! VRRP advertisements: version 2 (RFC 3768 §5.1) and version 3 (RFC 5798 §5.1).
//!
//! ```text
//! v2 (RFC 3768 §5.1), IPv4 only       v3 (RFC 5798 §5.1), IPv4 or IPv6
//!  0               1               2               3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-------+-------+---------------+---------------+---------------+
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//! +-------+-------+---------------+---------------+---------------+
//! |   Auth Type   |   Adver Int   |          Checksum             |  v2
//! +-------+-------+---------------+-------------------------------+
//! | (rsvd)|  Max Adver Int (cs)   |          Checksum             |  v3
//! +-------+-----------------------+-------------------------------+
//! |            IP Address(es): count x 4 (IPv4) or x 16 (IPv6)    |
//! +---------------------------------------------------------------+
//! |            Authentication Data (1), v2 only                   |
//! |            Authentication Data (2), v2 only                   |
//! +---------------------------------------------------------------+
//! ```
//!
//! Checksums: v2 over the VRRP message. v3 over an IPv6 pseudo-header and
//! the message. v3 over IPv4: keepalived (and FRR) include the IPv4
//! pseudo-header, RFC 9568 and other vendors do not; we send either
//! ([`ChecksumForm`]) and accept both.
//!
//! CARP (OpenBSD) shares protocol 112 and 224.0.0.18 and also starts with
//! version 2, type 1, but its header is always 36 bytes and its fourth byte
//! (our "count") is its authlen, always 7:
//!
//! ```text
//! | 2 | 1 | vhid | advskew | authlen=7 | pad | advbase | cksum | counter (8) | SHA1 HMAC (20) |
//! ```
//!
//! A v2 advert with 7 addresses is 44 bytes long, so the shapes cannot be
//! confused.

use core::net::IpAddr;

use arrayvec::ArrayVec;

use crate::limits::MAX_VIPS;
use crate::wire::checksum;

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// Length of the fixed VRRP header (both versions).
pub const HEADER_LEN: usize = 8;
/// Length of the v2 authentication data trailer.
pub const AUTH_LEN: usize = 8;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Version {
    V2,
    V3,
}

/// v2 authentication type (RFC 3768 §5.3.6). v3 has none.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuthType {
    None,
    Pass,
    Ah,
}

/// Which checksum form a v3 IPv4 advert carried (or should carry).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChecksumForm {
    /// Over the VRRP message only: v2, and v3 IPv4 with `v3_checksum_as_v2`.
    Plain,
    /// Over the IP pseudo-header and the VRRP message: v3 (keepalived's
    /// default for IPv4, always for IPv6).
    PseudoHeader,
}

/// A parsed advertisement: the `Repr` of the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advert {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// The advertisement interval in centiseconds. v2 carries whole seconds
    /// in 8 bits; they are stored here times 100.
    pub max_adver_int_cs: u16,
    /// v2 only; `AuthType::None` for v3.
    pub auth_type: AuthType,
    /// v2 only: the 8 bytes of authentication data; zero for v3.
    pub auth_data: [u8; AUTH_LEN],
    /// The virtual addresses, all of one family (that of the IP header).
    pub addrs: ArrayVec<IpAddr, MAX_VIPS>,
}

/// Why a received packet was not accepted. One variant per check, so each
/// is counted separately (RFC 6527 names in the comments).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RxError {
    /// Shorter than the IP header + VRRP header (+ addresses, + auth).
    TooShort,
    /// IP total length / payload length does not match what was received,
    /// or the VRRP length implied by the address count does not match the
    /// payload exactly (vrrpStatsPacketLengthErrors).
    BadLength,
    /// IPv4 TTL or IPv6 hop limit not 255 on a multicast advert
    /// (vrrpStatsIpTtlErrors).
    BadTtl,
    /// The version field is not 2 or 3, or not the instance's version
    /// (vrrpStatsVersionErrors).
    BadVersion,
    /// The type field is not 1 (vrrpStatsInvalidTypePktsRcvd).
    BadType,
    /// Checksum does not verify in any accepted form (vrrpStatsChecksumErrors).
    BadChecksum,
    /// A CARP packet (same protocol number, version 2 with type 1 but a
    /// CARP-shaped length, or a v2 advert whose authentication is CARP's
    /// SHA1 HMAC).
    Carp,
    /// The address family of the addresses does not fit the IP header, or
    /// v2 over IPv6.
    BadFamily,
    /// More addresses than [`MAX_VIPS`].
    TooManyAddrs,
    /// Instance-level: v2 auth type differs (vrrpStatsInvalidAuthType /
    /// vrrpStatsAuthTypeMismatch).
    AuthTypeMismatch,
    /// Instance-level: v2 PASS auth data differs (vrrpStatsAuthFailures).
    AuthFailure,
    /// Instance-level: v2 advert interval differs from ours
    /// (vrrpStatsAdvertiseIntervalErrors).
    IntervalMismatch,
    /// The advertised interval is 0: below the 10 ms minimum of VRRPv3
    /// (and the 1 s of v2). It would make a backup's Master_Down_Interval
    /// 0, so anyone could make backups take over at once (counted with
    /// vrrpStatsAdvertiseIntervalErrors).
    IntervalTooShort,
    /// Instance-level: address count differs (vrrpStatsAddressListErrors).
    AddrCountMismatch,
    /// Instance-level: address set differs (vrrpStatsAddressListErrors).
    AddrListMismatch,
    /// No instance runs this VRID on the arrival interface and family.
    UnknownVrid,
}

impl RxError {
    /// Every reason, for counters and their names.
    pub const ALL: [RxError; 16] = [
        RxError::TooShort,
        RxError::BadLength,
        RxError::BadTtl,
        RxError::BadVersion,
        RxError::BadType,
        RxError::BadChecksum,
        RxError::Carp,
        RxError::BadFamily,
        RxError::TooManyAddrs,
        RxError::AuthTypeMismatch,
        RxError::AuthFailure,
        RxError::IntervalMismatch,
        RxError::IntervalTooShort,
        RxError::AddrCountMismatch,
        RxError::AddrListMismatch,
        RxError::UnknownVrid,
    ];

    /// Index into a counter array of length `ALL.len()`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// A short human-readable reason for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RxError::TooShort => "packet too short",
            RxError::BadLength => "bad length",
            RxError::BadTtl => "TTL/hop limit not 255",
            RxError::BadVersion => "wrong VRRP version",
            RxError::BadType => "not an advertisement (type != 1)",
            RxError::BadChecksum => "bad checksum",
            RxError::Carp => "CARP packet",
            RxError::BadFamily => "address family mismatch",
            RxError::TooManyAddrs => "too many addresses",
            RxError::AuthTypeMismatch => "authentication type mismatch",
            RxError::AuthFailure => "authentication failure (password mismatch)",
            RxError::IntervalMismatch => "advertisement interval mismatch",
            RxError::IntervalTooShort => "advertisement interval 0 (below the 10 ms minimum)",
            RxError::AddrCountMismatch => "address count mismatch",
            RxError::AddrListMismatch => "address list mismatch",
            RxError::UnknownVrid => "no instance for this VRID",
        }
    }
}

/// Why an advert could not be emitted.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TxError {
    /// The buffer is smaller than [`Advert::buffer_len`].
    BufferTooSmall,
    /// Addresses of another family than `src`/`dst`, or v2 with IPv6.
    BadFamily,
    /// v2 interval not a whole number of seconds in 1..=255, or v3 interval
    /// not in 1..=4095 cs.
    BadInterval,
}

/// Length of a CARP advertisement (`struct carp_header`).
pub const CARP_LEN: usize = 36;
/// CARP's `carp_authlen`, which sits where VRRP has its address count.
const CARP_AUTHLEN: u8 = 7;
/// The only VRRP packet type (RFC 3768 §5.3.2, RFC 5798 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;
/// The 12-bit v3 interval field.
pub const MAX_ADVER_INT_CS: u16 = 0x0fff;

const AUTH_TYPE_NONE: u8 = 0;
const AUTH_TYPE_PASS: u8 = 1;
const AUTH_TYPE_AH: u8 = 2;

impl AuthType {
    /// The wire value (RFC 3768 §5.3.6).
    pub const fn to_wire(self) -> u8 {
        match self {
            AuthType::None => AUTH_TYPE_NONE,
            AuthType::Pass => AUTH_TYPE_PASS,
            AuthType::Ah => AUTH_TYPE_AH,
        }
    }

    /// The auth type for a wire value; `None` for values RFC 3768 does not
    /// define.
    pub const fn from_wire(v: u8) -> Option<AuthType> {
        match v {
            AUTH_TYPE_NONE => Some(AuthType::None),
            AUTH_TYPE_PASS => Some(AuthType::Pass),
            AUTH_TYPE_AH => Some(AuthType::Ah),
            _ => None,
        }
    }
}

/// A read-only or writable view of a VRRP message whose fixed header is
/// known to be present. Field accessors return raw wire values; use
/// [`Advert::parse`] for the checked representation.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` if it holds at least the fixed 8-byte header.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, RxError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(RxError::TooShort);
        }
        Ok(Packet { buffer })
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The fixed header. `new_checked` guarantees it is there; the zero
    /// fallback only keeps this free of panics.
    fn header(&self) -> [u8; HEADER_LEN] {
        self.buffer
            .as_ref()
            .first_chunk::<HEADER_LEN>()
            .copied()
            .unwrap_or([0; HEADER_LEN])
    }

    pub fn version(&self) -> u8 {
        self.header()[0] >> 4
    }
    pub fn msg_type(&self) -> u8 {
        self.header()[0] & 0x0f
    }
    pub fn vrid(&self) -> u8 {
        self.header()[1]
    }
    pub fn priority(&self) -> u8 {
        self.header()[2]
    }
    pub fn count_ip_addrs(&self) -> u8 {
        self.header()[3]
    }
    /// v2: the auth type byte.
    pub fn auth_type(&self) -> u8 {
        self.header()[4]
    }
    /// v2: the advertisement interval in seconds.
    pub fn adver_int_s(&self) -> u8 {
        self.header()[5]
    }
    /// v3: the 12-bit maximum advertisement interval; the reserved bits
    /// are ignored on receive (RFC 5798 §5.2.4).
    pub fn max_adver_int_cs(&self) -> u16 {
        let h = self.header();
        u16::from_be_bytes([h[4], h[5]]) & MAX_ADVER_INT_CS
    }
    pub fn checksum(&self) -> u16 {
        let h = self.header();
        u16::from_be_bytes([h[6], h[7]])
    }
    /// Everything after the fixed header: addresses, then v2 auth data.
    pub fn body(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
    /// True when the message looks like CARP rather than VRRP (see the
    /// module documentation).
    pub fn is_carp(&self) -> bool {
        self.version() == 2
            && self.msg_type() == TYPE_ADVERTISEMENT
            && self.buffer.as_ref().len() == CARP_LEN
            && self.count_ip_addrs() == CARP_AUTHLEN
    }
}

/// The address family of an advert: that of its IP header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn of_pair(src: IpAddr, dst: IpAddr) -> Option<Family> {
        match (src, dst) {
            (IpAddr::V4(_), IpAddr::V4(_)) => Some(Family::V4),
            (IpAddr::V6(_), IpAddr::V6(_)) => Some(Family::V6),
            _ => None,
        }
    }

    const fn addr_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }
}

/// The pseudo-header sum for a VRRP message of `len` bytes.
fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize) -> u16 {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            // Callers pass lengths bounded by the address count, far below
            // 64 KiB; saturate rather than wrap if that ever changes.
            checksum::ipv4_pseudo_header(s, d, IPPROTO_VRRP, u16::try_from(len).unwrap_or(u16::MAX))
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => checksum::ipv6_pseudo_header(
            &s,
            &d,
            IPPROTO_VRRP,
            u32::try_from(len).unwrap_or(u32::MAX),
        ),
        _ => 0,
    }
}

/// The header checks of [`Advert::parse`], in order: version, type, CARP,
/// then the family of the IP header (v2 is IPv4 only).
fn check_header(
    packet: &Packet<&[u8]>,
    src: IpAddr,
    dst: IpAddr,
) -> Result<(Version, Family), RxError> {
    let version = match packet.version() {
        2 => Version::V2,
        3 => Version::V3,
        _ => return Err(RxError::BadVersion),
    };
    if packet.msg_type() != TYPE_ADVERTISEMENT {
        return Err(RxError::BadType);
    }
    // Before the family check: CARP also runs over IPv6, and "CARP" is
    // the more useful log line than "v2 over IPv6".
    if packet.is_carp() {
        return Err(RxError::Carp);
    }
    let family = Family::of_pair(src, dst).ok_or(RxError::BadFamily)?;
    if version == Version::V2 && family == Family::V6 {
        return Err(RxError::BadFamily);
    }
    Ok((version, family))
}

/// The address count against [`MAX_VIPS`], then the message length against
/// the one the count implies. Returns the length of the address list.
fn check_length(
    packet: &Packet<&[u8]>,
    version: Version,
    family: Family,
) -> Result<usize, RxError> {
    let count = usize::from(packet.count_ip_addrs());
    if count > MAX_VIPS {
        return Err(RxError::TooManyAddrs);
    }
    let addrs_len = count * family.addr_len();
    let auth_len = match version {
        Version::V2 => AUTH_LEN,
        Version::V3 => 0,
    };
    let expected = HEADER_LEN + addrs_len + auth_len;
    let len = packet.buffer.len();
    if len < expected {
        return Err(RxError::TooShort);
    }
    if len > expected {
        return Err(RxError::BadLength);
    }
    Ok(addrs_len)
}

/// The checksum in the forms this version and family accept: v2 plain,
/// v3 IPv6 pseudo-header, v3 IPv4 either (and which one it was).
fn check_checksum(
    buf: &[u8],
    version: Version,
    family: Family,
    src: IpAddr,
    dst: IpAddr,
) -> Result<ChecksumForm, RxError> {
    // keepalived's form first for v3 over IPv4: it is what most peers
    // send. One call of each check for the three cases (issue 17: size).
    if version == Version::V3 && checksum::verify(pseudo_header(src, dst, buf.len()), buf) {
        return Ok(ChecksumForm::PseudoHeader);
    }
    if (version == Version::V2 || family == Family::V4) && checksum::verify(0, buf) {
        return Ok(ChecksumForm::Plain);
    }
    Err(RxError::BadChecksum)
}

/// The address list: the first `addrs_len` bytes of the body, all of
/// `family`, pushed to `addrs` (the advert's own: the list is not moved
/// into it after, 340 bytes a copy).
fn parse_addrs(
    body: &[u8],
    addrs_len: usize,
    family: Family,
    addrs: &mut ArrayVec<IpAddr, MAX_VIPS>,
) -> Result<(), RxError> {
    let addr_bytes = body.get(..addrs_len).ok_or(RxError::TooShort)?;
    for chunk in addr_bytes.chunks_exact(family.addr_len()) {
        let addr = match family {
            Family::V4 => chunk
                .first_chunk::<4>()
                .map(|b| IpAddr::from(*b))
                .ok_or(RxError::TooShort)?,
            Family::V6 => chunk
                .first_chunk::<16>()
                .map(|b| IpAddr::from(*b))
                .ok_or(RxError::TooShort)?,
        };
        addrs.try_push(addr).map_err(|_| RxError::TooManyAddrs)?;
    }
    Ok(())
}

/// The fields whose layout depends on the version, set in `advert` (made
/// with no authentication and interval 0): v2's auth type, auth data
/// (after the addresses) and interval in seconds, stored in centiseconds;
/// v3's interval in centiseconds.
fn version_fields(
    packet: &Packet<&[u8]>,
    body: &[u8],
    addrs_len: usize,
    advert: &mut Advert,
) -> Result<(), RxError> {
    match advert.version {
        Version::V2 => {
            // An auth type RFC 3768 does not define is counted as
            // vrrpStatsInvalidAuthType, which shares this variant.
            advert.auth_type =
                AuthType::from_wire(packet.auth_type()).ok_or(RxError::AuthTypeMismatch)?;
            advert.auth_data = body
                .get(addrs_len..)
                .and_then(|b| b.first_chunk::<AUTH_LEN>())
                .copied()
                .ok_or(RxError::TooShort)?;
            advert.max_adver_int_cs = u16::from(packet.adver_int_s()) * 100;
        }
        Version::V3 => advert.max_adver_int_cs = packet.max_adver_int_cs(),
    }
    Ok(())
}

impl Advert {
    /// Bytes of the VRRP message (no IP header) this advert emits to.
    pub fn buffer_len(&self) -> usize {
        let addrs: usize = self
            .addrs
            .iter()
            .map(|a| match a {
                IpAddr::V4(_) => 4,
                IpAddr::V6(_) => 16,
            })
            .sum();
        let auth = match self.version {
            Version::V2 => AUTH_LEN,
            Version::V3 => 0,
        };
        HEADER_LEN + addrs + auth
    }

    /// An advert to parse into ([`Advert::parse_into`] sets every field).
    pub fn empty() -> Advert {
        Advert {
            version: Version::V2,
            vrid: 0,
            priority: 0,
            max_adver_int_cs: 0,
            auth_type: AuthType::None,
            auth_data: [0; AUTH_LEN],
            addrs: ArrayVec::new(),
        }
    }

    /// Parse the VRRP message `buf` (the IP payload) received from `src` to
    /// `dst`. Checks length, version (2 or 3), type, family, and checksum
    /// (v2: plain; v3 IPv4: either form, reported; v3 IPv6: pseudo-header).
    /// Does not check TTL (that is the IP layer's) nor anything that needs
    /// the instance's configuration.
    pub fn parse(buf: &[u8], src: IpAddr, dst: IpAddr) -> Result<(Advert, ChecksumForm), RxError> {
        let mut advert = Advert::empty();
        let form = Advert::parse_into(buf, src, dst, &mut advert)?;
        Ok((advert, form))
    }

    /// [`Advert::parse`] into `advert`, every field of which it sets (on
    /// success): the receive path's own advert, not one returned and
    /// moved on through each caller's result (340 bytes a copy; size:
    /// issue 17).
    pub fn parse_into(
        buf: &[u8],
        src: IpAddr,
        dst: IpAddr,
        advert: &mut Advert,
    ) -> Result<ChecksumForm, RxError> {
        let packet = Packet::new_checked(buf)?;
        let (version, family) = check_header(&packet, src, dst)?;
        let addrs_len = check_length(&packet, version, family)?;
        let form = check_checksum(buf, version, family, src, dst)?;
        let body = packet.body();
        advert.version = version;
        advert.vrid = packet.vrid();
        advert.priority = packet.priority();
        advert.max_adver_int_cs = 0;
        advert.auth_type = AuthType::None;
        advert.auth_data = [0; AUTH_LEN];
        advert.addrs.clear();
        parse_addrs(body, addrs_len, family, &mut advert.addrs)?;
        version_fields(&packet, body, addrs_len, advert)?;
        // Issue 10 item 5: the one check on a field's value here, because
        // no instance could use such an advert: VRRPv3 has no
        // authentication, and an interval of 0 from anyone would make
        // backups compute Master_Down_Interval 0 and take over at once.
        if advert.max_adver_int_cs == 0 {
            return Err(RxError::IntervalTooShort);
        }
        Ok(form)
    }

    /// Write the VRRP message into `buf` and return its length. `form` is
    /// ignored for v2 (always plain) and for IPv6 (always pseudo-header).
    pub fn emit(
        &self,
        buf: &mut [u8],
        src: IpAddr,
        dst: IpAddr,
        form: ChecksumForm,
    ) -> Result<usize, TxError> {
        let family = Family::of_pair(src, dst).ok_or(TxError::BadFamily)?;
        if self.version == Version::V2 && family == Family::V6 {
            return Err(TxError::BadFamily);
        }
        let same_family = self.addrs.iter().all(|a| match a {
            IpAddr::V4(_) => family == Family::V4,
            IpAddr::V6(_) => family == Family::V6,
        });
        if !same_family {
            return Err(TxError::BadFamily);
        }
        // The interval bytes, the length of the authentication trailer
        // and the version nibble, from one match on the version.
        let (interval, auth_len, version_nibble) = match self.version {
            Version::V2 => {
                // Whole seconds, 1..=255: a byte, not 0 (tested as such,
                // not with a range's `contains`, a function of its own
                // for the two tests here; size: issue 17).
                let secs = u8::try_from(self.max_adver_int_cs / 100).unwrap_or(0);
                if self.max_adver_int_cs % 100 != 0 || secs == 0 {
                    return Err(TxError::BadInterval);
                }
                ([self.auth_type.to_wire(), secs], AUTH_LEN, 2u8)
            }
            Version::V3 => {
                // 0 is what `parse` refuses: we never send it either.
                let cs = self.max_adver_int_cs;
                if cs == 0 || cs > MAX_ADVER_INT_CS {
                    return Err(TxError::BadInterval);
                }
                (self.max_adver_int_cs.to_be_bytes(), 0, 3u8)
            }
        };
        // [`Advert::buffer_len`] without its walk of the addresses: all
        // are of `family`, checked above (size: issue 17).
        let len = HEADER_LEN + self.addrs.len() * family.addr_len() + auth_len;
        let out = buf.get_mut(..len).ok_or(TxError::BufferTooSmall)?;
        // `len` counts the header: never short (a split with no panic).
        let (header, body) = out
            .split_first_chunk_mut::<HEADER_LEN>()
            .ok_or(TxError::BufferTooSmall)?;
        // ArrayVec capacity MAX_VIPS (20) keeps this within a byte.
        let count = self.addrs.len() as u8;
        *header = [
            (version_nibble << 4) | TYPE_ADVERTISEMENT,
            self.vrid,
            self.priority,
            count,
            interval[0],
            interval[1],
            0,
            0,
        ];
        // The body is exactly the addresses and the auth data: written
        // through one cursor, byte by byte, with no bound to check
        // (size: issue 17).
        let mut cursor = body.iter_mut();
        let mut write = |bytes: &[u8]| {
            for &b in bytes {
                if let Some(to) = cursor.next() {
                    *to = b;
                }
            }
        };
        for addr in &self.addrs {
            match addr {
                IpAddr::V4(a) => write(&a.octets()),
                IpAddr::V6(a) => write(&a.octets()),
            }
        }
        if self.version == Version::V2 {
            write(&self.auth_data);
        }
        let pseudo = match (self.version, family, form) {
            (Version::V2, _, _) | (Version::V3, Family::V4, ChecksumForm::Plain) => 0,
            (Version::V3, Family::V6, _)
            | (Version::V3, Family::V4, ChecksumForm::PseudoHeader) => pseudo_header(src, dst, len),
        };
        let sum = checksum::finish(checksum::combine(&[pseudo, checksum::sum(out)]));
        if let Some(field) = out.get_mut(6..8) {
            field.copy_from_slice(&sum.to_be_bytes());
        }
        Ok(len)
    }
}
