"""Per-cell versions (optimistic concurrency) and a per-element maximum applied by every write path."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_mch_data_set")]

    operations = [
        migrations.AddField(
            model_name="dataelement",
            name="max_value",
            field=models.BigIntegerField(
                default=10000000,
                help_text="一个单位一个月的数值上限；网页填报、API 和文件导入都按这个上限检查",
                validators=[django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(1000000000000000)],
                verbose_name="最大值",
            ),
        ),
        migrations.AddField(
            model_name="datavalue",
            name="version",
            field=models.BigIntegerField(
                default=0,
                help_text="最后一次写入该值的审计记录编号（只增不减，删除后重填也不会重复）；0 表示启用版本之前写入的值",
                verbose_name="版本",
            ),
        ),
    ]
