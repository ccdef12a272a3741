"""Reviews pages in a real browser: the dashboard's charts draw from the bundled ECharts on a phone and on a
desktop, and a figure's link leads to a list with exactly that many rows."""

from __future__ import annotations

import re

import pytest

from branches.models import OrgUnit
from ledger.demo import current_campaign
from tests.browser.conftest import DESKTOP, PHONE


@pytest.fixture
def reviews_demo(seeded_demo):
    """The demo university: the current campaign with ledgers in every state, supervision and ratings."""
    root = OrgUnit.objects.get(code="WFU")
    return current_campaign(root)


def hover_every_chart(page) -> None:
    for chart in page.locator(".dashboard-chart").all():
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
        page.wait_for_timeout(300)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_org_department_dashboard_draws_charts_and_links_to_lists(reviews_demo, visit_as, viewport):
    visit = visit_as(viewport)
    visit.login("zuzhibu")
    visit.go(f"/reviews/campaigns/{reviews_demo.pk}/dashboard/")
    visit.page.wait_for_selector("#chart-progress canvas")
    # progress, categories, 个性/共性, weekly closures, stars (and 按阶段 once measures are in phases): each one drawn
    charts = visit.page.locator(".dashboard-chart").count()
    assert charts >= 5 and visit.page.locator(".dashboard-chart canvas").count() == charts
    hover_every_chart(visit.page)  # the tooltips too must draw under the Content-Security-Policy
    visit.check(f"reviews-dashboard-org-{viewport['width']}")
    overdue_link = visit.page.locator("tfoot a[href*='overdue=1']")
    expected = int(overdue_link.inner_text())
    overdue_link.click()
    visit.page.wait_for_load_state("networkidle")
    assert re.search(rf"共 {expected} 条", visit.page.inner_text("main"))
    visit.check(f"reviews-overdue-items-{viewport['width']}")


def test_results_ratings_and_supervision_pages_on_a_phone(reviews_demo, visit_as):
    visit = visit_as(PHONE)
    visit.login("zuzhibu")
    visit.go(f"/reviews/campaigns/{reviews_demo.pk}/results/")
    assert "软弱涣散党组织整顿候选" in visit.page.inner_text("main")
    visit.check("reviews-results-phone")
    visit.page.locator(".alert-warning a").first.click()
    visit.page.wait_for_load_state("networkidle")
    assert "评定记录" in visit.page.inner_text("main")
    visit.check("reviews-rating-phone")
    visit.go("/reviews/supervision/")
    visit.check("reviews-supervision-phone")
    visit.page.locator("tbody a").first.click()
    visit.page.wait_for_load_state("networkidle")
    visit.check("reviews-supervision-detail-phone")


def test_branch_secretary_sees_only_its_own_dashboard(reviews_demo, visit_as):
    visit = visit_as(PHONE)
    visit.login("zhishu11")
    visit.go(f"/reviews/campaigns/{reviews_demo.pk}/dashboard/")
    visit.page.wait_for_selector("#chart-progress canvas")
    hover_every_chart(visit.page)
    rows = visit.page.locator(".dashboard-table tbody tr")
    assert rows.count() == 1 and "机关教工第一党支部" in rows.first.inner_text()
    visit.check("reviews-dashboard-secretary-phone")
