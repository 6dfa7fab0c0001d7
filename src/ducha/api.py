"""The REST API root (django-ninja); each app contributes a router. OpenAPI at /api/openapi.json.

Every endpoint needs a login session or a bearer token (``ducha.api_auth``); errors are JSON
``{"detail": "<中文说明>", "problems": [...]}`` as every operation declares (``ducha.api_contract``),
also for an address under /api/ that does not exist; no input gives a 500. The interactive docs at
/api/docs are Swagger UI served from the copy bundled inside the django-ninja package (through
``/api/docs/assets/…``), so they work on an intranet with no internet access: nothing is loaded from a CDN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ninja
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from ducha.api_auth import API_AUTH, NOT_AUTHENTICATED
from ducha.api_contract import CODE_PATTERN, PATTERN_MESSAGES, contract
from ducha.core.api import build_jobs_router
from ducha.indicators.api import router as indicators_router
from ducha.orgs.api import router as orgs_router
from ducha.quality.api import router as quality_router
from ducha.registers.api_events import router as registers_router
from ducha.reporting.actions import ReportError
from ducha.reporting.api import router as reporting_router
from ducha.reporting.api_approval import router as approval_router
from ducha.reporting.api_unit_data_sets import router as unit_data_sets_router
from ducha.reporting.models import DataElement

SWAGGER_ASSETS = Path(ninja.__file__).parent / "static" / "ninja"
ASSET_TYPES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element (whose text is not HTML-decoded, so no entity escaping)."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class OfflineSwagger(DocsBase):
    """Swagger UI from the files django-ninja ships, served by this API (no CDN, no INSTALLED_APPS entry)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        csrf = get_token(request) if request.user.is_authenticated else ""

        def asset(name: str) -> str:
            return escape(reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": name}))

        html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(api.title)} · 接口文档</title>
<link rel="stylesheet" href="{asset("swagger-ui.css")}"><link rel="icon" href="{asset("favicon.png")}"></head>
<body data-csrf-token="{escape(csrf)}" data-api-csrf="{"true" if csrf else ""}">
<script type="application/json" id="swagger-settings">{_script_json(settings)}</script>
<div id="swagger-ui"></div>
<script src="{asset("swagger-ui-bundle.js")}"></script><script src="{asset("swagger-ui-init.js")}"></script>
</body></html>"""
        return HttpResponse(html)


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese left readable (UTF-8) instead of \\u escapes, for people reading curl output."""

    json_dumps_params = {"ensure_ascii": False}


class DuchaAPI(NinjaAPI):
    """NinjaAPI that keeps what was sent in each validation error, to quote it in the Chinese message."""

    def validation_error_from_error_contexts(self, error_contexts: list[ValidationErrorContext]) -> ValidationError:
        result = super().validation_error_from_error_contexts(error_contexts)
        sent = [e.get("input") for c in error_contexts for e in c.pydantic_validation_error.errors(include_url=False)]
        for error, value in zip(result.errors, sent, strict=True):
            error["input"] = value
        return result


api = DuchaAPI(
    title="督查 ducha API",
    version="1",
    description="组织机构、报表数据（读写）、报送情况与指标值，登记手册（读写）与数据质量检查结果。用登录会话或 `Authorization: Bearer <令牌>` 访问；"
    "令牌用 `ducha token 用户名` 签发。",
    urls_namespace="api",
    auth=API_AUTH,
    docs=OfflineSwagger(),
    renderer=ChineseJSONRenderer(),
)
api.add_router("", orgs_router)
api.add_router("", reporting_router)
api.add_router("", approval_router)
api.add_router("", unit_data_sets_router)
api.add_router("", indicators_router)
api.add_router("", registers_router)
api.add_router("", quality_router)
api.add_router("", build_jobs_router(contract))


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSET_TYPES:
        raise Http404(f"文件 {name} 不存在")
    response = FileResponse((SWAGGER_ASSETS / name).open("rb"), content_type=ASSET_TYPES[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


# ---- errors: always {"detail": "<中文>"} -------------------------------------------------------------

VALIDATION_MESSAGES = {
    "missing": "缺少必填项",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "list_type": "应为列表（JSON 数组）",
    "too_long": "最多 {max_length} 项（收到 {actual_length} 项）",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为字符串",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "json_invalid": "请求体不是有效的 JSON",
    "date_parsing": "应为日期，如 2012-01-31",
    "date_from_datetime_parsing": "应为日期，如 2012-01-31",
    "date_type": "应为日期，如 2012-01-31",
    "datetime_parsing": "应为日期时间，如 2012-02-03T10:15:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2012-02-03T10:15:00+08:00",
    "datetime_type": "应为日期时间文字，如 2012-02-03T10:15:00+08:00",
    "literal_error": "取值应为 {expected}",
    "greater_than_equal": "“{input}”应为不小于 {ge} 的整数",
    "less_than_equal": "“{input}”数值过大（不应超过 {le}）",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_too_short": "不能为空",
    "extra_forbidden": "不认识的字段（可用的字段见 /api/docs）",
}
LOCATION_PARTS = {"query", "path", "body", "payload", "form", "header", "cookie"}
SHOWN_INPUT_MAX = 40


HTTP_ERROR_MESSAGES = {"Cannot parse request body": "请求体不是有效的 JSON"}


def _shown(value: Any) -> str:
    """What was sent, short and printable, for a message."""
    text = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in str(value))
    return text if len(text) <= SHOWN_INPUT_MAX else text[:SHOWN_INPUT_MAX] + "…"


class _Context(dict[str, str]):
    """Template values of one pydantic error; a placeholder it lacks becomes empty, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def _context(error: dict[str, Any]) -> _Context:
    ctx = {k: (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v).replace(" or ", " 或 "))
           for k, v in (error.get("ctx") or {}).items()}
    return _Context({**ctx, "input": _shown(error.get("input", ""))})


def _element(parts: list[str]) -> tuple[str, int] | None:
    """For ``values.PREG_TOTAL``: the data element's Chinese name and largest value, if it exists."""
    if len(parts) == 2 and parts[0] == "values" and re.fullmatch(CODE_PATTERN, parts[1]):
        found = DataElement.objects.filter(code=parts[1]).values_list("name", "max_value").first()
        return (found[0], found[1]) if found else None
    return None


def _validation_message(error: dict[str, Any]) -> str:
    parts = [str(p) for p in error.get("loc", []) if str(p) not in LOCATION_PARTS]
    kind, ctx = str(error.get("type")), _context(error)
    if kind == "string_pattern_mismatch" and parts and parts[0] in PATTERN_MESSAGES:
        return PATTERN_MESSAGES[parts[0]].format_map(ctx)
    element = _element(parts)
    where = element[0] if element else _shown(".".join(p for p in parts if p != "[key]"))
    if kind == "too_short" and (error.get("ctx") or {}).get("field_type") == "Dictionary":
        return f"{where} 中至少要有一项数据"
    if kind == "less_than_equal" and element:  # the element's own limit, not the API's ceiling
        ctx["le"] = f"{element[1]:,}"
    what = VALIDATION_MESSAGES.get(kind, "取值无效").format_map(ctx)
    return f"{where}：{what}" if where else what


def _json(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [_validation_message(e) for e in exc.errors]
    return _json(request, 422, "请求参数有误：" + "；".join(problems), problems=problems)


@api.exception_handler(AuthenticationError)
def on_not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = exc.message if exc.message != "Unauthorized" else NOT_AUTHENTICATED
    response = _json(request, 401, detail)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = HTTP_ERROR_MESSAGES.get(exc.message.split(" (")[0], exc.message)
    return _json(request, exc.status_code, message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, str(exc) or "请求的对象不存在或无权查看")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _json(request, 403, str(exc) or "无权执行此操作")


@api.exception_handler(ReportError)
def on_report_error(request: HttpRequest, exc: ReportError) -> HttpResponse:
    return _json(request, 422, str(exc), problems=exc.problems)


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE: a Chinese 413, not its English HTML 400 page."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return _json(request, 413, f"请求体过大：最多 {limit / 1024 / 1024:.1f} MB（{limit:,} 字节），什么都没有写入")


@api.exception_handler(ValueError)
def on_value_error(request: HttpRequest, exc: ValueError) -> HttpResponse:
    """PeriodError and the Chinese ValueErrors of actions/selectors: the request cannot be carried out."""
    return _json(request, 422, str(exc), problems=[str(exc)])


# ---- any other address under /api/: a JSON 404, not the HTML page ------------------------------------

fallback_router = Router(tags=["其他"])


@fallback_router.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None,
                               include_in_schema=False)
def no_such_endpoint(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404(f"接口 /api/{_shown(rest)} 不存在，可用的接口见 /api/docs")


api.add_router("", fallback_router)


def chinese_method_not_allowed(get_response: Callable[[HttpRequest], HttpResponse]
                               ) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: django-ninja answers a method an endpoint lacks with an English text body; under /api/
    it becomes the Chinese JSON error every other refusal is (the ``Allow`` header kept)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/"):
            return response
        allowed = response.get("Allow", "")
        answer = _json(request, 405, f"接口 {_shown(request.path)} 不接受 {_shown(request.method or '')} 请求，"
                                     f"可用的方法：{allowed}")
        answer["Allow"] = allowed
        return answer

    return middleware
