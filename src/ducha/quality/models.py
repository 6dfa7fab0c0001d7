"""Stored results of quality scans: the run, each check's result per unit, suspect records, unit scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ducha.orgs.models import OrgUnit


class RunStatus(models.TextChoices):
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ResultStatus(models.TextChoices):
    FIRED = "fired", "可疑"
    PASSED = "passed", "通过"
    UNDECIDED = "undecided", "无法判断"
    HABIT = "habit", "全县习惯"


class RecordType(models.TextChoices):
    PREGNANCY = "pregnancy", "孕产妇保健手册"
    CHILD = "child", "儿童保健手册"


class Grade(models.TextChoices):
    EXCELLENT = "优", "优"
    GOOD = "良", "良"
    FAIR = "中", "中"
    POOR = "差", "差"
    UNKNOWN = "", "无法判断"


class Verdict(models.TextChoices):
    """The fabrication verdict of a unit (``quality.verdict``): on fabrication evidence only."""

    SUSPECT = "suspect", "疑似编造"
    VERIFY = "verify", "需核实"
    CLEAR = "clear", "未见编造迹象"
    UNKNOWN = "unknown", "无法判断"


class Confidence(models.TextChoices):
    HIGH = "高", "高"
    MEDIUM = "中", "中"
    LOW = "低", "低"
    NONE = "", "—"


class QualityRun(models.Model):
    period = models.CharField("期间", max_length=12, db_index=True)
    root = models.ForeignKey(OrgUnit, verbose_name="检查范围", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="运行人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=RunStatus.choices, default=RunStatus.DONE)
    settings = models.JSONField("阈值设置快照", default=dict)
    summary = models.JSONField("概况", default=dict)

    class Meta:
        verbose_name = "质量检查"
        verbose_name_plural = "质量检查"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.root} {self.period} {self.started_at:%Y-%m-%d %H:%M}"


class CheckResult(models.Model):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="results")
    check_id = models.CharField("检查编号", max_length=12, db_index=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField("对象", max_length=120, blank=True, help_text="录入人/检查者或导入批次；单位级为空")
    status = models.CharField("结果", max_length=10, choices=ResultStatus.choices)
    measured = models.FloatField("测得值", null=True, blank=True)
    threshold = models.FloatField("阈值", null=True, blank=True)
    n = models.IntegerField("样本量", null=True, blank=True)
    evidence = models.JSONField("证据", default=dict)
    evidence_text = models.TextField("为什么可疑", blank=True)

    class Meta:
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        indexes = [models.Index(fields=["run", "status"]), models.Index(fields=["run", "unit"])]


class SuspectRecord(models.Model):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="suspects")
    record_type = models.CharField("类型", max_length=10, choices=RecordType.choices)
    record_id = models.PositiveIntegerField("记录 ID")
    record_no = models.CharField("手册编号", max_length=40, blank=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    risk_weight = models.PositiveIntegerField("风险权重", help_text="命中各项检查的严重程度（低 1、中 2、高 3）之和")
    reasons = models.JSONField("可疑原因", default=list)

    class Meta:
        verbose_name = "可疑记录"
        verbose_name_plural = "可疑记录"
        ordering = ["-risk_weight", "record_type", "record_id"]
        constraints = [models.UniqueConstraint(fields=["run", "record_type", "record_id"],
                                               name="suspect_record_once_per_run")]
        indexes = [models.Index(fields=["run", "-risk_weight"])]

    @property
    def check_ids(self) -> list[str]:
        return [r["check_id"] for r in self.reasons]


class UnitQualityScore(models.Model):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField("得分", null=True, blank=True)
    grade = models.CharField("等级", max_length=2, choices=Grade.choices, blank=True)
    fired = models.PositiveIntegerField("可疑项", default=0)
    passed = models.PositiveIntegerField("通过项", default=0)
    undecided = models.PositiveIntegerField("无法判断项", default=0)
    records = models.PositiveIntegerField("手册数", default=0)
    suspect_records = models.PositiveIntegerField("可疑手册数", default=0)
    penalties = models.JSONField("扣分明细", default=dict)
    verdict = models.CharField("编造判定", max_length=8, choices=Verdict.choices, default=Verdict.UNKNOWN)
    confidence = models.CharField("判定把握", max_length=1, choices=Confidence.choices, blank=True)
    verdict_text = models.TextField("判定依据", blank=True)
    fabrication_signals = models.PositiveIntegerField("独立编造迹象", default=0,
                                                      help_text="可疑的编造迹象检查，按相互独立的组计数")
    incomplete_records = models.PositiveIntegerField("记录不全手册数", default=0)
    inconsistent_records = models.PositiveIntegerField("记录不一致手册数", default=0)
    fabrication_records = models.PositiveIntegerField("编造迹象手册数", default=0)
    kinds = models.JSONField("分类得分", default=dict,
                             help_text="报表质量、记录不全、记录不一致、编造迹象各自的得分、可疑项、扣分和手册数")
    signals = models.JSONField("编造迹象明细", default=list)

    class Meta:
        verbose_name = "单位数据质量得分"
        verbose_name_plural = "单位数据质量得分"
        ordering = ["score"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="unit_score_once_per_run"),
            models.CheckConstraint(condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                                   name="unit_score_0_100"),
        ]
