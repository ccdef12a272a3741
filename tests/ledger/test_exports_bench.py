"""Benchmark (not run by default: `pytest -m bench`): the campaign export's memory stays flat in the row count."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.models import Ledger, Problem, RectificationItem
from ledger.selectors.exports import export_ledgers
from tests.factories import make_campaign, make_template


def fill(campaign, problems_per_ledger: int) -> int:
    categories = list(campaign.template.categories.all())
    problems = []
    for ledger in Ledger.objects.filter(campaign=campaign):
        problems += [Problem(ledger=ledger, unit_path=ledger.unit_path, category=categories[n % len(categories)],
                             number=n + 1, description=f"问题{n}" * 5) for n in range(problems_per_ledger)]
    Problem.objects.bulk_create(problems, batch_size=2000)
    items = [RectificationItem(problem=p, ledger_id=p.ledger_id, unit_path=p.unit_path, number=k, measure="整改措施" * 8,
                               is_ongoing=True, responsible_name="张三")
             for p in Problem.objects.filter(ledger__campaign=campaign) for k in (1, 2)]
    RectificationItem.objects.bulk_create(items, batch_size=2000)
    return len(items)


def peak_of_export(campaign) -> tuple[int, float]:
    selection = ExportSelection(campaign=campaign, unit=None, ledgers=export_ledgers(scope=None, campaign=campaign))
    tracemalloc.start()
    started = time.monotonic()
    build_workbook_bytes(selection)
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, elapsed


@pytest.mark.bench
def test_memory_is_flat_in_the_number_of_rows(tree):
    """Same rows per ledger, five times the ledgers, both above the 2,000-row fetch chunk: the rows themselves
    are not kept (a ledger's own rows are buffered, a branch's list being small); only the merged ranges' text
    is kept for the whole file, which is what the peak grows by."""
    from branches.models import UnitKind
    from tests.conftest import make_unit

    for n in range(60):
        make_unit(tree.gb2, UnitKind.BRANCH, f"S{n}")
    for n in range(240):
        make_unit(tree.gb1, UnitKind.BRANCH, f"L{n}")
    small = make_campaign(tree.gb2, template=make_template("s", categories=6), name="小")
    large = make_campaign(tree.root, template=make_template("l", categories=6), name="大")
    small_rows = fill(small, 20)
    large_rows = fill(large, 20)
    started = time.monotonic()
    build_workbook_bytes(ExportSelection(campaign=large, unit=None,
                                         ledgers=export_ledgers(scope=None, campaign=large)))
    untraced = time.monotonic() - started
    small_peak, _ = peak_of_export(small)
    large_peak, _ = peak_of_export(large)
    per_row = (large_peak - small_peak) / (large_rows - small_rows)
    print(f"\n{small_rows} rows: peak {small_peak / 1e6:.1f} MB; {large_rows} rows: peak {large_peak / 1e6:.1f} MB "
          f"({per_row:.0f} B per extra row); {large_rows} rows written in {untraced:.1f} s")
    assert large_rows > 4 * small_rows
    assert per_row < 250  # the merged ranges' text, not the rows
