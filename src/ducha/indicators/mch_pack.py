"""The MCH indicator pack: every indicator of domain/indicators.md, installed by a data migration.

``REGISTER_INDICATORS`` are the same counts taken from the registers (个案登记) instead of the monthly
reports; each names the report expression it is checked against (the verification factor of the quality
checks, DQ-V01). Installing is idempotent: ``install_mch_indicators`` updates what exists.
"""

from __future__ import annotations

from typing import Any

# code, 名称, numerator, 分子说明, denominator, 分母说明, factor, 口径, higher_is_better, key
INDICATORS: list[tuple[str, str, str, str, str, str, int, str, bool, bool]] = [
    ("REG_RATE", "建卡率", "PREG_REGISTERED", "孕期建卡人数", "PREG_TOTAL", "孕妇总数", 100, "supervision", True, True),
    ("REG_RATE_ANNUAL", "建卡率（年报口径）", "PREG_REGISTERED", "孕期建卡人数", "PARTURIENTS", "产妇数", 100,
     "annual", True, False),
    ("MATERNAL_POP_RATIO", "孕产妇数占人口比", "PREG_TOTAL + PARTURIENTS", "孕妇数 + 产妇数", "POPULATION",
     "服务人口", 1000, "supervision", True, True),
    ("EARLY_REG_RATE", "早孕建册率", "EARLY_REG", "早孕建册人数", "LIVE_BIRTHS", "活产数", 100, "annual", True, False),
    ("ANC_RATE", "产前检查率", "ANC_ANY", "产前检查人数", "LIVE_BIRTHS", "活产数", 100, "annual", True, False),
    ("MAT_SYS_RATE", "孕产妇系统管理率", "SYS_MANAGED", "系统管理人数", "LIVE_BIRTHS", "活产数", 100, "annual",
     True, True),
    ("POSTPARTUM_RATE", "产后访视率", "POSTPARTUM_VISIT", "产后访视人数", "LIVE_BIRTHS", "活产数", 100, "annual",
     True, False),
    ("HOSP_DELIVERY_RATE", "住院分娩率", "HOSP_DELIVERIES", "住院分娩活产数", "LIVE_BIRTHS", "活产数", 100,
     "annual", True, False),
    ("CAESAREAN_RATE", "剖宫产率", "CAESAREAN", "剖宫产活产数", "LIVE_BIRTHS", "活产数", 100, "annual", False, False),
    ("HIGH_RISK_RATIO", "高危产妇比例", "HIGH_RISK", "高危产妇数", "PARTURIENTS", "产妇数", 100, "annual", True,
     False),
    ("HIGH_RISK_MGMT_RATE", "高危产妇管理率", "HIGH_RISK_MANAGED", "高危产妇管理人数", "HIGH_RISK", "高危产妇数",
     100, "annual", True, False),
    ("MMR", "孕产妇死亡率", "MATERNAL_DEATHS", "孕产妇死亡数", "LIVE_BIRTHS", "活产数", 100000, "annual", False,
     False),
    ("TRIPLE_TEST_RATE", "艾滋病梅毒乙肝检测率", "TRIPLE_TESTED", "三病检测人数", "PARTURIENTS", "产妇数", 100,
     "annual", True, False),
    ("FOLIC_RATE", "叶酸服用率", "FOLIC_NEW", "叶酸补服人数", "FOLIC_DUE", "应补服叶酸人数", 100, "annual", True,
     False),
    ("NEWBORN_VISIT_RATE", "新生儿访视率", "NEWBORN_VISITED", "新生儿访视人数", "LIVE_BIRTHS", "活产数", 100,
     "annual", True, False),
    ("CHILD_SYS_RATE", "3岁以下儿童系统管理率", "CHILD_U3_SYS", "系统管理儿童数", "CHILD_U3", "3岁以下儿童数", 100,
     "annual", True, True),
    ("CHILD_HEALTH_RATE", "7岁以下儿童健康管理率", "CHILD_U7_MANAGED", "健康管理儿童数", "CHILD_U7",
     "7岁以下儿童数", 100, "public_health", True, False),
    ("IMR", "婴儿死亡率", "INFANT_DEATHS", "婴儿死亡数", "LIVE_BIRTHS", "活产数", 1000, "annual", False, False),
    ("U5MR", "5岁以下儿童死亡率", "U5_DEATHS", "5岁以下儿童死亡数", "LIVE_BIRTHS", "活产数", 1000, "annual", False,
     False),
    ("NMR", "新生儿死亡率", "NEONATAL_DEATHS", "新生儿死亡数", "LIVE_BIRTHS", "活产数", 1000, "annual", False, False),
    ("LBW_RATE", "低出生体重发生率", "LOW_BIRTH_WEIGHT", "低出生体重儿数", "LIVE_BIRTHS", "活产数", 100, "annual",
     False, False),
    ("BIRTH_DEFECT_RATE", "出生缺陷发生率", "BIRTH_DEFECTS", "出生缺陷数", "PERINATAL_BIRTHS", "围产儿数", 10000,
     "annual", False, False),
    ("FAC_CAESAREAN_RATE", "剖宫产率（助产机构）", "FAC_CAESAREAN", "本院剖宫产活产数", "FAC_LIVE_BIRTHS",
     "本院活产数", 100, "annual", False, False),
    ("FOLIC_COUNT", "叶酸补服人数", "FOLIC_NEW", "叶酸补服人数", "", "", 1, "supervision", True, True),
    ("TRIPLE_TEST_COUNT", "三病检测人数", "TRIPLE_TESTED", "三病检测人数", "", "", 1, "supervision", True, True),
    ("CHILD_EXAM_COUNT", "0-3岁儿童体检人数", "CHILD_U3_EXAMS", "0-3岁儿童体检人数", "", "", 1, "supervision", True,
     False),
]


# code, 名称, numerator, 分子说明, denominator, 分母说明, factor, higher_is_better, reported numerator,
# reported denominator — numerator and denominator over register measures (``register_source.MEASURES``)
REGISTER_INDICATORS: list[tuple[str, str, str, str, str, str, int, bool, str, str]] = [
    ("REGISTER_PREG_COUNT", "建册人数（个案登记）", "PREG_RECORDS", "本期建册人数", "", "", 1, True,
     "PREG_REGISTERED", ""),
    ("REGISTER_EARLY_REG_RATE", "早孕建册率（个案登记）", "EARLY_RECORDS", "本期早孕建册人数", "LIVE_DELIVERED",
     "本期活产数", 100, True, "EARLY_REG", "LIVE_BIRTHS"),
    ("REGISTER_ANC5_RATE", "产前检查≥5次率（个案登记）", "ANC5_DELIVERED", "产前检查≥5次人数", "LIVE_DELIVERED",
     "本期活产数", 100, True, "ANC_5PLUS", "LIVE_BIRTHS"),
    ("REGISTER_MAT_SYS_RATE", "孕产妇系统管理率（个案登记）", "SYS_MANAGED_DELIVERED", "系统管理人数",
     "LIVE_DELIVERED", "本期活产数", 100, True, "SYS_MANAGED", "LIVE_BIRTHS"),
    ("REGISTER_POSTPARTUM_RATE", "产后访视率（个案登记）", "POSTPARTUM_DELIVERED", "28天内产后访视人数",
     "LIVE_DELIVERED", "本期活产数", 100, True, "POSTPARTUM_VISIT", "LIVE_BIRTHS"),
    ("REGISTER_CAESAREAN_RATE", "剖宫产率（个案登记）", "CAESAREAN_DELIVERED", "剖宫产活产产妇数", "LIVE_DELIVERED",
     "本期活产数", 100, False, "CAESAREAN", "LIVE_BIRTHS"),
    ("REGISTER_LIVE_BIRTHS", "活产数（个案登记）", "LIVE_DELIVERED", "本期活产数", "", "", 1, True, "LIVE_BIRTHS", ""),
    ("REGISTER_CHILD_SYS_RATE", "3岁儿童系统管理（4:2:2）结案率（个案登记）", "CHILDREN_422", "达到4:2:2的儿童数",
     "CHILDREN_CLOSING", "本期满3岁儿童数", 100, True, "CHILD_U3_SYS", ""),
    ("REGISTER_CHILD_EXAMS", "0-3岁儿童体检人数（个案登记）", "CHILDREN_EXAMINED", "各月体检过的0-3岁儿童数之和", "", "",
     1, True, "CHILD_U3_EXAMS", ""),
]


def install_mch_indicators(models: Any = None) -> None:
    """Create or update the pack's indicators (with historical ``models`` from a migration, or the current ones).

    The register indicators need the ``source`` field (migration 0003): installing from an older migration
    state skips them, and 0003 installs them.
    """
    if models is None:
        from django.apps import apps as models
    indicator_model = models.get_model("indicators", "Indicator")
    for order, row in enumerate(INDICATORS, start=1):
        code, name, num, num_label, den, den_label, factor, defset, higher, key = row
        indicator_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "numerator": num, "numerator_label": num_label, "denominator": den,
                "denominator_label": den_label, "factor": factor, "definition_set": defset,
                "higher_is_better": higher, "is_key": key, "sort_order": order,
            },
        )
    if any(f.name == "source" for f in indicator_model._meta.get_fields()):
        _install_register_indicators(indicator_model, first_order=len(INDICATORS) + 1)


def _install_register_indicators(indicator_model: Any, *, first_order: int) -> None:
    for order, row in enumerate(REGISTER_INDICATORS, start=first_order):
        code, name, num, num_label, den, den_label, factor, higher, reported_num, reported_den = row
        indicator_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "numerator": num, "numerator_label": num_label, "denominator": den,
                "denominator_label": den_label, "factor": factor, "definition_set": "supervision",
                "higher_is_better": higher, "sort_order": order, "source": "registers",
                "reported_numerator": reported_num, "reported_denominator": reported_den,
            },
        )
