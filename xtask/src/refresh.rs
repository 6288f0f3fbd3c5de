//! `cargo xtask spec refresh` and `cargo xtask spec baseline`.
//!
//! Drift is measured between the *baseline* — the normalized form of the
//! upstream document our spec was last reconciled against, kept in
//! `spec/upstream.json` — and the upstream document read now. Comparing
//! upstream with upstream means the aggregator's permanent lossiness (string
//! types for numbers, collapsed paths, missing operations, dangling refs)
//! cancels out, and only what Losant changed since the last reconciliation is
//! reported. Each change is then assessed against our spec
//! ([`crate::apply::assess`]).

use crate::apply::{self, Action, Assessment, Context};
use crate::diff::{self, Change};
use crate::fetch;
use crate::mapping;
use crate::model::{self, Snapshot};
use crate::report;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `spec/upstream.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpstreamRecord {
    #[serde(rename = "_about", default)]
    pub about: String,
    /// The last successful read of the upstream (every refresh updates it).
    pub retrieved: Retrieved,
    /// The upstream our spec is reconciled against (`--apply` and `spec
    /// baseline` update it).
    pub baseline: Snapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retrieved {
    pub source: String,
    pub version: String,
    pub sha256: String,
    /// UTC date, `YYYY-MM-DD`.
    pub date: String,
}

const ABOUT: &str = "Written by `cargo xtask spec refresh` / `cargo xtask spec baseline` (see xtask/README.md). `retrieved`: the last upstream read. `baseline`: the normalized upstream our spec is reconciled against; drift is measured from it.";

impl UpstreamRecord {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read {}: {e}\nhint: create it with `cargo xtask spec baseline --from <the upstream our spec matches>`",
                path.display()
            )
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

pub struct Paths {
    pub spec: PathBuf,
    pub upstream_json: PathBuf,
}

impl Paths {
    pub fn for_spec(spec: PathBuf, upstream_json: Option<PathBuf>) -> Self {
        let upstream_json = upstream_json.unwrap_or_else(|| {
            spec.parent()
                .unwrap_or_else(|| Path::new("."))
                .join("upstream.json")
        });
        Paths {
            spec,
            upstream_json,
        }
    }
}

pub struct Options {
    /// URL or path to read the upstream from.
    pub from: String,
    /// Record the document as coming from this URL (when `from` is a local
    /// copy of it).
    pub source_as: Option<String>,
    /// Limit for the whole download ([`fetch::TIMEOUT`] by default).
    pub timeout: std::time::Duration,
    pub apply: bool,
    pub report: PathBuf,
    pub paths: Paths,
}

pub struct Outcome {
    pub baseline: Snapshot,
    pub upstream: Snapshot,
    pub changes: Vec<Change>,
    pub assessments: Vec<Assessment>,
    pub notes: Vec<String>,
    /// With `--apply`: how many changes were merged into our spec.
    pub merged: Option<usize>,
    pub retrieved: Retrieved,
    pub markdown: String,
}

impl Outcome {
    pub fn drift(&self) -> bool {
        !self.changes.is_empty()
    }

    pub fn exit_code(&self) -> i32 {
        i32::from(self.drift())
    }
}

/// Reads and parses an upstream document; fails unless it looks like an
/// OpenAPI document.
pub fn read_upstream(
    source: &str,
    timeout: std::time::Duration,
) -> Result<(fetch::Fetched, Value), String> {
    let fetched = fetch::read(source, timeout)?;
    let document = crate::codegen::load::parse(&fetched.text)
        .map_err(|e| format!("{source} is not a YAML document: {e}"))?;
    let looks_right = document.get("openapi").is_some()
        && document.get("paths").is_some_and(Value::is_object)
        && document.pointer("/info/version").is_some();
    if !looks_right {
        return Err(format!(
            "{source} is not an OpenAPI document (no openapi, info.version and paths)"
        ));
    }
    Ok((fetched, document))
}

fn read_spec(path: &Path) -> Result<(String, Value), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read our spec {}: {e}", path.display()))?;
    let document = crate::codegen::load::parse(&text)
        .map_err(|e| format!("our spec {} does not parse: {e}", path.display()))?;
    Ok((text, document))
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory and a rename, so readers never see half a file.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), String> {
    // A device or pipe (`--out /dev/null`) is written to, never replaced:
    // renaming over /dev/null once turned it into a plain file.
    if std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir()) {
        return std::fs::write(path, contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
    }
    let directory = path.parent().unwrap_or_else(|| Path::new("."));
    if !directory.as_os_str().is_empty() {
        std::fs::create_dir_all(directory)
            .map_err(|e| format!("cannot create {}: {e}", directory.display()))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".into());
    let temporary = directory.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&temporary, contents)
        .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot replace {}: {e}", path.display())
    })
}

/// `cargo xtask spec baseline --from X`: records X as the upstream our spec
/// is reconciled against.
pub fn baseline(
    from: &str,
    source_as: Option<&str>,
    paths: &Paths,
) -> Result<(Snapshot, Vec<String>), String> {
    let (_, ours) = read_spec(&paths.spec)?;
    let (fetched, document) = read_upstream(from, fetch::TIMEOUT)?;
    let source = fetch::recorded_source(from, source_as);
    let snapshot = model::normalize(&document, &source, &fetched.sha256, Some(&ours));
    let record = UpstreamRecord {
        about: ABOUT.into(),
        retrieved: Retrieved {
            source: source.clone(),
            version: snapshot.version.clone(),
            sha256: fetched.sha256.clone(),
            date: fetch::utc_date(),
        },
        baseline: snapshot.clone(),
    };
    let notes = coverage_notes(&ours, &snapshot, &snapshot);
    write_atomically(&paths.upstream_json, &record.to_json())?;
    Ok((snapshot, notes))
}

/// `cargo xtask spec refresh`.
pub fn refresh(options: &Options) -> Result<Outcome, String> {
    let paths = &options.paths;
    let (spec_text, ours) = read_spec(&paths.spec)?;
    let mut record = UpstreamRecord::read(&paths.upstream_json)?;
    let old_baseline = record.baseline.clone();
    let (fetched, document) = read_upstream(&options.from, options.timeout)?;
    let source = fetch::recorded_source(&options.from, options.source_as.as_deref());
    let mut upstream = model::normalize(&document, &source, &fetched.sha256, Some(&ours));
    let mut notes = pair_reworded(&record.baseline, &mut upstream);
    let changes = diff::diff(&record.baseline, &upstream);
    let context = Context::new(&ours, &document, &changes);
    let mut assessments: Vec<Assessment> = changes
        .iter()
        .map(|change| Assessment {
            change: change.clone(),
            action: apply::assess(&context, change),
        })
        .collect();
    notes.extend(coverage_notes(&ours, &record.baseline, &upstream));

    let retrieved = Retrieved {
        source: source.clone(),
        version: upstream.version.clone(),
        sha256: fetched.sha256.clone(),
        date: fetch::utc_date(),
    };

    let mut merged = None;
    let mut new_spec = None;
    let mut baseline_moves = false;
    if options.apply && (!changes.is_empty() || record.baseline.sha256 != upstream.sha256) {
        // The baseline moves only when nothing is left for a person: moving
        // it past such an item would make the next refresh forget it.
        baseline_moves = !assessments
            .iter()
            .any(|a| matches!(a.action, Action::Person(_)));
        let url = fetch::is_url(&source).then_some(source.as_str());
        let record_edits = if baseline_moves {
            apply::record_upstream(&ours, &upstream.version, &upstream.sha256, url)
        } else {
            Vec::new()
        };
        let result = apply::merge(&spec_text, &ours, &assessments, &record_edits)?;
        for (index, reason) in &result.failed {
            let assessment = &mut assessments[*index];
            assessment.action = Action::Person(format!(
                "additive, but the YAML could not be edited here ({reason}): add it by hand"
            ));
            baseline_moves = false;
        }
        if !baseline_moves {
            notes.push(format!(
                "--apply kept the baseline at {}: the items for a person are reported again by every refresh until our spec has them, or until `cargo xtask spec baseline --from` records this upstream as reconciled",
                record.baseline.version
            ));
        }
        crate::codegen::generate(result.document.clone()).map_err(|e| {
            format!("the merged spec would not generate the client, so nothing was written: {e}")
        })?;
        merged = Some(
            assessments
                .iter()
                .filter(|a| matches!(a.action, Action::Merge(..)))
                .count(),
        );
        new_spec = Some(result.text);
    } else if options.apply {
        notes.push("--apply: nothing to merge, the baseline already matches".into());
    }

    // Everything checked: now write. A report-only run writes only the
    // report (under target/), never the tree.
    if let Some(text) = &new_spec {
        if *text != spec_text {
            write_atomically(&paths.spec, text)?;
        }
        if baseline_moves {
            record.baseline = upstream.clone();
        }
        record.about = ABOUT.into();
        record.retrieved = retrieved.clone();
        write_atomically(&paths.upstream_json, &record.to_json())?;
    }

    let mut outcome = Outcome {
        baseline: old_baseline,
        upstream,
        changes,
        assessments,
        notes,
        merged,
        retrieved,
        markdown: String::new(),
    };
    outcome.markdown = report::render(&outcome, &options.paths);
    write_atomically(&options.report, &outcome.markdown)?;
    Ok(outcome)
}

/// An upstream operation whose summary was reworded no longer maps by the
/// table, so it would show as "removed" plus "unmapped added", and whatever
/// else changed on it would be lost. When an unmapped operation has exactly
/// the method and path of one baseline operation that is now missing, and no
/// other unmapped operation shares them, it is taken to be that operation.
pub fn pair_reworded(baseline: &Snapshot, upstream: &mut Snapshot) -> Vec<String> {
    let mut notes = Vec::new();
    let keys: Vec<String> = upstream.unmapped.keys().cloned().collect();
    for key in keys {
        let Some(candidate) = upstream.unmapped.get(&key) else {
            continue;
        };
        let same_place =
            |o: &model::Operation| o.method == candidate.method && o.path == candidate.path;
        let missing: Vec<&String> = baseline
            .operations
            .iter()
            .filter(|(id, o)| !upstream.operations.contains_key(*id) && same_place(o))
            .map(|(id, _)| id)
            .collect();
        let rivals = upstream.unmapped.values().filter(|o| same_place(o)).count();
        if let ([id], 1) = (missing.as_slice(), rivals) {
            let id = (*id).clone();
            if let Some(operation) = upstream.unmapped.remove(&key) {
                notes.push(format!(
                    "{id}: the upstream reworded its summary to {:?}; matched by method and path (add the new summary to TABLE in xtask/src/mapping.rs)",
                    operation.summary
                ));
                upstream.operations.insert(id, operation);
            }
        }
    }
    notes
}

/// Remarks about the mapping table and our spec's coverage; never drift.
pub fn coverage_notes(ours: &Value, baseline: &Snapshot, upstream: &Snapshot) -> Vec<String> {
    let mut notes = Vec::new();
    let known: BTreeSet<&str> = mapping::TABLE.iter().map(|r| r.operation_id).collect();
    let ours_ids = crate::ours::operation_ids(ours);
    for id in &ours_ids {
        if !known.contains(id.as_str()) && !mapping::OTHER_DOCUMENT.contains(&id.as_str()) {
            notes.push(format!(
                "our operation {id} has no row in the mapping table (xtask/src/mapping.rs): add Losant's summary for it, or list it in OTHER_DOCUMENT"
            ));
        }
    }
    for id in mapping::KNOWN_MISSING {
        if upstream.operations.contains_key(*id) {
            notes.push(format!(
                "{id} is listed in KNOWN_MISSING (xtask/src/mapping.rs) but the upstream has it now: remove it from the list"
            ));
        }
    }
    for id in upstream.operations.keys() {
        if !ours_ids.contains(id) && baseline.operations.contains_key(id) {
            notes.push(format!(
                "the upstream has {id} (since before the baseline) and our spec does not"
            ));
        }
    }
    for id in &ours_ids {
        if !upstream.operations.contains_key(id)
            && !mapping::KNOWN_MISSING.contains(&id.as_str())
            && !mapping::OTHER_DOCUMENT.contains(&id.as_str())
            && known.contains(id.as_str())
        {
            notes.push(format!(
                "our {id} is not in the upstream and not listed in KNOWN_MISSING (xtask/src/mapping.rs)"
            ));
        }
    }
    let recorded = ours
        .pointer("/info/x-upstream/sha256")
        .map(model::scalar_text)
        .unwrap_or_default();
    if recorded != baseline.sha256 {
        notes.push(format!(
            "our spec's info.x-upstream.sha256 ({}) is not the baseline's ({}): the spec and spec/upstream.json disagree on what was reconciled",
            if recorded.is_empty() { "missing" } else { &recorded },
            baseline.sha256
        ));
    }
    notes
}
