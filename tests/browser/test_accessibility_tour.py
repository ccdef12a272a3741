"""A tour of the demo's pages as each kind of person sees them, on a desktop (the full menu) and a phone: every
page passes `Visit.check`, whose axe-core check refuses serious and critical accessibility violations. The
journeys check the pages they pass through; this covers the pages none of them opens."""

from __future__ import annotations

import pytest

from branches.models import OrgUnit
from ledger.models import Campaign, CampaignStatus, Ledger, Problem, RectificationItem
from tests.browser.conftest import DESKTOP, PHONE


@pytest.fixture
def demo(seeded_demo):
    return Campaign.objects.filter(status=CampaignStatus.PUBLISHED).order_by("pk").first()


def _tour(visit, name: str, paths: list[str]) -> None:
    for path in paths:
        response = visit.page.goto(visit.base_url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        visit.check(f"tour-{name}-{path.strip('/').replace('/', '-') or 'home'}")


def test_the_organization_departments_pages(demo, visit_as):
    ledger = Ledger.objects.filter(campaign=demo).order_by("pk").first()
    root = OrgUnit.objects.get(code="WFU")
    visit = visit_as(DESKTOP)
    visit.login("zuzhibu")
    _tour(visit, "org", [
        "/org/", f"/org/units/{root.pk}/", f"/org/units/{root.pk}/new/", "/org/import/",
        "/ledger/templates/", "/ledger/templates/new/", "/ledger/campaigns/", "/ledger/campaigns/new/",
        f"/ledger/campaigns/{demo.pk}/", f"/ledger/campaigns/{demo.pk}/ledgers/", f"/ledger/ledgers/{ledger.pk}/",
        "/reviews/", f"/reviews/campaigns/{demo.pk}/items/", f"/reviews/campaigns/{demo.pk}/problems/",
        f"/reviews/campaigns/{demo.pk}/ledgers/", f"/reviews/campaigns/{demo.pk}/results/",
        f"/reviews/campaigns/{demo.pk}/ratings/", f"/reviews/campaigns/{demo.pk}/policy/",
        "/reviews/supervision/", "/reviews/supervision/new/", "/ledger/exports/", "/reports/", "/reports/verify/",
        "/jobs/", "/notifications/", "/notifications/preferences/", "/accounts/password/", "/accounts/2fa/",
    ])


def test_the_secretarys_pages_on_a_phone(demo, visit_as):
    ledger = Ledger.objects.get(campaign=demo, unit__code="WFU-01-01")
    problem = Problem.objects.filter(ledger=ledger).order_by("pk").first()
    item = RectificationItem.objects.filter(ledger=ledger).order_by("pk").first()
    paths = ["/", "/ledger/ledgers/", f"/ledger/ledgers/{ledger.pk}/", f"/ledger/ledgers/{ledger.pk}/self-check/",
             f"/ledger/ledgers/{ledger.pk}/problems/new/", f"/ledger/ledgers/{ledger.pk}/history/",
             f"/ledger/ledgers/{ledger.pk}/import/", "/notifications/", "/accounts/password/"]
    if problem:
        paths += [f"/ledger/problems/{problem.pk}/edit/", f"/ledger/problems/{problem.pk}/items/new/"]
    if item:
        paths += [f"/ledger/items/{item.pk}/", f"/ledger/items/{item.pk}/edit/"]
    visit = visit_as(PHONE)
    visit.login("zhishu11")
    _tour(visit, "secretary", paths)


def test_the_general_branchs_pages(demo, visit_as):
    visit = visit_as(DESKTOP)
    visit.login("zongzhi1")
    _tour(visit, "general-branch", ["/", "/ledger/ledgers/", "/reviews/", f"/reviews/campaigns/{demo.pk}/dashboard/",
                                    f"/reviews/campaigns/{demo.pk}/items/", "/reports/"])
