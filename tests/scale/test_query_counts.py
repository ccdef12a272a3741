"""The main pages run the same number of queries on a data set three times larger (so also at province size).

Each page is requested as the featured account of each level made by the generator.
"""

from __future__ import annotations

import pytest

from scale.bench import PAGES, Context, page_queries
from scale.generator import Plan, ScaleGenerator, purge_scale_data

pytestmark = pytest.mark.django_db


def _query_counts() -> dict[tuple[str, str], int]:
    ctx = Context.load()
    counts = {}
    for page in PAGES:
        for account in page.accounts:
            status, queries = page_queries(ctx, page, account)
            assert status == 200, f"{page.name} as {account}: HTTP {status}"
            counts[(page.name, account)] = queries
    return counts


def test_main_pages_run_a_fixed_number_of_queries():
    ScaleGenerator(Plan(units=300, items=1_000, seed=1, featured_problems=4)).run()
    small = _query_counts()
    purge_scale_data()
    ScaleGenerator(Plan(units=900, items=3_000, seed=2, featured_problems=12)).run()
    large = _query_counts()
    assert large == small
