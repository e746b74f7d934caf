//! The adapter kit: the machinery every marketplace adapter needs and none should write again — the token
//! manager with its refresh-once-and-repeat wrapper ([`tokens`]), the batch chunker and per-item
//! stop/continue logic ([`chunks`]), image download for publishing ([`image`]) and the [`crate::Channel`]
//! implementation itself ([`crate::kit_channel!`]). An adapter supplies only
//! what is its marketplace's: the token request and response mapping, the payloads, the classification.

pub mod account;
pub mod call;
pub mod channel;
pub mod chunks;
pub mod config;
pub mod credentials;
pub mod decode;
pub mod draft;
pub mod envelope;
pub mod grant;
pub mod hmac;
pub mod image;
pub mod ops;
pub mod orders;
pub mod paging;
pub mod push;
pub mod push_body;
pub mod pushes;
pub mod serde_ids;
pub mod status;
pub mod tokens;
pub mod units;
pub mod url;
pub mod write_call;
pub mod writes;

pub use account::{Account, AccountSettings, Setup};
pub use call::{Body, Built, Call, Envelope, Signing};
pub use chunks::{BatchRun, CallResults, Chunk, stops_batch};
pub use credentials::AppCredentials;
pub use draft::DraftRules;
pub use image::{ImageFile, ImageLimits};
pub use tokens::{TokenGrant, TokenManager, TokenRequest};
pub use write_call::WriteCall;
pub use writes::{WriteKind, Writes};
