//! The part of the control API (`/_sim/...`) every simulator offers the same
//! way: state and request log, accounts and their tokens, authorisation codes,
//! per-account rate limits, seeding, editing and deleting listings, placing
//! orders, held pushes and the callback URL, faults. Each marketplace's
//! `control` module adds its own routes (order status changes, pushes of one
//! order, returns) and names its accounts ("shops", "sellers") and listings
//! ("items", "products").

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// A simulator's control handle as the shared routes drive it.
pub(crate) trait ControlApi: Sized + 'static {
    /// The router's state: the simulator's core.
    type Core: Send + Sync + 'static;
    /// A shop or seller id as it appears in paths.
    type AccountId: DeserializeOwned + Send + 'static;
    type AccountConfig: DeserializeOwned + Send + 'static;
    type TokenAction: DeserializeOwned + Send + 'static;
    type Tokens: Serialize;
    type State: Serialize;
    type RequestLog: Serialize;
    type Pushes: Serialize;
    type Faults: Serialize + DeserializeOwned + Send + 'static;
    type Error: IntoResponse;
    /// A listing's id as it appears in paths.
    type ListingId: DeserializeOwned + Send + 'static;
    type Seed: DeserializeOwned + Send + 'static;
    type ListingEdit: DeserializeOwned + Send + 'static;
    type Listing: Serialize;
    type NewOrder: DeserializeOwned + Send + 'static;
    type Order: Serialize;

    /// The accounts' path segment ("shops", "sellers").
    const ACCOUNTS: &'static str;
    /// The name of an account's id in paths ("shop_id"); the marketplace's
    /// own routes under the same segment must use the same name.
    const ACCOUNT_PARAM: &'static str;
    /// An account's listings' path segment ("items", "products").
    const LISTINGS: &'static str;
    /// The name of a listing's id in paths ("item_id").
    const LISTING_PARAM: &'static str;
    /// Where pushes are listed and released ("pushes", "webhooks").
    const PUSHES: &'static str;
    /// Where the callback URL is set ("push/callback", "webhooks/callback").
    const CALLBACK: &'static str;

    fn new(core: Arc<Self::Core>) -> Self;
    fn state(&self) -> Self::State;
    fn request_log(&self) -> Self::RequestLog;
    fn reset_request_log(&self);
    fn add_account(&self, config: Self::AccountConfig) -> Result<Self::Tokens, Self::Error>;
    fn tokens(&self, id: &Self::AccountId) -> Result<Self::Tokens, Self::Error>;
    fn token_action(
        &self,
        id: &Self::AccountId,
        action: Self::TokenAction,
    ) -> Result<Self::Tokens, Self::Error>;
    fn issue_auth_code(&self, id: &Self::AccountId) -> Result<String, Self::Error>;
    fn set_rate_limit(
        &self,
        id: &Self::AccountId,
        per_second: Option<u32>,
    ) -> Result<(), Self::Error>;
    fn seed_listing(
        &self,
        id: &Self::AccountId,
        seed: Self::Seed,
    ) -> Result<Self::Listing, Self::Error>;
    fn edit_listing(
        &self,
        id: &Self::AccountId,
        listing: &Self::ListingId,
        edit: Self::ListingEdit,
    ) -> Result<Self::Listing, Self::Error>;
    /// Deletes a listing as the seller would, or (`purge`) makes it vanish
    /// without a trace, as if it had never existed.
    fn delete_listing(
        &self,
        id: &Self::AccountId,
        listing: &Self::ListingId,
        purge: bool,
    ) -> Result<(), Self::Error>;
    fn create_order(&self, order: Self::NewOrder) -> Result<Self::Order, Self::Error>;
    fn pushes(&self) -> Self::Pushes;
    /// Delivers the pushes held back so far (newest first with `reverse`);
    /// returns how many.
    fn release_held(&self, reverse: bool) -> usize;
    fn set_callback_url(&self, url: Option<String>);
    fn faults(&self) -> Self::Faults;
    fn set_faults(&self, faults: Self::Faults);
}

type Core<C> = State<Arc<<C as ControlApi>::Core>>;

fn ctl<C: ControlApi>(State(core): Core<C>) -> C {
    C::new(core)
}

/// The shared routes, to be merged with the marketplace's own.
pub(crate) fn routes<C: ControlApi>() -> Router<Arc<C::Core>> {
    let accounts = C::ACCOUNTS;
    let one = format!("/{accounts}/{{{}}}", C::ACCOUNT_PARAM);
    let pushes = C::PUSHES;
    Router::new()
        .route(
            "/state",
            get(|c: Core<C>| async move { Json(ctl::<C>(c).state()) }),
        )
        .route(
            "/log",
            get(|c: Core<C>| async move { Json(ctl::<C>(c).request_log()) }).delete(
                |c: Core<C>| async move {
                    ctl::<C>(c).reset_request_log();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(&format!("/{accounts}"), post(add_account::<C>))
        .route(
            &format!("{one}/tokens"),
            get(get_tokens::<C>).post(token_action::<C>),
        )
        .route(&format!("{one}/auth_code"), post(auth_code::<C>))
        .route(&format!("{one}/rate_limit"), put(rate_limit::<C>))
        .route(&format!("{one}/{}", C::LISTINGS), post(seed_listing::<C>))
        .route(
            &format!("{one}/{}/{{{}}}", C::LISTINGS, C::LISTING_PARAM),
            patch(edit_listing::<C>).delete(delete_listing::<C>),
        )
        .route("/orders", post(create_order::<C>))
        .route(
            &format!("/{pushes}"),
            get(|c: Core<C>| async move { Json(ctl::<C>(c).pushes()) }),
        )
        .route(&format!("/{pushes}/release"), post(release::<C>))
        .route(&format!("/{}", C::CALLBACK), put(callback::<C>))
        .route(
            "/faults",
            get(|c: Core<C>| async move { Json(ctl::<C>(c).faults()) }).put(set_faults::<C>),
        )
}

/// 201 with the created thing, or the error.
pub(crate) fn created<T: Serialize, E: IntoResponse>(r: Result<T, E>) -> Response {
    match r {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A control error as every simulator answers it: the status the
/// marketplace module chose and `{"error": message}`.
pub(crate) fn error_response(status: StatusCode, error: &impl std::fmt::Display) -> Response {
    (status, Json(json!({"error": error.to_string()}))).into_response()
}

async fn add_account<C: ControlApi>(c: Core<C>, Json(config): Json<C::AccountConfig>) -> Response {
    created(ctl::<C>(c).add_account(config))
}

async fn seed_listing<C: ControlApi>(
    c: Core<C>,
    Path(id): Path<C::AccountId>,
    Json(seed): Json<C::Seed>,
) -> Response {
    created(ctl::<C>(c).seed_listing(&id, seed))
}

async fn edit_listing<C: ControlApi>(
    c: Core<C>,
    Path((id, listing)): Path<(C::AccountId, C::ListingId)>,
    Json(edit): Json<C::ListingEdit>,
) -> Response {
    ctl::<C>(c)
        .edit_listing(&id, &listing, edit)
        .map(Json)
        .into_response()
}

#[derive(serde::Deserialize)]
struct DeleteQuery {
    #[serde(default)]
    purge: bool,
}

async fn delete_listing<C: ControlApi>(
    c: Core<C>,
    Path((id, listing)): Path<(C::AccountId, C::ListingId)>,
    Query(q): Query<DeleteQuery>,
) -> Response {
    ctl::<C>(c)
        .delete_listing(&id, &listing, q.purge)
        .map(|_| StatusCode::NO_CONTENT)
        .into_response()
}

async fn create_order<C: ControlApi>(c: Core<C>, Json(order): Json<C::NewOrder>) -> Response {
    created(ctl::<C>(c).create_order(order))
}

async fn get_tokens<C: ControlApi>(c: Core<C>, Path(id): Path<C::AccountId>) -> Response {
    ctl::<C>(c).tokens(&id).map(Json).into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody<A> {
    action: A,
}

async fn token_action<C: ControlApi>(
    c: Core<C>,
    Path(id): Path<C::AccountId>,
    Json(b): Json<ActionBody<C::TokenAction>>,
) -> Response {
    ctl::<C>(c)
        .token_action(&id, b.action)
        .map(Json)
        .into_response()
}

async fn auth_code<C: ControlApi>(c: Core<C>, Path(id): Path<C::AccountId>) -> Response {
    ctl::<C>(c)
        .issue_auth_code(&id)
        .map(|code| Json(json!({"code": code})))
        .into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RateBody {
    per_second: Option<u32>,
}

async fn rate_limit<C: ControlApi>(
    c: Core<C>,
    Path(id): Path<C::AccountId>,
    Json(b): Json<RateBody>,
) -> Response {
    ctl::<C>(c)
        .set_rate_limit(&id, b.per_second)
        .map(|_| StatusCode::NO_CONTENT)
        .into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ReleaseBody {
    reverse: bool,
}

async fn release<C: ControlApi>(c: Core<C>, body: Option<Json<ReleaseBody>>) -> Response {
    let reverse = body.map(|Json(b)| b.reverse).unwrap_or(false);
    Json(json!({"released": ctl::<C>(c).release_held(reverse)})).into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackBody {
    callback_url: Option<String>,
}

async fn callback<C: ControlApi>(c: Core<C>, Json(b): Json<CallbackBody>) -> Response {
    ctl::<C>(c).set_callback_url(b.callback_url);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_faults<C: ControlApi>(c: Core<C>, Json(f): Json<C::Faults>) -> Response {
    ctl::<C>(c).set_faults(f);
    StatusCode::NO_CONTENT.into_response()
}

/// Implements [`ControlApi`] for a simulator's `SimControl` by delegating to
/// its inherent methods of the same names; the arguments name what differs
/// between marketplaces.
macro_rules! control_api {
    (
        accounts: $accounts:literal / $param:literal,
        id: |$id:ident: $id_ty:ty| $pass:expr,
        config: $config:ty => $add:ident,
        rate_limit: $rate:ident,
        listings: $listings:literal / $lparam:literal,
        listing_id: |$lid:ident: $lid_ty:ty| $lpass:expr,
        seed: $seed_ty:ty => $seed:ident -> $listing:ty,
        edit: $edit_ty:ty => $edit:ident,
        delete: $delete:ident / $purge:ident,
        pushes: $pushes:literal, $log:ident -> $record:ty, $release:ident,
        callback: $callback:literal $(,)?
    ) => {
        impl $crate::common::control::ControlApi for SimControl {
            type Core = SimCore;
            type AccountId = $id_ty;
            type AccountConfig = $config;
            type TokenAction = TokenAction;
            type Tokens = TokenPair;
            type State = SimState;
            type RequestLog = RequestLogSnapshot;
            type Pushes = Vec<$record>;
            type Faults = FaultConfig;
            type Error = ControlError;
            type ListingId = $lid_ty;
            type Seed = $seed_ty;
            type ListingEdit = $edit_ty;
            type Listing = $listing;
            type NewOrder = NewOrder;
            type Order = Order;

            const ACCOUNTS: &'static str = $accounts;
            const ACCOUNT_PARAM: &'static str = $param;
            const LISTINGS: &'static str = $listings;
            const LISTING_PARAM: &'static str = $lparam;
            const PUSHES: &'static str = $pushes;
            const CALLBACK: &'static str = $callback;

            fn new(core: ::std::sync::Arc<SimCore>) -> Self {
                SimControl(core)
            }
            fn state(&self) -> SimState {
                SimControl::state(self)
            }
            fn request_log(&self) -> RequestLogSnapshot {
                SimControl::request_log(self)
            }
            fn reset_request_log(&self) {
                SimControl::reset_request_log(self)
            }
            fn add_account(&self, config: $config) -> Result<TokenPair, ControlError> {
                self.$add(config)
            }
            fn tokens(&self, $id: &$id_ty) -> Result<TokenPair, ControlError> {
                SimControl::tokens(self, $pass)
            }
            fn token_action(
                &self,
                $id: &$id_ty,
                action: TokenAction,
            ) -> Result<TokenPair, ControlError> {
                SimControl::token_action(self, $pass, action)
            }
            fn issue_auth_code(&self, $id: &$id_ty) -> Result<String, ControlError> {
                SimControl::issue_auth_code(self, $pass)
            }
            fn set_rate_limit(
                &self,
                $id: &$id_ty,
                per_second: Option<u32>,
            ) -> Result<(), ControlError> {
                self.$rate($pass, per_second)
            }
            fn seed_listing(&self, $id: &$id_ty, seed: $seed_ty) -> Result<$listing, ControlError> {
                SimControl::$seed(self, $pass, seed)
            }
            fn edit_listing(
                &self,
                $id: &$id_ty,
                $lid: &$lid_ty,
                edit: $edit_ty,
            ) -> Result<$listing, ControlError> {
                SimControl::$edit(self, $pass, $lpass, edit)
            }
            fn delete_listing(
                &self,
                $id: &$id_ty,
                $lid: &$lid_ty,
                purge: bool,
            ) -> Result<(), ControlError> {
                if purge {
                    SimControl::$purge(self, $pass, $lpass)
                } else {
                    SimControl::$delete(self, $pass, $lpass)
                }
            }
            fn create_order(&self, order: NewOrder) -> Result<Order, ControlError> {
                SimControl::create_order(self, order)
            }
            fn pushes(&self) -> Vec<$record> {
                self.$log()
            }
            fn release_held(&self, reverse: bool) -> usize {
                self.$release(reverse)
            }
            fn set_callback_url(&self, url: Option<String>) {
                SimControl::set_callback_url(self, url)
            }
            fn faults(&self) -> FaultConfig {
                SimControl::faults(self)
            }
            fn set_faults(&self, faults: FaultConfig) {
                SimControl::set_faults(self, faults)
            }
        }
    };
}
pub(crate) use control_api;
