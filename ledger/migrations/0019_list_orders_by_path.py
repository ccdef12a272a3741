"""Plain indexes on the problems' and measures' paths instead of the pattern_ops ones (issue 15).

The path columns compare bytewise on PostgreSQL ("C", migration 0005), so a plain btree index serves the
subtree's prefix (LIKE '1/5/%' becomes a range) and also gives the tree order: the lists page through it by
keyset (`config.lists.keyset_page_of`). A varchar_pattern_ops index cannot give ORDER BY, so the province's
last page of measures sorted all of them (an external sort, scale bench). The new indexes are built before the
old ones go, so no moment is without one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0018_tally_change_marks'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='problem',
            index=models.Index(fields=['unit_path', 'number'], name='problem_path_order'),
        ),
        migrations.AddIndex(
            model_name='rectificationitem',
            index=models.Index(fields=['unit_path'], name='item_path_order'),
        ),
        migrations.RemoveIndex(
            model_name='problem',
            name='problem_path_prefix',
        ),
        migrations.RemoveIndex(
            model_name='rectificationitem',
            name='item_path_prefix',
        ),
    ]
