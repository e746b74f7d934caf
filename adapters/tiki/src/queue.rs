//! The event queue (docs/src/channels/tiki-woocommerce.md §A9): Tiki pushes nothing. The app creates a queue with its own
//! `client_credentials` token, the seller's token subscribes the seller's order events to it, and kho
//! pulls with the app token, passing the previous `ack_id` to acknowledge what it has stored — delivery is
//! at-least-once and in order, so the core's idempotent ingestion absorbs repeats. Each kho account keeps
//! a queue of its own (`kho-{account}`) so that accounts sharing an app never take each other's events.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use kho_channel::async_trait::async_trait;
use kho_channel::kit::pushes::Pushes;
use kho_channel::{
    ChannelError, ErrorKind, EventBatch, WebhookError, WebhookEvent, WebhookRequest,
};
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api::Call;
use crate::auth::{TokenResponse, token_call};
use crate::client::TikiChannel;
use crate::orders::order_status;

pub const QUEUES: &str = "/integration/v1/queues";
pub const SUBSCRIBE: &str = "/integration/v1/queues/{code}/subscriptions";
pub const PULL: &str = "/integration/v1/queues/{code}/events/pull";

/// The order events kho follows.
const EVENT_TYPES: [&str; 2] = ["ORDER_CREATED_SUCCESSFULLY", "ORDER_STATUS_UPDATED"];

#[derive(Default)]
pub(crate) struct QueueState {
    app_token: Mutex<Option<(SecretString, DateTime<Utc>)>>,
    code: Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct QueueList {
    data: Vec<Queue>,
}

#[derive(Deserialize)]
struct Queue {
    code: String,
    name: String,
}

#[derive(Deserialize)]
struct Pulled {
    #[serde(default)]
    ack_id: Option<String>,
    #[serde(default)]
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    sid: Value,
    #[serde(default)]
    payload: Value,
}

impl Event {
    fn translate(self) -> WebhookEvent {
        let shop = match &self.sid {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let code = self.payload.get("order_code").and_then(Value::as_str);
        match (self.kind.as_str(), code) {
            ("ORDER_CREATED_SUCCESSFULLY" | "ORDER_STATUS_UPDATED", Some(code)) => {
                let raw = self
                    .payload
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                WebhookEvent::OrderStatusChanged {
                    shop_id: shop.unwrap_or_default(),
                    order_id: code.to_owned(),
                    status: (!raw.is_empty()).then(|| order_status(raw)),
                    raw_status: raw.to_owned(),
                    updated_at: None,
                }
            }
            _ => WebhookEvent::Other {
                code: self.kind,
                shop_id: shop,
            },
        }
    }
}

impl TikiChannel {
    /// The app's own token, asked for again when it has expired or was refused.
    async fn app_token(&self, renew: bool) -> Result<SecretString, ChannelError> {
        if !renew
            && let Some((token, until)) = self.queue.app_token.lock().ok().and_then(|t| t.clone())
            && until > Utc::now() + chrono::Duration::minutes(1)
        {
            return Ok(token);
        }
        let call = token_call(&self.kit.creds).param("grant_type", "client_credentials");
        let got: TokenResponse = self.kit.http.execute(&call).await?;
        let until = Utc::now() + chrono::Duration::seconds(got.expires_in.max(0));
        if let Ok(mut t) = self.queue.app_token.lock() {
            *t = Some((got.access_token.clone(), until));
        }
        Ok(got.access_token)
    }

    /// A call with the app's token; a refused token is renewed once.
    async fn as_app<T: DeserializeOwned + Send>(
        &self,
        method: Method,
        endpoint: &'static str,
        path: String,
        body: Option<Value>,
    ) -> Result<T, ChannelError> {
        let mut renew = false;
        loop {
            let token = self.app_token(renew).await?;
            let mut call: Call<'_, T> =
                Call::with_token(&self.kit.creds, method.clone(), endpoint, token).at(path.clone());
            if let Some(b) = &body {
                call = call.json(b.clone());
            }
            match self.kit.http.execute(&call).await {
                Err(e) if !renew && matches!(e.kind, ErrorKind::AuthExpired { .. }) => renew = true,
                other => return other,
            }
        }
    }

    /// This account's queue, created and subscribed to on first use.
    async fn queue_code(&self) -> Result<String, ChannelError> {
        if let Some(code) = self.queue.code.lock().ok().and_then(|c| c.clone()) {
            return Ok(code);
        }
        let name = format!("kho-{}", self.kit.name);
        let list: QueueList = self
            .as_app(Method::GET, QUEUES, QUEUES.into(), None)
            .await?;
        let code = match list.data.into_iter().find(|q| q.name == name) {
            Some(q) => q.code,
            None => {
                let q: Queue = self
                    .as_app(
                        Method::POST,
                        QUEUES,
                        QUEUES.into(),
                        Some(json!({ "name": name })),
                    )
                    .await?;
                q.code
            }
        };
        for kind in EVENT_TYPES {
            let _: Value = self
                .kit
                .send(Method::POST, SUBSCRIBE, |c| {
                    c.at(format!("{QUEUES}/{code}/subscriptions"))
                        .json(json!({ "event_type": kind }))
                })
                .await?;
        }
        if let Ok(mut c) = self.queue.code.lock() {
            *c = Some(code.clone());
        }
        Ok(code)
    }
}

#[async_trait]
impl Pushes for TikiChannel {
    fn verify_push(&self, _request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        Err(WebhookError::Unsupported)
    }

    fn parse_push(&self, _body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        Err(WebhookError::Unsupported)
    }

    async fn pull_queue(&self, ack: Option<&str>) -> Result<Option<EventBatch>, ChannelError> {
        let code = self.queue_code().await?;
        let path = format!("{QUEUES}/{code}/events/pull");
        let pulled: Pulled = self
            .as_app(Method::POST, PULL, path, Some(json!({ "ack_id": ack })))
            .await?;
        Ok(Some(EventBatch {
            events: pulled.events.into_iter().map(Event::translate).collect(),
            ack: pulled.ack_id,
        }))
    }
}
