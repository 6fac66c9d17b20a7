//! Register amendments (`import amendments`): one changed field of a sub-project or project
//! per row, with its effective date, document and reason. The value is checked against its
//! field here; what the amendment does to recorded money is the ledger's rule
//! (`ledger::amend`).

use super::*;
use crate::error::{Check, Problem};
use crate::model::{self, Field, NewAmendment, Subject};

pub const AMENDMENT_COLUMNS: &[Column] = &[
    col("subject", &["对象"], true),
    col("code", &["编号"], true),
    col("field", &["字段"], true),
    col("value", &["新值"], true),
    col("effective", &["生效日期"], true),
    col("doc", &["依据文号", "文号"], true),
    col("reason", &["原因"], true),
];

pub fn parse_amendment(row: &Row<'_>) -> std::result::Result<NewAmendment, Vec<Problem>> {
    let mut f = Fields::new(row, AMENDMENT_COLUMNS);
    let subject = f.parse("subject", Check::Format, Subject::parse);
    let code = f.code("code");
    let field = f.parse("field", Check::Format, Field::parse);
    let value = match &field {
        Some(field) => f.parse("value", Check::Format, |v| field.canonical_value(v)),
        None => None,
    };
    let effective = f.date("effective");
    let document = f.name("doc", model::MAX_NAME_CHARS);
    let reason = f.text("reason", true);
    let value = (|| {
        Some(NewAmendment {
            subject: subject?,
            code: code?,
            field: field?,
            value: value?,
            effective: effective?,
            document: document?,
            reason: reason?,
        })
    })();
    f.finish(value)
}
