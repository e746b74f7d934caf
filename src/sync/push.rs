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
    if let ErrorKind::ReauthRequired { .. } = e.kind {
        return mark_needs_reauth(store, account, e).await;
    }
    store
        .set_account_state(account, AccountState::Ok, Some(&e.to_string()))
        .await
}

/// Marks the account `needs_reauth` and says so in the log once, when it
/// changes: every later failure of the same lost authorisation is quiet.
pub async fn mark_needs_reauth(
    store: &Store,
    account: &str,
    e: &ChannelError,
) -> Result<(), StoreError> {
    let message = e.to_string();
    if store.mark_needs_reauth(account, &message).await? {
        tracing::error!(account, error = %message,
            "the shop's authorisation is gone: account needs re-authorisation (kho accounts connect); its changes wait");
    }
    Ok(())
}
