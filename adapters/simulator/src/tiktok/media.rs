//! `POST /product/202309/images/upload` (§6, §6.5): multipart fields `data` (the file) and `use_case`; the body is
//! not signed and `shop_cipher` must be absent (traps 4, 5). JPG/JPEG/PNG only, 100×100 to 20000×20000 px, ≤5 MB;
//! base64 JSON uploads are refused by the content-type check. Uploaded URIs become valid for `main_images`.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use axum::extract::Multipart;
use rand::Rng;
use serde_json::json;

use super::api::Outcome;
use super::error::{ApiError, FILE_TOO_LARGE, Rejection};
use super::world::World;

const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
const USE_CASES: &[&str] = &[
    "MAIN_IMAGE",
    "ATTRIBUTE_IMAGE",
    "DESCRIPTION_IMAGE",
    "CERTIFICATION_IMAGE",
    "SIZE_CHART_IMAGE",
];

/// A parsed upload.
#[derive(Debug)]
pub struct Upload {
    width: u32,
    height: u32,
    use_case: String,
}

/// Width and height of a PNG (IHDR) or JPEG (first SOFn marker); `None` for anything else.
pub fn image_dimensions(img: &[u8]) -> Option<(u32, u32)> {
    if img.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        let w = u32::from_be_bytes(img.get(16..20)?.try_into().ok()?);
        let h = u32::from_be_bytes(img.get(20..24)?.try_into().ok()?);
        return Some((w, h));
    }
    if !img.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= img.len() {
        if img[i] != 0xFF {
            return None;
        }
        let marker = img[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([img[i + 2], img[i + 3]]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u16::from_be_bytes([*img.get(i + 5)?, *img.get(i + 6)?]);
            let w = u16::from_be_bytes([*img.get(i + 7)?, *img.get(i + 8)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    None
}

pub async fn read_upload(mut mp: Multipart) -> Result<Upload, ApiError> {
    let mut data = None;
    let mut use_case = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(ApiError::invalid("The multipart body is malformed.")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|_| ApiError::invalid("The multipart body is malformed."))?;
        match name.as_str() {
            "data" => data = Some(bytes),
            "use_case" => use_case = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    let data = data.ok_or_else(|| ApiError::invalid("The `data` file is required."))?;
    if data.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::new(
            FILE_TOO_LARGE,
            "File too large. Images must be at most 5 MB.",
            400,
            Rejection::BadParam,
        ));
    }
    let (width, height) = image_dimensions(&data)
        .ok_or_else(|| ApiError::invalid("The image must be a JPG, JPEG or PNG file."))?;
    if !(100..=20_000).contains(&width) || !(100..=20_000).contains(&height) {
        return Err(ApiError::invalid(
            "The image must be between 100×100 and 20000×20000 pixels.",
        ));
    }
    let use_case = use_case.unwrap_or_else(|| "MAIN_IMAGE".to_owned());
    if !USE_CASES.contains(&use_case.as_str()) {
        return Err(ApiError::invalid(format!(
            "The `use_case` {use_case:?} is invalid."
        )));
    }
    Ok(Upload {
        width,
        height,
        use_case,
    })
}

pub fn upload_image(world: &mut World, upload: Upload) -> Result<Outcome, ApiError> {
    let suffix: [u8; 16] = rand::rng().random();
    let uri = format!("tos-maliva-i-o3syd03w52-us/{}", hex::encode(suffix));
    world.images.insert(uri.clone());
    Ok(Outcome::new(json!({
        "uri": uri,
        "url": format!("https://p16-oec-va.ibyteimg.com/{uri}~tplv-o3syd03w52-origin-jpeg.jpeg"),
        "width": upload.width,
        "height": upload.height,
        "use_case": upload.use_case,
    })))
}
