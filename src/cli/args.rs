//! The command line, as docs/src/reference/contract.md describes it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kho",
    version,
    about = "One source of truth for cooperatives selling on many marketplaces",
    propagate_version = true
)]
pub struct Cli {
    /// Configuration file (TOML), layered over the built-in defaults.
    #[arg(long, global = true, env = "KHO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine-readable output: one JSON document on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Less log output.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Log format on stderr (overrides `log.format`).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormatArg>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply database migrations (or, with --dry-run, list the pending ones).
    Migrate(MigrateArgs),
    /// A consistent copy of the SQLite store, safe while the daemon runs.
    Backup(BackupArgs),
    /// Validate the configuration and print the effective values, secrets redacted.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Import a catalog (CSV or XLSX); all-or-nothing; re-import updates in place.
    Import(ImportArgs),
    /// Export the catalog in the import format (CSV, or XLSX when FILE ends in .xlsx).
    Export(ExportArgs),
    /// Products and variants.
    #[command(subcommand)]
    Products(ProductsCommand),
    /// Inventory: show, set, add, history.
    #[command(subcommand)]
    Stock(StockCommand),
    /// Channel accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Link an account's remote listings to SKUs by seller SKU.
    Link(LinkArgs),
    /// Show the plan, then push it and report what the marketplaces did.
    Sync(SyncArgs),
    /// Create listings on the marketplace for SKUs the account does not list.
    Publish(PublishArgs),
    /// Compare each marketplace with the canonical store and report every drift.
    Reconcile(ReconcileArgs),
    /// Everything on one machine: sample catalog, simulated shops, the daemon.
    Demo {
        /// HTTP address of the daemon (127.0.0.1:8080, or a free port if taken).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// The daemon: sync workers, schedulers and the HTTP server.
    Serve,
    /// Marketplace orders.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The province's OCOP register: import, compare with the catalog, export sales.
    #[command(subcommand)]
    Ocop(OcopCommand),
    /// One screen: accounts, queues, failures, dead letters, expiring certificates.
    Status,
    /// Run one marketplace simulator standalone.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The key that seals marketplace tokens in the database.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Admin API tokens: create (printed once), list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a one-time sign-in URL for a person (a QR code too on a terminal).
    LoginLink(LoginLinkArgs),
    /// Dashboard sessions: list, revoke.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Send what needs attention by e-mail and webhook (`[alerts]`).
    #[command(subcommand)]
    Alerts(AlertsCommand),
}

#[derive(Debug, Args)]
pub struct LoginLinkArgs {
    /// admin or department (a cooperative's link takes --producer instead).
    #[arg(long, required_unless_present = "producer")]
    pub role: Option<crate::auth::Role>,
    /// The producer a cooperative's person may see and act for.
    #[arg(long)]
    pub producer: Option<String>,
    /// The person's name, recorded with everything they do; without it the
    /// person types it when opening the link.
    #[arg(long)]
    pub name: Option<String>,
    /// How long the link works (at most 7 days).
    #[arg(long, default_value = "15m", value_parser = humantime::parse_duration)]
    pub valid: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Every dashboard session: person, role, producer, last seen, expiry.
    List,
    /// End a session now; its browser is sent to sign in again.
    Revoke {
        /// The session's id (from `kho sessions list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Send what needs attention now to every recipient that has not had it
    /// today (for cron; the daemon does it on its own too).
    Send {
        /// Show what would be sent, send nothing, record nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// List the migrations this kho would apply, and apply none.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy; it must not exist yet.
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a new random key for `secrets.key` (base64 of 32 bytes).
    GenerateKey,
    /// Re-seal every stored token under `secrets.key`: values sealed under one
    /// of `secrets.previous_keys`, or stored in clear by an older kho.
    RotateKey,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// admin (everything), department (reads everything, changes nothing)
        /// or cooperative (only its producer's data).
        #[arg(long)]
        role: crate::auth::Role,
        /// The producer a cooperative token is bound to (required for
        /// cooperative, refused for the other roles).
        #[arg(long)]
        producer: Option<String>,
        /// A label to recognise the token by in `kho token list`.
        #[arg(long)]
        name: Option<String>,
    },
    /// Every token: id, name, role, producer, created, last used, revoked.
    List,
    /// Revoke a token; requests with it are refused from now on.
    Revoke {
        /// The token's id (from `kho token list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// State, token expiry, listings, last push and last error of each account.
    List,
    /// Authorise a shop: print the marketplace's authorisation link, or
    /// exchange a code for the shop's first tokens.
    Connect(ConnectArgs),
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The account's name.
    pub account: String,
    /// The authorisation code the marketplace gave (from the redirect URL
    /// the seller landed on): exchange it now instead of printing a link.
    #[arg(long)]
    pub code: Option<String>,
    /// Shopee: the shop_id that came back with the code (checked against
    /// the account's).
    #[arg(long, value_name = "ID", requires = "code")]
    pub shop_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The account's name.
    pub account: String,
    /// Report what would be linked; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The account's name.
    pub account: String,
    /// Only these SKUs (repeatable); every unlisted active SKU of the
    /// account's producer when omitted.
    #[arg(long = "sku", value_name = "SKU")]
    pub skus: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Only this account.
    #[arg(long)]
    pub account: Option<String>,
    /// Repair: ingest missed orders, push canonical values, publish deleted
    /// listings again. Never deletes anything on a marketplace.
    #[arg(long)]
    pub fix: bool,
    /// Order window, e.g. 2h or 3d; from the account's last reconciliation
    /// (else the last 24 hours) when omitted.
    #[arg(long, value_parser = parse_duration)]
    pub since: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// Only this account.
    #[arg(long)]
    pub account: Option<String>,
    /// Print the plan; push nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(subcommand)]
    pub action: Option<SyncAction>,
}

#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Put dead letters back in the queue after fixing their cause.
    RetryDead {
        /// Only this account's.
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// The Shopee Open Platform v2 simulator (default address 127.0.0.1:9100).
    Shopee(SimArgs),
    /// The TikTok Shop Open API 202309 simulator (default address 127.0.0.1:9101).
    Tiktok(SimArgs),
    /// The Lazada Open Platform simulator (default address 127.0.0.1:9102).
    Lazada(SimArgs),
    /// A WooCommerce site's REST API v3 simulator (default address 127.0.0.1:9104).
    Woocommerce(SimArgs),
    /// The Tiki Open Platform simulator (default address 127.0.0.1:9103).
    Tiki(SimArgs),
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on [default: 127.0.0.1:9100 for Shopee, 9101 for
    /// TikTok, 9102 for Lazada, 9103 for Tiki, so all can run side by side].
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Simulator settings (JSON): app or partner keys, shops or sellers,
    /// limits, faults — the simulator's `SimConfig`.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Seed the first shop with a listing per SKU of this catalog file.
    #[arg(long, value_name = "FILE")]
    pub seed_catalog: Option<PathBuf>,
    /// Only this producer's SKUs from the seed catalog.
    #[arg(long)]
    pub producer: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate and print the effective configuration.
    Check,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The catalog file.
    pub file: PathBuf,
    /// Print what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write; standard output when omitted.
    pub file: Option<PathBuf>,
    /// Only this producer's products.
    #[arg(long)]
    pub producer: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// Products and variants with stock.
    List {
        /// Only this producer's products.
        #[arg(long)]
        producer: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Why (kept in the ledger).
    #[arg(long, default_value = "")]
    pub reason: String,
    /// Location code; the producer's default location when omitted.
    #[arg(long)]
    pub location: Option<String>,
    /// Harvest lot: a receipt creates it or adds to it; a removal or count
    /// moves that lot only. Without it, receipts are kept without a lot and
    /// removals take the earliest best-before first.
    #[arg(long)]
    pub lot: Option<String>,
    /// The lot's harvest or production day (YYYY-MM-DD; receipts only).
    #[arg(long, value_name = "DATE", requires = "lot")]
    pub harvested: Option<chrono::NaiveDate>,
    /// The lot's last day of sale (YYYY-MM-DD; receipts only); by default
    /// the harvest day plus the product's `shelf_life_days`.
    #[arg(long, value_name = "DATE", requires = "lot")]
    pub best_before: Option<chrono::NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// On hand, reserved and available per location, and the lots.
    Show { sku: String },
    /// Write off every lot past its best-before (an `expiry` movement each)
    /// and push every shop; for cron when the daemon does not run.
    Expire {
        /// Only list what would be written off.
        #[arg(long)]
        dry_run: bool,
    },
    /// Set on hand after a count.
    Set {
        sku: String,
        quantity: i64,
        #[command(flatten)]
        opts: MoveArgs,
    },
    /// Add (or, negative, remove) units.
    Add {
        sku: String,
        #[arg(allow_negative_numbers = true)]
        delta: i64,
        #[command(flatten)]
        opts: MoveArgs,
    },
    /// The ledger, newest first.
    History {
        sku: String,
        /// How many movements.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import a generated catalog and print rows per second and peak memory.
    Import {
        /// How many SKUs to generate.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Database to import into; a fresh temporary SQLite file when omitted.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Full sync against the Shopee simulator: pushes per second, calls,
    /// rate-limit rejections, ideal ÷ actual time, and (`--serve`) the
    /// daemon's peak memory.
    Sync {
        /// SKUs per account.
        #[arg(long, default_value_t = 20_000)]
        skus: usize,
        /// Accounts (simulated shops), each listing every SKU.
        #[arg(long, default_value_t = 3)]
        accounts: usize,
        /// The per-shop rate limit (calls per second); unlimited when omitted.
        #[arg(long, value_name = "N")]
        rate: Option<u32>,
        /// Database to use (an empty one); a fresh temporary SQLite file when omitted.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Push through a child `kho serve` and report its peak RSS.
        #[arg(long)]
        serve: bool,
        /// Jobs claimed at once per account (in-process workers only).
        #[arg(long, value_name = "N")]
        batch: Option<i64>,
        /// The simulated channel: shopee, or tiki or woocommerce (one seller
        /// or site per account, in-process workers only).
        #[arg(long, default_value = "shopee", value_parser = ["shopee", "tiki", "woocommerce"])]
        channel: String,
    },
    /// Many shops over several `kho serve` instances on one PostgreSQL, with
    /// a trickle of stock changes and orders and one instance killed midway:
    /// change-to-push latency, lease statements, connections, spread,
    /// takeover time, double-owned pushes and memory.
    Fleet {
        /// Simulated shops (accounts), each its own cooperative.
        #[arg(long, default_value_t = 300)]
        accounts: usize,
        /// `kho serve` processes.
        #[arg(long, default_value_t = 3)]
        instances: usize,
        /// An empty PostgreSQL database.
        #[arg(long, value_name = "URL")]
        database: String,
        #[arg(long, default_value_t = 50)]
        skus_per_account: usize,
        /// How long the trickle runs; the kill is at half time.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Calls a second each shop allows (and kho promises).
        #[arg(long, default_value_t = 10)]
        rate: u32,
        /// `database.max_connections` of each instance.
        #[arg(long, default_value_t = 8)]
        pool: u32,
    },
    /// Reconcile one account of N remote listings on an unlimited simulator:
    /// wall time and peak RSS.
    Reconcile {
        /// Remote listings.
        #[arg(long, default_value_t = 100_000)]
        listings: usize,
        /// Database to use (an empty one); a fresh temporary SQLite file when omitted.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Order → every other shop pushed: p50/p99 latency at a steady order rate.
    Orders {
        /// Orders per second, across three shops.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// How long to send orders.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Database to use (an empty one); a fresh temporary SQLite file when omitted.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// 1,000 buyers, 200 units, 3 shops: oversold units per allocation mode.
    FlashSale {
        /// Database to use (an empty one per run is created for SQLite only).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Runs per allocation mode (the polling-only mode runs once).
        #[arg(long, default_value_t = 1)]
        runs: u32,
    },
    /// 1,000 orders over three shared shops, 10 % cancelled and 2 % returned:
    /// units hidden or oversold at rest, and how soon every shop is right.
    Cancellations {
        /// Orders in all.
        #[arg(long, default_value_t = 1000)]
        orders: u32,
        /// Database to use (an empty one); a fresh temporary SQLite file when omitted.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// A `kho serve` under mixed traffic and faults for a long time, then the
    /// invariants checked (exit 1 when one fails).
    Soak {
        /// How long to run the traffic, e.g. 2m, 30m, 4h.
        #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
        duration: std::time::Duration,
        /// Orders per second across the four shops.
        #[arg(long, default_value_t = 3.0)]
        orders_per_second: f64,
        /// Share of API calls that fail (0.2 = 20 %).
        #[arg(long, default_value_t = 0.2)]
        fault_rate: f64,
        /// Database to use (an empty one); a fresh temporary SQLite file when omitted.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Fetch orders from the marketplaces and ingest them (backfill).
    Pull {
        /// Only this account.
        #[arg(long)]
        account: Option<String>,
        /// How far back, e.g. 2h, 3d.
        #[arg(long, default_value = "2h", value_parser = parse_duration)]
        since: std::time::Duration,
    },
    /// Ingested orders, newest first.
    List {
        #[arg(long)]
        account: Option<String>,
        /// unpaid, ready, shipped, delivered, cancelled or returned.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// A returned parcel is back on the shelf: its units count again on every shop.
    ReturnReceived {
        /// The account (shop) the order came from.
        account: String,
        /// The marketplace's order id.
        order: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Units and revenue (VND) of orders not cancelled or returned.
    Sales {
        /// First day (YYYY-MM-DD, in `sync.timezone`); 30 days ago by default.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day, included; today by default.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "day")]
        by: crate::orders::report::GroupBy,
        /// CSV on stdout (UTF-8 with a byte-order mark), with the previous period's columns.
        #[arg(long, conflicts_with = "xlsx")]
        csv: bool,
        /// Write the report as an XLSX workbook to FILE (rows, best sellers, period).
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Best sellers listed.
        #[arg(long, default_value_t = crate::reports::sales::DEFAULT_TOP)]
        top: usize,
    },
}

/// The province's OCOP register, as the department's own system exports it.
#[derive(Debug, Subcommand)]
pub enum OcopCommand {
    /// Replace the stored register with a certificate list (CSV or XLSX).
    Import {
        file: PathBuf,
        /// Check the file and show what it holds; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Every difference between the register and the catalog (exit 1 when there is one).
    Compare,
    /// Sales of one month per product, producer and district, for the register's system.
    ExportSales {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Write an XLSX workbook to FILE.
        #[arg(long, value_name = "FILE", conflicts_with = "csv")]
        xlsx: Option<PathBuf>,
        /// CSV on stdout (UTF-8 with a byte-order mark).
        #[arg(long)]
        csv: bool,
    },
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{s:?} is not a duration like 2h or 3d: {e}"))
}
