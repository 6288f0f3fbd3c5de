//! Inline copies of a definition read back as references to it.

use super::Shape;
use std::collections::BTreeMap;

/// Replaces every inline copy of a definition inside the others by a
/// reference to it. Losant's files have every `$ref` expanded; reading them
/// back as references means a change to, say, the advanced query is one
/// change, not one per place that embeds it. When two definitions are
/// identical the first by name is the one referred to.
pub fn fold_copies(definitions: &mut BTreeMap<String, Shape>) {
    let mut index: BTreeMap<String, String> = BTreeMap::new();
    for (name, shape) in definitions.iter() {
        index
            .entry(shape.canonical(false))
            .or_insert_with(|| name.clone());
    }
    for (name, shape) in definitions.iter_mut() {
        for child in shape.properties.values_mut() {
            fold(child, &index, name);
        }
        for child in shape.items.iter_mut().chain(shape.values.iter_mut()) {
            fold(child, &index, name);
        }
    }
}

fn fold(node: &mut Shape, index: &BTreeMap<String, String>, owner: &str) {
    if node.reference.is_some() {
        return;
    }
    if let Some(name) = index.get(&node.canonical(false)) {
        if name != owner {
            *node = Shape {
                reference: Some(name.clone()),
                nullable: node.nullable,
                ..Shape::default()
            };
            return;
        }
    }
    for child in node.properties.values_mut() {
        fold(child, index, owner);
    }
    for child in node.items.iter_mut().chain(node.values.iter_mut()) {
        fold(child, index, owner);
    }
}
