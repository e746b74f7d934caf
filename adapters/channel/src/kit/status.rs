//! Listing status changes (list/unlist, activate/deactivate): how a finished run becomes the per-change
//! outcome, the same for every marketplace whatever its calls look like.

use crate::batch::BatchOutcome;
use crate::error::ErrorKind;
use crate::kit::chunks::BatchRun;
use crate::listing::StatusChange;
use crate::transport::AccountClient;

impl BatchRun {
    /// One result per change, keyed by its item id, in input order. A change no call reported on (the batch
    /// stopped before its call) fails as `not_sent`, named against `endpoint`.
    pub fn finish_changes(
        self,
        changes: &[StatusChange],
        http: &AccountClient,
        endpoint: &str,
    ) -> BatchOutcome<String> {
        self.finish(changes.iter().map(|c| c.item_id.clone()), || {
            http.error(
                endpoint,
                ErrorKind::invalid_request("not_sent", "change was not sent"),
            )
        })
    }
}
