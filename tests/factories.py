"""Builders for ledger data shared by every test module (beside the `tree` and `users` fixtures).

Campaigns, problems and items go through the real services, so every test data path is the real one.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

from branches.models import OrgUnit
from branches.selectors import SYSTEM
from ledger.models import (
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    Ledger,
    LedgerStatus,
    Manifestation,
    Problem,
    ProblemSource,
    ProblemStatus,
    RectificationItem,
    TemplateCategory,
)
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish
from ledger.services.workflow import deadline_bounds, item_add, problem_add

YEAR = 2022
PHASES = [
    PhaseSpec("对账查摆", "self_check", ends_on=datetime.date(YEAR, 10, 15)),
    PhaseSpec("立项整改", "rectification", ends_on=datetime.date(YEAR, 10, 31)),
    PhaseSpec("督查落实", "supervision", starts_on=datetime.date(YEAR, 10, 5), ends_on=datetime.date(YEAR, 11, 30)),
    PhaseSpec("结果运用", "results", ends_on=datetime.date(YEAR, 11, 30)),
]


def ensure_builtin_templates() -> None:
    """The built-in checklists, as the data migration loads them (a live-server test's flush removes them)."""
    from ledger.builtin_templates import load_builtin_templates

    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)


def make_template(code: str = "t", categories: int = 2, manifestations: int = 2) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(name=f"模板{code}", code=code)
    for c in range(1, categories + 1):
        category = TemplateCategory.objects.create(template=template, order=c, title=f"类别{c}")
        for m in range(1, manifestations + 1):
            Manifestation.objects.create(category=category, order=m, text=f"类别{c}表现{m}")
    return template


def make_campaign(issuer: OrgUnit, *, actor=SYSTEM, template: ChecklistTemplate | None = None, publish: bool = True,
                  **fields) -> Campaign:
    campaign = campaign_create(
        actor=actor, issuer=issuer, name=fields.pop("name", "对账整改专项行动"), year=fields.pop("year", YEAR),
        template=template or make_template(f"t{ChecklistTemplate.objects.count() + 1}"), phases=PHASES,
        doc_number=fields.pop("doc_number", "组织部〔2022〕44号"),
        report_deadline=fields.pop("report_deadline", datetime.date(YEAR, 10, 20)),
        results_deadline=fields.pop("results_deadline", datetime.date(YEAR, 11, 30)), **fields,
    )
    if publish:
        campaign_publish(actor=actor, campaign=campaign)
        campaign.refresh_from_db()
    return campaign


def ledger_of(campaign: Campaign, unit: OrgUnit) -> Ledger:
    return Ledger.objects.get(campaign=campaign, unit=unit)


def filler_of(ledger: Ledger):
    """An account allowed to fill `ledger` (the unit's secretary), made on first use."""
    from django.contrib.auth import get_user_model

    from branches.models import Role, RoleAssignment

    assignment = RoleAssignment.objects.filter(unit_id=ledger.unit_id, role=Role.BRANCH_SECRETARY).first()
    if assignment:
        return assignment.user
    from tests.conftest import make_user

    name = f"filler-{ledger.unit_id}"
    existing = get_user_model().objects.filter(username=name).first()
    return existing or make_user(name, ledger.unit, Role.BRANCH_SECRETARY)


@contextmanager
def _open_for_builder(ledger: Ledger, problem: Problem | None = None):
    """Let a builder add rows through the real services whatever state a test put the ledger in.

    Tests often set a state first (a submitted ledger, a closed campaign, a withdrawn problem) and then add
    rows; the services would rightly refuse that, so the builder reopens the rows for the call and puts
    the states back, without touching versions or history.
    """
    ledger_status = Ledger.objects.filter(pk=ledger.pk).values_list("status", flat=True).get()
    campaign_status = Campaign.objects.filter(pk=ledger.campaign_id).values_list("status", flat=True).get()
    problem_status = Problem.objects.filter(pk=problem.pk).values_list("status", flat=True).get() if problem else None
    Ledger.objects.filter(pk=ledger.pk).update(status=LedgerStatus.DRAFT)
    Campaign.objects.filter(pk=ledger.campaign_id).update(status=CampaignStatus.PUBLISHED)
    if problem is not None:
        Problem.objects.filter(pk=problem.pk).update(status=ProblemStatus.ACTIVE)
    try:
        yield
    finally:
        Ledger.objects.filter(pk=ledger.pk).update(status=ledger_status)
        Campaign.objects.filter(pk=ledger.campaign_id).update(status=campaign_status)
        if problem is not None:
            Problem.objects.filter(pk=problem.pk).update(status=problem_status)
        figures_refresh(ledger)


def figures_refresh(*ledgers: Ledger) -> None:
    """Count the stored figures of `ledgers` again after a test put rows in a state directly (past the services,
    which count them in the change's transaction: `reviews.figures`)."""
    from reviews.figures import figures_recount

    for ledger in ledgers:
        figures_recount([ledger.pk], campaign=Campaign.objects.get(pk=ledger.campaign_id))


def make_problem(ledger: Ledger, *, category: TemplateCategory | None = None, description: str = "问题描述",
                 source: str = ProblemSource.EXTENDED, user=None, **fields) -> Problem:
    """A problem recorded through the workflow service; extra `fields` are set afterwards for test states."""
    category = category or ledger.campaign.template.categories.first()
    with _open_for_builder(ledger):
        problem = problem_add(actor=user or filler_of(ledger), ledger=ledger, category=category,
                              description=description, source=source,
                              manifestation=fields.pop("manifestation", None))
    if fields:
        Problem.objects.filter(pk=problem.pk).update(**fields)
        problem.refresh_from_db()
        figures_refresh(ledger)
    return problem


def make_item(problem: Problem, *, measure: str = "整改措施", deadline: datetime.date | None = None,
              ongoing: bool = False, responsible_name: str = "张三", user=None, **fields) -> RectificationItem:
    """A measure added through the workflow service; extra `fields` are set afterwards for test states.

    A deadline outside the campaign's bounds (a test wanting "long overdue" or "far away") is set afterwards.
    """
    if not ongoing and deadline is None:
        deadline = datetime.date(YEAR, 10, 31)
    ledger = problem.ledger
    if not ongoing:
        first, last = deadline_bounds(ledger)
        if not first <= deadline <= last:
            fields["deadline"] = deadline
            deadline = first
    with _open_for_builder(ledger, problem):
        item = item_add(actor=user or filler_of(ledger), problem=problem, measure=measure,
                        deadline=None if ongoing else deadline, is_ongoing=ongoing,
                        responsible_name=responsible_name, responsible_leader=fields.pop("responsible_leader", ""),
                        responsible_unit=fields.pop("responsible_unit", ""))
    if fields:
        RectificationItem.objects.filter(pk=item.pk).update(**fields)
        item.refresh_from_db()
        figures_refresh(ledger)
    return item
