//! Validated identifiers. Each kind of id is its own type, so a device id
//! cannot be passed where an application id belongs, and a malformed id is
//! rejected when it is parsed, before any request is made.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A string that failed validation as an id or a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: expected {expected}")]
#[non_exhaustive]
pub struct InvalidId {
    /// What was being parsed, e.g. "device id".
    pub kind: &'static str,
    /// The parameter such a value usually fills, as Losant names it
    /// (`deviceId`); a request builder names its own parameter instead.
    pub parameter: &'static str,
    /// The rejected input.
    pub value: String,
    /// What a valid value looks like.
    pub expected: &'static str,
}

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_attribute_name(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $parameter:literal, $expected:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates `value`.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                if $check(&value) {
                    Ok(Self(value))
                } else {
                    Err(InvalidId { kind: $kind, parameter: $parameter, value, expected: $expected })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidId;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<&String> for $name {
            type Error = InvalidId;
            fn try_from(s: &String) -> Result<Self, Self::Error> {
                Self::new(s.as_str())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

validated_string!(
    /// The 24-hex-digit id of a Losant application.
    ApplicationId, "application id", "applicationId", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// The 24-hex-digit id of a device.
    DeviceId, "device id", "deviceId", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// The 24-hex-digit id of a device recipe.
    DeviceRecipeId, "device recipe id", "deviceRecipeId", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// Any other 24-hex-digit Losant id (experience users and groups, …).
    ObjectId, "object id", "id", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// A device attribute name (also used for tag keys): 1–255 characters
    /// from `0-9 a-z A-Z _ -`.
    AttributeName, "attribute name", "name", "1-255 characters from 0-9, a-z, A-Z, _ and -", is_attribute_name
);
validated_string!(
    /// A tag key: 1–255 characters from `0-9 a-z A-Z _ -`.
    TagKey, "tag key", "key", "1-255 characters from 0-9, a-z, A-Z, _ and -", is_attribute_name
);
