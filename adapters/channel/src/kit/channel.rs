//! The [`crate::Channel`] implementation every adapter on the kit shares: it only routes each operation to
//! the adapter's own module for it, so writing it out per adapter would be the same text again.

/// Implement [`crate::Channel`] for an adapter type built on the kit.
///
/// The type must have the field `kit: Account<_>` (the macro implements [`crate::kit::ops::KitAccount`] from it),
/// and implement the [`crate::kit::ops`] traits — [`crate::kit::ops::ListingPages`],
/// [`crate::kit::ops::BatchWrites`] (usually through [`crate::kit::ops::ChunkedWrites`]),
/// [`crate::kit::ops::StatusWrites`] (usually through [`crate::kit::ops::ChunkedStatus`]),
/// [`crate::kit::ops::Publishing`], [`crate::kit::ops::Orders`] — and [`crate::kit::pushes::Pushes`].
///
/// It also writes the type's `Debug`: the account (name, channel, credentials with their secrets redacted)
/// and the fields named after the type, e.g. `kit_channel!(LazadaChannel, seller_id)`.
#[macro_export]
macro_rules! kit_channel {
    ($ty:ident $(, $field:ident)* $(,)?) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("account", &self.kit)
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }

        impl $crate::kit::ops::KitAccount for $ty {
            fn kit_http(&self) -> &$crate::transport::AccountClient {
                &self.kit.http
            }

            fn kit_capabilities(&self) -> &$crate::Capabilities {
                &self.kit.capabilities
            }
        }

        #[$crate::async_trait::async_trait]
        impl $crate::Channel for $ty {
            fn account(&self) -> &str {
                &self.kit.name
            }

            fn capabilities(&self) -> &$crate::Capabilities {
                &self.kit.capabilities
            }

            async fn list_listings(
                &self,
                page: Option<&$crate::PageToken>,
            ) -> Result<$crate::Page<$crate::RemoteListing>, $crate::ChannelError> {
                $crate::kit::ops::ListingPages::listings_page(self, page).await
            }

            async fn update_stock(
                &self,
                updates: &[$crate::StockUpdate],
            ) -> Result<$crate::BatchOutcome<$crate::RemoteId>, $crate::ChannelError> {
                let writes = $crate::kit::Writes::stock(updates);
                Ok($crate::kit::ops::BatchWrites::write_batch(self, writes).await)
            }

            async fn update_price(
                &self,
                updates: &[$crate::PriceUpdate],
            ) -> Result<$crate::BatchOutcome<$crate::RemoteId>, $crate::ChannelError> {
                let writes = $crate::kit::Writes::price(updates);
                Ok($crate::kit::ops::BatchWrites::write_batch(self, writes).await)
            }

            async fn set_status(
                &self,
                changes: &[$crate::StatusChange],
            ) -> Result<$crate::BatchOutcome<String>, $crate::ChannelError> {
                $crate::kit::ops::StatusWrites::write_status(self, changes).await
            }

            async fn publish(
                &self,
                draft: &$crate::ListingDraft,
            ) -> Result<$crate::PublishedListing, $crate::ChannelError> {
                $crate::kit::ops::Publishing::publish_listing(self, draft).await
            }

            async fn list_orders(
                &self,
                query: &$crate::OrderQuery,
                page: Option<&$crate::PageToken>,
            ) -> Result<$crate::Page<$crate::OrderRef>, $crate::ChannelError> {
                $crate::kit::ops::Orders::orders_page(self, query, page).await
            }

            async fn get_orders(
                &self,
                order_ids: &[String],
            ) -> Result<Vec<$crate::RemoteOrder>, $crate::ChannelError> {
                $crate::kit::ops::Orders::order_details(self, order_ids).await
            }

            async fn refresh_tokens_if_due(&self) -> Result<(), $crate::ChannelError> {
                self.kit.tokens.refresh_if_due(&self.kit.http).await
            }

            fn verify_webhook(
                &self,
                request: &$crate::WebhookRequest<'_>,
            ) -> Result<(), $crate::WebhookError> {
                $crate::kit::pushes::Pushes::verify_push(self, request)
            }

            fn parse_webhook(
                &self,
                body: &[u8],
            ) -> Result<Vec<$crate::WebhookEvent>, $crate::WebhookError> {
                $crate::kit::pushes::Pushes::parse_push(self, body)
            }

            fn webhook_notification_id(&self, body: &[u8]) -> Option<String> {
                $crate::kit::pushes::Pushes::push_id(self, body)
            }

            async fn pull_events(
                &self,
                ack: Option<&str>,
            ) -> Result<Option<$crate::EventBatch>, $crate::ChannelError> {
                $crate::kit::pushes::Pushes::pull_queue(self, ack).await
            }
        }
    };
}
