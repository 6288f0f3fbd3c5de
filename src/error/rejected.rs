//! An argument rejected by a request builder, kept typed until `send()`.

use super::Error;
use std::any::Any;
use std::borrow::Cow;
use std::fmt;

/// Why one argument of a request builder was rejected: the parameter as
/// Losant names it, the reason and the value (see `codegen/builders/rejections.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejected {
    // Borrowed where they can be: every builder starts with its required
    // arguments "missing", once per request.
    parameter: Cow<'static, str>,
    reason: Cow<'static, str>,
    value: Option<String>,
}

impl Rejected {
    /// A required argument that was never set.
    pub(crate) fn missing(parameter: &'static str) -> Self {
        Self {
            parameter: Cow::Borrowed(parameter),
            reason: Cow::Borrowed("is required but was not set"),
            value: None,
        }
    }

    /// A value whose conversion into the parameter's type failed with
    /// `error`. Ids and names keep the value they rejected; the crate's own
    /// checks of a body (a state's attribute names) keep the field they
    /// name; other conversions only say why.
    pub(crate) fn conversion<E: fmt::Display + 'static>(
        parameter: &'static str,
        error: &E,
    ) -> Self {
        let any = error as &dyn Any;
        if let Some(invalid) = any.downcast_ref::<crate::ids::InvalidId>() {
            return Self {
                parameter: Cow::Borrowed(parameter),
                reason: Cow::Owned(format!("expected {}", invalid.expected)),
                value: Some(invalid.value.clone()),
            };
        }
        if let Some(Error::InvalidInput {
            parameter: inner,
            reason,
            value,
        }) = any.downcast_ref::<Error>()
        {
            return Self {
                parameter: Cow::Owned(inner.clone()),
                reason: Cow::Owned(reason.clone()),
                value: value.clone(),
            };
        }
        Self {
            parameter: Cow::Borrowed(parameter),
            reason: Cow::Owned(error.to_string()),
            value: None,
        }
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.parameter, self.reason)
    }
}

impl From<Rejected> for Error {
    fn from(rejected: Rejected) -> Self {
        Error::InvalidInput {
            parameter: rejected.parameter.into_owned(),
            reason: rejected.reason.into_owned(),
            value: rejected.value,
        }
    }
}

/// Checks a numeric parameter against the bounds the spec gives it.
pub(crate) fn check_range(
    parameter: &'static str,
    value: i64,
    minimum: Option<i64>,
    maximum: Option<i64>,
) -> Result<(), Error> {
    let reason = match (minimum, maximum) {
        (Some(low), Some(high)) if !(low..=high).contains(&value) => {
            format!("must be between {low} and {high}")
        }
        (Some(low), None) if value < low => format!("must be {low} or more"),
        (None, Some(high)) if value > high => format!("must be {high} or less"),
        _ => return Ok(()),
    };
    Err(Error::InvalidInput {
        parameter: parameter.to_string(),
        reason,
        value: Some(value.to_string()),
    })
}
