//! `cargo xtask rust-version`: the `rust-version` our crates declare must be
//! at least what every dependency declares, or a user on that Rust cannot
//! build us even though Cargo lets them try.

use serde_json::Value;
use std::cmp::Ordering;
use std::path::Path;
use std::process::Command;

/// A `rust-version` such as `1.89` or `1.89.0`, as comparable numbers.
fn parse(version: &str) -> Option<[u64; 3]> {
    let mut parts = version.split('.').map(|part| part.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some([major, minor, patch])
}

/// One dependency that needs a newer Rust than a crate of ours declares.
#[derive(Debug, PartialEq, Eq)]
pub struct TooNew {
    pub ours: String,
    pub declared: String,
    pub dependency: String,
    pub needs: String,
}

/// Checks `cargo metadata` output: every workspace member's `rust-version`
/// against every resolved package's (all features, all targets).
pub fn check(metadata: &Value) -> Result<Vec<TooNew>, String> {
    let packages = metadata
        .get("packages")
        .and_then(Value::as_array)
        .ok_or("cargo metadata has no packages")?;
    let members: Vec<&str> = metadata
        .get("workspace_members")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let resolved: Vec<&str> = metadata
        .pointer("/resolve/nodes")
        .and_then(Value::as_array)
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n.get("id").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let field =
        |package: &Value, key: &str| package.get(key).and_then(Value::as_str).map(str::to_string);
    let mut problems = Vec::new();
    for ours in packages
        .iter()
        .filter(|p| members.contains(&field(p, "id").unwrap_or_default().as_str()))
    {
        let name = field(ours, "name").unwrap_or_default();
        let declared = field(ours, "rust_version")
            .ok_or_else(|| format!("{name} declares no rust-version"))?;
        let ours_version = parse(&declared)
            .ok_or_else(|| format!("{name}: rust-version {declared:?} is not a version"))?;
        for package in packages {
            let id = field(package, "id").unwrap_or_default();
            if !resolved.contains(&id.as_str()) || members.contains(&id.as_str()) {
                continue;
            }
            let Some(needs) = field(package, "rust_version") else {
                continue;
            };
            if parse(&needs).is_some_and(|needed| needed.cmp(&ours_version) == Ordering::Greater) {
                problems.push(TooNew {
                    ours: name.clone(),
                    declared: declared.clone(),
                    dependency: format!(
                        "{} {}",
                        field(package, "name").unwrap_or_default(),
                        field(package, "version").unwrap_or_default()
                    ),
                    needs,
                });
            }
        }
    }
    problems.sort_by(|a, b| (&a.ours, &a.dependency).cmp(&(&b.ours, &b.dependency)));
    Ok(problems)
}

/// Runs `cargo metadata --all-features` in `root` and checks it.
pub fn run(root: &Path) -> Result<Vec<TooNew>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata is not JSON: {e}"))?;
    check(&metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata(ours: &str, dependency: Option<&str>) -> Value {
        json!({
            "workspace_members": ["ours"],
            "resolve": {"nodes": [{"id": "ours"}, {"id": "dep"}, {"id": "unused"}]},
            "packages": [
                {"id": "ours", "name": "losant-device", "version": "0.1.0", "rust_version": ours},
                {"id": "dep", "name": "dep", "version": "2.0.0", "rust_version": dependency},
                {"id": "unused", "name": "unused", "version": "1.0.0", "rust_version": null},
                {"id": "other", "name": "not-resolved", "version": "1.0.0", "rust_version": "1.99"}
            ]
        })
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_is_named() {
        let problems = check(&metadata("1.88", Some("1.89.0"))).unwrap();
        assert_eq!(
            problems,
            vec![TooNew {
                ours: "losant-device".into(),
                declared: "1.88".into(),
                dependency: "dep 2.0.0".into(),
                needs: "1.89.0".into(),
            }]
        );
    }

    #[test]
    fn equal_older_or_undeclared_versions_pass() {
        assert!(check(&metadata("1.89", Some("1.89.0"))).unwrap().is_empty());
        assert!(check(&metadata("1.89", Some("1.70"))).unwrap().is_empty());
        assert!(check(&metadata("1.89", None)).unwrap().is_empty());
    }
}
