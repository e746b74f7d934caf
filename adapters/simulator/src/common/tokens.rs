//! One issued token and its expiry, as every marketplace's token store keeps them.

/// A token the simulator handed out.
#[derive(Clone)]
pub(crate) struct Issued {
    pub token: String,
    pub expires_at_ms: i64,
}

/// Tokens are secrets: debug output shows only their expiry.
impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}
