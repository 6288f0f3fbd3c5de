//! Reading the upstream document from a URL or a local file.

use std::time::Duration;

/// The aggregator's published Device API document.
pub const DEFAULT_URL: &str =
    "https://raw.githubusercontent.com/api-evangelist/losant/refs/heads/main/openapi/losant-device-api-openapi.yml";

/// How long a whole download may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Largest document accepted (the real one is under 100 KB).
const MAX_BYTES: u64 = 16 * 1024 * 1024;

pub struct Fetched {
    /// The URL or path as given.
    pub source: String,
    pub text: String,
    /// Lower-case hex SHA-256 of the bytes read.
    pub sha256: String,
}

pub fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// How a source is written into a committed file: `as_url` when given, a
/// URL as it is, a local path relative to the workspace when it lies inside
/// it, else only its last component. An absolute path would record the
/// machine the command ran on, and would differ between two maintainers'
/// runs of the same refresh.
pub fn recorded_source(source: &str, as_url: Option<&str>) -> String {
    if let Some(url) = as_url {
        return url.to_string();
    }
    if is_url(source) {
        return source.to_string();
    }
    let path = std::path::Path::new(source.strip_prefix("file://").unwrap_or(source));
    // Canonical, so that `..` cannot make an outside path look inside.
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| {
        let mut clean = std::path::PathBuf::new();
        for part in std::path::absolute(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .components()
        {
            match part {
                std::path::Component::ParentDir => {
                    clean.pop();
                }
                other => clean.push(other),
            }
        }
        clean
    });
    let root = crate::workspace_root();
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    if let Ok(inside) = absolute.strip_prefix(&root) {
        if !inside.as_os_str().is_empty() {
            return inside.display().to_string();
        }
    }
    absolute
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_else(|| "local copy".into())
}

/// Reads `source`: an http(s) URL (blocking, rustls, `timeout` for the whole
/// download) or a path.
pub fn read(source: &str, timeout: Duration) -> Result<Fetched, String> {
    let bytes = if is_url(source) {
        download(source, timeout)?
    } else {
        let path = source.strip_prefix("file://").unwrap_or(source);
        std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?
    };
    let sha256 = sha256_hex(&bytes);
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{source} is not UTF-8 text, so not a YAML document"))?;
    Ok(Fetched {
        source: source.to_string(),
        text,
        sha256,
    })
}

fn download(url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
        .user_agent(concat!("losant-device-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(status) => {
            format!("cannot fetch {url}: the server answered HTTP {status}")
        }
        ureq::Error::Timeout(_) => {
            format!(
                "cannot fetch {url}: no complete answer within {} s",
                timeout.as_secs_f32()
            )
        }
        other => format!("cannot fetch {url}: {other}"),
    })?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_BYTES)
        .read_to_vec()
        .map_err(|e| format!("cannot read the answer from {url}: {e}"))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Today's date in UTC as `YYYY-MM-DD` (`SOURCE_DATE_EPOCH` overrides the
/// clock, for reproducible runs).
pub fn utc_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn recorded_sources_never_name_the_machine() {
        assert_eq!(
            recorded_source("/home/someone/downloads/api.yml", None),
            "api.yml"
        );
        assert_eq!(
            recorded_source("/tmp/x/api.yml", Some("https://example.invalid/api.yml")),
            "https://example.invalid/api.yml"
        );
        assert_eq!(
            recorded_source("https://example.invalid/a.yml", None),
            "https://example.invalid/a.yml"
        );
        let outside = crate::workspace_root().join("../elsewhere/api.yml");
        assert_eq!(recorded_source(outside.to_str().unwrap(), None), "api.yml");
        let inside = crate::workspace_root().join("spec/losant-device-api.yaml");
        assert_eq!(
            recorded_source(inside.to_str().unwrap(), None),
            "spec/losant-device-api.yaml"
        );
    }

    #[test]
    fn digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
