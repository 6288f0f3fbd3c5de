//! The test CA and a certificate for 127.0.0.1 and localhost it signed,
//! valid 2000 to 2100 (made with openssl; test-only key), as a TLS server
//! configuration for fronts and a client configuration that trusts it.

use rumqttc::tokio_rustls::TlsAcceptor;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

const TEST_CA: &str = include_str!("../data/test-ca.pem");
const TEST_CERT: &str = include_str!("../data/test-cert.pem");
const TEST_KEY: &str = include_str!("../data/test-key.pem");

pub fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Terminates TLS with the test certificate.
pub fn acceptor() -> TlsAcceptor {
    let cert = CertificateDer::from_pem_slice(TEST_CERT.as_bytes()).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(TEST_KEY.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server configuration");
    TlsAcceptor::from(Arc::new(config))
}

/// A client configuration whose only root is the test CA.
pub fn trusting_config() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(TEST_CA.as_bytes()).expect("CA"))
        .expect("a root");
    let config = rustls::ClientConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
