"""Every page of the bench runs the same number of queries on a data set three times larger (so also at
province size): each row of `scale/bench_rules.py` (every page, level, sort, filter and search), requested as
the featured account of its level made by the generator.
"""

from __future__ import annotations

import pytest

from scale.bench import Clients, Context, row_queries
from scale.bench_rules import rows
from scale.generator import Plan, ScaleGenerator, purge_scale_data

pytestmark = pytest.mark.django_db


def _query_counts() -> dict[tuple[str, str, int, str], tuple[str, int]]:
    ctx = Context.load()
    clients = Clients(ctx)
    counts = {}
    for row in rows(ctx):
        clients[row.level].get(row.url)  # the first request of a client may fill caches (session, roles)
        status, queries = row_queries(clients, row)
        assert status == row.status, f"{row.label} as {row.level}: HTTP {status}"
        counts[(row.name, row.slug, row.variant, row.level)] = (row.label, queries)
    return counts


def test_every_page_runs_a_fixed_number_of_queries():
    ScaleGenerator(Plan(units=300, items=1_000, seed=1, featured_problems=4)).run()
    small = _query_counts()
    purge_scale_data()
    ScaleGenerator(Plan(units=900, items=3_000, seed=2, featured_problems=12)).run()
    large = _query_counts()
    assert small.keys() == large.keys()
    grown = [f"{label} as {key[-1]}: {queries} → {large[key][1]} queries"
             for key, (label, queries) in small.items() if large[key][1] != queries]
    assert grown == [], "\n".join(["", *grown])
