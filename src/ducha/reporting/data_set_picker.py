"""Which data set a reporting page shows: the picker's choices and the ``data_set`` query parameter.

The entry page, the status grid and the Excel page offer only the data sets that units in the actor's
scope report (妇幼保健月报表 for townships, 助产机构分娩月报 for hospitals …). Without a ``data_set``
parameter a page opens the one its unit reports; for a whole subtree, the one most of its units report.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404, QueryDict

from ducha.core.actor import Actor
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import visible_units, writable_units
from ducha.reporting.models import DataSet
from ducha.reporting.selectors import MCH_MONTHLY, get_data_set


def reported_data_sets(actor: Actor, root: OrgUnit | None = None, *, write: bool = False) -> list[DataSet]:
    """Data sets at least one unit reports that the actor sees (or, with ``write``, may write), in ``root``'s
    subtree; the one most of these units report first."""
    units = writable_units(actor) if write else visible_units(actor)
    if root is not None:
        units = units.filter(path__startswith=root.path)
    found: QuerySet[DataSet] = DataSet.objects.filter(org_units__in=units).annotate(
        reporting=Count("org_units", distinct=True))
    return list(found.order_by("-reporting", "code"))


def pick_data_set(choices: list[DataSet], code: str, *, unit: OrgUnit | None = None) -> DataSet:
    """The data set ``code`` among ``choices`` (404 otherwise); without a code the one ``unit`` reports, else
    the first choice (妇幼保健月报表 when there is none, so an empty page still says what it shows)."""
    if code:
        if not any(d.code == code for d in choices):
            raise Http404(f"报表“{code}”不存在，或您的单位不需要报送")
        return get_data_set(code)
    if unit is not None:
        own = set(unit.data_sets.values_list("code", flat=True))
        mine = next((d for d in choices if d.code in own), None)
        if mine is not None:
            return get_data_set(mine.code)
    return get_data_set(choices[0].code if choices else MCH_MONTHLY)


def subtree_data_set(actor: Actor, root: OrgUnit, code: str) -> tuple[list[DataSet], DataSet]:
    """For a page over ``root``'s subtree: every data set of the actor's scope, and ``code`` or else the one
    most units of the subtree report (a township: its monthly report; a hospital: the delivery report)."""
    choices = reported_data_sets(actor)
    if code:
        return choices, pick_data_set(choices, code)
    return choices, pick_data_set(reported_data_sets(actor, root) or choices, "", unit=root)


@dataclass(frozen=True)
class DataSetTab:
    code: str
    name: str
    url: str
    active: bool


def data_set_tabs(choices: list[DataSet], selected: DataSet, path: str, keep: QueryDict,
                  keep_names: tuple[str, ...]) -> list[DataSetTab]:
    """One link per data set (for ``reporting/_data_set_tabs.html``), keeping the query parameters ``keep_names``;
    empty when there is nothing to choose."""
    if len(choices) < 2:
        return []
    tabs = []
    for data_set in choices:
        query = QueryDict(mutable=True)
        for name in keep_names:
            if value := str(keep.get(name, "")).strip():
                query[name] = value
        query["data_set"] = data_set.code
        tabs.append(DataSetTab(data_set.code, data_set.name, f"{path}?{query.urlencode()}",
                               data_set.pk == selected.pk))
    return tabs
