//! Image upload (§6, §6.5, trap 5): multipart only (a JSON/base64 upload is refused), JPG/PNG within 100–20000 px,
//! at most 5 MB, and the answer's `uri` is what product creation accepts.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use super::super::SimConfig;
use super::super::error::{FILE_TOO_LARGE, INVALID_PARAM, WRONG_CONTENT_TYPE_MULTIPART};
use super::super::media::image_dimensions;
use super::{Client, Req, png, start};
use serde_json::json;

const UPLOAD: &str = "/product/202309/images/upload";

fn multipart(data: Vec<u8>, use_case: &str) -> Req {
    let form = reqwest::multipart::Form::new()
        .part(
            "data",
            reqwest::multipart::Part::bytes(data).file_name("x.png"),
        )
        .text("use_case", use_case.to_owned());
    let mut r = Req::new(reqwest::Method::POST, UPLOAD).no_cipher();
    r.multipart = Some(form);
    r
}

#[test]
fn reads_png_and_jpeg_dimensions() {
    assert_eq!(image_dimensions(&png(640, 480)), Some((640, 480)));
    // SOI, APP0 (len 4), SOF0 with height 300 and width 200.
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C,
        0x00, 0xC8, 0x03,
    ];
    assert_eq!(image_dimensions(&jpeg), Some((200, 300)));
    assert_eq!(image_dimensions(b"GIF89a"), None);
}

#[tokio::test]
async fn upload_rules() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let d = c.ok(multipart(png(100, 100), "MAIN_IMAGE")).await;
    assert!(d["uri"].as_str().unwrap().starts_with("tos-"));

    // A base64 JSON upload (pre-202309 style) is the wrong content type.
    let (_, v) = c
        .send(Req::post(UPLOAD, &json!({"img_data": "iVBORw0K", "img_scene": 1})).no_cipher())
        .await;
    assert_eq!(v["code"], WRONG_CONTENT_TYPE_MULTIPART);
    for (data, use_case, code) in [
        (png(99, 500), "MAIN_IMAGE", INVALID_PARAM),
        (b"GIF89a-not-allowed".to_vec(), "MAIN_IMAGE", INVALID_PARAM),
        (png(500, 500), "COVER", INVALID_PARAM),
    ] {
        let (_, v) = c.send(multipart(data, use_case)).await;
        assert_eq!(v["code"], code, "{v}");
    }
    // Large but allowed (beyond axum's 2 MB default body limit).
    let mut large = png(4000, 3000);
    large.resize(4 * 1024 * 1024, 0);
    let d = c.ok(multipart(large, "DESCRIPTION_IMAGE")).await;
    assert_eq!(
        (d["width"].as_u64(), d["height"].as_u64()),
        (Some(4000), Some(3000))
    );
    let mut big = png(1000, 1000);
    big.resize(5 * 1024 * 1024 + 1, 0);
    let (_, v) = c.send(multipart(big, "MAIN_IMAGE")).await;
    assert_eq!(v["code"], FILE_TOO_LARGE);
}
