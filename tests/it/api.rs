//! The admin API end to end: tokens and roles (DESIGN invariant 7), every
//! endpoint for every role, import through the API, and the OpenAPI
//! document against the router.

use kho::auth::Role;

use crate::both_backends;
use crate::common::{ok, sample_catalog, stderr};

both_backends!(token_cli_create_list_revoke, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));

    let admin = ok(&db.kho(&["token", "create", "--role", "admin", "--name", "ops"]));
    let admin = admin.trim();
    assert!(admin.starts_with("kho_"), "token printed: {admin}");

    // A cooperative token needs an existing producer; other roles refuse one.
    let o = db.kho(&["token", "create", "--role", "cooperative"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--producer"), "{}", stderr(&o));
    let o = db.kho(&[
        "token",
        "create",
        "--role",
        "cooperative",
        "--producer",
        "htx-nowhere",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("htx-nowhere"), "{}", stderr(&o));
    let o = db.kho(&[
        "token",
        "create",
        "--role",
        "department",
        "--producer",
        "htx-chi-lang",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = db.kho(&["token", "create", "--role", "root"]);
    assert_eq!(o.status.code(), Some(2));

    let coop = ok(&db.kho(&[
        "--json",
        "token",
        "create",
        "--role",
        "cooperative",
        "--producer",
        "htx-chi-lang",
    ]));
    let coop: serde_json::Value = serde_json::from_str(&coop).expect("json");
    let coop_secret = coop["token"].as_str().expect("token").to_owned();
    assert_eq!(coop["role"], "cooperative");
    assert_eq!(coop["producer"], "htx-chi-lang");

    let store = db.store().await;
    let p = store
        .authenticate_token(admin)
        .await
        .expect("auth")
        .expect("admin token works");
    assert_eq!(
        (p.role, p.name.as_str(), p.producer),
        (Role::Admin, "ops", None)
    );
    let p = store
        .authenticate_token(&coop_secret)
        .await
        .expect("auth")
        .expect("cooperative token works");
    assert_eq!(p.producer.as_deref(), Some("htx-chi-lang"));
    assert!(
        store
            .authenticate_token("kho_nope")
            .await
            .expect("auth")
            .is_none()
    );

    // Only a hash is stored: the secret appears nowhere in the database.
    let listed = ok(&db.kho(&["--json", "token", "list"]));
    assert!(!listed.contains(admin) && !listed.contains(&coop_secret));
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    assert_eq!(listed.len(), 2);
    assert!(
        listed[0]["last_used_at"].is_string(),
        "use is recorded: {listed:?}"
    );
    assert!(listed[1]["revoked_at"].is_null());

    let id = p.token_id.to_string();
    ok(&db.kho(&["token", "revoke", &id]));
    assert!(
        store
            .authenticate_token(&coop_secret)
            .await
            .expect("auth")
            .is_none(),
        "a revoked token no longer authenticates"
    );
    let o = db.kho(&["token", "revoke", &id]);
    assert_eq!(o.status.code(), Some(2), "revoking twice is an error");
    let listed = ok(&db.kho(&["token", "list"]));
    assert!(
        listed.contains("htx-chi-lang") && listed.contains("ops"),
        "{listed}"
    );
    store.close().await;
});
