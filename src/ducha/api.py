"""The REST API root (django-ninja); each app contributes a router. OpenAPI at /api/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(title="督查 ducha API", version="1", urls_namespace="api")
