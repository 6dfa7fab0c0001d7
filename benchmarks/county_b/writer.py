"""Write county B in the public import formats: units file, monthly-report workbooks, register workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.county_b.builder import Record, as_cell
from benchmarks.county_b.habits import Habits
from openpyxl import Workbook

META = ["录入时间", "录入人", "修改时间"]
PREG_COLS = ["单位编码", "手册编号", "姓名", "身份证号", "出生日期", "电话", "村（居）", "建册日期", "末次月经", "预产期",
             "孕次", "产次", "建册孕周", "风险分级", "艾滋病检测日期", "艾滋病检测结果", "梅毒检测日期", "梅毒检测结果",
             "乙肝检测日期", "乙肝检测结果", "血型", "Rh", "分娩日期", "分娩地点", "分娩方式", "分娩孕周", "产后出血量（ml）",
             "产后收缩压", "产后舒张压", "妊娠结局", "胎数", "新生儿性别", "出生体重（g）", "产后42天检查日期", "产后42天检查结果"]
VISIT_COLS = ["检查日期", "孕周", "体重（kg）", "收缩压", "舒张压", "血红蛋白（g/L）", "宫高（cm）", "胎心率", "检查者"]
PP_COLS = ["访视日期", "收缩压", "舒张压", "情况", "访视者"]
CHILD_COLS = ["单位编码", "手册编号", "姓名", "性别", "出生日期", "出生体重（g）", "出生孕周", "母亲手册编号", "村（居）",
              "体弱儿/高危儿"]
EXAM_COLS = ["体检日期", "体重（kg）", "身长/身高（cm）", "测量方式", "头围（cm）", "血红蛋白（g/L）", "喂养方式", "检查者", "结论"]
KEY = ["单位编码", "手册编号"]


def write_units(path: Path, county: tuple[str, str], units: list[Habits]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "组织机构"
    ws.append(["编码", "名称", "简称", "类型", "上级编码", "服务人口", "启用日期", "撤销日期", "报送数据集"])
    ws.append([county[0], county[1], county[1][:4], "县", None, sum(u.population for u in units), "2000-01-01", None, None])
    for u in units:
        ws.append([u.code, f"{u.name}卫生院", u.name, "乡镇卫生院/社区卫生服务中心", county[0], u.population,
                   "2000-01-01", None, "MCH_MONTHLY"])
    wb.save(path)


def write_reports(path: Path, h: Habits, rows: list[dict[str, Any]], metadata: bool) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    elements = list(rows[0]["values"])
    ws.append(["单位编码", "单位名称", "期间", *(["报送时间"] if metadata else []), *elements])
    for r in rows:
        submitted = [r["submitted_at"].strftime("%Y-%m-%d %H:%M")] if metadata else []
        ws.append([h.code, f"{h.name}卫生院", r["period"], *submitted, *(r["values"][e] for e in elements)])
    wb.save(path)


def _row(h: Habits, item: Record, cols: list[str], metadata: bool) -> list[Any]:
    cells = [as_cell(item.get(c), h) for c in cols]
    if metadata:
        meta = item.get("_meta") or {}
        cells += [as_cell(meta.get(c), h) for c in META]
    return cells


def write_registers(folder: Path, h: Habits, preg: list[Record], kids: list[Record], metadata: bool) -> list[Path]:
    meta_cols = META if metadata else []
    out = []
    wb = Workbook(write_only=True)
    sheets = {name: wb.create_sheet(name) for name in ("孕产妇手册", "产前检查", "产后访视")}
    sheets["孕产妇手册"].append([*PREG_COLS, *meta_cols])
    sheets["产前检查"].append([*KEY, *VISIT_COLS, *meta_cols])
    sheets["产后访视"].append([*KEY, *PP_COLS, *meta_cols])
    for p in preg:
        sheets["孕产妇手册"].append(_row(h, p, PREG_COLS, metadata))
        key = [p["单位编码"], p["手册编号"]]
        for v in p["_visits"]:
            sheets["产前检查"].append(key + _row(h, v, VISIT_COLS, metadata))
        for v in p["_postpartum"]:
            sheets["产后访视"].append(key + _row(h, v, PP_COLS, metadata))
    out.append(folder / f"{h.code}_{h.name}_孕产妇登记.xlsx")
    wb.save(out[-1])

    wb = Workbook(write_only=True)
    if h.layout_b_exams:   # one row per exam, the child's identity repeated on every row
        ws = wb.create_sheet("儿童体检")
        ws.append([*CHILD_COLS, *EXAM_COLS, *meta_cols])
        for c in kids:
            ident = [as_cell(c.get(col), h) for col in CHILD_COLS]
            for e in c["_exams"]:
                ws.append(ident + _row(h, e, EXAM_COLS, metadata))
    else:
        books, exams = wb.create_sheet("儿童手册"), wb.create_sheet("儿童体检")
        books.append([*CHILD_COLS, *meta_cols])
        exams.append([*KEY, *EXAM_COLS, *meta_cols])
        for c in kids:
            books.append(_row(h, c, CHILD_COLS, metadata))
            for e in c["_exams"]:
                exams.append([c["单位编码"], c["手册编号"]] + _row(h, e, EXAM_COLS, metadata))
    out.append(folder / f"{h.code}_{h.name}_儿童登记.xlsx")
    wb.save(out[-1])
    return out
