//! `POST /api/v2/media_space/upload_image` (§6.8): a Public-API-signed multipart upload of one or more JPG/PNG
//! files (field `image`, ≤10 MB each, fewer than 9). Uploaded ids become valid for `add_item`.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use axum::extract::Multipart;
use rand::Rng;
use serde_json::{Value, json};

use super::api::Payload;
use super::error::ApiError;
use super::world::World;

const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
const MAX_IMAGES: usize = 8;

/// A parsed upload.
#[derive(Debug)]
pub struct Upload {
    images: Vec<Vec<u8>>,
}

fn bad(detail: &str) -> ApiError {
    ApiError::bad_param(format!("Wrong parameters, detail: {detail}"))
}

pub async fn read_upload(mut mp: Multipart, content_type: &str) -> Result<Upload, ApiError> {
    if !content_type.starts_with("multipart/form-data") {
        return Err(bad("the body must be multipart/form-data."));
    }
    let mut images = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(bad("malformed multipart body.")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let data = field
            .bytes()
            .await
            .map_err(|_| bad("malformed multipart body."))?;
        match name.as_str() {
            "image" => images.push(data.to_vec()),
            "scene" if !matches!(&data[..], b"normal" | b"desc") => {
                return Err(bad("scene should be normal or desc."));
            }
            "ratio" if !matches!(&data[..], b"1:1" | b"3:4") => {
                return Err(bad("ratio should be 1:1 or 3:4."));
            }
            _ => {}
        }
    }
    if images.is_empty() {
        return Err(bad("image is required."));
    }
    if images.len() > MAX_IMAGES {
        return Err(bad("upload less than 9 images."));
    }
    for img in &images {
        if img.len() > MAX_IMAGE_BYTES {
            return Err(bad("image size should be no more than 10MB."));
        }
        let jpeg = img.starts_with(&[0xFF, 0xD8, 0xFF]);
        let png = img.starts_with(&[0x89, b'P', b'N', b'G']);
        if !jpeg && !png {
            return Err(bad("image format should be JPG, JPEG or PNG."));
        }
    }
    Ok(Upload { images })
}

fn image_info(id: &str) -> Value {
    json!({
        "image_id": id,
        "image_url_list": [{"image_url_region": "VN", "image_url": format!("https://cf.shopee.vn/file/{id}")}],
    })
}

pub fn upload_image(world: &mut World, upload: Upload) -> Result<Payload, ApiError> {
    let mut list = Vec::new();
    let mut first = None;
    for (n, _img) in upload.images.iter().enumerate() {
        let suffix: [u8; 8] = rand::rng().random();
        let id = format!("sg-11134201-sim-{}", hex::encode(suffix));
        world.images.insert(id.clone());
        first.get_or_insert_with(|| id.clone());
        list.push(json!({"id": n, "error": "", "message": "", "image_info": image_info(&id)}));
    }
    let first = first.unwrap_or_default();
    Ok(Payload::Wrapped(
        json!({"image_info": image_info(&first), "image_info_list": list}),
    ))
}
