"""报送单位 page: which data sets each unit in the actor's scope reports; county inspectors/admins change it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ducha.core.locking import BusyError
from ducha.orgs.selectors import reporting_units
from ducha.reporting.models import DataSet
from ducha.reporting.unit_data_sets import (
    DataSetAssignmentError,
    assignment_version,
    can_assign,
    codes_by_unit,
    set_unit_data_sets,
)


@login_required
@require_http_methods(["GET", "POST"])
def unit_data_sets_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request)
    units = list(reporting_units(request.user))
    assigned = codes_by_unit(units)
    rows = [{"unit": u, "codes": assigned.get(u.pk, []), "version": assignment_version(u),
             "editable": can_assign(request.user, u)} for u in units]
    return render(request, "reporting/unit_data_sets.html", {
        "title": "报送单位", "rows": rows, "data_sets": list(DataSet.objects.order_by("code")),
        "editable": any(r["editable"] for r in rows)})


def _save(request: HttpRequest) -> HttpResponse:
    unit_code = request.POST.get("unit", "").strip()
    raw = request.POST.get("based_on", "").strip()
    try:
        if not raw.isdigit():
            raise DataSetAssignmentError("页面缺少版本信息，请刷新页面后重试")
        found = set_unit_data_sets(actor=request.user, unit_code=unit_code, codes=request.POST.getlist("data_set"),
                                   based_on=int(raw))
    except (DataSetAssignmentError, BusyError) as err:
        messages.error(request, f"未保存：{err}")
    else:
        messages.success(request, f"已保存：{found.unit.name} 报送 {'、'.join(d.name for d in found.data_sets) or '（无）'}")
    return HttpResponseRedirect(reverse("reporting:unit_data_sets"))
