"""Routine reports: data elements, data sets, data values, submissions, validation rules."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ducha.core.limits import DEFAULT_COUNT_MAX
from ducha.orgs.models import OrgUnit

# The largest per-element maximum an administrator may set (well inside BIGINT and exact in a float).
MAX_VALUE_CEILING = 10**15


class DataElement(models.Model):
    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    description = models.CharField("说明", max_length=300, blank=True)
    unit_label = models.CharField("计量单位", max_length=10, default="人")
    category = models.CharField("分类", max_length=30, blank=True)
    aggregation = models.CharField(
        "时间汇总方式", max_length=10, choices=[("sum", "求和"), ("last", "期末数")], default="sum",
        help_text="月份合并为季度/年时：求和（当月人数）或取最后一个月（在册人数等存量）",
    )
    max_value = models.BigIntegerField(
        "最大值", default=DEFAULT_COUNT_MAX,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_VALUE_CEILING)],
        help_text="一个单位一个月的数值上限；网页填报、API 和文件导入都按这个上限检查",
    )

    class Meta:
        verbose_name = "数据元"
        verbose_name_plural = "数据元"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class PeriodType(models.TextChoices):
    MONTHLY = "month", "月报"
    QUARTERLY = "quarter", "季报"


class DataSet(models.Model):
    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    period_type = models.CharField("报送周期", max_length=10, choices=PeriodType.choices, default=PeriodType.MONTHLY)
    deadline_days = models.PositiveSmallIntegerField(
        "报送期限（期末后天数）", default=5, help_text="期间结束后第几天之内（含当天）报送为及时"
    )
    elements: models.ManyToManyField[DataElement, DataSetElement] = models.ManyToManyField(
        DataElement, through="DataSetElement", verbose_name="数据元"
    )
    org_units = models.ManyToManyField(OrgUnit, verbose_name="报送单位", related_name="data_sets", blank=True)

    class Meta:
        verbose_name = "报表"
        verbose_name_plural = "报表"

    def __str__(self) -> str:
        return self.name


class DataSetElement(models.Model):
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="set_elements")
    data_element = models.ForeignKey(DataElement, on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    required = models.BooleanField("必填", default=True)
    section = models.CharField("栏目", max_length=30, blank=True)

    class Meta:
        verbose_name = "报表项目"
        verbose_name_plural = "报表项目"
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["data_set", "data_element"], name="dataset_element_unique")]


class DataValue(models.Model):
    data_element = models.ForeignKey(DataElement, verbose_name="数据元", on_delete=models.PROTECT)
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="data_values")
    period = models.CharField("期间", max_length=10, db_index=True, help_text="月份编码，如 201201")
    value = models.BigIntegerField("数值")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    source = models.CharField("来源", max_length=200, blank=True, help_text="网页填报、文件名/工作表/行")
    version = models.BigIntegerField(
        "版本", default=0, help_text="最后一次写入该值的审计记录编号（只增不减，删除后重填也不会重复）；"
        "0 表示启用版本之前写入的值",
    )

    class Meta:
        verbose_name = "数据值"
        verbose_name_plural = "数据值"
        constraints = [
            models.UniqueConstraint(fields=["data_element", "org_unit", "period"], name="datavalue_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="datavalue_non_negative"),
        ]
        indexes = [models.Index(fields=["org_unit", "period"])]


class Submission(models.Model):
    """A unit's report for one data set and period was handed in at ``submitted_at``."""

    data_set = models.ForeignKey(DataSet, on_delete=models.PROTECT, related_name="submissions")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="submissions")
    period = models.CharField("期间", max_length=10, db_index=True)
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "报送记录"
        verbose_name_plural = "报送记录"
        constraints = [
            models.UniqueConstraint(fields=["data_set", "org_unit", "period"], name="submission_unique")
        ]


class Operator(models.TextChoices):
    EQ = "==", "等于"
    NE = "!=", "不等于"
    LT = "<", "小于"
    LE = "<=", "小于等于"
    GT = ">", "大于"
    GE = ">=", "大于等于"


class Importance(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class MissingValueStrategy(models.TextChoices):
    SKIP_IF_ANY_MISSING = "skip_if_any", "任一项缺失则不判断"
    SKIP_IF_ALL_MISSING = "skip_if_all", "全部缺失才不判断（缺失按 0）"
    NEVER_SKIP = "never", "总是判断（缺失按 0）"


class ValidationRule(models.Model):
    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("规则", max_length=200)
    left = models.CharField("左边表达式", max_length=300)
    operator = models.CharField("比较", max_length=2, choices=Operator.choices)
    right = models.CharField("右边表达式", max_length=300)
    importance = models.CharField("重要性", max_length=10, choices=Importance.choices, default=Importance.HIGH)
    missing_strategy = models.CharField(
        "缺失值处理", max_length=12, choices=MissingValueStrategy.choices,
        default=MissingValueStrategy.SKIP_IF_ANY_MISSING,
    )
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="validation_rules")

    class Meta:
        verbose_name = "校验规则"
        verbose_name_plural = "校验规则"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DataApproval(models.Model):
    """A county inspector approved a unit's report for one period: its values are locked until unapproved.

    Rows are kept after unapproval (who, when, why); at most one *live* approval (``unapproved_at`` empty)
    exists per data set, unit and period. ``version`` is the id of the audit row of the last write.
    """

    data_set = models.ForeignKey(DataSet, verbose_name="报表", on_delete=models.PROTECT, related_name="approvals")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT,
                                 related_name="data_approvals")
    period = models.CharField("期间", max_length=10, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    approved_at = models.DateTimeField("审核时间")
    unapproved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="取消审核人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    unapproved_at = models.DateTimeField("取消审核时间", null=True, blank=True)
    unapproval_reason = models.CharField("取消审核原因", max_length=300, blank=True)
    version = models.BigIntegerField("版本", default=0, help_text="最后一次写入的审计记录编号；取消审核时须传回")

    class Meta:
        verbose_name = "数据审核"
        verbose_name_plural = "数据审核"
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "org_unit", "period"],
                                    condition=Q(unapproved_at__isnull=True), name="dataapproval_live_unique"),
            models.CheckConstraint(condition=Q(unapproved_at__isnull=True) | ~Q(unapproval_reason=""),
                                   name="dataapproval_unapproved_has_reason"),
        ]
        indexes = [models.Index(fields=["org_unit", "period"])]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.period} {self.data_set}"

    @property
    def is_live(self) -> bool:
        return self.unapproved_at is None
