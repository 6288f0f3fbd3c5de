//! `cargo xtask spec baseline --official` and `spec refresh --official`.

use crate::official::facts::Facts;
use crate::official::items::{self, Assessment, Item};
use crate::official::ledger::{self, Baseline, Entry, Files, Ledger, DECIDED, PENDING};
use crate::official::report;
use crate::official::{merge, model, ours, source};
use crate::refresh::write_atomically;
use crate::{edit, fetch};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report only: nothing in the tree changes.
    Report,
    /// Merge the safe items, move the baseline, record the pending items.
    Apply,
    /// Record the baseline from scratch; our spec is not edited.
    Baseline,
}

pub struct Options {
    /// A folder or URL holding `apiInfo.json` (or `operations.json`).
    pub source: String,
    pub source_as: Option<String>,
    pub timeout: Duration,
    pub mode: Mode,
    pub report: PathBuf,
    pub json: Option<PathBuf>,
    pub files: Files,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Applied,
    Pending,
}

pub struct Found {
    pub item: Item,
    pub disposition: Disposition,
}

pub struct Outcome {
    pub mode: Mode,
    pub source: String,
    pub sha256: String,
    pub baseline_sha256: String,
    pub found: Vec<Found>,
    /// Items a decision in the ledger covers (not listed).
    pub decided: usize,
    /// Decisions about values Losant no longer has (dropped by `--apply`).
    pub superseded: Vec<Entry>,
    /// Facts that changed upstream and already agree with our spec.
    pub silent: usize,
    pub notes: Vec<String>,
    pub facts: usize,
    pub markdown: String,
}

impl Outcome {
    pub fn pending(&self) -> usize {
        self.found
            .iter()
            .filter(|f| f.disposition == Disposition::Pending)
            .count()
    }

    pub fn drift(&self) -> bool {
        self.silent > 0 || self.found.iter().any(|f| f.item.drift)
    }

    /// 0: no drift and nothing pending; 1: drift or something pending.
    pub fn exit_code(&self) -> i32 {
        match self.mode {
            // Recording a baseline is not drift; what it left pending is.
            Mode::Baseline => i32::from(self.pending() > 0),
            _ => i32::from(self.drift() || self.pending() > 0),
        }
    }
}

pub fn run(options: &Options) -> Result<Outcome, String> {
    let files = &options.files;
    let spec_text = std::fs::read_to_string(&files.spec)
        .map_err(|e| format!("cannot read our spec {}: {e}", files.spec.display()))?;
    let spec = crate::codegen::load::parse(&spec_text)
        .map_err(|e| format!("our spec {} does not parse: {e}", files.spec.display()))?;
    let old = match options.mode {
        Mode::Baseline => None,
        _ => Some(Baseline::read(&files.baseline)?),
    };
    let base_facts = old.as_ref().map(|b| b.facts.clone()).unwrap_or_default();
    let old_ledger = Ledger::read(&files.ledger)?;
    let read = source::read(&options.source, options.timeout)?;
    let official = model::build(&read)?;
    let theirs = model::facts(&official);
    let projection = ours::project(&spec, &official);

    let decided_facts = old_ledger.decided_facts();
    let mut decided = 0;
    let mut found_items = Vec::new();
    for item in items::find(&base_facts, &theirs, &projection.facts) {
        if ledger::covered(&item, &decided_facts) {
            decided += 1;
        } else {
            found_items.push(item);
        }
    }

    let mut batches = Vec::new();
    for (index, item) in found_items.iter_mut().enumerate() {
        if item.assessment != Assessment::Safe {
            continue;
        }
        match merge::edits_for(item, &spec, &official, &projection) {
            Ok(edits) => batches.push((index, edits)),
            Err(reason) => {
                item.assessment = Assessment::Decide;
                item.note = reason;
            }
        }
    }
    let mut new_spec = None;
    if options.mode == Mode::Apply && !batches.is_empty() {
        let merged = edit::merge(&spec_text, &spec, &batches, &[])?;
        for (index, reason) in &merged.failed {
            found_items[*index].assessment = Assessment::Decide;
            found_items[*index].note =
                format!("the YAML could not be edited here ({reason}): add it by hand");
        }
        crate::codegen::generate(merged.document.clone()).map_err(|e| {
            format!("the merged spec would not generate the client, so nothing was written: {e}")
        })?;
        new_spec = Some(merged.text);
    }
    let found: Vec<Found> = found_items
        .into_iter()
        .map(|item| {
            let applied = match item.assessment {
                Assessment::InSpec => true,
                Assessment::Safe => new_spec.is_some(),
                Assessment::Decide => false,
            };
            Found {
                disposition: if applied {
                    Disposition::Applied
                } else {
                    Disposition::Pending
                },
                item,
            }
        })
        .collect();

    let covered: std::collections::BTreeSet<&String> =
        found.iter().flat_map(|f| f.item.keys.keys()).collect();
    let silent = theirs
        .keys()
        .chain(base_facts.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| base_facts.get(*k) != theirs.get(*k) && !covered.contains(k))
        .count();
    let superseded: Vec<Entry> = old_ledger
        .items
        .iter()
        .filter(|e| e.disposition == DECIDED && !still_holds(e, &theirs))
        .cloned()
        .collect();
    let recorded = fetch::recorded_source(&options.source, options.source_as.as_deref());
    let mut notes = Vec::new();
    for operation in &projection.unplaced {
        notes.push(format!(
            "our operation {operation} has no x-losant-action, so it is not compared"
        ));
    }
    let mut outcome = Outcome {
        mode: options.mode,
        source: recorded.clone(),
        sha256: official.sha256.clone(),
        baseline_sha256: old.as_ref().map(|b| b.sha256.clone()).unwrap_or_default(),
        found,
        decided,
        superseded,
        silent,
        notes,
        facts: theirs.len(),
        markdown: String::new(),
    };

    if options.mode != Mode::Report {
        let mut facts = theirs.clone();
        for found in outcome
            .found
            .iter()
            .filter(|f| f.disposition == Disposition::Pending)
        {
            for key in found.item.keys.keys() {
                restore(&mut facts, &base_facts, key);
            }
        }
        let mut ledger = Ledger {
            about: String::new(),
            items: old_ledger
                .items
                .iter()
                .filter(|e| e.disposition == DECIDED && still_holds(e, &theirs))
                .cloned()
                .collect(),
        };
        let noticed: BTreeMap<&str, &str> = old_ledger
            .items
            .iter()
            .map(|e| (e.id.as_str(), e.noticed.as_str()))
            .collect();
        let today = fetch::utc_date();
        for found in outcome
            .found
            .iter()
            .filter(|f| f.disposition == Disposition::Pending)
        {
            let mut entry = report::entry(&found.item);
            entry.disposition = PENDING.into();
            entry.noticed = noticed
                .get(found.item.id.as_str())
                .map(|d| d.to_string())
                .unwrap_or_else(|| today.clone());
            ledger.items.push(entry);
        }
        if let Some(text) = &new_spec {
            if *text != spec_text {
                write_atomically(&files.spec, text)?;
            }
        }
        Baseline {
            about: String::new(),
            source: recorded,
            sha256: official.sha256.clone(),
            date: today,
            facts,
        }
        .write(&files.baseline)?;
        ledger.write(&files.ledger)?;
    }
    outcome.markdown = report::markdown(&outcome, files);
    write_atomically(&options.report, &outcome.markdown)?;
    if let Some(path) = &options.json {
        write_atomically(path, &report::json(&outcome))?;
    }
    Ok(outcome)
}

/// Puts back the baseline's value of `key` (or its absence).
fn restore(facts: &mut Facts, baseline: &Facts, key: &str) {
    match baseline.get(key) {
        Some(value) => {
            facts.insert(key.to_string(), value.clone());
        }
        None => {
            facts.remove(key);
        }
    }
}

/// Whether every value a decision accepted is still Losant's.
fn still_holds(entry: &Entry, theirs: &Facts) -> bool {
    entry.facts.iter().all(|(key, value)| match value {
        Value::Null => !theirs.contains_key(key),
        value => theirs.get(key) == Some(value),
    })
}
