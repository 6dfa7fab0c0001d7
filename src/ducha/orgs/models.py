"""The org-unit tree (county → township centres / county facilities → village clinics) and memberships."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from ducha.core.limits import POPULATION_MAX, UNIT_CODE_PATTERN, UNIT_CODE_RULE, hidden_characters


class OrgUnitKind(models.TextChoices):
    BUREAU = "bureau", "卫生健康局"
    COUNTY = "county", "县"
    MCH_HOSPITAL = "mch_hospital", "妇幼保健院"
    TOWNSHIP_CENTRE = "township_centre", "乡镇卫生院/社区卫生服务中心"
    COUNTY_FACILITY = "county_facility", "县直医疗单位"
    PRIVATE_HOSPITAL = "private_hospital", "民营医院"
    VILLAGE_CLINIC = "village_clinic", "村卫生室"


def validate_unit_code(value: str) -> None:
    """A unit code uses only letters, digits, "-" and "_" (``core.limits.UNIT_CODE_PATTERN``)."""
    if not UNIT_CODE_PATTERN.fullmatch(value):
        raise ValidationError(f"单位编码“{value[:40]}”无效：{UNIT_CODE_RULE}", code="unit_code")


def validate_visible_text(value: str) -> None:
    """Single-line text without control, zero-width or bidi-override characters."""
    if hidden := hidden_characters(value):
        raise ValidationError(f"{hidden}，请删除后重试", code="hidden_characters")


def path_segment(code: str) -> str:
    """A code as one segment of a tree path: percent-encoded, so no code can contain the separator "/".

    Valid codes (``validate_unit_code``) are their own segment; anything else that reached the database
    by another way still cannot place a unit inside another unit's subtree.
    """
    return quote(code, safe="")


def tree_path(parent_path: str | None, code: str) -> str:
    """The materialised path of a unit with ``code`` under a parent whose path is ``parent_path``."""
    return f"{parent_path or '/'}{path_segment(code)}/"


class OrgUnit(models.Model):
    code = models.CharField("编码", max_length=32, unique=True, validators=[validate_unit_code],
                            help_text=UNIT_CODE_RULE)
    name = models.CharField("名称", max_length=100, validators=[validate_visible_text])
    short_name = models.CharField("简称", max_length=20, blank=True, validators=[validate_visible_text])
    kind = models.CharField("类型", max_length=20, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path "/root/child/…/self/" of path segments of codes (``tree_path``): subtree = path
    # startswith. Codes cannot contain "/" (validator and database constraint), and segments are encoded.
    path = models.CharField("路径", max_length=500, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField("层级", editable=False, default=1)
    population = models.PositiveIntegerField(
        "服务人口", default=0,
        validators=[MaxValueValidator(POPULATION_MAX, message=f"服务人口不应超过 {POPULATION_MAX:,}")])
    opened_on = models.DateField("启用日期", null=True, blank=True)
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "组织机构"
        verbose_name_plural = "组织机构"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(opened_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="orgunit_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(code="") & ~Q(code__contains="/") & ~Q(code__contains=" "),
                name="orgunit_code_no_separator",
                violation_error_message="单位编码不能为空，也不能含“/”或空格",
            ),
            models.CheckConstraint(
                condition=Q(population__lte=POPULATION_MAX),
                name="orgunit_population_max",
                violation_error_message=f"服务人口不应超过 {POPULATION_MAX:,}",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """Short name used in tables and bulletins (龙城街道 rather than 龙城街道社区卫生服务中心)."""
        return self.short_name or self.name


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    INSPECTOR = "inspector", "督查员"
    MCH_OFFICER = "mch_officer", "妇幼专干"
    LEADER = "leader", "领导"


class Membership(models.Model):
    """Binds a user to an org-unit subtree with a role; every read and write is scoped by these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "用户角色"
        verbose_name_plural = "用户角色"
        constraints = [models.UniqueConstraint(fields=["user", "org_unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for scripts; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100, default="")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("前缀", max_length=8, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

