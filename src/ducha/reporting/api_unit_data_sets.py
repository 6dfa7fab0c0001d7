"""REST API: which data sets a unit reports (报送数据集) — read (scoped) and set with ``based_on``."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StrictInt

from ducha.api_auth import actor_of
from ducha.api_contract import CODE_PATTERN, UNIT_CODE, WRITE_ERRORS, contract
from ducha.core.limits import UNIT_CODE_MAX_LENGTH
from ducha.core.locking import BusyError
from ducha.reporting.unit_data_sets import (
    DataSetAssignmentError,
    UnitDataSets,
    set_unit_data_sets,
    unit_data_sets,
)

router = Router(tags=["组织机构"])
UNIT_PATH = Path(..., pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH, description="单位编码", example="T01")


class DataSetRef(Schema):
    code: str
    name: str


class UnitDataSetsOut(Schema):
    unit: str
    unit_name: str
    data_sets: list[DataSetRef]
    version: int = Field(description="这一设置的版本（最后一次修改的审计记录编号，从未修改为 0）；修改时在 based_on 中原样传回")


class UnitDataSetsIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"data_sets": ["MCH_MONTHLY"], "based_on": 0}]})

    data_sets: list[Annotated[str, Field(pattern=CODE_PATTERN)]] = Field(
        max_length=50, description="该单位报送的全部报表的编码（空列表：不报送任何报表）")
    based_on: StrictInt = Field(ge=0, description="读取时得到的 version；期间被他人修改则返回 409，不写入")


def _out(found: UnitDataSets) -> UnitDataSetsOut:
    return UnitDataSetsOut(unit=found.unit.code, unit_name=found.unit.name, version=found.version,
                           data_sets=[DataSetRef(code=d.code, name=d.name) for d in found.data_sets])


@router.get("/org-units/{code}/data-sets", **contract(UnitDataSetsOut), summary="单位报送的报表")
def read_unit_data_sets(request: HttpRequest, code: str = UNIT_PATH) -> UnitDataSetsOut:
    """该单位报送哪些报表（数据填报、Excel 模板和报送情况都按此列出单位）；不在权限范围内的单位返回 404。"""
    return _out(unit_data_sets(actor_of(request), code))


@router.put("/org-units/{code}/data-sets", **contract(UnitDataSetsOut, WRITE_ERRORS), summary="设置单位报送的报表")
def write_unit_data_sets(request: HttpRequest, payload: UnitDataSetsIn, code: str = UNIT_PATH) -> UnitDataSetsOut:
    """只有县级督查员和系统管理员可以设置（其他角色 403）；``based_on`` 须为当前 version（否则 409）；
    没有的报表编码返回 422。写入审计日志（修改前、修改后）。"""
    try:
        found = set_unit_data_sets(actor=actor_of(request), unit_code=code, codes=payload.data_sets,
                                   based_on=payload.based_on)
    except DataSetAssignmentError as err:
        if err.conflict:
            raise HttpError(409, str(err)) from None
        raise ValueError(f"data_sets：{err}") from None  # 422 with problems, naming the field
    except BusyError as err:
        raise HttpError(503, str(err)) from None
    return _out(found)
