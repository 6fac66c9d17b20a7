//! The closed sets of codes (kinds, modes, statuses, levels, stages …): each parses from its
//! English code and the Chinese word clerks write, and prints its English code.

use crate::error::echo;
use std::fmt;

/// Declares a closed set of codes, each with its English code, Chinese label and aliases.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal {
        $($variant:ident = $code:literal, $zh:literal $(| $alias:literal)*;)+
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What this set is called in messages.
            pub const WHAT: &'static str = $what;

            /// The stable English code used in CSV, JSON and SQL.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label clerks see.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// Parses the English code (any case) or the Chinese label or alias.
            pub fn parse(text: &str) -> Result<$name, String> {
                let t = text.trim();
                $(
                    if t.eq_ignore_ascii_case($code) || t == $zh $(|| t == $alias)* {
                        return Ok($name::$variant);
                    }
                )+
                let allowed: Vec<String> = $name::ALL
                    .iter()
                    .map(|v| format!("{}/{}", v.code(), v.zh()))
                    .collect();
                let (t, what, allowed) = (echo(t), $what, allowed.join(", "));
                let what_zh = what_zh(what);
                Err(crate::tr!(
                    "'{t}' 不是有效的{what_zh}（可用：{allowed}）",
                    "'{t}' is not a valid {what} (use one of {allowed})"
                ))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

/// What a set of codes is called in a Chinese message.
fn what_zh(what: &str) -> &str {
    match what {
        "mode" => "集成模式",
        "scope" => "实施范围",
        "status" => "状态",
        "level" => "预算级次",
        "kind" => "分录类型",
        "period action" => "结账操作",
        "acceptance stage" => "验收环节",
        "acceptance result" => "验收结果",
        "subject" => "变更对象",
        "procurement" => "发包方式",
        "decision" => "审批决定",
        other => other,
    }
}

code_enum!(
    /// Integration mode declared at approval (Annex 1 columns). Nested: 农 ⊂ 地 ⊂ 人.
    Mode, "mode" {
        Agri = "agri", "农" | "以“农”为核心" | "以\"农\"为核心";
        Land = "land", "地" | "以“地”为核心" | "以\"地\"为核心";
        People = "people", "人" | "以“人”为核心" | "以\"人\"为核心";
    }
);

code_enum!(
    /// Project area extent (policy 四（一）).
    Scope, "scope" {
        CrossTownship = "cross_township", "跨乡镇";
        WholeTownship = "whole_township", "整镇域";
        SingleTownship = "single_township", "单乡镇";
    }
);

code_enum!(
    /// Sub-project confirmation status from the Annex-2 letter.
    Status, "status" {
        Ongoing = "ongoing", "在建";
        Planned = "planned", "拟同步建设" | "拟新建";
        Excluded = "excluded", "不开展";
    }
);

code_enum!(
    /// Budget level of an appropriation line.
    Level, "level" {
        Central = "central", "中央";
        Provincial = "provincial", "省" | "省级";
        City = "city", "市" | "市级";
        County = "county", "县" | "县级";
    }
);

code_enum!(
    /// What an entry does to the money of one line (DOMAIN.md §4).
    Kind, "kind" {
        Allocate = "allocate", "分配";
        Disburse = "disburse", "拨付";
        Pay = "pay", "支付";
        Withdraw = "withdraw", "收回" | "追减" | "收回/追减";
        Return = "return", "退回";
        Reverse = "reverse", "冲销";
    }
);

/// The five ways money moves between the pools of DOMAIN.md §4. An entry of kind `reverse`
/// has no flow of its own: it undoes its original's (`Direction::Back`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    Allocate,
    Disburse,
    Pay,
    Withdraw,
    Return,
}

/// Whether an entry moves money the way its flow goes, or moves an earlier entry's money back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Back,
}

impl Kind {
    /// The flow of an entry of this kind; `None` for a reversal, which takes its original's.
    pub fn flow(self) -> Option<Flow> {
        match self {
            Kind::Allocate => Some(Flow::Allocate),
            Kind::Disburse => Some(Flow::Disburse),
            Kind::Pay => Some(Flow::Pay),
            Kind::Withdraw => Some(Flow::Withdraw),
            Kind::Return => Some(Flow::Return),
            Kind::Reverse => None,
        }
    }
}

impl Flow {
    /// The entry kind that records this flow.
    pub fn kind(self) -> Kind {
        match self {
            Flow::Allocate => Kind::Allocate,
            Flow::Disburse => Kind::Disburse,
            Flow::Pay => Kind::Pay,
            Flow::Withdraw => Kind::Withdraw,
            Flow::Return => Kind::Return,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind().code())
    }
}

code_enum!(
    /// What happens to a year (R5): it is closed, or reopened with a reason.
    PeriodAction, "period action" {
        Close = "close", "关账";
        Reopen = "reopen", "重新开账";
    }
);

impl Mode {
    /// Whether a type with these Annex-1 ticks is admissible under this mode (R7).
    pub fn admits(self, ticks: ModeTicks) -> bool {
        match self {
            Mode::Agri => ticks.agri,
            Mode::Land => ticks.land,
            Mode::People => ticks.people,
        }
    }
}

/// The three Annex-1 ticks of a sub-project type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeTicks {
    pub agri: bool,
    pub land: bool,
    pub people: bool,
}

code_enum!(
    /// Acceptance stages (policy 四（四）), in the order they must pass.
    Stage, "acceptance stage" {
        Item = "item", "单项验收";
        Overall = "overall", "整体验收";
        County = "county", "县级验收";
        City = "city", "市级验收";
    }
);

code_enum!(
    /// The outcome of an acceptance.
    Verdict, "acceptance result" {
        Passed = "passed", "通过" | "合格" | "验收通过";
        Failed = "failed", "不通过" | "不合格" | "未通过";
    }
);

code_enum!(
    /// What a register amendment changes: a sub-project or a project.
    Subject, "subject" {
        Subproject = "subproject", "子项目";
        Project = "project", "项目";
    }
);

code_enum!(
    /// How a contract was let (policy 四（三）).
    Procurement, "procurement" {
        Unified = "unified", "统一招投标";
        Epc = "epc", "工程总承包" | "EPC" | "全过程咨询+工程总承包";
        Single = "single", "单项发包";
    }
);

code_enum!(
    /// A checker's decision on a pending item (maker-checker).
    Decision, "decision" {
        Approve = "approve", "批准";
        Reject = "reject", "驳回";
    }
);
