"""The site's URLs plus the quality and register pages, for page tests until the root URLconf has them."""

from django.urls import include, path

from ducha.urls import urlpatterns as site

names = {getattr(p, "namespace", None) for p in site}
urlpatterns = [*site]
if "quality" not in names:
    urlpatterns.append(path("quality/", include("ducha.quality.urls")))
if "registers" not in names:
    urlpatterns.append(path("registers/", include("ducha.registers.urls")))
