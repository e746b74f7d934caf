//! `/certificates`: the OCOP certificates that expire soon or already have.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(certificates))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateParams {
    /// Certificates expiring within this many days (default 90; expired
    /// ones are always included).
    pub within_days: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub producer: String,
    pub product: String,
    pub product_name: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: NaiveDate,
    /// Negative once expired.
    pub days_left: i64,
}

#[utoipa::path(get, path = "/certificates", tag = "catalog", params(CertificateParams),
    responses((status = 200, body = Page<CertificateView>), (status = 400, body = crate::http::error::ErrorBody)))]
async fn certificates(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<CertificateParams>,
) -> ApiResult<Json<Page<CertificateView>>> {
    let (limit, offset) = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .resolve()?;
    let days = params.within_days.unwrap_or(90);
    if !(0..=3650).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "within_days must be between 0 and 3650, not {days}"
        )));
    }
    let today = crate::outbox::certificate_today();
    let until = today + chrono::Days::new(u64::try_from(days).unwrap_or(0) + 1);
    let rows: Vec<CertificateView> = state
        .store
        .certificates_expiring(until)
        .await?
        .into_iter()
        .filter(|c| who.sees_producer(&c.producer_code))
        .map(|c| CertificateView {
            days_left: (c.ocop_cert_expires - today).num_days(),
            producer: c.producer_code,
            product: c.product_code,
            product_name: c.product_name,
            ocop_stars: c.ocop_stars,
            ocop_cert_no: c.ocop_cert_no,
            ocop_cert_expires: c.ocop_cert_expires,
        })
        .collect();
    Ok(Json(Page::from_all(rows, limit, offset)))
}
