"""Ground truth of the demo: which cards the generator made up, and how."""

from django.db import models


class PlantedFabrication(models.Model):
    kind = models.CharField("造假方式", max_length=32)
    unit_code = models.CharField("单位编码", max_length=32, db_index=True)
    record_type = models.CharField("记录类型", max_length=12)
    record_id = models.BigIntegerField("记录")
    description = models.CharField("说明", max_length=100)

    class Meta:
        verbose_name = "演示数据：人为编造的记录"
        verbose_name_plural = "演示数据：人为编造的记录"

    def __str__(self) -> str:
        return f"{self.unit_code} {self.record_type}:{self.record_id} {self.kind}"


class DemoBuild(models.Model):
    """Written by ``ducha demo`` as its last step: what the database held when the demo was built.

    The next ``ducha demo`` compares the database with ``inventory`` (rows and the last id per table) and
    refuses to rebuild, unless ``--force``, when anybody added or removed anything since.
    """

    built_at = models.DateTimeField("建库时间", auto_now_add=True)
    seed = models.IntegerField("随机种子")
    inventory = models.JSONField("建库时各表的行数和最大编号")

    class Meta:
        verbose_name = "演示库建库记录"
        verbose_name_plural = "演示库建库记录"

    def __str__(self) -> str:
        return f"ducha demo {self.built_at:%Y-%m-%d %H:%M}（种子 {self.seed}）"
