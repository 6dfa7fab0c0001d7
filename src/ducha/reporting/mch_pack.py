"""The MCH monthly data set (妇幼保健月报表) with every data element the indicator pack needs.

Installed by a data migration (0002) and re-installable (idempotent) with :func:`install_mch_data_set`.
An element added to the pack later reaches existing databases through :func:`add_missing_elements`
(migration 0005 added 首次产前检查人数 ANC_FIRST), which leaves everything an administrator changed alone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F

MCH_MONTHLY = "MCH_MONTHLY"

# (code, 名称, 栏目, aggregation over time: "sum" for counts in the month, "last" for stocks)
ELEMENTS: list[tuple[str, str, str, str]] = [
    ("PREG_TOTAL", "孕妇总数", "孕产妇保健", "sum"),
    ("PARTURIENTS", "产妇数", "孕产妇保健", "sum"),
    ("PREG_REGISTERED", "孕期建卡人数", "孕产妇保健", "sum"),
    ("EARLY_REG", "早孕建册人数", "孕产妇保健", "sum"),
    ("ANC_FIRST", "首次产前检查人数", "孕产妇保健", "sum"),  # ANC1: read by the quality check DQ-R08
    ("ANC_ANY", "产前检查人数", "孕产妇保健", "sum"),
    ("ANC_5PLUS", "产前检查≥5次人数", "孕产妇保健", "sum"),
    ("SYS_MANAGED", "孕产妇系统管理人数", "孕产妇保健", "sum"),
    ("POSTPARTUM_VISIT", "产后访视人数", "孕产妇保健", "sum"),
    ("LIVE_BIRTHS", "活产数", "住院分娩", "sum"),
    ("STILLBIRTHS", "死胎死产数", "住院分娩", "sum"),
    ("HOSP_DELIVERIES", "住院分娩活产数", "住院分娩", "sum"),
    ("CAESAREAN", "剖宫产活产数", "住院分娩", "sum"),
    ("HIGH_RISK", "高危产妇数", "高危管理", "sum"),
    ("HIGH_RISK_MANAGED", "高危产妇管理人数", "高危管理", "sum"),
    ("HIGH_RISK_REFERRAL", "高危转诊人数", "高危管理", "sum"),
    ("HIGH_RISK_ADMISSION", "高危住院人次", "高危管理", "sum"),
    ("MATERNAL_DEATHS", "孕产妇死亡数", "死亡监测", "sum"),
    ("TRIPLE_TESTED", "三病检测人数", "重大公共卫生项目", "sum"),
    ("FOLIC_DUE", "应补服叶酸人数", "重大公共卫生项目", "sum"),
    ("FOLIC_NEW", "叶酸补服人数", "重大公共卫生项目", "sum"),
    ("NEWBORN_VISITED", "新生儿访视人数", "儿童保健", "sum"),
    ("CHILD_U3", "3岁以下儿童数", "儿童保健", "last"),
    ("CHILD_U3_EXAMS", "0-3岁儿童体检人数", "儿童保健", "sum"),
    ("CHILD_U3_SYS", "3岁以下儿童系统管理人数", "儿童保健", "sum"),
    ("CHILD_U7", "7岁以下儿童数", "儿童保健", "last"),
    ("CHILD_U7_MANAGED", "7岁以下儿童健康管理人数", "儿童保健", "sum"),
    ("NEONATAL_DEATHS", "新生儿死亡数", "死亡监测", "sum"),
    ("INFANT_DEATHS", "婴儿死亡数", "死亡监测", "sum"),
    ("U5_DEATHS", "5岁以下儿童死亡数", "死亡监测", "sum"),
    ("LOW_BIRTH_WEIGHT", "低出生体重儿数", "住院分娩", "sum"),
    ("PERINATAL_BIRTHS", "围产儿数", "出生缺陷监测", "sum"),
    ("BIRTH_DEFECTS", "出生缺陷数", "出生缺陷监测", "sum"),
]

HOSP_MONTHLY = "HOSP_MONTHLY"

# The delivery report of county facilities and private hospitals (助产机构分娩月报): their own
# elements, so that births counted by residence in the townships' report are never counted twice.
HOSPITAL_ELEMENTS: list[tuple[str, str, str, str]] = [
    ("FAC_DELIVERIES", "本院分娩产妇数", "助产机构", "sum"),
    ("FAC_LIVE_BIRTHS", "本院活产数", "助产机构", "sum"),
    ("FAC_CAESAREAN", "本院剖宫产活产数", "助产机构", "sum"),
    ("FAC_TRIPLE_TESTED", "本院产妇三病检测人数", "助产机构", "sum"),
    ("FAC_MATERNAL_DEATHS", "本院孕产妇死亡数", "助产机构", "sum"),
]

# (code, 规则, left, operator, right, importance)
RULES: list[tuple[str, str, str, str, str, str]] = [
    ("VR01", "孕期建卡人数 ≤ 孕妇总数", "PREG_REGISTERED", "<=", "PREG_TOTAL", "high"),
    ("VR02", "早孕建册人数 ≤ 孕期建卡人数", "EARLY_REG", "<=", "PREG_REGISTERED", "medium"),
    ("VR03", "剖宫产活产数 ≤ 住院分娩活产数", "CAESAREAN", "<=", "HOSP_DELIVERIES", "high"),
    ("VR04", "住院分娩活产数 ≤ 活产数 + 死胎死产数", "HOSP_DELIVERIES", "<=", "LIVE_BIRTHS + STILLBIRTHS", "high"),
    ("VR05", "孕产妇系统管理人数 ≤ 产前检查≥5次人数", "SYS_MANAGED", "<=", "ANC_5PLUS", "high"),
    ("VR06", "产前检查≥5次人数 ≤ 产前检查人数", "ANC_5PLUS", "<=", "ANC_ANY", "high"),
    ("VR07", "高危产妇管理人数 ≤ 高危产妇数", "HIGH_RISK_MANAGED", "<=", "HIGH_RISK", "medium"),
    ("VR08", "3岁以下儿童系统管理人数 ≤ 3岁以下儿童数", "CHILD_U3_SYS", "<=", "CHILD_U3", "high"),
    ("VR09", "婴儿死亡数 ≤ 5岁以下儿童死亡数", "INFANT_DEATHS", "<=", "U5_DEATHS", "high"),
    ("VR10", "新生儿死亡数 ≤ 婴儿死亡数", "NEONATAL_DEATHS", "<=", "INFANT_DEATHS", "high"),
    ("VR11", "低出生体重儿数 ≤ 活产数", "LOW_BIRTH_WEIGHT", "<=", "LIVE_BIRTHS", "medium"),
    ("VR12", "叶酸补服人数 ≤ 应补服叶酸人数", "FOLIC_NEW", "<=", "FOLIC_DUE", "medium"),
]
HOSPITAL_RULES: list[tuple[str, str, str, str, str, str]] = [
    ("VR21", "本院剖宫产活产数 ≤ 本院活产数", "FAC_CAESAREAN", "<=", "FAC_LIVE_BIRTHS", "high"),
    ("VR22", "本院三病检测人数 ≤ 本院分娩产妇数", "FAC_TRIPLE_TESTED", "<=", "FAC_DELIVERIES", "medium"),
]


def _install(models: Any, code: str, name: str, elements: list[tuple[str, str, str, str]],
             rules: list[tuple[str, str, str, str, str, str]]) -> Any:
    element_model = models.get_model("reporting", "DataElement")
    data_set_model = models.get_model("reporting", "DataSet")
    link_model = models.get_model("reporting", "DataSetElement")
    rule_model = models.get_model("reporting", "ValidationRule")
    data_set, _ = data_set_model.objects.update_or_create(
        code=code, defaults={"name": name, "period_type": "month", "deadline_days": 5}
    )
    for order, (el_code, el_name, section, aggregation) in enumerate(elements, start=1):
        element, _ = element_model.objects.update_or_create(
            code=el_code, defaults={"name": el_name, "category": section, "aggregation": aggregation}
        )
        link_model.objects.update_or_create(
            data_set=data_set, data_element=element, defaults={"order": order, "section": section, "required": True}
        )
    for rule_code, rule_name, left, operator, right, importance in rules:
        rule_model.objects.update_or_create(
            code=rule_code,
            defaults={"name": rule_name, "left": left, "operator": operator, "right": right,
                      "importance": importance, "data_set": data_set},
        )
    return data_set


def install_mch_data_set(models: Any = None) -> Any:
    """Create or update both data sets; ``models`` is a migration's ``apps`` or None for the live models.

    Returns the MCH monthly data set.
    """
    if models is None:
        from django.apps import apps as models
    _install(models, HOSP_MONTHLY, "助产机构分娩月报", HOSPITAL_ELEMENTS, HOSPITAL_RULES)
    return _install(models, MCH_MONTHLY, "妇幼保健月报表", ELEMENTS, RULES)


def add_missing_elements(models: Any = None) -> list[str]:
    """Link every pack element a data set lacks, right after its nearest predecessor in the pack; the codes added.

    Unlike :func:`install_mch_data_set` it changes nothing that exists (names, deadlines, orders an
    administrator set stay as they are): later links move down by one to make room. Idempotent.
    """
    if models is None:
        from django.apps import apps as models
    element_model = models.get_model("reporting", "DataElement")
    data_set_model = models.get_model("reporting", "DataSet")
    link_model = models.get_model("reporting", "DataSetElement")
    added = []
    for code, elements in ((MCH_MONTHLY, ELEMENTS), (HOSP_MONTHLY, HOSPITAL_ELEMENTS)):
        data_set = data_set_model.objects.filter(code=code).first()
        if data_set is None:
            continue
        for index, (el_code, el_name, section, aggregation) in enumerate(elements):
            links = link_model.objects.filter(data_set=data_set)
            if links.filter(data_element__code=el_code).exists():
                continue
            before = next((found for e in reversed(elements[:index])
                           if (found := links.filter(data_element__code=e[0]).first()) is not None), None)
            order = before.order + 1 if before is not None else 1
            links.filter(order__gte=order).update(order=F("order") + 1)
            element, _ = element_model.objects.get_or_create(
                code=el_code, defaults={"name": el_name, "category": section, "aggregation": aggregation})
            link_model.objects.create(data_set=data_set, data_element=element, order=order, section=section,
                                      required=True)
            added.append(el_code)
    return added
