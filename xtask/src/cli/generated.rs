//! `codegen` and `api-snapshot`: the code build.rs generates, and the
//! reviewed listing of the public API.

use super::{owned, spec_path, Args};
use crate::{refresh, snapshot, workspace_root};
use std::io::Write;

/// The client and operation table exactly as build.rs writes them.
fn generated_sources(spec: &std::path::Path) -> Result<crate::codegen::Generated, String> {
    crate::codegen::generate_from_path(spec).map_err(|e| e.to_string())
}

/// build.rs writes the code unformatted; people read it formatted.
fn formatted(code: &str) -> Result<String, String> {
    let file =
        syn::parse_file(code).map_err(|e| format!("the generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

pub(super) fn codegen(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(&owned(rest), &["--out", "--spec"], &[])?;
    let generated = generated_sources(&spec_path(&args))?;
    let text = format!(
        "// ===== client.rs (OUT_DIR) =====\n{}\n// ===== operations.rs (OUT_DIR) =====\n{}",
        formatted(&generated.client)?,
        formatted(&generated.operations)?
    );
    match args.path("--out") {
        Some(path) => {
            refresh::write_atomically(&path, &text)?;
            let _ = writeln!(out, "wrote {}", path.display());
        }
        None => {
            let _ = write!(out, "{text}");
        }
    }
    Ok(0)
}

pub(super) fn api_snapshot(
    rest: &[&str],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let args = Args::parse(
        &owned(rest),
        &["--spec", "--snapshot", "--crate-root"],
        &["--check"],
    )?;
    let path = args
        .path("--snapshot")
        .unwrap_or_else(|| workspace_root().join("spec/api-snapshot.txt"));
    let root = args
        .path("--crate-root")
        .unwrap_or_else(|| workspace_root().join("src/lib.rs"));
    let spec = spec_path(&args);
    let generated = generated_sources(&spec)?;
    let mock = crate::codegen::mock::generate_from_path(&spec).map_err(|e| e.to_string())?;
    // What src/ includes from OUT_DIR, as build.rs writes it; the client has
    // its own sections.
    let included = snapshot::public::Included::from([
        ("client.rs".to_string(), None),
        (
            "operations.rs".to_string(),
            Some(generated.operations.clone()),
        ),
        ("mock.rs".to_string(), Some(mock)),
    ]);
    let text = snapshot::render(&generated.client, &root, &included)?;
    if args.flag("--check") {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == text {
            let _ = writeln!(out, "api-snapshot: {} is up to date", path.display());
            return Ok(0);
        }
        let _ = writeln!(
            err,
            "api-snapshot: {} is stale (the public API changed)\n{}\nrun: cargo xtask api-snapshot",
            path.display(),
            first_difference(&committed, &text)
        );
        return Ok(1);
    }
    refresh::write_atomically(&path, &text)?;
    let _ = writeln!(out, "api-snapshot: wrote {}", path.display());
    Ok(0)
}

/// A short hint of where two texts first differ.
fn first_difference(old: &str, new: &str) -> String {
    if old.is_empty() {
        return "(the snapshot file is missing or empty)".into();
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let index = old_lines
        .iter()
        .zip(&new_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(old_lines.len().min(new_lines.len()));
    format!(
        "first difference at line {}:\n  committed: {}\n  generated: {}",
        index + 1,
        old_lines.get(index).unwrap_or(&"(end of file)"),
        new_lines.get(index).unwrap_or(&"(end of file)")
    )
}
