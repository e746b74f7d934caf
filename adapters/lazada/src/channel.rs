//! [`Channel`] for [`LazadaChannel`]: thin delegation to the modules that do the work.

use async_trait::async_trait;
use kho_channel::{
    BatchOutcome, Capabilities, Channel, ChannelError, ListingDraft, OrderQuery, OrderRef, Page,
    PageToken, PriceUpdate, PublishedListing, RemoteId, RemoteListing, RemoteOrder, StatusChange,
    StockUpdate, WebhookError, WebhookEvent, WebhookRequest,
};

use crate::client::LazadaChannel;
use crate::push::parse_push;
use crate::sign::verify_push;

#[async_trait]
impl Channel for LazadaChannel {
    fn account(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn list_listings(
        &self,
        page: Option<&PageToken>,
    ) -> Result<Page<RemoteListing>, ChannelError> {
        self.listings_page(page).await
    }

    async fn update_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        self.write_stock(updates).await
    }

    async fn update_price(
        &self,
        updates: &[PriceUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        self.write_price(updates).await
    }

    async fn set_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError> {
        self.write_status(changes).await
    }

    async fn publish(&self, draft: &ListingDraft) -> Result<PublishedListing, ChannelError> {
        self.publish_listing(draft).await
    }

    async fn list_orders(
        &self,
        query: &OrderQuery,
        page: Option<&PageToken>,
    ) -> Result<Page<OrderRef>, ChannelError> {
        self.orders_page(query, page).await
    }

    async fn get_orders(&self, order_ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        self.order_details(order_ids).await
    }

    async fn refresh_tokens_if_due(&self) -> Result<(), ChannelError> {
        self.tokens.refresh_if_due(&self.http).await
    }

    fn verify_webhook(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let authorization = request
            .headers
            .get(reqwest::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        verify_push(
            &self.creds.app_secret,
            &self.creds.app_key,
            request.body,
            authorization,
        )
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_push(body)
    }
}
