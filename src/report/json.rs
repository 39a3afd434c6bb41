//! The interface's JSON. Strings from logs are scrubbed (secrets redacted,
//! control and Bidi characters escaped), and `##[` is written as `#\u0023[` so
//! a runner echoing the JSON sees no legacy workflow command.

use std::io::{self, Write};

use serde_json::Value;

use crate::report::{DiagnoseReport, FixReport};
use crate::sanitize::Redactor;

/// The version of the JSON's shape: raised when a field changes meaning or
/// goes away (new fields do not raise it). 2: `reason_code` and this field.
pub const SCHEMA_VERSION: u32 = 2;

pub fn write_diagnose(
    out: &mut dyn Write,
    report: &DiagnoseReport,
    scrub: &Redactor,
) -> io::Result<()> {
    let mut value = serde_json::to_value(report).map_err(io::Error::other)?;
    versioned(&mut value);
    write_json(out, value, scrub)
}

/// Adds `schema_version` at the top level.
fn versioned(value: &mut Value) {
    if let Value::Object(o) = value {
        o.insert("schema_version".into(), SCHEMA_VERSION.into());
    }
}

pub fn write_fix(out: &mut dyn Write, report: &FixReport, scrub: &Redactor) -> io::Result<()> {
    let mut value = serde_json::to_value(report).map_err(io::Error::other)?;
    // Each failure carries its fix status: `diagnosis.failures[].fix`.
    if let Some(Value::Array(failures)) = value.pointer_mut("/diagnosis/failures") {
        for (f, status) in failures.iter_mut().zip(&report.failure_fixes) {
            if let Value::Object(o) = f {
                o.insert(
                    "fix".into(),
                    serde_json::to_value(status).map_err(io::Error::other)?,
                );
            }
        }
    }
    versioned(&mut value);
    write_json(out, value, scrub)
}

fn write_json(out: &mut dyn Write, mut value: Value, scrub: &Redactor) -> io::Result<()> {
    scrub_value(&mut value, scrub);
    let text = serde_json::to_string_pretty(&value).map_err(io::Error::other)?;
    // Only string contents can hold `##[`; `\u0023` is `#` in JSON.
    let text = text.replace("##[", "#\\u0023[");
    writeln!(out, "{text}")
}

fn scrub_value(v: &mut Value, scrub: &Redactor) {
    match v {
        Value::String(s) => {
            let clean = scrub.clean(s);
            if clean != *s {
                *s = clean;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_value(x, scrub)),
        Value::Object(o) => o.values_mut().for_each(|x| scrub_value(x, scrub)),
        _ => {}
    }
}
