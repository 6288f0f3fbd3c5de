//! The drift report, as Markdown (printed and written to a file).

use crate::apply::Action;
use crate::refresh::{Outcome, Paths};
use std::fmt::Write;

/// A report section: its title and which assessments it lists.
type Section = (&'static str, fn(&Action) -> bool);

/// A path relative to the workspace root when it is inside it.
fn shown(path: &std::path::Path) -> String {
    let root = crate::workspace_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

pub fn render(outcome: &Outcome, paths: &Paths) -> String {
    let mut out = String::new();
    let old = &outcome.baseline;
    let new = &outcome.upstream;
    let version = if old.version == new.version {
        new.version.clone()
    } else {
        format!("{} → {}", old.version, new.version)
    };
    let _ = writeln!(
        out,
        "# Upstream drift report: Losant Device API {version}\n"
    );
    let _ = writeln!(out, "- upstream: {}", outcome.retrieved.source);
    let _ = writeln!(
        out,
        "- sha256: {}{}",
        new.sha256,
        if old.sha256 == new.sha256 {
            " (same as the baseline)".to_string()
        } else {
            format!(" (baseline: {})", old.sha256)
        }
    );
    let _ = writeln!(out, "- retrieved: {} (UTC)", outcome.retrieved.date);
    let _ = writeln!(
        out,
        "- baseline: {} {} (the upstream our spec is reconciled against)",
        shown(&paths.upstream_json),
        old.version
    );
    let _ = writeln!(out, "- our spec: {}", shown(&paths.spec));
    let _ = writeln!(out);

    if outcome.changes.is_empty() {
        let _ = writeln!(
            out,
            "**No drift**: the upstream has no semantic change since the baseline ({} operations mapped, {} unmapped, {} schemas).",
            new.operations.len(),
            new.unmapped.len(),
            new.schemas.len()
        );
        if old.sha256 != new.sha256 {
            let _ = writeln!(
                out,
                "\nThe document's bytes changed (different sha256), but not in anything the report compares (descriptions, examples, formatting)."
            );
        }
    } else {
        let count =
            |f: fn(&Action) -> bool| outcome.assessments.iter().filter(|a| f(&a.action)).count();
        let merge = count(|a| matches!(a, Action::Merge(..)));
        let person = count(|a| matches!(a, Action::Person(_)));
        let in_spec = count(|a| matches!(a, Action::InSpec(_)));
        let _ = writeln!(
            out,
            "**Drift**: {} change(s) since the baseline: {merge} additive to merge, {person} for a person, {in_spec} already in our spec.",
            outcome.changes.len()
        );
        if let Some(merged) = outcome.merged {
            let _ = writeln!(
                out,
                "\n`--apply` merged {merged} change(s) into our spec and recorded upstream {} in info.x-upstream and the baseline. Review the diff, then handle the items for a person before committing.",
                new.version
            );
        }
        let sections: [Section; 4] = [
            (
                if outcome.merged.is_some() {
                    "Merged into our spec by --apply"
                } else {
                    "Additive: `--apply` merges these"
                },
                |a| matches!(a, Action::Merge(..)),
            ),
            ("For a person", |a| matches!(a, Action::Person(_))),
            ("Already in our spec (nothing to change)", |a| {
                matches!(a, Action::InSpec(_))
            }),
            ("Version", |a| matches!(a, Action::Record)),
        ];
        for (title, wanted) in sections {
            let items: Vec<_> = outcome
                .assessments
                .iter()
                .filter(|a| wanted(&a.action))
                .collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n## {title}\n");
            for assessment in items {
                let _ = writeln!(out, "- {}", assessment.change);
                let why = match &assessment.action {
                    Action::Record => {
                        "`--apply` records it in info.x-upstream and spec/upstream.json".to_string()
                    }
                    Action::InSpec(why) | Action::Merge(_, why) | Action::Person(why) => {
                        why.clone()
                    }
                };
                let _ = writeln!(out, "  - {why}");
            }
        }
    }
    if !outcome.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes (not drift)\n");
        for note in &outcome.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}
