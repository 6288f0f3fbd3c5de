//! The items of an operation: the operation as a whole, its route, and each
//! parameter and response.

use super::kinds::{fact_kind, fact_note};
use super::{any_in, present, Assessment, Cell, Draft, Finder, Places, BASE, OURS, THEIRS};
use crate::official::facts::{Key, Place, Subject};
use crate::official::tolerance::agree;
use serde_json::Value;
use std::collections::BTreeMap;

impl Finder {
    pub(super) fn operation(&mut self, subject: &Subject, places: &Places) {
        let all = |sides: &[usize]| -> Vec<(Key, &Cell)> {
            places
                .iter()
                .flat_map(|(place, facts)| {
                    facts.iter().map(move |(fact, cell)| (place, fact, cell))
                })
                .filter(|(_, _, cell)| sides.iter().any(|s| cell[*s].is_some()))
                .map(|(place, fact, cell)| {
                    (Key::new(subject.clone(), place.clone(), fact.clone()), cell)
                })
                .collect()
        };
        let whole = places.get(&Place::Whole);
        let route = whole
            .and_then(|w| w.get("method"))
            .zip(whole.and_then(|w| w.get("path")));
        let (in_base, in_theirs, in_ours) = (
            any_in(places, BASE),
            any_in(places, THEIRS),
            any_in(places, OURS),
        );
        let summary = route.map(|(m, _)| m);
        let draft = |kind: &str, drift, cells, assessment, note: &str| Draft {
            kind: kind.to_string(),
            drift,
            subject,
            place: &Place::Whole,
            fact: None,
            cells,
            summary_value: summary,
            assessment,
            note: note.to_string(),
        };
        match (in_base, in_theirs, in_ours) {
            (false, true, false) => {
                return self.push(draft("operation-added", true, all(&[THEIRS]), Assessment::Decide,
                    "not in our spec: add it by hand (an operationId, `x-losant-action`, parameters, body and responses, reusing our components)"))
            }
            (true, false, _) => {
                let note = if in_ours { "our spec still has it: remove it if Losant really dropped it, or decide to keep it" } else { "not in our spec either" };
                return self.push(draft("operation-removed", true, all(&[BASE, OURS]), Assessment::Decide, note));
            }
            (false, false, true) => {
                return self.push(draft("operation-extra", false, all(&[OURS]), Assessment::Decide,
                    "our spec names this `x-losant-action`, which Losant's definition does not have"))
            }
            (true, true, false) => {
                return self.push(draft("operation-missing", false, all(&[THEIRS]), Assessment::Decide,
                    "Losant's definition has it and our spec no longer does"))
            }
            _ => {}
        }
        if let Some(whole) = whole {
            let cells: Vec<(Key, &Cell)> = whole
                .iter()
                .map(|(fact, cell)| (Key::new(subject.clone(), Place::Whole, fact.clone()), cell))
                .collect();
            let moved = in_base && cells.iter().any(|(_, c)| c[BASE] != c[THEIRS]);
            let differs = cells
                .iter()
                .any(|(k, c)| !agree(k, c[THEIRS].as_ref(), c[OURS].as_ref()));
            if moved || differs {
                let note =
                    "our operation's method or path differs from Losant's: check the real URL";
                self.push(Draft {
                    kind: if moved {
                        "operation-moved"
                    } else {
                        "operation-differs"
                    }
                    .into(),
                    drift: moved,
                    subject,
                    place: &Place::Whole,
                    fact: None,
                    cells,
                    summary_value: whole.get("path"),
                    assessment: Assessment::Decide,
                    note: note.into(),
                });
            }
        }
        for (place, facts) in places {
            if *place != Place::Whole {
                self.entity(subject, place, facts, in_base);
            }
        }
    }

    /// A parameter or a response of an operation.
    fn entity(
        &mut self,
        subject: &Subject,
        place: &Place,
        facts: &BTreeMap<String, Cell>,
        parent_in_base: bool,
    ) {
        let noun = match place {
            Place::Parameter(_) => "parameter",
            _ => "response",
        };
        let cells = |sides: &[usize]| -> Vec<(Key, &Cell)> {
            facts
                .iter()
                .filter(|(_, c)| sides.iter().any(|s| c[*s].is_some()))
                .map(|(fact, cell)| (Key::new(subject.clone(), place.clone(), fact.clone()), cell))
                .collect()
        };
        let (pb, pt, po) = (
            present(Some(facts), BASE),
            present(Some(facts), THEIRS),
            present(Some(facts), OURS),
        );
        let headline = facts.get("type").or_else(|| facts.get("schema"));
        let optional = matches!(place, Place::Parameter(p) if p.starts_with("query.") || p.starts_with("header."))
            && facts.get("required").and_then(|c| c[THEIRS].as_ref()) == Some(&Value::Bool(false));
        let addable = if optional {
            Assessment::Safe
        } else {
            Assessment::Decide
        };
        let why_not = match (noun, optional) {
            ("response", _) => "a new status changes what the generated operation returns: add it by hand",
            (_, false) => "required, or not a query or header parameter: callers must change, so add it by hand",
            _ => "optional: `--apply` adds it",
        };
        let whole = |kind: String, drift, cells, assessment, note: &str| Draft {
            kind,
            drift,
            subject,
            place,
            fact: None,
            cells,
            summary_value: headline,
            assessment,
            note: note.to_string(),
        };
        match (pb, pt, po) {
            (false, true, false) | (true, true, false) => {
                let (kind, drift) = if !pb && parent_in_base {
                    ("added", true)
                } else {
                    ("missing", false)
                };
                return self.push(whole(
                    format!("{noun}-{kind}"),
                    drift,
                    cells(&[THEIRS]),
                    addable,
                    why_not,
                ));
            }
            (true, false, _) => {
                let note = if po {
                    "our spec still has it: remove it if Losant really dropped it, or decide to keep it"
                } else {
                    "not in our spec either"
                };
                return self.push(whole(
                    format!("{noun}-removed"),
                    true,
                    cells(&[BASE, OURS]),
                    Assessment::Decide,
                    note,
                ));
            }
            (false, false, true) => {
                return self.push(whole(
                    format!("{noun}-extra"),
                    false,
                    cells(&[OURS]),
                    Assessment::Decide,
                    "only our spec has it: remove it, or decide to keep it",
                ));
            }
            _ => {}
        }
        for (fact, cell) in facts {
            let key = Key::new(subject.clone(), place.clone(), fact.clone());
            let changed = pb && cell[BASE] != cell[THEIRS];
            if !changed && agree(&key, cell[THEIRS].as_ref(), cell[OURS].as_ref()) {
                continue;
            }
            let (kind, assessment) = fact_kind(noun, fact, cell, changed);
            self.push(Draft {
                kind,
                drift: changed,
                subject,
                place,
                fact: Some(fact),
                cells: vec![(key, cell)],
                summary_value: Some(cell),
                assessment,
                note: fact_note(fact, cell),
            });
        }
    }
}
