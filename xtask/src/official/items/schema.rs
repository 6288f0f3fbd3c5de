//! The items of a definition: the definition as a whole, then node by node
//! (a property, an array's items, a map's values) from the root down.

use super::kinds::{fact_kind, fact_note, shown};
use super::{any_in, node_present, Assessment, Cell, Draft, Finder, Places, BASE, OURS, THEIRS};
use crate::official::facts::{is_within, parent_path, Key, Place, Subject};
use crate::official::tolerance::agree;

impl Finder {
    pub(super) fn schema(&mut self, subject: &Subject, places: &Places) {
        let (in_base, in_theirs, in_ours) = (
            any_in(places, BASE),
            any_in(places, THEIRS),
            any_in(places, OURS),
        );
        let cells = |sides: &[usize]| subtree(subject, places, "", sides);
        let root_place = Place::Node(String::new());
        let root = places.get(&root_place).and_then(|f| f.get("type"));
        let draft = |kind: &str, drift, cells, note: &str| Draft {
            kind: kind.to_string(),
            drift,
            subject,
            place: &root_place,
            fact: None,
            cells,
            summary_value: root,
            assessment: Assessment::Decide,
            note: note.to_string(),
        };
        match (in_base, in_theirs, in_ours) {
            (false, true, false) => self.push(draft(
                "definition-added",
                true,
                cells(&[THEIRS]),
                "not in our spec: add it by hand as a component, with the operation that uses it",
            )),
            (true, false, _) => {
                let note = if in_ours {
                    "our spec still has it: check whether Losant really dropped it"
                } else {
                    "not in our spec either"
                };
                self.push(draft(
                    "definition-removed",
                    true,
                    cells(&[BASE, OURS]),
                    note,
                ))
            }
            (true, true, false) => self.push(draft(
                "definition-missing",
                false,
                cells(&[THEIRS]),
                "Losant's definition has it and our spec has no component for it",
            )),
            _ => self.node(subject, places, "", in_base),
        }
    }

    fn node(&mut self, subject: &Subject, places: &Places, path: &str, parent_in_base: bool) {
        let (nb, nt, no) = (
            node_present(places, path, BASE),
            node_present(places, path, THEIRS),
            node_present(places, path, OURS),
        );
        let place = Place::Node(path.to_string());
        let facts = places.get(&place);
        let headline = facts.and_then(|f| f.get("type"));
        let is_property = !path.is_empty() && !path.ends_with("[]") && !path.ends_with("{*}");
        let required = facts
            .and_then(|f| f.get("required"))
            .is_some_and(|c| c[THEIRS].is_some());
        let addable = if is_property && !required {
            Assessment::Safe
        } else {
            Assessment::Decide
        };
        let add_note = if required {
            "new and required: callers that do not send it break, so add it by hand (never merged as optional)"
        } else if is_property {
            "optional: `--apply` adds it"
        } else {
            "an item or map schema: add it by hand"
        };
        let whole = |kind: &str, drift, sides: &[usize], assessment, note: &str| Draft {
            kind: kind.to_string(),
            drift,
            subject,
            place: &place,
            fact: None,
            cells: subtree(subject, places, path, sides),
            summary_value: headline,
            assessment,
            note: note.to_string(),
        };
        match (nb, nt, no) {
            (false, true, false) | (true, true, false) => {
                let (kind, drift) = if !nb && parent_in_base {
                    ("property-added", true)
                } else {
                    ("property-missing", false)
                };
                return self.push(whole(kind, drift, &[THEIRS], addable, add_note));
            }
            (true, false, _) => {
                let note = if no {
                    "our spec still has it: remove it if Losant really dropped it, or decide to keep it"
                } else {
                    "not in our spec either"
                };
                return self.push(whole(
                    "property-removed",
                    true,
                    &[BASE, OURS],
                    Assessment::Decide,
                    note,
                ));
            }
            (false, false, true) => {
                return self.push(whole(
                    "property-extra",
                    false,
                    &[OURS],
                    Assessment::Decide,
                    "only our spec has it: remove it, or decide to keep it",
                ));
            }
            (false, false, false) => return,
            _ => {}
        }
        if let Some(cell) = headline.filter(|c| nb && c[BASE] != c[THEIRS]) {
            let note = format!("our spec: {}", shown(cell[OURS].as_ref()));
            return self.push(Draft {
                fact: Some("type"),
                ..whole(
                    "property-retyped",
                    true,
                    &[BASE, THEIRS, OURS],
                    Assessment::Decide,
                    &note,
                )
            });
        }
        for (fact, cell) in facts.into_iter().flatten() {
            let key = Key::new(subject.clone(), place.clone(), fact.clone());
            let changed = nb && cell[BASE] != cell[THEIRS];
            if !changed && agree(&key, cell[THEIRS].as_ref(), cell[OURS].as_ref()) {
                continue;
            }
            let (kind, assessment) = fact_kind("property", fact, cell, changed);
            self.push(Draft {
                kind,
                drift: changed,
                subject,
                place: &place,
                fact: Some(fact),
                cells: vec![(key, cell)],
                summary_value: Some(cell),
                assessment,
                note: fact_note(fact, cell),
            });
        }
        let children: Vec<String> = places
            .keys()
            .filter_map(|p| match p {
                Place::Node(child) if parent_path(child).as_deref() == Some(path) => {
                    Some(child.clone())
                }
                _ => None,
            })
            .collect();
        for child in children {
            self.node(subject, places, &child, nb);
        }
    }
}

fn subtree<'a>(
    subject: &Subject,
    places: &'a Places,
    path: &str,
    sides: &[usize],
) -> Vec<(Key, &'a Cell)> {
    places
        .iter()
        .filter(|(place, _)| matches!(place, Place::Node(p) if is_within(p, path)))
        .flat_map(|(place, facts)| facts.iter().map(move |(fact, cell)| (place, fact, cell)))
        .filter(|(_, _, cell)| sides.iter().any(|s| cell[*s].is_some()))
        .map(|(place, fact, cell)| (Key::new(subject.clone(), place.clone(), fact.clone()), cell))
        .collect()
}
