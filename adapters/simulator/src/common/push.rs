//! Push delivery as every simulator does it: messages are held, dropped,
//! duplicated or delayed as a test (or the seeded push faults) asks, then
//! POSTed one at a time by a single dispatcher task, so their order is
//! exactly the order they were released in; a failed attempt is redelivered
//! where the marketplace does so. The marketplace module builds and signs
//! each request, says where it goes and what counts as an acknowledgement,
//! and keeps its own records; nothing here knows a payload or a signature.

use std::sync::{Arc, MutexGuard, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::faults::PushFault;

/// How to deliver a push (control API / in-process).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryOptions {
    /// Do not send it at all (a lost push; no redelivery either).
    pub drop: bool,
    /// Extra copies to send after the first (each an identical message).
    pub duplicate: u32,
    /// Wait this long before sending.
    pub delay_ms: u64,
    /// Keep it until the held pushes are released.
    pub hold: bool,
}

/// One request ready to go, built and signed by the marketplace module.
#[derive(Debug)]
pub(crate) struct Signed {
    pub url: String,
    pub authorization: String,
    pub body: String,
    pub timeout: Duration,
}

/// What happened to one delivery attempt (one copy of a message).
#[derive(Debug, Clone, Default)]
pub(crate) struct Attempt {
    /// 0 = first delivery, n = n-th redelivery.
    pub attempt: u32,
    pub url: String,
    pub authorization: String,
    /// `None` when the message was not sent or no answer came.
    pub status: Option<u16>,
    pub success: bool,
    pub dropped: bool,
    pub error: Option<String>,
}

impl Attempt {
    /// An attempt that was never sent.
    pub fn not_sent(attempt: u32, url: &str, dropped: bool, error: Option<String>) -> Self {
        Self {
            attempt,
            url: url.to_owned(),
            dropped,
            error,
            ..Self::default()
        }
    }
}

/// What the receiver must answer for a delivery to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Acknowledgement {
    /// Any 2xx with an empty body (Shopee).
    EmptySuccess,
    /// Any 2xx, body ignored (TikTok Shop).
    Success,
    /// Exactly 200, body ignored (Lazada).
    Ok200,
}

/// A marketplace simulator's side of delivery.
pub(crate) trait Courier: Send + Sync + Sized + 'static {
    type World;
    type Msg: Clone + Send + 'static;

    /// Names the simulator in debug logs.
    const NAME: &'static str;
    const ACKNOWLEDGEMENT: Acknowledgement;
    /// The error recorded for a message with nowhere to go.
    const NO_DESTINATION: &'static str;
    /// Whether a message with nowhere to go is recorded as lost when it is
    /// emitted (Shopee) rather than when its turn to be sent comes.
    const CHECK_DESTINATION_ON_EMIT: bool;

    fn world(&self) -> MutexGuard<'_, Self::World>;
    fn queue(&self) -> &Queue<Self::Msg>;
    fn push_fault(world: &mut Self::World) -> PushFault;
    fn held(world: &mut Self::World) -> &mut Vec<Self::Msg>;
    /// Where the message would be sent now, if anywhere.
    fn destination(world: &Self::World, msg: &Self::Msg) -> Option<String>;
    /// Builds and signs the request for one attempt (a redelivery may
    /// rebuild the body first), or says why it is not sent.
    fn prepare(
        world: &mut Self::World,
        msg: &mut Self::Msg,
        attempt: u32,
    ) -> Result<Signed, Attempt>;
    /// Records one attempt, sent or not.
    fn note(world: &mut Self::World, msg: &Self::Msg, attempt: Attempt);
    /// After a failed attempt: how long until the next one, if there is one.
    fn redeliver_after(world: &Self::World, attempt: u32) -> Option<Duration>;
}

/// Work for the dispatcher.
#[derive(Debug)]
pub(crate) struct Outgoing<M> {
    msg: M,
    attempt: u32,
}

pub(crate) type Queue<M> = mpsc::UnboundedSender<Outgoing<M>>;

/// The queue and its receiving end, for the dispatcher.
pub(crate) fn queue<M>() -> (Queue<M>, mpsc::UnboundedReceiver<Outgoing<M>>) {
    mpsc::unbounded_channel()
}

/// Queues `msg` for delivery, applying the options and the seeded push faults.
pub(crate) fn emit<C: Courier>(core: &Arc<C>, msg: C::Msg, opts: DeliveryOptions) {
    let mut world = core.world();
    let fault = C::push_fault(&mut world);
    if opts.hold {
        C::held(&mut world).push(msg);
        return;
    }
    let url = C::destination(&world, &msg);
    if C::CHECK_DESTINATION_ON_EMIT && url.is_none() {
        let error = Some(C::NO_DESTINATION.to_owned());
        C::note(&mut world, &msg, Attempt::not_sent(0, "", false, error));
        return;
    }
    if opts.drop || fault.drop {
        let url = url.unwrap_or_default();
        C::note(&mut world, &msg, Attempt::not_sent(0, &url, true, None));
        return;
    }
    drop(world);
    let copies = 1 + opts.duplicate + u32::from(fault.duplicate);
    let tx = core.queue().clone();
    let send_all = move || {
        for _ in 0..copies {
            let _ = tx.send(Outgoing {
                msg: msg.clone(),
                attempt: 0,
            });
        }
    };
    if opts.delay_ms == 0 {
        send_all();
    } else {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(opts.delay_ms)).await;
            send_all();
        });
    }
}

/// Sends every held message, oldest first or (`reverse`) newest first.
pub(crate) fn release_held<C: Courier>(core: &Arc<C>, reverse: bool) -> usize {
    let mut held = std::mem::take(C::held(&mut core.world()));
    if reverse {
        held.reverse();
    }
    let n = held.len();
    for msg in held {
        emit(core, msg, DeliveryOptions::default());
    }
    n
}

/// Delivers queued messages one by one until the simulator shuts down.
/// Holds only a weak reference so the simulator's state (and with it the
/// queue's sender) can be dropped, which ends this task.
pub(crate) async fn dispatcher<C: Courier>(
    core: Weak<C>,
    mut rx: mpsc::UnboundedReceiver<Outgoing<C::Msg>>,
) {
    let client = reqwest::Client::new();
    while let Some(Outgoing { mut msg, attempt }) = rx.recv().await {
        let Some(core) = core.upgrade() else { break };
        let prepared = C::prepare(&mut core.world(), &mut msg, attempt);
        let signed = match prepared {
            Ok(signed) => signed,
            Err(not_sent) => {
                C::note(&mut core.world(), &msg, not_sent);
                continue;
            }
        };
        let result = deliver(&client, &signed, C::ACKNOWLEDGEMENT, attempt).await;
        tracing::debug!(
            simulator = C::NAME,
            attempt,
            success = result.success,
            "simulator push"
        );
        let success = result.success;
        let redeliver = {
            let mut world = core.world();
            C::note(&mut world, &msg, result);
            if success {
                None
            } else {
                C::redeliver_after(&world, attempt)
            }
        };
        if let Some(interval) = redeliver {
            let tx = core.queue().clone();
            tokio::spawn(async move {
                tokio::time::sleep(interval).await;
                let _ = tx.send(Outgoing {
                    msg,
                    attempt: attempt + 1,
                });
            });
        }
    }
}

/// POSTs one signed request and judges the answer.
async fn deliver(
    client: &reqwest::Client,
    signed: &Signed,
    ack: Acknowledgement,
    attempt: u32,
) -> Attempt {
    let mut rec = Attempt {
        attempt,
        url: signed.url.clone(),
        authorization: signed.authorization.clone(),
        ..Attempt::default()
    };
    let sent = client
        .post(&signed.url)
        .header("Authorization", &signed.authorization)
        .header("Content-Type", "application/json")
        .body(signed.body.clone())
        .timeout(signed.timeout)
        .send()
        .await;
    let resp = match sent {
        Ok(resp) => resp,
        Err(e) => {
            rec.error = Some(e.to_string());
            return rec;
        }
    };
    let status = resp.status();
    rec.status = Some(status.as_u16());
    let verdict = match ack {
        Acknowledgement::EmptySuccess => match resp.bytes().await {
            Ok(body) if status.is_success() && body.is_empty() => Ok(()),
            Ok(_) if status.is_success() => Err("non-empty response body".to_owned()),
            Ok(_) => Err(format!("HTTP {status}")),
            Err(e) => Err(format!("reading answer: {e}")),
        },
        Acknowledgement::Success if status.is_success() => Ok(()),
        Acknowledgement::Ok200 if status.as_u16() == 200 => Ok(()),
        Acknowledgement::Success | Acknowledgement::Ok200 => Err(format!("HTTP {status}")),
    };
    match verdict {
        Ok(()) => rec.success = true,
        Err(e) => rec.error = Some(e),
    }
    rec
}
