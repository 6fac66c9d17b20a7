//! Writers of the register: projects, sub-projects and appropriation lines.

use super::{county_name, Differences, Outcome, RowResult, Stamp};
use crate::catalog::Catalog;
use crate::db::Tx;
use crate::error::{Check, Problem};
use crate::model::{NewAppropriation, NewProject, NewSubproject};
use crate::money::Fen;
use crate::rules;

pub struct ProjectWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
}

impl ProjectWriter<'_, '_> {
    pub fn write(&mut self, p: &NewProject) -> RowResult {
        let county = match county_name(self.catalog, &p.county) {
            Ok(c) => c,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        let p = NewProject { county, ..p.clone() };
        if let Some(old) = self.tx.find_project(&p.code)? {
            let mut d = Differences::new();
            let o = &old.row;
            d.field("name", &o.name, &p.name);
            d.field("county", &o.county, &p.county);
            d.field("scope", o.scope, p.scope);
            d.field("towns", &o.towns, &p.towns);
            d.field("villages", &o.villages, &p.villages);
            d.field("implementing_body", &o.implementing_body, &p.implementing_body);
            d.field("mode", o.mode, p.mode);
            d.field("approved_on", o.approved_on, p.approved_on);
            d.field("flagship", o.flagship, p.flagship);
            let code = &p.code;
            let instead = crate::tr!(
                "请改为按生效日期记一笔变更：fundledger amend project {code} --effective DATE --doc DOC --reason TEXT（--flagship、--mode、--implementing-body），或 `import amendments`",
                "record the change as an amendment from its effective date instead: fundledger amend project {code} --effective DATE --doc DOC --reason TEXT (--flagship, --mode, --implementing-body), or `import amendments`"
            );
            return Ok(d.outcome_or(&crate::tr!("项目 {code}", "project {code}"), &instead));
        }
        self.tx.insert_project(&p, &self.stamp.operator, &self.stamp.recorded_at)?;
        Ok(Ok(Outcome::Added))
    }
}

pub struct SubprojectWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
}

impl SubprojectWriter<'_, '_> {
    pub fn write(&mut self, s: &NewSubproject) -> RowResult {
        let mut problems = Vec::new();
        let project = self.tx.find_project(&s.project)?;
        if project.is_none() {
            let problem = Problem::not_recorded("project", &s.project)
                .hint(crate::lang::pick("请先导入项目文件", "import the projects file first"));
            problems.push(problem.column("project"));
        }
        let t = self.catalog.subproject_type(&s.type_ref);
        if t.is_none() {
            problems.push(
                Problem::new(
                    Check::Unknown,
                    {
                        let t = &s.type_ref;
                        crate::tr!(
                            "'{t}' 不是已知的子项目类型（见 `fundledger catalog types`；新类型用 `import types` 添加）",
                            "'{t}' is not a known sub-project type (see `fundledger catalog types`; add new ones with `import types`)"
                        )
                    },
                )
                .column("type"),
            );
        }
        let (Some(project), Some(t)) = (project, t) else { return Ok(Err(problems)) };
        if let Err(problem) = rules::mode_admits(project.row.mode, t, &project.row.code) {
            return Ok(Err(vec![problem]));
        }
        if let Some(old) = self.tx.find_subproject(&s.code)? {
            let mut d = Differences::new();
            d.field("project", &old.project_code, &s.project);
            d.field("type", &old.type_code, &t.code);
            d.field("status", old.status, s.status);
            d.field("quantity", &old.quantity, &s.quantity);
            d.field("unit", &old.unit, &s.unit);
            d.field("investment", old.investment, s.investment);
            d.field("letter", &old.letter, &s.letter);
            d.field("standalone_amount", fen_or_empty(old.standalone), fen_or_empty(s.standalone));
            d.field("standalone_doc", &old.standalone_doc, &s.standalone_doc);
            let code = &s.code;
            let instead = crate::tr!(
                "请改为按生效日期记一笔变更：fundledger amend subproject {code} --effective DATE --doc DOC --reason TEXT（--status、--quantity、--unit、--investment、--standalone CHANNEL=AMOUNT），或 `import amendments`",
                "record the change as an amendment from its effective date instead: fundledger amend subproject {code} --effective DATE --doc DOC --reason TEXT (--status, --quantity, --unit, --investment, --standalone CHANNEL=AMOUNT), or `import amendments`"
            );
            return Ok(d.outcome_or(&crate::tr!("子项目 {code}", "sub-project {code}"), &instead));
        }
        let stamp = self.stamp;
        self.tx.insert_subproject(project.id, s, &t.code, &stamp.operator, &stamp.recorded_at)?;
        Ok(Ok(Outcome::Added))
    }
}

fn fen_or_empty(f: Option<Fen>) -> String {
    f.map(|f| f.to_string()).unwrap_or_default()
}

pub struct AppropriationWriter<'t, 'c> {
    pub tx: &'t Tx<'c>,
    pub catalog: &'t Catalog,
    pub stamp: &'t Stamp,
}

impl AppropriationWriter<'_, '_> {
    pub fn write(&mut self, a: &NewAppropriation) -> RowResult {
        let mut problems = Vec::new();
        let channel = self.catalog.channel(&a.channel_ref);
        if channel.is_none() {
            problems.push(
                Problem::new(Check::Unknown, {
                    let c = &a.channel_ref;
                    crate::tr!(
                        "'{c}' 不是已知的补助资金类别（见 `fundledger catalog channels`）",
                        "'{c}' is not a known fund channel (see `fundledger catalog channels`)"
                    )
                })
                .column("channel"),
            );
        }
        let county = county_name(self.catalog, &a.county).map_err(|p| problems.push(p)).ok();
        let (Some(channel), Some(county)) = (channel, county) else { return Ok(Err(problems)) };
        let a = NewAppropriation { county, ..a.clone() };
        if let Some(old) = self.tx.find_appropriation(&a.code)? {
            let mut d = Differences::new();
            d.field("doc_no", &old.doc_no, &a.doc_no);
            d.field("channel", &old.channel, &channel.code);
            d.field("level", old.level, a.level);
            d.field("county", &old.county, &a.county);
            d.field("issued_on", old.issued_on, a.issued_on);
            d.field("amount", old.amount, a.amount);
            let code = &a.code;
            return Ok(d.outcome(&crate::tr!("指标 {code}", "appropriation {code}")));
        }
        let stamp = self.stamp;
        self.tx.insert_appropriation(&a, &channel.code, &stamp.operator, &stamp.recorded_at)?;
        Ok(Ok(Outcome::Added))
    }
}
