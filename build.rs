//! Rebuilds when a migration is added or changed: `sqlx::migrate!` embeds
//! the migrations at compile time, and cargo does not otherwise watch their
//! directory (a new migration beside unchanged code was left out).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
