"""SubtreeTally now belongs to the ledger app (ledger 0007); state only, the table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_subtree_tally_from_reviews'),
        ('reviews', '0003_subtree_tally_in_place'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='SubtreeTally')],
        ),
    ]
