//! `cargo xtask spec refresh --official` against edited copies of a cut-down
//! Losant 1.30.0 definition (`tests/fixtures/official/`, the layout of
//! `lib/schemas/`: `apiInfo.json` and one file per definition), in a
//! temporary directory holding a copy of `tests/fixtures/official-spec.yaml`.

mod changes;
mod lint;
mod refresh;
mod workspace;
