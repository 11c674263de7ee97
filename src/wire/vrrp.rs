//! VRRP advertisements: version 2 (RFC 3768 §5.1) and version 3 (RFC 5798 §5.1).
//!
//! STUB: the API below is the contract the core and the daemon code against.
//! Bodies are to be written.

use core::net::IpAddr;

use arrayvec::ArrayVec;

use crate::limits::MAX_VIPS;

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
    /// Instance-level: address count differs (vrrpStatsAddressListErrors).
    AddrCountMismatch,
    /// Instance-level: address set differs (vrrpStatsAddressListErrors).
    AddrListMismatch,
    /// No instance runs this VRID on the arrival interface and family.
    UnknownVrid,
}

impl RxError {
    /// Every reason, for counters and their names.
    pub const ALL: [RxError; 15] = [
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
    /// above 4095 cs.
    BadInterval,
}

impl Advert {
    /// Bytes of the VRRP message (no IP header) this advert emits to.
    pub fn buffer_len(&self) -> usize {
        todo!()
    }

    /// Parse the VRRP message `buf` (the IP payload) received from `src` to
    /// `dst`. Checks length, version (2 or 3), type, family, and checksum
    /// (v2: plain; v3 IPv4: either form, reported; v3 IPv6: pseudo-header).
    /// Does not check TTL (that is the IP layer's) nor anything that needs
    /// the instance's configuration.
    pub fn parse(buf: &[u8], src: IpAddr, dst: IpAddr) -> Result<(Advert, ChecksumForm), RxError> {
        let _ = (buf, src, dst);
        todo!()
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
        let _ = (buf, src, dst, form);
        todo!()
    }
}
