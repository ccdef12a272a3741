"""Supervision and rating services: rights, the five-star cap, the notice period, history."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from branches.selectors import scope_for
from ledger.models import EventAction, ItemStatus, LedgerEvent, Problem, ProblemSource
from reviews import services
from reviews.models import (
    ItemReopening,
    RatingChange,
    RatingStatus,
    StarRating,
    SupervisionFinding,
    SupervisionKind,
    SupervisionRecord,
)
from reviews.selectors.ratings import weak_and_lax_candidates
from tests.factories import ledger_of, make_item, make_problem

from .conftest import close, ready


def record(actor, author_unit, *units, kind=SupervisionKind.SITE_VISIT):
    return services.supervision_create(actor=actor, author_unit=author_unit, kind=kind, date=datetime.date(2022, 11, 1),
                                       participants="组织员", visited_units=list(units), findings="发现问题")


# --- supervision ---------------------------------------------------------------------------------------


def test_general_branch_records_a_visit_to_its_branches(tree, users):
    rec = record(users["gb_staff"], tree.gb1, tree.b1, tree.b2)
    assert set(rec.visits.values_list("unit__code", flat=True)) == {"B1", "B2"}
    assert rec.author_path == tree.gb1.path


@pytest.mark.parametrize(("who", "author", "visited", "message"), [
    ("gb_staff", "gb1", "b3", "“第三党支部”不在您的督查范围内。"),
    ("gb_staff", "gb1", "gb1", "“第一党总支”不在您的督查范围内。"),
    ("secretary", "b1", "b1", "您不能以“第一党支部”的名义开展督查。"),
    ("inspector", "root", "b1", "您不能以“学院党委”的名义开展督查。"),
    ("gb_staff", "root", "b1", "您不能以“学院党委”的名义开展督查。"),
])
def test_supervision_outside_the_actors_right_is_refused(tree, users, who, author, visited, message):
    with pytest.raises(ValidationError) as error:
        record(users[who], getattr(tree, author), getattr(tree, visited))
    assert error.value.messages == [message]
    assert not SupervisionRecord.objects.exists()


def test_finding_opens_a_problem_in_the_visited_branch(tree, users, campaign, b1_ledger):
    make_problem(b1_ledger)
    make_problem(b1_ledger)
    rec = record(users["gb_staff"], tree.gb1, tree.b1)
    category = campaign.template.categories.last()
    problem = services.supervision_open_problem(actor=users["gb_staff"], record=rec, unit=tree.b1, campaign=campaign,
                                                category=category, description="  会议记录不全  ")
    assert (problem.number, problem.source, problem.description) == (3, ProblemSource.SUPERVISION, "会议记录不全")
    assert problem.ledger == b1_ledger and problem.unit_path == tree.b1.path
    assert SupervisionFinding.objects.get().problem == problem
    event = LedgerEvent.objects.get(action=EventAction.PROBLEM_OPENED_BY_SUPERVISION)
    assert (event.ledger, event.problem, event.actor) == (b1_ledger, problem, users["gb_staff"])


def test_finding_in_a_branch_not_visited_is_refused(tree, users, campaign):
    rec = record(users["gb_staff"], tree.gb1, tree.b1)
    with pytest.raises(ValidationError, match="“第二党支部”不是本次督查的对象。"):
        services.supervision_open_problem(actor=users["gb_staff"], record=rec, unit=tree.b2, campaign=campaign,
                                          category=campaign.template.categories.first(), description="问题")
    assert not Problem.objects.exists() and not LedgerEvent.objects.filter(
        action=EventAction.PROBLEM_OPENED_BY_SUPERVISION).exists()


def test_branch_cannot_open_a_problem_from_a_finding(tree, users, campaign):
    rec = record(users["org"], tree.root, tree.b1)
    with pytest.raises(ValidationError, match="您无权在“第一党支部”的台账中新增问题。"):
        services.supervision_open_problem(actor=users["secretary"], record=rec, unit=tree.b1, campaign=campaign,
                                          category=campaign.template.categories.first(), description="问题")
    assert not Problem.objects.exists()


def test_look_back_reopens_a_closed_item(tree, users, b1_item):
    close(b1_item, datetime.date(2022, 10, 20))
    rec = record(users["org"], tree.root, tree.b1, kind=SupervisionKind.LOOK_BACK)
    services.item_reopen(actor=users["org"], record=rec, item=b1_item, reason="问题反弹")
    b1_item.refresh_from_db()
    assert b1_item.status == ItemStatus.IN_PROGRESS and b1_item.closed_at is None and b1_item.closed_by is None
    reopening = ItemReopening.objects.get()
    assert reopening.reason == "问题反弹" and reopening.previous_closed_at is not None
    event = LedgerEvent.objects.get(action=EventAction.ITEM_REOPENED)
    assert (event.item, event.from_status, event.to_status, event.comment) == (
        b1_item, ItemStatus.CLOSED, ItemStatus.IN_PROGRESS, "问题反弹")


@pytest.mark.parametrize(("kind", "closed", "reason", "message"), [
    (SupervisionKind.SITE_VISIT, True, "反弹", "只有整改“回头看”可以重新打开已销号的措施。"),
    (SupervisionKind.LOOK_BACK, False, "反弹", "只有已销号的措施才能重新打开。"),
    (SupervisionKind.LOOK_BACK, True, "  ", "请填写重新整改的原因。"),
])
def test_reopen_refused(tree, users, b1_item, kind, closed, reason, message):
    if closed:
        close(b1_item, datetime.date(2022, 10, 20))
    before = (b1_item.status, b1_item.closed_at)
    rec = record(users["org"], tree.root, tree.b1, kind=kind)
    with pytest.raises(ValidationError) as error:
        services.item_reopen(actor=users["org"], record=rec, item=b1_item, reason=reason)
    assert error.value.messages == [message]
    b1_item.refresh_from_db()
    assert (b1_item.status, b1_item.closed_at) == before
    assert not ItemReopening.objects.exists() and not LedgerEvent.objects.filter(action=EventAction.ITEM_REOPENED).exists()


# --- ratings -------------------------------------------------------------------------------------------


def test_five_stars_refused_with_the_reasons_and_nothing_saved(tree, users, campaign, b1_item):
    with pytest.raises(ValidationError) as error:
        services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=5, basis="优秀")
    assert error.value.messages == [
        "“第一党支部”整改不到位，不能评为五星：1 项整改措施截至 2022-11-30 未销号；"
        "1 项整改措施超过整改时限仍未销号（逾期）。"
    ]
    assert not StarRating.objects.exists() and not RatingChange.objects.exists()


def test_five_stars_refused_for_a_branch_that_did_nothing(tree, users, campaign):
    with pytest.raises(ValidationError) as error:  # b2: 填报中, self-check not started, no measures
        services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b2, stars=5, basis="优秀")
    assert error.value.messages == [
        "“第二党支部”整改不到位，不能评为五星：台账为“填报中”状态，未经党总支（党委）审核通过；对照检查还有 4 条表现未作答。"
    ]
    assert not StarRating.objects.exists() and not RatingChange.objects.exists()


def test_five_stars_refused_for_a_problem_without_a_measure(tree, users, campaign, b1_ledger):
    make_problem(b1_ledger)
    with pytest.raises(ValidationError) as error:
        services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=5, basis="优秀")
    assert error.value.messages == ["“第一党支部”整改不到位，不能评为五星：1 个查摆问题没有制定整改措施。"]
    assert not StarRating.objects.exists()
    assert services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=4, basis="良好").stars == 4


def test_five_stars_refused_when_changing_an_existing_rating_leaves_it_unchanged(tree, users, campaign, b1_item):
    rating = services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=4, basis="良好")
    with pytest.raises(ValidationError):
        services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=5, basis="优秀")
    rating.refresh_from_db()
    assert (rating.stars, rating.basis, rating.changes.count()) == (4, "良好", 1)


def test_five_stars_when_rectification_is_in_place(tree, users, campaign, b1_item):
    close(b1_item, datetime.date(2022, 11, 30))
    rating = services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=5, basis="优秀")
    assert rating.stars == 5 and rating.status == RatingStatus.DRAFT and rating.year == 2022


def test_rating_needs_the_org_department_or_its_delegate(tree, users, campaign):
    with pytest.raises(ValidationError, match="您无权评定“第一党支部”的星级"):
        services.rating_decide(actor=users["gb_staff"], campaign=campaign, unit=tree.b1, stars=3, basis="一般")
    assert not StarRating.objects.exists()
    services.delegation_grant(actor=users["org"], unit=tree.gb1, user=users["gb_staff"])
    assert services.rating_decide(actor=users["gb_staff"], campaign=campaign, unit=tree.b1, stars=3, basis="一般")
    with pytest.raises(ValidationError):  # the delegation covers gb1's subtree only
        services.rating_decide(actor=users["gb_staff"], campaign=campaign, unit=tree.b3, stars=3, basis="一般")


def test_only_the_org_department_delegates(tree, users):
    with pytest.raises(ValidationError, match="只有组织部可以授权评星定级。"):
        services.delegation_grant(actor=users["gb_staff"], unit=tree.gb1, user=users["member"])


def test_notice_period_objections_and_finalisation(tree, users, campaign):
    org = users["org"]
    rating = services.rating_decide(actor=org, campaign=campaign, unit=tree.b1, stars=3, basis="一般")
    services.rating_decide(actor=org, campaign=campaign, unit=tree.b1, stars=4, basis="较好")
    start, end = datetime.date(2022, 12, 1), datetime.date(2022, 12, 7)
    with pytest.raises(ValidationError, match="星级须先公示"):
        services.rating_finalise(actor=org, rating=rating, today=datetime.date(2022, 12, 10))
    services.rating_publish(actor=org, rating=rating, starts_on=start, ends_on=end)
    with pytest.raises(ValidationError, match="不在公示期内"):
        services.objection_record(actor=org, rating=rating, raised_by="党员甲", text="有异议", today=end + datetime.timedelta(days=1))
    objection = services.objection_record(actor=org, rating=rating, raised_by="党员甲", text="有异议", today=start)
    with pytest.raises(ValidationError, match="公示期至 2022-12-07 结束"):
        services.rating_finalise(actor=org, rating=rating, today=end)
    with pytest.raises(ValidationError, match="还有未处理的异议"):
        services.rating_finalise(actor=org, rating=rating, today=end + datetime.timedelta(days=1))
    services.objection_resolve(actor=org, objection=objection, resolution="经核实，维持原评定")
    services.rating_finalise(actor=org, rating=rating, today=end + datetime.timedelta(days=1))
    rating.refresh_from_db()
    assert rating.status == RatingStatus.FINAL and rating.finalised_at is not None
    assert list(rating.changes.values_list("action", "from_stars", "to_stars")) == [
        ("decided", None, 3), ("changed", 3, 4), ("published", 4, 4), ("objected", None, None),
        ("objection_resolved", None, None), ("finalised", 4, 4)]
    with pytest.raises(ValidationError, match="星级已确定，不能再修改。"):
        services.rating_decide(actor=org, campaign=campaign, unit=tree.b1, stars=2, basis="较差")


def test_five_star_rating_cannot_be_finalised_after_a_reopening(tree, users, campaign, b1_item):
    org = users["org"]
    close(b1_item, datetime.date(2022, 10, 20))
    rating = services.rating_decide(actor=org, campaign=campaign, unit=tree.b1, stars=5, basis="优秀")
    services.rating_publish(actor=org, rating=rating, starts_on=datetime.date(2022, 12, 1), ends_on=datetime.date(2022, 12, 7))
    rec = record(org, tree.root, tree.b1, kind=SupervisionKind.LOOK_BACK)
    services.item_reopen(actor=org, record=rec, item=b1_item, reason="反弹")
    with pytest.raises(ValidationError, match="不能确定为五星"):
        services.rating_finalise(actor=org, rating=rating, today=datetime.date(2022, 12, 8))
    rating.refresh_from_db()
    assert rating.status == RatingStatus.PUBLISHED


def test_weak_and_lax_candidates(tree, users, campaign, b1_item):
    org = users["org"]
    make_item(make_problem(ledger_of(campaign, tree.b2)))  # b2 not in place either
    close(make_item(make_problem(ready(ledger_of(campaign, tree.b3)))), datetime.date(2022, 10, 1))
    services.rating_decide(actor=org, campaign=campaign, unit=tree.b1, stars=2, basis="差")  # 后进, not in place
    services.rating_decide(actor=org, campaign=campaign, unit=tree.b2, stars=3, basis="中")  # 中间
    services.rating_decide(actor=org, campaign=campaign, unit=tree.b3, stars=1, basis="差")  # 后进 but in place
    candidates = weak_and_lax_candidates(scope=scope_for(org), campaign=campaign, unit=tree.root)
    assert [rating.unit for rating, _result in candidates] == [tree.b1]


def test_policy_is_checked(users, campaign):
    with pytest.raises(ValidationError, match="星级与等次的对应不正确"):
        services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=30, advanced_min_stars=3,
                            middle_min_stars=4)
    with pytest.raises(ValidationError, match="只有发文单位的组织部"):
        services.policy_set(actor=users["gb_staff"], campaign=campaign, progress_period_days=30, advanced_min_stars=4,
                            middle_min_stars=3)


def test_rating_a_unit_outside_the_campaign_is_refused(tree, users, campaign):
    with pytest.raises(ValidationError, match="“第一党总支”不是该专项行动的对象。"):
        services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.gb1, stars=3, basis="一般")
    assert not StarRating.objects.exists()
