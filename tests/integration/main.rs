//! The one integration-test binary: every test boots the real router on a
//! fresh database and speaks HTTP to it.

mod client;
mod helpers;
mod maildev;

mod admin;
mod api;
mod auth;
mod authz;
mod backup;
mod brief;
mod browser;
mod cadence;
mod cluster;
mod dashboard;
mod governance;
mod hardening;
mod headers;
mod health;
mod instances;
mod invitations;
mod layout;
mod mail;
mod matrix;
mod metrics;
mod notifications;
mod package;
mod passkeys;
mod pipeline;
mod resilience;
mod reuse;
mod roundtrips;
mod sso;
