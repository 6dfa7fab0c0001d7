from django.urls import path

from ducha.quality import views, views_suspects

app_name = "quality"

urlpatterns = [
    path("", views.quality_home, name="home"),
    path("scan/", views.quality_scan, name="scan"),
    path("checks/", views.check_catalogue, name="checks"),
    path("suspects/", views_suspects.suspect_list, name="suspects"),
    path("suspects/<str:kind>/<int:pk>/", views_suspects.suspect_record, name="suspect"),
]
