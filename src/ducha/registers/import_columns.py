"""The register import format: five tables, their Chinese column headers, types, units and allowed values.

This module is the single source of the format: the reader, the blank templates and
``docs/registers-import.md`` all follow it. A column's ``key`` is the model field it fills (or a
pseudo-field: ``unit``, ``record_no``, ``national_id``, ``mother_no``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from ducha.core.excel_io import header_key, parse_date
from ducha.core.import_times import MOMENT_EXPECTED, parse_moment
from ducha.registers.import_cells import parse_choice, parse_decimal, parse_int, parse_text
from ducha.registers.models import (
    AntenatalVisit,
    ChildExam,
    ChildRecord,
    DeliveryMode,
    Feeding,
    Outcome,
    PostpartumVisit,
    PregnancyRecord,
    RegisterKind,
    RiskGrade,
    Sex,
    TestResult,
)

SMALL_INT = 32767


def _spellings(pairs: dict[Any, list[str]]) -> dict[str, Any]:
    """Every spelling as :func:`parse_choice` compares it: NFKC (full-width brackets → half-width), no spaces."""
    return {re.sub(r"\s+", "", unicodedata.normalize("NFKC", s)).lower(): value
            for value, spellings in pairs.items() for s in spellings}


SEX = (_spellings({Sex.MALE: ["男", "1", "男性"], Sex.FEMALE: ["女", "2", "女性"]}), "男 或 女（也可填 1 或 2）")
MODE = (_spellings({DeliveryMode.VAGINAL: ["顺产", "平产", "自然分娩"], DeliveryMode.CAESAREAN: ["剖宫产", "剖腹产"],
                    DeliveryMode.ASSISTED: ["助产", "阴道助产"]}), "顺产、剖宫产 或 助产")
RISK = (_spellings({g.value: [g.label, g.label + "色"] for g in RiskGrade}), "绿、黄、橙、红 或 紫")
FEEDING = (_spellings({Feeding.BREAST: ["母乳", "母乳喂养", "纯母乳"], Feeding.FORMULA: ["人工", "人工喂养"],
                       Feeding.MIXED: ["混合", "混合喂养"]}), "母乳、人工 或 混合")
RESULT = (_spellings({TestResult.NEGATIVE: ["阴性", "-", "阴"], TestResult.POSITIVE: ["阳性", "+", "阳"]}),
          "阴性 或 阳性")
RH = (_spellings({"阴性": ["阴性", "-", "rh-", "rh阴性"], "阳性": ["阳性", "+", "rh+", "rh阳性"]}), "阴性 或 阳性")
BLOOD = (_spellings({g: [g, g + "型"] for g in ("A", "B", "AB", "O")}), "A、B、AB 或 O")
OUTCOME = (_spellings({Outcome.LIVE_BIRTH: ["活产"], Outcome.STILLBIRTH: ["死胎死产", "死胎", "死产"]}),
           "活产 或 死胎死产")
POSTURE = (_spellings({True: ["卧位", "卧", "身长", "卧位（量身长）", "卧位（身长）", "量身长", "卧位测量"],
                       False: ["立位", "立", "身高", "立位（量身高）", "立位（身高）", "量身高", "立位测量"]}),
           "卧位（量身长）或 立位（量身高）")
YES_NO = (_spellings({True: ["是", "有", "1", "√", "y", "yes"], False: ["否", "无", "0", "n", "no"]}), "是 或 否")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text, date, moment (date and time), decimal, int, choice, id
    required: bool = False  # the column must be in the header row
    mandatory: bool = False  # the cell must not be blank
    future_ok: bool = False  # a date that may lie ahead (预产期)
    max_length: int = 50
    max_digits: int = 4
    places: int = 1
    positive: bool = False
    max_value: int = SMALL_INT
    unit: str = ""
    choices: tuple[dict[str, Any], str] | None = None
    aliases: tuple[str, ...] = ()
    note: str = ""

    def parse(self, value: Any) -> Any:
        if self.kind == "date":
            return parse_date(value)
        if self.kind == "moment":
            return parse_moment(value, time_only_code="REG014")
        if self.kind == "decimal":
            return parse_decimal(value, max_digits=self.max_digits, places=self.places, positive=self.positive,
                                 unit=self.unit)
        if self.kind == "int":
            return parse_int(value, max_value=self.max_value, unit=self.unit)
        if self.kind == "choice":
            assert self.choices is not None
            return parse_choice(value, *self.choices)
        return parse_text(value, self.max_length)

    def display(self, value: Any) -> Any:
        """A stored value as a person writes it in the file (男, 卧位, 是 …)."""
        if self.choices is not None:
            return next((s for s, v in self.choices[0].items() if v == value and type(v) is type(value)), value)
        return value

    @property
    def expected(self) -> str:
        """What the column holds, in words (for the docs and the template's 说明 sheet)."""
        if self.choices:
            return self.choices[1]
        if self.kind == "date":
            return "日期，可以晚于今天" if self.future_ok else "日期，不晚于今天"
        if self.kind == "moment":
            return MOMENT_EXPECTED + "；不晚于导入时间、不早于 2000-01-01"
        if self.kind == "decimal":
            limit = 10 ** (self.max_digits - self.places) - 10 ** -self.places
            low = "大于 0" if self.positive else "不小于 0"
            return f"{low}、不超过 {limit:.{self.places}f} 的数字，四舍五入到 {self.places} 位小数"
        if self.kind == "int":
            return f"0–{self.max_value} 的整数"
        if self.kind == "id":
            return "18 位身份证号（最后一位可为 X；以文本格式填写）"
        return f"文字，不超过 {self.max_length} 字"


def _text(key: str, header: str, max_length: int, **kw: Any) -> Column:
    return Column(key, header, "text", max_length=max_length, **kw)


def _date(key: str, header: str, **kw: Any) -> Column:
    return Column(key, header, "date", **kw)


def _dec(key: str, header: str, unit: str, **kw: Any) -> Column:
    return Column(key, header, "decimal", unit=unit, **kw)


def _int(key: str, header: str, unit: str = "", **kw: Any) -> Column:
    return Column(key, header, "int", unit=unit, **kw)


def _choice(key: str, header: str, choices: tuple[dict[str, Any], str], **kw: Any) -> Column:
    return Column(key, header, "choice", choices=choices, **kw)


UNIT = _text("unit", "单位编码", 32, required=True, mandatory=True, aliases=("机构编码",),
             note="系统中的单位编码（见系统管理 → 组织机构），只能是您可填报的单位")
RECORD_NO = _text("record_no", "手册编号", 40, required=True, mandatory=True, aliases=("手册号", "卡号"),
                  note="单位内唯一；系统中已有同一单位同一编号的手册时，这一行是对该手册的更新")

# Entry metadata exported by another system (provincial MCH system, hospital HIS), optional on every table.
ENTRY_COLUMNS: tuple[Column, ...] = (
    Column("created_at", "录入时间", "moment", aliases=("录入日期", "创建时间"),
           note="原系统中的录入时间；不填则为导入时间。没有时区的时间按服务器时区（北京时间）"),
    _text("entered_by_name", "录入人", 50, aliases=("录入者", "录入员"),
          note="原系统中的录入人姓名（不必是 ducha 用户）；不填则为导入人"),
    Column("modified_at_source", "修改时间", "moment", aliases=("最后修改时间",),
           note="原系统中最后修改的时间；不能早于录入时间"),
)
ENTRY_KEYS = tuple(c.key for c in ENTRY_COLUMNS)

PREGNANCY_COLUMNS: tuple[Column, ...] = (
    UNIT, RECORD_NO,
    _text("name", "姓名", 50, required=True, aliases=("孕妇姓名",)),
    Column("national_id", "身份证号", "id", aliases=("身份证号码",),
           note="只保存加盐散列和后四位，不保存号码本身"),
    _date("birth_date", "出生日期"),
    _text("phone", "电话", 20, aliases=("联系电话",)),
    _text("village", "村（居）", 50, aliases=("村", "住址")),
    _date("registered_on", "建册日期", required=True, aliases=("建卡日期",)),
    _date("lmp", "末次月经"),
    _date("edd", "预产期", future_ok=True),
    _int("gravidity", "孕次"), _int("parity", "产次"),
    _dec("weeks_at_registration", "建册孕周", "周"),
    _choice("risk_grade", "风险分级", RISK, aliases=("高危评分",)),
    _text("high_risk_reasons", "高危因素", 200),
    _choice("referred", "转诊", YES_NO),
    _date("hiv_tested_on", "艾滋病检测日期"), _choice("hiv_result", "艾滋病检测结果", RESULT),
    _date("syphilis_tested_on", "梅毒检测日期"), _choice("syphilis_result", "梅毒检测结果", RESULT),
    _date("hbv_tested_on", "乙肝检测日期"), _choice("hbv_result", "乙肝检测结果", RESULT),
    _choice("blood_group", "血型", BLOOD), _choice("rh", "Rh", RH, aliases=("Rh血型",)),
    _date("delivered_on", "分娩日期"),
    _text("delivery_place", "分娩地点", 100),
    _choice("delivery_mode", "分娩方式", MODE),
    _dec("delivery_weeks", "分娩孕周", "周"),
    _int("blood_loss_ml", "产后出血量（ml）", "ml", max_value=99999),
    _int("delivery_sbp", "产后收缩压", "mmHg"), _int("delivery_dbp", "产后舒张压", "mmHg"),
    _choice("outcome", "妊娠结局", OUTCOME),
    _int("babies", "胎数"),
    _choice("baby_sex", "新生儿性别", SEX),
    _int("birth_weight_g", "出生体重（g）", "g", max_value=99999),
    _date("check_42d_on", "产后42天检查日期"), _text("check_42d_result", "产后42天检查结果", 100),
    _date("maternal_death_on", "孕产妇死亡日期"), _text("death_cause", "死因", 100),
    *ENTRY_COLUMNS,
)
ANTENATAL_COLUMNS: tuple[Column, ...] = (
    UNIT, RECORD_NO,
    _date("visit_on", "检查日期", required=True, aliases=("产检日期",)),
    _dec("weeks", "孕周", "周"),
    _dec("weight_kg", "体重（kg）", "kg", max_digits=5, positive=True),
    _int("sbp", "收缩压", "mmHg"), _int("dbp", "舒张压", "mmHg"),
    _int("hb", "血红蛋白（g/L）", "g/L"),
    _dec("fundal_height_cm", "宫高（cm）", "cm"),
    _int("fetal_heart_rate", "胎心率", "次/分"),
    _text("examiner", "检查者", 50, aliases=("检查医生",)),
    *ENTRY_COLUMNS,
)
POSTPARTUM_COLUMNS: tuple[Column, ...] = (
    UNIT, RECORD_NO,
    _date("visit_on", "访视日期", required=True),
    _int("sbp", "收缩压", "mmHg"), _int("dbp", "舒张压", "mmHg"),
    _text("findings", "情况", 200, aliases=("访视情况",)),
    _text("examiner", "访视者", 50, aliases=("访视医生",)),
    *ENTRY_COLUMNS,
)
CHILD_COLUMNS: tuple[Column, ...] = (
    UNIT, RECORD_NO,
    _text("name", "姓名", 50, required=True, aliases=("儿童姓名",)),
    _choice("sex", "性别", SEX, required=True, mandatory=True),
    _date("birth_date", "出生日期", required=True, mandatory=True),
    _int("birth_weight_g", "出生体重（g）", "g", max_value=99999),
    _dec("gestational_weeks", "出生孕周", "周"),
    _text("mother_no", "母亲手册编号", 40, note="同一单位的孕产妇保健手册编号（可空）"),
    _text("village", "村（居）", 50, aliases=("村", "住址")),
    _choice("vulnerable", "体弱儿/高危儿", YES_NO, aliases=("体弱儿", "高危儿")),
    _choice("case_managed", "专案管理", YES_NO),
    *ENTRY_COLUMNS,
)
EXAM_COLUMNS: tuple[Column, ...] = (
    UNIT, RECORD_NO,
    _date("exam_on", "体检日期", required=True, aliases=("检查日期",)),
    _dec("weight_kg", "体重（kg）", "kg", positive=True, required=True),
    _dec("length_cm", "身长/身高（cm）", "cm", positive=True, required=True, aliases=("身长", "身高", "身长（cm）",
                                                                                    "身高（cm）")),
    _choice("measured_lying", "测量方式", POSTURE, aliases=("卧位/立位",)),
    _dec("head_cm", "头围（cm）", "cm", positive=True),
    _int("hb", "血红蛋白（g/L）", "g/L"),
    _choice("feeding", "喂养方式", FEEDING),
    _text("examiner", "检查者", 50, aliases=("检查医生",)),
    _text("conclusion", "结论", 200, aliases=("体检结论",)),
    *ENTRY_COLUMNS,
)
IGNORED_HEADERS = {"序号", "备注", "单位名称", "说明"}


@dataclass(frozen=True)
class TableSpec:
    """One table of the format: a sheet (or CSV file) name, its model and columns."""

    name: str
    kind: str  # RegisterKind value
    model: type[models.Model]
    columns: tuple[Column, ...]
    record_table: TableSpec | None = None  # for visits/exams: the record they belong to
    date_key: str = ""  # the visit/exam date; (record, date) identifies a visit/exam
    link: str = ""  # the foreign key to the record
    known: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_record(self) -> bool:
        return self.record_table is None

    def all_columns(self) -> list[Column]:
        """Own columns and, for visit/exam tables, the record's identity columns (repeated-identity layout)."""
        own = list(self.columns)
        if self.record_table is not None:
            keys = {c.key for c in own}
            own += [c for c in self.record_table.columns if c.key not in keys]
        return own

    def column_for(self, header: Any) -> Column | None:
        if not self.known:
            for column in self.all_columns():
                for text in (column.header, *column.aliases):
                    self.known.setdefault(normal_header(text), column)
                    self.known.setdefault(bare_header(text), column)
        text = normal_header(header)
        return self.known.get(text) or self.known.get(bare_header(text))


def normal_header(value: Any) -> str:
    return header_key(value).lower()


def bare_header(text: Any) -> str:
    """A header without its unit in brackets: 体重（kg） → 体重."""
    return re.sub(r"\([^()]*\)$", "", normal_header(text))


PREGNANCY = TableSpec("孕产妇手册", RegisterKind.PREGNANCY, PregnancyRecord, PREGNANCY_COLUMNS)
ANTENATAL = TableSpec("产前检查", RegisterKind.PREGNANCY, AntenatalVisit, ANTENATAL_COLUMNS, PREGNANCY,
                      "visit_on", "record")
POSTPARTUM = TableSpec("产后访视", RegisterKind.PREGNANCY, PostpartumVisit, POSTPARTUM_COLUMNS, PREGNANCY,
                       "visit_on", "record")
CHILD = TableSpec("儿童手册", RegisterKind.CHILD, ChildRecord, CHILD_COLUMNS)
EXAM = TableSpec("儿童体检", RegisterKind.CHILD, ChildExam, EXAM_COLUMNS, CHILD, "exam_on", "child")
TABLES: tuple[TableSpec, ...] = (PREGNANCY, ANTENATAL, POSTPARTUM, CHILD, EXAM)
TABLES_BY_NAME = {t.name: t for t in TABLES}
NOTES_SHEET = "说明"

# Date pairs that cannot be in this order: (earlier key, later key, what is wrong). Keys prefixed with
# ``record.`` come from the visit's record.
DateRule = tuple[str, str, str]
DATE_RULES: dict[str, tuple[DateRule, ...]] = {
    PREGNANCY.name: (
        ("birth_date", "registered_on", "建册日期早于孕妇的出生日期"),
        ("lmp", "registered_on", "建册日期早于末次月经"),
        ("lmp", "edd", "预产期早于末次月经"),
        ("lmp", "delivered_on", "分娩日期早于末次月经"),
        ("delivered_on", "check_42d_on", "产后42天检查早于分娩日期"),
    ),
    ANTENATAL.name: (
        ("record.lmp", "visit_on", "产前检查日期早于末次月经"),
        ("visit_on", "record.delivered_on", "产前检查日期晚于分娩日期"),
    ),
    POSTPARTUM.name: (("record.delivered_on", "visit_on", "产后访视日期早于分娩日期"),),
    CHILD.name: (),
    EXAM.name: (("record.birth_date", "exam_on", "体检日期早于出生日期"),),
}


def date_errors(table: TableSpec, values: dict[str, Any], record: dict[str, Any] | None = None, *,
                today: Any) -> list[tuple[str, str]]:
    """(field, Chinese message) for dates in the future or in an impossible order — the web forms'
    counterpart of the import's REG010/REG011 checks. ``record`` holds the record's values for a visit/exam."""
    errors = []
    for column in table.columns:
        value = values.get(column.key)
        if column.kind == "date" and not column.future_ok and value is not None and value > today:
            errors.append((column.key, f"{column.header}晚于今天（{today.isoformat()}）"))
    for earlier, later, text in DATE_RULES[table.name]:
        a = (record or {}).get(earlier[7:]) if earlier.startswith("record.") else values.get(earlier)
        b = (record or {}).get(later[7:]) if later.startswith("record.") else values.get(later)
        if a is not None and b is not None and b < a:
            errors.append((later if not later.startswith("record.") else earlier, text))
    return errors
