//! `spec lint`, `codegen` and `api-snapshot` on the test fixture, and the
//! consistency of what is committed in spec/.

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-cmd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = xtask::cli::run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn lint_passes_the_fixture_and_reports_every_finding() {
    let (code, out, _) = run(&["spec", "lint", "--spec", &fixture("spec.yaml")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("is clean (4 operations)"), "{out}");

    // The aggregator-shaped document breaks several rules at once.
    let (code, out, _) = run(&["spec", "lint", "--spec", &fixture("upstream-v1.yml")]);
    assert_eq!(code, 1);
    for expected in [
        "GET /applications/{applicationId}/devices/{deviceId}/attributes/{name}: has no operationId",
        "POST /applications/{applicationId}/devices: lists no 4xx error response",
        "#/components/schemas/device/properties/name: $ref #/components/schemas/common/name does not resolve",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
}

#[test]
fn codegen_writes_what_build_rs_generates() {
    let dir = temp("codegen");
    let out_file = dir.join("generated.rs");
    let (code, _, err) = run(&[
        "codegen",
        "--spec",
        &fixture("spec.yaml"),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out_file).unwrap();
    let generated = xtask::codegen::generate_from_path(Path::new(&fixture("spec.yaml"))).unwrap();
    // build.rs writes the code unformatted; the command prints it formatted.
    let formatted = |code: &str| prettyplease::unparse(&syn::parse_file(code).unwrap());
    assert!(text.contains(&formatted(&generated.client)));
    assert!(text.contains(&formatted(&generated.operations)));
    assert!(
        !generated.client.contains("\n    pub fn"),
        "build.rs output is not formatted"
    );
    assert!(text.contains("pub fn get_device_attribute(&self)"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn api_snapshot_check_detects_staleness() {
    let dir = temp("snapshot");
    let snapshot = dir.join("api-snapshot.txt");
    let spec = fixture("spec.yaml");
    let args = |extra: &[&str]| {
        let mut v = vec![
            "api-snapshot",
            "--spec",
            &spec,
            "--snapshot",
            snapshot.to_str().unwrap(),
        ];
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run_owned = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    };

    // Missing file: stale.
    let (code, _, err) = run_owned(args(&["--check"]));
    assert_eq!(code, 1);
    assert!(err.contains("run: cargo xtask api-snapshot"), "{err}");

    let (code, _, _) = run_owned(args(&[]));
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(text.contains(
        "get_device_attribute: GET /applications/{applicationId}/devices/{deviceId}/attributes/{name}\n  .application_id(String)\n  .device_id(String)\n  .name(String)\n"
    ), "{text}");
    assert!(
        text.contains("struct Device\n  creation_date: Option<crate::timestamp::Timestamp>\n"),
        "{text}"
    );
    assert!(
        text.contains("enum DeviceClass\n  Standalone\n  Gateway\n"),
        "{text}"
    );
    let (code, out, _) = run_owned(args(&["--check"]));
    assert_eq!(code, 0, "{out}");

    // Deterministic: regenerating gives the same bytes.
    run_owned(args(&[]));
    assert_eq!(std::fs::read_to_string(&snapshot).unwrap(), text);

    std::fs::write(&snapshot, text.replace("  Gateway\n", "")).unwrap();
    let (code, _, err) = run_owned(args(&["--check"]));
    assert_eq!(code, 1);
    assert!(err.contains("is stale"), "{err}");
    assert!(err.ends_with("run: cargo xtask api-snapshot\n"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The snapshot covers the hand-written API too: a new public function in
/// the crate's sources makes it stale.
#[test]
fn api_snapshot_check_detects_a_hand_written_change() {
    let dir = temp("snapshot-src");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api-crate/src");
    let copy = dir.join("src");
    copy_tree(&source, &copy);
    let snapshot = dir.join("api-snapshot.txt");
    let spec = fixture("spec.yaml");
    let root = copy.join("lib.rs");
    let args = |extra: &str| {
        let mut v = vec![
            "api-snapshot".to_string(),
            "--spec".into(),
            spec.clone(),
            "--snapshot".into(),
            snapshot.display().to_string(),
            "--crate-root".into(),
            root.display().to_string(),
        ];
        if !extra.is_empty() {
            v.push(extra.into());
        }
        v
    };
    let run_owned = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    };
    assert_eq!(run_owned(args("")).0, 0);
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(text.contains("\n## Hand-written API (src/)\n\n"), "{text}");
    assert!(
        text.contains("\nshapes::nested::deep: fn deep()\n"),
        "{text}"
    );
    assert_eq!(run_owned(args("--check")).0, 0);

    let nested = copy.join("shapes/nested.rs");
    let mut code = std::fs::read_to_string(&nested).unwrap();
    code.push_str("pub fn deeper(level: u8) -> u8 { level }\n");
    std::fs::write(&nested, code).unwrap();
    let (code, _, err) = run_owned(args("--check"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is stale (the public API changed)"), "{err}");
    assert!(err.contains("fn deeper(level: u8) -> u8"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn unknown_command_is_an_error() {
    let (code, _, err) = run(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("usage: cargo xtask"));
    let (code, _, err) = run(&["spec", "refresh", "--bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument"), "{err}");
}

/// The committed baseline, mapping table and spec agree: every operation of
/// our spec is either in the baseline upstream, known to be missing from it,
/// or from another upstream document, and the spec records the baseline's
/// upstream in info.x-upstream.
#[test]
fn committed_baseline_mapping_and_spec_agree() {
    use xtask::mapping::{KNOWN_MISSING, OTHER_DOCUMENT};
    let root = xtask::workspace_root();
    let record = xtask::refresh::UpstreamRecord::read(&root.join("spec/upstream.json")).unwrap();
    let spec = xtask::codegen::load::read(&root.join(xtask::codegen::SPEC_PATH)).unwrap();
    let baseline = &record.baseline;
    assert!(
        baseline.unmapped.is_empty(),
        "{:?}",
        baseline.unmapped.keys()
    );
    for id in KNOWN_MISSING {
        assert!(
            !baseline.operations.contains_key(*id),
            "{id} is known-missing but in the baseline"
        );
    }
    let mut ours = xtask::ours::operation_ids(&spec);
    ours.sort();
    let mut expected: Vec<String> = baseline
        .operations
        .keys()
        .cloned()
        .chain(KNOWN_MISSING.iter().map(|s| s.to_string()))
        .chain(
            OTHER_DOCUMENT
                .iter()
                .filter(|id| ours.contains(&id.to_string()))
                .map(|s| s.to_string()),
        )
        .collect();
    expected.sort();
    assert_eq!(ours, expected);
    assert_eq!(
        spec.pointer("/info/x-upstream/sha256")
            .and_then(|v| v.as_str()),
        Some(baseline.sha256.as_str())
    );
    assert_eq!(
        spec.pointer("/info/x-upstream/version")
            .and_then(|v| v.as_str()),
        Some(baseline.version.as_str())
    );
}
