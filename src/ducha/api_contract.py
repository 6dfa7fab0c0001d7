"""What the REST API promises in its OpenAPI document: parameter constraints and error responses.

Every constraint declared here is also enforced (pydantic validates it before the endpoint runs), so
the document and the server agree: a request the document calls valid is never refused for its shape,
and one it calls invalid is refused with 422 and a Chinese message (``ducha.api`` renders the errors).
What only the database can tell (a unit that does not exist, a month that has not begun) stays a 404
or 422 answered by the endpoint. ``src/ducha/orgs/tests/test_api_schemathesis.py`` checks the two agree.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Schema
from pydantic import Field

from ducha.core.limits import UNIT_CODE_MAX_LENGTH, UNIT_CODE_PATTERN, UNIT_CODE_RULE

# 201201 / 2012-01 (month), 2012Q1 (quarter), 2012 (year), 2012MCH (MCH statistical year); years 1900–2200.
PERIOD_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)(-?(0[1-9]|1[0-2])|[Qq][1-4]|[Mm][Cc][Hh])?$"
PERIOD_RULE = "应为 月 201201（或 2012-01）、季度 2012Q1、年 2012、妇幼统计年度 2012MCH"
PERIOD_MAX_LENGTH = 7
UNIT_CODE = UNIT_CODE_PATTERN.pattern
# Codes of data sets, data elements and indicators.
CODE_PATTERN = r"^[0-9A-Za-z_.-]{1,40}$"
CODE_RULE = "编码只能由英文字母、数字和“_”“.”“-”组成，长度 1–40 个字符"
CODE_LIST_PATTERN = r"^[0-9A-Za-z_., -]{0,1000}$"
CODE_LIST_RULE = "应为逗号分隔的指标编码（英文字母、数字和“_”“.”“-”），最长 1000 个字符"

# The Chinese message for a parameter or field whose pattern did not match, by name ({input}: what was sent).
PATTERN_MESSAGES = {
    "period": "无法识别的期间“{input}”：" + PERIOD_RULE,
    "unit": "单位编码“{input}”无效：" + UNIT_CODE_RULE,
    "root": "单位编码“{input}”无效：" + UNIT_CODE_RULE,
    "code": "单位编码“{input}”无效：" + UNIT_CODE_RULE,
    "data_set": "报表编码“{input}”无效：" + CODE_RULE,
    "data_sets": "报表编码“{input}”无效：" + CODE_RULE,
    "codes": "指标编码“{input}”无效：" + CODE_LIST_RULE,
    "values": "数据元编码“{input}”无效：" + CODE_RULE,
    "check": "检查编号“{input}”无效：应为检查目录（/quality/checks/）中的编号，如 DQ-R01；可疑手册只能按针对单本手册的检查筛选",
    "record_no": "手册编号“{input}”无效：应为 1–40 个字符，不含控制字符",
}


class ErrorOut(Schema):
    """Every error: a Chinese sentence, and for 422 each reason on its own."""

    detail: str = Field(description="中文说明")
    problems: list[str] = Field(default_factory=list, description="校验类错误（422）的每一条原因")


ERROR_DESCRIPTIONS = {
    400: "请求体不是有效的 JSON",
    401: "未登录，或 API 令牌无效、已被吊销",
    403: "无权执行此操作（如领导写数据），或通过登录会话写数据时缺少 CSRF 令牌",
    404: "单位、报表或指标不存在，或不在调用者的权限范围内（两者不加区分）",
    409: "数据已被他人修改（请求所依据的版本不是当前版本），或该期报表已审核（数据锁定）：什么都没有写入",
    413: "请求体过大（超过 DATA_UPLOAD_MAX_MEMORY_SIZE，默认 2.5 MB），什么都没有写入",
    422: "参数或数据不合要求（problems 列出每一条原因），什么都没有写入",
    429: "错误的令牌尝试次数过多，该地址暂时被锁定",
    503: "数据库正忙（他人正在写同一份报表），请稍后重试；什么都没有写入",
}
READ_ERRORS = (401, 404, 422, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422, 429, 503)


def contract(ok: Any, errors: tuple[int, ...] = READ_ERRORS) -> dict[str, Any]:
    """``response=`` and ``openapi_extra=`` for a router decorator: 200 ``ok`` plus the Chinese errors."""
    descriptions = {200: {"description": "成功"}} | {
        status: {"description": ERROR_DESCRIPTIONS[status]} for status in errors}
    return {"response": {200: ok, **dict.fromkeys(errors, ErrorOut)}, "openapi_extra": {"responses": descriptions}}


def unit_query(description: str) -> Any:
    """An optional ``unit`` query parameter (a unit code), e.g. ``?unit=T01``."""
    return Query(None, pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH, description=description, example="T01")


def period_query(description: str) -> Any:
    """An optional ``period`` query parameter (month, quarter, year or MCH year), e.g. ``?period=2012Q1``."""
    return Query(None, pattern=PERIOD_PATTERN, max_length=PERIOD_MAX_LENGTH, description=description,
                 example="2012Q1")
