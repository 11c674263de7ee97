//! The pure protocol core: one state machine per VRRP instance.
//!
//! `Instance::on_event(event, now, &mut actions)` is a function of the
//! instance's state, the event and the time it is given. It never reads a
//! clock, touches a socket, logs or allocates: what must happen in the world
//! is returned as [`Action`]s for the shell (or a simulation) to carry out.

mod instance;
mod params;
mod timer;

pub use instance::{Action, Actions, Event, Instance, State, Stats, Why};
pub use params::Params;
pub use timer::{Expired, MIN_STEP, Timer, TimerKind, TimerTable, Timers};
