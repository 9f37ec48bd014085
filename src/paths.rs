//! Every URL the app links or redirects to, in one place, so links never drift.

use uuid::Uuid;

/// Home: what needs me now, then my programmes.
pub const HOME: &str = "/";
/// The login form.
pub const LOGIN: &str = "/login";
/// Sign out (POST).
pub const LOGOUT: &str = "/logout";
/// Change my password.
pub const PASSWORD: &str = "/account/password";
/// Admin: users.
pub const ADMIN_USERS: &str = "/admin/users";
/// Admin: new user.
pub const ADMIN_USER_NEW: &str = "/admin/users/new";
/// Admin: seat history.
pub const ADMIN_SEATS: &str = "/admin/seats";
/// Admin: programmes.
pub const ADMIN_PROGRAMMES: &str = "/admin/programmes";
/// Admin: new programme.
pub const ADMIN_PROGRAMME_NEW: &str = "/admin/programmes/new";
/// Admin: audit log.
pub const ADMIN_AUDIT: &str = "/admin/audit";
/// Admin: check the audit chain.
pub const ADMIN_AUDIT_VERIFY: &str = "/admin/audit/verify";

/// A programme's overview.
pub fn programme(id: Uuid) -> String {
    format!("/programmes/{id}")
}

/// A user's admin page.
pub fn admin_user(id: Uuid) -> String {
    format!("/admin/users/{id}")
}

/// A programme's admin page.
pub fn admin_programme(id: Uuid) -> String {
    format!("/admin/programmes/{id}")
}
