"""§3 One card's visits written in one sitting (DQ-P15 pregnancy, DQ-C10 child): several check-ups months apart,
all entered within minutes of each other. A visit is entered after it happens, each on its own day; a card whose
visits of many weeks were typed in one go was filled in afterwards (补填) or made up. The record-level evidence
stands on its own (no unit signal needed): it is the card's own entry times. Linear: one window per card.

Rows of an import batch whose every row carries the same time stamp (the import's) are left out, as in DQ-F01:
their entry time says nothing about when the card was written.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ducha.quality.checks.base import (
    Builder,
    Explainer,
    Labels,
    Params,
    Row,
    ScanData,
    Severity,
    flag,
    fmt,
    months_between,
    timed_entries,
)
from ducha.quality.checks.records import QUALITY_MD, record_check

DEFAULTS = {"gap_minutes": 10, "min_visits": 3, "min_span_days": 56}
EVENTS = {"pregnancy": "次检查/访视", "child": "次体检"}


def card_sittings(d: ScanData, p: Params, record_type: str) -> ir.Table:
    """Per card: its largest sitting (entries ≤ ``gap_minutes`` apart) and the span of the visit dates in it."""
    e = timed_entries(d)
    e = e.filter((e.record_type == record_type) & e.event_date.notnull())
    e = e.mutate(secs=e.created_at.epoch_seconds())
    keys = ["unit_id", "record_id"]
    prev = e.secs.lag().over(group_by=keys, order_by=["secs", "event_date"])
    e = e.mutate(new=flag(prev.isnull() | (e.secs - prev > p["gap_minutes"] * 60)))
    e = e.mutate(sitting=e.new.cumsum(group_by=keys, order_by=["secs", "event_date"]))
    s = e.group_by(["unit_id", "record_id", "sitting"]).agg(
        visits=e.count(), first=e.event_date.min(), last=e.event_date.max(), start=e.created_at.min(),
        end=e.created_at.max())
    s = s.mutate(span=s["last"].delta(s["first"], unit="day"))
    s = s.filter((s.visits >= p["min_visits"]) & (s.span >= p["min_span_days"]))
    s = s.mutate(rank=ibis.row_number().over(group_by=[s.unit_id, s.record_id],
                                             order_by=[ibis.desc(s.visits), s.start]))
    s = s.filter(s["rank"] == 0)
    return s.select("unit_id", "record_id", "visits", "first", "last", "start", "end", "span", risk=s.visits)


def build(record_type: str) -> Builder:
    def builder(d: ScanData, p: Params, min_n: int) -> ir.Table:
        return card_sittings(d, p, record_type)
    return builder


def explain(record_type: str) -> Explainer:
    def text(row: Row, p: Params, labels: Labels) -> str:
        end = row["end"].strftime("%H:%M") if row["start"].date() == row["end"].date() else fmt(row["end"])
        return (f"{fmt(row['first'])} 至 {fmt(row['last'])}（{months_between(row['first'], row['last'])} 个月）的 "
                f"{row['visits']} {EVENTS[record_type]}都在 {fmt(row['start'])}–{end} 一次录入，"
                f"像是事后补填或一次写成（相邻录入间隔 ≤ {p['gap_minutes']} 分钟）")
    return text


THRESHOLD = "同一手册 ≥ {min_visits} 次检查在间隔 ≤ {gap_minutes} 分钟内连续录入，检查日期跨度 ≥ {min_span_days} 天"
RATIONALE = (f"{QUALITY_MD}；通报“孕产妇保健卡片个别乡镇一笔写成”。每次检查在检查后录入，各在不同的日子；"
             "同一手册相隔数周的多次检查在几分钟内一并录入，是事后补填或编造。不需单位信号，手册自身的录入时间就是证据。"
             "导入批次中所有行录入时间相同的（导入时间）不计。")
record_check("DQ-P15", "同一手册多次产检一次录入（事后补填）", Severity.HIGH, "pregnancy", build("pregnancy"),
             explain("pregnancy"), THRESHOLD, RATIONALE, dict(DEFAULTS))
record_check("DQ-C10", "同一儿童多次体检一次录入（事后补填）", Severity.HIGH, "child", build("child"),
             explain("child"), THRESHOLD, RATIONALE, dict(DEFAULTS))
