//! The pure router layer above the instances (issue 11): what several
//! instances share or what the kernel tells us, decided without fds or a
//! clock. It grows here piece by piece out of the poll loop.

pub mod pending;
