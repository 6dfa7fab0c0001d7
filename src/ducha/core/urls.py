from django.urls import path

from ducha.core import views

app_name = "core"
urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
]
