# CPV codes or prefixes that may belong to a product group, as suggestions a person confirms or rejects.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('themes', '0004_criteria_of_a_release'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductGroupCpvMapping',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=500, verbose_name='source')),
                ('source_year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1990), django.core.validators.MaxValueValidator(2100)], verbose_name='year of the source')),
                ('cpv_prefix', models.CharField(max_length=8, validators=[django.core.validators.RegexValidator('^\\d{2,8}$', 'A CPV prefix is 2 to 8 digits.')], verbose_name='CPV code or prefix')),
                ('status', models.CharField(choices=[('proposed', 'Proposed'), ('confirmed', 'Confirmed'), ('rejected', 'Rejected')], default='proposed', max_length=20, verbose_name='status')),
                ('source_url', models.URLField(blank=True, max_length=500, verbose_name='source URL')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed or rejected at')),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed or rejected by')),
                ('product_group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cpv_mappings', to='themes.productgroup', verbose_name='product group')),
            ],
            options={
                'verbose_name': 'CPV mapping of a product group',
                'verbose_name_plural': 'CPV mappings of product groups',
                'ordering': ['product_group', 'cpv_prefix'],
                'constraints': [models.UniqueConstraint(fields=('product_group', 'cpv_prefix'), name='cpv_mapping_unique_prefix')],
            },
        ),
    ]
