"""The MCH monthly data set has 首次产前检查人数 (ANC_FIRST); a database made before it gets it by migration."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from ducha.core.periods import parse_period
from ducha.quality.checks.base import catalogue
from ducha.reporting.excel import build_template
from ducha.reporting.mch_pack import MCH_MONTHLY, add_missing_elements, install_mch_data_set
from ducha.reporting.models import DataSet, DataSetElement

pytestmark = pytest.mark.django_db


def _codes(data_set: DataSet) -> list[str]:
    return list(data_set.set_elements.order_by("order").values_list("data_element__code", flat=True))


def test_every_element_a_quality_check_pairs_is_in_a_data_set() -> None:
    install_mch_data_set()
    linked = set(DataSetElement.objects.values_list("data_element__code", flat=True))
    paired = {code for check in catalogue() for pair in check.defaults.get("pairs", []) for code in pair}
    assert "ANC_FIRST" in paired and paired <= linked


def test_an_older_database_gets_anc_first_after_early_registration_and_keeps_its_settings() -> None:
    data_set = install_mch_data_set()
    DataSetElement.objects.filter(data_set=data_set, data_element__code="ANC_FIRST").delete()
    DataSetElement.objects.filter(data_set=data_set).update(order=0)  # an administrator's own order …
    for n, link in enumerate(data_set.set_elements.order_by("data_element__code")):
        DataSetElement.objects.filter(pk=link.pk).update(order=10 * (n + 1))  # … with gaps
    DataSet.objects.filter(pk=data_set.pk).update(deadline_days=10, name="月报（本县）")
    before = _codes(data_set)

    assert add_missing_elements() == ["ANC_FIRST"]
    after = _codes(data_set)
    early = before.index("EARLY_REG")
    assert after == [*before[:early + 1], "ANC_FIRST", *before[early + 1:]]
    link = DataSetElement.objects.get(data_set=data_set, data_element__code="ANC_FIRST")
    assert (link.section, link.required, link.data_element.name) == ("孕产妇保健", True, "首次产前检查人数")
    data_set.refresh_from_db()
    assert (data_set.deadline_days, data_set.name) == (10, "月报（本县）")
    assert add_missing_elements() == [] and _codes(data_set) == after


def test_the_template_has_a_column_for_anc_first(mini_county: Any) -> None:
    data_set = DataSet.objects.get(code=MCH_MONTHLY)
    book = load_workbook(io.BytesIO(build_template(data_set, parse_period("201201"), [mini_county.town_a])))
    header = [c.value for c in book["数据"][1]]
    assert header.index("首次产前检查人数") == header.index("早孕建册人数") + 1
    assert "ANC_FIRST" in [c.value for c in book["说明"]["C"]]
