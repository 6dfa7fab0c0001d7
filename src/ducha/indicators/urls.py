from django.urls import path

from ducha.indicators import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/indicator/", views.dashboard_panel, name="dashboard_panel"),
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/rows/", views.indicator_group_rows, name="indicator_group_rows"),
    path("indicators/export.csv", views.indicator_export, {"fmt": "csv"}, name="indicator_export_csv"),
    path("indicators/export.xlsx", views.indicator_export, {"fmt": "xlsx"}, name="indicator_export_xlsx"),
]
