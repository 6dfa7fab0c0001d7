"""Register pages, mounted at ``registers/``. Record URLs are stable: other pages link to them."""

from __future__ import annotations

from django.urls import path

from ducha.registers import views

app_name = "registers"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("pregnancy/new/", views.pregnancy_new, name="pregnancy_new"),
    path("pregnancy/<int:pk>/", views.pregnancy_detail, name="pregnancy_detail"),
    path("pregnancy/<int:pk>/edit/", views.pregnancy_edit, name="pregnancy_edit"),
    path("child/new/", views.child_new, name="child_new"),
    path("child/<int:pk>/", views.child_detail, name="child_detail"),
    path("child/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("pregnancy/<int:pk>/antenatal/new/", views.event_form, {"kind": "antenatal"}, name="antenatal_new"),
    path("pregnancy/<int:pk>/antenatal/<int:event_pk>/edit/", views.event_form, {"kind": "antenatal"},
         name="antenatal_edit"),
    path("pregnancy/<int:pk>/postpartum/new/", views.event_form, {"kind": "postpartum"}, name="postpartum_new"),
    path("pregnancy/<int:pk>/postpartum/<int:event_pk>/edit/", views.event_form, {"kind": "postpartum"},
         name="postpartum_edit"),
    path("child/<int:pk>/exam/new/", views.event_form, {"kind": "exam"}, name="exam_new"),
    path("child/<int:pk>/exam/<int:event_pk>/edit/", views.event_form, {"kind": "exam"}, name="exam_edit"),
    path("import/", views.upload, name="upload"),
    path("template/<str:name>", views.template_download, name="template"),
]
