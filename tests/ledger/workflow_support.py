"""Fixtures shared by the workflow tests: a published campaign over the `tree`, and b1's ledger in states."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import Role
from ledger.models import Campaign, Ledger
from ledger.services import workflow as wf
from tests.conftest import make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
    b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png_upload(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_1PX, content_type="image/png")


def pdf_upload(name: str = "会议记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")


@dataclass
class World:
    campaign: Campaign
    ledger: Ledger  # b1's ledger
    sibling: Ledger  # b2's (same general branch)
    cousin: Ledger  # b3's (another general branch)


@pytest.fixture
def world(tree, users) -> World:
    campaign = make_campaign(tree.root, actor=users["org"])
    return World(campaign, ledger_of(campaign, tree.b1), ledger_of(campaign, tree.b2), ledger_of(campaign, tree.b3))


@pytest.fixture
def other_users(tree):
    """Accounts elsewhere: gb2's staff (a sibling general branch) and the other tree's organization department."""
    return {
        "gb2_staff": make_user("gb2_staff", tree.gb2, Role.GENERAL_BRANCH_STAFF),
        "other_org": make_user("other_org", tree.other_root, Role.ORG_DEPARTMENT),
        "b2_secretary": make_user("b2_secretary", tree.b2, Role.BRANCH_SECRETARY),
    }


def complete_self_check(ledger: Ledger, actor, *, found_first: bool = True) -> None:
    """Answer every manifestation: the first "found", the rest "not found"."""
    from ledger.models import Manifestation

    manifestations = Manifestation.objects.filter(category__template=ledger.campaign.template).order_by("pk")
    for index, manifestation in enumerate(manifestations):
        found = found_first and index == 0
        wf.self_check_answer(actor=actor, ledger=ledger, manifestation=manifestation, found=found,
                             description="三会一课记录不全" if found else "")


def submittable(ledger: Ledger, actor) -> None:
    """Self-check complete and every problem with a measure, so the ledger may be submitted."""
    complete_self_check(ledger, actor)
    for problem in ledger.problems.filter(status="active", items__isnull=True):
        make_item(problem, user=actor)


def item_requested(ledger: Ledger, actor):
    """A measure whose closure is requested, with a progress note."""
    item = make_item(make_problem(ledger, user=actor), user=actor)
    wf.progress_note_add(actor=actor, item=item, text="已整改完毕")
    return wf.item_request_closure(actor=actor, item=item)


DAY = datetime.date(2022, 10, 20)
