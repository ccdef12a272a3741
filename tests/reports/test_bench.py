"""Benchmark (run with `-m bench -s`): a general branch of 10 branches / 150 items renders in a few seconds.

Prints the seconds for the signed report with Noto CJK and the ratio to the same layout set in a Latin
font (`scale.bench.latin_twin`: every CJK character a Latin letter that may break, like Chinese), so a slow font path shows up as a large ratio.
"""

from __future__ import annotations

import time

import pytest

from branches.models import UnitKind
from reports import services
from reports.pdf import html_to_pdf, report_html, signature_block
from scale.bench import latin_twin
from tests.conftest import make_unit
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = [pytest.mark.bench, pytest.mark.django_db]


def test_render_ten_branches_150_items(tree, users, stamps, signing_ca, django_capture_on_commit_callbacks):
    for n in range(3, 11):
        make_unit(tree.gb1, UnitKind.BRANCH, f"B1-{n}", f"第{n}党支部")
    campaign = make_campaign(tree.root, actor=users["org"])
    categories = list(campaign.template.categories.all())
    for branch in tree.gb1.children.all():
        ledger = ledger_of(campaign, branch)
        for p in range(5):
            problem = make_problem(ledger, category=categories[p % 2],
                                   description=f"{branch.name}查摆的第{p + 1}个问题：组织生活不够规范，记录不完整")
            for _ in range(3):
                make_item(problem, measure="对照要求逐项整改，完成一件销号一件")
    assert campaign.ledgers.filter(unit_path__startswith=tree.gb1.path).count() == 10
    fields = services.report_initial_fields(campaign=campaign, unit=tree.gb1)
    report = services.report_save(actor=users["gb_staff"], campaign=campaign, unit=tree.gb1, version=0,
                                  work_done="总支高度重视对账整改工作。" * 40, problems_found=fields["problems_found"],
                                  next_steps="持续推进整改，建立长效机制。" * 30)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_sign(actor=users["gb_staff"], report=report, version=report.version,
                             password="pw-123456", confirmed=True)
    report.refresh_from_db()

    started = time.perf_counter()
    html = report_html(report, signed=signature_block(report))
    cjk_pdf = html_to_pdf(html)
    cjk_seconds = time.perf_counter() - started

    latin_html = latin_twin(html)
    started = time.perf_counter()
    html_to_pdf(latin_html)
    latin_seconds = time.perf_counter() - started

    from reports.signing import sign_pdf

    started = time.perf_counter()
    sign_pdf(cjk_pdf, reason="bench", location="bench")
    sign_seconds = time.perf_counter() - started
    print(f"\nsituation report, 10 branches / 150 items: CJK render {cjk_seconds:.2f} s, "
          f"Latin render {latin_seconds:.2f} s, ratio {cjk_seconds / latin_seconds:.2f}, sign {sign_seconds:.2f} s")
    assert cjk_seconds < 10
