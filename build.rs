// Migrations are embedded by `sqlx::migrate!`, which cannot see new files on
// its own: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
