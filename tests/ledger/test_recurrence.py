"""Recurring problems (问题反弹): a problem closed in an earlier campaign that comes back in a later one."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ledger.models import EventAction, ItemStatus, LedgerEvent, Problem, RecurrenceState
from ledger.services import workflow as wf
from ledger.services.carry_over import campaign_carry_over
from ledger.services.recurrence import recurrence_confirm, recurrence_dismiss
from ledger.services.templates import template_copy
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template

CLOSED = {"status": ItemStatus.CLOSED, "closed_at": datetime.datetime(2022, 10, 30, tzinfo=datetime.UTC)}


@pytest.fixture
def earlier(tree, users):
    """2022: b1 fixed a problem against 类别1表现1 (its measure closed) and left one against 表现2 open."""
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    category = campaign.template.categories.order_by("order").first()
    first, second = category.manifestations.order_by("order")
    fixed = make_problem(ledger, category=category, manifestation=first, user=users["secretary"])
    make_item(fixed, user=users["secretary"], **CLOSED)
    still_open = make_problem(ledger, category=category, manifestation=second, user=users["secretary"])
    make_item(still_open, user=users["secretary"])
    return {"campaign": campaign, "fixed": fixed, "open": still_open}


def line_of(campaign, problem):
    """The category and manifestation of `campaign`'s checklist that stand for `problem`'s line."""
    category = campaign.template.categories.get(order=problem.category.order)
    return category, category.manifestations.get(order=problem.manifestation.order)


def test_a_problem_again_on_a_closed_line_is_flagged_and_an_open_one_is_not(tree, users, earlier):
    later = make_campaign(tree.root, actor=users["org"], template=earlier["campaign"].template, year=2023)
    ledger = ledger_of(later, tree.b1)
    category, manifestation = line_of(later, earlier["fixed"])
    again = make_problem(ledger, category=category, manifestation=manifestation, user=users["secretary"])
    assert (again.recurrence_of, again.recurrence_state) == (earlier["fixed"], RecurrenceState.FLAGGED)
    _, other_line = line_of(later, earlier["open"])
    not_closed = make_problem(ledger, category=category, manifestation=other_line, user=users["secretary"])
    assert not_closed.recurrence_of is None  # its earlier problem was never closed: not a recurrence
    elsewhere = make_problem(ledger_of(later, tree.b2), category=category, manifestation=manifestation)
    assert elsewhere.recurrence_of is None  # another unit's problem


def test_recurrence_follows_a_copied_template(tree, users, earlier):
    copy = template_copy(actor=users["org"], template=earlier["campaign"].template, owner=tree.root)
    later = make_campaign(tree.root, actor=users["org"], template=copy, year=2023)
    category, manifestation = line_of(later, earlier["fixed"])
    assert manifestation.copied_from_id == earlier["fixed"].manifestation_id
    again = make_problem(ledger_of(later, tree.b1), category=category, manifestation=manifestation)
    assert again.recurrence_of == earlier["fixed"]


def test_the_self_check_flags_too_and_moving_the_problem_clears_the_flag(tree, users, earlier):
    later = make_campaign(tree.root, actor=users["org"], template=earlier["campaign"].template, year=2023)
    ledger = ledger_of(later, tree.b1)
    category, manifestation = line_of(later, earlier["fixed"])
    answer = wf.self_check_answer(actor=users["secretary"], ledger=ledger, manifestation=manifestation, found=True,
                                  description="又出现了")
    assert answer.problem.recurrence_of == earlier["fixed"]
    problem = make_problem(ledger, category=category, manifestation=manifestation, user=users["secretary"])
    _, other_line = line_of(later, earlier["open"])
    wf.problem_update(actor=users["secretary"], problem=problem, version=problem.version, category=category,
                      manifestation=other_line, description=problem.description, source=problem.source,
                      nature=problem.nature)
    problem.refresh_from_db()
    assert (problem.recurrence_of, problem.recurrence_state) == (None, "")


def test_a_category_without_manifestations_recurs_by_category(tree, users):
    template = make_template("plain", categories=2, manifestations=0)
    first = make_campaign(tree.root, actor=users["org"], template=template)
    fixed = make_problem(ledger_of(first, tree.b1), category=template.categories.get(order=2))
    make_item(fixed, **CLOSED)
    later = make_campaign(tree.root, actor=users["org"], template=template, year=2023)
    again = make_problem(ledger_of(later, tree.b1), category=template.categories.get(order=2))
    assert again.recurrence_of == fixed
    other = make_problem(ledger_of(later, tree.b1), category=template.categories.get(order=1))
    assert other.recurrence_of is None


def test_carried_problems_are_not_recurring(tree, users, earlier):
    # The fixed problem's category also holds the open one; carrying the open one is its continuation.
    later = make_campaign(tree.root, actor=users["org"], template=earlier["campaign"].template, year=2023)
    campaign_carry_over(actor=users["org"], campaign=later, source_campaign=earlier["campaign"])
    carried = Problem.objects.get(carried_from=earlier["open"])
    assert carried.recurrence_of is None and carried.recurrence_state == ""


@pytest.fixture
def flagged(tree, users, earlier):
    later = make_campaign(tree.root, actor=users["org"], template=earlier["campaign"].template, year=2023)
    category, manifestation = line_of(later, earlier["fixed"])
    return make_problem(ledger_of(later, tree.b1), category=category, manifestation=manifestation,
                        user=users["secretary"])


def test_the_general_branch_confirms_or_dismisses_with_a_reason(users, flagged):
    with pytest.raises(ValidationError, match="请填写确认问题反弹的理由"):
        recurrence_confirm(actor=users["gb_staff"], problem=flagged, reason="  ")
    flagged.refresh_from_db()
    assert flagged.recurrence_state == RecurrenceState.FLAGGED and flagged.recurrence_reason == ""
    recurrence_confirm(actor=users["gb_staff"], problem=flagged, reason="同一问题再次出现")
    flagged.refresh_from_db()
    assert (flagged.recurrence_state, flagged.recurrence_reason, flagged.recurrence_decided_by) == (
        RecurrenceState.CONFIRMED, "同一问题再次出现", users["gb_staff"])
    event = LedgerEvent.objects.get(problem=flagged, action=EventAction.RECURRENCE_CONFIRMED)
    assert (event.from_status, event.to_status, event.comment) == ("flagged", "confirmed", "同一问题再次出现")
    with pytest.raises(ValidationError, match="请填写不属于问题反弹的理由"):
        recurrence_dismiss(actor=users["gb_staff"], problem=flagged, reason="")
    recurrence_dismiss(actor=users["org"], problem=flagged, reason="原因不同")
    flagged.refresh_from_db()
    assert flagged.recurrence_state == RecurrenceState.DISMISSED


def test_a_branch_cannot_decide_its_own_flag(users, other_users, flagged):
    for actor in (users["secretary"], users["inspector"], other_users["gb2_staff"]):
        with pytest.raises(PermissionDenied):
            recurrence_confirm(actor=actor, problem=flagged, reason="理由")
    flagged.refresh_from_db()
    assert flagged.recurrence_state == RecurrenceState.FLAGGED


def test_the_ledger_page_shows_the_flag_and_the_form_answers_in_chinese(client, users, flagged):
    client.force_login(users["gb_staff"])
    page = client.get(flagged.ledger.get_absolute_url()).content.decode()
    assert "疑似反弹" in page and reverse("ledger:recurrence_confirm", args=[flagged.pk]) in page
    response = client.post(reverse("ledger:recurrence_confirm", args=[flagged.pk]), {"text": ""}, follow=True)
    assert "请填写确认问题反弹的理由" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.recurrence_state == RecurrenceState.FLAGGED
    client.post(reverse("ledger:recurrence_confirm", args=[flagged.pk]), {"text": "再次出现"})
    flagged.refresh_from_db()
    assert flagged.recurrence_state == RecurrenceState.CONFIRMED
    client.force_login(users["secretary"])
    page = client.get(flagged.ledger.get_absolute_url()).content.decode()
    assert "确认反弹" in page and reverse("ledger:recurrence_dismiss", args=[flagged.pk]) not in page
    assert "疑似反弹 → 确认反弹" in page  # the history names the states
    assert client.post(reverse("ledger:recurrence_dismiss", args=[flagged.pk]), {"text": "x"}).status_code == 403


def test_a_confirmed_recurrence_is_counted_on_the_dashboard_and_listed_in_the_rating_basis(client, tree, users,
                                                                                         flagged):
    from reviews.selectors.results import unit_result

    campaign = flagged.ledger.campaign
    before = unit_result(campaign=campaign, unit=tree.b1)
    assert before.recurring == 0 and before.recurring_problems == []
    client.force_login(users["org"])
    dashboard = client.get(reverse("reviews:dashboard", args=[campaign.pk]))
    assert dashboard.context["recurring"] == {"flagged": 1, "confirmed": 0}
    recurrence_confirm(actor=users["gb_staff"], problem=flagged, reason="同一问题再次出现")
    after = unit_result(campaign=campaign, unit=tree.b1)
    assert after.recurring == 1 and after.recurring_problems == [flagged]
    assert after.in_place == before.in_place and after.reasons == before.reasons  # the in-place rule is unchanged
    assert client.get(reverse("reviews:dashboard", args=[campaign.pk])).context["recurring"]["confirmed"] == 1
    rating_page = client.get(reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk])).content.decode()
    assert "经认定的问题反弹 1 个" in rating_page and "同一问题再次出现" in rating_page
    listed = client.get(reverse("reviews:problem_list", args=[campaign.pk]), {"recurrence": "confirmed"})
    assert [problem.pk for problem in listed.context["page"]] == [flagged.pk]
    results = client.get(reverse("reviews:results", args=[campaign.pk])).content.decode()
    assert "问题反弹 1 个" in results
