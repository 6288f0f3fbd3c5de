//! Generates the typed client from `spec/losant-device-api.yaml` into OUT_DIR.

#[path = "codegen/mod.rs"]
mod codegen;

use std::path::{Path, PathBuf};

fn main() {
    // Only the spec and the codegen sources feed the generated code; editing
    // `src/` must not rerun this script.
    println!("cargo:rerun-if-changed={}", codegen::SPEC_PATH);
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=build.rs");

    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());

    let generated = match codegen::generate_from_path(&manifest_dir.join(codegen::SPEC_PATH)) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!(
                "error: cannot generate the Losant client from {}: {error}",
                codegen::SPEC_PATH
            );
            std::process::exit(1);
        }
    };
    write(&out_dir.join("client.rs"), &generated.client);
    write(&out_dir.join("operations.rs"), &generated.operations);
    // Read only by tests/tolerance.rs; a few KB.
    write(&out_dir.join("tolerance.rs"), &generated.tolerance);

    // The `mock` feature's typed httpmock expectations (src/mock.rs).
    if std::env::var_os("CARGO_FEATURE_MOCK").is_some() {
        match codegen::mock::generate_from_path(&manifest_dir.join(codegen::SPEC_PATH)) {
            Ok(mock) => write(&out_dir.join("mock.rs"), &mock),
            Err(error) => {
                eprintln!(
                    "error: cannot generate the mock module from {}: {error}",
                    codegen::SPEC_PATH
                );
                std::process::exit(1);
            }
        }
    }
}

fn write(path: &Path, contents: &str) {
    if let Err(error) = std::fs::write(path, contents) {
        eprintln!("error: cannot write {}: {error}", path.display());
        std::process::exit(1);
    }
}
