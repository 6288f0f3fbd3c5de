//! Validated identifiers. Each kind of id is its own type, so a device id
//! cannot be passed where an application id belongs, and a malformed id is
//! rejected when it is parsed, before any request is made.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smol_str::SmolStr;
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

// Both checks run for every id and name of every device of every page.

/// Looks at all 24 bytes without stopping early: without a branch per byte,
/// the compiler checks them a vector at a time.
fn is_object_id(s: &str) -> bool {
    let Ok(bytes) = <&[u8; 24]>::try_from(s.as_bytes()) else {
        return false;
    };
    bytes.iter().fold(true, |ok, &b| {
        ok & (b.is_ascii_digit() | matches!(b | 0x20, b'a'..=b'f'))
    })
}

/// Names are short, too short for vectors: one table lookup per byte.
fn is_attribute_name(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| NAME_BYTES[usize::from(b)])
}

/// The bytes a name may hold: `0-9 a-z A-Z _ -`.
static NAME_BYTES: [bool; 256] = {
    let mut allowed = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        allowed[byte] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        byte += 1;
    }
    allowed
};

/// `text` as a `SmolStr`, inline when it fits. `SmolStr::new` would first
/// look for its whitespace-only form, and its copy through a stack buffer
/// stalls the load that follows: 17 ns a name against 6 (measured on the
/// names of a device page). Every tag key, attribute name and unknown
/// field's name of every page is made here.
pub(crate) fn name_text(text: &str) -> SmolStr {
    if text.len() <= SmolStr::INLINE_CAP {
        SmolStr::new_inline(text)
    } else {
        SmolStr::new(text)
    }
}

/// How an id keeps its text: a 24-character object id inline, a name inline
/// up to 23 bytes (ids and names are decoded for every device of every page,
/// and this spares an allocation for each).
trait Text: Clone {
    fn from_checked(text: &str) -> Self;
    fn as_text(&self) -> &str;
}

impl Text for SmolStr {
    fn from_checked(text: &str) -> Self {
        name_text(text)
    }

    fn as_text(&self) -> &str {
        self
    }
}

/// 24 ASCII hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Hex24([u8; 24]);

impl Text for Hex24 {
    fn from_checked(text: &str) -> Self {
        let mut bytes = [b'0'; 24];
        bytes.copy_from_slice(&text.as_bytes()[..24]);
        Hex24(bytes)
    }

    fn as_text(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident($storage:ty), $kind:literal, $parameter:literal, $expected:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($storage);

        impl $name {
            /// Validates `value`.
            pub fn new(value: impl AsRef<str>) -> Result<Self, InvalidId> {
                let value = value.as_ref();
                if $check(value) {
                    Ok(Self(<$storage as Text>::from_checked(value)))
                } else {
                    Err(InvalidId {
                        kind: $kind,
                        parameter: $parameter,
                        value: value.to_string(),
                        expected: $expected,
                    })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                self.0.as_text()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
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
                Self::new(s)
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.as_str().to_string()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Checked;
                impl serde::de::Visitor<'_> for Checked {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a {}: {}", $kind, $expected)
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        $name::new(text).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Checked)
            }
        }
    };
}

validated_string!(
    /// The 24-hex-digit id of a Losant application.
    ApplicationId(Hex24), "application id", "applicationId", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// The 24-hex-digit id of a device.
    DeviceId(Hex24), "device id", "deviceId", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// The 24-hex-digit id of a device recipe.
    DeviceRecipeId(Hex24), "device recipe id", "deviceRecipeId", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// Any other 24-hex-digit Losant id (experience users and groups, …).
    ObjectId(Hex24), "object id", "id", "24 hexadecimal digits", is_object_id
);
validated_string!(
    /// A device attribute name (also used for tag keys): 1–255 characters
    /// from `0-9 a-z A-Z _ -`.
    AttributeName(SmolStr), "attribute name", "name", "1-255 characters from 0-9, a-z, A-Z, _ and -", is_attribute_name
);
validated_string!(
    /// A tag key: 1–255 characters from `0-9 a-z A-Z _ -`.
    TagKey(SmolStr), "tag key", "key", "1-255 characters from 0-9, a-z, A-Z, _ and -", is_attribute_name
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_text_inline_or_not() {
        for len in [0, 1, 22, 23, 24, 160, 255] {
            let text: String = "ab_-9Z".chars().cycle().take(len).collect();
            assert_eq!(name_text(&text), text.as_str(), "{len} bytes");
            assert_eq!(
                name_text(&text).is_heap_allocated(),
                len > 23,
                "{len} bytes"
            );
        }
    }

    #[test]
    fn the_checks_accept_exactly_the_allowed_bytes() {
        for byte in 0..=u8::MAX {
            let hex = byte.is_ascii_hexdigit();
            let name = byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-';
            let mut id = *b"575ecf887ae143cd83dc4aa2";
            for at in [0, 11, 23] {
                let saved = id[at];
                id[at] = byte;
                let text = String::from_utf8_lossy(&id);
                assert_eq!(is_object_id(&text), hex, "byte {byte:#04x} at {at}");
                id[at] = saved;
            }
            let single = String::from_utf8_lossy(&[byte]).into_owned();
            assert_eq!(is_attribute_name(&single), name, "byte {byte:#04x}");
            let inside = format!("ab{single}cd");
            assert_eq!(is_attribute_name(&inside), name, "byte {byte:#04x} inside");
        }
        assert!(!is_object_id("575ecf887ae143cd83dc4aa"));
        assert!(!is_object_id("575ecf887ae143cd83dc4aa21"));
        assert!(!is_attribute_name(""));
        assert!(is_attribute_name(&"a".repeat(255)));
        assert!(!is_attribute_name(&"a".repeat(256)));
    }
}
