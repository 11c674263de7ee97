//! The pure router above the instances. It grows into the `Node` layer of
//! issue 11: the interface and instance tables, dispatch of received adverts,
//! the start-up delay, VIP retries and reload as plan-then-apply, driven by
//! events and answering with an outbox of actions. Like `vrrp`, it opens no
//! fd, reads no clock and logs nothing.
//!
//! For now it holds what joins the configuration model to the core: `vrrp`
//! knows its [`Params`](crate::vrrp::Params) and nothing of `config`.

mod params;

pub use params::params;
