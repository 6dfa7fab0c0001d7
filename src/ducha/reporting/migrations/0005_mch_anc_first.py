# The MCH monthly data set gains 首次产前检查人数 (ANC_FIRST), which the quality check DQ-R08 reads (issue 7 §4).
# A database made before it gets the element linked after 早孕建册人数; nothing an administrator set changes.

from django.db import migrations


def add_missing(apps, schema_editor):
    from ducha.reporting.mch_pack import add_missing_elements

    add_missing_elements(apps)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0004_data_approval")]
    operations = [migrations.RunPython(add_missing, migrations.RunPython.noop)]
