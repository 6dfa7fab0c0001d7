"""The project's URLs plus the register pages, for tests until ``ducha.urls`` mounts them."""

from django.urls import include, path

from ducha.urls import urlpatterns as project_urls

urlpatterns = list(project_urls)
if not any(getattr(p, "namespace", None) == "registers" for p in urlpatterns):
    urlpatterns.append(path("registers/", include("ducha.registers.urls")))
