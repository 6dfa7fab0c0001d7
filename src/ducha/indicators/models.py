"""Indicator definitions (numerator ÷ denominator × factor) and annual targets (任务)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ducha.orgs.models import OrgUnit


class Factor(models.IntegerChoices):
    COUNT = 1, "人"
    PERCENT = 100, "%"
    PER_MILLE = 1000, "‰"
    PER_10K = 10000, "/万"
    PER_100K = 100000, "/10万"


class DefinitionSet(models.TextChoices):
    SUPERVISION = "supervision", "督查口径"
    ANNUAL = "annual", "妇幼年报"
    PUBLIC_HEALTH = "public_health", "基本公卫考核"


class IndicatorSource(models.TextChoices):
    DATA_VALUES = "data_values", "月报数据"
    REGISTERS = "registers", "个案登记"


class Indicator(models.Model):
    """Numerator ÷ denominator × factor over one source: data elements of the monthly reports, or the register
    measures (``indicators.register_source.MEASURES``) counted from the individual records."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    numerator = models.CharField("分子表达式", max_length=300)
    numerator_label = models.CharField("分子说明", max_length=100)
    denominator = models.CharField("分母表达式", max_length=300, blank=True, help_text="留空表示计数指标（人数）")
    denominator_label = models.CharField("分母说明", max_length=100, blank=True)
    factor = models.IntegerField("系数", choices=Factor.choices, default=Factor.PERCENT)
    definition_set = models.CharField("口径", max_length=20, choices=DefinitionSet.choices,
                                      default=DefinitionSet.ANNUAL)
    higher_is_better = models.BooleanField("越高越好", default=True)
    is_key = models.BooleanField("首页重点指标", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    description = models.TextField("说明", blank=True)
    source = models.CharField("数据来源", max_length=20, choices=IndicatorSource.choices,
                              default=IndicatorSource.DATA_VALUES,
                              help_text="月报数据：分子、分母是数据元编码；个案登记：分子、分母是登记指标量编码")
    reported_numerator = models.CharField(
        "对照月报分子", max_length=300, blank=True,
        help_text="仅个案登记指标：与之核对的月报数据元表达式（核实系数 = 登记分子 ÷ 月报分子）")
    reported_denominator = models.CharField("对照月报分母", max_length=300, blank=True,
                                            help_text="仅个案登记指标：月报对照值的分母（数据元表达式），可空")

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(denominator="") | Q(factor=1), name="count_indicator_factor_one"),
            models.CheckConstraint(
                condition=Q(source=IndicatorSource.REGISTERS) | (Q(reported_numerator="") & Q(reported_denominator="")),
                name="reported_comparison_only_for_registers"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_count(self) -> bool:
        return not self.denominator

    @property
    def from_registers(self) -> bool:
        return self.source == IndicatorSource.REGISTERS

    @property
    def factor_label(self) -> str:
        return Factor(self.factor).label


class Target(models.Model):
    """Annual task of a unit for an indicator; quarters default to 25 % each unless set."""

    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="targets")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField("年度")
    annual_value = models.DecimalField("年度任务", max_digits=14, decimal_places=2)
    split_by_quarter = models.BooleanField(
        "按季度分解", default=False,
        help_text="计数指标总是分解；率指标勾选后季度任务为年度任务 × 累计季度比例（第一季度 25%）",
    )
    q1 = models.DecimalField("第一季度任务", max_digits=14, decimal_places=2, null=True, blank=True)
    q2 = models.DecimalField("第二季度任务", max_digits=14, decimal_places=2, null=True, blank=True)
    q3 = models.DecimalField("第三季度任务", max_digits=14, decimal_places=2, null=True, blank=True)
    q4 = models.DecimalField("第四季度任务", max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year"], name="target_unique"),
            models.CheckConstraint(condition=Q(annual_value__gte=0), name="target_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.year} {self.indicator}"
