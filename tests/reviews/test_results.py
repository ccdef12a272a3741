"""Is rectification in place at the results deadline? Edge cases, counted by the database."""

from __future__ import annotations

import datetime

import pytest

from ledger.models import LedgerStatus, ProblemStatus
from reviews import services
from reviews.models import SupervisionKind
from reviews.selectors.results import ledger_results, policy_of, tier_for, unit_result
from tests.factories import ledger_of, make_item, make_problem

from .conftest import DEADLINE, accept, answer_all, close, note


def result_of(campaign, ledger):
    return ledger_results(ledger_ids=[ledger.pk], campaign=campaign)[ledger.pk]


def test_accepted_answered_ledger_without_problems_is_in_place(campaign, b1_ledger):
    result = result_of(campaign, b1_ledger)
    assert result.in_place and result.reasons == []


def test_a_branch_that_did_nothing_is_not_in_place(campaign, tree):
    result = result_of(campaign, ledger_of(campaign, tree.b2))  # 填报中, nothing answered, no measures
    assert not result.in_place
    assert result.reasons == ["台账为“填报中”状态，未经党总支（党委）审核通过", "对照检查还有 4 条表现未作答"]


@pytest.mark.parametrize("status, label", [(LedgerStatus.DRAFT, "填报中"), (LedgerStatus.SUBMITTED, "已提交"),
                                           (LedgerStatus.RETURNED, "已退回")])
def test_a_ledger_not_accepted_is_not_in_place(campaign, b1_ledger, status, label):
    type(b1_ledger).objects.filter(pk=b1_ledger.pk).update(status=status)
    result = result_of(campaign, b1_ledger)
    assert not result.in_place and result.reasons == [f"台账为“{label}”状态，未经党总支（党委）审核通过"]


def test_an_unanswered_self_check_is_not_in_place(campaign, tree):
    ledger = ledger_of(campaign, tree.b2)
    answer_all(ledger, except_for=1)
    result = result_of(campaign, accept(ledger))
    assert not result.in_place and result.unanswered == 1
    assert result.reasons == ["对照检查还有 1 条表现未作答"]


def test_found_without_a_description_is_unanswered(campaign, tree):
    from ledger.models import SelfCheckAnswer

    ledger = ledger_of(campaign, tree.b2)
    answer_all(ledger)
    SelfCheckAnswer.objects.filter(ledger=ledger).filter(pk=SelfCheckAnswer.objects.filter(ledger=ledger)
                                                         .values("pk")[:1]).update(found=True, description="")
    assert result_of(campaign, accept(ledger)).unanswered == 1


def test_an_active_problem_without_a_measure_is_not_in_place(campaign, b1_ledger):
    make_problem(b1_ledger)
    withdrawn = make_problem(b1_ledger)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status=ProblemStatus.WITHDRAWN)  # no longer counts
    result = result_of(campaign, b1_ledger)
    assert not result.in_place and result.unmeasured == 1
    assert result.reasons == ["1 个查摆问题没有制定整改措施"]


def test_item_closed_on_the_deadline_day_counts(campaign, b1_item, b1_ledger):
    close(b1_item, DEADLINE, hour=23)
    assert result_of(campaign, b1_ledger).in_place


def test_item_closed_the_day_after_does_not_count(campaign, b1_item, b1_ledger):
    close(b1_item, DEADLINE + datetime.timedelta(days=1), hour=0)
    result = result_of(campaign, b1_ledger)
    assert not result.in_place
    assert result.not_closed == 1 and result.overdue == 1
    assert "1 项整改措施截至 2022-11-30 未销号" in result.reasons
    assert "1 项整改措施超过整改时限仍未销号（逾期）" in result.reasons


def test_open_item_whose_time_limit_is_after_the_deadline_is_not_overdue_but_not_in_place(campaign, b1_ledger):
    make_item(make_problem(b1_ledger), deadline=DEADLINE + datetime.timedelta(days=10))
    result = result_of(campaign, b1_ledger)
    assert not result.in_place and result.not_closed == 1 and result.overdue == 0


def test_ongoing_item_with_recent_progress_is_in_place(campaign, b1_ledger, users):
    item = make_item(make_problem(b1_ledger), ongoing=True)
    note(item, DEADLINE - datetime.timedelta(days=29), users["secretary"])
    assert result_of(campaign, b1_ledger).in_place


def test_ongoing_item_without_recent_progress_is_not(campaign, b1_ledger, users):
    item = make_item(make_problem(b1_ledger), ongoing=True)
    note(item, DEADLINE - datetime.timedelta(days=30), users["secretary"])  # one day before the 30-day period
    note(item, DEADLINE + datetime.timedelta(days=1), users["secretary"])  # after the deadline
    result = result_of(campaign, b1_ledger)
    assert not result.in_place and result.stale_ongoing == 1
    assert result.reasons == ["1 项立行立改措施在 2022-11-01 至 2022-11-30 期间没有进展记录"]


def test_progress_period_is_configurable(campaign, b1_ledger, users):
    item = make_item(make_problem(b1_ledger), ongoing=True)
    note(item, DEADLINE - datetime.timedelta(days=40), users["secretary"])
    assert not result_of(campaign, b1_ledger).in_place
    services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=60, advanced_min_stars=4,
                        middle_min_stars=3)
    assert result_of(campaign, b1_ledger).in_place


def test_withdrawn_problems_do_not_count(campaign, b1_ledger):
    problem = make_item(make_problem(b1_ledger)).problem
    type(problem).objects.filter(pk=problem.pk).update(status=ProblemStatus.WITHDRAWN)
    assert result_of(campaign, b1_ledger).in_place


def test_reopened_item_counts_as_not_closed(campaign, tree, users, b1_item, b1_ledger):
    close(b1_item, datetime.date(2022, 10, 20))
    assert result_of(campaign, b1_ledger).in_place
    record = services.supervision_create(actor=users["org"], author_unit=tree.root, kind=SupervisionKind.LOOK_BACK,
                                         date=datetime.date(2022, 11, 20), participants="组织部", visited_units=[tree.b1])
    services.item_reopen(actor=users["org"], record=record, item=b1_item, reason="问题反弹")
    result = unit_result(campaign=campaign, unit=tree.b1)
    assert not result.in_place and result.reopened == 1
    assert "1 项整改措施经“回头看”重新整改，尚未销号" in result.reasons


def test_results_for_many_ledgers_in_one_query(campaign, tree, django_assert_num_queries):
    ledgers = list(campaign.ledgers.values_list("pk", flat=True))
    policy = policy_of(campaign)
    with django_assert_num_queries(1):
        results = ledger_results(ledger_ids=ledgers, campaign=campaign, policy=policy)
    assert len(results) == len(ledgers)


def test_tier_mapping_default_and_configured(campaign, users):
    policy = policy_of(campaign)
    assert [tier_for(stars, policy) for stars in range(1, 6)] == ["lagging", "lagging", "middle", "advanced", "advanced"]
    policy = services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=30, advanced_min_stars=5,
                                 middle_min_stars=2)
    assert [tier_for(stars, policy) for stars in range(1, 6)] == ["lagging", "middle", "middle", "middle", "advanced"]
