//! Account-wide push failures, recorded where people look for them.

use kho_channel::{ChannelError, ErrorKind};

use crate::store::accounts::AccountState;
use crate::store::{Store, StoreError};

/// Records an account-wide failure (`kho accounts list`, `kho status`); an
/// account whose authorisation is gone is marked `needs_reauth`, which
/// pauses its worker while every other account carries on.
pub async fn mark_account(
    store: &Store,
    account: &str,
    e: &ChannelError,
) -> Result<(), StoreError> {
    let state = match e.kind {
        ErrorKind::ReauthRequired { .. } => AccountState::NeedsReauth,
        _ => AccountState::Ok,
    };
    store
        .set_account_state(account, state, Some(&e.to_string()))
        .await
}
