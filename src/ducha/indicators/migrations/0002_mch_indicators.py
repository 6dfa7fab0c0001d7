from django.db import migrations


def install(apps, schema_editor):
    from ducha.indicators.mch_pack import install_mch_indicators

    install_mch_indicators(apps)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
