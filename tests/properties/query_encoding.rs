//! The query string the SDK sends decodes back to the values given.

use super::*;

// ---------------------------------------------------------------------------
// Decoding a query string the standard way.

fn decode(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// A decoded bracket tree: `a[0][key]=v` is `a → 0 → key → v`.
#[derive(Debug)]
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

/// Rebuilds parameter `root` from its numbered-bracket pairs; numeric keys
/// 0..n become an array. `None` when the parameter is absent.
fn unflatten(pairs: &[(String, String)], root: &str) -> Result<Option<Value>, String> {
    let mut tree: Option<Node> = None;
    for (name, value) in pairs {
        let Some(rest) = name.strip_prefix(root) else {
            continue;
        };
        if rest.is_empty() {
            if tree.is_some() {
                return Err(format!("{root} given twice"));
            }
            tree = Some(Node::Leaf(value.clone()));
            continue;
        }
        if !rest.starts_with('[') {
            continue; // another parameter that merely starts the same
        }
        let segments: Vec<&str> = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .ok_or_else(|| format!("malformed name {name}"))?
            .split("][")
            .collect();
        let mut node = tree.get_or_insert_with(|| Node::Branch(BTreeMap::new()));
        for (depth, segment) in segments.iter().enumerate() {
            let Node::Branch(children) = node else {
                return Err(format!("{name} nests under a value"));
            };
            let last = depth + 1 == segments.len();
            node = children.entry(segment.to_string()).or_insert_with(|| {
                if last {
                    Node::Leaf(value.clone())
                } else {
                    Node::Branch(BTreeMap::new())
                }
            });
        }
    }
    tree.map(into_value).transpose()
}

fn into_value(node: Node) -> Result<Value, String> {
    match node {
        Node::Leaf(text) => Ok(Value::String(text)),
        Node::Branch(children) => {
            let numeric: Option<Vec<usize>> = children.keys().map(|k| k.parse().ok()).collect();
            match numeric {
                Some(mut indices) if !indices.is_empty() => {
                    indices.sort_unstable();
                    if indices != (0..indices.len()).collect::<Vec<_>>() {
                        return Err(format!("array indices {indices:?} are not 0..n"));
                    }
                    let mut items: Vec<(usize, Value)> = Vec::new();
                    for (key, child) in children {
                        items.push((key.parse().unwrap_or(0), into_value(child)?));
                    }
                    items.sort_by_key(|(index, _)| *index);
                    Ok(Value::Array(items.into_iter().map(|(_, v)| v).collect()))
                }
                _ => Ok(Value::Object(
                    children
                        .into_iter()
                        .map(|(k, v)| into_value(v).map(|v| (k, v)))
                        .collect::<Result<_, _>>()?,
                )),
            }
        }
    }
}

/// What numbered brackets can carry: scalars as text, nulls left out.
fn as_sent(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(Value::String(b.to_string())),
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::String(s) => Some(Value::String(s)),
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(as_sent).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(fields) => {
            let fields: Map<String, Value> = fields
                .into_iter()
                .filter_map(|(k, v)| as_sent(v).map(|v| (k, v)))
                .collect();
            (!fields.is_empty()).then_some(Value::Object(fields))
        }
    }
}

/// Only RFC 3986 unreserved characters, escapes and the separators.
fn strictly_encoded(query: &str) -> bool {
    query
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.~%=&".contains(&b))
}

// ---------------------------------------------------------------------------
// Query encoding, through the SDK to a loopback server.

#[test]
fn the_query_string_decodes_to_the_values_given() {
    let rt = runtime();
    let server = rt.block_on(serve(vec![Reply::typed(
        200,
        "application/json",
        br#"{"items":[],"count":0,"totalCount":0}"#,
    )]));
    let client = client(&server.base_url);
    let keys = unicode(8).boxed();
    let strategy = (
        tag_filter(),
        prop::option::of(device_class_filter()),
        prop::option::of(unicode(24)),
        prop::option::of(json_object(keys)),
    );
    runner(CASES)
        .run(&strategy, |(tags, classes, filter, query)| {
            server.clear();
            let mut request = client
                .list_devices()
                .application_id(APP)
                .tag_filter(tags.clone())
                .per_page(7);
            if let Some(classes) = &classes {
                request = request.device_class(classes.clone());
            }
            if let Some(filter) = &filter {
                request = request.filter(filter.clone());
            }
            let query = query.map(|fields| {
                DeviceQuery::from_json(Value::Object(fields)).expect("an object is a query")
            });
            if let Some(query) = &query {
                request = request.query(query.clone());
            }
            rt.block_on(request.into_future())
                .map_err(|e| TestCaseError::fail(format!("request failed: {e:?}")))?;
            let raw = last_query(&server)?;
            prop_assert!(strictly_encoded(&raw), "not strictly encoded: {raw}");
            let pairs = decode(&raw);

            let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
            prop_assert_eq!(&names[..3], &["_actions", "_links", "_embedded"]);

            let expected_tags = as_sent(serde_json::to_value(&tags).unwrap_or(Value::Null));
            prop_assert_eq!(
                unflatten(&pairs, "tagFilter").map_err(TestCaseError::fail)?,
                expected_tags
            );

            let expected_classes =
                classes.and_then(|c| as_sent(serde_json::to_value(c).unwrap_or(Value::Null)));
            prop_assert_eq!(
                unflatten(&pairs, "deviceClass").map_err(TestCaseError::fail)?,
                expected_classes
            );

            let filters: Vec<&String> = pairs
                .iter()
                .filter(|(n, _)| n == "filter")
                .map(|(_, v)| v)
                .collect();
            prop_assert_eq!(filters, filter.iter().collect::<Vec<_>>());

            let queries: Vec<Value> = pairs
                .iter()
                .filter(|(n, _)| n == "query")
                .map(|(_, v)| serde_json::from_str(v))
                .collect::<Result<_, _>>()
                .map_err(|e| TestCaseError::fail(format!("query is not JSON: {e}")))?;
            let expected_query: Vec<Value> = query
                .iter()
                .map(|q| serde_json::to_value(q).unwrap_or(Value::Null))
                .collect();
            prop_assert_eq!(queries, expected_query);
            Ok(())
        })
        .unwrap();
}

#[test]
fn text_parameters_keep_any_unicode() {
    let rt = runtime();
    let server = rt.block_on(serve(vec![Reply::typed(
        200,
        "application/json",
        br#"{"deviceNames":[]}"#,
    )]));
    let client = client(&server.base_url);
    runner(CASES)
        .run(&unicode(32), |text| {
            server.clear();
            rt.block_on(
                client
                    .get_device_names()
                    .application_id(APP)
                    .starts_with(text.clone())
                    .into_future(),
            )
            .map_err(|e| TestCaseError::fail(format!("request failed: {e:?}")))?;
            let raw = last_query(&server)?;
            prop_assert!(strictly_encoded(&raw), "not strictly encoded: {raw}");
            prop_assert!(!raw.contains('+'), "a space must be %20: {raw}");
            let pairs = decode(&raw);
            let sent: Vec<&String> = pairs
                .iter()
                .filter(|(n, _)| n == "startsWith")
                .map(|(_, v)| v)
                .collect();
            prop_assert_eq!(sent, vec![&text]);
            Ok(())
        })
        .unwrap();
}
