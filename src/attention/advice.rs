//! What a problem means and what to do about it, in Vietnamese and English.
//!
//! A failed push is explained from the class of its error — the classes
//! every adapter maps its marketplace's codes onto (`kho_channel::ErrorKind`)
//! — never from a marketplace's own codes: the marketplace's message is
//! shown verbatim beside the explanation.

use serde::Serialize;

/// The class of a marketplace error, read back from the message kho stored
/// (the `Display` of `kho_channel::ChannelError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The access token expired or was refused.
    AuthExpired,
    /// The shop's authorisation is gone: a person must re-authorise it.
    NeedsReauth,
    /// The marketplace throttled kho.
    RateLimited,
    /// The marketplace refused the data as it is.
    InvalidData,
    /// The listing no longer exists on the marketplace.
    NotFound,
    /// A server error, timeout or network failure.
    ServerError,
    /// A message kho cannot place in any class.
    Unknown,
}

impl ErrorClass {
    /// Classifies a stored error message by the text `ErrorKind`'s `Display`
    /// writes for each class (checked against it in the tests below).
    pub fn of_message(message: &str) -> ErrorClass {
        const CLASSES: [(&str, ErrorClass); 6] = [
            ("re-authorisation required", ErrorClass::NeedsReauth),
            ("access token expired or rejected", ErrorClass::AuthExpired),
            ("rate limited", ErrorClass::RateLimited),
            ("rejected by marketplace", ErrorClass::InvalidData),
            ("not found (", ErrorClass::NotFound),
            ("transient failure", ErrorClass::ServerError),
        ];
        CLASSES
            .iter()
            .find(|(needle, _)| message.contains(needle))
            .map_or(ErrorClass::Unknown, |(_, class)| *class)
    }
}

/// What an item means and what a person should do, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Advice {
    pub what_vi: &'static str,
    pub what_en: &'static str,
    pub do_vi: &'static str,
    pub do_en: &'static str,
}

const fn advice(
    what_vi: &'static str,
    what_en: &'static str,
    do_vi: &'static str,
    do_en: &'static str,
) -> Advice {
    Advice {
        what_vi,
        what_en,
        do_vi,
        do_en,
    }
}

/// A failed push or reconciliation, by the class of its error.
pub fn for_error(class: ErrorClass) -> Advice {
    match class {
        ErrorClass::AuthExpired => advice(
            "Mã truy cập của sàn đã hết hạn hoặc bị sàn từ chối.",
            "The marketplace's access token expired or was refused.",
            "kho tự làm mới mã truy cập. Nếu lỗi vẫn lặp lại, hãy ủy quyền lại gian hàng cho kho.",
            "kho refreshes the token itself. If the error keeps coming back, authorise the shop for kho again.",
        ),
        ErrorClass::NeedsReauth => advice(
            "Gian hàng không còn ủy quyền cho kho (ủy quyền hết hạn, bị thu hồi hoặc gian hàng bị khóa).",
            "The shop no longer authorises kho (the authorisation expired, was revoked or the shop is suspended).",
            "Đăng nhập trang người bán và ủy quyền lại cho kho (kho accounts connect), rồi thử lại các thay đổi thất bại (kho sync retry-dead).",
            "Sign in to the seller centre and authorise kho again (kho accounts connect), then retry the failed changes (kho sync retry-dead).",
        ),
        ErrorClass::RateLimited => advice(
            "Sàn tạm từ chối vì kho gửi quá nhiều yêu cầu.",
            "The marketplace throttled kho: too many requests.",
            "Không cần làm gì: kho sẽ tự gửi lại. Nếu lặp lại thường xuyên, giảm rate_limit của tài khoản.",
            "Nothing: kho sends it again on its own. If it happens often, lower the account's rate_limit.",
        ),
        ErrorClass::InvalidData => advice(
            "Sàn từ chối dữ liệu (ví dụ giá ngoài khoảng sàn cho phép, thông tin thiếu hoặc sai).",
            "The marketplace refused the data (for example a price outside the range it allows, or missing or wrong details).",
            "Đọc thông báo của sàn, sửa giá hoặc thông tin sản phẩm trong kho (kho import), rồi thử lại (kho sync retry-dead).",
            "Read the marketplace's message, correct the price or product details in kho (kho import), then retry (kho sync retry-dead).",
        ),
        ErrorClass::NotFound => advice(
            "Tin đăng không còn trên sàn (đã bị xóa hoặc gỡ).",
            "The listing no longer exists on the marketplace (deleted or removed).",
            "Chạy đối soát có sửa (kho reconcile --fix) để đăng lại, hoặc liên kết lại gian hàng (kho link).",
            "Run a reconciliation with repair (kho reconcile --fix) to list it again, or link the shop again (kho link).",
        ),
        ErrorClass::ServerError => advice(
            "Sàn gặp lỗi máy chủ hoặc kết nối mạng bị gián đoạn.",
            "The marketplace had a server error or the network connection failed.",
            "kho sẽ tự thử lại. Nếu thay đổi đã thất bại hẳn, hãy thử lại khi sàn hoạt động bình thường (kho sync retry-dead).",
            "kho retries on its own. If the change has failed for good, retry it once the marketplace works again (kho sync retry-dead).",
        ),
        ErrorClass::Unknown => advice(
            "Sàn báo lỗi mà kho không phân loại được.",
            "The marketplace reported an error kho cannot classify.",
            "Đọc thông báo của sàn; nếu chưa rõ, hãy báo quản trị viên.",
            "Read the marketplace's message; if it is unclear, tell an administrator.",
        ),
    }
}

pub const DRIFT: Advice = advice(
    "Giá trị trên sàn khác với kho (có thể đã bị sửa trực tiếp trên trang người bán).",
    "The marketplace shows a different value than kho (it may have been edited in the seller centre).",
    "Nếu giá trị của kho đúng, chạy đối soát có sửa (kho reconcile --fix) để đưa sàn về giá trị của kho; nếu sàn đúng, sửa trong kho trước.",
    "If kho's value is right, run a reconciliation with repair (kho reconcile --fix) to put it back on the marketplace; if the marketplace is right, change it in kho first.",
);

pub const AWAITING: Advice = advice(
    "Tin đăng trên sàn có mã SKU người bán không khớp với sản phẩm nào của kho, hoặc bị trùng.",
    "A listing on the marketplace has a seller SKU that matches no product in kho, or a duplicated one.",
    "Sửa mã SKU người bán trên trang người bán cho khớp với SKU của kho, rồi liên kết lại (kho link).",
    "Correct the seller SKU in the seller centre to match kho's SKU, then link again (kho link).",
);

pub const EXPIRED_DELISTED: Advice = advice(
    "Chứng nhận OCOP đã hết hạn: tin đăng của sản phẩm đã bị gỡ khỏi sàn.",
    "The OCOP certificate has expired: the product's listings were taken off the marketplaces.",
    "Gia hạn chứng nhận rồi cập nhật ngày hết hạn mới trong danh mục (kho import); tin đăng sẽ được đăng lại.",
    "Renew the certificate, then enter the new expiry date in the catalog (kho import); the listings come back.",
);

pub const EXPIRED_WARNED: Advice = advice(
    "Chứng nhận OCOP đã hết hạn nhưng sản phẩm vẫn đang bán (chính sách: chỉ cảnh báo).",
    "The OCOP certificate has expired but the product is still on sale (policy: warn only).",
    "Gia hạn chứng nhận và cập nhật ngày hết hạn mới (kho import); cho đến lúc đó không quảng bá sao OCOP.",
    "Renew the certificate and enter the new expiry date (kho import); until then, do not advertise the OCOP stars.",
);

pub const EXPIRING_DELIST: Advice = advice(
    "Chứng nhận OCOP sắp hết hạn; khi hết hạn, tin đăng của sản phẩm sẽ bị gỡ khỏi sàn.",
    "The OCOP certificate expires soon; when it does, the product's listings will be taken off the marketplaces.",
    "Nộp hồ sơ gia hạn trước ngày hết hạn, rồi cập nhật ngày mới trong danh mục (kho import).",
    "Apply for renewal before the expiry date, then enter the new date in the catalog (kho import).",
);

pub const EXPIRING_WARN: Advice = advice(
    "Chứng nhận OCOP sắp hết hạn; sản phẩm vẫn được bán sau ngày đó (chính sách: chỉ cảnh báo).",
    "The OCOP certificate expires soon; the product stays on sale after that (policy: warn only).",
    "Nộp hồ sơ gia hạn trước ngày hết hạn, rồi cập nhật ngày mới trong danh mục (kho import).",
    "Apply for renewal before the expiry date, then enter the new date in the catalog (kho import).",
);

pub const EXPIRED_UNLISTED: Advice = advice(
    "Chứng nhận OCOP đã hết hạn (sản phẩm chưa được bán trên sàn nào).",
    "The OCOP certificate has expired (the product is not sold on any marketplace).",
    "Gia hạn chứng nhận rồi cập nhật ngày hết hạn mới trong danh mục (kho import) trước khi đăng bán.",
    "Renew the certificate, then enter the new expiry date in the catalog (kho import) before listing it.",
);

pub const EXPIRING_UNLISTED: Advice = advice(
    "Chứng nhận OCOP sắp hết hạn (sản phẩm chưa được bán trên sàn nào).",
    "The OCOP certificate expires soon (the product is not sold on any marketplace).",
    "Nộp hồ sơ gia hạn trước ngày hết hạn, rồi cập nhật ngày mới trong danh mục (kho import).",
    "Apply for renewal before the expiry date, then enter the new date in the catalog (kho import).",
);

pub const OUT_OF_STOCK: Advice = advice(
    "Hết hàng: các sàn đang hiển thị 0, khách không mua được.",
    "Out of stock: the marketplaces show 0 and buyers cannot order.",
    "Nhập thêm hàng, hoặc kiểm kê lại nếu số liệu sai (trang sản phẩm, mục «Nhập / xuất / kiểm kê»).",
    "Receive more stock, or count it again if the figure is wrong (the product's page, \"Receive / remove / count\").",
);

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::ErrorKind;

    fn stored(kind: ErrorKind) -> String {
        // What the sync engine stores: the error's Display.
        kind.at("shopee-a", "/api/v2/product/update_price")
            .to_string()
    }

    #[test]
    fn every_error_kind_is_classified_from_its_stored_message() {
        let s = |v: &str| v.to_owned();
        let cases = [
            (
                ErrorKind::AuthExpired {
                    code: s("invalid_access_token"),
                    message: s("expired"),
                },
                ErrorClass::AuthExpired,
            ),
            (
                ErrorKind::ReauthRequired {
                    code: s("invalid_refresh_token"),
                    message: s("revoked"),
                },
                ErrorClass::NeedsReauth,
            ),
            (
                ErrorKind::RateLimited {
                    retry_after: None,
                    code: s("error_rate_limit"),
                },
                ErrorClass::RateLimited,
            ),
            (
                ErrorKind::Permanent {
                    code: s("error_param"),
                    message: s("price exceeds the limit"),
                },
                ErrorClass::InvalidData,
            ),
            (
                ErrorKind::NotFound {
                    code: s("error_item_not_found"),
                    message: s("item not found"),
                },
                ErrorClass::NotFound,
            ),
            (
                ErrorKind::Transient {
                    message: s("HTTP 503"),
                },
                ErrorClass::ServerError,
            ),
        ];
        for (kind, class) in cases {
            let message = stored(kind);
            assert_eq!(ErrorClass::of_message(&message), class, "{message}");
        }
        assert_eq!(
            ErrorClass::of_message("something else"),
            ErrorClass::Unknown
        );
    }

    #[test]
    fn every_advice_is_written_in_both_languages() {
        let all = [
            ErrorClass::AuthExpired,
            ErrorClass::NeedsReauth,
            ErrorClass::RateLimited,
            ErrorClass::InvalidData,
            ErrorClass::NotFound,
            ErrorClass::ServerError,
            ErrorClass::Unknown,
        ]
        .map(for_error);
        let fixed = [
            DRIFT,
            AWAITING,
            EXPIRED_DELISTED,
            EXPIRED_WARNED,
            EXPIRING_DELIST,
            EXPIRING_WARN,
            EXPIRED_UNLISTED,
            EXPIRING_UNLISTED,
            OUT_OF_STOCK,
        ];
        for a in all.iter().chain(fixed.iter()) {
            for text in [a.what_vi, a.what_en, a.do_vi, a.do_en] {
                assert!(!text.trim().is_empty(), "{a:?}");
            }
            assert_ne!(a.what_vi, a.what_en);
            assert_ne!(a.do_vi, a.do_en);
        }
    }
}
