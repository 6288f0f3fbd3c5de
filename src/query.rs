//! Losant's advanced device query, built with types instead of JSON.
//!
//! ```
//! use losant_device::query::DeviceQuery;
//! let query = DeviceQuery::and([
//!     DeviceQuery::name().starts_with("pump").case_insensitive().into(),
//!     DeviceQuery::device_class().is_in(["gateway", "peripheral"]).into(),
//!     DeviceQuery::tag("floor", "8"),
//! ]);
//! assert_eq!(
//!     serde_json::to_string(&query).unwrap(),
//!     r#"{"$and":[{"name":{"$ci":true,"$startsWith":"pump"}},{"deviceClass":{"$in":["gateway","peripheral"]}},{"tags":{"$tagKey":"floor","$tagValue":"8"}}]}"#
//! );
//! ```
//!
//! The same value is accepted wherever Losant takes a query: the `query`
//! parameter of list, composite state, tag keys/values, attribute and device
//! names (sent as compact JSON text), and the bodies of the bulk update,
//! delete, restore, data removal, export, payload count and command calls.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An advanced device query: a JSON object Losant evaluates per device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceQuery(Map<String, Value>);

/// A device field a query can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The device id.
    Id,
    /// The device name.
    Name,
    /// `standalone`, `gateway`, `peripheral`, …
    DeviceClass,
    /// When the device was created.
    CreationDate,
    /// When the device was last changed.
    LastUpdated,
    /// When the device was deleted (with `queryDeleted`).
    DeletedAt,
    /// The gateway of a peripheral.
    GatewayId,
    /// The parent system.
    ParentId,
    /// Any ancestor system.
    AncestorId,
    /// The name of one of the device's attributes.
    AttributeName,
    /// `connected` or `disconnected`.
    ConnectionStatus,
    /// When the device last connected.
    ConnectedAt,
    /// When the device last disconnected.
    DisconnectedAt,
    /// An experience user with access to the device.
    ExperienceUserId,
    /// An experience group with access to the device.
    ExperienceGroupId,
}

impl Field {
    /// The field's name in Losant's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::DeviceClass => "deviceClass",
            Field::CreationDate => "creationDate",
            Field::LastUpdated => "lastUpdated",
            Field::DeletedAt => "deletedAt",
            Field::GatewayId => "gatewayId",
            Field::ParentId => "parentId",
            Field::AncestorId => "ancestorId",
            Field::AttributeName => "attributeName",
            Field::ConnectionStatus => "connectionStatus",
            Field::ConnectedAt => "connectedAt",
            Field::DisconnectedAt => "disconnectedAt",
            Field::ExperienceUserId => "experienceUserId",
            Field::ExperienceGroupId => "experienceGroupId",
        }
    }
}

/// Operators applied to one field; several may be combined (e.g. a range).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Condition {
    field: Field,
    operators: Map<String, Value>,
}

macro_rules! operators {
    ($($(#[$doc:meta])* $name:ident => $op:literal),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(self, value: impl Into<Value>) -> Self {
            self.with($op, value.into())
        }
    )*};
}

macro_rules! text_operators {
    ($($(#[$doc:meta])* $name:ident => $op:literal),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(self, text: impl Into<String>) -> Self {
            self.with($op, Value::String(text.into()))
        }
    )*};
}

impl Condition {
    fn with(mut self, operator: &str, value: Value) -> Self {
        self.operators.insert(operator.to_string(), value);
        self
    }

    operators! {
        /// Equal to (`$eq`); `Value::Null` tests for absence.
        eq => "$eq",
        /// Not equal to (`$ne`).
        ne => "$ne",
        /// Greater than (`$gt`).
        gt => "$gt",
        /// Less than (`$lt`).
        lt => "$lt",
        /// Greater than or equal to (`$gte`).
        gte => "$gte",
        /// Less than or equal to (`$lte`).
        lte => "$lte",
    }

    text_operators! {
        /// Starts with (`$startsWith`).
        starts_with => "$startsWith",
        /// Ends with (`$endsWith`).
        ends_with => "$endsWith",
        /// Contains (`$contains`).
        contains => "$contains",
    }

    /// One of (`$in`, at most 100 values).
    pub fn is_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Self {
        self.with(
            "$in",
            Value::Array(values.into_iter().map(Into::into).collect()),
        )
    }

    /// None of (`$nin`, at most 100 values).
    pub fn not_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Self {
        self.with(
            "$nin",
            Value::Array(values.into_iter().map(Into::into).collect()),
        )
    }

    /// Compares text without regard to case (`$ci`).
    pub fn case_insensitive(self) -> Self {
        self.with("$ci", Value::Bool(true))
    }
}

impl From<Condition> for DeviceQuery {
    fn from(condition: Condition) -> Self {
        let mut query = Map::new();
        query.insert(
            condition.field.as_str().to_string(),
            Value::Object(condition.operators),
        );
        DeviceQuery(query)
    }
}

/// How one tag key or value is matched.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TagMatch {
    /// Exactly this text.
    Is(String),
    /// Any of these (`$in`).
    In(Vec<String>),
    /// None of these (`$nin`).
    NotIn(Vec<String>),
    /// No value (JSON `null`).
    Null,
}

impl From<&str> for TagMatch {
    fn from(text: &str) -> Self {
        TagMatch::Is(text.to_string())
    }
}

impl From<String> for TagMatch {
    fn from(text: String) -> Self {
        TagMatch::Is(text)
    }
}

impl From<TagMatch> for Value {
    fn from(matcher: TagMatch) -> Self {
        let set = |op: &str, values: Vec<String>| {
            let mut map = Map::new();
            map.insert(op.to_string(), values.into());
            Value::Object(map)
        };
        match matcher {
            TagMatch::Is(text) => Value::String(text),
            TagMatch::In(values) => set("$in", values),
            TagMatch::NotIn(values) => set("$nin", values),
            TagMatch::Null => Value::Null,
        }
    }
}

macro_rules! fields {
    ($($(#[$doc:meta])* $name:ident => $field:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name() -> Condition {
            Self::field(Field::$field)
        }
    )*};
}

impl DeviceQuery {
    /// Conditions on `field`; add operators to the returned value.
    pub fn field(field: Field) -> Condition {
        Condition {
            field,
            operators: Map::new(),
        }
    }

    fields! {
        /// Conditions on the device id.
        id => Id,
        /// Conditions on the device name.
        name => Name,
        /// Conditions on the device class.
        device_class => DeviceClass,
        /// Conditions on the creation date.
        creation_date => CreationDate,
        /// Conditions on the last update date.
        last_updated => LastUpdated,
        /// Conditions on the deletion date.
        deleted_at => DeletedAt,
        /// Conditions on the gateway id.
        gateway_id => GatewayId,
        /// Conditions on the parent system id.
        parent_id => ParentId,
        /// Conditions on any ancestor system id.
        ancestor_id => AncestorId,
        /// Conditions on attribute names.
        attribute_name => AttributeName,
        /// Conditions on the connection status.
        connection_status => ConnectionStatus,
        /// Conditions on the last connection time.
        connected_at => ConnectedAt,
        /// Conditions on the last disconnection time.
        disconnected_at => DisconnectedAt,
        /// Conditions on experience users.
        experience_user_id => ExperienceUserId,
        /// Conditions on experience groups.
        experience_group_id => ExperienceGroupId,
    }

    /// `field` equals `value` (the short form `{"field": value}`).
    pub fn is(field: Field, value: impl Into<Value>) -> Self {
        let mut query = Map::new();
        query.insert(field.as_str().to_string(), value.into());
        DeviceQuery(query)
    }

    /// Every part matches (`$and`).
    pub fn and(parts: impl IntoIterator<Item = DeviceQuery>) -> Self {
        Self::combine("$and", parts)
    }

    /// At least one part matches (`$or`).
    pub fn or(parts: impl IntoIterator<Item = DeviceQuery>) -> Self {
        Self::combine("$or", parts)
    }

    /// No part matches (`$nor`).
    pub fn nor(parts: impl IntoIterator<Item = DeviceQuery>) -> Self {
        Self::combine("$nor", parts)
    }

    fn combine(operator: &str, parts: impl IntoIterator<Item = DeviceQuery>) -> Self {
        let parts = parts
            .into_iter()
            .map(|part| Value::Object(part.0))
            .collect();
        let mut query = Map::new();
        query.insert(operator.to_string(), Value::Array(parts));
        DeviceQuery(query)
    }

    /// Has a tag `key` with `value` (`$tagKey`/`$tagValue`).
    pub fn tag(key: impl Into<TagMatch>, value: impl Into<TagMatch>) -> Self {
        Self::tags([("$tagKey", key.into()), ("$tagValue", value.into())])
    }

    /// Has a tag whose key matches.
    pub fn tag_key(key: impl Into<TagMatch>) -> Self {
        Self::tags([("$tagKey", key.into())])
    }

    /// Has a tag whose value matches.
    pub fn tag_value(value: impl Into<TagMatch>) -> Self {
        Self::tags([("$tagValue", value.into())])
    }

    /// Tag `key`'s value matches, for each pair (`{"tags": {key: matcher}}`).
    pub fn tag_values<K: Into<String>>(pairs: impl IntoIterator<Item = (K, TagMatch)>) -> Self {
        let map = pairs
            .into_iter()
            .map(|(key, matcher)| (key.into(), Value::from(matcher)))
            .collect();
        let mut query = Map::new();
        query.insert("tags".to_string(), Value::Object(map));
        DeviceQuery(query)
    }

    fn tags<const N: usize>(pairs: [(&str, TagMatch); N]) -> Self {
        Self::tag_values(pairs)
    }

    /// A query written as raw JSON, for anything the builder lacks. Losant
    /// validates it.
    pub fn raw(query: Map<String, Value>) -> Self {
        Self(query)
    }

    /// A raw query from a JSON value, which must be an object.
    pub fn from_json(query: Value) -> Result<Self, crate::Error> {
        match query {
            Value::Object(map) => Ok(Self(map)),
            other => Err(crate::Error::invalid_input(
                "query",
                format!("an advanced query must be a JSON object, got {other}"),
            )),
        }
    }

    /// The query as a JSON object.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.0
    }
}
