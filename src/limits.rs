//! Every capacity of the daemon, in one place. A configuration that needs
//! more than one of these is refused with an error naming the constant.

/// VRRP instances (one per VRID per interface and family).
pub const MAX_INSTANCES: usize = 255;
/// Distinct interfaces referenced by instances.
pub const MAX_INTERFACES: usize = 32;
/// Virtual addresses per instance (`virtual_ipaddress`). 20 is also the
/// most a VRRP advert can carry in a 1500-byte frame for IPv6 and what
/// keepalived accepts before it warns.
pub const MAX_VIPS: usize = 20;
/// Excluded virtual addresses per instance (`virtual_ipaddress_excluded`).
pub const MAX_VIPS_EXCLUDED: usize = 20;
/// Unicast peers per instance.
pub const MAX_UNICAST_PEERS: usize = 16;
/// Tracked interfaces / scripts per instance.
pub const MAX_TRACKS: usize = 16;
/// vrrp_sync_group blocks and vrrp_script blocks.
pub const MAX_SYNC_GROUPS: usize = 64;
pub const MAX_SCRIPTS: usize = 64;
/// Nesting depth of `include`.
pub const MAX_INCLUDE_DEPTH: usize = 8;
/// Actions one event may produce in the core.
pub const MAX_ACTIONS: usize = 16;
/// Largest packet we receive or send (an Ethernet MTU).
pub const PACKET_BUF: usize = 1500;

// ---- one configuration load (start-up or reload) --------------------------
// A real keepalived.conf is a few KiB with at most tens of thousands of
// words. These caps keep a mistaken `include` (a log file, a huge dump)
// from taking the router's memory or stalling a reload: the load stops
// with an error naming the cap, and a reload keeps the running config.

/// Bytes read from all the files of one load, comments included. Comments
/// are not held in memory, so this bounds time, not memory.
pub const MAX_CONFIG_BYTES: u64 = 64 << 20;
/// Words (and braces) held by one load, after comments are dropped.
pub const MAX_CONFIG_WORDS: usize = 200_000;
/// Bytes of those words.
pub const MAX_CONFIG_WORD_BYTES: usize = 4 << 20;
/// Longest line, in bytes, unless the part past the limit is a comment.
/// keepalived reads lines in 1 KiB pieces.
pub const MAX_CONFIG_LINE: usize = 4096;
/// Diagnostics kept per load (errors before warnings, then in reading
/// order); the rest are counted on one last line.
pub const MAX_CONFIG_DIAGS: usize = 100;
/// Netlink requests remembered with the instance that sent them, so that
/// a failed ack retries the right one (src/node/pending.rs).
pub const MAX_PENDING_REQUESTS: usize = 1024;
/// Notify scripts waiting per instance behind the one running.
pub const MAX_QUEUED_SCRIPTS: usize = 16;
/// Scripts running at once (children of the daemon).
pub const MAX_CHILDREN: usize = 32;
/// Mails waiting behind the one being sent (issue 15); one more is
/// dropped with a log line.
pub const MAX_QUEUED_MAILS: usize = 8;
/// Bytes of one mail command or message (headers, recipients, body): a
/// longer one is dropped with a log line.
pub const MAIL_BUF: usize = 2048;
/// Bytes of an instance or group name a queued mail keeps.
pub const MAIL_NAME: usize = 128;
