//! The two committed files of the official refresh: the baseline (the facts
//! of Losant's definition our spec is reconciled against) and the ledger (the
//! items still pending, and those decided with a written reason).

use crate::official::facts::Facts;
use crate::official::items::Item;
use crate::refresh::write_atomically;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const BASELINE_FILE: &str = "official-baseline.json";
pub const LEDGER_FILE: &str = "drift-ledger.json";

const BASELINE_ABOUT: &str = "Written by `cargo xtask spec baseline --official` / `spec refresh --official --apply` / `spec decide` (see xtask/README.md). `facts`: Losant's definition as our spec is reconciled with it; a fact moves only when its change was applied, is already in our spec, or was decided.";
const LEDGER_ABOUT: &str = "Written by `cargo xtask spec refresh --official --apply` and `cargo xtask spec decide`. `pending`: fix our spec (by hand or with --apply), or decide with a reason; `cargo xtask spec lint` fails while any item is pending. `decided`: kept on purpose, with the reason. `facts`: Losant's values the item is about (null: absent).";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    #[serde(rename = "_about", default)]
    pub about: String,
    /// Where the definition was last read from by a run that moved facts
    /// (a URL, or a name: never a local path).
    pub source: String,
    pub sha256: String,
    /// UTC date of that run.
    pub date: String,
    pub facts: Facts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ledger {
    #[serde(rename = "_about", default)]
    pub about: String,
    #[serde(default)]
    pub items: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    /// `pending` or `decided`.
    pub disposition: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ours: Option<Value>,
    pub summary: String,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// UTC date it was first recorded.
    #[serde(default)]
    pub noticed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided: Option<String>,
    pub facts: BTreeMap<String, Value>,
}

pub const PENDING: &str = "pending";
pub const DECIDED: &str = "decided";

pub struct Files {
    pub spec: PathBuf,
    pub baseline: PathBuf,
    pub ledger: PathBuf,
}

impl Files {
    pub fn beside(spec: PathBuf, baseline: Option<PathBuf>, ledger: Option<PathBuf>) -> Self {
        let dir = spec
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .to_path_buf();
        Files {
            baseline: baseline.unwrap_or_else(|| dir.join(BASELINE_FILE)),
            ledger: ledger.unwrap_or_else(|| dir.join(LEDGER_FILE)),
            spec,
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read {}: {e}\nhint: record one with `cargo xtask spec baseline --official <folder or URL>`",
                path.display()
            )
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))
    }

    pub fn write(&mut self, path: &Path) -> Result<(), String> {
        self.about = BASELINE_ABOUT.into();
        write_atomically(path, &to_json(self)?)
    }
}

impl Ledger {
    /// The ledger at `path`; none yet is an empty one.
    pub fn read(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{} is not valid: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn write(&mut self, path: &Path) -> Result<(), String> {
        self.about = LEDGER_ABOUT.into();
        self.items.sort_by(|a, b| {
            (
                &a.operation,
                &a.schema,
                &a.parameter,
                &a.status,
                &a.path,
                &a.kind,
                &a.id,
            )
                .cmp(&(
                    &b.operation,
                    &b.schema,
                    &b.parameter,
                    &b.status,
                    &b.path,
                    &b.kind,
                    &b.id,
                ))
        });
        write_atomically(path, &to_json(self)?)
    }

    /// Losant's values that decided items accepted: key → value (null:
    /// absent).
    pub fn decided_facts(&self) -> BTreeMap<String, Value> {
        self.items
            .iter()
            .filter(|e| e.disposition == DECIDED)
            .flat_map(|e| e.facts.clone())
            .collect()
    }

    pub fn pending(&self) -> impl Iterator<Item = &Entry> {
        self.items.iter().filter(|e| e.disposition == PENDING)
    }
}

/// Whether a decision covers `item`: every fact it is about was decided for
/// the value Losant has now.
pub fn covered(item: &Item, decided: &BTreeMap<String, Value>) -> bool {
    item.keys
        .iter()
        .all(|(key, theirs)| match decided.get(key) {
            Some(Value::Null) => theirs.is_none(),
            Some(value) => theirs.as_ref() == Some(value),
            None => false,
        })
}

/// Moves `facts` to Losant's values of `keys` (absent ones removed).
pub fn move_facts(facts: &mut Facts, keys: &BTreeMap<String, Value>) {
    for (key, value) in keys {
        if value.is_null() {
            facts.remove(key);
        } else {
            facts.insert(key.clone(), value.clone());
        }
    }
}
