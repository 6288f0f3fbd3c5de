//! Reading Losant's own API definition from a folder or a URL.
//!
//! Losant publishes it with its JavaScript client (`Losant/losant-rest-js`,
//! folder `lib/schemas/`): `apiInfo.json` (every resource with its `path`,
//! `params` and `actions`) and one JSON Schema per definition, `<name>.json`,
//! referred to as `#/definitions/<name>`. A copy cut down to some resources
//! may call its index `operations.json` and keep the definitions in a
//! `schemas/` folder beside it; both layouts are read. Only the definitions
//! the device family reaches are read: the full folder holds hundreds.

use crate::fetch;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The resources of the device family, plus `auth.authenticateDevice`.
pub const FAMILY: &[&str] = &[
    "device",
    "devices",
    "deviceAttribute",
    "deviceAttributes",
    "deviceRecipe",
    "deviceRecipes",
];
pub const EXTRA_ACTIONS: &[(&str, &str)] = &[("auth", "authenticateDevice")];

const INDEX_NAMES: [&str; 2] = ["apiInfo.json", "operations.json"];
/// Far more than the family uses (about 50); a guard against a runaway walk.
const MAX_DEFINITIONS: usize = 400;
const DEFINITION_PREFIX: &str = "#/definitions/";

pub struct Read {
    /// The index, cut down to the device family.
    pub resources: BTreeMap<String, Value>,
    pub definitions: BTreeMap<String, Value>,
    /// SHA-256 over the index and every definition read, in name order.
    pub sha256: String,
}

/// Reads the index and the definitions it reaches from `base` (a folder or
/// an http(s) URL of one).
pub fn read(base: &str, timeout: Duration) -> Result<Read, String> {
    let base = base.trim_end_matches('/');
    let mut digest_input = Vec::new();
    let (index_name, index_text) = INDEX_NAMES
        .iter()
        .find_map(|name| {
            fetch::read(&join(base, name), timeout)
                .ok()
                .map(|f| (*name, f.text))
        })
        .ok_or_else(|| {
            format!("{base} has neither apiInfo.json nor operations.json (is it Losant's lib/schemas/ folder?)")
        })?;
    let index: Value = serde_json::from_str(&index_text)
        .map_err(|e| format!("{}: not JSON: {e}", join(base, index_name)))?;
    let resources = family(&index).map_err(|e| format!("{}: {e}", join(base, index_name)))?;
    digest_input.extend_from_slice(index_text.as_bytes());

    let mut wanted: Vec<String> =
        references(&Value::Object(resources.clone().into_iter().collect()))
            .into_iter()
            .collect();
    let mut definitions = BTreeMap::new();
    let mut folder: Option<String> = None;
    while let Some(name) = wanted.pop() {
        if definitions.contains_key(&name) {
            continue;
        }
        if definitions.len() >= MAX_DEFINITIONS {
            return Err(format!(
                "{base}: more than {MAX_DEFINITIONS} definitions reached; refusing to read on"
            ));
        }
        let (text, found_in) = read_definition(base, &name, folder.as_deref(), timeout)?;
        folder = Some(found_in);
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("definition {name}: not JSON: {e}"))?;
        if !value.is_object() {
            return Err(format!("definition {name} is not a JSON Schema object"));
        }
        wanted.extend(references(&value));
        definitions.insert(name, (value, text));
    }
    for (name, (_, text)) in &definitions {
        digest_input.extend_from_slice(name.as_bytes());
        digest_input.extend_from_slice(text.as_bytes());
    }
    Ok(Read {
        resources,
        definitions: definitions.into_iter().map(|(k, (v, _))| (k, v)).collect(),
        sha256: fetch::sha256_hex(&digest_input),
    })
}

fn join(base: &str, name: &str) -> String {
    if fetch::is_url(base) {
        format!("{base}/{name}")
    } else {
        std::path::Path::new(base).join(name).display().to_string()
    }
}

/// A definition file, beside the index or in `schemas/`; once one is found,
/// the others are looked for in the same place.
fn read_definition(
    base: &str,
    name: &str,
    known: Option<&str>,
    timeout: Duration,
) -> Result<(String, String), String> {
    let places: Vec<String> = match known {
        Some(place) => vec![place.to_string()],
        None => vec![base.to_string(), join(base, "schemas")],
    };
    let mut last_error = String::new();
    for place in places {
        match fetch::read(&join(&place, &format!("{name}.json")), timeout) {
            Ok(fetched) => return Ok((fetched.text, place)),
            Err(e) => last_error = e,
        }
    }
    Err(format!(
        "the definition #/definitions/{name} is referred to but cannot be read: {last_error}"
    ))
}

/// The device family's resources of an `apiInfo.json`, every other one left
/// out; an action outside the family is kept only when listed in
/// [`EXTRA_ACTIONS`].
fn family(index: &Value) -> Result<BTreeMap<String, Value>, String> {
    let all = index.as_object().ok_or("not an object of resources")?;
    let mut kept = BTreeMap::new();
    for (name, resource) in all {
        // A resource Losant adds under a device name is read too, so that a
        // new part of the family shows as new operations instead of going
        // unseen; one that is not ours is decided once.
        let in_family = FAMILY.contains(&name.as_str()) || name.starts_with("device");
        let extra: BTreeSet<&str> = EXTRA_ACTIONS
            .iter()
            .filter(|(r, _)| r == name)
            .map(|(_, a)| *a)
            .collect();
        if !in_family && extra.is_empty() {
            continue;
        }
        let actions = resource
            .get("actions")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("resource {name} has no actions"))?;
        if resource.get("path").and_then(Value::as_str).is_none() {
            return Err(format!("resource {name} has no path"));
        }
        let mut resource = resource.clone();
        if !in_family {
            let chosen: serde_json::Map<String, Value> = actions
                .iter()
                .filter(|(a, _)| extra.contains(a.as_str()))
                .map(|(a, v)| (a.clone(), v.clone()))
                .collect();
            resource["actions"] = Value::Object(chosen);
        }
        kept.insert(name.clone(), resource);
    }
    if !FAMILY.iter().any(|f| kept.contains_key(*f)) {
        return Err("none of the device resources (device, devices, …) is in it".into());
    }
    Ok(kept)
}

/// Names of the definitions `value` refers to. A name must be a plain
/// identifier: it becomes part of a path or URL.
fn references(value: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect(value, &mut found);
    found
}

fn collect(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(DEFINITION_PREFIX))
                .filter(|n| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
            {
                found.insert(name.to_string());
            }
            map.values().for_each(|v| collect(v, found));
        }
        Value::Array(list) => list.iter().for_each(|v| collect(v, found)),
        _ => {}
    }
}
