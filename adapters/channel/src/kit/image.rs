//! Images for publishing: a draft names them by URL or carries their bytes; most marketplaces want the file.
//! The download does not go to the marketplace, so it bypasses the account's rate limiter.

use crate::error::{ChannelError, ErrorKind};
use crate::listing::DraftImage;
use crate::transport::AccountClient;

/// What a marketplace accepts as one image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    pub max_bytes: usize,
    /// Endpoint named in a refusal (the upload endpoint).
    pub endpoint: &'static str,
}

/// One image file, ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl ImageFile {
    /// The file as a multipart part; the caller names the form field.
    pub fn part(&self) -> Result<reqwest::multipart::Part, ErrorKind> {
        reqwest::multipart::Part::bytes(self.data.clone())
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
            .map_err(|_| {
                ErrorKind::invalid_request(
                    "bad_content_type",
                    format!("image content type {:?}", self.content_type),
                )
            })
    }
}

/// Errors of the download itself are reported against this endpoint.
const FETCH: &str = "image_download";

impl ImageLimits {
    /// Files of at most `max_bytes`, refused in the name of the upload `endpoint`.
    pub const fn new(max_bytes: usize, endpoint: &'static str) -> Self {
        Self {
            max_bytes,
            endpoint,
        }
    }

    /// The draft image as a file within the limits: its bytes, or downloaded from its URL.
    pub async fn file(
        &self,
        http: &AccountClient,
        image: &DraftImage,
    ) -> Result<ImageFile, ChannelError> {
        let file = match image {
            DraftImage::Bytes {
                file_name,
                content_type,
                data,
            } => ImageFile {
                file_name: file_name.clone(),
                content_type: content_type.clone(),
                data: data.clone(),
            },
            DraftImage::Url(url) => download(http, url).await?,
        };
        self.check(http, &file.file_name, file.data.len())?;
        Ok(file)
    }

    /// Refuse a file larger than the marketplace takes, before any call.
    pub fn check(
        &self,
        http: &AccountClient,
        file_name: &str,
        len: usize,
    ) -> Result<(), ChannelError> {
        if len <= self.max_bytes {
            return Ok(());
        }
        Err(http.error(
            self.endpoint,
            ErrorKind::invalid_request(
                "image_too_large",
                format!("{file_name}: {len} bytes (max {})", size(self.max_bytes)),
            ),
        ))
    }
}

fn size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Download one image. A server error is transient; any other refusal means the URL is unusable.
async fn download(http: &AccountClient, url: &str) -> Result<ImageFile, ChannelError> {
    let fail = |kind| http.error(FETCH, kind);
    let response = http.http().get(url).send().await.map_err(|e| {
        fail(ErrorKind::Transient {
            message: format!(
                "downloading {url}: {}",
                if e.is_timeout() {
                    "timed out"
                } else {
                    "request failed"
                }
            ),
        })
    })?;
    let status = response.status();
    if !status.is_success() {
        let message = format!("downloading {url}: HTTP {status}");
        let kind = if status.is_server_error() {
            ErrorKind::Transient { message }
        } else {
            ErrorKind::invalid_request("image_unavailable", message)
        };
        return Err(fail(kind));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.split(';').next().unwrap_or(s).trim().to_owned())
        .filter(|s| s.starts_with("image/"))
        .unwrap_or_else(|| guess_content_type(url).to_owned());
    let data = response
        .bytes()
        .await
        .map_err(|_| {
            fail(ErrorKind::Transient {
                message: format!("downloading {url}: body failed"),
            })
        })?
        .to_vec();
    let file_name = url
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("image.jpg")
        .to_owned();
    Ok(ImageFile {
        file_name,
        content_type,
        data,
    })
}

/// When the server does not say, the URL's extension does; JPEG is what product photos mostly are.
fn guess_content_type(url: &str) -> &'static str {
    if url.to_ascii_lowercase().ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_types() {
        assert_eq!(size(10 * 1024 * 1024), "10 MB");
        assert_eq!(size(3_000_000), "3000000 bytes");
        assert_eq!(guess_content_type("https://x/A.PNG"), "image/png");
        assert_eq!(guess_content_type("https://x/a"), "image/jpeg");
    }
}
