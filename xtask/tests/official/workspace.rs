//! A temporary directory with a copy of the cut-down spec and of Losant's definition files, and `cargo xtask` run against it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use xtask::official::ledger::{Baseline, Ledger};

pub(crate) const SPEC: &str = include_str!("../fixtures/official-spec.yaml");
pub(crate) const FILES: [&str; 5] = [
    "apiInfo.json",
    "deviceAttribute.json",
    "deviceAttributePatch.json",
    "tagValuesResponse.json",
    "error.json",
];

pub(crate) fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/official")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

pub(crate) struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    /// A copy of the fixture spec, and a baseline recorded from the
    /// unedited definition (which our fixture spec agrees with).
    pub(crate) fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xtask-official-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("v1")).unwrap();
        std::fs::write(dir.join("spec.yaml"), SPEC).unwrap();
        for file in FILES {
            std::fs::write(dir.join("v1").join(file), fixture(file)).unwrap();
        }
        let workspace = Workspace { dir };
        let (code, out, err) = workspace.run(&["spec", "baseline", "--official", "v1"]);
        assert_eq!(code, 0, "{out}{err}");
        workspace
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// A copy of the definition as folder `name`, with `edit` applied to
    /// each file (file name, parsed JSON).
    pub(crate) fn version(&self, name: &str, edit: impl Fn(&str, &mut Value)) -> String {
        std::fs::create_dir_all(self.path(name)).unwrap();
        for file in FILES {
            let mut value: Value = serde_json::from_str(&fixture(file)).unwrap();
            edit(file, &mut value);
            std::fs::write(
                self.path(name).join(file),
                serde_json::to_string_pretty(&value).unwrap(),
            )
            .unwrap();
        }
        self.path(name).display().to_string()
    }

    /// `cargo xtask <args> --spec <copy>` with relative sources resolved in
    /// the temporary directory; (exit code, stdout, stderr).
    pub(crate) fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut owned: Vec<String> = args
            .iter()
            .map(|a| {
                if ["v1", "v2"].contains(a) {
                    self.path(a).display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        owned.extend([
            "--spec".into(),
            self.path("spec.yaml").display().to_string(),
        ]);
        if args.first() == Some(&"spec") && ["refresh", "baseline"].contains(&args[1]) {
            owned.extend([
                "--report".into(),
                self.path("report.md").display().to_string(),
            ]);
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = xtask::cli::run(&owned, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.read("changes.json")).unwrap()
    }

    pub(crate) fn ledger(&self) -> Ledger {
        Ledger::read(&self.path("drift-ledger.json")).unwrap()
    }

    pub(crate) fn baseline(&self) -> Baseline {
        Baseline::read(&self.path("official-baseline.json")).unwrap()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
