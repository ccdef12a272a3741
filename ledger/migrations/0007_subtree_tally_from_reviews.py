"""SubtreeTally moves from reviews to ledger: derived ledger counts that ledger pages read (README "Layers").

State only: the table keeps its name (reviews_subtreetally), its rows and its constraints; reviews 0004 removes
the model from the reviews app's state.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('branches', '0001_initial'),
        ('ledger', '0006_builtin_texts_full_width_punctuation'),
        ('reviews', '0003_subtree_tally_in_place'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SubtreeTally',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('counted_at', models.DateTimeField()),
                        ('as_of', models.DateField()),
                        ('ledgers', models.PositiveIntegerField(default=0)),
                        ('handed_in', models.PositiveIntegerField(default=0)),
                        ('accepted', models.PositiveIntegerField(default=0)),
                        ('problems', models.PositiveIntegerField(default=0)),
                        ('items', models.PositiveIntegerField(default=0)),
                        ('closed', models.PositiveIntegerField(default=0)),
                        ('overdue', models.PositiveIntegerField(default=0)),
                        ('in_place', models.PositiveIntegerField(default=0)),
                        ('statuses', models.JSONField(default=dict)),
                        ('categories', models.JSONField(default=dict)),
                        ('weekly', models.JSONField(default=dict)),
                        ('stars', models.JSONField(default=dict)),
                        ('units', models.JSONField(default=dict)),
                        ('campaign', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ledger.campaign')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='branches.orgunit')),
                    ],
                    options={
                        'db_table': 'reviews_subtreetally',
                        'constraints': [models.UniqueConstraint(fields=('campaign', 'unit'), name='tally_one_per_campaign_unit'), models.UniqueConstraint(condition=models.Q(('campaign__isnull', True)), fields=('unit',), name='tally_one_tree_row'), models.CheckConstraint(condition=models.Q(('handed_in__lte', models.F('ledgers')), ('accepted__lte', models.F('handed_in')), ('closed__lte', models.F('items')), ('overdue__lte', models.F('items')), ('in_place__lte', models.F('accepted'))), name='tally_parts_within_totals')],
                    },
                ),
            ],
        ),
    ]
