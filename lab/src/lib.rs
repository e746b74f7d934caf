//! kho's lab: what runs kho against simulated marketplaces — `kho demo`,
//! `kho sim`, the benchmarks (`kho bench …`) and the soak. It lives outside
//! the `kho` library so that the product carries no simulator; the `kho`
//! binary hands these commands to [`Lab`].

pub mod bench;
pub mod bench_fleet;
pub mod bench_orders;
pub mod bench_soak;
pub mod bench_sync;
pub mod demo;
pub mod launcher;
pub mod sim;

use kho::cli::{BenchCommand, Failure, Output, SimCommand, exit};
use kho::config::Config;

/// The lab's commands, for `kho::cli::main`.
pub struct Lab;

#[async_trait::async_trait(?Send)]
impl kho::cli::Lab for Lab {
    async fn demo(&self, listen: Option<std::net::SocketAddr>) -> Result<u8, Failure> {
        demo::run(listen)
            .await
            .map_err(|e| Failure::runtime(e.to_string()))?;
        Ok(exit::OK)
    }

    async fn sim(&self, command: SimCommand, out: &Output) -> Result<u8, Failure> {
        launcher::sim(command, out).await
    }

    async fn bench(
        &self,
        command: BenchCommand,
        config: &Config,
        out: &Output,
    ) -> Result<u8, Failure> {
        match command {
            BenchCommand::Reconcile { listings, database } => {
                crate::bench::reconcile(listings, database.as_deref(), out).await?;
                Ok(exit::OK)
            }
            BenchCommand::Orders {
                rate,
                seconds,
                database,
            } => {
                crate::bench_orders::latency(database.as_deref(), rate, seconds, out).await?;
                Ok(exit::OK)
            }
            BenchCommand::Soak {
                duration,
                orders_per_second,
                fault_rate,
                database,
            } => {
                if !(0.0..=0.9).contains(&fault_rate) {
                    return Err(Failure::usage(format!(
                        "--fault-rate {fault_rate} is not between 0 and 0.9"
                    )));
                }
                let opts = crate::bench_soak::SoakOptions {
                    duration,
                    orders_per_second,
                    fault_rate,
                    database,
                };
                crate::bench_soak::soak(&opts, out).await?;
                Ok(exit::OK)
            }
            BenchCommand::FlashSale { database, runs } => {
                crate::bench_orders::flash_sale(database.as_deref(), runs, out).await?;
                Ok(exit::OK)
            }
            BenchCommand::Cancellations { orders, database } => {
                crate::bench_orders::cancellations(database.as_deref(), orders, out).await?;
                Ok(exit::OK)
            }
            BenchCommand::Fleet {
                accounts,
                instances,
                database,
                skus_per_account,
                seconds,
                rate,
                pool,
            } => {
                let opts = crate::bench_fleet::FleetOptions {
                    accounts,
                    instances,
                    database,
                    skus_per_account,
                    seconds,
                    rate,
                    pool,
                };
                crate::bench_fleet::fleet(&opts, out).await?;
                Ok(exit::OK)
            }
            BenchCommand::Import { rows, database } => {
                crate::bench::import(config, rows, database.as_deref(), out).await?;
                Ok(exit::OK)
            }
            BenchCommand::Sync {
                skus,
                accounts,
                rate,
                database,
                serve,
                batch,
                channel,
            } => {
                let bench = crate::bench_sync::SyncBench {
                    skus,
                    accounts,
                    rate,
                    database,
                    serve,
                    batch,
                };
                crate::bench_sync::sync(config, &bench, &channel, out).await?;
                Ok(exit::OK)
            }
        }
    }
}
