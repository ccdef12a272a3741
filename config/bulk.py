"""Bulk writes: PostgreSQL COPY, or bulk_create elsewhere (SQLite, small runs). Used by the scale generator
and the tally recount (reviews/tallies.py).

The generator hands rows as tuples of the model's attribute values in a fixed field order; every other
concrete field gets its model default once per table, so a field another app adds later (with a default)
does not break the generator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connections, models
from django.db.models import Max
from django.utils import timezone


def _default(field: models.Field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    if field.has_default() or not field.null:
        return field.get_default()
    return None


class BulkWriter:
    """Writes rows of one model at a time; ids are given by the caller (see `next_id`)."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.connection = connections[using]
        self.is_postgres = self.connection.vendor == "postgresql"
        self.written: dict[str, int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        """The first free primary key: the generator numbers its rows itself so it can link them."""
        return (model._base_manager.using(self.using).aggregate(top=Max("pk"))["top"] or 0) + 1

    def write(self, model: type[models.Model], names: Sequence[str], rows: Iterable[tuple]) -> int:
        by_name = {field.attname: field for field in model._meta.concrete_fields}
        given = [by_name[name] for name in names]
        # a column the database computes (GeneratedField: a measure's week of closing) takes no value
        extra = [f for f in model._meta.concrete_fields
                 if f.attname not in names and not f.primary_key and not f.generated]
        extra_values = tuple(_default(field) for field in extra)
        if self.is_postgres:
            count = self._copy(model, given, extra, extra_values, rows)
        else:
            count = self._bulk_create(model, names, rows)
        label = model._meta.label
        self.written[label] = self.written.get(label, 0) + count
        return count

    def _copy(self, model, given, extra, extra_values, rows) -> int:
        quote = self.connection.ops.quote_name
        json_positions = [i for i, field in enumerate(given) if isinstance(field, models.JSONField)]
        extra_values = tuple(
            json.dumps(value) if isinstance(field, models.JSONField) else value
            for field, value in zip(extra, extra_values, strict=True)
        )
        columns = ", ".join(quote(field.column) for field in [*given, *extra])
        count = 0
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    if json_positions:
                        row = list(row)
                        for position in json_positions:
                            row[position] = json.dumps(row[position])
                    copy.write_row((*row, *extra_values))
                    count += 1
        return count

    def _bulk_create(self, model, names, rows) -> int:
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._base_manager.using(self.using).bulk_create(objects, batch_size=500)
        return len(objects)

    def reset_sequences(self, model_list: Sequence[type[models.Model]]) -> None:
        """After explicit ids, move PostgreSQL's sequences past them (SQLite follows by itself)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(model_list))
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def analyze(self, model_list: Sequence[type[models.Model]]) -> None:
        """Fresh planner statistics: right after a bulk load PostgreSQL still thinks the tables are empty."""
        with self.connection.cursor() as cursor:
            for model in model_list:
                table = self.connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"ANALYZE {table}")
