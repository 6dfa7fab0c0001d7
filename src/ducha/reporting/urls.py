from django.urls import path

from ducha.reporting import views

app_name = "reporting"

urlpatterns = [
    path("entry/", views.entry, name="entry"),
    path("status/", views.status, name="status"),
]
