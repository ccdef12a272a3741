"""Builders for ledger data shared by every test module (beside the `tree` and `users` fixtures).

Campaigns go through the real services. Problems and items are written directly until the workflow
services exist; switch these builders to the services then, so every test data path is the real one.
"""

from __future__ import annotations

import datetime

from branches.models import OrgUnit
from ledger.models import (
    Campaign,
    ChecklistTemplate,
    Ledger,
    Manifestation,
    Problem,
    ProblemSource,
    RectificationItem,
    TemplateCategory,
)
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish

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


def make_campaign(issuer: OrgUnit, *, actor=None, template: ChecklistTemplate | None = None, publish: bool = True,
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


def make_problem(ledger: Ledger, *, category: TemplateCategory | None = None, description: str = "问题描述",
                 source: str = ProblemSource.SELF_CHECK, user=None, **fields) -> Problem:
    category = category or ledger.campaign.template.categories.first()
    number = (ledger.problems.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Problem.objects.create(ledger=ledger, unit_path=ledger.unit_path, category=category, number=number,
                                  description=description, source=source, created_by=user, **fields)


def make_item(problem: Problem, *, measure: str = "整改措施", deadline: datetime.date | None = None,
              ongoing: bool = False, responsible_name: str = "张三", user=None, **fields) -> RectificationItem:
    if not ongoing and deadline is None:
        deadline = datetime.date(YEAR, 10, 31)
    number = (problem.items.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return RectificationItem.objects.create(
        problem=problem, ledger=problem.ledger, unit_path=problem.unit_path, number=number, measure=measure,
        is_ongoing=ongoing, deadline=None if ongoing else deadline, responsible_name=responsible_name,
        created_by=user, **fields,
    )
