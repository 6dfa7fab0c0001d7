"""The demo county: the seed bulletin's 17 townships with first-quarter 2012 figures.

Every number here is chosen so that the county's Q1 totals equal the seed bulletin's
(`shared/seeds/000_*.txt`) and the townships it names by name come out as it says: who reached
100 % 建卡率, who passed 5 ‰ and 6 ‰ of population, who exceeded the folic-acid task, which two did no
triple tests, which three have any child systematic management. The generator splits these quarter
totals into monthly reports.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTY_CODE = "411326"
COUNTY_NAME = "淅川县"
YEAR = 2012
QUARTER = 1

# County totals from the seed bulletin (第一季度督查通报).
SEED_TOTALS = {
    "PREG_TOTAL": 1463,
    "PARTURIENTS": 1638,
    "PREG_REGISTERED": 1024,
    "CHILD_U3_EXAMS": 6258,
    "CHILD_U3_SYS": 587,
    "HIGH_RISK_REFERRAL": 216,
    "HOSP_DELIVERIES": 1063,
    "HIGH_RISK_ADMISSION": 450,
    "FOLIC_NEW": 1464,
    "TRIPLE_TESTED": 1535,
}
FOLIC_QUARTER_TASK = 1850   # 1464 = 79 % of it
TRIPLE_QUARTER_TASK = 1983  # 1535 = 77.4 % of it
LIVE_BIRTHS = 1620          # gives 孕产妇系管率 248 / 1620 = 15.3 %
SYS_MANAGED = 248
CHILD_U3 = 41338            # gives 儿童系统管理率 587 / 41338 = 1.42 %


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    short: str
    population: int
    preg_total: int
    parturients: int
    registered: int
    stillbirths: int
    sys_managed: int
    folic_task: int      # quarterly task
    folic_new: int
    triple_task: int     # quarterly task
    triple_tested: int
    child_sys: int


def _t(n: int, name: str, short: str, *numbers: int) -> Township:
    return Township(f"{COUNTY_CODE}{n:03d}", name, short, *numbers)


# code, 名称, 简称, 人口, 孕妇, 产妇, 建卡, 死胎死产, 系管, 叶酸任务, 叶酸, 三病任务, 三病, 儿童系管
TOWNSHIPS: list[Township] = [
    _t(1, "龙城街道社区卫生服务中心", "龙城", 62000, 44, 49, 5, 1, 1, 174, 60, 189, 90, 0),
    _t(2, "商圣街道社区卫生服务中心", "商圣", 58000, 113, 127, 62, 1, 16, 165, 120, 174, 150, 0),
    _t(3, "上集镇卫生院", "上集", 45000, 104, 116, 70, 1, 18, 126, 110, 135, 150, 0),
    _t(4, "金河镇卫生院", "金河", 38000, 79, 88, 38, 1, 10, 106, 70, 114, 0, 0),
    _t(5, "荆紫关镇卫生院", "荆紫关", 52000, 110, 124, 50, 1, 14, 146, 100, 156, 120, 0),
    _t(6, "滔河乡卫生院", "滔河", 30000, 42, 48, 2, 1, 0, 82, 6, 90, 0, 0),
    _t(7, "寺湾镇卫生院", "寺湾", 36000, 87, 97, 52, 1, 12, 101, 80, 108, 90, 0),
    _t(8, "西簧乡卫生院", "西簧", 28000, 86, 96, 80, 1, 22, 78, 85, 84, 96, 0),
    _t(9, "毛堂乡卫生院", "毛堂", 22000, 66, 73, 58, 1, 16, 62, 55, 66, 60, 0),
    _t(10, "大石桥乡卫生院", "大石桥", 26000, 71, 80, 71, 1, 14, 73, 80, 78, 70, 180),
    _t(11, "老城镇卫生院", "老城", 40000, 83, 93, 40, 1, 12, 112, 118, 120, 100, 250),
    _t(12, "香花镇卫生院", "香花", 48000, 138, 155, 101, 2, 33, 135, 120, 144, 130, 0),
    _t(13, "厚坡镇卫生院", "厚坡", 44000, 114, 128, 80, 1, 22, 123, 130, 132, 115, 0),
    _t(14, "九重镇卫生院", "九重", 42000, 103, 115, 103, 1, 18, 118, 95, 126, 105, 0),
    _t(15, "盛湾镇卫生院", "盛湾", 38000, 97, 108, 97, 1, 16, 106, 90, 114, 95, 0),
    _t(16, "马蹬镇卫生院", "马蹬", 32000, 65, 73, 65, 1, 12, 90, 95, 96, 102, 0),
    _t(17, "仓房镇卫生院", "仓房", 19000, 61, 68, 50, 1, 12, 53, 50, 57, 62, 157),
]

# County facilities and private hospitals (县直医疗单位, 民营医院): they report the delivery report.
# code suffix, 名称, 简称, kind, Q1 deliveries, caesarean share
FACILITIES: list[tuple[int, str, str, str, int, float]] = [
    (101, "淅川县人民医院", "县医院", "county_facility", 420, 0.38),
    (102, "淅川县妇幼保健院", "县妇幼保健院", "mch_hospital", 260, 0.31),
    (103, "淅川县中医院", "县中医院", "county_facility", 150, 0.42),
    (201, "淅川仁和医院", "仁和医院", "private_hospital", 90, 0.63),
    (202, "淅川康复妇产医院", "康复妇产医院", "private_hospital", 70, 0.55),
]

# Reports that came in late or never (ground truth of the demo, not product logic).
# (unit code, data set, month, days after the period's end it arrived; None = never)
LATE_OR_MISSING: list[tuple[str, str, str, int | None]] = [
    (f"{COUNTY_CODE}006", "MCH_MONTHLY", "201201", 12),
    (f"{COUNTY_CODE}001", "MCH_MONTHLY", "201203", 15),
    (f"{COUNTY_CODE}007", "MCH_MONTHLY", "201202", None),
    (f"{COUNTY_CODE}101", "HOSP_MONTHLY", "201202", 9),
    (f"{COUNTY_CODE}103", "HOSP_MONTHLY", "201201", 20),
    (f"{COUNTY_CODE}201", "HOSP_MONTHLY", "201203", None),
]

# Planted validation violations: move part of one element between months of the same township, so the
# quarter's totals stay the seed's while one month breaks a rule. (unit, element(s joined by +), from, to,
# amount, rule)
PLANTED_VIOLATIONS: list[tuple[str, str, str, str, int, str]] = [
    (f"{COUNTY_CODE}005", "PREG_TOTAL", "201203", "201201", 25, "VR01"),
    (f"{COUNTY_CODE}004", "PREG_REGISTERED", "201202", "201203", 8, "VR02"),
    (f"{COUNTY_CODE}002", "ANC_5PLUS+ANC_ANY", "201203", "201201", 15, "VR05"),
]

VILLAGES_PER_TOWNSHIP = 3
VILLAGE_NAMES = ["东坪村", "西岭村", "河口村", "王营村", "张湾村", "李沟村", "陈庄村", "刘河村", "杨寨村"]
