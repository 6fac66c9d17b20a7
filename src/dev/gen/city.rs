//! The illustrative city behind `gen`: Jiaxing's counties with their real towns (villages,
//! bodies and companies as in `fixtures/demo/`), how each sub-project type is sized and how
//! often it is chosen, which budget levels issue each fund channel, and the memos clerks
//! write. Data only; tables are keyed by catalogue codes, and a code they lack gets a default.

use crate::model::Level;

/// A county's towns (real names) and villages (illustrative), as in `fixtures/demo/`.
pub(super) struct Geography {
    pub(super) county: &'static str,
    /// Prefix of the county finance bureau's document numbers (南财农〔2024〕3号).
    pub(super) doc_prefix: &'static str,
    /// The county's state-owned company, implementing cross-township projects.
    pub(super) company: &'static str,
    /// On Hangzhou Bay: coastline and mine restoration happen here only.
    pub(super) coastal: bool,
    pub(super) towns: &'static [(&'static str, &'static [&'static str])],
}

pub(super) const GEOGRAPHY: &[Geography] = &[
    Geography {
        county: "NH",
        doc_prefix: "南财",
        company: "嘉兴市南湖投资开发建设集团有限公司",
        coastal: false,
        towns: &[
            ("凤桥镇", &["联丰村", "永红村", "新民村", "三星村", "庄史村", "梅花洲村"]),
            ("余新镇", &["金星村", "余北村", "镇北村", "双桥村", "花园村", "清河村"]),
            ("新丰镇", &["竹林村", "净相村", "丰登村", "和平村", "鸿翔村"]),
            ("大桥镇", &["江南村", "胜丰村", "亭桥村", "云东村", "十八里桥村"]),
            ("七星街道", &["湘家荡村", "东进村", "星火村", "七星村"]),
        ],
    },
    Geography {
        county: "XZ",
        doc_prefix: "秀财",
        company: "嘉兴市秀洲区国有资本投资运营有限公司",
        coastal: false,
        towns: &[
            ("王江泾镇", &["南汇村", "民主村", "双桥村", "市泾村", "荷花村"]),
            ("油车港镇", &["胜丰村", "麟湖村", "正阳村", "新港村", "银杏村"]),
            ("新塍镇", &["火炬村", "杨园村", "洛东村", "南星村", "高桥村"]),
            ("王店镇", &["建林村", "庆丰村", "梅北村", "永丰村", "光明村"]),
            ("洪合镇", &["泰石村", "金桥村", "建设村", "洪合村"]),
        ],
    },
    Geography {
        county: "JS",
        doc_prefix: "善财",
        company: "嘉善县国有资产投资集团有限公司",
        coastal: false,
        towns: &[
            ("姚庄镇", &["横港村", "桃源村", "北鹤村", "丁栅村", "沉香村"]),
            ("大云镇", &["缪家村", "东云村", "曹家村", "洋桥村", "江家村"]),
            ("西塘镇", &["红菱村", "荷池村", "东汇村", "大舜村", "钟葫村"]),
            ("天凝镇", &["洪溪村", "杨庙村", "天凝村", "蒋村村", "凤凰村"]),
            ("陶庄镇", &["汾湖村", "湖滨村", "利生村", "翔胜村"]),
            ("干窑镇", &["范东村", "长生村", "胡家埭村", "黎明村"]),
        ],
    },
    Geography {
        county: "HY",
        doc_prefix: "盐财",
        company: "海盐县国有资产经营有限公司",
        coastal: true,
        towns: &[
            ("通元镇", &["雪水港村", "丰义村", "南星村", "长丰村", "通元村"]),
            ("于城镇", &["八字村", "于城村", "富亭村", "庆丰村"]),
            ("沈荡镇", &["五圣村", "齐家村", "白洋村", "沈荡村"]),
            ("百步镇", &["五丰村", "农丰村", "百步村", "横港村"]),
            ("澉浦镇", &["南北湖村", "澉浦村", "六里村", "长山村", "紫金村"]),
        ],
    },
    Geography {
        county: "HN",
        doc_prefix: "宁财",
        company: "海宁市城市发展投资集团有限公司",
        coastal: true,
        towns: &[
            ("周王庙镇", &["博儒桥村", "荆山村", "云龙村", "长春村"]),
            ("盐官镇", &["郭店村", "桃园村", "盐官村", "城北村"]),
            ("斜桥镇", &["庆云村", "华丰村", "路仲村", "斜桥村"]),
            ("丁桥镇", &["新仓村", "诸桥村", "丁桥村", "三联村"]),
            ("袁花镇", &["新袁村", "双丰村", "郭溪村", "夹山村"]),
            ("黄湾镇", &["五丰村", "尖山村", "黄湾村"]),
        ],
    },
    Geography {
        county: "PH",
        doc_prefix: "平财",
        company: "平湖市国有资产控股集团有限公司",
        coastal: true,
        towns: &[
            ("广陈镇", &["山塘村", "龙萌村", "泗泾村", "港中村", "民主村"]),
            ("新仓镇", &["三叉河村", "秀溪村", "芦湾村", "新仓村"]),
            ("新埭镇", &["鱼圻塘村", "星光村", "新埭村", "姚浜村"]),
            ("林埭镇", &["林埭村", "徐家埭村", "金桥村", "东湖村"]),
            ("乍浦镇", &["汤山村", "乍浦村", "九龙山村", "陈山村"]),
            ("独山港镇", &["赵家桥村", "全塘村", "独山村", "黄姑村"]),
        ],
    },
    Geography {
        county: "TX",
        doc_prefix: "桐财",
        company: "桐乡市城市建设投资集团有限公司",
        coastal: false,
        towns: &[
            ("乌镇镇", &["民合村", "虹桥村", "陈庄村", "白马塘村", "乌镇村"]),
            ("石门镇", &["墅丰村", "桂花村", "石门村", "羔羊村"]),
            ("河山镇", &["五泾村", "堰头村", "八泉村", "东浜头村"]),
            ("崇福镇", &["芝村村", "御驾桥村", "联丰村", "崇福村"]),
            ("洲泉镇", &["马鸣村", "清河村", "湘溪村", "洲泉村"]),
            ("屠甸镇", &["荣星村", "汇丰村", "屠甸村"]),
            ("濮院镇", &["油车桥村", "新联村", "星旺村"]),
        ],
    },
];

/// Types found only on the coast.
pub(super) const COASTAL_TYPES: [&str; 2] = ["coastline_restoration", "abandoned_mine_restoration"];

/// How a sub-project type is sized: its unit, quantity range (whole units), whether the
/// quantity has decimals, cost per unit in yuan, and how often it is chosen (illustrative).
pub(super) struct Profile {
    pub(super) type_code: &'static str,
    pub(super) unit: &'static str,
    pub(super) quantity: (i64, i64),
    pub(super) decimals: bool,
    pub(super) cost_yuan: (i64, i64),
    pub(super) weight: u64,
}

const fn profile(
    type_code: &'static str,
    unit: &'static str,
    quantity: (i64, i64),
    decimals: bool,
    cost_yuan: (i64, i64),
    weight: u64,
) -> Profile {
    Profile { type_code, unit, quantity, decimals, cost_yuan, weight }
}

pub(super) const PROFILES: &[Profile] = &[
    profile("farmland_consolidation", "亩", (800, 6000), true, (1200, 2500), 6),
    profile("farmland_use_rectification", "亩", (150, 1500), true, (800, 2000), 2),
    profile("farmland_reclamation", "亩", (40, 400), true, (25000, 45000), 2),
    profile("construction_land_reclamation", "亩", (20, 250), true, (40000, 80000), 6),
    profile("abandoned_mine_restoration", "亩", (30, 200), true, (30000, 60000), 3),
    profile("coastline_restoration", "km", (1, 6), true, (3_000_000, 6_000_000), 3),
    profile("village_trees", "个", (1, 3), false, (800_000, 1_500_000), 4),
    profile("inefficient_land_redevelopment", "亩", (30, 300), true, (50000, 100_000), 2),
    profile("high_standard_farmland", "亩", (1500, 12000), true, (3000, 4500), 10),
    profile("grain_production_zone", "亩", (1000, 8000), true, (1200, 2500), 6),
    profile("rural_living_environment", "个", (2, 8), false, (1_000_000, 3_000_000), 6),
    profile("harmonious_village", "个", (1, 3), false, (5_000_000, 12_000_000), 6),
    profile("agri_industry_cluster", "亩", (500, 4000), true, (2500, 6000), 4),
    profile("historic_village", "个", (1, 2), false, (3_000_000, 8_000_000), 2),
    profile("paddy_zero_discharge", "亩", (1000, 8000), true, (300, 800), 4),
    profile("rural_river_management", "km", (3, 20), true, (500_000, 1_500_000), 8),
    profile("river_dredging", "km", (5, 40), true, (150_000, 400_000), 8),
    profile("polder_consolidation", "个", (1, 3), false, (5_000_000, 15_000_000), 4),
    profile("soil_pollution_control", "亩", (500, 5000), true, (300, 1000), 3),
    profile("inefficient_industrial_land", "亩", (30, 200), true, (60000, 150_000), 4),
    profile("rural_roads", "km", (3, 18), true, (1_000_000, 2_500_000), 8),
    profile("old_community_renovation", "户", (200, 1500), false, (15000, 30000), 4),
    profile("future_community", "平方米", (50000, 200_000), false, (150, 300), 4),
    profile("beautiful_town", "个", (1, 1), false, (20_000_000, 40_000_000), 3),
    profile("townscape_improvement", "平方米", (20000, 120_000), false, (150, 350), 2),
    profile("livable_village", "个", (1, 3), false, (2_000_000, 5_000_000), 4),
    profile("scenic_village", "个", (1, 2), false, (800_000, 2_000_000), 2),
    profile("institutional_innovation", "项", (1, 3), false, (200_000, 600_000), 2),
];

/// For a type the table does not know (a user-added one).
pub(super) const DEFAULT_PROFILE: Profile = profile("", "项", (1, 3), false, (500_000, 3_000_000), 2);

/// Which budget levels issue a channel, and the class in its document numbers (财农, 财建 …).
pub(super) struct Funding {
    pub(super) channel: &'static str,
    pub(super) levels: &'static [Level],
    pub(super) class: &'static str,
}

const CENTRAL: Level = Level::Central;
const PROVINCIAL: Level = Level::Provincial;
const CITY: Level = Level::City;
const COUNTY: Level = Level::County;

pub(super) const FUNDING: &[Funding] = &[
    Funding { channel: "farmland_consolidation_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "资环" },
    Funding { channel: "homestead_reclamation_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "资环" },
    Funding { channel: "ecological_restoration_fund", levels: &[CENTRAL, PROVINCIAL], class: "资环" },
    Funding { channel: "marine_management_fund", levels: &[CENTRAL, PROVINCIAL], class: "资环" },
    Funding { channel: "village_trees_fund", levels: &[PROVINCIAL, CITY], class: "农" },
    Funding {
        channel: "high_standard_farmland_fund",
        levels: &[CENTRAL, PROVINCIAL, CITY, COUNTY],
        class: "农",
    },
    Funding { channel: "harmonious_village_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "农" },
    Funding { channel: "agri_quality_development_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "农" },
    Funding { channel: "paddy_zero_discharge_fund", levels: &[CITY, COUNTY], class: "农" },
    Funding { channel: "eco_compensation_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "资环" },
    Funding { channel: "five_waters_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "农" },
    Funding { channel: "provincial_water_fund", levels: &[PROVINCIAL], class: "农" },
    Funding { channel: "soil_remediation_fund", levels: &[CENTRAL, PROVINCIAL], class: "资环" },
    Funding { channel: "industrial_upgrading_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "企" },
    Funding { channel: "transport_development_fund", levels: &[CENTRAL, PROVINCIAL], class: "建" },
    Funding { channel: "rural_roads_fund", levels: &[PROVINCIAL, CITY, COUNTY], class: "建" },
    Funding { channel: "old_community_fund", levels: &[CENTRAL, PROVINCIAL], class: "建" },
    Funding { channel: "future_community_fund", levels: &[CITY, COUNTY], class: "建" },
    Funding { channel: "beautiful_town_fund", levels: &[CITY], class: "建" },
    Funding { channel: "housing_urban_fund", levels: &[PROVINCIAL], class: "建" },
];

/// For a channel the table does not know (a user-added one).
pub(super) const DEFAULT_FUNDING: Funding =
    Funding { channel: "", levels: &[PROVINCIAL, CITY, COUNTY], class: "农" };

/// Short department names in standalone-approval document numbers, by department code.
pub(super) const DEPARTMENT_DOC: &[(&str, &str)] = &[
    ("nrp", "资规"),
    ("agri", "农"),
    ("water", "水"),
    ("eco", "环"),
    ("econ", "经信"),
    ("transport", "交"),
    ("construction", "建"),
    ("culture", "文旅"),
    ("reform", "改"),
];

pub(super) const PAY_MEMOS: [&str; 5] =
    ["工程款支付", "进度款支付", "材料款支付", "监理费支付", "设计费支付"];
pub(super) const WITHDRAW_MEMOS: [&str; 4] =
    ["子项目调整收回指标", "进度滞后收回", "结余指标收回", "审计调整收回"];
pub(super) const RETURN_MEMOS: [&str; 3] = ["结余资金退回", "审计核减退回", "工程结算后退回"];
pub(super) const CHINESE_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
