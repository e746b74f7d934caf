//! `kho alerts send [--dry-run]`: the daemon's alert run, for cron.

use super::output::{Output, table};
use super::{Failure, exit};
use crate::config::Config;
use crate::store::Store;

pub async fn send(
    store: &Store,
    config: &Config,
    dry_run: bool,
    out: &Output,
) -> Result<u8, Failure> {
    if !config.alerts.enabled() {
        return Err(Failure::usage(
            "no alert recipients: configure [alerts.department] or [alerts.producers.CODE]",
        ));
    }
    let report = crate::alerts::send(store, config, dry_run).await?;
    out.doc(&report, || {
        let mut t = table(&["RECIPIENT", "VIA", "TO", "NEW ITEMS", "RESULT"]);
        for d in &report.deliveries {
            let result = match (&d.error, d.sent) {
                (Some(e), _) => format!("failed: {e}"),
                (None, true) => "sent".to_owned(),
                (None, false) if d.items == 0 => "nothing new today".to_owned(),
                (None, false) => "would send (dry run)".to_owned(),
            };
            t.add_row(vec![
                d.recipient.clone(),
                d.via.to_owned(),
                d.to.clone(),
                d.items.to_string(),
                result,
            ]);
        }
        t.to_string()
    });
    Ok(if report.failed() > 0 {
        exit::RUNTIME
    } else {
        exit::OK
    })
}
