from django.db import migrations


def install(apps, schema_editor):
    from ducha.reporting.mch_pack import install_mch_data_set

    install_mch_data_set(apps)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
