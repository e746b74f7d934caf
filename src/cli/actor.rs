//! Who is acting, for the ledger and other audit fields, when kho runs from
//! a shell: `KHO_ACTOR` when set (a shared service account can name the
//! person behind it), else the operating-system user.

use std::collections::HashMap;

/// `cli:NAME`, where NAME is the first of `KHO_ACTOR`, `USER`, `LOGNAME`,
/// `USERNAME` and the account of this process's user id; `cli:unknown` only
/// when none of them names anybody.
pub fn actor() -> String {
    let env: HashMap<String, String> = ["KHO_ACTOR", "USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_owned(), v)))
        .collect();
    let account = || {
        let uid = process_uid()?;
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        account_name(&passwd, uid)
    };
    format!("cli:{}", name(&env, account))
}

fn name(env: &HashMap<String, String>, account: impl FnOnce() -> Option<String>) -> String {
    ["KHO_ACTOR", "USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .filter_map(|k| env.get(k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty() && !v.chars().any(char::is_control))
        .map(str::to_owned)
        .or_else(account)
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(unix)]
fn process_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn process_uid() -> Option<u32> {
    None
}

/// The login name of `uid` in an `/etc/passwd` text.
fn account_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn an_explicit_actor_wins_then_the_user() {
        let none = || None;
        assert_eq!(
            name(&env(&[("KHO_ACTOR", "Lan"), ("USER", "root")]), none),
            "Lan"
        );
        assert_eq!(
            name(&env(&[("KHO_ACTOR", " "), ("USER", "root")]), none),
            "root"
        );
        assert_eq!(name(&env(&[("LOGNAME", "hoa")]), none), "hoa");
        assert_eq!(name(&env(&[]), || Some("kho".into())), "kho");
        assert_eq!(name(&env(&[]), none), "unknown");
    }

    #[test]
    fn the_account_comes_from_passwd() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nkho:x:1000:1000::/home/kho:/bin/sh\n";
        assert_eq!(account_name(passwd, 1000).as_deref(), Some("kho"));
        assert_eq!(account_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(account_name(passwd, 5), None);
    }
}
