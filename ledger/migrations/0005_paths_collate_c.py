"""Every tree path column compares byte by byte ("C" collation) on PostgreSQL.

A path is "1/5/23/": a code, not language. With the database's locale collation PostgreSQL cannot turn
`unit_path LIKE '1/5/%'` into a range on the (campaign, unit_path) index, so a county's page of ledgers scanned
the campaign's index from the start (120k rows skipped, scale bench), and "ORDER BY unit_path" followed the
locale's rules (which skip "/") instead of the tree. All path columns change together: PostgreSQL refuses to
compare two columns of different collations. SQLite compares bytes already.

A later AlterField on one of these columns would put the default collation back: change them all, or none.
"""

from django.db import migrations

PATH_COLUMNS = [
    ("branches", "OrgUnit", "path"),
    ("ledger", "Campaign", "issuer_path"),
    ("ledger", "Ledger", "unit_path"),
    ("ledger", "Problem", "unit_path"),
    ("ledger", "RectificationItem", "unit_path"),
    ("ledger", "Evidence", "unit_path"),
    ("ledger", "SelfCheckAnswer", "unit_path"),
    ("reviews", "SupervisionRecord", "author_path"),
    ("reviews", "SupervisionVisit", "unit_path"),
    ("reviews", "SupervisionFinding", "unit_path"),
    ("reviews", "ItemReopening", "unit_path"),
    ("reviews", "StarRating", "unit_path"),
    ("reviews", "RatingDelegation", "unit_path"),
    ("reports", "UnitStamp", "unit_path"),
    ("reports", "SituationReport", "unit_path"),
]


def _collate(collation: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for app, model, field in PATH_COLUMNS:
            table = apps.get_model(app, model)._meta.db_table
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(field)} TYPE varchar(255) COLLATE {collation}"
            )
            # The type change drops the column's statistics; without them the planner guessed 5,000 rows for
            # "under the province" and the dashboard's overdue list took 3 s instead of 1 ms.
            schema_editor.execute(f"ANALYZE {quote(table)}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0001_initial"),
        ("ledger", "0004_item_open_deadline"),
        ("reviews", "0002_subtree_tally"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(_collate('"C"'), _collate("pg_catalog.\"default\""))]
