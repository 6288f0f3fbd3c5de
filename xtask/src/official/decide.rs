//! `cargo xtask spec decide ID… --reason TEXT`: marks items decided, with
//! the reason, and moves the baseline for exactly their facts.
//!
//! An id is a pending ledger item, or a difference `spec lint` found
//! between our spec and the baseline (see [`offline`]), which is recorded
//! in the ledger as it is decided.

use crate::official::ledger::{move_facts, Baseline, Entry, Files, Ledger, DECIDED};
use crate::official::{items::Item, offline, report};

pub fn decide(files: &Files, ids: &[String], reason: &str) -> Result<Vec<Entry>, String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err("--reason must say why (it is kept in the ledger)".into());
    }
    if ids.is_empty() {
        return Err("name at least one item id".into());
    }
    let mut baseline = Baseline::read(&files.baseline)?;
    let mut ledger = Ledger::read(&files.ledger)?;
    let mut differences: Option<Vec<Item>> = None;
    let today = crate::fetch::utc_date();
    let mut decided = Vec::new();
    for id in ids {
        if !ledger.items.iter().any(|e| e.id == *id) {
            if differences.is_none() {
                differences = Some(undecided(files, &baseline, &ledger)?);
            }
            let item = differences
                .iter()
                .flatten()
                .find(|item| item.id == *id)
                .ok_or_else(|| {
                    format!(
                        "no item {id} in {}, nor among the differences between our spec and {}",
                        files.ledger.display(),
                        files.baseline.display()
                    )
                })?;
            let mut entry = report::entry(item);
            entry.noticed = today.clone();
            ledger.items.push(entry);
        }
        let Some(entry) = ledger.items.iter_mut().find(|e| e.id == *id) else {
            continue;
        };
        entry.disposition = DECIDED.into();
        entry.reason = Some(reason.to_string());
        entry.decided = Some(today.clone());
        move_facts(&mut baseline.facts, &entry.facts);
        decided.push(entry.clone());
    }
    baseline.write(&files.baseline)?;
    ledger.write(&files.ledger)?;
    Ok(decided)
}

fn undecided(files: &Files, baseline: &Baseline, ledger: &Ledger) -> Result<Vec<Item>, String> {
    let spec = crate::codegen::load::read(&files.spec)
        .map_err(|e| format!("our spec {}: {e}", files.spec.display()))?;
    Ok(offline::undecided(&spec, baseline, ledger))
}
