//! Signing people in: `kho login-link` against a real `kho serve`, the link
//! a previewer may fetch without spending, the POST that spends it once,
//! sessions that sign out, are revoked and end with their token, links made
//! through the API, and the names every action carries.

use serde_json::Value;

use crate::support::{Daemon, TestDb, ok, sample_catalog, spawn_app, stderr};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The catalog imported and a `kho.toml` for the daemon.
fn prepare(db: &TestDb) {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    std::fs::write(
        db.path("kho.toml"),
        "[sync]\norder_poll_interval = \"1h\"\n",
    )
    .expect("write kho.toml");
}

/// `kho login-link ARGS --json`: the document and the link's path.
fn link(db: &TestDb, args: &[&str]) -> (Value, String) {
    let mut all = vec!["login-link", "--json"];
    all.extend_from_slice(args);
    let doc: Value = serde_json::from_str(&ok(&db.kho(&all))).expect("JSON");
    let url = doc["url"].as_str().expect("url").to_owned();
    let path = url::Url::parse(&url).expect("a URL").path().to_owned();
    assert!(path.starts_with("/login/"), "{url}");
    (doc, path)
}

fn cookie_of(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kho_session="))
        .map(str::to_owned)
}

/// The `name=value` part of a Set-Cookie.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

async fn spend(base: &str, path: &str, name: Option<&str>) -> reqwest::Response {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    if let Some(n) = name {
        form.append_pair("name", n);
    }
    http()
        .post(format!("{base}{path}"))
        .header("origin", base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.finish())
        .send()
        .await
        .unwrap()
}

async fn page(base: &str, path: &str, cookie: &str) -> reqwest::Response {
    http()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

fn sessions(db: &TestDb) -> Vec<Value> {
    let doc: Value =
        serde_json::from_str(&ok(&db.kho(&["sessions", "list", "--json"]))).expect("JSON");
    doc.as_array().expect("a list").clone()
}

crate::both_backends!(a_login_link_signs_one_browser_in_once, |db| {
    prepare(&db);
    let (doc, path) = link(&db, &["--role", "department", "--name", "Nguyễn Văn A"]);
    assert_eq!(doc["role"], "department");
    assert_eq!(doc["name"], "Nguyễn Văn A");
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(doc["expires_at"].clone()).expect("expires_at");
    let left = expires - chrono::Utc::now();
    assert!(
        left > chrono::TimeDelta::minutes(14) && left <= chrono::TimeDelta::minutes(15),
        "{left}"
    );
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();

    // A previewer's GET shows the page and spends nothing, however often.
    for _ in 0..2 {
        let res = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["referrer-policy"], "same-origin");
        assert!(cookie_of(&res).is_none());
        let html = res.text().await.unwrap();
        assert!(html.contains("Nguyễn Văn A"), "{html}");
        assert!(html.contains("Đăng nhập") && html.contains("Sign in"));
        assert!(html.contains(&format!("action=\"{path}\"")));
    }
    // From another site: refused, and the link still works.
    let res = http()
        .post(format!("{base}{path}"))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let res = spend(&base, &path, None).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let set = cookie_of(&res).expect("a session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
        assert!(set.contains(attr), "{set}");
    }
    // Served over plain http here: no Secure flag, which would lose it.
    assert!(!set.contains("Secure"), "{set}");
    let cookie = pair(&set);
    assert!(
        !cookie
            .trim_start_matches("kho_session=")
            .starts_with("kho_"),
        "the cookie holds a session, not a token: {cookie}"
    );
    let res = page(&base, "/", &cookie).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Nguyễn Văn A"));

    // Once only.
    let res = spend(&base, &path, None).await;
    assert_eq!(res.status(), 410);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("đã được dùng") && html.contains("already been used"),
        "{html}"
    );
    let res = http().get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(res.status(), 410);
    let res = http()
        .get(format!("{base}/login/{}", "A".repeat(43)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("no such sign-in link"));

    // The session is listed, named, and revoking it signs the browser out.
    let list = sessions(&db);
    let mine = list
        .iter()
        .find(|s| s["person"] == "Nguyễn Văn A")
        .expect("the session is listed");
    assert_eq!(
        (mine["role"].as_str(), mine["active"].as_bool()),
        (Some("department"), Some(true))
    );
    assert_eq!(mine["origin"], "link");
    let id = mine["id"].as_i64().expect("id").to_string();
    ok(&db.kho(&["sessions", "revoke", &id]));
    let res = page(&base, "/", &cookie).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/signin");
    assert_eq!(db.kho(&["sessions", "revoke", &id]).status.code(), Some(2));

    // Sign-out ends the session on the server, not only in the browser.
    let (_, path) = link(&db, &["--producer", "htx-chi-lang", "--name", "Lò Thị Hoa"]);
    let cookie = pair(&cookie_of(&spend(&base, &path, None).await).expect("cookie"));
    assert_eq!(page(&base, "/products", &cookie).await.status(), 200);
    let hoa = sessions(&db)
        .into_iter()
        .find(|s| s["person"] == "Lò Thị Hoa")
        .expect("listed");
    assert_eq!(
        (hoa["role"].as_str(), hoa["producer"].as_str()),
        (Some("cooperative"), Some("htx-chi-lang"))
    );
    let res = http()
        .post(format!("{base}/signout"))
        .header("cookie", &cookie)
        .header("origin", &base)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(cookie_of(&res).expect("cleared").contains("Max-Age=0"));
    assert_eq!(page(&base, "/products", &cookie).await.status(), 303);
    assert!(!sessions(&db).iter().any(|s| s["person"] == "Lò Thị Hoa"));

    // A link without a name asks for one: every action carries a name.
    let (doc, path) = link(&db, &["--role", "admin"]);
    assert!(doc["name"].is_null());
    let html = http()
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"name\""), "{html}");
    let res = spend(&base, &path, Some("  ")).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Enter your full name"));
    let res = spend(&base, &path, Some("Trần Thị B")).await;
    assert_eq!(res.status(), 303);
    assert!(
        sessions(&db)
            .iter()
            .any(|s| s["person"] == "Trần Thị B" && s["role"] == "admin")
    );

    // An expired link says so.
    let (_, path) = link(&db, &["--role", "department", "--name", "Late"]);
    let store = db.store().await;
    let past = chrono::Utc::now() - chrono::TimeDelta::minutes(1);
    match store.pool() {
        kho::store::Pool::Sqlite(p) => {
            sqlx::query("UPDATE login_links SET expires_at = $1 WHERE person = 'Late'")
                .bind(past)
                .execute(p)
                .await
                .unwrap();
        }
        kho::store::Pool::Postgres(p) => {
            sqlx::query("UPDATE login_links SET expires_at = $1 WHERE person = 'Late'")
                .bind(past)
                .execute(p)
                .await
                .unwrap();
        }
    }
    let res = http().get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("has expired"));
    assert_eq!(spend(&base, &path, None).await.status(), 410);
    daemon.stop();
});

crate::both_backends!(
    a_token_sign_in_opens_a_session_named_after_the_token,
    |db| {
        prepare(&db);
        let token = ok(&db.kho(&["token", "create", "--role", "admin", "--name", "ops-Lan"]))
            .trim()
            .to_owned();
        let daemon = Daemon::start_with(&db, &[], "1h");
        let base = daemon.url.clone();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", &token)
            .finish();
        let res = http()
            .post(format!("{base}/signin"))
            .header("origin", &base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let cookie = pair(&cookie_of(&res).expect("cookie"));
        assert!(
            !cookie.contains(&token),
            "the cookie must not carry the token"
        );
        assert_eq!(page(&base, "/", &cookie).await.status(), 200);
        let s = sessions(&db)
            .into_iter()
            .find(|s| s["person"] == "ops-Lan")
            .expect("a session named after the token");
        assert!(
            s["origin"]
                .as_str()
                .is_some_and(|o| o.starts_with("token:"))
        );
        // Revoking the token ends the sessions opened with it.
        let id = s["origin"]
            .as_str()
            .unwrap()
            .trim_start_matches("token:")
            .to_owned();
        ok(&db.kho(&["token", "revoke", &id]));
        assert_eq!(page(&base, "/", &cookie).await.status(), 303);
        daemon.stop();
    }
);

crate::both_backends!(login_links_are_checked_before_they_are_made, |db| {
    prepare(&db);
    for (args, needle) in [
        (
            &["--role", "department", "--valid", "8d"][..],
            "at most 7 days",
        ),
        (&["--role", "cooperative"][..], "--producer"),
        (
            &["--role", "admin", "--producer", "htx-chi-lang"][..],
            "only for cooperatives",
        ),
        (&["--producer", "htx-nowhere"][..], "unknown producer"),
        (
            &["--role", "admin", "--name", " "][..],
            "not a person's name",
        ),
        (&[][..], "--role"),
    ] {
        let mut all = vec!["login-link"];
        all.extend_from_slice(args);
        let out = db.kho(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    // Not a terminal: the URL alone on stdout, no QR code.
    let out = ok(&db.kho(&[
        "login-link",
        "--role",
        "admin",
        "--name",
        "A",
        "--valid",
        "2h",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with("http://127.0.0.1:8080/login/"),
        "{out}"
    );
});

crate::both_backends!(admins_make_login_links_through_the_api, |db| {
    prepare(&db);
    let store = db.store().await;
    let (_, admin) = store
        .create_token("admin", kho::auth::Role::Admin, None)
        .await
        .unwrap();
    let (_, dept) = store
        .create_token("dept", kho::auth::Role::Department, None)
        .await
        .unwrap();
    let api = spawn_app(&store).await;
    let c = http();
    let post = |token: &str, body: Value| {
        c.post(format!("{api}/login-links"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let res = post(
        &admin,
        serde_json::json!({ "producer": "htx-chi-lang", "name": "Hoàng Văn Nam", "valid": "2d" }),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["role"], "cooperative");
    let url = doc["url"].as_str().unwrap();
    assert!(url.starts_with("https://kho.example.org/login/"), "{url}");
    let path = url.trim_start_matches("https://kho.example.org");
    let base = api.trim_end_matches("/api/v1");
    let res = c.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Hoàng Văn Nam"));
    let res = spend(base, path, None).await;
    assert_eq!(res.status(), 303);
    // public_url is https: the cookie is Secure.
    assert!(cookie_of(&res).unwrap().contains("; Secure"));

    assert_eq!(
        post(&dept, serde_json::json!({ "role": "admin" }))
            .await
            .unwrap()
            .status(),
        403
    );
    for bad in [
        serde_json::json!({ "role": "admin", "valid": "30d" }),
        serde_json::json!({ "role": "admin", "valid": "soon" }),
        serde_json::json!({}),
        serde_json::json!({ "role": "department", "producer": "htx-chi-lang" }),
    ] {
        let res = post(&admin, bad.clone()).await.unwrap();
        assert_eq!(res.status(), 422, "{bad}");
    }
});

crate::both_backends!(cli_actions_name_the_person, |db| {
    prepare(&db);
    let out = db
        .kho_cmd(&["stock", "add", "NA-CHILANG-1KG", "5", "--reason", "harvest"])
        .env("KHO_ACTOR", "Lê Văn C")
        .output()
        .unwrap();
    ok(&out);
    let out = db
        .kho_cmd(&["stock", "add", "NA-CHILANG-1KG", "1", "--reason", "count"])
        .env_remove("KHO_ACTOR")
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("USERNAME")
        .output()
        .unwrap();
    ok(&out);
    let history: Value = serde_json::from_str(&ok(&db.kho(&[
        "stock",
        "history",
        "NA-CHILANG-1KG",
        "--json",
    ])))
    .unwrap();
    let actors: Vec<String> = history
        .as_array()
        .or_else(|| history["movements"].as_array())
        .expect("movements")
        .iter()
        .filter_map(|m| m["actor"].as_str().map(str::to_owned))
        .collect();
    assert!(actors.iter().any(|a| a == "cli:Lê Văn C"), "{actors:?}");
    assert!(!actors.iter().any(|a| a == "cli:unknown"), "{actors:?}");
    assert!(
        actors.iter().all(|a| a.starts_with("cli:") && a.len() > 4),
        "{actors:?}"
    );
});
