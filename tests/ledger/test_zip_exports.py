"""The whole campaign as one ZIP of per-unit workbooks: each workbook as that unit's own export, scoped, with
progress per unit, in flat memory and one workbook of temporary disk."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import UnitKind
from branches.selectors import scope_for
from jobs.models import Job, JobStatus
from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.models import Ledger
from ledger.selectors.exports import export_ledgers
from ledger.zip_exports import make_plan, write_campaign_zip
from tests.conftest import make_unit
from tests.factories import make_campaign, make_item, make_problem, make_template


@pytest.fixture
def campaign(tree):
    """Branches under two general branches, and one (直属) directly under the committee; each with rows."""
    make_unit(tree.root, UnitKind.BRANCH, "B4", "直属党支部")
    campaign = make_campaign(tree.root, template=make_template("zip", categories=2), name="党支部对账整改专项行动")
    for number, branch in enumerate(Ledger.objects.filter(campaign=campaign).order_by("unit__code"), start=1):
        for problem_number in range(number):
            problem = make_problem(branch, description=f"{branch.unit.name}的问题{problem_number + 1}")
            make_item(problem, measure=f"措施{problem_number + 1}", responsible_name="张三")
    return campaign


def workbooks(content: bytes) -> dict[str, object]:
    """The ZIP's workbooks by entry name, opened."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: load_workbook(io.BytesIO(archive.read(name))) for name in archive.namelist()}


def contents(wb) -> list[tuple[str, list[tuple]]]:
    """Each sheet's title and cell values (the export time of a 汇总 sheet left out: it is the minute it ran)."""
    def row(values: tuple) -> tuple:
        return tuple("范围" if isinstance(v, str) and v.startswith("范围：") else v for v in values)

    return [(ws.title, [row(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]


def own_export(campaign, unit, *, alone: bool = False, scope=None):
    ledgers = export_ledgers(scope=scope, campaign=campaign, unit=unit)
    selection = ExportSelection(campaign=campaign, unit=unit, ledgers=ledgers.filter(unit=unit) if alone else ledgers)
    return load_workbook(io.BytesIO(build_workbook_bytes(selection)))


def zip_of(campaign, level, tmp_path, scope=None) -> bytes:
    output = tmp_path / "all.zip"
    write_campaign_zip(make_plan(scope=scope, campaign=campaign, level=level), output)
    return output.read_bytes()


def test_one_workbook_per_general_branch_each_as_its_own_export(campaign, tree, tmp_path):
    books = workbooks(zip_of(campaign, 1, tmp_path))
    direct = tree.root.children.get(code="B4")
    assert [name.split("-")[2] for name in books] == ["第一党总支", "第二党总支", "直属党支部"]
    for (name, book), unit in zip(books.items(), (tree.gb1, tree.gb2, direct), strict=True):
        assert contents(book) == contents(own_export(campaign, unit)), name
    assert [ws.title for ws in books[next(iter(books))].worksheets] == ["汇总", "第一党支部", "第二党支部"]
    rows = [r for ws in books[next(iter(books))].worksheets[1:] for r in ws.iter_rows(values_only=True)]
    assert sum(1 for r in rows if r[2] and str(r[2]).startswith("1. 措施")) == 3  # b1's one + b2's two


def test_one_workbook_per_branch_with_a_branch_above_the_level_kept_alone(campaign, tree, tmp_path):
    books = workbooks(zip_of(campaign, 2, tmp_path))
    names = [name.split("-", 1)[1].rsplit("-", 1)[0] for name in books]
    assert names == ["附件2-第一党支部", "附件2-第二党支部", "附件2-第三党支部", "附件2-直属党支部"]
    for book, code in zip(books.values(), ("B1", "B2", "B3", "B4"), strict=True):
        unit = type(tree.root).objects.get(code=code)
        assert contents(book) == contents(own_export(campaign, unit, alone=True))
        assert len(book.worksheets) == 1


def test_the_default_level_is_the_highest_with_small_enough_units(campaign, tree, settings):
    settings.EXPORT_ZIP_UNIT_ROWS = 20_000
    assert make_plan(scope=None, campaign=campaign, level=None).level == 1
    settings.EXPORT_ZIP_UNIT_ROWS = 2  # b1..b4 hold 1..4 rows: no level fits, so the lowest
    assert make_plan(scope=None, campaign=campaign, level=None).level == 2
    with pytest.raises(ValueError):
        make_plan(scope=None, campaign=campaign, level=7)


def run_zip_job(client, campaign, level, capture):
    with capture(execute=True):
        response = client.post(reverse("ledger:export_zip_start", args=[campaign.pk]), {"level": level})
    job = Job.objects.get()
    assert response.url == reverse("jobs:job_detail", args=[job.pk])
    return job


def test_a_general_branch_gets_its_own_branches_with_progress_per_unit(
    client, campaign, tree, users, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client.force_login(users["gb_staff"])
    page = client.get(reverse("ledger:campaign_export", args=[campaign.pk])).content.decode()
    assert 'name="level"' in page and "下1级：党支部" in page and "下2级" not in page
    job = run_zip_job(client, campaign, "", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100, job.message
    assert job.message == "第 2/2 个单位：第二党支部"
    assert job.result_name.startswith("第一党总支-党支部对账整改专项行动-按党支部-") and job.result_name.endswith(".zip")
    books = workbooks(client.get(reverse("jobs:job_download", args=[job.pk])).getvalue())
    scope = scope_for(users["gb_staff"])
    for book, unit in zip(books.values(), (tree.b1, tree.b2), strict=True):
        assert contents(book) == contents(own_export(campaign, unit, scope=scope))


def test_a_branch_sees_no_zip_and_another_tree_is_a_404(client, campaign, tree, users):
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:campaign_export", args=[campaign.pk])).content.decode()
    assert 'name="level"' not in page  # nothing below a branch to split at
    other = make_campaign(tree.other_root, template=campaign.template, name="另一专项行动")
    client.force_login(users["gb_staff"])
    assert client.post(reverse("ledger:export_zip_start", args=[other.pk]), {"level": ""}).status_code == 404
    assert not Job.objects.exists()


def test_a_level_not_offered_is_refused_with_a_message(client, campaign, users):
    client.force_login(users["gb_staff"])
    for level in ("1", "9", "x"):  # 1 is the general branches' own level: above the account's unit
        response = client.post(reverse("ledger:export_zip_start", args=[campaign.pk]), {"level": level}, follow=True)
        assert "请从列出的层级中选择按哪一级单位分文件。" in response.content.decode()
    assert not Job.objects.exists()


def test_the_row_limit_points_to_the_zip(client, campaign, users, settings):
    client.force_login(users["org"])
    settings.EXPORT_MAX_ROWS = 3
    response = client.post(reverse("ledger:export_start", args=[campaign.pk]), follow=True)
    assert "请生成按单位分文件的压缩包" in response.content.decode()
    assert "下1级：党总支、党支部" in response.content.decode()  # the ZIP form is on the same page


def test_the_operators_command_writes_the_zip(campaign, tmp_path):
    output = tmp_path / "all.zip"
    call_command("export_campaign_zip", "--campaign", str(campaign.pk), "--level", "general_branch",
                 "--output", str(output), stdout=io.StringIO())
    assert [name.split("-")[2] for name in workbooks(output.read_bytes())] == ["第一党总支", "第二党总支", "直属党支部"]
