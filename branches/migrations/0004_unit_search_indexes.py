"""Indexes for finding units by name or code, on PostgreSQL (issue 15: unit pickers and the tree's search).

`name__icontains` is `UPPER(name::text) LIKE UPPER('%…%')` and `code__istartswith` is `UPPER(code::text) LIKE
UPPER('…%')`: no index served them, so a search that matched little read the viewer's whole subtree (the province's
tree search for a missing name: 115 ms at 30,000 units). A trigram index on UPPER(name) serves the first for any
three characters or more (CJK characters make trigrams under this database's C.UTF-8 ctype), an index of the
name's one- and two-character pieces serves shorter searches (`orgunit_name_grams`), and a pattern index on
UPPER(code) serves the code. pg_trgm is a trusted extension: the database's owner may create it. Where it
cannot be created the trigram index is left out and the search reads the subtree as before (slower, not wrong).
SQLite has neither and needs neither for its sizes.
"""

from django.db import DatabaseError, migrations, transaction

NAME_INDEX = "orgunit_name_upper_trgm"
CODE_INDEX = "orgunit_code_upper_prefix"
GRAMS_INDEX = "orgunit_name_upper_grams"
# Every one- and two-character piece of a text: what a search of one or two characters (奎文) looks up, where
# trigrams have nothing to offer. The selectors call it by this name (branches.selectors.NAME_GRAMS_FUNCTION).
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION orgunit_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(name, i, n)), '{}')
  FROM generate_series(1, 2) AS n, generate_series(1, char_length(name)) AS i
  WHERE i + n - 1 <= char_length(name)
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("branches", "OrgUnit")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {CODE_INDEX} ON {table} (UPPER(code::text) text_pattern_ops)")
    schema_editor.execute(GRAMS_FUNCTION)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {GRAMS_INDEX} ON {table} USING gin (orgunit_name_grams(UPPER(name::text)))"
    )
    schema_editor.execute(f"ANALYZE {table}")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME_INDEX} ON {table} USING gin (UPPER(name::text) gin_trgm_ops)"
    )
    schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {CODE_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {GRAMS_INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS orgunit_name_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("branches", "0003_unit_kind_name")]

    operations = [migrations.RunPython(create, drop)]
