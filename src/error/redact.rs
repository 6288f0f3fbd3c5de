//! Keeping secrets out of error texts, whatever a server sends back.

use secrecy::{ExposeSecret, SecretString};
use std::sync::RwLock;

/// Secrets shorter than this are not searched for: they would match
/// ordinary text and turn every message into markers.
const SHORTEST_SECRET: usize = 8;

/// The secrets a client holds (its token, a device's access secret and
/// tokens it was given); every text the crate puts into an error passes
/// through [`Secrets::redact`].
#[derive(Default)]
pub(crate) struct Secrets {
    known: RwLock<Vec<SecretString>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

impl Secrets {
    /// Starts with `secrets`.
    pub(crate) fn new(secrets: impl IntoIterator<Item = SecretString>) -> Self {
        let this = Self::default();
        for secret in secrets {
            this.add(secret);
        }
        this
    }

    /// Remembers one more secret (a refreshed token).
    pub(crate) fn add(&self, secret: SecretString) {
        if secret.expose_secret().len() < SHORTEST_SECRET {
            return;
        }
        let mut known = self
            .known
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !known
            .iter()
            .any(|k| k.expose_secret() == secret.expose_secret())
        {
            known.push(secret);
        }
    }

    /// `text` with every known secret replaced by `** redacted **`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let known = self
            .known
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = text.to_string();
        for secret in known.iter() {
            let secret = secret.expose_secret();
            if text.contains(secret) {
                text = text.replace(secret, crate::REDACTED);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_of_every_secret_is_replaced() {
        let secrets = Secrets::new([SecretString::from("token-abcdefgh")]);
        secrets.add(SecretString::from("secret-12345678"));
        secrets.add(SecretString::from("short"));
        assert_eq!(
            secrets.redact("a token-abcdefgh b secret-12345678 c token-abcdefgh short"),
            "a ** redacted ** b ** redacted ** c ** redacted ** short"
        );
    }
}
