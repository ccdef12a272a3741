"""SubtreeTally now belongs to the ledger app (ledger 0006); state only, the table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_subtree_tally_from_reviews'),
        ('reviews', '0002_subtree_tally'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='SubtreeTally')],
        ),
    ]
