//! Where the upstream document comes from, and a source that fails: nothing changes then.

use crate::workspace::*;
use httpmock::prelude::*;
use xtask::refresh::{self, UpstreamRecord};

#[test]
fn unreachable_url_is_an_error_and_changes_nothing() {
    let workspace = Workspace::new("unreachable");
    let before = workspace.read("upstream.json");
    let (code, out, err) = workspace.cli(&["--from", "http://127.0.0.1:1/openapi.yml", "--apply"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.starts_with("error: cannot fetch http://127.0.0.1:1/openapi.yml:"),
        "{err}"
    );
    assert_untouched(&workspace, &before);
}

#[test]
fn slow_server_times_out() {
    let workspace = Workspace::new("slow");
    let before = workspace.read("upstream.json");
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/slow.yml");
        then.status(200)
            .delay(std::time::Duration::from_secs(5))
            .body(V1);
    });
    let (code, _, err) = workspace.cli(&["--from", &server.url("/slow.yml"), "--timeout", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no complete answer within 1 s"), "{err}");
    assert_untouched(&workspace, &before);
}

#[test]
fn http_error_status_is_an_error() {
    let workspace = Workspace::new("status");
    let before = workspace.read("upstream.json");
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/missing.yml");
        then.status(404).body("Not Found");
    });
    let (code, _, err) = workspace.cli(&["--from", &server.url("/missing.yml"), "--apply"]);
    assert_eq!(code, 2);
    assert!(err.contains("the server answered HTTP 404"), "{err}");
    assert_untouched(&workspace, &before);
}

#[test]
fn malformed_yaml_is_an_error_and_changes_nothing() {
    let workspace = Workspace::new("malformed");
    let before = workspace.read("upstream.json");
    let server = MockServer::start();
    let url = serve(
        &server,
        "openapi: 3.0.3\ninfo:\n  version: 1.2.0\npaths: [unclosed\n",
    );
    let (code, _, err) = workspace.cli(&["--from", &url, "--apply"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a YAML document"), "{err}");
    assert_untouched(&workspace, &before);

    // Valid YAML that is not an OpenAPI document (an HTML error page, say).
    let server = MockServer::start();
    let url = serve(&server, "<html><body>rate limited</body></html>\n");
    let (code, _, err) = workspace.cli(&["--from", &url, "--apply"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not an OpenAPI document"), "{err}");
    assert_untouched(&workspace, &before);
}

#[test]
fn a_local_path_is_recorded_by_its_name_only() {
    let workspace = Workspace::new("recorded");
    let local = workspace.path("upstream-v1.yml");
    refresh::baseline(local.to_str().unwrap(), None, &workspace.paths()).unwrap();
    let record = UpstreamRecord::read(&workspace.path("upstream.json")).unwrap();
    assert_eq!(record.retrieved.source, "upstream-v1.yml");
    assert_eq!(record.baseline.source, "upstream-v1.yml");
    assert!(!workspace
        .read("upstream.json")
        .contains(&workspace.dir.display().to_string()));
}

#[test]
fn local_path_works_like_a_url() {
    let workspace = Workspace::new("local");
    let outcome =
        refresh::refresh(&workspace.options(fixture("upstream-v1.yml").to_str().unwrap(), false))
            .unwrap();
    assert!(outcome.changes.is_empty());
    assert_eq!(
        outcome.retrieved.sha256,
        xtask::fetch::sha256_hex(V1.as_bytes())
    );
    // The fixture spec records exactly this upstream.
    assert!(SPEC.contains(&format!("sha256: {}", outcome.retrieved.sha256)));
}
