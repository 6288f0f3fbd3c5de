//! The report of an official refresh: Markdown for people, JSON for tools,
//! and the ledger entry of an item.

use crate::official::facts::{Place, Subject};
use crate::official::items::{Assessment, Item};
use crate::official::ledger::{Entry, Files};
use crate::official::run::{Disposition, Found, Mode, Outcome};
use crate::official::shape::scalar_text;
use serde_json::{json, Value};
use std::fmt::Write;

/// (operation, schema, parameter, status, path) of an item.
fn fields(item: &Item) -> [Option<String>; 5] {
    let (operation, schema) = match &item.subject {
        Subject::Operation(name) => (Some(name.clone()), None),
        Subject::Schema(name) => (None, Some(name.clone())),
        Subject::Meta => (None, None),
    };
    let (parameter, status, path) = match &item.place {
        Place::Parameter(p) => (Some(p.clone()), None, None),
        Place::Response(s) => (None, Some(s.clone()), None),
        Place::Node(p) if schema.is_some() => (
            None,
            None,
            Some(if p.is_empty() { ".".into() } else { p.clone() }),
        ),
        _ => (None, None, None),
    };
    [operation, schema, parameter, status, path]
}

fn text(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map(scalar_text)
        .unwrap_or_else(|| "nothing".into())
}

/// One line: `enum-value-added: schema device .deviceClass: "robot"`.
pub fn summary(item: &Item) -> String {
    let [operation, schema, parameter, status, path] = fields(item);
    let mut place = match (operation, schema) {
        (Some(op), _) => format!("operation {op}"),
        (_, Some(name)) => format!("schema {name}"),
        _ => "the definitions".into(),
    };
    for (label, value) in [("parameter", parameter), ("response", status), ("", path)] {
        if let Some(value) = value {
            place.push(' ');
            if !label.is_empty() {
                place.push_str(label);
                place.push(' ');
            }
            place.push_str(&value);
        }
    }
    let detail = match item.fact.as_deref() {
        Some(fact) if fact.starts_with("enum ") => format!(": {:?}", &fact[5..]),
        Some(fact) if item.drift => format!(" {fact}: {} → {}", text(&item.from), text(&item.to)),
        Some(fact) => format!(
            " {fact}: Losant {}, our spec {}",
            text(&item.official),
            text(&item.ours)
        ),
        None if item.drift => match (&item.from, &item.to) {
            (None, Some(to)) => format!(" ({})", scalar_text(to)),
            (Some(from), None) => format!(" (was {})", scalar_text(from)),
            (Some(from), Some(to)) => format!(": {} → {}", scalar_text(from), scalar_text(to)),
            _ => String::new(),
        },
        None => match (&item.official, &item.ours) {
            (Some(theirs), None) => format!(" (Losant: {})", scalar_text(theirs)),
            (None, Some(ours)) => format!(" (ours: {})", scalar_text(ours)),
            (Some(theirs), Some(ours)) => format!(
                ": Losant {}, our spec {}",
                scalar_text(theirs),
                scalar_text(ours)
            ),
            _ => String::new(),
        },
    };
    format!("{}: {place}{detail}", item.kind)
}

pub fn entry(item: &Item) -> Entry {
    let [operation, schema, parameter, status, path] = fields(item);
    Entry {
        id: item.id.clone(),
        disposition: String::new(),
        kind: item.kind.clone(),
        operation,
        schema,
        parameter,
        status,
        path,
        fact: item.fact.clone(),
        from: item.from.clone(),
        to: item.to.clone(),
        official: if item.drift {
            None
        } else {
            item.official.clone()
        },
        ours: item.ours.clone(),
        summary: summary(item),
        note: item.note.clone(),
        reason: None,
        noticed: String::new(),
        decided: None,
        facts: item
            .keys
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null)))
            .collect(),
    }
}

fn assessment(item: &Item) -> &'static str {
    match item.assessment {
        Assessment::InSpec => "in-spec",
        Assessment::Safe => "safe",
        Assessment::Decide => "decide",
    }
}

pub fn json(outcome: &Outcome) -> String {
    let changes: Vec<Value> = outcome
        .found
        .iter()
        .map(|found| {
            let mut value = serde_json::to_value(entry(&found.item)).unwrap_or(Value::Null);
            if let Some(map) = value.as_object_mut() {
                map.remove("facts");
                map.remove("noticed");
                map.insert("drift".into(), found.item.drift.into());
                map.insert("assessment".into(), assessment(&found.item).into());
                map.insert(
                    "disposition".into(),
                    match found.disposition {
                        Disposition::Applied => "applied",
                        Disposition::Pending => "pending",
                    }
                    .into(),
                );
            }
            value
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "source": outcome.source,
        "sha256": outcome.sha256,
        "baselineSha256": outcome.baseline_sha256,
        "facts": outcome.facts,
        "decided": outcome.decided,
        "silent": outcome.silent,
        "pending": outcome.pending(),
        "exit": outcome.exit_code(),
        "changes": changes,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

fn shown(path: &std::path::Path) -> String {
    let root = crate::workspace_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A report section: its title and which items it lists.
type Section<'a> = (&'a str, &'a dyn Fn(&Found) -> bool);

pub fn markdown(outcome: &Outcome, files: &Files) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Losant's API definition: drift report\n");
    let _ = writeln!(
        out,
        "- source: {} (sha256 {})",
        outcome.source, outcome.sha256
    );
    if !outcome.baseline_sha256.is_empty() {
        let same = if outcome.baseline_sha256 == outcome.sha256 {
            " (the same)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "- baseline: {} (sha256 {}{same})",
            shown(&files.baseline),
            outcome.baseline_sha256
        );
    }
    let _ = writeln!(out, "- ledger: {}", shown(&files.ledger));
    let _ = writeln!(out, "- our spec: {}", shown(&files.spec));
    let _ = writeln!(out, "- facts compared: {}\n", outcome.facts);

    let count = |f: &dyn Fn(&Found) -> bool| outcome.found.iter().filter(|x| f(x)).count();
    let drift = count(&|f| f.item.drift);
    let differences = outcome.found.len() - drift;
    let applied =
        count(&|f| f.disposition == Disposition::Applied && f.item.assessment == Assessment::Safe);
    let in_spec = count(&|f| f.item.assessment == Assessment::InSpec);
    let to_apply =
        count(&|f| f.disposition == Disposition::Pending && f.item.assessment == Assessment::Safe);
    let pending = outcome.pending();
    if outcome.found.is_empty() && outcome.silent == 0 {
        let _ = writeln!(out, "**No drift**: Losant's definition has no change since the baseline, and nothing is pending ({} decided item(s) in the ledger).", outcome.decided);
    } else {
        let _ = writeln!(
            out,
            "**Drift**: {drift} change(s) since the baseline and {differences} difference(s) from our spec: {applied} applied, {to_apply} safe to apply, {pending} pending, {in_spec} already in our spec; {} decided item(s) in the ledger.",
            outcome.decided
        );
    }
    if outcome.silent > 0 {
        let _ = writeln!(out, "\n{} fact(s) changed upstream and already agree with our spec; a run that writes records them in the baseline.", outcome.silent);
    }
    match outcome.mode {
        Mode::Report => {}
        Mode::Apply => {
            let _ = writeln!(out, "\n`--apply` merged the safe items, moved the baseline for everything but the pending items, and recorded those in the ledger.");
        }
        Mode::Baseline => {
            let _ = writeln!(out, "\nThe baseline is recorded from this definition, except the facts of the pending items, which stay out of it until they are applied or decided.");
        }
    }
    let sections: [Section; 4] = [
        ("Applied to our spec by --apply", &|f| {
            f.disposition == Disposition::Applied && f.item.assessment == Assessment::Safe
        }),
        ("Safe: `--apply` merges these", &|f| {
            f.disposition == Disposition::Pending && f.item.assessment == Assessment::Safe
        }),
        ("Pending: fix our spec, or decide with a reason", &|f| {
            f.item.assessment == Assessment::Decide
        }),
        ("Already in our spec", &|f| {
            f.item.assessment == Assessment::InSpec
        }),
    ];
    for (title, wanted) in sections {
        let items: Vec<&Found> = outcome.found.iter().filter(|f| wanted(f)).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {title}\n");
        for found in items {
            let _ = writeln!(out, "- `{}` {}", found.item.id, summary(&found.item));
            if !found.item.note.is_empty() {
                let _ = writeln!(out, "  - {}", found.item.note);
            }
        }
    }
    if !outcome.superseded.is_empty() {
        let _ = writeln!(out, "\n## Decisions about values Losant no longer has\n");
        for entry in &outcome.superseded {
            let _ = writeln!(
                out,
                "- `{}` {} (a run that writes drops it)",
                entry.id, entry.summary
            );
        }
    }
    if !outcome.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for note in &outcome.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}
