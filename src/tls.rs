//! TLS for HTTPS and MQTT, without process-wide state.
//!
//! The crypto provider is passed to rustls explicitly, never installed as
//! the process default, so this crate neither races other libraries for
//! that slot nor overrides an application's choice. Which provider: the
//! one given to the builder, else the crate feature's (`rustls-aws-lc`
//! wins over the default `rustls-ring` when both are on), else the
//! process default an application installed itself.
//!
//! Trusted roots are the system's certificates, or Mozilla's (webpki-roots)
//! on a system that has none (a minimal container image).

use crate::Error;
use rustls::crypto::CryptoProvider;
use std::sync::Arc;

/// The provider to use when the caller gave none.
pub(crate) fn default_provider() -> Option<Arc<CryptoProvider>> {
    #[cfg(feature = "rustls-aws-lc")]
    {
        Some(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
    }
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    {
        Some(Arc::new(rustls::crypto::ring::default_provider()))
    }
    #[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc")))]
    {
        CryptoProvider::get_default().cloned()
    }
}

/// A rustls client configuration with `provider` (or the default one) and
/// the trusted roots, offering `alpn` protocols.
pub(crate) fn client_config(
    provider: Option<Arc<CryptoProvider>>,
    alpn: &[&[u8]],
) -> Result<rustls::ClientConfig, Error> {
    let provider = provider
        .or_else(default_provider)
        .ok_or_else(|| Error::Tls {
            reason: "no TLS crypto provider: enable the `rustls-ring` or `rustls-aws-lc` feature, \
                 or pass one with `tls_provider`"
                .into(),
        })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::Tls {
            reason: format!("the crypto provider supports no safe TLS version: {error}"),
        })?
        .with_root_certificates(roots())
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(config)
}

/// Read once per process: loading the system's certificates reads files.
fn roots() -> rustls::RootCertStore {
    static ROOTS: std::sync::OnceLock<rustls::RootCertStore> = std::sync::OnceLock::new();
    ROOTS.get_or_init(load_roots).clone()
}

fn load_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!(%error, "skipping a system root certificate source");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "loaded system root certificates");
    if roots.is_empty() {
        tracing::debug!("no system root certificates; using the webpki roots");
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}
