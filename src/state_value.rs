//! One attribute value of a state report.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// One attribute value in a state report or a composite state.
///
/// Losant stores whatever JSON a device reports, so every JSON value
/// decodes: the common scalars get their own variant, `null` is
/// [`StateValue::Null`], and objects, arrays and integers beyond `i64` are
/// kept as [`StateValue::Json`]. Each encodes back exactly as it was read.
///
/// ```
/// use losant_device::types::StateValue;
/// let values: Vec<StateValue> = serde_json::from_str(r#"[3, 21.5, "on", true, null, {"mode":"eco"}]"#)?;
/// assert_eq!(values[0], StateValue::Int64(3));
/// assert_eq!(values[1].as_f64(), Some(21.5));
/// assert_eq!(values[5], StateValue::Json(serde_json::json!({"mode": "eco"})));
/// assert_eq!(serde_json::to_string(&values)?, r#"[3,21.5,"on",true,null,{"mode":"eco"}]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StateValue {
    /// A whole number.
    Int64(i64),
    /// A number with a fraction (or one too large for `i64`, as `f64`).
    Number(f64),
    /// Text (also `gps` "lat,lng" and base64 `blob` values).
    String(String),
    /// A boolean.
    Boolean(bool),
    /// JSON `null`.
    Null,
    /// An object, an array, or an integer above `i64::MAX`, kept as sent.
    Json(Value),
}

impl StateValue {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            StateValue::Int64(number) => Some(*number as f64),
            StateValue::Number(number) => Some(*number),
            StateValue::Json(value) => value.as_f64(),
            _ => None,
        }
    }

    /// The value as text, if it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            StateValue::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value as a boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            StateValue::Boolean(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            StateValue::Int64(number) => Value::from(*number),
            StateValue::Number(number) => Value::from(*number),
            StateValue::String(text) => Value::from(text.as_str()),
            StateValue::Boolean(flag) => Value::from(*flag),
            StateValue::Null => Value::Null,
            StateValue::Json(value) => value.clone(),
        }
    }
}

impl fmt::Display for StateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateValue::Int64(number) => number.fmt(f),
            StateValue::Number(number) => number.fmt(f),
            StateValue::String(text) => f.write_str(text),
            StateValue::Boolean(flag) => flag.fmt(f),
            StateValue::Null => f.write_str("null"),
            StateValue::Json(value) => value.fmt(f),
        }
    }
}

macro_rules! from_integer {
    ($($integer:ty),*) => {$(
        impl From<$integer> for StateValue {
            fn from(number: $integer) -> Self {
                StateValue::Int64(number.into())
            }
        }
    )*};
}

from_integer!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for StateValue {
    fn from(number: u64) -> Self {
        i64::try_from(number)
            .map(StateValue::Int64)
            .unwrap_or_else(|_| StateValue::Json(Value::from(number)))
    }
}

impl From<f64> for StateValue {
    fn from(number: f64) -> Self {
        StateValue::Number(number)
    }
}

impl From<f32> for StateValue {
    fn from(number: f32) -> Self {
        StateValue::Number(number.into())
    }
}

impl From<bool> for StateValue {
    fn from(flag: bool) -> Self {
        StateValue::Boolean(flag)
    }
}

impl From<&str> for StateValue {
    fn from(text: &str) -> Self {
        StateValue::String(text.to_string())
    }
}

impl From<String> for StateValue {
    fn from(text: String) -> Self {
        StateValue::String(text)
    }
}

impl<T: Into<StateValue>> From<Option<T>> for StateValue {
    /// `None` becomes `null`.
    fn from(value: Option<T>) -> Self {
        value.map_or(StateValue::Null, Into::into)
    }
}

impl From<Value> for StateValue {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => StateValue::Null,
            Value::Bool(flag) => StateValue::Boolean(flag),
            Value::String(text) => StateValue::String(text),
            Value::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
                (Some(whole), _, _) => StateValue::Int64(whole),
                (None, Some(_), _) => StateValue::Json(Value::Number(number)),
                (None, None, Some(fraction)) => StateValue::Number(fraction),
                (None, None, None) => StateValue::Json(Value::Number(number)),
            },
            other => StateValue::Json(other),
        }
    }
}

impl Serialize for StateValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StateValue::Int64(number) => serializer.serialize_i64(*number),
            StateValue::Number(number) => serializer.serialize_f64(*number),
            StateValue::String(text) => serializer.serialize_str(text),
            StateValue::Boolean(flag) => serializer.serialize_bool(*flag),
            StateValue::Null => serializer.serialize_unit(),
            StateValue::Json(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for StateValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyValue)
    }
}

/// Decodes scalars straight into their variant; only structured values go
/// through `serde_json::Value`.
struct AnyValue;

impl<'de> Visitor<'de> for AnyValue {
    type Value = StateValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<StateValue, E> {
        Ok(StateValue::Boolean(flag))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<StateValue, E> {
        Ok(StateValue::Int64(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<StateValue, E> {
        Ok(StateValue::from(number))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<StateValue, E> {
        Ok(StateValue::Number(number))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<StateValue, E> {
        Ok(StateValue::String(text.to_string()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<StateValue, E> {
        Ok(StateValue::String(text))
    }

    fn visit_unit<E: de::Error>(self) -> Result<StateValue, E> {
        Ok(StateValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<StateValue, E> {
        Ok(StateValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<StateValue, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StateValue, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(StateValue::Json)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StateValue, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(StateValue::Json)
    }
}
