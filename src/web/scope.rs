//! What a signed-in user may see, applied to the rows of every page, download and API answer:
//! the ledger is read whole, then narrowed here before anything is laid out, so a report's
//! totals are the totals of what the user sees.

use super::html::Failure;
use crate::db::{Db, LinesOf};
use crate::model::{BalanceLine, LineBalance, Role, User, UserScope};
use crate::report::check::{Findings, Flag};
use crate::users::{may, Action, Target};
use std::collections::{BTreeMap, HashMap};

/// Where each project and appropriation line lies, to place rows that name only those.
pub struct Places {
    project_county: HashMap<String, String>,
    appropriation_county: HashMap<String, String>,
    subproject_project: HashMap<String, String>,
}

impl Places {
    pub fn read(db: &Db) -> crate::error::Result<Places> {
        Ok(Places {
            project_county: db
                .projects()?
                .into_iter()
                .map(|p| (p.row.code.to_string(), p.row.county.clone()))
                .collect(),
            appropriation_county: db
                .appropriations()?
                .into_iter()
                .map(|a| (a.code.to_string(), a.county.clone()))
                .collect(),
            subproject_project: db
                .subprojects()?
                .into_iter()
                .map(|s| (s.code.to_string(), s.project_code.to_string()))
                .collect(),
        })
    }

    pub fn county_of_project(&self, project: &str) -> Option<&str> {
        self.project_county.get(project).map(String::as_str)
    }

    pub fn project_of_subproject(&self, subproject: &str) -> Option<&str> {
        self.subproject_project.get(subproject).map(String::as_str)
    }

    /// Whether `user` may read this project.
    pub fn may_read_project(&self, user: &User, project: &str) -> bool {
        let Some(county) = self.county_of_project(project) else { return false };
        may(user, Action::Read, Target::Project { county, project })
    }

    /// Whether `user` may read a flag: by its project, else by its county or appropriation
    /// line's county; a flag about neither is city-wide.
    fn may_read_flag(&self, user: &User, flag: &Flag) -> bool {
        if let Some(project) = &flag.project {
            return self.may_read_project(user, project);
        }
        let county = flag.county.as_deref().or_else(|| {
            flag.appropriation.as_deref().and_then(|a| self.appropriation_county.get(a).map(String::as_str))
        });
        match county {
            Some(county) => may(user, Action::Read, Target::County(county)),
            None => may(user, Action::Read, Target::City),
        }
    }

    /// The findings the user may see; `has_flags` follows what is left. Only those are
    /// copied: the dashboard's are the city's, kept between requests.
    pub fn findings(&self, user: &User, found: &Findings) -> Findings {
        let flags: Vec<_> = found.flags.iter().filter(|f| self.may_read_flag(user, f)).cloned().collect();
        Findings { has_flags: !flags.is_empty(), flags, as_of: found.as_of }
    }
}

/// The counties whose rows a user's pages read: `None` for the city (admin, reviewer or a
/// city-wide scope), else those their counties or projects lie in.
fn counties_read(db: &Db, user: &User) -> crate::error::Result<Option<std::collections::BTreeSet<String>>> {
    Ok(match (&user.role, &user.scope) {
        (Role::Admin | Role::Reviewer, _) | (_, UserScope::Everywhere) => None,
        (_, UserScope::Counties(counties)) => Some(counties.clone()),
        (_, UserScope::Projects(projects)) => {
            let mut counties = std::collections::BTreeSet::new();
            for p in projects {
                counties.extend(db.project(p)?.map(|p| p.row.county));
            }
            Some(counties)
        }
    })
}

/// The projects of the counties the user's pages read, in code order; the caller checks
/// each against the user's rights all the same.
pub fn projects(db: &Db, user: &User) -> crate::error::Result<Vec<crate::model::StoredProject>> {
    let Some(counties) = counties_read(db, user)? else { return db.projects() };
    let mut projects = Vec::new();
    for county in &counties {
        projects.extend(db.projects_in(Some(county))?);
    }
    projects.sort_by(|a, b| a.row.code.cmp(&b.row.code));
    Ok(projects)
}

/// The balances of what the user may read, summed per county and channel (the dashboard):
/// the city's or their counties' summed by SQLite, each county checked against the user's
/// rights; an implementing body's from its own projects, each checked likewise.
pub fn balance_sums(db: &Db, user: &User) -> crate::error::Result<BTreeMap<(String, String), LineBalance>> {
    let mut sums: BTreeMap<(String, String), LineBalance> = BTreeMap::new();
    let mut add = |rows: Vec<(String, String, LineBalance)>, readable: &dyn Fn(&str) -> bool| {
        for (county, channel, balance) in rows.into_iter().filter(|(county, _, _)| readable(county)) {
            sums.entry((county, channel)).or_default().add(&balance);
        }
    };
    match (&user.role, &user.scope) {
        (Role::Admin | Role::Reviewer, _) | (_, UserScope::Everywhere) => {
            add(db.balance_sums(LinesOf::City)?, &|c| may(user, Action::Read, Target::County(c)));
        }
        (_, UserScope::Counties(counties)) => {
            for county in counties {
                add(db.balance_sums(LinesOf::County(county))?, &|c| {
                    may(user, Action::Read, Target::County(c))
                });
            }
        }
        (_, UserScope::Projects(projects)) => {
            for project in projects {
                let readable = |county: &str| may(user, Action::Read, Target::Project { county, project });
                add(db.balance_sums(LinesOf::Project(project))?, &readable);
            }
        }
    }
    Ok(sums)
}

/// The balance lines of the projects the user may read. Only the counties a county or
/// project scope lies in are read (a city holds tens of thousands of lines); every line read
/// is then checked against the user's rights all the same.
pub fn balance_lines(db: &Db, user: &User) -> crate::error::Result<Vec<BalanceLine>> {
    let counties = counties_read(db, user)?;
    let lines = match counties {
        None => db.balance_lines()?,
        Some(counties) => {
            let mut lines = Vec::new();
            for county in &counties {
                lines.extend(db.balance_lines_in(LinesOf::County(county))?);
            }
            if counties.len() > 1 {
                lines.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
            }
            lines
        }
    };
    Ok(lines
        .into_iter()
        .filter(|l| may(user, Action::Read, Target::Project { county: &l.county, project: &l.project }))
        .collect())
}

/// The scope writers are limited to: a clerk's counties; everywhere for the admin.
pub fn write_scope(user: &User) -> UserScope {
    match user.role {
        Role::Admin => UserScope::Everywhere,
        _ => user.scope.clone(),
    }
}

/// The county a report is narrowed to: the one asked for, which the user must be allowed to
/// read; a county-scoped user who asks for none gets their first.
pub fn county_for(user: &User, asked: Option<&str>) -> Result<Option<String>, Failure> {
    match asked.map(str::trim).filter(|c| !c.is_empty()) {
        Some(county) if may(user, Action::Read, Target::County(county)) => Ok(Some(county.to_string())),
        Some(county) => Err(Failure::Forbidden(crate::tr!(
            "您无权查看{county}的数据",
            "you may not read {county}'s figures"
        ))),
        None => Ok(match &user.scope {
            UserScope::Counties(c) => c.iter().next().cloned(),
            _ => None,
        }),
    }
}

/// The project a report is narrowed to for an implementing body (its first, or the one asked
/// for, which must be its own); `None` for everyone else.
pub fn project_for(user: &User, places: &Places, asked: Option<&str>) -> Result<Option<String>, Failure> {
    if user.role != Role::Body {
        return Ok(None);
    }
    match asked.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if places.may_read_project(user, p) => Ok(Some(p.to_string())),
        Some(p) => Err(Failure::Forbidden(crate::tr!("您无权查看项目 {p}", "you may not read project {p}"))),
        None => Ok(user.scope.projects().next().map(str::to_string)),
    }
}
