//! The pure protocol core: one state machine per VRRP instance.
//!
//! STUB: being written.
