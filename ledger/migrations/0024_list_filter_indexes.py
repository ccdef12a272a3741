"""Indexes for the filtered lists of measures and problems (issue 15, "province scale for every page").

- `item_status_path` (status, unit_path): the measures of one status (申请销号 …) of a subtree in tree order, and
  their bounded count, as one index range instead of a walk of the subtree or a pass over the status;
- `problem_category_path` (category, unit_path) of active problems: one category's problems of a subtree in tree
  order (the problems list) and the measures list's category filter, driven from its problems;
- `event_item_closed_at` (at, item) of the item-closed events: the measures closed in one week (the dashboard's
  weekly chart links to them) from the index alone, not every event of the week read from the table.

Built CONCURRENTLY on PostgreSQL (the events table has ~10 M rows at province scale: a plain build would hold
off every change to a ledger while it runs), so the migration is not atomic; SQLite builds them plainly.
"""

from django.conf import settings
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(migrations.AddIndex):
    """AddIndex, built without locking writes on PostgreSQL (CREATE INDEX CONCURRENTLY, outside a transaction)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **self._concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **self._concurrently(schema_editor))

    @staticmethod
    def _concurrently(schema_editor) -> dict:
        return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('ledger', '0023_ledger_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name='ledgerevent',
            index=models.Index(condition=models.Q(('action', 'item_closed')), fields=['at', 'item'], name='event_item_closed_at'),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name='problem',
            index=models.Index(condition=models.Q(('status', 'active')), fields=['category', 'unit_path'], name='problem_category_path'),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name='rectificationitem',
            index=models.Index(fields=['status', 'unit_path'], name='item_status_path'),
        ),
    ]
