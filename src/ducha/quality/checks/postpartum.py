"""§3 Postpartum visits with no delivery (DQ-P16): a pregnancy card with postpartum visits or a 42-day check but
no delivery at all — no delivery date and nothing else of the delivery (place, mode, outcome, birth weight).

The field's way of faking it: a woman went away to deliver (to her mother's county, a city hospital) and never came
back to the township's care, yet postpartum visits are written for her "from the due date". A visitor who saw her
would know when and where she delivered; a card with visits after a birth it does not record is a sign that the
visits were not made. Read from the store: deliveries are the pregnancy row's ``delivered_on`` and delivery fields,
postpartum visits the ``postpartum`` table and the 42-day check ``check_42d_on``.

An honest transfer — the delivery recorded as 外地 / 外院 / another hospital with its date — has a delivery and is not
flagged. A card with some delivery fields filled (a place, a mode, an outcome) but no date recorded the delivery and
left the date out: that is an incomplete record, not this check's. Linear: one group-by of the visits per card.
"""

from __future__ import annotations

import ibis.expr.types as ir

from ducha.quality.checks.base import Labels, Params, Row, ScanData, Severity, fmt
from ducha.quality.checks.records import QUALITY_MD, blank, record_check


def delivery_recorded(t: ir.Table) -> ir.BooleanValue:
    """The card records a delivery: its date, or any other delivery field (a date left out is incomplete)."""
    return (t.delivered_on.notnull() | ~blank(t.delivery_place) | ~blank(t.delivery_mode) | ~blank(t.outcome)
            | t.birth_weight_g.notnull() | t.delivery_weeks.notnull() | t.blood_loss_ml.notnull())


def build_postpartum_without_delivery(d: ScanData, p: Params, min_n: int) -> ir.Table:
    t, q, a = d["pregnancies"], d["postpartum"], d["antenatal"]
    visits = q.group_by(vid=q.record_id).agg(visits=q.count(), first=q.visit_on.min(), last=q.visit_on.max())
    anc = a.group_by(aid=a.record_id).agg(last_anc=a.visit_on.max())
    none = t.filter(~delivery_recorded(t))
    j = none.left_join(visits, none.record_id == visits.vid)
    j = j.left_join(anc, j.record_id == anc.aid)
    j = j.mutate(visits=j.visits.fill_null(0))
    j = j.filter((j.visits > 0) | j.check_42d_on.notnull())
    after_due = j["first"].delta(j.edd, unit="day")
    return j.select(unit_id=j.unit_id, record_id=j.record_id, visits=j.visits, first=j["first"], last=j["last"],
                    check_42d_on=j.check_42d_on, edd=j.edd, last_anc=j.last_anc, after_due=after_due)


def explain_postpartum_without_delivery(row: Row, p: Params, labels: Labels) -> str:
    parts = []
    if row["visits"]:
        span = fmt(row["first"]) if row["first"] == row["last"] else f"{fmt(row['first'])} 至 {fmt(row['last'])}"
        parts.append(f"{row['visits']} 次产后访视（{span}）")
    if row.get("check_42d_on") is not None:
        parts.append(f"产后42天检查（{fmt(row['check_42d_on'])}）")
    text = "有 " + "、".join(parts) + "，但没有分娩日期和任何分娩情况"
    due = row.get("after_due")
    if row.get("edd") is not None and due is not None:
        side = f"后 {due} 天" if due >= 0 else f"前 {-due} 天"
        text += f"；预产期 {fmt(row['edd'])}，第一次访视在预产期{side}"
    if row.get("last_anc") is not None:
        text += f"，最后一次产前检查 {fmt(row['last_anc'])}"
    return text + "。访视过产妇就该知道何时何地分娩，可能是按预产期补写的访视"


record_check("DQ-P16", "有产后访视、无分娩记录", Severity.HIGH, "pregnancy", build_postpartum_without_delivery,
             explain_postpartum_without_delivery, "有产后访视或产后42天检查，没有分娩日期也没有任何分娩情况",
             f"{QUALITY_MD}：外出分娩、不再回本地的孕产妇，按预产期补写产后访视。访视过产妇就会知道她何时何地分娩，"
             "手册有产后访视却没有分娩，说明访视可能没有做，所以列为编造迹象（与“有分娩无产前检查”同理），而不是记录不一致。"
             "在外地、外院分娩并记下了分娩日期的转出者有分娩，不列入；填了分娩地点（如“外地”）、分娩方式或妊娠结局"
             "但缺分娩日期的，是分娩日期漏填（记录不全），也不列入本项。")
