from django.urls import path

from ducha.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.quality_home, name="home"),
    path("scan/", views.quality_scan, name="scan"),
    path("checks/", views.check_catalogue, name="checks"),
]
