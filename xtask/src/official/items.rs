//! What a refresh finds, item by item, from three sets of facts: the
//! baseline (what our spec was reconciled against), Losant's definition now,
//! and our spec read the same way.
//!
//! *Drift* is what changed in Losant's definition since the baseline; each
//! drift item is then judged against our spec. A *difference* is where our
//! spec disagrees with Losant's definition on something the baseline did not
//! change: found when the baseline is first recorded, when Losant adds what
//! our spec already has (but differently), or when our spec was edited away
//! from a reconciled fact.

use crate::fetch::sha256_hex;
use crate::official::facts::{is_within, parent_path, Facts, Key, Place, Subject};
use crate::official::shape::scalar_text;
use crate::official::tolerance::agree;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessment {
    /// Our spec already agrees with Losant's definition.
    InSpec,
    /// Additive and optional: `--apply` can merge it.
    Safe,
    /// A person decides: fix our spec by hand, or decide with a reason.
    Decide,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub kind: String,
    pub drift: bool,
    pub subject: Subject,
    pub place: Place,
    /// For a single-fact item: which fact (`type`, `required`, …).
    pub fact: Option<String>,
    /// Drift: the baseline's value and Losant's value now.
    pub from: Option<Value>,
    pub to: Option<Value>,
    /// Differences: Losant's value and ours.
    pub official: Option<Value>,
    pub ours: Option<Value>,
    pub assessment: Assessment,
    pub note: String,
    /// Every fact the item covers → Losant's value (`None`: absent). This is
    /// what deciding it moves the baseline to.
    pub keys: BTreeMap<String, Option<Value>>,
}

type Cell = [Option<Value>; 3];
const BASE: usize = 0;
const THEIRS: usize = 1;
const OURS: usize = 2;

/// Subject → place → fact → [baseline, Losant, ours].
type Index = BTreeMap<Subject, BTreeMap<Place, BTreeMap<String, Cell>>>;

fn index(tables: [&Facts; 3]) -> Index {
    let mut index = Index::new();
    for (side, facts) in tables.iter().enumerate() {
        for (text, value) in facts.iter() {
            let Some(key) = Key::parse(text) else {
                continue;
            };
            index
                .entry(key.subject)
                .or_default()
                .entry(key.place)
                .or_default()
                .entry(key.fact)
                .or_insert_with(|| [None, None, None])[side] = Some(value.clone());
        }
    }
    index
}

pub fn find(baseline: &Facts, official: &Facts, ours: &Facts) -> Vec<Item> {
    let index = index([baseline, official, ours]);
    let mut finder = Finder { items: Vec::new() };
    for (subject, places) in &index {
        match subject {
            Subject::Meta => finder.meta(places),
            Subject::Operation(_) => finder.operation(subject, places),
            Subject::Schema(_) => finder.schema(subject, places),
        }
    }
    finder.items
}

type Places = BTreeMap<Place, BTreeMap<String, Cell>>;

fn present(facts: Option<&BTreeMap<String, Cell>>, side: usize) -> bool {
    facts.is_some_and(|f| f.values().any(|c| c[side].is_some()))
}

fn any_in(places: &Places, side: usize) -> bool {
    places
        .values()
        .any(|f| f.values().any(|c| c[side].is_some()))
}

fn node_present(places: &Places, path: &str, side: usize) -> bool {
    places
        .get(&Place::Node(path.into()))
        .and_then(|f| f.get("type"))
        .is_some_and(|c| c[side].is_some())
}

struct Finder {
    items: Vec<Item>,
}

struct Draft<'a> {
    kind: String,
    drift: bool,
    subject: &'a Subject,
    place: &'a Place,
    fact: Option<&'a str>,
    cells: Vec<(Key, &'a Cell)>,
    summary_value: Option<&'a Cell>,
    assessment: Assessment,
    note: String,
}

impl Finder {
    fn push(&mut self, draft: Draft) {
        let (from, to, official, ours) = match draft.summary_value {
            Some(cell) if draft.drift => (
                cell[BASE].clone(),
                cell[THEIRS].clone(),
                None,
                cell[OURS].clone(),
            ),
            Some(cell) => (None, None, cell[THEIRS].clone(), cell[OURS].clone()),
            None => (None, None, None, None),
        };
        // Our spec holds nothing about the definition's own format, so a
        // change to it always needs a person.
        let assessment = if draft.drift
            && *draft.subject != Subject::Meta
            && draft
                .cells
                .iter()
                .all(|(key, cell)| agree(key, cell[THEIRS].as_ref(), cell[OURS].as_ref()))
        {
            Assessment::InSpec
        } else {
            draft.assessment
        };
        let mut identity = format!(
            "{}\n{:?}\n{:?}\n{:?}\n",
            draft.kind, draft.subject, draft.place, draft.fact
        );
        for (key, cell) in &draft.cells {
            identity.push_str(&key.text());
            // Which of our values an "only in our spec" item has does not
            // make it another item: a decision to keep it stays valid.
            let sides: &[usize] = if draft.drift {
                &[BASE, THEIRS]
            } else if draft.kind.ends_with("-extra") {
                &[]
            } else {
                &[THEIRS, OURS]
            };
            for side in sides {
                identity.push_str(&format!("|{:?}", cell[*side]));
            }
            identity.push('\n');
        }
        let id = sha256_hex(identity.as_bytes())[..8].to_string();
        self.items.push(Item {
            id,
            kind: draft.kind.to_string(),
            drift: draft.drift,
            subject: draft.subject.clone(),
            place: draft.place.clone(),
            fact: draft.fact.map(str::to_string),
            from,
            to,
            official,
            ours,
            assessment,
            note: draft.note,
            keys: draft
                .cells
                .iter()
                .map(|(key, cell)| (key.text(), cell[THEIRS].clone()))
                .collect(),
        });
    }

    fn meta(&mut self, places: &Places) {
        for (place, facts) in places {
            for (fact, cell) in facts {
                // A first baseline records the dialect; only a change of it
                // needs a person.
                if cell[BASE].is_some() && cell[BASE] != cell[THEIRS] {
                    let subject = Subject::Meta;
                    self.push(Draft {
                        kind: "dialect-changed".into(),
                        drift: true,
                        subject: &subject,
                        place,
                        fact: Some(fact),
                        cells: vec![(Key::new(Subject::Meta, place.clone(), fact.clone()), cell)],
                        summary_value: Some(cell),
                        assessment: Assessment::Decide,
                        note: "the definitions now declare another JSON Schema dialect: check that they are still read right (keywords may have changed meaning), then decide".into(),
                    });
                }
            }
        }
    }

    fn operation(&mut self, subject: &Subject, places: &Places) {
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

    fn schema(&mut self, subject: &Subject, places: &Places) {
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

/// The kind of a one-fact item, and whether `--apply` may make it.
fn fact_kind(noun: &str, fact: &str, cell: &Cell, drift: bool) -> (String, Assessment) {
    let theirs = cell[THEIRS].is_some();
    if fact.starts_with("enum ") {
        return match (drift, theirs) {
            (true, true) => ("enum-value-added".into(), Assessment::Safe),
            (true, false) => ("enum-value-removed".into(), Assessment::Decide),
            (false, true) => ("enum-value-missing".into(), Assessment::Safe),
            (false, false) => ("enum-value-extra".into(), Assessment::Decide),
        };
    }
    if !drift {
        return (format!("{noun}-differs"), Assessment::Decide);
    }
    let set = cell[THEIRS] == Some(Value::Bool(true));
    let kind = match (noun, fact) {
        ("parameter", "type" | "schema") => "parameter-retyped".to_string(),
        ("parameter", "required") if set => "parameter-required".into(),
        ("parameter", "required") => "parameter-optional".into(),
        ("parameter", "default") => "parameter-default-changed".into(),
        ("response", _) => "response-retyped".into(),
        ("property", "required") if set => "property-required".into(),
        ("property", "required") => "property-optional".into(),
        ("property", "nullable") if set => "property-nullable".into(),
        ("property", "nullable") => "property-not-nullable".into(),
        (noun, fact) => format!("{noun}-{fact}-changed"),
    };
    (kind, Assessment::Decide)
}

fn shown(value: Option<&Value>) -> String {
    value.map(scalar_text).unwrap_or_else(|| "nothing".into())
}

fn fact_note(fact: &str, cell: &Cell) -> String {
    if fact.starts_with("enum ") {
        return match (&cell[THEIRS], &cell[OURS]) {
            (Some(_), _) => "our spec does not list it: `--apply` adds it".into(),
            (None, Some(_)) => "our spec still lists it: remove it if Losant really dropped it, or decide to keep it".into(),
            _ => "our spec does not list it either".into(),
        };
    }
    format!(
        "{fact}: Losant {}, our spec {}",
        shown(cell[THEIRS].as_ref()),
        shown(cell[OURS].as_ref())
    )
}
