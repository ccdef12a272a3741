from django.db import migrations, models


def recount_campaign_tallies(apps, schema_editor):
    """The stored campaign tallies have no `phases` map yet and their marks say nothing changed: drop them (derived
    data) so the next recount counts every block; until then the pages count live."""
    apps.get_model("ledger", "SubtreeTally").objects.filter(campaign__isnull=False).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0021_common_problem_tallies'),
    ]

    operations = [
        migrations.AddField(
            model_name='subtreetally',
            name='phases',
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(recount_campaign_tallies, migrations.RunPython.noop),
    ]
