//! The fields of an answer that this crate does not know yet.
//!
//! Every generated struct keeps them in its `extra` field, so that a value
//! decoded from Losant and sent back (an updated device, say) loses nothing
//! Losant added after this crate was built.
//!
//! They are kept as the raw JSON text of each value, in the order received:
//! one allocation per unknown field (its key, up to 23 bytes, is kept
//! inline), where a `serde_json::Map` of `Value`s costs a tree node of some
//! 600 bytes per object at every level. Most callers never look at them;
//! those who do parse the one they need.
//!
//! Decoding only appends, so an object with a great many unknown keys costs
//! linear time. A repeated key is kept as it came (and so re-encoded);
//! lookups see its last value, as JSON decoders usually do.

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use smol_str::SmolStr;
use std::fmt;

/// Fields of a JSON object that the generated type has no field for, each
/// with its value as raw JSON.
///
/// They encode back through `serde_json` (text or `Value`) exactly as they
/// came. Other serde formats see each value as `serde_json`'s raw-value
/// wrapper, not as a native value: to store a type in another format with
/// its unknown fields, go through `serde_json::Value` first.
///
/// ```
/// use losant_device::types;
///
/// let device: types::Device = serde_json::from_str(
///     r#"{"name": "pump", "orbit": {"altitudeKm": 550}}"#,
/// )?;
/// let orbit: serde_json::Value = device.extra.decode("orbit").transpose()?.unwrap_or_default();
/// assert_eq!(orbit["altitudeKm"], 550);
/// assert_eq!(
///     serde_json::to_string(&device)?,
///     r#"{"name":"pump","orbit":{"altitudeKm": 550}}"#,
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct UnknownFields(Vec<(SmolStr, Box<RawValue>)>);

impl UnknownFields {
    /// The raw JSON of the field `key` (its last value if it is repeated),
    /// if the object had it.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_ref())
    }

    /// The field `key` decoded as `T`: `None` when the object did not have
    /// it, an error when it is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<serde_json::Result<T>> {
        self.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// Sets the field `key` to `value` encoded as JSON, replacing every
    /// field of that name. Fails only when `value` cannot be encoded as JSON.
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> serde_json::Result<()> {
        let raw = serde_json::value::to_raw_value(value)?;
        let key = SmolStr::from(key.into());
        self.remove(&key);
        self.0.push((key, raw));
        Ok(())
    }

    /// Removes every field named `key`, returning its (last) raw JSON.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let last = self.0.iter().rposition(|(name, _)| name == key)?;
        let (_, removed) = self.0.remove(last);
        self.0.retain(|(name, _)| name != key);
        Some(removed)
    }

    /// The fields, in the order they were received or inserted; a repeated
    /// key as often as it came.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_ref()))
    }

    /// How many fields there are, a repeated key counted each time.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (the usual case).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a decoded field; the generated decoders add fields through
    /// this.
    pub(crate) fn push_raw(&mut self, key: SmolStr, value: Box<RawValue>) {
        self.0.push((key, value));
    }

    /// Each key with its last value.
    fn last_values(&self) -> std::collections::BTreeMap<&str, &RawValue> {
        self.iter().collect()
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, value)| (name, Json(value.get()))))
            .finish()
    }
}

/// Prints JSON text as it is, not as a quoted Rust string.
struct Json<'a>(&'a str);

impl fmt::Debug for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Equal when the same keys hold the same JSON values (their last ones),
/// whatever their order and spacing.
impl PartialEq for UnknownFields {
    fn eq(&self, other: &Self) -> bool {
        let same_text = self.0.len() == other.0.len()
            && (self.0.iter().zip(&other.0)).all(|((a, x), (b, y))| a == b && x.get() == y.get());
        if same_text {
            return true;
        }
        let (mine, theirs) = (self.last_values(), other.last_values());
        mine.len() == theirs.len()
            && mine.iter().all(|(key, value)| {
                theirs.get(key).is_some_and(|their| {
                    value.get() == their.get() || parsed(value) == parsed(their)
                })
            })
    }
}

fn parsed(raw: &RawValue) -> Option<serde_json::Value> {
    serde_json::from_str(raw.get()).ok()
}

impl Serialize for UnknownFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for UnknownFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = UnknownFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UnknownFields, A::Error> {
                let mut fields = UnknownFields::default();
                while let Some((key, value)) = map.next_entry::<SmolStr, Box<RawValue>>()? {
                    fields.push_raw(key, value);
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// For building a value with unknown fields from a JSON object.
impl TryFrom<serde_json::Map<String, serde_json::Value>> for UnknownFields {
    type Error = serde_json::Error;

    fn try_from(object: serde_json::Map<String, serde_json::Value>) -> serde_json::Result<Self> {
        let mut fields = UnknownFields::default();
        for (key, value) in object {
            fields.insert(key, &value)?;
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decoded(text: &str) -> UnknownFields {
        serde_json::from_str(text).expect("an object")
    }

    #[test]
    fn keeps_the_raw_text_and_the_order() {
        let fields = decoded(r#"{"b": [1, 2],"a":{"x" :null}}"#);
        assert_eq!(
            fields.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(fields.get("a").map(RawValue::get), Some(r#"{"x" :null}"#));
        assert_eq!(
            serde_json::to_string(&fields).expect("encodes"),
            r#"{"b":[1, 2],"a":{"x" :null}}"#
        );
    }

    #[test]
    fn a_repeated_key_is_read_as_its_last_value_and_kept_as_it_came() {
        let mut fields = decoded(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert_eq!(fields.len(), 3);
        assert_eq!(fields.decode::<i64>("a").and_then(Result::ok), Some(3));
        assert_eq!(
            serde_json::to_string(&fields).expect("encodes"),
            r#"{"a":1,"b":2,"a":3}"#
        );
        assert_eq!(fields, decoded(r#"{"b": 2, "a": 3}"#));
        assert_eq!(
            fields
                .remove("a")
                .map(|raw| raw.get().to_owned())
                .as_deref(),
            Some("3")
        );
        assert_eq!(fields.len(), 1);
    }

    #[test]
    fn equal_whatever_the_order_and_spacing() {
        assert_eq!(
            decoded(r#"{"a": {"x": 1}, "b": 2}"#),
            decoded(r#"{"b":2,"a":{"x":1}}"#)
        );
        assert_ne!(decoded(r#"{"a": 1}"#), decoded(r#"{"a": 2}"#));
        assert_ne!(decoded(r#"{"a": 1}"#), decoded(r#"{"a": 1, "b": 1}"#));
    }

    #[test]
    fn insert_replaces_and_remove_takes() {
        let mut fields = UnknownFields::default();
        fields.insert("a", &json!({"x": 1})).expect("encodes");
        fields.insert("a", "two").expect("encodes");
        assert_eq!(
            fields.decode::<String>("a").and_then(Result::ok).as_deref(),
            Some("two")
        );
        assert_eq!(
            fields
                .remove("a")
                .map(|raw| raw.get().to_owned())
                .as_deref(),
            Some("\"two\"")
        );
        assert!(fields.is_empty());
        assert!(fields.decode::<String>("a").is_none());
    }

    #[test]
    fn keys_short_and_long_are_kept_whole() {
        // 23 bytes is the longest key kept inline, 24 the shortest on the heap.
        let keys = [
            "k".repeat(23),
            "k".repeat(24),
            "ключ".repeat(40),
            "a\"b".into(),
        ];
        let entries: Vec<String> = keys.iter().map(|k| format!("{}:1", json!(k))).collect();
        let text = format!("{{{}}}", entries.join(","));
        let fields = decoded(&text);
        assert_eq!(fields.iter().map(|(k, _)| k).collect::<Vec<_>>(), keys);
        assert_eq!(serde_json::to_string(&fields).expect("encodes"), text);
    }

    #[test]
    fn debug_shows_the_json() {
        let fields = decoded(r#"{"a": {"x": "y"}}"#);
        assert_eq!(format!("{fields:?}"), r#"{"a": {"x": "y"}}"#);
    }

    #[test]
    fn a_wrong_type_is_an_error_not_a_none() {
        let fields = decoded(r#"{"a": "text"}"#);
        assert!(matches!(fields.decode::<i64>("a"), Some(Err(_))));
    }
}
