//! Ids and names round-trip, and invalid ones are rejected naming the value.

use super::*;

// ---------------------------------------------------------------------------
// Ids and names.

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_name(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

macro_rules! round_trips {
    ($ty:ty, $text:expr) => {{
        let text: &str = $text;
        let parsed: $ty = text
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{text:?} rejected: {e}")))?;
        prop_assert_eq!(parsed.to_string(), text);
        prop_assert_eq!(parsed.as_str(), text);
        let json = serde_json::to_value(&parsed).unwrap_or(Value::Null);
        prop_assert_eq!(&json, &Value::String(text.to_string()));
        let back: $ty = serde_json::from_value(json)
            .map_err(|e| TestCaseError::fail(format!("serde rejected {text:?}: {e}")))?;
        prop_assert_eq!(back, parsed);
    }};
}

macro_rules! rejects {
    ($ty:ty, $text:expr) => {{
        let text: &str = $text;
        match text.parse::<$ty>() {
            Ok(id) => return Err(TestCaseError::fail(format!("{text:?} accepted as {id:?}"))),
            Err(error) => {
                prop_assert_eq!(&error.value, text);
                let error = Error::from(error);
                prop_assert!(matches!(error, Error::InvalidInput { .. }), "{:?}", error);
            }
        }
        prop_assert!(serde_json::from_value::<$ty>(Value::String(text.to_string())).is_err());
    }};
}

#[test]
fn valid_object_ids_round_trip() {
    runner(CASES)
        .run(&"[0-9a-fA-F]{24}", |text| {
            round_trips!(ApplicationId, &text);
            round_trips!(DeviceId, &text);
            round_trips!(DeviceRecipeId, &text);
            round_trips!(ObjectId, &text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn invalid_object_ids_are_rejected() {
    let near_misses = (
        "[0-9a-f]{0,30}",
        "[0-9a-f]{23}",
        prop::sample::select(vec!['g', 'z', 'G', ' ', '-', 'é', '\0']),
        0usize..24,
    )
        .prop_map(|(free, base, odd, at)| {
            let mut chars: Vec<char> = base.chars().collect();
            chars.insert(at.min(chars.len()), odd);
            if free.len() != 24 {
                vec![free, chars.into_iter().collect()]
            } else {
                vec![chars.into_iter().collect()]
            }
        });
    let strategy = prop_oneof![unicode(30).prop_map(|s| vec![s]), near_misses];
    runner(CASES)
        .run(&strategy, |texts| {
            for text in texts.iter().filter(|t| !is_object_id(t)) {
                rejects!(ApplicationId, text);
                rejects!(DeviceId, text);
                rejects!(DeviceRecipeId, text);
                rejects!(ObjectId, text);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn attribute_names_and_tag_keys_round_trip_or_are_rejected() {
    runner(CASES)
        .run(&"[A-Za-z0-9_-]{1,255}", |text| {
            round_trips!(AttributeName, &text);
            round_trips!(TagKey, &text);
            Ok(())
        })
        .unwrap();
    let invalid = prop_oneof![
        unicode(40),
        Just(String::new()),
        "[A-Za-z0-9_-]{256,300}",
        "[A-Za-z0-9_-]{0,8}[ .!/é$\\[\\]][A-Za-z0-9_-]{0,8}",
    ];
    runner(CASES)
        .run(&invalid, |text| {
            if !is_name(&text) {
                rejects!(AttributeName, &text);
                rejects!(TagKey, &text);
            }
            Ok(())
        })
        .unwrap();
}
