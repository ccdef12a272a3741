"""The whole-campaign ZIP runs in flat memory and one workbook of temporary disk: measured on the scale generator's
province at two sizes, the second with four times the units and rows (the same rows per unit)."""

from __future__ import annotations

import tracemalloc
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from branches.models import UnitKind
from ledger.models import Campaign
from ledger.selectors.exports import export_ledgers, export_row_count
from ledger.zip_exports import make_plan, write_campaign_zip
from scale.generator import ROOT_CODE, Plan, ScaleGenerator, purge_scale_data

pytestmark = pytest.mark.django_db


@dataclass
class Measured:
    rows: int
    workbooks: int
    peak_memory: int  # bytes allocated by Python at the highest point (tracemalloc)
    peak_disk: int  # bytes in the temporary directory at the highest point
    largest_workbook: int
    zip_size: int


def dir_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def measure(tmp: Path) -> Measured:
    campaign = Campaign.objects.select_related("template", "issuer").get(issuer__code=ROOT_CODE)
    general_branches = campaign.issuer.depth + 4  # province, city, county, committee, general branch
    plan = make_plan(scope=None, campaign=campaign, level=general_branches)
    assert set(plan.level_names) >= {str(UnitKind.GENERAL_BRANCH.label)}
    workdir = tmp / "work"
    workdir.mkdir(parents=True)
    peak_disk, sizes = 0, []

    def progress(done: int, total: int, name: str) -> None:
        nonlocal peak_disk
        files, size = dir_size(workdir)  # the workbook just written, before it goes into the archive
        assert files == 1, f"{files} temporary files at unit {done}/{total}"
        peak_disk = max(peak_disk, size)
        sizes.append(size)

    output = tmp / "all.zip"
    tracemalloc.start()
    try:
        written = write_campaign_zip(plan, output, progress=progress, workdir=workdir)
        peak_memory = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert dir_size(workdir) == (0, 0)  # every temporary workbook deleted
    with zipfile.ZipFile(output) as archive:
        assert len(archive.namelist()) == written == len(sizes)
    rows = export_row_count(export_ledgers(scope=None, campaign=campaign))
    return Measured(rows, written, peak_memory, peak_disk, max(sizes), output.stat().st_size)


def test_memory_and_temporary_disk_do_not_grow_with_the_campaign(tmp_path):
    # Enough general branches in the small run (46) that a library's bounded cache is full in both runs: psycopg
    # keeps its last 128 converted statements, and each streamed query is a new one (its cursor's name), three a
    # workbook. With 23 workbooks the small run's peak left out ~500 KB that the large one carried.
    ScaleGenerator(Plan(units=600, items=4_000, seed=1)).run()
    small = measure(tmp_path / "small")
    purge_scale_data()
    ScaleGenerator(Plan(units=2_400, items=16_000, seed=1)).run()
    large = measure(tmp_path / "large")
    print(f"\nsmall: {small}\nlarge: {large}")
    assert large.rows >= 3.5 * small.rows and large.workbooks >= 3.5 * small.workbooks
    assert large.zip_size >= 3 * small.zip_size  # the result grew with the data …
    assert large.peak_disk < 1.5 * small.peak_disk  # … the temporary disk did not: one workbook at a time
    assert large.peak_disk == large.largest_workbook
    assert large.peak_memory < 1.5 * small.peak_memory
