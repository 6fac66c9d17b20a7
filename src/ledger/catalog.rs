//! Writers of the catalogue and the subsidy rules.

use super::{Differences, Outcome, RowResult, Stamp};
use crate::catalog::builtin;
use crate::catalog::Catalog;
use crate::db::Tx;
use crate::error::{Check, Error, Problem, Result};
use crate::import::{self, CsvInput};
use crate::pipeline;

/// Writes catalogue rows (built-in at `init`, or added by users). A row whose code is known is
/// unchanged when identical and refused (R4) when different; a new name under a new code is
/// added. References (department, channel, type) accept the code or the Chinese name.
pub struct CatalogWriter<'t, 'c> {
    tx: &'t Tx<'c>,
    catalog: std::sync::Arc<Catalog>,
    builtin: bool,
}

impl<'t, 'c> CatalogWriter<'t, 'c> {
    pub fn new(tx: &'t Tx<'c>, builtin: bool) -> Result<Self> {
        Ok(CatalogWriter { tx, catalog: tx.catalog()?, builtin })
    }

    fn refresh(&mut self) -> RowResult {
        self.catalog = self.tx.catalog()?;
        Ok(Ok(Outcome::Added))
    }

    fn department_code(&self, reference: &str, column: &str) -> std::result::Result<String, Problem> {
        self.catalog.department(reference).map(|d| d.code.clone()).ok_or_else(|| {
            Problem::new(
                Check::Unknown,
                crate::tr!("'{reference}' 不是已知的部门", "'{reference}' is not a known department"),
            )
            .column(column)
        })
    }

    /// A new row's name must not be another row's code or name, and its code must not be
    /// another row's name: clerks refer to rows by either, so both must stay unambiguous.
    /// `by_name` and `by_code` are the codes the new name and the new code already resolve to.
    fn name_taken(
        &self,
        what: &str,
        code: &str,
        by_name: Option<String>,
        by_code: Option<String>,
        name: &str,
    ) -> Option<Vec<Problem>> {
        let clash = |other: Option<String>, text: &str| {
            other.filter(|c| c != code).map(|c| {
                let what_zh = what_zh(what);
                let message = crate::tr!(
                    "{what_zh} '{text}' 已被{what_zh} {c} 使用；编码和名称都不能有歧义",
                    "{what} '{text}' is already used by {what} {c}; codes and names must be unambiguous"
                );
                vec![Problem::new(Check::R4, message)]
            })
        };
        clash(by_name, name).or_else(|| clash(by_code, code))
    }

    pub fn write_department(&mut self, d: &crate::catalog::Department) -> RowResult {
        if let Some(old) = self.catalog.department(&d.code).filter(|o| o.code == d.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &d.name);
            diff.field("name_en", &old.name_en, &d.name_en);
            return Ok(diff.outcome(&{
                let code = &d.code;
                crate::tr!("部门 {code}", "department {code}")
            }));
        }
        let by_name = self.catalog.department(&d.name).map(|o| o.code.clone());
        let by_code = self.catalog.department(&d.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("department", &d.code, by_name, by_code, &d.name) {
            return Ok(Err(p));
        }
        self.tx.insert_department(d, self.builtin)?;
        self.refresh()
    }

    pub fn write_county(&mut self, c: &crate::catalog::County) -> RowResult {
        if let Some(old) = self.catalog.county(&c.code).filter(|o| o.code == c.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &c.name);
            diff.field("name_en", &old.name_en, &c.name_en);
            return Ok(diff.outcome(&{
                let code = &c.code;
                crate::tr!("县市区 {code}", "county {code}")
            }));
        }
        let by_name = self.catalog.county(&c.name).map(|o| o.code.clone());
        let by_code = self.catalog.county(&c.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("county", &c.code, by_name, by_code, &c.name) {
            return Ok(Err(p));
        }
        self.tx.insert_county(c, self.builtin)?;
        self.refresh()
    }

    pub fn write_type(&mut self, t: &crate::catalog::SubprojectType) -> RowResult {
        let mut problems = Vec::new();
        let department = self.department_code(&t.department, "department").map_err(|p| problems.push(p)).ok();
        let co_lead = match &t.co_lead {
            None => Some(None),
            Some(r) => self.department_code(r, "co_lead").map(Some).map_err(|p| problems.push(p)).ok(),
        };
        let (Some(department), Some(co_lead)) = (department, co_lead) else { return Ok(Err(problems)) };
        let t = crate::catalog::SubprojectType { department, co_lead, ..t.clone() };
        if let Some(old) = self.catalog.subproject_type(&t.code).filter(|o| o.code == t.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &t.name);
            diff.field("department", &old.department, &t.department);
            diff.field("modes", old.modes_zh(), t.modes_zh());
            diff.field(
                "co_lead",
                old.co_lead.clone().unwrap_or_default(),
                t.co_lead.clone().unwrap_or_default(),
            );
            return Ok(diff.outcome(&{
                let code = &t.code;
                crate::tr!("子项目类型 {code}", "sub-project type {code}")
            }));
        }
        let by_name = self.catalog.subproject_type(&t.name).map(|o| o.code.clone());
        let by_code = self.catalog.subproject_type(&t.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("sub-project type", &t.code, by_name, by_code, &t.name) {
            return Ok(Err(p));
        }
        self.tx.insert_type(&t, self.builtin)?;
        self.refresh()
    }

    pub fn write_channel(&mut self, c: &crate::catalog::Channel) -> RowResult {
        let owner = match self.department_code(&c.policy_owner, "policy_owner") {
            Ok(o) => o,
            Err(p) => return Ok(Err(vec![p])),
        };
        let c = crate::catalog::Channel { policy_owner: owner, ..c.clone() };
        if let Some(old) = self.catalog.channel(&c.code).filter(|o| o.code == c.code) {
            let mut diff = Differences::new();
            diff.field("name", &old.name, &c.name);
            diff.field("policy_owner", &old.policy_owner, &c.policy_owner);
            diff.field("basis", &old.basis, &c.basis);
            diff.field("name_en", &old.name_en, &c.name_en);
            return Ok(diff.outcome(&{
                let code = &c.code;
                crate::tr!("补助资金类别 {code}", "channel {code}")
            }));
        }
        let by_name = self.catalog.channel(&c.name).map(|o| o.code.clone());
        let by_code = self.catalog.channel(&c.code).map(|o| o.code.clone());
        if let Some(p) = self.name_taken("channel", &c.code, by_name, by_code, &c.name) {
            return Ok(Err(p));
        }
        self.tx.insert_channel(&c, self.builtin)?;
        self.refresh()
    }

    pub fn write_designation(&mut self, d: &crate::catalog::Designation) -> RowResult {
        let mut problems = Vec::new();
        let channel = self.catalog.channel(&d.channel).map(|c| c.code.clone());
        if channel.is_none() {
            problems.push(
                Problem::new(Check::Unknown, {
                    let c = &d.channel;
                    crate::tr!("'{c}' 不是已知的补助资金类别", "'{c}' is not a known fund channel")
                })
                .column("channel"),
            );
        }
        let type_code = self.catalog.subproject_type(&d.type_code).map(|t| t.code.clone());
        if type_code.is_none() {
            problems.push(
                Problem::new(Check::Unknown, {
                    let t = &d.type_code;
                    crate::tr!("'{t}' 不是已知的子项目类型", "'{t}' is not a known sub-project type")
                })
                .column("type"),
            );
        }
        let (Some(channel), Some(type_code)) = (channel, type_code) else { return Ok(Err(problems)) };
        let recorded =
            self.catalog.designations.iter().find(|x| x.channel == channel && x.type_code == type_code);
        if let Some(old) = recorded {
            let mut diff = Differences::new();
            diff.field("note", &old.note, &d.note);
            diff.field("basis", &old.basis, &d.basis);
            return Ok(diff.outcome(&crate::tr!(
                "资金用途 {channel} → {type_code}",
                "designation {channel} → {type_code}"
            )));
        }
        let d = crate::catalog::Designation { channel, type_code, ..d.clone() };
        self.tx.insert_designation(&d, self.builtin)?;
        self.refresh()
    }
}

/// Writes subsidy rules. References accept codes or names; a type-specific rule must follow a
/// designation (a rule cannot widen R2); a rule overlapping another for the same channel, type
/// and days is refused; an identical rule already recorded is unchanged.
pub struct RuleWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
    pub builtin: bool,
    pub rules: Vec<crate::subsidy::Rule>,
}

impl RuleWriter<'_, '_> {
    pub fn write(&mut self, rule: &crate::subsidy::Rule) -> RowResult {
        let mut problems = Vec::new();
        let channel = self.catalog.channel(&rule.channel).map(|c| c.code.clone());
        if channel.is_none() {
            problems.push(
                Problem::new(Check::Unknown, {
                    let c = &rule.channel;
                    crate::tr!("'{c}' 不是已知的补助资金类别", "'{c}' is not a known fund channel")
                })
                .column("channel"),
            );
        }
        let type_code = match &rule.type_code {
            None => Some(None),
            Some(t) => match self.catalog.subproject_type(t) {
                Some(t) => Some(Some(t.code.clone())),
                None => {
                    problems.push(
                        Problem::new(
                            Check::Unknown,
                            crate::tr!("'{t}' 不是已知的子项目类型", "'{t}' is not a known sub-project type"),
                        )
                        .column("type"),
                    );
                    None
                }
            },
        };
        let (Some(channel), Some(type_code)) = (channel, type_code) else { return Ok(Err(problems)) };
        if let Some(t) = &type_code {
            if !self.catalog.designates(&channel, t) {
                let c = &rule.channel;
                let message = crate::tr!(
                    "资金类别 {c} 未被指定用于类型 {t}；规则不能扩大其用途",
                    "channel {c} is not designated to pay type {t}; a rule cannot widen its use"
                );
                return Ok(Err(vec![Problem::new(Check::R2, message).column("type")]));
            }
        }
        let rule = crate::subsidy::Rule { channel, type_code, ..rule.clone() };
        let same = |r: &crate::subsidy::Rule| crate::subsidy::Rule { id: 0, ..r.clone() } == rule;
        if self.rules.iter().any(same) {
            return Ok(Ok(Outcome::Unchanged));
        }
        if let Some(other) = self.rules.iter().find(|r| r.overlaps(&rule)) {
            let (id, shape, from, to, c) =
                (other.id, other.shape.describe(), other.valid_from, other.valid_to, &rule.channel);
            let types = rule
                .type_code
                .as_deref()
                .map_or(crate::lang::pick("所有类型", "every type").to_string(), |t| {
                    crate::tr!("类型 {t}", "type {t}")
                });
            let message = crate::tr!(
                "规则 #{id}（{shape}，{from} 至 {to}）在其中部分日期已适用于资金类别 {c} 和{types}；请给新规则不重叠的日期",
                "rule #{id} ({shape}, {from} to {to}) already applies to channel {c} and {types} on some of these days; give the new rule dates that do not overlap"
            );
            return Ok(Err(vec![Problem::new(Check::Overlap, message).column("valid_from")]));
        }
        let id = self.tx.insert_rule(&rule, self.builtin, &self.stamp.operator, &self.stamp.recorded_at)?;
        self.rules.push(crate::subsidy::Rule { id, ..rule });
        Ok(Ok(Outcome::Added))
    }
}

/// The Chinese of the catalogue nouns `name_taken` is given.
fn what_zh(what: &str) -> &str {
    match what {
        "department" => "部门",
        "county" => "县市区",
        "sub-project type" => "子项目类型",
        "channel" => "补助资金类别",
        other => other,
    }
}

/// Loads the embedded catalogue (Annexes 1 and 3) into a fresh ledger.
pub fn load_builtin_catalog(tx: &Tx<'_>) -> Result<()> {
    let mut w = CatalogWriter::new(tx, true)?;
    let own = |e: Error| Error::Internal(format!("the built-in catalogue is broken:\n{e}"));
    let mut input = CsvInput::from_text("departments.csv", builtin::DEPARTMENTS, import::DEPARTMENT_COLUMNS)?;
    pipeline::run(&mut input, import::parse_department, |d| w.write_department(d)).map_err(own)?;
    let mut input = CsvInput::from_text("counties.csv", builtin::COUNTIES, import::COUNTY_COLUMNS)?;
    pipeline::run(&mut input, import::parse_county, |c| w.write_county(c)).map_err(own)?;
    let mut input = CsvInput::from_text("types.csv", builtin::TYPES, import::TYPE_COLUMNS)?;
    pipeline::run(&mut input, import::parse_type, |t| w.write_type(t)).map_err(own)?;
    let mut input = CsvInput::from_text("channels.csv", builtin::CHANNELS, import::CHANNEL_COLUMNS)?;
    pipeline::run(&mut input, import::parse_channel, |c| w.write_channel(c)).map_err(own)?;
    let mut input =
        CsvInput::from_text("designations.csv", builtin::DESIGNATIONS, import::DESIGNATION_COLUMNS)?;
    pipeline::run(&mut input, import::parse_designation, |d| w.write_designation(d)).map_err(own)?;
    Ok(())
}

/// Loads the built-in subsidy rules (`fixtures/rules/rules.csv`); the illustrative samples
/// only if asked.
pub fn load_builtin_rules(tx: &Tx<'_>, samples: bool) -> Result<()> {
    let catalog = tx.catalog()?;
    let stamp = Stamp::now("fundledger");
    let mut w = RuleWriter { tx, catalog: &catalog, stamp: &stamp, builtin: true, rules: tx.rules()? };
    let own = |e: Error| Error::Internal(format!("the built-in subsidy rules are broken:\n{e}"));
    let mut input = CsvInput::from_text("rules.csv", builtin::RULES, import::RULE_COLUMNS)?;
    pipeline::run(&mut input, import::parse_rule, |r| {
        if r.sample && !samples {
            return Ok(Ok(Outcome::Unchanged));
        }
        w.write(r)
    })
    .map_err(own)?;
    Ok(())
}
