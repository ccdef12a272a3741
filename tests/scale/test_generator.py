"""The generator's output holds the invariants the services would keep (small data set, not timed)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from branches.models import OrgUnit, RoleAssignment, UnitKind
from ledger.models import (
    Campaign,
    CampaignStatus,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    Problem,
    ProblemSource,
    RectificationItem,
    SelfCheckAnswer,
)
from scale.generator import ROOT_CODE, Plan, ScaleGenerator, level_counts
from tests.tally_marks import marks_sum

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated_once(module_db, django_db_blocker):
    """Generated once for the module (`module_db`): each test reads it, or writes in its own savepoint."""
    with django_db_blocker.unblock():
        return ScaleGenerator(Plan(units=300, items=1_000, seed=7)).run()


@pytest.fixture
def generated(generated_once, db):
    return generated_once


def test_tree_paths_follow_parents(generated):
    root = OrgUnit.objects.get(code=ROOT_CODE)
    units = OrgUnit.objects.filter(path__startswith=root.path)
    assert units.count() == 300
    assert root.parent_id is None and root.path == f"{root.pk}/" and root.depth == 0
    children = units.exclude(pk=root.pk).select_related("parent")
    for unit in children:
        assert unit.path == f"{unit.parent.path}{unit.pk}/"
        assert unit.depth == unit.parent.depth + 1
    assert set(units.filter(depth=5).values_list("kind", flat=True)) == {UnitKind.BRANCH}
    assert set(units.filter(depth=4).values_list("kind", flat=True)) == {UnitKind.GENERAL_BRANCH}
    # every general branch has branches, no branch has children
    assert not units.filter(depth=4).annotate(n=Count("children")).filter(n=0).exists()
    assert not units.filter(parent__kind=UnitKind.BRANCH).exists()


def test_ledger_rows_copy_their_unit_path(generated):
    campaign = Campaign.objects.get(issuer__code=ROOT_CODE)
    assert campaign.status == CampaignStatus.PUBLISHED
    branches = OrgUnit.objects.filter(kind=UnitKind.BRANCH, path__startswith=campaign.issuer.path)
    assert Ledger.objects.filter(campaign=campaign).count() == branches.count()
    assert not Ledger.objects.exclude(unit_path=F("unit__path")).exists()
    assert not Problem.objects.exclude(unit_path=F("ledger__unit_path")).exists()
    assert not RectificationItem.objects.exclude(unit_path=F("ledger__unit_path")).exists()
    assert not RectificationItem.objects.exclude(ledger_id=F("problem__ledger_id")).exists()
    assert not Problem.objects.exclude(category__template_id=campaign.template_id).exists()


def test_counts_numbering_and_states(generated):
    assert RectificationItem.objects.count() == 1_000
    # numbering is 1..n within each ledger (problems) and each problem (items)
    for ledger in Ledger.objects.annotate(n=Count("problems")).filter(n__gt=0)[:50]:
        assert sorted(ledger.problems.values_list("number", flat=True)) == list(range(1, ledger.n + 1))
    for problem in Problem.objects.annotate(n=Count("items"))[:200]:
        assert sorted(problem.items.values_list("number", flat=True)) == list(range(1, problem.n + 1))
    assert set(Ledger.objects.values_list("status", flat=True)) == set(LedgerStatus.values)
    assert set(RectificationItem.objects.values_list("status", flat=True)) == set(ItemStatus.values)
    assert RectificationItem.objects.filter(is_ongoing=True).exists()
    assert not RectificationItem.objects.filter(status=ItemStatus.CLOSED, closed_at__isnull=True).exists()
    assert not Ledger.objects.filter(status=LedgerStatus.ACCEPTED, accepted_at__isnull=True).exists()


def test_every_row_has_its_history(generated):
    assert LedgerEvent.objects.filter(action=EventAction.LEDGER_CREATED).count() == Ledger.objects.count()
    assert LedgerEvent.objects.filter(action=EventAction.ITEM_ADDED).count() == 1_000
    assert LedgerEvent.objects.filter(action=EventAction.ITEM_CLOSED).count() == (
        RectificationItem.objects.filter(status=ItemStatus.CLOSED).count()
    )
    assert LedgerEvent.objects.filter(action=EventAction.LEDGER_ACCEPTED).count() == (
        Ledger.objects.filter(status=LedgerStatus.ACCEPTED).count()
    )


def test_self_check_answers_back_the_self_check_problems(generated):
    found = SelfCheckAnswer.objects.filter(found=True)
    assert found.exists()
    assert not found.exclude(problem__manifestation_id=F("manifestation_id")).exists()
    assert not found.exclude(problem__ledger_id=F("ledger_id")).exists()
    assert not found.exclude(description=F("problem__description")).exists()
    assert not SelfCheckAnswer.objects.filter(found=False, problem__isnull=False).exists()
    assert not SelfCheckAnswer.objects.exclude(unit_path=F("ledger__unit_path")).exists()
    self_checked = Problem.objects.filter(source=ProblemSource.SELF_CHECK)
    assert self_checked.count() == found.count()
    # a submitted ledger has answered every manifestation of its checklist
    submitted = Ledger.objects.exclude(status=LedgerStatus.DRAFT).first()
    assert submitted.self_check_answers.count() == Manifestation.objects.filter(
        category__template=submitted.campaign.template).count()


def test_accounts_at_every_level(generated):
    featured = dict(RoleAssignment.objects.filter(user__username__in=[
        "scale_province", "scale_city", "scale_county", "scale_committee", "scale_gb", "scale_branch",
    ]).values_list("user__username", "unit__depth"))
    assert featured == {"scale_province": 0, "scale_city": 1, "scale_county": 2, "scale_committee": 3,
                        "scale_gb": 4, "scale_branch": 5}
    assert RoleAssignment.objects.filter(user__username__startswith="scale_").count() > 100


def test_refuses_to_generate_twice_without_reset(generated):
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_scale", units=300, items=1_000)
    assert RectificationItem.objects.count() == 1_000


def test_reset_replaces_the_data(generated):
    call_command("generate_scale", units=400, items=500, reset=True, stdout=io.StringIO())
    assert OrgUnit.objects.count() == 400
    assert RectificationItem.objects.count() == 500
    assert Campaign.objects.count() == 1


def test_level_counts_keep_the_province_shape():
    assert level_counts(300_000)[:5] == [1, 16, 160, 2_880, 23_040]
    assert sum(level_counts(300_000)) == 300_000
    assert sum(level_counts(300)) == 300
    with pytest.raises(ValueError, match="too small"):
        level_counts(5)


def test_the_generated_campaign_is_marked_changed_for_the_tallies(generated):
    assert marks_sum(Campaign.objects.get()) > 0  # written in bulk, so marked as a whole


def test_the_generated_ledgers_have_their_figures_counted_by_the_rules(generated):
    from ledger.models import LedgerFigures
    from reviews.figures import LIST_FIGURES, RULE_FIGURES, figures_counted

    campaign = Campaign.objects.get()
    live = {row["pk"]: row for row in figures_counted(Ledger.objects.filter(campaign=campaign), campaign,
                                                       timezone.localdate())}
    stored = {figures.pk: figures for figures in LedgerFigures.objects.filter(campaign=campaign)}
    assert stored.keys() == live.keys() and len(stored) > 100
    for pk, row in live.items():
        assert {name: getattr(stored[pk], name) for name in LIST_FIGURES} == {
            name: row[source] for name, source in LIST_FIGURES.items()}
        assert {name: getattr(stored[pk], name) for name in RULE_FIGURES} == {
            name: bool(row[source]) if name == "in_place" else row[source] for name, source in RULE_FIGURES.items()}
    assert any(figures.in_place for figures in stored.values())
