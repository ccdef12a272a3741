"""A template without manifestations (the county, report-review, college and province schemes): each category is
one point of the self-check, counted like a manifestation everywhere (`ledger.models.self_check_points`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from ledger.models import (
    ChecklistTemplate,
    LedgerStatus,
    Problem,
    ProblemSource,
    ProblemStatus,
    SelfCheckAnswer,
)
from ledger.services import workflow as wf
from tests.factories import ensure_builtin_templates, ledger_of, make_campaign, make_item
from tests.tally_marks import marks_sum


@pytest.fixture
def county_ledger(tree, users):
    ensure_builtin_templates()
    campaign = make_campaign(tree.root, actor=users["org"], template=ChecklistTemplate.objects.get(
        code="county-inspection-2020"))
    return ledger_of(campaign, tree.b1)


def categories(ledger):
    return list(ledger.campaign.template.categories.order_by("order"))


def test_the_self_check_page_lists_one_point_per_category_with_its_target(client, users, county_ledger):
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:self_check", args=[county_ledger.pk]))
    html = response.content.decode()
    assert response.context["total"] == 6 and "0/6" in html
    assert html.count('class="list-group-item sc-row"') == 6
    for category in categories(county_ledger):
        assert reverse("ledger:self_check_category_answer", args=[county_ledger.pk, category.pk]) in html
    assert "严肃党内政治生活" in html and "整治目标" in html  # the target, beside the point


def test_answering_found_creates_a_problem_in_the_category(client, users, county_ledger):
    category = categories(county_ledger)[1]
    client.force_login(users["secretary"])
    client.post(reverse("ledger:self_check_category_answer", args=[county_ledger.pk, category.pk]),
                {"found": "1", "description": "民主生活会以工作建议代替批评意见"})
    problem = Problem.objects.get(ledger=county_ledger)
    assert (problem.category, problem.manifestation, problem.source) == (category, None, ProblemSource.SELF_CHECK)
    assert problem.description == "民主生活会以工作建议代替批评意见"
    assert SelfCheckAnswer.objects.get(ledger=county_ledger, category=category).problem == problem
    # The answer's problem is the category's own, not an extra one (延伸自查) beside it.
    page = client.get(reverse("ledger:self_check", args=[county_ledger.pk]))
    assert [extras for _, _, extras in page.context["groups"]][1] == []
    assert "1/6" in page.content.decode()


def test_changing_to_not_found_withdraws_the_problem(users, county_ledger):
    category = categories(county_ledger)[0]
    answer = wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=category, found=True,
                                  description="主题党日流于形式")
    wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=category, found=False,
                         version=answer.version)
    assert Problem.objects.get(ledger=county_ledger).status == ProblemStatus.WITHDRAWN
    assert wf.self_check_progress(county_ledger) == (1, 6)


def test_progress_counts_categories_and_found_without_a_description_is_not_answered(users, county_ledger):
    first, second, *_ = categories(county_ledger)
    wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=first, found=False)
    wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=second, found=True)
    assert wf.self_check_progress(county_ledger) == (1, 6)


def test_submission_asks_for_every_category(users, county_ledger):
    for category in categories(county_ledger)[:4]:
        wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=category, found=False)
    with pytest.raises(ValidationError) as refused:
        wf.ledger_submit(actor=users["secretary"], ledger=county_ledger)
    assert refused.value.messages == ["还有2个方面未完成对照检查。"]
    county_ledger.refresh_from_db()
    assert county_ledger.status == LedgerStatus.DRAFT


def test_a_fully_answered_county_ledger_can_be_submitted(users, county_ledger):
    answers = [wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=category,
                                    found=index == 0, description="理想信念教育流于形式" if index == 0 else "")
               for index, category in enumerate(categories(county_ledger))]
    make_item(answers[0].problem, ongoing=True)
    ledger = wf.ledger_submit(actor=users["secretary"], ledger=county_ledger)
    assert ledger.status == LedgerStatus.SUBMITTED


def test_a_category_of_another_template_is_refused(users, county_ledger, world):
    foreign = world.ledger.campaign.template.categories.first()
    with pytest.raises(ValidationError) as refused:
        wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=foreign, found=False)
    assert refused.value.messages == ["该类别不属于本专项行动的对照清单。"]
    assert not SelfCheckAnswer.objects.exists()


def test_a_template_with_manifestations_is_not_answered_by_category(users, world):
    category = world.ledger.campaign.template.categories.first()
    with pytest.raises(ValidationError) as refused:
        wf.self_check_answer(actor=users["secretary"], ledger=world.ledger, category=category, found=False)
    assert refused.value.messages == ["本专项行动的对照清单按表现逐条检查，不能按类别作答。"]
    assert not SelfCheckAnswer.objects.exists()


def test_the_view_shows_the_refusal_without_saving(client, users, world):
    category = world.ledger.campaign.template.categories.first()
    client.force_login(users["secretary"])
    response = client.post(reverse("ledger:self_check_category_answer", args=[world.ledger.pk, category.pk]),
                           {"found": "0"}, follow=True)
    assert "不能按类别作答" in response.content.decode()
    assert not SelfCheckAnswer.objects.exists()


def test_the_database_holds_an_answer_to_exactly_one_point(users, county_ledger):
    category = categories(county_ledger)[0]
    with transaction.atomic(), pytest.raises(IntegrityError):
        SelfCheckAnswer.objects.create(ledger=county_ledger, unit_path=county_ledger.unit_path, found=False)
    SelfCheckAnswer.objects.create(ledger=county_ledger, category=category, unit_path=county_ledger.unit_path,
                                   found=False)
    with transaction.atomic(), pytest.raises(IntegrityError):
        SelfCheckAnswer.objects.create(ledger=county_ledger, category=category, unit_path=county_ledger.unit_path,
                                       found=True, description="重复")
    assert SelfCheckAnswer.objects.filter(ledger=county_ledger).count() == 1


def test_an_answer_to_both_a_manifestation_and_a_category_is_refused_by_the_database(world):
    ledger = world.ledger
    category = ledger.campaign.template.categories.first()
    with transaction.atomic(), pytest.raises(IntegrityError):
        SelfCheckAnswer.objects.create(ledger=ledger, category=category, manifestation=category.manifestations.first(),
                                       unit_path=ledger.unit_path, found=False)
    assert not SelfCheckAnswer.objects.exists()


def test_a_self_check_answer_marks_the_ledger_changed_for_the_tallies(users, county_ledger):
    before = marks_sum(county_ledger.campaign)
    wf.self_check_answer(actor=users["secretary"], ledger=county_ledger, category=categories(county_ledger)[0],
                         found=False)
    assert marks_sum(county_ledger.campaign) > before
