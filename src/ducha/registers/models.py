"""Individual records: pregnancies with their visits and delivery, children with their exams.

Every record and visit keeps its entry metadata (created at/by, import batch, sheet and row): the
fabrication checks read them ("written in one sitting"). They are never overwritten. Rows imported from
another system may carry that system's 录入时间 (stored as ``created_at``), 录入人 (``entered_by_name``)
and 修改时间 (``modified_at_source``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ducha.orgs.models import OrgUnit


class RegisterKind(models.TextChoices):
    PREGNANCY = "pregnancy", "孕产妇保健手册"
    CHILD = "child", "儿童保健手册"


class ImportBatch(models.Model):
    kind = models.CharField("类型", max_length=12, choices=RegisterKind.choices)
    file_name = models.CharField("文件名", max_length=255)
    created_at = models.DateTimeField("导入时间", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    rows = models.PositiveIntegerField("行数", default=0)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"

    def __str__(self) -> str:
        return f"{self.file_name}（{self.created_at:%Y-%m-%d %H:%M}）"


class EntryMeta(models.Model):
    """Who entered a row, when, and from which file/sheet/row (import) — kept as first written."""

    created_at = models.DateTimeField("录入时间", default=timezone.now, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(ImportBatch, verbose_name="导入批次", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    source_sheet = models.CharField("工作表", max_length=64, blank=True)
    source_row = models.PositiveIntegerField("行号", null=True, blank=True)
    # From another system's export (录入人 / 修改时间 columns of the import): the person is not a ducha user.
    entered_by_name = models.CharField("录入人（导入）", max_length=50, blank=True,
                                       help_text="导入文件“录入人”列的姓名（原系统的录入人，不是 ducha 用户）")
    modified_at_source = models.DateTimeField("修改时间（导入）", null=True, blank=True,
                                              help_text="导入文件“修改时间”列：原系统中最后修改的时间")
    created_time_known = models.BooleanField(
        "录入时刻已知", default=True,
        help_text="导入文件的录入时间只有日期（如“2012-03-01”）时为否：录入时间记为当天 0:00，但当天几点录入不详")
    updated_at = models.DateTimeField("最后修改", auto_now=True)
    version = models.PositiveIntegerField(
        "版本", default=0, editable=False, help_text="每次修改加 1；保存修改时核对打开页面时的版本，防止覆盖他人的修改",
    )

    class Meta:
        abstract = True


class RiskGrade(models.TextChoices):
    GREEN = "green", "绿"
    YELLOW = "yellow", "黄"
    ORANGE = "orange", "橙"
    RED = "red", "红"
    PURPLE = "purple", "紫"


class DeliveryMode(models.TextChoices):
    VAGINAL = "vaginal", "顺产"
    CAESAREAN = "caesarean", "剖宫产"
    ASSISTED = "assisted", "助产"


class Outcome(models.TextChoices):
    LIVE_BIRTH = "live", "活产"
    STILLBIRTH = "stillbirth", "死胎死产"


class TestResult(models.TextChoices):
    NEGATIVE = "neg", "阴性"
    POSITIVE = "pos", "阳性"


class Sex(models.IntegerChoices):
    MALE = 1, "男"
    FEMALE = 2, "女"


class PregnancyRecord(EntryMeta):
    org_unit = models.ForeignKey(OrgUnit, verbose_name="责任单位", on_delete=models.PROTECT,
                                 related_name="pregnancy_records")
    record_no = models.CharField("手册编号", max_length=40)
    name = models.CharField("姓名", max_length=50, blank=True)
    id_hash = models.CharField("身份证号（加盐散列）", max_length=64, blank=True, db_index=True)
    id_last4 = models.CharField("身份证后四位", max_length=4, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    village = models.CharField("村（居）", max_length=50, blank=True)
    registered_on = models.DateField("建册日期", null=True, blank=True)
    lmp = models.DateField("末次月经", null=True, blank=True)
    edd = models.DateField("预产期", null=True, blank=True)
    gravidity = models.PositiveSmallIntegerField("孕次", null=True, blank=True)
    parity = models.PositiveSmallIntegerField("产次", null=True, blank=True)
    weeks_at_registration = models.DecimalField("建册孕周", max_digits=4, decimal_places=1, null=True, blank=True)
    risk_grade = models.CharField("风险分级", max_length=8, choices=RiskGrade.choices, blank=True)
    high_risk_reasons = models.CharField("高危因素", max_length=200, blank=True)
    referred = models.BooleanField("转诊", default=False)
    hiv_tested_on = models.DateField("艾滋病检测日期", null=True, blank=True)
    hiv_result = models.CharField("艾滋病检测结果", max_length=4, choices=TestResult.choices, blank=True)
    syphilis_tested_on = models.DateField("梅毒检测日期", null=True, blank=True)
    syphilis_result = models.CharField("梅毒检测结果", max_length=4, choices=TestResult.choices, blank=True)
    hbv_tested_on = models.DateField("乙肝检测日期", null=True, blank=True)
    hbv_result = models.CharField("乙肝检测结果", max_length=4, choices=TestResult.choices, blank=True)
    blood_group = models.CharField("血型", max_length=4, blank=True)
    rh = models.CharField("Rh", max_length=4, blank=True)
    # Delivery (分娩)
    delivered_on = models.DateField("分娩日期", null=True, blank=True)
    delivery_place = models.CharField("分娩地点", max_length=100, blank=True)
    delivery_mode = models.CharField("分娩方式", max_length=10, choices=DeliveryMode.choices, blank=True)
    delivery_weeks = models.DecimalField("分娩孕周", max_digits=4, decimal_places=1, null=True, blank=True)
    blood_loss_ml = models.PositiveIntegerField("产后出血量（ml）", null=True, blank=True)
    delivery_sbp = models.PositiveSmallIntegerField("产后收缩压", null=True, blank=True)
    delivery_dbp = models.PositiveSmallIntegerField("产后舒张压", null=True, blank=True)
    outcome = models.CharField("妊娠结局", max_length=12, choices=Outcome.choices, blank=True)
    babies = models.PositiveSmallIntegerField("胎数", null=True, blank=True)
    baby_sex = models.PositiveSmallIntegerField("新生儿性别", choices=Sex.choices, null=True, blank=True)
    birth_weight_g = models.PositiveIntegerField("出生体重（g）", null=True, blank=True)
    check_42d_on = models.DateField("产后42天检查日期", null=True, blank=True)
    check_42d_result = models.CharField("产后42天检查结果", max_length=100, blank=True)
    maternal_death_on = models.DateField("孕产妇死亡日期", null=True, blank=True)
    death_cause = models.CharField("死因", max_length=100, blank=True)

    class Meta:
        verbose_name = "孕产妇保健手册"
        verbose_name_plural = "孕产妇保健手册"
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "record_no"], name="pregnancy_record_no_unique"),
        ]
        indexes = [models.Index(fields=["org_unit", "registered_on"]), models.Index(fields=["delivered_on"])]

    def __str__(self) -> str:
        return f"{self.record_no} {self.name}"


class AntenatalVisit(EntryMeta):
    record = models.ForeignKey(PregnancyRecord, on_delete=models.CASCADE, related_name="antenatal_visits")
    visit_on = models.DateField("检查日期", null=True, blank=True)
    weeks = models.DecimalField("孕周", max_digits=4, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField("体重（kg）", max_digits=5, decimal_places=1, null=True, blank=True)
    sbp = models.PositiveSmallIntegerField("收缩压", null=True, blank=True)
    dbp = models.PositiveSmallIntegerField("舒张压", null=True, blank=True)
    hb = models.PositiveSmallIntegerField("血红蛋白（g/L）", null=True, blank=True)
    fundal_height_cm = models.DecimalField("宫高（cm）", max_digits=4, decimal_places=1, null=True, blank=True)
    fetal_heart_rate = models.PositiveSmallIntegerField("胎心率", null=True, blank=True)
    examiner = models.CharField("检查者", max_length=50, blank=True)

    class Meta:
        verbose_name = "产前检查"
        verbose_name_plural = "产前检查"
        indexes = [models.Index(fields=["visit_on"])]


class PostpartumVisit(EntryMeta):
    record = models.ForeignKey(PregnancyRecord, on_delete=models.CASCADE, related_name="postpartum_visits")
    visit_on = models.DateField("访视日期", null=True, blank=True)
    sbp = models.PositiveSmallIntegerField("收缩压", null=True, blank=True)
    dbp = models.PositiveSmallIntegerField("舒张压", null=True, blank=True)
    findings = models.CharField("情况", max_length=200, blank=True)
    examiner = models.CharField("访视者", max_length=50, blank=True)

    class Meta:
        verbose_name = "产后访视"
        verbose_name_plural = "产后访视"


class ChildRecord(EntryMeta):
    org_unit = models.ForeignKey(OrgUnit, verbose_name="责任单位", on_delete=models.PROTECT,
                                 related_name="child_records")
    record_no = models.CharField("手册编号", max_length=40)
    name = models.CharField("姓名", max_length=50, blank=True)
    sex = models.PositiveSmallIntegerField("性别", choices=Sex.choices, null=True, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    birth_weight_g = models.PositiveIntegerField("出生体重（g）", null=True, blank=True)
    gestational_weeks = models.DecimalField("出生孕周", max_digits=4, decimal_places=1, null=True, blank=True)
    mother = models.ForeignKey(PregnancyRecord, verbose_name="母亲手册", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="children")
    village = models.CharField("村（居）", max_length=50, blank=True)
    vulnerable = models.BooleanField("体弱儿/高危儿", default=False)
    case_managed = models.BooleanField("专案管理", default=False)

    class Meta:
        verbose_name = "儿童保健手册"
        verbose_name_plural = "儿童保健手册"
        constraints = [models.UniqueConstraint(fields=["org_unit", "record_no"], name="child_record_no_unique")]

    def __str__(self) -> str:
        return f"{self.record_no} {self.name}"


class Feeding(models.TextChoices):
    BREAST = "breast", "母乳"
    FORMULA = "formula", "人工"
    MIXED = "mixed", "混合"


class ChildExam(EntryMeta):
    child = models.ForeignKey(ChildRecord, on_delete=models.CASCADE, related_name="exams")
    exam_on = models.DateField("体检日期", null=True, blank=True)
    weight_kg = models.DecimalField("体重（kg）", max_digits=4, decimal_places=1, null=True, blank=True)
    length_cm = models.DecimalField("身长/身高（cm）", max_digits=4, decimal_places=1, null=True, blank=True)
    measured_lying = models.BooleanField("卧位测量", null=True, blank=True, help_text="是=身长（卧位），否=身高（立位）")
    head_cm = models.DecimalField("头围（cm）", max_digits=4, decimal_places=1, null=True, blank=True)
    hb = models.PositiveSmallIntegerField("血红蛋白（g/L）", null=True, blank=True)
    feeding = models.CharField("喂养方式", max_length=8, choices=Feeding.choices, blank=True)
    examiner = models.CharField("检查者", max_length=50, blank=True)
    conclusion = models.CharField("结论", max_length=200, blank=True)

    class Meta:
        verbose_name = "儿童体检"
        verbose_name_plural = "儿童体检"
        indexes = [models.Index(fields=["exam_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=0), name="exam_weight_positive"),
        ]
