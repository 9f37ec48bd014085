//! Authentication and request protection: passwords, sessions, CSRF, and
//! the extractor that gives handlers the signed-in user and their seats.

pub mod bearer;
pub mod cookies;
pub mod csrf;
pub mod extract;
pub mod oidc;
pub mod passkeys;
pub mod password;
pub mod session;
pub mod stepup;
pub mod token;
