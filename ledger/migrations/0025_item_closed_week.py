"""The week of each measure's closing, kept by the database (a stored generated column of closed_at), and the
index `item_closed_week_path` (closed_week, unit_path): the measures closed in one week in tree order, one
index range read up to the page (the dashboard's weekly chart links to them).

The week is the Monday in settings.TIME_ZONE as it is when this migration runs (Asia/Shanghai), as the tallies'
weekly figures count it. PostgreSQL rewrites the measures table to add a stored column (a lock on it for the
time of the rewrite: seconds at a million measures); SQLite rebuilds the table as for any added column.
"""

import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0024_list_filter_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='rectificationitem',
            name='closed_week',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.datetime.TruncWeek('closed_at', output_field=models.DateField()), output_field=models.DateField()),
        ),
        migrations.AddIndex(
            model_name='rectificationitem',
            index=models.Index(condition=models.Q(('closed_week__isnull', False)), fields=['closed_week', 'unit_path'], name='item_closed_week_path'),
        ),
    ]
