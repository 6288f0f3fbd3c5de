//! Command-line front end. Every command returns its exit code; output goes
//! to the given writers so tests can run commands in-process.

use crate::official::ledger::Files;
use crate::official::run::{self as official_run, Mode};
use crate::refresh::{self, Options, Paths};
use crate::{fetch, lint, snapshot, workspace_root};
use std::io::Write;
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  spec refresh [--from URL|PATH] [--apply] [--report FILE] [--as URL]
               [--timeout SECS] [--spec PATH] [--upstream-json PATH]
      Read the upstream OpenAPI document (default: the aggregator's URL),
      report what changed since the baseline in spec/upstream.json (printed,
      and written to FILE, default target/spec-drift.md) and record the
      retrieval in spec/upstream.json. --apply merges the additive changes
      into our spec and moves the baseline to this upstream. --as URL records
      a local copy (--from PATH) as having come from URL. Downloads give up
      after --timeout seconds (default 30).
      Exit: 0 no drift, 1 drift, 2 error.
  spec refresh --official FOLDER|URL [--apply] [--json FILE] [--report FILE]
               [--as URL] [--timeout SECS] [--spec PATH] [--baseline PATH]
               [--ledger PATH]
      Read Losant's own API definition (apiInfo.json and the definitions it
      uses), compare it with spec/official-baseline.json and our spec, and
      report every change and difference (printed, and written to FILE,
      default target/official-drift.md; --json FILE writes them as JSON).
      Nothing in the tree changes unless --apply: it merges the safe items,
      moves the baseline for everything not pending, and records the pending
      items in spec/drift-ledger.json. Exit: 0 no drift and nothing pending,
      1 drift or pending, 2 error (nothing changed).
  spec baseline --official FOLDER|URL [--as URL] [--spec PATH] [--baseline PATH]
               [--ledger PATH]
      Record Losant's definition as the baseline; whatever our spec does not
      agree with stays out of it and is recorded as pending in the ledger.
      Exit: 0, 1 when items are pending, 2 error.
  spec decide ID... --reason TEXT [--spec PATH] [--baseline PATH] [--ledger PATH]
      Mark ledger items as decided, with the reason, and move the baseline
      for exactly their facts.
  spec baseline --from URL|PATH [--as URL] [--spec PATH] [--upstream-json PATH]
      Record URL|PATH as the upstream our spec is reconciled against
      (rewrites spec/upstream.json; no report).
  spec lint [--spec PATH]
      Check our spec (operationIds, x-losant-action, refs, parameter types,
      summaries, 4xx responses, no strict response schemas, no OpenAPI 3.1)
      and, when spec/official-baseline.json exists, that no item of
      spec/drift-ledger.json is pending. Exit 0/1.
  codegen [--out FILE] [--spec PATH]
      Print (or write) the code build.rs generates from the spec.
  api-snapshot [--check] [--spec PATH] [--snapshot PATH]
      Regenerate spec/api-snapshot.txt, or with --check fail (exit 1) if it
      is stale.
";

/// Parsed `--flag value` / `--switch` arguments.
struct Args {
    values: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Self, String> {
        let mut values = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            if with_value.contains(&name.as_str()) {
                let value = match inline {
                    Some(v) => v,
                    None => iter
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("{name} needs a value"))?,
                };
                values.push((name, Some(value)));
            } else if switches.contains(&name.as_str()) && inline.is_none() {
                values.push((name, None));
            } else {
                return Err(format!("unexpected argument {arg:?}"));
            }
        }
        Ok(Args { values })
    }

    fn value(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    }

    fn flag(&self, name: &str) -> bool {
        self.values.iter().any(|(n, _)| n == name)
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        self.value(name).map(PathBuf::from)
    }
}

fn spec_path(args: &Args) -> PathBuf {
    args.path("--spec")
        .unwrap_or_else(|| workspace_root().join(crate::codegen::SPEC_PATH))
}

/// Runs `cargo xtask <args>`; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["spec", "refresh", rest @ ..] if rest.iter().any(|a| a.starts_with("--official")) => {
            official(rest, Mode::Report, out)
        }
        ["spec", "baseline", rest @ ..] if rest.iter().any(|a| a.starts_with("--official")) => {
            official(rest, Mode::Baseline, out)
        }
        ["spec", "decide", rest @ ..] => spec_decide(rest, out),
        ["spec", "refresh", rest @ ..] => spec_refresh(rest, out),
        ["spec", "baseline", rest @ ..] => spec_baseline(rest, out),
        ["spec", "lint", rest @ ..] => spec_lint(rest, out),
        ["codegen", rest @ ..] => codegen(rest, out),
        ["api-snapshot", rest @ ..] => api_snapshot(rest, out, err),
        ["help" | "--help" | "-h", ..] => {
            let _ = write!(out, "{USAGE}");
            Ok(0)
        }
        _ => Err(format!("unknown command\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            2
        }
    }
}

fn owned(rest: &[&str]) -> Vec<String> {
    rest.iter().map(|s| s.to_string()).collect()
}

fn timeout_of(args: &Args) -> Result<std::time::Duration, String> {
    match args.value("--timeout") {
        Some(seconds) => {
            Ok(std::time::Duration::from_secs(seconds.parse().map_err(
                |_| format!("--timeout takes whole seconds, not {seconds:?}"),
            )?))
        }
        None => Ok(fetch::TIMEOUT),
    }
}

fn official_files(args: &Args) -> Files {
    Files::beside(
        spec_path(args),
        args.path("--baseline"),
        args.path("--ledger"),
    )
}

fn official(rest: &[&str], mode: Mode, out: &mut dyn Write) -> Result<i32, String> {
    let mut with_value = vec![
        "--official",
        "--as",
        "--spec",
        "--baseline",
        "--ledger",
        "--timeout",
        "--report",
    ];
    let mut switches = vec![];
    if mode != Mode::Baseline {
        with_value.push("--json");
        switches.push("--apply");
    }
    let args = Args::parse(&owned(rest), &with_value, &switches)?;
    let source = args
        .value("--official")
        .ok_or_else(|| "--official needs a folder or URL".to_string())?;
    let mode = if args.flag("--apply") {
        Mode::Apply
    } else {
        mode
    };
    let options = official_run::Options {
        source,
        source_as: args.value("--as"),
        timeout: timeout_of(&args)?,
        mode,
        report: args
            .path("--report")
            .unwrap_or_else(|| workspace_root().join("target/official-drift.md")),
        json: args.path("--json"),
        files: official_files(&args),
    };
    let outcome = official_run::run(&options)?;
    let _ = write!(out, "{}", outcome.markdown);
    let _ = writeln!(out, "\n(report written to {})", options.report.display());
    Ok(outcome.exit_code())
}

fn spec_decide(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let mut ids = Vec::new();
    let mut flags = Vec::new();
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        if arg.starts_with("--") {
            flags.push(arg.to_string());
            if !arg.contains('=') {
                if let Some(value) = iter.next() {
                    flags.push(value.to_string());
                }
            }
        } else {
            ids.push(arg.to_string());
        }
    }
    let args = Args::parse(
        &flags,
        &["--reason", "--spec", "--baseline", "--ledger"],
        &[],
    )?;
    let reason = args
        .value("--reason")
        .ok_or_else(|| "spec decide needs --reason TEXT".to_string())?;
    let decided = crate::official::ledger::decide(&official_files(&args), &ids, &reason)?;
    for entry in decided {
        let _ = writeln!(out, "decided {}: {}", entry.id, entry.summary);
    }
    Ok(0)
}

fn spec_refresh(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(
        &owned(rest),
        &[
            "--from",
            "--as",
            "--report",
            "--spec",
            "--upstream-json",
            "--timeout",
        ],
        &["--apply"],
    )?;
    let timeout = match args.value("--timeout") {
        Some(seconds) => std::time::Duration::from_secs(
            seconds
                .parse()
                .map_err(|_| format!("--timeout takes whole seconds, not {seconds:?}"))?,
        ),
        None => fetch::TIMEOUT,
    };
    let options = Options {
        from: args
            .value("--from")
            .unwrap_or_else(|| fetch::DEFAULT_URL.into()),
        source_as: args.value("--as"),
        timeout,
        apply: args.flag("--apply"),
        report: args
            .path("--report")
            .unwrap_or_else(|| workspace_root().join("target/spec-drift.md")),
        paths: Paths::for_spec(spec_path(&args), args.path("--upstream-json")),
    };
    let outcome = refresh::refresh(&options)?;
    let _ = write!(out, "{}", outcome.markdown);
    let _ = writeln!(out, "\n(report written to {})", options.report.display());
    Ok(outcome.exit_code())
}

fn spec_baseline(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(
        &owned(rest),
        &["--from", "--as", "--spec", "--upstream-json"],
        &[],
    )?;
    let from = args
        .value("--from")
        .ok_or_else(|| "spec baseline needs --from URL|PATH".to_string())?;
    let paths = Paths::for_spec(spec_path(&args), args.path("--upstream-json"));
    let (snapshot, notes) = refresh::baseline(&from, args.value("--as").as_deref(), &paths)?;
    let _ = writeln!(
        out,
        "baseline: upstream {} ({} operations mapped, {} unmapped, {} schemas) recorded in {}",
        snapshot.version,
        snapshot.operations.len(),
        snapshot.unmapped.len(),
        snapshot.schemas.len(),
        paths.upstream_json.display()
    );
    for note in notes {
        let _ = writeln!(out, "note: {note}");
    }
    Ok(0)
}

fn spec_lint(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(&owned(rest), &["--spec"], &[])?;
    let path = spec_path(&args);
    let document = crate::codegen::load::read(&path).map_err(|e| e.to_string())?;
    let mut findings = lint::lint(&document);
    findings.extend(crate::official::ledger::lint(&path));
    if findings.is_empty() {
        let operations = crate::ours::operation_ids(&document).len();
        let _ = writeln!(
            out,
            "spec lint: {} is clean ({operations} operations)",
            path.display()
        );
        return Ok(0);
    }
    let _ = writeln!(
        out,
        "spec lint: {} finding(s) in {}",
        findings.len(),
        path.display()
    );
    for finding in &findings {
        let _ = writeln!(out, "- {}: {}", finding.location, finding.message);
    }
    Ok(1)
}

/// The client and operation table exactly as build.rs writes them.
fn generated_sources(spec: &std::path::Path) -> Result<crate::codegen::Generated, String> {
    crate::codegen::generate_from_path(spec).map_err(|e| e.to_string())
}

fn codegen(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(&owned(rest), &["--out", "--spec"], &[])?;
    let generated = generated_sources(&spec_path(&args))?;
    let text = format!(
        "// ===== client.rs (OUT_DIR) =====\n{}\n// ===== operations.rs (OUT_DIR) =====\n{}",
        generated.client, generated.operations
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

fn api_snapshot(rest: &[&str], out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(&owned(rest), &["--spec", "--snapshot"], &["--check"])?;
    let path = args
        .path("--snapshot")
        .unwrap_or_else(|| workspace_root().join("spec/api-snapshot.txt"));
    let generated = generated_sources(&spec_path(&args))?;
    let text = snapshot::render(&generated.client)?;
    if args.flag("--check") {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == text {
            let _ = writeln!(out, "api-snapshot: {} is up to date", path.display());
            return Ok(0);
        }
        let _ = writeln!(
            err,
            "api-snapshot: {} is stale (the generated API changed)\n{}\nrun: cargo xtask api-snapshot",
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
