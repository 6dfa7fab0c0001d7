from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from ducha.api import api


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "督查 ducha 系统管理"
admin.site.site_title = "督查 ducha"
admin.site.index_title = "配置"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("ducha.orgs.urls")),
    path("", include("ducha.indicators.urls")),
    path("reports/", include("ducha.reporting.urls")),
    path("reports/excel/", include("ducha.reporting.urls_excel")),
    path("registers/", include("ducha.registers.urls")),
    path("quality/", include("ducha.quality.urls")),
    path("", include("ducha.core.urls")),
]
