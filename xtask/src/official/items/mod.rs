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
//!
//! [`operation`] finds the items of an operation (its route, parameters and
//! responses), [`schema`] those of a definition node by node, and [`kinds`]
//! names a one-fact item and explains it.

mod kinds;
mod operation;
mod schema;

use crate::fetch::sha256_hex;
use crate::official::facts::{Facts, Key, Place, Subject};
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
}
