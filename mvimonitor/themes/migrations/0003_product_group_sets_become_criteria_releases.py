# A product-group set becomes a release of the MVI criteria tool (ADR 0031): the table is renamed, its rows and the
# foreign keys of clusters and product groups are kept, and the release gets its publication data and its place in
# the chain of releases.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('themes', '0002_bound_small_integers'),
    ]

    operations = [
        migrations.RenameModel(old_name='ProductGroupSet', new_name='CriteriaRelease'),
        migrations.AlterModelOptions(
            name='criteriarelease',
            options={'ordering': ['-valid_from'], 'verbose_name': 'criteria release', 'verbose_name_plural': 'criteria releases'},
        ),
        migrations.AddField(
            model_name='criteriarelease',
            name='published',
            field=models.DateField(blank=True, null=True, verbose_name='published'),
        ),
        migrations.AddField(
            model_name='criteriarelease',
            name='source_url',
            field=models.URLField(blank=True, max_length=500, verbose_name='source URL'),
        ),
        migrations.AddField(
            model_name='criteriarelease',
            name='licence',
            field=models.CharField(blank=True, max_length=255, verbose_name='licence'),
        ),
        migrations.AddField(
            model_name='criteriarelease',
            name='is_sample',
            field=models.BooleanField(default=False, help_text='Example criteria written for MVI Monitor, not official ones.', verbose_name='sample release'),
        ),
        migrations.AddField(
            model_name='criteriarelease',
            name='supersedes',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='themes.criteriarelease', verbose_name='supersedes'),
        ),
        migrations.AddField(
            model_name='criteriarelease',
            name='status',
            field=models.CharField(choices=[('current', 'Current'), ('superseded', 'Superseded')], default='current', max_length=20, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='criteriarelease',
            constraint=models.CheckConstraint(condition=models.Q(('valid_until__isnull', True), ('valid_until__gte', models.F('valid_from')), _connector='OR'), name='release_period'),
        ),
        migrations.AlterField(
            model_name='productgroup',
            name='product_group_set',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='product_groups', to='themes.criteriarelease', verbose_name='release'),
        ),
        migrations.AlterField(
            model_name='productgroupcluster',
            name='product_group_set',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clusters', to='themes.criteriarelease', verbose_name='release'),
        ),
        migrations.AddField(
            model_name='productgroup',
            name='external_id',
            field=models.CharField(blank=True, help_text="The product group's id at the source.", max_length=40, verbose_name='id in the criteria tool'),
        ),
        migrations.AddConstraint(
            model_name='productgroup',
            constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('product_group_set', 'external_id'), name='product_group_unique_external_id'),
        ),
    ]
