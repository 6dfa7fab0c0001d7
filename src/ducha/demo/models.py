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
