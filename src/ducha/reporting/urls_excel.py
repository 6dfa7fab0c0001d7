"""Excel template download and upload, mounted at ``/reports/excel/`` (namespace ``reporting_excel``).

``reporting_excel:template`` → ``/reports/excel/template/?data_set=MCH_MONTHLY&period=2012Q1``
``reporting_excel:upload``   → ``/reports/excel/upload/``
"""

from django.urls import path

from ducha.reporting import views_excel

app_name = "reporting_excel"

urlpatterns = [
    path("template/", views_excel.template_download, name="template"),
    path("upload/", views_excel.upload, name="upload"),
]
