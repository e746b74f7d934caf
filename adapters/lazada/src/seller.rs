//! The call most Lazada endpoints take: seller-scoped, signed with the access token, carrying one business
//! parameter (a JSON `payload`, an XML `apiRequestBody`, an id list). Named once here so each caller states
//! only its endpoint and its parameter.

use kho_channel::ChannelError;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::client::LazadaChannel;

impl LazadaChannel {
    /// `method` on `path` with the one parameter `key` = `value`, decoded from `data`.
    pub(crate) async fn seller_call<T: DeserializeOwned + Send>(
        &self,
        method: Method,
        path: &'static str,
        (key, value): (&'static str, &str),
    ) -> Result<T, ChannelError> {
        self.kit
            .send(method.clone(), path, |call| call.param(key, value))
            .await
    }
}
