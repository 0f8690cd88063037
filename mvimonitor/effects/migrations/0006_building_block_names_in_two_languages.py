from django.db import migrations, models


class Migration(migrations.Migration):
    """Building-block names and counting rules in Dutch beside English; the shipped tables fill them on the next
    `load_effects_reference`."""

    dependencies = [("effects", "0005_verbose_names_of_relations")]

    operations = [
        migrations.RenameField(model_name="buildingblock", old_name="name", new_name="name_en"),
        migrations.AlterField(
            model_name="buildingblock",
            name="name_en",
            field=models.CharField(max_length=300, verbose_name="name (English)"),
        ),
        migrations.AddField(
            model_name="buildingblock",
            name="name_nl",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (Dutch)"),
        ),
        migrations.AlterModelOptions(
            name="buildingblock",
            options={
                "ordering": ["table", "is_bonus", "code"],
                "verbose_name": "building block",
                "verbose_name_plural": "building blocks",
            },
        ),
        migrations.AlterField(
            model_name="buildingblocktable",
            name="counting_rules",
            field=models.TextField(blank=True, verbose_name="counting rules (English)"),
        ),
        migrations.AddField(
            model_name="buildingblocktable",
            name="counting_rules_nl",
            field=models.TextField(blank=True, verbose_name="counting rules (Dutch)"),
        ),
    ]
