//! The `spec …` commands: the official and aggregator refreshes and
//! baselines, decisions, and lint.

use super::{owned, spec_path, Args};
use crate::official::ledger::Files;
use crate::official::run as official_run;
pub use crate::official::run::Mode;
use crate::refresh::{self, Options, Paths};
use crate::{fetch, lint as spec_lint, workspace_root};
use std::io::Write;

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

pub(super) fn official(rest: &[&str], mode: Mode, out: &mut dyn Write) -> Result<i32, String> {
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

pub(super) fn decide(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
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
    let decided = crate::official::decide::decide(&official_files(&args), &ids, &reason)?;
    for entry in decided {
        let _ = writeln!(out, "decided {}: {}", entry.id, entry.summary);
    }
    Ok(0)
}

pub(super) fn refresh(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
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

pub(super) fn baseline(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
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

pub(super) fn lint(rest: &[&str], out: &mut dyn Write) -> Result<i32, String> {
    let args = Args::parse(&owned(rest), &["--spec", "--baseline", "--ledger"], &[])?;
    let path = spec_path(&args);
    let document = crate::codegen::load::read(&path).map_err(|e| e.to_string())?;
    let mut findings = spec_lint::lint(&document);
    findings.extend(crate::official::lint::lint(
        &document,
        &official_files(&args),
    ));
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
