from django.urls import path

from ducha.reporting import views, views_approval, views_unit_data_sets

app_name = "reporting"

urlpatterns = [
    path("entry/", views.entry, name="entry"),
    path("status/", views.status, name="status"),
    path("units/", views_unit_data_sets.unit_data_sets_page, name="unit_data_sets"),
    path("approval/approve/", views_approval.approve, name="approve"),
    path("approval/unapprove/", views_approval.unapprove, name="unapprove"),
]
