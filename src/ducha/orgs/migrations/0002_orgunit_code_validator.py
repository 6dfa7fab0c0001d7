"""Unit codes follow ``core.limits.UNIT_CODE_PATTERN`` (no "/"), names hold no hidden characters, the
population is capped; every tree path is rebuilt from the parent links with encoded segments.

A database holding a code that breaks the rule (such a code could forge a place in another unit's
subtree) gets that code rewritten — every character outside the rule becomes "_" — and a population
over the limit is capped; each change is printed, so that an administrator can review it.
"""

from __future__ import annotations

import re
import sys
from typing import Any
from urllib.parse import quote

import django.core.validators
from django.db import migrations, models

import ducha.orgs.models
from ducha.core.limits import POPULATION_MAX, UNIT_CODE_MAX_LENGTH, UNIT_CODE_PATTERN


def _valid_code(code: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z_-]", "_", code.strip()).lstrip("-_")[:UNIT_CODE_MAX_LENGTH - 4] or "unit"
    candidate, n = base, 1
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def repair_units(apps: Any, schema_editor: Any) -> None:
    org_unit = apps.get_model("orgs", "OrgUnit")
    units = list(org_unit.objects.using(schema_editor.connection.alias).order_by("pk"))
    taken = {u.code for u in units if UNIT_CODE_PATTERN.fullmatch(u.code)}
    for unit in units:
        if not UNIT_CODE_PATTERN.fullmatch(unit.code):
            new = _valid_code(unit.code, taken)
            taken.add(new)
            sys.stdout.write(f"\n  单位编码“{unit.code}”不符合编码规则，已改为“{new}”（单位：{unit.name}）")
            unit.code = new
        if unit.population > POPULATION_MAX:
            sys.stdout.write(f"\n  单位“{unit.code}”的服务人口 {unit.population:,} 超过上限，已改为 {POPULATION_MAX:,}")
            unit.population = POPULATION_MAX
    children: dict[int | None, list[Any]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    stack = [(u, "/", 1) for u in children.get(None, [])]
    while stack:
        unit, parent_path, level = stack.pop()
        unit.path, unit.level = f"{parent_path}{quote(unit.code, safe='')}/", level
        stack += [(c, unit.path, level + 1) for c in children.get(unit.pk, [])]
    org_unit.objects.using(schema_editor.connection.alias).bulk_update(
        units, ["code", "path", "level", "population"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(repair_units, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="orgunit",
            name="code",
            field=models.CharField(help_text="单位编码只能由英文字母、数字、“-”和“_”组成，长度 1–32 个字符，不能含空格、“/”等分隔符",
                                   max_length=32, unique=True,
                                   validators=[ducha.orgs.models.validate_unit_code], verbose_name="编码"),
        ),
        migrations.AlterField(
            model_name="orgunit",
            name="name",
            field=models.CharField(max_length=100, validators=[ducha.orgs.models.validate_visible_text],
                                   verbose_name="名称"),
        ),
        migrations.AlterField(
            model_name="orgunit",
            name="short_name",
            field=models.CharField(blank=True, max_length=20, validators=[ducha.orgs.models.validate_visible_text],
                                   verbose_name="简称"),
        ),
        migrations.AlterField(
            model_name="orgunit",
            name="population",
            field=models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(
                200000000, message="服务人口不应超过 200,000,000")], verbose_name="服务人口"),
        ),
        migrations.AddConstraint(
            model_name="orgunit",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("code", ""), _negated=True),
                                   models.Q(("code__contains", "/"), _negated=True),
                                   models.Q(("code__contains", " "), _negated=True)),
                name="orgunit_code_no_separator", violation_error_message="单位编码不能为空，也不能含“/”或空格"),
        ),
        migrations.AddConstraint(
            model_name="orgunit",
            constraint=models.CheckConstraint(condition=models.Q(("population__lte", 200000000)),
                                              name="orgunit_population_max",
                                              violation_error_message="服务人口不应超过 200,000,000"),
        ),
    ]
