//! A temporary copy of the fixture spec with its baseline, and the upstream documents the tests serve.

use httpmock::prelude::*;
use std::path::{Path, PathBuf};
use xtask::refresh::{self, Options, Paths};

pub(crate) const SPEC: &str = include_str!("../fixtures/spec.yaml");
pub(crate) const V1: &str = include_str!("../fixtures/upstream-v1.yml");

/// A temporary directory holding a copy of the fixture spec and a baseline
/// made from `upstream-v1.yml`.
pub(crate) struct Workspace {
    pub(crate) dir: PathBuf,
}

impl Workspace {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("spec.yaml"), SPEC).unwrap();
        std::fs::write(dir.join("upstream-v1.yml"), V1).unwrap();
        let workspace = Workspace { dir };
        refresh::baseline(
            workspace.dir.join("upstream-v1.yml").to_str().unwrap(),
            Some("https://example.invalid/losant-device-api-openapi.yml"),
            &workspace.paths(),
        )
        .unwrap();
        workspace
    }

    pub(crate) fn paths(&self) -> Paths {
        Paths::for_spec(self.dir.join("spec.yaml"), None)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    pub(crate) fn options(&self, from: &str, apply: bool) -> Options {
        Options {
            from: from.into(),
            source_as: None,
            timeout: xtask::fetch::TIMEOUT,
            apply,
            report: self.path("drift.md"),
            paths: self.paths(),
        }
    }

    /// Runs the command line as `cargo xtask` would; (exit code, stdout, stderr).
    pub(crate) fn cli(&self, extra: &[&str]) -> (i32, String, String) {
        let mut args: Vec<String> = vec!["spec".into(), "refresh".into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([
            "--spec".into(),
            self.path("spec.yaml").display().to_string(),
            "--report".into(),
            self.path("drift.md").display().to_string(),
        ]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = xtask::cli::run(&args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves `body` as the upstream document; returns its URL.
pub(crate) fn serve(server: &MockServer, body: &str) -> String {
    let body = body.to_string();
    server.mock(|when, then| {
        when.method(GET).path("/openapi.yml");
        then.status(200)
            .header("content-type", "text/yaml")
            .body(body);
    });
    server.url("/openapi.yml")
}

pub(crate) fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

/// v1 plus version 1.1.0, the state operation (which our spec already has)
/// and one new property on `device`.
pub(crate) fn v2_operation_and_property() -> String {
    let text = replace_once(V1, "  version: 1.0.0", "  version: 1.1.0");
    let text = replace_once(
        &text,
        "  /applications/{applicationId}/devices:\n",
        "  /applications/{applicationId}/devices/{deviceId}/state:
    get:
      summary: Retrieve the Last Known State(s) of the Device
      parameters:
      - *id001
      - *id002
      responses:
        '200':
          description: Recent device states
  /applications/{applicationId}/devices:\n",
    );
    replace_once(
        &text,
        "        deviceClass:\n          $ref: '#/components/schemas/common/deviceClass'\n",
        "        deviceClass:\n          $ref: '#/components/schemas/common/deviceClass'\n        firmwareVersion:\n          type: string\n",
    )
}

pub(crate) fn assert_untouched(workspace: &Workspace, upstream_json: &str) {
    assert_eq!(workspace.read("spec.yaml"), SPEC);
    assert_eq!(workspace.read("upstream.json"), upstream_json);
    assert!(!workspace.path("drift.md").exists());
}

/// (lines only in `old`, lines only in `new`) by a longest-common-subsequence
/// line diff.
pub(crate) fn line_diff(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].to_string());
            j += 1;
        } else {
            removed.push(a[i].to_string());
            i += 1;
        }
    }
    (removed, added)
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
