//! Our spec compared with the committed baseline, without fetching
//! anything: what `spec lint` fails on, and what `spec decide` can decide
//! before the next refresh.
//!
//! The baseline holds Losant's facts as our spec was last reconciled with
//! them, so the comparison is the refresh's own ([`items::find`], with the
//! baseline standing for Losant's definition, so every item is a
//! difference) under the same tolerance rules.

use crate::official::items::{self, Item};
use crate::official::ledger::{self, Baseline, Ledger};
use crate::official::{ours, rebuild};
use serde_json::Value;
use std::collections::BTreeSet;

/// Where our spec differs from the baseline and nothing in the ledger
/// speaks for it: no decision covers it, and no pending item is about any
/// of its facts (that item already says what to do).
pub fn undecided(spec: &Value, baseline: &Baseline, ledger: &Ledger) -> Vec<Item> {
    let official = rebuild::official(&baseline.facts, &baseline.sha256);
    let projection = ours::project(spec, &official);
    let decided = ledger.decided_facts();
    let pending: BTreeSet<&String> = ledger.pending().flat_map(|e| e.facts.keys()).collect();
    items::find(&baseline.facts, &baseline.facts, &projection.facts)
        .into_iter()
        .filter(|item| !ledger::covered(item, &decided))
        .filter(|item| !item.keys.keys().any(|key| pending.contains(key)))
        .collect()
}
