//! A rejected call and the check of its error.

use futures::future::BoxFuture;
use futures::FutureExt;
use losant_device::Error;

/// One rejected call.
pub(crate) struct Case {
    pub(crate) label: &'static str,
    /// The parameter at fault, exactly as Losant names it.
    pub(crate) parameter: &'static str,
    /// Texts the error must contain: the bad value, where there is one.
    pub(crate) mentions: Vec<String>,
    pub(crate) call: BoxFuture<'static, Result<(), Error>>,
}

pub(crate) fn case(
    label: &'static str,
    parameter: &'static str,
    mentions: &[&str],
    call: impl std::future::Future<Output = Result<(), Error>> + Send + 'static,
) -> Case {
    Case {
        label,
        parameter,
        mentions: mentions.iter().map(|m| m.to_string()).collect(),
        call: call.boxed(),
    }
}

pub(crate) fn check(
    case_label: &str,
    expected: &str,
    mentions: &[String],
    outcome: Result<(), Error>,
) -> Option<String> {
    let error = match outcome {
        Ok(()) => return Some(format!("{case_label}: accepted")),
        Err(error) => error,
    };
    let Error::InvalidInput {
        parameter, reason, ..
    } = &error
    else {
        return Some(format!(
            "{case_label}: expected InvalidInput, got {error:?}"
        ));
    };
    if parameter != expected {
        return Some(format!(
            "{case_label}: names parameter {parameter:?}, expected {expected:?} ({reason})"
        ));
    }
    let text = error.to_string();
    for mention in mentions {
        if !text.contains(mention.as_str()) {
            return Some(format!(
                "{case_label}: {text:?} does not mention {mention:?}"
            ));
        }
    }
    None
}
