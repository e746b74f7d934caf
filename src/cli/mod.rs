//! The `kho` command: parses arguments, loads configuration, opens the store,
//! runs one command and turns its outcome into docs/src/reference/contract.md's exit codes.

mod actor;
mod alerts;
mod args;
mod catalog;
mod channels;
mod connect;
mod maintenance;
mod orders;
pub mod output;
mod people;
mod reconcile;
mod reports;
mod stock;
mod token;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

pub use actor::actor;
use args::{AccountsCommand, Command, ConfigCommand, LogFormatArg, SecretsCommand};
pub use args::{BenchCommand, Cli, SimArgs, SimCommand};
pub use output::Output;
pub use people::link_url as login_link_url;

use crate::config::{Config, ConfigError, LogFormat, Sources};
use crate::store::{Store, StoreError};

/// Exit codes users and scripts rely on.
pub mod exit {
    pub const OK: u8 = 0;
    /// Finished, but found problems (drift, failed pushes, rejected rows).
    pub const PROBLEMS: u8 = 1;
    /// Bad usage, configuration or input; nothing was changed.
    pub const USAGE: u8 = 2;
    /// Runtime failure: database or network unavailable.
    pub const RUNTIME: u8 = 3;
}

/// A command's failure, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// Every individual problem (bad rows, bad keys), one per line.
    pub problems: Vec<String>,
    /// What caused the failure, outermost first (the error's `source()`
    /// chain), so that a failure reports its root cause and not only its
    /// outermost context.
    pub causes: Vec<String>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: exit::USAGE,
            message: message.into(),
            problems: Vec::new(),
            causes: Vec::new(),
        }
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Failure {
            code: exit::RUNTIME,
            message: message.into(),
            problems: Vec::new(),
            causes: Vec::new(),
        }
    }

    /// A failure from an error, keeping its chain of causes.
    pub fn from_error(code: u8, error: &(dyn std::error::Error + 'static)) -> Self {
        let message = error.to_string();
        let causes = causes(&message, error.source());
        Failure {
            code,
            message,
            problems: Vec::new(),
            causes,
        }
    }

    /// [`Failure::from_error`] with exit code 2 (bad usage or input).
    pub fn usage_error(error: &(dyn std::error::Error + 'static)) -> Self {
        Failure::from_error(exit::USAGE, error)
    }

    /// [`Failure::from_error`] with exit code 3 (runtime failure).
    pub fn runtime_error(error: &(dyn std::error::Error + 'static)) -> Self {
        Failure::from_error(exit::RUNTIME, error)
    }

    /// The failure as printed on standard error: the message, then each
    /// cause after `caused by:`, then the problems one per line.
    pub fn render(&self) -> String {
        let mut s = output::esc(&self.message).into_owned();
        for cause in &self.causes {
            s.push_str(": caused by: ");
            s.push_str(&output::esc(cause));
        }
        for p in &self.problems {
            s.push_str("\n  ");
            s.push_str(&output::esc(p));
        }
        s
    }

    /// The failure as the `--json` document (`causes` outermost first).
    pub fn json(&self) -> serde_json::Value {
        json!({
            "error": self.message,
            "causes": self.causes,
            "problems": self.problems,
            "exit_code": self.code,
        })
    }
}

/// The messages of `source` and of its own sources, outermost first. Many
/// errors already print their direct source within their own message
/// (`database error: {0}`): a cause whose text the messages before it
/// already contain is left out rather than repeated, and its own sources
/// still follow.
fn causes(message: &str, mut source: Option<&(dyn std::error::Error + 'static)>) -> Vec<String> {
    let mut shown = message.to_owned();
    let mut out = Vec::new();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !shown.contains(&text) {
            shown.push_str(&text);
            out.push(text);
        }
        source = cause.source();
    }
    out
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure {
            code: exit::USAGE,
            message: format!("invalid configuration ({})", e.source_name),
            problems: e.problems.iter().map(ToString::to_string).collect(),
            causes: Vec::new(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::runtime_error(&e)
    }
}

/// The commands that run kho against simulated marketplaces (`kho demo`,
/// `kho sim`, `kho bench …`): the binary supplies them, so this library
/// carries no simulator.
#[async_trait::async_trait(?Send)]
pub trait Lab {
    /// `kho demo`; needs no configuration.
    async fn demo(&self, listen: Option<std::net::SocketAddr>) -> Result<u8, Failure>;
    async fn sim(&self, command: SimCommand, out: &Output) -> Result<u8, Failure>;
    async fn bench(
        &self,
        command: BenchCommand,
        config: &Config,
        out: &Output,
    ) -> Result<u8, Failure>;
}

/// What the process does: returns the exit code.
pub fn main(lab: &dyn Lab) -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kho: cannot start the async runtime: {e}");
            return ExitCode::from(exit::RUNTIME);
        }
    };
    let result = runtime.block_on(run(cli, lab));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("kho: {}", failure.render());
            if json {
                println!("{}", output::json_for_terminal(&failure.json().to_string()));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli, lab: &dyn Lab) -> Result<u8, Failure> {
    let config = Config::load(Sources {
        file: cli.config.as_deref(),
        env: None,
    });
    let format = match (cli.log_format, &config) {
        (Some(LogFormatArg::Json), _) => LogFormat::Json,
        (Some(LogFormatArg::Text), _) => LogFormat::Text,
        (None, Ok(c)) => c.log.format,
        (None, Err(_)) => LogFormat::Text,
    };
    let verbosity = i8::try_from(i16::from(cli.verbose) - i16::from(cli.quiet)).unwrap_or(0);
    crate::telemetry::init(format, verbosity);
    let out = output::Output::new(cli.json);
    if let Command::Demo { listen } = cli.command {
        return lab.demo(listen).await;
    }
    if let Command::Secrets(SecretsCommand::GenerateKey) = cli.command {
        // Needs no configuration: it is how a configuration gets its key.
        let key = crate::secrets::generate_key();
        out.doc(&json!({ "key": key }), || key.clone());
        return Ok(exit::OK);
    }
    let config = config?;
    if cli.config.is_none()
        && opens_store(&cli.command)
        && let Some(note) = new_database_note(&config, std::path::Path::new("."))
    {
        eprintln!("kho: {note}");
    }

    match cli.command {
        Command::Config(ConfigCommand::Check) => config_check(&config, &out).await,
        Command::Migrate(args) => maintenance::migrate(&config, &args, &out).await,
        Command::Backup(args) => maintenance::backup(&config, &args, &out).await,
        Command::Import(args) => {
            let store = open(&config).await?;
            catalog::import(&store, &args, &out).await
        }
        Command::Export(args) => {
            let store = open(&config).await?;
            catalog::export(&store, &args, &out).await
        }
        Command::Products(cmd) => {
            let store = open(&config).await?;
            catalog::products(&store, cmd, &out).await
        }
        Command::Stock(cmd) => {
            let store = open(&config).await?;
            stock::run(&store, cmd, &out).await
        }
        Command::Accounts(AccountsCommand::List) => {
            let store = open(&config).await?;
            channels::accounts(&store, &config, &out).await
        }
        Command::Accounts(AccountsCommand::Connect(args)) => {
            let store = open(&config).await?;
            connect::run(&store, &config, &args, &out).await
        }
        Command::Link(args) => {
            let store = open(&config).await?;
            channels::link(&store, &config, &args, &out).await
        }
        Command::Sync(args) => {
            let store = open(&config).await?;
            match &args.action {
                Some(args::SyncAction::RetryDead { account }) => {
                    channels::retry_dead(&store, &config, account.as_deref(), &out).await
                }
                None => channels::sync(&store, &config, &args, &out).await,
            }
        }
        Command::Publish(args) => {
            let store = open(&config).await?;
            reconcile::publish(&store, &config, &args, &out).await
        }
        Command::Reconcile(args) => {
            let store = open(&config).await?;
            reconcile::reconcile(&store, &config, &args, &out).await
        }
        Command::Bench(cmd) => lab.bench(cmd, &config, &out).await,
        Command::Demo { .. } => Ok(exit::OK),
        Command::Serve => {
            let store = open(&config).await?;
            let json = out.json();
            crate::daemon::serve(
                &config,
                store,
                None,
                |addr| {
                    if json {
                        println!("{}", json!({ "listening": format!("http://{addr}") }));
                    } else {
                        println!("kho serve: listening on http://{addr} (Ctrl-C stops)");
                    }
                },
                crate::daemon::signal(),
            )
            .await
            .map_err(|e| match e {
                crate::daemon::DaemonError::Config(m) => Failure::usage(m),
                other => Failure::runtime_error(&other),
            })?;
            Ok(exit::OK)
        }
        Command::Orders(cmd) => {
            let store = open(&config).await?;
            orders::run(&store, &config, cmd, &out).await
        }
        Command::Report(args::ReportCommand::Sales {
            from,
            to,
            by,
            csv,
            xlsx,
            top,
        }) => {
            let store = open(&config).await?;
            let ask = reports::SalesArgs {
                from,
                to,
                by,
                csv,
                xlsx,
                top,
            };
            reports::sales(&store, &config, ask, &out).await
        }
        Command::Ocop(cmd) => {
            let store = open(&config).await?;
            reports::ocop(&store, &config, cmd, &out).await
        }
        Command::Status => {
            let store = open(&config).await?;
            channels::status(&store, &config, &out).await
        }
        Command::Sim(cmd) => lab.sim(cmd, &out).await,
        Command::Secrets(SecretsCommand::GenerateKey) => Ok(exit::OK),
        Command::Secrets(SecretsCommand::RotateKey) => {
            if config.secrets.key.is_none() {
                return Err(Failure::usage(
                    crate::secrets::SecretsError::NoKey.to_string(),
                ));
            }
            let store = open(&config).await?;
            let report = store.reseal_secrets().await?;
            out.doc(&json!(report), || {
                format!(
                    "re-sealed {} token value(s) under the current key, sealed {} found in clear; \
                     {} already current. Previous keys can now be removed from secrets.previous_keys.",
                    report.resealed, report.sealed_from_clear, report.current
                )
            });
            Ok(exit::OK)
        }
        Command::Token(cmd) => {
            let store = open(&config).await?;
            token::run(&store, cmd, &out).await
        }
        Command::LoginLink(args) => {
            let store = open(&config).await?;
            people::login_link(&store, &config, args, &out).await
        }
        Command::Sessions(cmd) => {
            let store = open(&config).await?;
            people::sessions(&store, cmd, &out).await
        }
        Command::Alerts(args::AlertsCommand::Send { dry_run }) => {
            let store = open(&config).await?;
            alerts::send(&store, &config, dry_run, &out).await
        }
    }
}

/// Whether a command opens (and so may create) the database.
fn opens_store(command: &Command) -> bool {
    !matches!(
        command,
        Command::Config(_)
            | Command::Demo { .. }
            | Command::Sim(_)
            | Command::Bench(_)
            | Command::Secrets(SecretsCommand::GenerateKey)
    )
}

/// Run without a configuration file, kho falls back to `sqlite://kho.db`:
/// a SQLite file in the current directory, created on first use. Someone
/// who forgot `--config` (or ran from the wrong directory) would otherwise
/// get a silent, empty second database; this says so. `None` when the
/// database is configured (environment) or the file already exists.
fn new_database_note(config: &Config, dir: &std::path::Path) -> Option<String> {
    let file = config.database.url.expose().strip_prefix("sqlite://")?;
    if file != DEFAULT_SQLITE_FILE || dir.join(file).exists() {
        return None;
    }
    let shown = std::fs::canonicalize(dir)
        .map(|d| d.join(file).display().to_string())
        .unwrap_or_else(|_| file.to_owned());
    Some(format!(
        "note: no configuration file (--config FILE or KHO_CONFIG); creating a new SQLite \
         database {shown} in the current directory"
    ))
}

/// The database the built-in defaults name (config/default.toml).
const DEFAULT_SQLITE_FILE: &str = "kho.db";

async fn open(config: &Config) -> Result<Store, Failure> {
    let store = Store::open(&config.database.url, config.database.max_connections).await?;
    store.set_keyring(config.secrets.keyring());
    store.set_debounce(config.sync.debounce);
    store.set_stock_policy(config.sync.stock_policy());
    Ok(store)
}

/// Validates the configuration, including that every account's producer is
/// known to the store, and prints it with secrets redacted.
async fn config_check(config: &Config, out: &output::Output) -> Result<u8, Failure> {
    if !config.accounts.is_empty() {
        let store = open(config).await?;
        let known: Vec<String> = store
            .producers()
            .await?
            .into_iter()
            .map(|p| p.code)
            .collect();
        let problems: Vec<String> = config
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| !known.contains(&a.producer))
            .map(|(i, a)| {
                format!(
                    "accounts[{i}].producer: {:?} is not a known producer (import its catalog first)",
                    a.producer
                )
            })
            .collect();
        if !problems.is_empty() {
            return Err(Failure {
                code: exit::USAGE,
                message: "invalid configuration".into(),
                problems,
                causes: Vec::new(),
            });
        }
    }
    out.doc(config, || config.to_redacted_toml());
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        /// Names its source only through `source()`.
        #[error("cannot read catalog")]
        Read(#[source] Middle),
        /// Prints its source in its own message as well.
        #[error("cannot import: {0}")]
        Import(#[source] Middle),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("catalog.csv is unreadable")]
    struct Middle(#[source] std::io::Error);

    fn denied() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied")
    }

    #[test]
    fn a_failure_shows_every_cause_of_its_error() {
        let failure = Failure::runtime_error(&Outer::Read(Middle(denied())));
        assert_eq!(failure.code, exit::RUNTIME);
        assert_eq!(failure.message, "cannot read catalog");
        assert_eq!(
            failure.causes,
            ["catalog.csv is unreadable", "permission denied"]
        );
        assert_eq!(
            failure.render(),
            "cannot read catalog: caused by: catalog.csv is unreadable: caused by: permission denied"
        );
        let doc = failure.json();
        assert_eq!(
            doc["causes"],
            json!(["catalog.csv is unreadable", "permission denied"])
        );
        assert_eq!(doc["error"], "cannot read catalog");
        assert_eq!(doc["exit_code"], exit::RUNTIME);
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let failure = Failure::usage_error(&Outer::Import(Middle(denied())));
        assert_eq!(failure.code, exit::USAGE);
        assert_eq!(failure.message, "cannot import: catalog.csv is unreadable");
        assert_eq!(failure.causes, ["permission denied"]);
    }

    #[test]
    fn a_new_default_database_is_announced_once() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(Sources {
            file: None,
            env: Some(Default::default()),
        })
        .unwrap();
        let note = new_database_note(&config, dir.path()).expect("a note");
        assert!(note.contains("no configuration file"), "{note}");
        assert!(note.contains("kho.db"), "{note}");
        std::fs::write(dir.path().join("kho.db"), b"").unwrap();
        assert_eq!(new_database_note(&config, dir.path()), None);

        let elsewhere = Config::load(Sources {
            file: None,
            env: Some(
                [(
                    "KHO__DATABASE__URL".to_owned(),
                    "sqlite://other.db".to_owned(),
                )]
                .into(),
            ),
        })
        .unwrap();
        assert_eq!(new_database_note(&elsewhere, dir.path()), None);
    }

    #[test]
    fn a_store_error_keeps_the_driver_error_below_it() {
        let e = StoreError::Connect {
            backend: crate::config::Backend::Postgres,
            url: "postgres://db".into(),
            source: sqlx::Error::Io(denied()),
        };
        let failure = Failure::from(e);
        assert_eq!(failure.code, exit::RUNTIME);
        assert!(
            failure
                .message
                .starts_with("cannot open the Postgres database")
        );
        assert!(
            failure.render().contains("permission denied"),
            "{}",
            failure.render()
        );
    }

    #[test]
    fn problems_follow_the_causes_one_per_line() {
        let mut failure = Failure::usage_error(&Outer::Read(Middle(denied())));
        failure.problems = vec!["line 2: bad".into(), "line 3: worse".into()];
        assert_eq!(
            failure.render(),
            "cannot read catalog: caused by: catalog.csv is unreadable: caused by: permission denied\n  line 2: bad\n  line 3: worse"
        );
    }
}
