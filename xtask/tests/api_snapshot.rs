//! The hand-written part of the API snapshot, on a small crate tree
//! (`tests/fixtures/api-crate/src/`) that has an item for every rule of
//! what is public: kept, labelled or left out.

use std::path::{Path, PathBuf};
use xtask::snapshot::public::{render, Included};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api-crate/src/lib.rs")
}

fn listing() -> String {
    render(&fixture_root(), &Included::new()).unwrap()
}

const EXPECTED: &str = r#"Duration: use std::time::Duration  (another crate's)
Exposed: struct Exposed
  size: u32
  (private fields)
  impl Exposed
    fn grow(&mut self, by: u32)
    fn new(size: u32) -> Self
    fn shrunk(self) -> Self
Gadget: use shapes::Widget
ThingId: #[derive(Clone, Debug)] struct ThingId
  (private fields)
  impl ThingId
    fn as_str(&self) -> &str
extra: mod  [cfg(feature = "extra")]
extra::extra_feature: fn extra_feature()  [cfg(feature = "extra")]
renamed: mod
renamed::via_path_attribute: fn via_path_attribute()
shapes: mod
shapes::Draw: trait Draw
  fn draw(&self) -> String
  fn name(&self) -> &str
  type Canvas
shapes::LIMIT: const LIMIT: u32
shapes::Pair: type Pair = (u32, u32)
shapes::Shape: #[derive(Debug, PartialEq)] #[non_exhaustive] enum Shape
  Circle { radius: f64 }
  Square(f64)
  Star  [cfg(feature = "extra")]
shapes::Widget: struct Widget
  impl Widget
    fn new() -> Self
    fn sparkle(&self)  [cfg(feature = "extra")]
  impl std::fmt::Display for Widget
shapes::nested: mod
shapes::nested::deep: fn deep()
top_level: fn top_level<T>(name: T, count: usize) -> Option<T> where T: Clone + Into<String>
"#;

#[test]
fn the_fixture_lists_exactly_its_public_api() {
    assert_eq!(listing(), EXPECTED);
}

#[test]
fn items_of_a_private_module_are_left_out_unless_re_exported() {
    let text = listing();
    assert!(!text.contains("secret_fn"), "{text}");
    assert!(!text.contains("hidden_inner"), "{text}");
    // `pub use private::Exposed` makes it public, in full, at the root.
    assert!(
        text.contains("Exposed: struct Exposed\n  size: u32\n  (private fields)\n"),
        "{text}"
    );
}

#[test]
fn crate_visible_items_are_left_out() {
    let text = listing();
    for name in ["internal_helper", "not_public", "fn internal("] {
        assert!(!text.contains(name), "{name}: {text}");
    }
}

#[test]
fn a_re_export_of_a_public_item_is_a_use_line() {
    let text = listing();
    assert!(text.contains("Gadget: use shapes::Widget\n"), "{text}");
    assert!(text.contains("shapes::Widget: struct Widget\n"), "{text}");
    assert!(
        text.contains("Duration: use std::time::Duration  (another crate's)\n"),
        "{text}"
    );
}

#[test]
fn cfg_gated_items_are_labelled_with_their_feature() {
    let text = listing();
    assert!(
        text.contains("extra::extra_feature: fn extra_feature()  [cfg(feature = \"extra\")]\n"),
        "{text}"
    );
    assert!(
        text.contains("    fn sparkle(&self)  [cfg(feature = \"extra\")]\n"),
        "{text}"
    );
    assert!(
        text.contains("  Star  [cfg(feature = \"extra\")]\n"),
        "{text}"
    );
    assert!(!text.contains("only_in_tests"), "{text}");
}

#[test]
fn impl_methods_are_listed_under_their_impl() {
    let text = listing();
    assert!(
        text.contains("  impl Widget\n    fn new() -> Self\n"),
        "{text}"
    );
    assert!(
        text.contains("  impl std::fmt::Display for Widget\n"),
        "{text}"
    );
    // A macro's items are listed like written ones.
    assert!(
        text.contains("  impl ThingId\n    fn as_str(&self) -> &str\n"),
        "{text}"
    );
}

#[test]
fn doc_hidden_items_are_left_out() {
    let text = listing();
    for name in ["hidden_helper", "hidden_module_fn", "Hidden", "fn hidden("] {
        assert!(!text.contains(name), "{name}: {text}");
    }
}

#[test]
fn entries_are_sorted_by_path_and_stable() {
    let text = listing();
    let paths: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_once(": ").map(|(path, _)| path))
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(listing(), text);
}

#[test]
fn a_missing_module_file_is_an_error() {
    let dir = std::env::temp_dir().join(format!("xtask-api-missing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lib.rs"), "pub mod gone;\n").unwrap();
    let error = render(&dir.join("lib.rs"), &Included::new()).unwrap_err();
    assert!(error.contains("module gone"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}
