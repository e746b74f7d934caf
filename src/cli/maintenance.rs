//! `kho migrate` and `kho backup`: the database chores of an upgrade. Both
//! connect without migrating, so that a backup taken by a newer binary
//! before an upgrade copies the old schema as it was.

use serde_json::json;

use super::args::{BackupArgs, MigrateArgs};
use super::output::Output;
use super::{Failure, exit};
use crate::config::{Backend, Config};
use crate::db::{MigrationStatus, sqlite_file};
use crate::store::{Store, StoreError};
use crate::terminal::esc;

pub async fn migrate(config: &Config, args: &MigrateArgs, out: &Output) -> Result<u8, Failure> {
    let url = &config.database.url;
    if args.dry_run {
        // A SQLite file that does not exist yet is not created just to be
        // looked at: every migration is pending.
        let missing = sqlite_file(url).is_some_and(|f| !f.exists());
        let status = if missing {
            crate::db::all_pending(true)
        } else {
            let store = Store::connect(url, 1).await?;
            let status = store.migration_status().await;
            store.close().await;
            status?
        };
        out.doc(
            &json!({ "database": url.to_string(), "dry_run": true, "status": status }),
            || dry_run_text(&url.to_string(), &status),
        );
        return Ok(if status.unknown.is_empty() {
            exit::OK
        } else {
            exit::PROBLEMS
        });
    }
    let store = Store::connect(url, config.database.max_connections).await?;
    let applied = store.migrate().await?;
    out.doc(
        &json!({ "database": url.to_string(), "applied": applied }),
        || format!("{applied} migration(s) applied to {url}"),
    );
    Ok(exit::OK)
}

fn dry_run_text(database: &str, status: &MigrationStatus) -> String {
    let mut text = if status.pending.is_empty() {
        format!(
            "{database} is up to date ({} migration(s) applied); nothing to apply",
            status.applied
        )
    } else {
        let mut t = format!(
            "{} migration(s) would be applied to {database} ({} already applied):",
            status.pending.len(),
            status.applied
        );
        for m in &status.pending {
            t.push_str(&format!("\n  {:04} {}", m.version, esc(&m.description)));
        }
        t
    };
    if !status.unknown.is_empty() {
        let versions: Vec<String> = status.unknown.iter().map(|v| format!("{v:04}")).collect();
        text.push_str(&format!(
            "\nthe database has migration(s) {} that this kho does not know: a newer kho \
             migrated it; run that version (migrations only go forward)",
            versions.join(", ")
        ));
    }
    text
}

pub async fn backup(config: &Config, args: &BackupArgs, out: &Output) -> Result<u8, Failure> {
    let url = &config.database.url;
    if url.backend() == Backend::Postgres {
        return Err(pg_dump_advice(&url.to_string(), &args.file));
    }
    let Some(source) = sqlite_file(url) else {
        return Err(Failure::usage(
            "an in-memory database has nothing to back up: it ends with its process",
        ));
    };
    if !source.exists() {
        return Err(Failure::usage(format!(
            "there is no database at {} to back up (database.url = {url})",
            source.display()
        )));
    }
    if args.file.exists() {
        return Err(Failure::usage(format!(
            "{} already exists: kho backup never overwrites a file; name a new one",
            args.file.display()
        )));
    }
    if let Some(dir) = args.file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Failure::usage(format!(
            "{} is not a directory: create it first",
            dir.display()
        )));
    }
    let store = Store::connect(url, 1).await?;
    let report = store.backup_sqlite(&args.file).await;
    store.close().await;
    let report = report.map_err(|e| match e {
        StoreError::Refused(m) => Failure::usage(m),
        other => Failure::runtime_error(&other),
    })?;
    out.doc(&json!(report), || {
        format!(
            "backed up {} to {} ({} bytes, {} migration(s) applied, integrity checked); \
             restore: stop kho, put this file in place of {} (remove its -wal and -shm files), start kho",
            source.display(),
            report.file.display(),
            report.bytes,
            report.migrations,
            source.display()
        )
    });
    Ok(exit::OK)
}

/// On PostgreSQL `kho backup` does nothing and says how to use PostgreSQL's
/// own tool instead (exit 2, so a script never mistakes it for a backup).
fn pg_dump_advice(url: &str, file: &std::path::Path) -> Failure {
    let mut failure = Failure::usage(
        "kho backup copies SQLite databases only; this configuration uses PostgreSQL: \
         back it up with pg_dump, which is consistent while kho runs",
    );
    failure.problems = vec![
        format!(
            "back up:  pg_dump --format=custom --file={} --dbname='{url}'",
            file.display()
        ),
        format!(
            "restore:  pg_restore --clean --if-exists --no-owner --dbname='{url}' {}",
            file.display()
        ),
        "keep secrets.key (and secrets.previous_keys) with the dump, stored apart: the tokens in it are sealed"
            .into(),
    ];
    failure
}
