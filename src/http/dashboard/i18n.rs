//! Every text the dashboard shows, Vietnamese and English side by side in one
//! table: a message cannot exist in one language only (the macro takes both),
//! and a unit test refuses an empty or untrimmed translation.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a switch link offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    pub fn t(self, m: Msg) -> &'static str {
        m.text(self)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

macro_rules! messages {
    ($($key:ident => $vi:literal, $en:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            #[cfg(test)]
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::Vi) => $vi, (Msg::$key, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    AppName => "kho — bảng điều khiển", "kho — dashboard";
    Overview => "Tổng quan", "Overview";
    Products => "Sản phẩm và tồn kho", "Products and stock";
    ProductsShort => "Sản phẩm", "Products";
    Accounts => "Tài khoản sàn", "Marketplace accounts";
    AccountsShort => "Tài khoản", "Accounts";
    Drift => "Đối soát", "Drift";
    Certificates => "Chứng nhận OCOP", "OCOP certificates";
    CertificatesShort => "OCOP", "OCOP";
    Reports => "Báo cáo", "Reports";
    SignIn => "Đăng nhập", "Sign in";
    SignOut => "Đăng xuất", "Sign out";
    Token => "Mã truy cập (token)", "Access token";
    TokenHelp => "Dán mã do quản trị viên cấp (kho token create).", "Paste the token an administrator gave you (kho token create).";
    TokenInvalid => "Mã truy cập không hợp lệ hoặc đã bị thu hồi.", "The token is not valid or has been revoked.";
    TokenMissing => "Hãy nhập mã truy cập.", "Enter a token.";
    SignedInAs => "Đăng nhập với tên", "Signed in as";
    SwitchLanguage => "English", "Tiếng Việt";
    Cooperative => "Hợp tác xã", "Cooperative";
    AllCooperatives => "Tất cả hợp tác xã", "All cooperatives";
    Filter => "Lọc", "Filter";
    Today => "Hôm nay", "Today";
    TodayOrders => "Đơn hàng và doanh thu hôm nay", "Today's orders and revenue";
    Marketplace => "Sàn", "Marketplace";
    Orders => "Đơn hàng", "Orders";
    Units => "Số lượng", "Units";
    Revenue => "Doanh thu", "Revenue";
    Total => "Tổng", "Total";
    NoSalesToday => "Chưa có đơn hàng nào hôm nay.", "No orders yet today.";
    Sales30Days => "Doanh thu 30 ngày theo sàn", "Sales over 30 days by marketplace";
    ChartLabel => "Biểu đồ doanh thu mỗi ngày trong 30 ngày, theo sàn", "Chart of daily revenue over 30 days, per marketplace";
    SyncHealth => "Tình trạng đồng bộ", "Sync health";
    AllAccountsOk => "Mọi tài khoản đều ổn.", "Every account is fine.";
    NeedAttention => "tài khoản cần chú ý", "account(s) need attention";
    NoAccounts => "Chưa có tài khoản sàn nào.", "No marketplace account yet.";
    Account => "Tài khoản", "Account";
    State => "Trạng thái", "State";
    StateOk => "Ổn", "OK";
    StatePaused => "Tạm dừng", "Paused";
    StateNeedsReauth => "Cần ủy quyền lại", "Needs re-authorisation";
    ConnectShop => "Kết nối gian hàng", "Connect the shop";
    ConnectTitle => "Kết nối gian hàng", "Connecting a shop";
    ConnectDone => "Đã kết nối gian hàng. kho sẽ đồng bộ tồn kho và giá với sàn. Bạn có thể đóng trang này.", "The shop is connected. kho will now keep its stock and prices in step. You may close this page.";
    ConnectStateMissing => "Địa chỉ này thiếu mã trạng thái (state). Hãy chép mã code trên thanh địa chỉ và chạy kho accounts connect với --code.", "This address carries no state. Copy the code from the address bar and run kho accounts connect with --code.";
    ConnectStateUnknown => "Liên kết này không phải do kho tạo ra cho gian hàng này.", "This link was not issued by kho for this shop.";
    ConnectStateExpired => "Liên kết đã hết hạn. Hãy tạo liên kết mới bằng kho accounts connect.", "The link has expired. Create a new one with kho accounts connect.";
    ConnectStateUsed => "Liên kết đã được dùng. Hãy tạo liên kết mới bằng kho accounts connect.", "The link has already been used. Create a new one with kho accounts connect.";
    ConnectDeclined => "Người bán đã không đồng ý ủy quyền. Gian hàng chưa được kết nối.", "The seller did not agree to the authorisation. The shop is not connected.";
    ConnectNoCode => "Sàn không gửi mã ủy quyền (code). Gian hàng chưa được kết nối.", "The marketplace sent no authorisation code. The shop is not connected.";
    ConnectRefused => "Sàn từ chối mã ủy quyền. Gian hàng vẫn như trước; hãy thử lại với liên kết mới.", "The marketplace refused the authorisation code. The shop is unchanged; try again with a new link.";
    ConnectUnavailable => "Máy chủ kho này không kết nối được gian hàng (tài khoản không có trong cấu hình).", "This kho server cannot connect the shop (the account is not in its configuration).";
    QueueDepth => "Hàng chờ", "Queue";
    OldestPending => "Thay đổi chờ lâu nhất", "Oldest pending change";
    LastPush => "Lần đẩy gần nhất", "Last push";
    Errors => "Lỗi", "Errors";
    DeadLetters => "Thay đổi thất bại", "Failed changes";
    LastError => "Lỗi gần nhất", "Last error";
    Listings => "tin đăng", "listings";
    TokenExpires => "Ủy quyền hết hạn", "Authorisation expires";
    Never => "chưa bao giờ", "never";
    None_ => "không có", "none";
    Product => "Sản phẩm", "Product";
    Variant => "Phân loại", "Variant";
    Sku => "SKU", "SKU";
    Price => "Giá", "Price";
    OnHand => "Tồn kho", "On hand";
    Reserved => "Đang giữ", "Reserved";
    Available => "Có thể bán", "Available";
    LowStock => "Sắp hết", "Low stock";
    OutOfStock => "Hết hàng", "Out of stock";
    LowStockHelp => "Sắp hết: còn từ 1 đến", "Low stock: from 1 to";
    UnitsLeft => "sản phẩm có thể bán", "units available";
    NoProducts => "Không có sản phẩm nào.", "No products.";
    AllProducts => "Tất cả", "All";
    OnlyShort => "Sắp hết và hết hàng", "Low and out of stock";
    Pages => "Các trang", "Pages";
    Page => "Trang", "Page";
    Previous => "Trước", "Previous";
    Next => "Sau", "Next";
    Ocop => "OCOP", "OCOP";
    Stars => "sao", "stars";
    CertNo => "Số chứng nhận", "Certificate no.";
    CertExpires => "Hết hạn", "Expires";
    Expired => "Đã hết hạn", "Expired";
    ExpiringSoon => "Hết hạn trong 60 ngày", "Expiring within 60 days";
    NoCertificates => "Không có chứng nhận nào hết hạn hoặc sắp hết hạn.", "No certificate has expired or expires soon.";
    DaysLeft => "ngày còn lại", "days left";
    DaysAgo => "ngày trước", "days ago";
    Location => "Kho", "Location";
    StockByLocation => "Tồn kho theo kho hàng", "Stock by location";
    RecentMovements => "Biến động kho gần đây", "Recent stock movements";
    When => "Thời gian", "When";
    Kind => "Loại", "Kind";
    Quantity => "Số lượng", "Quantity";
    Balance => "Số dư", "Balance";
    Reason => "Lý do", "Reason";
    Category => "Danh mục", "Category";
    LastReconciliation => "Lần đối soát gần nhất", "Last reconciliation";
    Started => "Bắt đầu", "Started";
    Finished => "Kết thúc", "Finished";
    Outcome => "Kết quả", "Outcome";
    Differences => "Chênh lệch", "Differences";
    Fixed => "Đã sửa", "Fixed";
    NotReconciled => "Chưa đối soát lần nào", "Never reconciled";
    Running => "đang chạy", "running";
    OutcomeClean => "Khớp", "Clean";
    OutcomeDrift => "Có chênh lệch", "Drift";
    OutcomeFailed => "Thất bại", "Failed";
    Field => "Trường", "Field";
    Cause => "Nguyên nhân", "Likely cause";
    NotFound => "Không tìm thấy trang này.", "This page does not exist.";
    NotFoundProduct => "Không có sản phẩm này.", "No such product.";
    UnknownCooperative => "Không có hợp tác xã này", "No such cooperative";
    ServerError => "Đã có lỗi xảy ra. Vui lòng thử lại sau.", "Something went wrong. Please try again later.";
    ErrorReference => "Mã tham chiếu", "Reference";
    BadRequest => "Yêu cầu không hợp lệ", "Bad request";
    Forbidden => "Yêu cầu bị từ chối", "Request refused";
    CrossOrigin => "Biểu mẫu phải được gửi từ chính trang này.", "Forms must be sent from this site.";
    BackToOverview => "Về trang tổng quan", "Back to the overview";
    UpdatedAt => "Số liệu lúc", "Figures as of";
    NeedsAttention => "Cần xử lý", "Needs attention";
    NothingNeedsAttention => "Không có việc gì cần xử lý.", "Nothing needs attention.";
    ItemsNeedAttention => "việc cần xử lý", "item(s) need attention";
    WhatToDo => "Cách xử lý", "What to do";
    MarketplaceSays => "Sàn báo", "The marketplace says";
    StateFailing => "Đẩy thay đổi thất bại", "Failing pushes";
    KindFailedPush => "Thay đổi thất bại", "Failed change";
    KindFailingPush => "Thay đổi đang lỗi", "Change failing";
    KindDrift => "Chênh lệch với sàn", "Drift from the marketplace";
    KindAwaitingPerson => "Tin đăng chờ xử lý", "Listing awaiting a person";
    KindReconcileFailed => "Đối soát thất bại", "Reconciliation failed";
    KindNeedsReauth => "Gian hàng cần ủy quyền lại", "Shop needs re-authorisation";
    KindCertificateExpired => "Chứng nhận OCOP đã hết hạn", "OCOP certificate expired";
    KindCertificateExpiring => "Chứng nhận OCOP sắp hết hạn", "OCOP certificate expiring";
    KindOutOfStock => "Hết hàng", "Out of stock";
    ListingsDelisted => "Tin đăng đã bị gỡ khỏi sàn", "Listings taken off the marketplaces";
    ListingsWarned => "Vẫn đang bán (chỉ cảnh báo)", "Still on sale (warn only)";
    ListingsNotListed => "Chưa đăng bán trên sàn", "Not listed on any marketplace";
    ListingsWillBeDelisted => "Tin đăng sẽ bị gỡ khi hết hạn", "Listings will be taken off when it expires";
    KhoValue => "Kho", "kho";
    // Forms: stock, catalog upload, failed pushes, linking.
    ReadOnly => "Tài khoản này chỉ được xem, không được thay đổi dữ liệu.", "This account may look but not change anything.";
    UpdateStock => "Nhập / xuất / kiểm kê", "Receive / remove / count";
    FormReceipt => "Nhập kho", "Receive stock";
    FormRemoval => "Xuất / hủy", "Remove (write off)";
    FormCount => "Kiểm kê", "Count stock";
    CountedQuantity => "Số lượng đếm được", "Counted quantity";
    Optional => "(không bắt buộc)", "(optional)";
    QuantityMissing => "Hãy nhập số lượng.", "Enter a quantity.";
    QuantityNotWhole => "Số lượng phải là số nguyên, ví dụ 50 hoặc 1.000.", "The quantity must be a whole number, e.g. 50 or 1.000.";
    QuantityBetween => "Số lượng phải là số nguyên trong khoảng", "The quantity must be a whole number in the range";
    ReasonRequired => "Hãy ghi lý do xuất hoặc hủy (ví dụ: hàng hỏng).", "Give the reason for the removal (e.g. spoiled).";
    ReasonTooLong => "Lý do quá dài hoặc có ký tự điều khiển; tối đa ký tự:", "The reason is too long or has control characters; at most characters:";
    NotEnoughAvailable => "Không đủ hàng: sau thay đổi này số có thể bán sẽ âm. Có thể bán:", "Not enough stock: this would leave less than nothing available. Available:";
    AboveStockLimit => "Vượt mức tồn kho tối đa các sàn nhận:", "Above the most stock the marketplaces accept:";
    DoneReceipt => "Đã nhập kho", "Received";
    DoneRemoval => "Đã xuất / hủy", "Removed";
    DoneCount => "Đã ghi kiểm kê", "Count recorded";
    Who => "Người thực hiện", "By";
    NothingToRetry => "không có thay đổi lỗi nào để gửi lại.", "no failed change to retry.";
    Requeued => "thay đổi đã được đưa lại hàng đợi", "change(s) back in the queue";
    RequeuedHelp => "kho sẽ gửi lại trong lần đồng bộ tới.", "kho sends them again at the next sync.";
    NotConfigured => "tài khoản này chưa được cấu hình trên máy chủ, không thể liên kết lại.", "this account is not configured on the server; it cannot be re-linked.";
    RemoteListings => "sản phẩm trên sàn", "listings on the marketplace";
    Linked => "đã liên kết", "linked";
    NewLinks => "mới", "new";
    Unmatched => "không khớp SKU", "not matching a SKU";
    NotListed => "SKU chưa đăng bán", "SKUs not listed";
    LinkFailed => "không đọc được danh sách từ sàn:", "could not read the marketplace's listings:";
    RetryAll => "Gửi lại các thay đổi lỗi", "Retry failed changes";
    Retry => "Gửi lại", "Retry";
    Relink => "Liên kết lại cửa hàng", "Re-link the shop";
    OnMarketplaces => "Trên các sàn", "On the marketplaces";
    StateSelling => "Đang bán", "Selling";
    StateDelisted => "Đã gỡ / ngừng bán", "Delisted";
    StateOutOfSync => "Chưa khớp với kho", "Out of sync";
    StateNotLinked => "Chưa liên kết", "Not linked";
    NoShops => "Hợp tác xã chưa có cửa hàng nào trên sàn.", "The cooperative has no shop on a marketplace.";
    ImportCatalog => "Tải danh mục lên", "Upload the catalog";
    ImportHelp => "Chọn tệp CSV hoặc Excel (XLSX) theo mẫu của kho. Bước đầu chỉ xem trước: chưa có gì thay đổi cho đến khi bạn bấm Áp dụng.", "Choose a CSV or Excel (XLSX) file in kho's format. First comes a preview: nothing changes until you press Apply.";
    ImportFile => "Tệp danh mục (CSV hoặc XLSX)", "Catalog file (CSV or XLSX)";
    ImportPreviewButton => "Xem trước", "Preview";
    ImportPreview => "Xem trước khi nhập danh mục", "Catalog import preview";
    ImportApply => "Áp dụng", "Apply";
    ImportCancel => "Hủy", "Cancel";
    ImportNoFile => "Hãy chọn một tệp CSV hoặc XLSX.", "Choose a CSV or XLSX file.";
    ImportExpired => "Bản xem trước đã hết hạn hoặc không còn; hãy tải tệp lên lại.", "The preview has expired or is gone; upload the file again.";
    ImportRejected => "Tệp có lỗi; chưa có gì thay đổi. Sửa các dòng dưới đây rồi tải lên lại.", "The file has errors; nothing was changed. Fix the lines below and upload it again.";
    ImportNothing => "Tệp khớp hoàn toàn với danh mục hiện tại; không có gì để thay đổi.", "The file matches the catalog; nothing would change.";
    ImportApplied => "Đã nhập danh mục", "Catalog imported";
    ImportWouldChange => "Nếu áp dụng, kho sẽ thay đổi:", "Applying it would change:";
    NewProducers => "HTX mới", "New cooperatives";
    UpdatedProducers => "HTX được sửa", "Cooperatives changed";
    NewProducts => "Sản phẩm mới", "New products";
    UpdatedProducts => "Sản phẩm được sửa", "Products changed";
    NewVariants => "Phân loại (SKU) mới", "New variants (SKUs)";
    UpdatedVariants => "Phân loại (SKU) được sửa", "Variants (SKUs) changed";
    StockCounts => "Tồn kho được đặt lại", "Stock counts";
    UnchangedRows => "Dòng không đổi", "Unchanged rows";
    Line => "Dòng", "Line";
    Column => "Cột", "Column";
    Problem => "Lỗi", "Problem";
    Before => "Trước", "Before";
    After => "Sau", "After";
    FileName => "Tệp", "File";
    // Harvest lots and expiry.
    LotCode => "Mã lô", "Lot code";
    HarvestedOn => "Ngày thu hoạch / sản xuất", "Harvested / produced on";
    BestBefore => "Hạn sử dụng", "Best before";
    LotDatesNeedLot => "Ngày thu hoạch và hạn sử dụng thuộc về một lô: hãy ghi mã lô.", "Harvest and best-before dates belong to a lot: give its code.";
    DateInvalid => "Ngày không hợp lệ (năm-tháng-ngày, ví dụ 2026-12-06).", "Not a date (year-month-day, e.g. 2026-12-06).";
    LotCodeTooLong => "Mã lô tối đa 64 ký tự, không có ký tự điều khiển.", "A lot code has at most 64 characters and no control characters.";
    LotEmptyDefault => "Để trống nếu hàng không theo lô.", "Leave empty for stock not kept in lots.";
    LotsExpiringSoon => "Sắp hết hạn trong 48 giờ", "Expiring within 48 hours";
    StockByLot => "Tồn kho theo lô", "Stock by lot";
    NotInALot => "Không theo lô", "Not in a lot";
    NothingExpiring => "Không có lô nào hết hạn trong 48 giờ tới.", "No lot expires within the next 48 hours.";
    WriteOffsMonthly => "Hàng hủy do hết hạn theo tháng", "Written off as expired, per month";
    NoWriteOffs => "Chưa có hàng nào bị hủy do hết hạn.", "Nothing written off as expired yet.";
    Month => "Tháng", "Month";
    ValueVnd => "Giá trị (đồng)", "Value (VND)";
    Freshness => "Hạn sử dụng và hao hụt", "Shelf life and food loss";
}

/// Codes kho stores (movement kinds, drift kinds and causes, job fields,
/// location codes) as a Vietnamese or English reader reads them. Unknown
/// codes are shown as they are.
const CODES: &[(&str, &str, &str)] = &[
    ("receipt", "Nhập kho", "Receipt"),
    ("adjustment", "Điều chỉnh", "Adjustment"),
    ("count", "Kiểm kê", "Count"),
    ("sale", "Bán hàng", "Sale"),
    ("cancellation", "Hủy đơn", "Cancellation"),
    ("return", "Hàng trả về", "Return"),
    ("expiry", "Hết hạn sử dụng", "Expiry"),
    ("main", "Kho chính", "Main"),
    ("stock", "Tồn kho", "Stock"),
    ("price", "Giá", "Price"),
    ("status", "Trạng thái đăng bán", "Listing status"),
    ("seller_sku", "Mã SKU người bán", "Seller SKU"),
    ("order", "Đơn hàng", "Order"),
    (
        "missing_remote",
        "Tin đăng không còn trên sàn",
        "Listing missing on the marketplace",
    ),
    (
        "unknown_sku",
        "SKU người bán không khớp",
        "Unknown seller SKU",
    ),
    (
        "duplicate_sku",
        "SKU người bán bị trùng",
        "Duplicated seller SKU",
    ),
    ("order_missing", "Đơn hàng chưa nhận", "Order not received"),
    (
        "push_pending",
        "Thay đổi đang chờ gửi",
        "Change waiting to be sent",
    ),
    (
        "push_failed",
        "Gửi thay đổi thất bại",
        "Sending the change failed",
    ),
    (
        "edited_on_marketplace",
        "Bị sửa trực tiếp trên sàn",
        "Edited on the marketplace",
    ),
    (
        "held_by_marketplace",
        "Sàn đang giữ hàng (khuyến mãi)",
        "Held by the marketplace (promotion)",
    ),
    (
        "order_not_ingested",
        "Đơn hàng chưa được ghi nhận",
        "Order not yet recorded",
    ),
    (
        "hidden_units",
        "Sàn hiển thị thiếu hàng",
        "Units hidden from buyers",
    ),
    (
        "deleted_on_marketplace",
        "Bị xóa trên sàn",
        "Deleted on the marketplace",
    ),
    ("not_linked", "Chưa liên kết", "Not linked"),
    ("unknown", "Không rõ", "Unknown"),
    ("active", "Đang bán", "On sale"),
    ("inactive", "Ngừng bán", "Not on sale"),
    // The reasons kho itself writes in the ledger for orders.
    ("marketplace sale", "Bán trên sàn", "Sold on a marketplace"),
    ("sale cancelled", "Đơn bị hủy", "Order cancelled"),
    (
        "return completed",
        "Khách trả hàng",
        "Returned by the buyer",
    ),
    ("return received", "Đã nhận hàng trả lại", "Return received"),
    (
        "opening balance (catalog import)",
        "Số dư ban đầu (nhập danh mục)",
        "Opening balance (catalog import)",
    ),
];

/// A stored code in `lang`, or the code itself when kho has no label for it.
pub fn code(lang: Lang, code: &str) -> &str {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, vi, en)| match lang {
            Lang::Vi => vi,
            Lang::En => en,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages() {
        for &m in Msg::ALL {
            for lang in [Lang::Vi, Lang::En] {
                let s = m.text(lang);
                assert!(!s.is_empty(), "{m:?} has no {lang} text");
                assert_eq!(s.trim(), s, "{m:?} in {lang} has stray spaces");
            }
        }
    }

    #[test]
    fn vietnamese_is_vietnamese() {
        // A copy-pasted English string in the Vietnamese column is the usual
        // slip; most messages must differ (short codes like SKU may not).
        let same: Vec<_> = Msg::ALL
            .iter()
            .filter(|m| m.text(Lang::Vi) == m.text(Lang::En))
            .collect();
        assert!(
            same.iter()
                .all(|m| matches!(m, Msg::Sku | Msg::Ocop | Msg::CertificatesShort)),
            "identical in both languages: {same:?}"
        );
    }

    #[test]
    fn stored_codes_read_as_words() {
        assert_eq!(code(Lang::Vi, "receipt"), "Nhập kho");
        assert_eq!(
            code(Lang::En, "edited_on_marketplace"),
            "Edited on the marketplace"
        );
        assert_eq!(code(Lang::Vi, "main"), "Kho chính");
        assert_eq!(code(Lang::Vi, "kho-2"), "kho-2");
        for (c, vi, en) in CODES {
            assert!(!vi.is_empty() && !en.is_empty() && vi != en, "{c}");
        }
    }

    #[test]
    fn languages_round_trip() {
        for lang in [Lang::Vi, Lang::En] {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
            assert_ne!(lang.other(), lang);
        }
        assert_eq!(Lang::parse("fr"), None);
    }
}
