"""Every workflow transition, allowed and refused (wrong state, wrong role, outside the subtree), with the
message shown and nothing changed when refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledger.models import (
    EventAction,
    ItemStatus,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    Problem,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
    SelfCheckAnswer,
)
from ledger.services import workflow as wf
from tests.factories import make_item, make_problem
from tests.ledger.workflow_support import complete_self_check, item_requested, submittable


def events(ledger, action):
    return LedgerEvent.objects.filter(ledger=ledger, action=action)


def manifestations(ledger):
    return list(Manifestation.objects.filter(category__template=ledger.campaign.template).order_by("pk"))


# --- self-check -----------------------------------------------------------------------------------------------


def test_found_answer_creates_a_self_check_problem_and_not_found_withdraws_it(world, users):
    m = manifestations(world.ledger)[0]
    answer = wf.self_check_answer(actor=users["member"], ledger=world.ledger, manifestation=m, found=True,
                                  description="支部委员会超期未换届")
    problem = answer.problem
    assert (problem.source, problem.manifestation, problem.category) == (ProblemSource.SELF_CHECK, m, m.category)
    assert problem.description == "支部委员会超期未换届"
    answer = wf.self_check_answer(actor=users["member"], ledger=world.ledger, manifestation=m, found=True,
                                  description="支部委员会超期未换届一年", version=answer.version)
    problem.refresh_from_db()
    assert problem.description == "支部委员会超期未换届一年"
    wf.self_check_answer(actor=users["member"], ledger=world.ledger, manifestation=m, found=False,
                         version=answer.version)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.WITHDRAWN
    assert events(world.ledger, EventAction.SELF_CHECK_ANSWERED).count() == 3


def test_found_without_description_is_saved_but_not_counted_as_answered(world, users):
    m = manifestations(world.ledger)[0]
    wf.self_check_answer(actor=users["secretary"], ledger=world.ledger, manifestation=m, found=True)
    assert wf.self_check_progress(world.ledger) == (0, 4)
    assert not Problem.objects.filter(ledger=world.ledger).exists()


def test_self_check_of_another_template_is_refused(world, users):
    from tests.factories import make_template

    foreign = make_template("foreign").categories.first().manifestations.first()
    with pytest.raises(ValidationError, match="不属于本专项行动的对照清单"):
        wf.self_check_answer(actor=users["secretary"], ledger=world.ledger, manifestation=foreign, found=False)
    assert not SelfCheckAnswer.objects.exists()


def test_stale_self_check_answer_is_refused(world, users):
    m = manifestations(world.ledger)[0]
    first = wf.self_check_answer(actor=users["secretary"], ledger=world.ledger, manifestation=m, found=False)
    wf.self_check_answer(actor=users["member"], ledger=world.ledger, manifestation=m, found=True,
                         description="甲", version=first.version)
    with pytest.raises(wf.StaleEdit, match="已被他人修改"):
        wf.self_check_answer(actor=users["secretary"], ledger=world.ledger, manifestation=m, found=True,
                             description="乙", version=first.version)
    assert SelfCheckAnswer.objects.get().description == "甲"


@pytest.mark.parametrize("who", ["gb_staff", "org", "inspector"])
def test_only_the_branch_fills_its_self_check(world, users, who):
    with pytest.raises(PermissionDenied, match="只有本单位的账号可以填报"):
        wf.self_check_answer(actor=users[who], ledger=world.ledger, manifestation=manifestations(world.ledger)[0],
                             found=False)
    assert not SelfCheckAnswer.objects.exists()


# --- problems ---------------------------------------------------------------------------------------------------


def test_problem_numbers_stay_stable_after_a_withdrawal(world, users):
    first = make_problem(world.ledger, user=users["secretary"])
    second = make_problem(world.ledger, user=users["secretary"])
    wf.problem_withdraw(actor=users["secretary"], problem=first, reason="重复录入")
    third = make_problem(world.ledger, user=users["secretary"])
    assert [first.number, second.number, third.number] == [1, 2, 3]
    first.refresh_from_db()
    assert first.status == ProblemStatus.WITHDRAWN
    assert events(world.ledger, EventAction.PROBLEM_WITHDRAWN).get().comment == "重复录入"


def test_withdraw_needs_a_reason(world, users):
    problem = make_problem(world.ledger, user=users["secretary"])
    with pytest.raises(ValidationError, match="请说明撤回该问题的原因"):
        wf.problem_withdraw(actor=users["secretary"], problem=problem, reason=" ")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ACTIVE


def test_problem_update_records_before_and_after(world, users):
    problem = make_problem(world.ledger, user=users["secretary"], description="旧")
    category = problem.category
    wf.problem_update(actor=users["member"], problem=problem, version=problem.version, category=category,
                      description="新", source=ProblemSource.REPORT_REVIEW, nature="common")
    event = events(world.ledger, EventAction.PROBLEM_CHANGED).get()
    assert event.changes["before"]["description"] == "旧" and event.changes["after"]["description"] == "新"


def test_stale_problem_update_is_refused_and_keeps_the_newer_text(world, users):
    problem = make_problem(world.ledger, user=users["secretary"], description="原文")
    seen = problem.version
    wf.problem_update(actor=users["member"], problem=problem, version=seen, category=problem.category,
                      description="支委的修改", source=problem.source, nature=problem.nature)
    with pytest.raises(wf.StaleEdit, match="您填写的内容没有保存"):
        wf.problem_update(actor=users["secretary"], problem=problem, version=seen, category=problem.category,
                          description="书记的修改", source=problem.source, nature=problem.nature)
    problem.refresh_from_db()
    assert problem.description == "支委的修改"


def test_general_branch_opens_a_supervision_problem_but_not_a_self_check_one(world, users):
    category = world.campaign.template.categories.first()
    with pytest.raises(PermissionDenied):
        wf.problem_add(actor=users["gb_staff"], ledger=world.ledger, category=category, description="x",
                       source=ProblemSource.EXTENDED)
    problem = wf.problem_add(actor=users["gb_staff"], ledger=world.ledger, category=category,
                             description="督查发现：主题党日流于形式", source=ProblemSource.SUPERVISION)
    assert events(world.ledger, EventAction.PROBLEM_OPENED_BY_SUPERVISION).get().problem == problem


@pytest.mark.parametrize("who", ["inspector"])
def test_inspector_cannot_add_problems(world, users, who):
    with pytest.raises(PermissionDenied):
        wf.problem_add(actor=users[who], ledger=world.ledger, category=world.campaign.template.categories.first(),
                       description="x")
    assert not Problem.objects.exists()


def test_branch_of_a_sibling_cannot_touch_this_ledger(world, users, other_users):
    with pytest.raises(PermissionDenied):
        wf.problem_add(actor=other_users["b2_secretary"], ledger=world.ledger,
                       category=world.campaign.template.categories.first(), description="x")
    assert not Problem.objects.exists()


# --- items ------------------------------------------------------------------------------------------------------


def test_items_are_numbered_within_their_problem(world, users):
    p1, p2 = make_problem(world.ledger, user=users["secretary"]), make_problem(world.ledger, user=users["secretary"])
    numbers = [make_item(p, user=users["secretary"]).number for p in (p1, p1, p2, p1)]
    assert numbers == [1, 2, 1, 3]


@pytest.mark.parametrize("deadline", [datetime.date(2021, 12, 31), datetime.date(2024, 1, 1)])
def test_deadline_outside_the_campaign_is_refused(world, users, deadline):
    problem = make_problem(world.ledger, user=users["secretary"])
    with pytest.raises(ValidationError, match="整改时限应在2022-01-01至2023-11-30之间"):
        wf.item_add(actor=users["secretary"], problem=problem, measure="m", deadline=deadline, responsible_name="张三")
    assert not RectificationItem.objects.exists()


def test_missing_deadline_is_refused_unless_ongoing(world, users):
    problem = make_problem(world.ledger, user=users["secretary"])
    with pytest.raises(ValidationError, match="立行立改、长期坚持"):
        wf.item_add(actor=users["secretary"], problem=problem, measure="m", responsible_name="张三")
    item = wf.item_add(actor=users["secretary"], problem=problem, measure="m", is_ongoing=True,
                       deadline=datetime.date(2022, 10, 1), responsible_name="张三")
    assert item.is_ongoing and item.deadline is None and not item.overdue


def test_responsible_account_must_belong_to_the_branch(world, users, other_users):
    problem = make_problem(world.ledger, user=users["secretary"])
    with pytest.raises(ValidationError, match="责任人账号不属于本单位"):
        wf.item_add(actor=users["secretary"], problem=problem, measure="m", deadline=datetime.date(2022, 10, 30),
                    responsible_user=other_users["b2_secretary"])
    item = wf.item_add(actor=users["secretary"], problem=problem, measure="m", deadline=datetime.date(2022, 10, 30),
                       responsible_user=users["member"])
    assert item.responsible_name == "member" and item.responsible_user == users["member"]
    with pytest.raises(ValidationError, match="请选择或填写责任人"):
        wf.item_add(actor=users["secretary"], problem=problem, measure="m", deadline=datetime.date(2022, 10, 30))
    assert RectificationItem.objects.count() == 1


def test_stale_item_update_is_refused(world, users):
    item = make_item(make_problem(world.ledger, user=users["secretary"]), user=users["secretary"], measure="原措施")
    seen = item.version
    wf.item_update(actor=users["member"], item=item, version=seen, measure="支委改", deadline=item.deadline,
                   responsible_name="李四")
    with pytest.raises(wf.StaleEdit):
        wf.item_update(actor=users["secretary"], item=item, version=seen, measure="书记改", deadline=item.deadline,
                       responsible_name="王五")
    item.refresh_from_db()
    assert (item.measure, item.responsible_name) == ("支委改", "李四")


def test_item_life_planned_to_closed(world, users):
    item = make_item(make_problem(world.ledger, user=users["secretary"]), user=users["secretary"])
    wf.item_start(actor=users["secretary"], item=item)
    with pytest.raises(ValidationError, match="只有“未开始”的措施可以开始整改"):
        wf.item_start(actor=users["secretary"], item=item)
    with pytest.raises(ValidationError, match="请上传佐证材料或填写整改进展"):
        wf.item_request_closure(actor=users["secretary"], item=item)
    wf.progress_note_add(actor=users["member"], item=item, text="已召开专题组织生活会")
    wf.item_request_closure(actor=users["secretary"], item=item)
    with pytest.raises(PermissionDenied, match="只有上级党组织"):
        wf.item_close(actor=users["secretary"], item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSURE_REQUESTED
    wf.item_close(actor=users["gb_staff"], item=item, comment="材料齐全")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED and item.closed_by == users["gb_staff"] and item.closed_at
    with pytest.raises(ValidationError, match="已销号，不能再修改"):
        wf.progress_note_add(actor=users["secretary"], item=item, text="x")
    with pytest.raises(ValidationError, match="已销号"):
        wf.item_update(actor=users["secretary"], item=item, version=item.version, measure="x",
                       deadline=item.deadline, responsible_name="x")
    actions = list(LedgerEvent.objects.filter(item=item).values_list("action", flat=True))
    assert actions == ["item_added", "item_started", "progress_noted", "closure_requested", "item_closed"]


@pytest.mark.parametrize("who", ["secretary", "member", "inspector"])
def test_the_branch_and_the_inspector_never_close(world, users, who):
    item = item_requested(world.ledger, users["secretary"])
    with pytest.raises(PermissionDenied):
        wf.item_close(actor=users[who], item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSURE_REQUESTED


@pytest.mark.parametrize("who", ["gb2_staff", "other_org"])
def test_supervisors_of_other_subtrees_cannot_close(world, users, other_users, who):
    item = item_requested(world.ledger, users["secretary"])
    with pytest.raises(PermissionDenied):
        wf.item_close(actor=other_users[who], item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSURE_REQUESTED


def test_organization_department_closes_too(world, users):
    item = item_requested(world.ledger, users["secretary"])
    wf.item_close(actor=users["org"], item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


def test_send_back_needs_a_reason_and_returns_to_in_progress(world, users):
    item = item_requested(world.ledger, users["secretary"])
    with pytest.raises(ValidationError, match="退回整改必须填写原因"):
        wf.item_send_back(actor=users["gb_staff"], item=item, reason="")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSURE_REQUESTED
    wf.item_send_back(actor=users["gb_staff"], item=item, reason="缺少会议照片")
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    assert events(world.ledger, EventAction.ITEM_SENT_BACK).get().comment == "缺少会议照片"


def test_closing_an_item_not_requested_is_refused(world, users):
    item = make_item(make_problem(world.ledger, user=users["secretary"]), user=users["secretary"])
    with pytest.raises(ValidationError, match="只有已申请销号的措施可以销号"):
        wf.item_close(actor=users["gb_staff"], item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.PLANNED


def test_bulk_close_is_all_or_nothing(world, users):
    a = item_requested(world.ledger, users["secretary"])
    b = item_requested(world.ledger, users["secretary"])
    planned = make_item(make_problem(world.ledger, user=users["secretary"]), user=users["secretary"])
    with pytest.raises(ValidationError, match="只有已申请销号的措施可以销号"):
        wf.items_close_bulk(actor=users["gb_staff"], item_ids=[a.pk, b.pk, planned.pk])
    assert not RectificationItem.objects.filter(status=ItemStatus.CLOSED).exists()
    assert wf.items_close_bulk(actor=users["gb_staff"], item_ids=[a.pk, b.pk]) == 2
    assert RectificationItem.objects.filter(status=ItemStatus.CLOSED).count() == 2


# --- the ledger ---------------------------------------------------------------------------------------------------


def test_submit_needs_a_complete_self_check_and_measures(world, users):
    with pytest.raises(ValidationError, match="还有4条表现未完成对照检查"):
        wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    complete_self_check(world.ledger, users["secretary"])
    with pytest.raises(ValidationError, match="问题1还没有整改措施"):
        wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    world.ledger.refresh_from_db()
    assert world.ledger.status == LedgerStatus.DRAFT


def test_submitted_ledger_is_locked_for_the_branch(world, users):
    submittable(world.ledger, users["secretary"])
    wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    with pytest.raises(ValidationError, match="审核完成前不能修改"):
        wf.problem_add(actor=users["member"], ledger=world.ledger,
                       category=world.campaign.template.categories.first(), description="x")
    with pytest.raises(ValidationError, match="只有填报中或已退回的台账可以提交"):
        wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    assert world.ledger.problems.count() == 1


@pytest.mark.parametrize("who", ["inspector", "gb_staff"])
def test_only_the_branch_submits(world, users, who):
    submittable(world.ledger, users["secretary"])
    with pytest.raises(PermissionDenied):
        wf.ledger_submit(actor=users[who], ledger=world.ledger)
    world.ledger.refresh_from_db()
    assert world.ledger.status == LedgerStatus.DRAFT


def test_return_needs_a_reason_and_only_a_supervisor_returns(world, users, other_users):
    submittable(world.ledger, users["secretary"])
    wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    with pytest.raises(ValidationError, match="退回台账必须填写原因"):
        wf.ledger_return(actor=users["gb_staff"], ledger=world.ledger, reason="")
    for who in (users["secretary"], users["inspector"], other_users["gb2_staff"]):
        with pytest.raises(PermissionDenied):
            wf.ledger_return(actor=who, ledger=world.ledger, reason="不行")
    world.ledger.refresh_from_db()
    assert world.ledger.status == LedgerStatus.SUBMITTED
    wf.ledger_return(actor=users["gb_staff"], ledger=world.ledger, reason="措施不具体")
    world.ledger.refresh_from_db()
    assert world.ledger.status == LedgerStatus.RETURNED


def test_accept_only_a_submitted_ledger(world, users):
    with pytest.raises(ValidationError, match="只有已提交的台账可以通过"):
        wf.ledger_accept(actor=users["gb_staff"], ledger=world.ledger)
    submittable(world.ledger, users["secretary"])
    wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    with pytest.raises(PermissionDenied):
        wf.ledger_accept(actor=users["member"], ledger=world.ledger)
    wf.ledger_accept(actor=users["gb_staff"], ledger=world.ledger, comment="同意")
    world.ledger.refresh_from_db()
    assert world.ledger.status == LedgerStatus.ACCEPTED and world.ledger.accepted_at


def test_stale_accept_is_refused(world, users):
    submittable(world.ledger, users["secretary"])
    seen = world.ledger.version
    wf.ledger_submit(actor=users["secretary"], ledger=world.ledger, version=seen)
    with pytest.raises(wf.StaleEdit):
        wf.ledger_accept(actor=users["gb_staff"], ledger=world.ledger, version=seen)
    world.ledger.refresh_from_db()
    assert world.ledger.status == LedgerStatus.SUBMITTED


def test_amendments_after_acceptance_are_recorded_with_before_and_after(world, users):
    submittable(world.ledger, users["secretary"])
    wf.ledger_submit(actor=users["secretary"], ledger=world.ledger)
    wf.ledger_accept(actor=users["gb_staff"], ledger=world.ledger)
    item = RectificationItem.objects.get(ledger=world.ledger)
    wf.item_update(actor=users["secretary"], item=item, version=item.version, measure="调整后的措施",
                   deadline=datetime.date(2022, 11, 15), responsible_name=item.responsible_name)
    amended = events(world.ledger, EventAction.LEDGER_AMENDED).get()
    assert amended.changes["change"] == EventAction.ITEM_CHANGED
    assert amended.changes["before"]["deadline"] == "2022-10-31"
    assert amended.changes["after"] == {"measure": "调整后的措施", "deadline": "2022-11-15"}


def test_comments_from_the_general_branch_and_the_branch_not_the_inspector(world, users):
    wf.comment_add(actor=users["gb_staff"], ledger=world.ledger, text="请细化措施")
    wf.comment_add(actor=users["secretary"], ledger=world.ledger, text="已细化")
    with pytest.raises(PermissionDenied):
        wf.comment_add(actor=users["inspector"], ledger=world.ledger, text="x")
    with pytest.raises(ValidationError, match="请填写意见内容"):
        wf.comment_add(actor=users["gb_staff"], ledger=world.ledger, text="")
    assert events(world.ledger, EventAction.COMMENTED).count() == 2
