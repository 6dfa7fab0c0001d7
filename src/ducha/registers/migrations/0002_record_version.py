"""A version on every record, visit and exam: a save based on an older version is refused."""

from django.db import migrations, models

HELP = "每次修改加 1；保存修改时核对打开页面时的版本，防止覆盖他人的修改"


def _version() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0, editable=False, help_text=HELP, verbose_name="版本")


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]

    operations = [
        migrations.AddField(model_name=name, name="version", field=_version())
        for name in ("pregnancyrecord", "antenatalvisit", "postpartumvisit", "childrecord", "childexam")
    ]
