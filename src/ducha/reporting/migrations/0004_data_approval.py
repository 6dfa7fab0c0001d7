# Data approval: a live approval locks a unit's report for one period until unapproved (issue 7 §4).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0003_delete_loginfailure'),
        ('reporting', '0003_datavalue_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DataApproval',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(db_index=True, max_length=10, verbose_name='期间')),
                ('approved_at', models.DateTimeField(verbose_name='审核时间')),
                ('unapproved_at', models.DateTimeField(blank=True, null=True, verbose_name='取消审核时间')),
                ('unapproval_reason', models.CharField(blank=True, max_length=300, verbose_name='取消审核原因')),
                ('version', models.BigIntegerField(default=0, help_text='最后一次写入的审计记录编号；取消审核时须传回', verbose_name='版本')),
                ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                ('data_set', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='approvals', to='reporting.dataset', verbose_name='报表')),
                ('org_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='data_approvals', to='orgs.orgunit', verbose_name='单位')),
                ('unapproved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='取消审核人')),
            ],
            options={
                'verbose_name': '数据审核',
                'verbose_name_plural': '数据审核',
                'ordering': ['-approved_at', '-id'],
                'indexes': [models.Index(fields=['org_unit', 'period'], name='reporting_d_org_uni_04dfbd_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('unapproved_at__isnull', True)), fields=('data_set', 'org_unit', 'period'), name='dataapproval_live_unique'), models.CheckConstraint(condition=models.Q(('unapproved_at__isnull', True), models.Q(('unapproval_reason', ''), _negated=True), _connector='OR'), name='dataapproval_unapproved_has_reason')],
            },
        ),
    ]
