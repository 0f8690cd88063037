# A criterion of a release: its kind, texts in Dutch and English, every theme it relates to (the single theme of
# existing rows is copied into the new list and stays as the main theme), subjects and tags, and the criterion of the
# release before that it supersedes.

import django.db.models.deletion
from django.db import migrations, models


def copy_main_theme(apps, schema_editor):
    Criterion = apps.get_model('themes', 'Criterion')
    Through = Criterion.themes.through
    Through.objects.bulk_create(
        [Through(criterion_id=pk, theme_id=theme_id) for pk, theme_id in Criterion.objects.values_list('pk', 'theme_id')],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('themes', '0003_product_group_sets_become_criteria_releases'),
    ]

    operations = [
        migrations.AddField(
            model_name='criterion',
            name='external_id',
            field=models.CharField(blank=True, max_length=40, verbose_name='id in the criteria tool'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='kind',
            field=models.CharField(blank=True, choices=[('geschiktheidseis', 'Suitability requirement'), ('selectiecriterium', 'Selection criterion'), ('eis', 'Requirement'), ('gunningscriterium', 'Award criterion'), ('contractbepaling', 'Contract clause')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='title_en',
            field=models.CharField(blank=True, max_length=500, verbose_name='title (English)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='text_nl',
            field=models.TextField(blank=True, verbose_name='text (Dutch)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='text_en',
            field=models.TextField(blank=True, verbose_name='text (English)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='explanation_nl',
            field=models.TextField(blank=True, verbose_name='explanation for the buyer (Dutch)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='explanation_en',
            field=models.TextField(blank=True, verbose_name='explanation for the buyer (English)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='verification_nl',
            field=models.TextField(blank=True, verbose_name='verification (Dutch)'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='verification_en',
            field=models.TextField(blank=True, verbose_name='verification (English)'),
        ),
        migrations.AlterField(
            model_name='criterion',
            name='theme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='criteria', to='themes.theme', verbose_name='main theme'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='themes',
            field=models.ManyToManyField(blank=True, related_name='related_criteria', to='themes.theme', verbose_name='themes'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='subjects',
            field=models.JSONField(blank=True, default=list, verbose_name='subjects'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='tags',
            field=models.JSONField(blank=True, default=list, verbose_name='tags'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='supersedes',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='themes.criterion', verbose_name='supersedes'),
        ),
        migrations.AddField(
            model_name='criterion',
            name='status',
            field=models.CharField(choices=[('new', 'New'), ('changed', 'Changed'), ('unchanged', 'Unchanged')], default='new', max_length=20, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='criterion',
            constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('product_group', 'external_id'), name='criterion_unique_external_id'),
        ),
        migrations.RunPython(copy_main_theme, migrations.RunPython.noop),
    ]
