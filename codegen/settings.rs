//! How progenitor is run: builder interface, mandatory hooks, and the spots
//! where hand-written types from `src/` take the place of generated ones.

use super::adapt::JSON_TEXT_EXTENSION;
use heck::ToPascalCase;
use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use schemars::schema::{InstanceType, SchemaObject, SingleOrVec};

/// Spec components replaced by hand-written types: validated ids and names
/// (so one cannot pass a device id where an application id belongs) and the
/// advanced query builder.
pub const REPLACEMENTS: &[(&str, &str, &[TypeImpl])] = &[
    ("ApplicationId", "crate::ids::ApplicationId", IDS),
    ("DeviceId", "crate::ids::DeviceId", IDS),
    ("DeviceRecipeId", "crate::ids::DeviceRecipeId", IDS),
    ("ObjectId", "crate::ids::ObjectId", IDS),
    ("AttributeName", "crate::ids::AttributeName", IDS),
    ("TagKey", "crate::ids::TagKey", IDS),
    ("AdvancedDeviceQuery", "crate::query::DeviceQuery", &[]),
    // Hand-written so that converting into it checks the states first.
    (
        "DeviceStateOrStates",
        "crate::state::DeviceStateOrStates",
        &[],
    ),
    // Hand-written so the access secret and the token never show in Debug.
    ("DeviceCredentials", "crate::auth::DeviceCredentials", &[]),
    ("AuthedDevice", "crate::auth::AuthedDevice", &[]),
    // Any JSON value, with the common scalars as their own variants.
    (
        "StateValue",
        "crate::state_value::StateValue",
        &[TypeImpl::Display],
    ),
];

/// The type of every `{type: string, format: date-time}`: it keeps Losant's
/// millisecond form when encoded again, which chrono's serde does not.
pub const TIMESTAMP_TYPE: &str = "crate::timestamp::Timestamp";

const IDS: &[TypeImpl] = &[TypeImpl::FromStr, TypeImpl::Display];

/// The request hook implementation and the client state it needs.
pub const INNER_TYPE: &str = "crate::transport::Transport";

pub fn generation_settings(spec: &openapiv3::OpenAPI) -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(INNER_TYPE.parse().unwrap_or_default())
        // Deterministic maps keep request bodies (state data) in a stable order.
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("PartialEq");
    for (name, replacement, impls) in REPLACEMENTS {
        settings.with_replacement(name, replacement, impls.iter().cloned());
    }
    settings.with_conversion(
        SchemaObject {
            instance_type: Some(SingleOrVec::Single(Box::new(InstanceType::String))),
            format: Some("date-time".into()),
            ..Default::default()
        },
        TIMESTAMP_TYPE,
        [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
    );
    for component in json_text_components(spec) {
        settings.with_conversion(
            json_text_marker(&component),
            format!("crate::wire::Json<{}>", rust_type_of(&component)),
            std::iter::empty(),
        );
    }
    settings
}

/// The Rust type the generated code uses for a component schema.
pub fn rust_type_of(component: &str) -> String {
    let generated = component.to_pascal_case();
    REPLACEMENTS
        .iter()
        .find(|(name, _, _)| *name == generated)
        .map(|(_, replacement, _)| replacement.to_string())
        .unwrap_or_else(|| format!("crate::types::{generated}"))
}

/// The schema adaptation 1 leaves on a query parameter carrying `component`.
fn json_text_marker(component: &str) -> SchemaObject {
    SchemaObject {
        instance_type: Some(SingleOrVec::Single(Box::new(InstanceType::String))),
        extensions: [(JSON_TEXT_EXTENSION.to_string(), component.into())]
            .into_iter()
            .collect(),
        ..Default::default()
    }
}

fn json_text_components(spec: &openapiv3::OpenAPI) -> std::collections::BTreeSet<String> {
    spec.operations()
        .flat_map(|(_, _, operation)| operation.parameters.iter())
        .filter_map(|parameter| parameter.as_item())
        .filter_map(|parameter| match parameter.parameter_data_ref().format {
            openapiv3::ParameterSchemaOrContent::Schema(openapiv3::ReferenceOr::Item(
                ref schema,
            )) => schema
                .schema_data
                .extensions
                .get(JSON_TEXT_EXTENSION)
                .cloned(),
            _ => None,
        })
        .filter_map(|value| value.as_str().map(str::to_string))
        .collect()
}
