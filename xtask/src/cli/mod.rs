//! Command-line front end. Every command returns its exit code; output goes
//! to the given writers so tests can run commands in-process.
//!
//! [`spec`] runs the `spec …` commands, [`generated`] `codegen` and
//! `api-snapshot`.

mod generated;
mod spec;

use crate::workspace_root;
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
      Mark items as decided, with the reason, and move the baseline for
      exactly their facts. An ID is a ledger item, or a difference between
      our spec and the baseline that spec lint names (recorded as decided).
  spec baseline --from URL|PATH [--as URL] [--spec PATH] [--upstream-json PATH]
      Record URL|PATH as the upstream our spec is reconciled against
      (rewrites spec/upstream.json; no report).
  spec lint [--spec PATH] [--baseline PATH] [--ledger PATH]
      Check our spec (operationIds, x-losant-action, refs, parameter types,
      summaries, 4xx responses, no strict response schemas, no OpenAPI 3.1)
      and, when spec/official-baseline.json exists, that no item of
      spec/drift-ledger.json is pending and that our spec agrees with the
      baseline's facts wherever no decision says otherwise (offline, with
      the refresh's tolerance rules). Exit 0/1.
  codegen [--out FILE] [--spec PATH]
      Print (or write) the code build.rs generates from the spec.
  rust-version
      Check that the rust-version of each workspace crate is at least the
      rust-version every resolved dependency declares (cargo metadata, all
      features). Exit 0/1.
  api-snapshot [--check] [--spec PATH] [--snapshot PATH] [--crate-root FILE]
      Regenerate spec/api-snapshot.txt, the listing of the whole public API
      (the generated client, and the hand-written API walked from
      --crate-root, default src/lib.rs), or with --check fail (exit 1) if it
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
            spec::official(rest, spec::Mode::Report, out)
        }
        ["spec", "baseline", rest @ ..] if rest.iter().any(|a| a.starts_with("--official")) => {
            spec::official(rest, spec::Mode::Baseline, out)
        }
        ["spec", "decide", rest @ ..] => spec::decide(rest, out),
        ["spec", "refresh", rest @ ..] => spec::refresh(rest, out),
        ["spec", "baseline", rest @ ..] => spec::baseline(rest, out),
        ["spec", "lint", rest @ ..] => spec::lint(rest, out),
        ["codegen", rest @ ..] => generated::codegen(rest, out),
        ["api-snapshot", rest @ ..] => generated::api_snapshot(rest, out, err),
        ["rust-version"] => rust_version(out),
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

fn rust_version(out: &mut dyn Write) -> Result<i32, String> {
    let problems = crate::rust_version::run(&workspace_root())?;
    for problem in &problems {
        let _ = writeln!(
            out,
            "{} declares rust-version {}, but {} needs {}",
            problem.ours, problem.declared, problem.dependency, problem.needs
        );
    }
    if problems.is_empty() {
        let _ = writeln!(
            out,
            "rust-version: every dependency builds on the declared versions"
        );
        Ok(0)
    } else {
        Ok(1)
    }
}

fn owned(rest: &[&str]) -> Vec<String> {
    rest.iter().map(|s| s.to_string()).collect()
}
