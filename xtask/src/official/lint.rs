//! What `spec lint` says about the official refresh's files beside our
//! spec: every pending ledger item, every decision without a reason, and
//! every difference between our spec and the baseline that nothing in the
//! ledger speaks for (see [`offline`]).

use crate::lint::Finding;
use crate::official::ledger::{
    Baseline, Files, Ledger, BASELINE_FILE, DECIDED, LEDGER_FILE, PENDING,
};
use crate::official::{offline, report};
use serde_json::Value;

/// Nothing when no official baseline is recorded beside the spec.
pub fn lint(spec: &Value, files: &Files) -> Vec<Finding> {
    if !files.baseline.exists() {
        return Vec::new();
    }
    let finding = |location: String, message: String| Finding { location, message };
    let ledger = match Ledger::read(&files.ledger) {
        Ok(ledger) => ledger,
        Err(e) => return vec![finding(files.ledger.display().to_string(), e)],
    };
    let baseline = match Baseline::read(&files.baseline) {
        Ok(baseline) => baseline,
        Err(e) => return vec![finding(files.baseline.display().to_string(), e)],
    };
    let mut findings = Vec::new();
    for entry in &ledger.items {
        let location = format!("{LEDGER_FILE} {}", entry.id);
        match entry.disposition.as_str() {
            PENDING => findings.push(finding(
                location,
                format!(
                    "pending: {} — fix our spec and re-run `cargo xtask spec refresh --official <source> --apply`, or `cargo xtask spec decide {} --reason \"…\"`",
                    entry.summary, entry.id
                ),
            )),
            DECIDED if entry.reason.as_deref().is_none_or(|r| r.trim().is_empty()) => {
                findings.push(finding(location, "decided without a reason".into()))
            }
            DECIDED => {}
            other => findings.push(finding(location, format!("unknown disposition {other:?}"))),
        }
    }
    for item in offline::undecided(spec, &baseline, &ledger) {
        findings.push(finding(
            format!("{BASELINE_FILE} {}", item.id),
            format!(
                "undecided difference: {} — our spec no longer agrees with Losant's definition as recorded in the baseline; fix our spec, or `cargo xtask spec decide {} --reason \"…\"`",
                report::summary(&item),
                item.id
            ),
        ));
    }
    findings
}
